"""Sessions, and the statements every repository shares (chunks of ids, insert unless it
exists, refreshing a row only when something changed). Engines: `store.engine`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import cache
from typing import TypeVar

from sqlalchemy import Table, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session

# How stale `updated_at` may be on a row refreshed on every message (a person, a conversation
# reference) before an otherwise unchanged message writes it again.
TOUCH_EVERY = timedelta(hours=1)
# Rows or ids per statement when a list is split up (well under the drivers' bound-parameter
# limits for an `IN` list).
CHUNK = 1_000

T = TypeVar("T")


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def chunked(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """`items` in consecutive slices of at most `size`."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def insert_unless_exists(
    session: Session, table: Table, values: dict, unique: list[str]
) -> int | None:
    """INSERT ... ON CONFLICT (unique) DO NOTHING; the new row's id, or None if it existed.

    Atomic on both databases, so of two sessions inserting the same key at once exactly one
    gets an id (the other waits for the first to commit on PostgreSQL, then gets None).
    """
    statement = _insert_unless_exists(table, session.get_bind().dialect.name, tuple(unique))
    # RETURNING yields the new id, or nothing when the key existed (rowcount is unreliable
    # across drivers for INSERT ... ON CONFLICT DO NOTHING).
    return session.connection().execute(statement, values).scalar_one_or_none()


@cache
def _insert_unless_exists(table: Table, dialect: str, unique: tuple[str, ...]):
    """One statement per table and key, its values bound at execution: SQLAlchemy then finds
    it compiled without working out its cache key again (a cost on every message)."""
    if dialect == "sqlite":
        statement = sqlite.insert(table)
    elif dialect == "postgresql":
        statement = postgresql.insert(table)
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(f"insert on {dialect}")
    return statement.on_conflict_do_nothing(index_elements=list(unique)).returning(table.c.id)


def refresh_row(
    session: Session,
    table: Table,
    key: dict,
    current: Mapping | None,
    now: datetime,
    values: dict,
    *,
    created: dict | None = None,
) -> dict | None:
    """Bring a row refreshed on every message (a person, a conversation) up to date with Core
    statements: insert it (`key`, `values`, `created`) when `current` (the row as read) is
    None, else set the `values` that differ, and `updated_at` if any did or it is older than
    `TOUCH_EVERY`. Returns the values written (None: nothing was).

    Most messages change nothing and then write nothing: no UPDATE for the timestamps alone.
    Core rather than ORM objects because this runs on every message, where loading and
    flushing objects cost more than the statements (bench/README.md, "Inbound").
    """
    if current is None:
        row = {**key, **values, **(created or {}), "updated_at": now}
        insert_unless_exists(session, table, row, list(key))  # or a message at once did
        return row
    changed = {name: value for name, value in values.items() if current[name] != value}
    if not changed and now - current["updated_at"] < TOUCH_EVERY:
        return None
    changed["updated_at"] = now
    where = [table.c[name] == value for name, value in key.items()]
    session.connection().execute(update(table).where(*where).values(changed))
    return changed
