"""One app-wide pace for every instance: Teams' per-app limit as a budget in PostgreSQL.

Teams counts an app's sends across all its instances (50 per second), so the app windows are
kept once, in the database (`store.send_grants`), and every instance's pacer draws from them:
a send is granted under an advisory lock when the shared log has room by the same rule as one
process (`pacing.pacing_delay`: a send counts from its grant, and from its completion on), so
the instances together never exceed the ceiling and one instance alone may use all of it.
The per-conversation limits stay in each process: a conversation's messages are sent by
whichever instance claimed them, one after another.

Why a shared budget rather than routing every send to the scheduler's leader: messages sent at
once from a turn (`Outbox.send_now`: an escalation, a pairing's introductions) would otherwise
wait for the leader, and a leader's death would stop all sending until another takes over;
with the budget every instance sends what it claims, at the full rate when it is alone. The
cost is two short transactions per send (grant, completion) on one hot row set, and a look
every `POLL_SECONDS` while sends in flight fill the window.

SQLite is one instance (`LocalAppBudget`); this budget is for PostgreSQL.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Sequence

from sqlalchemy.engine import Engine

from bot.outbox.pacing import Window, pacing_delay
from store import send_grants
from store.db import session_scope

# While sends in flight fill the window, look again this often (another instance's completion
# wakes nobody here).
POLL_SECONDS = 0.01
# A grant never completed (its instance died mid-send) stops counting as in flight after this.
STALE_AFTER_SECONDS = 60.0
_PRUNE_EVERY = 500


class SharedAppBudget:
    """The app windows in the database every instance on it shares (PostgreSQL).

    `clock` (seconds since the epoch) is for tests that move time; by default the database
    server's clock decides, so instances on different machines agree.
    """

    poll_seconds = POLL_SECONDS

    def __init__(
        self,
        engine: Engine,
        windows: Sequence[Window],
        *,
        worker: str | None = None,
        clock: Callable[[], float] | None = None,
        stale_after: float = STALE_AFTER_SECONDS,
    ) -> None:
        self.windows = tuple(windows)
        self._engine = engine
        self._worker = worker or f"{socket.gethostname()}:{os.getpid()}"
        self._clock = clock
        self._stale_after = stale_after
        self._horizon = max((w.seconds for w in self.windows), default=0.0)
        self._granted = 0

    def take(self) -> tuple[float | None, object]:
        with session_scope(self._engine) as session:
            now = self._clock() if self._clock is not None else None
            log = send_grants.lock_and_read(session, self._horizon, self._stale_after, now)
            wait = pacing_delay(log.completed, log.in_flight, self.windows, log.now)
            if wait != 0.0:
                return wait, None
            grant = send_grants.grant(session, self._worker, log.now)
            self._granted += 1
            if self._granted % _PRUNE_EVERY == 0:
                send_grants.prune(session, self._horizon, self._stale_after, log.now)
            return 0.0, grant

    def complete(self, grant: object) -> None:
        assert isinstance(grant, int)
        with session_scope(self._engine) as session:
            now = self._clock() if self._clock is not None else None
            send_grants.complete(session, grant, now)
