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
cost is one short transaction per send (see `SharedAppBudget`), and a look every
`POLL_SECONDS` while sends in flight fill the window.

SQLite is one instance (`LocalAppBudget`); this budget is for PostgreSQL.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Sequence

from sqlalchemy.engine import Engine

from bot.outbox.pacing import Window, pacing_delay
from store import send_grants

log = logging.getLogger(__name__)

# While sends in flight fill the window, look again this often (another instance's completion
# wakes nobody here).
POLL_SECONDS = 0.01
# A grant never completed (its instance died mid-send) stops counting as in flight after this.
STALE_AFTER_SECONDS = 60.0
_PRUNE_EVERY = 500


class SharedAppBudget:
    """The app windows in the database every instance on it shares (PostgreSQL).

    One transaction per grant: the lock, the completions this instance has not written yet,
    the recent sends, the new grant. A completion is written with the next grant when another
    send here is waiting for one (`complete(..., soon=True)`), else at once (`flush`), so an
    idle instance leaves nothing in flight. Its time is the grant's time on the database's
    clock plus what this process measured since it asked for the grant: never earlier than
    the send really completed, so the window never holds fewer sends than Teams counted.

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
        # Grant id -> (its time on the database's clock, this process's clock before asking).
        self._in_flight: dict[int, tuple[float, float]] = {}
        self._completions: list[tuple[int, float]] = []

    def take(self) -> tuple[float | None, object]:
        asked = time.monotonic()
        completions, self._completions = self._completions, []
        try:
            with self._engine.begin() as connection:
                now = self._clock() if self._clock is not None else None
                log = send_grants.lock_and_read(
                    connection, self._horizon, self._stale_after, now, completions
                )
                wait = pacing_delay(log.completed, log.in_flight, self.windows, log.now)
                grant = None
                if wait == 0.0:
                    grant = send_grants.grant(connection, self._worker, log.now)
                    self._granted += 1
                    if self._granted % _PRUNE_EVERY == 0:
                        send_grants.prune(connection, self._horizon, self._stale_after, log.now)
        except Exception:
            self._completions = completions + self._completions
            raise
        if grant is None:
            return wait, None
        self._in_flight[grant] = (log.now, asked)
        return 0.0, grant

    def complete(self, grant: object, *, soon: bool = False) -> None:
        assert isinstance(grant, int)
        granted, asked = self._in_flight.pop(grant)
        at = self._clock() if self._clock is not None else granted + time.monotonic() - asked
        self._completions.append((grant, at))
        if not soon:
            self.flush()

    def flush(self) -> None:
        """Write the completions held back. If the database cannot take them now they stay
        held (counting as in flight meanwhile, which only ever slows the app down) and go with
        the next grant: a send that has completed never fails for its bookkeeping."""
        completions, self._completions = self._completions, []
        if not completions:
            return
        try:
            with self._engine.begin() as connection:
                send_grants.complete(connection, completions)
        except Exception:
            log.warning("send completions not written yet; they go with the next grant")
            self._completions = completions + self._completions
