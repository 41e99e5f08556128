"""Pacing proactive sends under Teams' rate limits instead of waiting to be throttled.

Teams publishes limits per conversation (7 messages per second, 8 per 2 s, 60 per 30 s, 1800
per hour) and per app (50 requests per second); a bot over them gets 429s. Each limit is a
`Window` (at most `limit` sends in any `seconds`); the `Pacer` keeps a log of recent sends per
conversation and for the whole app and tells a sender how long to wait before the next one.

A send counts from the moment it is granted until it completes, and from then on at its
completion time: so however long a request takes on the wire, the connector never sees more
than `limit` arrivals in any window (a send still in flight always counts).

`pacing_delay` is the rule as a pure function; the `Pacer` adds the log, an injected monotonic
clock and an injected sleep, so tests move time instead of waiting. The app windows are an
`AppBudget`: kept in the process (`LocalAppBudget`, one instance on SQLite) or one budget in
PostgreSQL every instance draws from (`bot.outbox.shared_pace.SharedAppBudget`).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

# Returned when sends in flight fill a window and the caller may not wait: try again this soon.
IN_FLIGHT_RETRY_SECONDS = 0.01
_PRUNE_EVERY = 1000


@dataclass(frozen=True)
class Window:
    """At most `limit` sends in any `seconds`."""

    limit: int
    seconds: float

    @classmethod
    def parse(cls, text: str) -> Window:
        """`"7/1"`: 7 sends per 1 second."""
        count, _, seconds = text.partition("/")
        window = cls(int(count), float(seconds or 1))
        if window.limit < 1 or window.seconds <= 0:
            raise ValueError(f"a rate limit needs a positive count and period: {text!r}")
        return window


def pacing_delay(
    sent: Sequence[float], in_flight: int, windows: Iterable[Window], now: float
) -> float | None:
    """Seconds to wait until one more send keeps every window; 0.0 if it may go now.

    `sent` holds completion times in ascending order; `in_flight` sends count in every window
    until they complete. None: sends in flight alone fill a window (wait for one to finish).
    """
    delay = 0.0
    for window in windows:
        recent = [at for at in sent if at > now - window.seconds]
        # Completed sends that may still be in the window when one more is granted.
        room = window.limit - in_flight - 1
        if room < 0:
            return None
        excess = len(recent) - room
        if excess > 0:
            # The `excess` oldest must leave the window: the last of them at its time + period.
            delay = max(delay, recent[excess - 1] + window.seconds - now)
    return delay


class _Log:
    """Completion times within the longest of its windows (`horizon`), and sends in flight."""

    __slots__ = ("completed", "horizon", "in_flight")

    def __init__(self, horizon: float) -> None:
        self.completed: deque[float] = deque()
        self.horizon = horizon
        self.in_flight = 0

    def complete(self, now: float) -> None:
        self.in_flight -= 1
        self.completed.append(now)
        while self.completed and self.completed[0] <= now - self.horizon:
            self.completed.popleft()


class AppBudget(Protocol):
    """Where the app-wide windows are kept: in this process (`LocalAppBudget`) or shared by
    every instance (`bot.outbox.shared_pace.SharedAppBudget`)."""

    windows: tuple[Window, ...]
    # How often a sender held by sends in flight looks again; None: a local completion wakes it.
    poll_seconds: float | None

    def take(self) -> tuple[float | None, object]:
        """(0.0, grant) when one more send fits now (it counts at once), else (its
        `pacing_delay`, None)."""
        ...

    def complete(self, grant: object, *, soon: bool = False) -> None:
        """The send of `grant` completed: it counts at its completion time from now on.
        `soon`: another send is about to ask (a shared budget may write both at once)."""
        ...

    def flush(self) -> None:
        """Write completions held back for the next grant (nobody is asking any more)."""
        ...


class LocalAppBudget:
    """The app windows in this process alone: the whole budget when one instance sends."""

    poll_seconds = None

    def __init__(self, windows: Sequence[Window], clock: Callable[[], float]) -> None:
        self.windows = tuple(windows)
        self._clock = clock
        self._log = _Log(max((w.seconds for w in self.windows), default=0.0))

    def take(self) -> tuple[float | None, object]:
        wait = pacing_delay(self._log.completed, self._log.in_flight, self.windows, self._clock())
        if wait == 0.0:
            self._log.in_flight += 1
        return wait, None

    def complete(self, grant: object, *, soon: bool = False) -> None:
        self._log.complete(self._clock())

    def flush(self) -> None:
        pass  # nothing is held back


class Pacer:
    """Grants sends per conversation (in this process) and per app (`app_budget`: this
    process's, or one shared by every instance) within their windows; one per process.

    Senders ask the app budget one at a time (`_app_turn`): the first in line waits for the
    next free slot while the others queue behind it, so a shared budget is asked about once
    per send (plus a look every `poll_seconds` while sends in flight fill it), not once per
    waiting sender.
    """

    def __init__(
        self,
        conversation_windows: Sequence[Window],
        app_windows: Sequence[Window],
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        app_budget: AppBudget | None = None,
    ) -> None:
        self.conversation_windows = tuple(conversation_windows)
        self.app = app_budget or LocalAppBudget(app_windows, clock)
        self._clock = clock
        self._sleep = sleep
        self._conversation_horizon = max((w.seconds for w in self.conversation_windows), default=0)
        self._conversations: dict[str, _Log] = {}
        # The app grants of sends in flight, per conversation, to complete on release.
        self._grants: dict[str, list[object]] = {}
        self._grants_made = 0
        self._app_turn = asyncio.Lock()
        self._asking_app = 0  # senders waiting for, or holding, the app turn
        # Set (and replaced) whenever a send completes: senders waiting for a slot held by sends
        # in flight wake then, instead of polling.
        self._released = asyncio.Event()

    @property
    def app_ceiling(self) -> int | None:
        """The most sends the app windows allow at once (None: no app limit)."""
        return min((w.limit for w in self.app.windows), default=None)

    def conversation_delay(self, conversation_id: str, now: float | None = None) -> float | None:
        """How long a send to `conversation_id` would wait for its conversation's windows at
        `now` (see `pacing_delay`)."""
        now = self._clock() if now is None else now
        log = self._conversations.get(conversation_id) or _Log(self._conversation_horizon)
        return pacing_delay(log.completed, log.in_flight, self.conversation_windows, now)

    async def acquire(self, conversation_id: str, max_wait: float) -> float:
        """Wait for a slot to send to `conversation_id`, at most `max_wait` seconds.

        Returns 0.0 when granted (then call `release` once the send completed, whatever its
        outcome), else how many more seconds it would take: nothing is held then, and the
        caller sends later instead of holding its claim while it waits.
        """
        started = self._clock()

        def left() -> float:
            return max_wait - (self._clock() - started)

        while True:
            wait = self.conversation_delay(conversation_id)
            if wait == 0.0:
                self._asking_app += 1
                try:
                    async with self._app_turn:
                        # Nobody else here is granted a send meanwhile, so the conversation's
                        # delay can only shrink: checked again, then the app asked, with no
                        # await between them.
                        while self.conversation_delay(conversation_id) == 0.0:
                            wait, grant = self.app.take()
                            if wait == 0.0:
                                self._grant(conversation_id, grant)
                                return 0.0
                            come_back = await self._wait(wait, left(), self.app.poll_seconds)
                            if come_back is not None:
                                return come_back
                finally:
                    self._asking_app -= 1
                    if not self._asking_app:
                        self.app.flush()
                continue
            come_back = await self._wait(wait, left(), None)
            if come_back is not None:
                return come_back

    def release(self, conversation_id: str) -> None:
        """A granted send completed: it counts in the windows from now on."""
        self._conversations[conversation_id].complete(self._clock())
        self.app.complete(self._grants[conversation_id].pop(), soon=self._asking_app > 0)
        released, self._released = self._released, asyncio.Event()
        released.set()

    def _grant(self, conversation_id: str, grant: object) -> None:
        log = self._conversations.get(conversation_id)
        if log is None:
            log = self._conversations[conversation_id] = _Log(self._conversation_horizon)
        log.in_flight += 1
        self._grants.setdefault(conversation_id, []).append(grant)
        self._grants_made += 1
        if self._grants_made % _PRUNE_EVERY == 0:
            self._prune()

    async def _wait(self, wait: float | None, left: float, poll: float | None) -> float | None:
        """Wait `wait` seconds, or with None until a send in flight completes (or `poll`
        seconds pass), if that fits in `left`: None once waited, else how soon to come back."""
        if wait is None:
            if left <= 0:
                return IN_FLIGHT_RETRY_SECONDS
            released = await self._next_release(left if poll is None else min(left, poll))
            return IN_FLIGHT_RETRY_SECONDS if not released and poll is None else None
        if wait > left:
            return wait
        await self._sleep(wait)
        return None

    async def _next_release(self, within: float) -> bool:
        """Wait until a send in flight completes (True), or `within` seconds pass (False)."""
        try:
            async with asyncio.timeout(within):
                await self._released.wait()
        except TimeoutError:
            return False
        return True

    def _prune(self) -> None:
        """Forget conversations with nothing in flight and nothing in any window."""
        now = self._clock()
        stale = [
            key
            for key, log in self._conversations.items()
            if log.in_flight == 0 and (not log.completed or log.completed[-1] <= now - log.horizon)
        ]
        for key in stale:
            del self._conversations[key]
            self._grants.pop(key, None)
