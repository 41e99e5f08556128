"""Sessions, and the statements every repository shares (chunks of ids, insert unless it
exists, refreshing a row only when something changed). Engines: `store.engine`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import Table, inspect
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
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        statement = sqlite.insert(table).values(values)
    elif dialect == "postgresql":
        statement = postgresql.insert(table).values(values)
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(f"insert on {dialect}")
    statement = statement.on_conflict_do_nothing(index_elements=unique).returning(table.c.id)
    # RETURNING yields the new id, or nothing when the key existed (rowcount is unreliable
    # across drivers for INSERT ... ON CONFLICT DO NOTHING).
    return session.execute(statement).scalar_one_or_none()


def refresh(session: Session, row, now: datetime, **values) -> None:
    """Bring a row refreshed on every message (a person, a conversation) up to date: set the
    `values` that differ, and `updated_at` if any did or it is older than `TOUCH_EVERY`.

    Most messages change nothing; they then leave the row clean, so neither an UPDATE nor a
    flush of it follows (two per message otherwise, for the timestamps alone).
    """
    new = not inspect(row).persistent
    changed = False
    for name, value in values.items():
        if new or getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    if new or changed or now - row.updated_at >= TOUCH_EVERY:
        row.updated_at = now
        session.add(row)
        session.flush()
