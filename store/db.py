"""Engine and session creation for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Table, event, inspect, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

CONNECT_TIMEOUT = 10  # seconds (PostgreSQL)
# Connections per process. A turn waiting for a free connection blocks the event loop (for up
# to POOL_TIMEOUT), so no handler holds one while it awaits Teams (checked by
# tests/test_no_session_across_await.py). These sizes date from before that: headroom.
POOL_SIZE = 10
MAX_OVERFLOW = 40
POOL_TIMEOUT = 30  # seconds a checkout waits for a free connection (SQLAlchemy's default)
# How stale `updated_at` may be on a row refreshed on every message (a person, a conversation
# reference) before an otherwise unchanged message writes it again.
TOUCH_EVERY = timedelta(hours=1)
# Rows or ids per statement when a list is split up (well under the drivers' bound-parameter
# limits for an `IN` list).
CHUNK = 1_000

T = TypeVar("T")


def create_db_engine(
    database_url: str,
    pool_size: int = POOL_SIZE,
    max_overflow: int = MAX_OVERFLOW,
    pool_timeout: float = POOL_TIMEOUT,
) -> Engine:
    """Create an engine; for SQLite, make the folder and switch on WAL and foreign keys.

    SQLite runs WAL with `synchronous=NORMAL`: a commit survives the process being killed
    (the write-ahead log is in the OS before COMMIT returns) and only a power cut of the machine
    could lose the last commits; a commit is then not an fsync, which keeps the moment between
    Teams accepting a message and its outbox row saying `sent` short.
    """
    url = make_url(database_url)
    pooling = {"pool_size": pool_size, "max_overflow": max_overflow, "pool_timeout": pool_timeout}
    if url.get_backend_name() == "sqlite":
        in_memory = not url.database or url.database == ":memory:"
        if not in_memory:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        pool = {} if in_memory else pooling
        engine = create_engine(
            database_url, connect_args={"check_same_thread": False, "timeout": 30}, **pool
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    # A server that does not answer fails a connection attempt in seconds, not minutes.
    return create_engine(
        database_url,
        pool_pre_ping=True,
        connect_args={"connect_timeout": CONNECT_TIMEOUT},
        **pooling,
    )


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


def ping(engine: Engine) -> None:
    """Raise if the database cannot answer a trivial query."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


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


# Every session keeps the sweep's per-pairing moments up to date (see the module).
import store.next_sweep  # noqa: E402, F401  isort: skip
