"""Which instance runs the scheduler's sweeps: at most one at a time.

On PostgreSQL the leader holds a session-level advisory lock (`pg_try_advisory_lock`) on a
connection of its own, kept open while it leads. Every instance asks before each sweep: the
leader checks that its connection (and so its lock) is still alive, the others try to take the
lock and skip the sweep if they can't. When the leader dies its connection closes, the server
releases the lock, and another instance takes over at its next sweep interval.

Sweeps are idempotent and outbox rows are claimed, so two sweeps at once would still send
each message once; leadership keeps the planners from doing the same work twice at once.

On SQLite there is one instance by design (the database is a local file): it always leads.
"""

from __future__ import annotations

import logging

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

# The advisory lock's key: "StepForw" as a 64-bit integer, so other apps' keys don't collide.
SCHEDULER_LOCK_KEY = int.from_bytes(b"StepForw", "big")


class SchedulerLeadership:
    def __init__(self, engine: Engine) -> None:
        self._url = engine.url
        self.uses_lock = engine.dialect.name == "postgresql"
        self._lock_engine: Engine | None = None
        self._connection: Connection | None = None

    @property
    def is_leader(self) -> bool:
        return not self.uses_lock or self._connection is not None

    def announce(self) -> None:
        """Say at start how this instance shares the scheduler."""
        if self.uses_lock:
            log.info("scheduler: PostgreSQL, several instances; one leads the sweeps at a time")
        else:
            log.warning(
                "scheduler: SQLite, single instance only; run one process on this database "
                "(use PostgreSQL for several instances)"
            )

    def try_lead(self) -> bool:
        """True if this instance leads now (keeps or takes the lock); never raises."""
        if not self.uses_lock:
            return True
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT 1"))
                return True
            except Exception:
                log.warning("scheduler leadership lost: its database connection failed")
                self._drop()
        try:
            if self._lock_engine is None:
                # Its own engine without a pool: the lock's connection is never shared or reused.
                self._lock_engine = create_engine(self._url, poolclass=NullPool)
            connection = self._lock_engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except Exception:
            log.warning("scheduler leadership: database unreachable")
            return False
        try:
            taken = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": SCHEDULER_LOCK_KEY}
            ).scalar()
        except Exception:
            taken = False
        if not taken:
            connection.close()
            return False
        self._connection = connection
        log.info("scheduler leadership taken: this instance runs the sweeps")
        return True

    def release(self) -> None:
        """Give the lock back (at shutdown), so another instance leads at once."""
        if self._connection is not None:
            try:
                self._connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": SCHEDULER_LOCK_KEY}
                )
            except Exception:
                pass  # closing the connection releases it anyway
        self._drop()
        if self._lock_engine is not None:
            self._lock_engine.dispose()
            self._lock_engine = None

    def _drop(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:
                pass
            self._connection = None
