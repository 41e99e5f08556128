"""Creating the database engine: SQLite (the embedded default) or PostgreSQL, with the pool
and connection settings, and the session hook that keeps the sweep's moments current."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import create_engine

from store.next_sweep import keep_moments_current

CONNECT_TIMEOUT = 10  # seconds (PostgreSQL)
# Connections per process. A turn waiting for a free connection blocks the event loop (for up
# to POOL_TIMEOUT), so no handler holds one while it awaits Teams (checked by
# tests/test_no_session_across_await.py). These sizes date from before that: headroom.
POOL_SIZE = 10
MAX_OVERFLOW = 40
POOL_TIMEOUT = 30  # seconds a checkout waits for a free connection (SQLAlchemy's default)


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

    Sessions then keep the sweep's per-pairing moments current (`store.next_sweep`).
    """
    keep_moments_current()
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


def ping(engine: Engine) -> None:
    """Raise if the database cannot answer a trivial query."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
