"""Pacing proactive sends under Teams' rate limits instead of waiting to be throttled.

Teams publishes limits per conversation (7 messages per second, 8 per 2 s, 60 per 30 s, 1800
per hour) and per app (50 requests per second); a bot over them gets 429s. Each limit is a
`Window` (at most `limit` sends in any `seconds`); the `Pacer` keeps a log of recent sends per
conversation and for the whole app and tells a sender how long to wait before the next one.

A send counts from the moment it is granted until it completes, and from then on at its
completion time: so however long a request takes on the wire, the connector never sees more
than `limit` arrivals in any window (a send still in flight always counts).

`pacing_delay` is the rule as a pure function; the `Pacer` adds the log, an injected monotonic
clock and an injected sleep, so tests move time instead of waiting.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass

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


class Pacer:
    """Grants sends per conversation and per app within their windows (one per process)."""

    def __init__(
        self,
        conversation_windows: Sequence[Window],
        app_windows: Sequence[Window],
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.conversation_windows = tuple(conversation_windows)
        self.app_windows = tuple(app_windows)
        self._clock = clock
        self._sleep = sleep
        self._conversation_horizon = max((w.seconds for w in self.conversation_windows), default=0)
        self._app = _Log(max((w.seconds for w in self.app_windows), default=0.0))
        self._conversations: dict[str, _Log] = {}
        self._grants = 0
        # Set (and replaced) whenever a send completes: senders waiting for a slot held by sends
        # in flight wake then, instead of polling.
        self._released = asyncio.Event()

    @property
    def app_ceiling(self) -> int | None:
        """The most sends the app windows allow at once (None: no app limit)."""
        return min((w.limit for w in self.app_windows), default=None)

    def delay(self, conversation_id: str, now: float | None = None) -> float | None:
        """How long a send to `conversation_id` would wait at `now` (see `pacing_delay`)."""
        now = self._clock() if now is None else now
        log = self._conversations.get(conversation_id) or _Log(self._conversation_horizon)
        waits = [
            pacing_delay(log.completed, log.in_flight, self.conversation_windows, now),
            pacing_delay(self._app.completed, self._app.in_flight, self.app_windows, now),
        ]
        if None in waits:
            return None
        return max(waits)

    async def acquire(self, conversation_id: str, max_wait: float) -> float:
        """Wait for a slot to send to `conversation_id`, at most `max_wait` seconds.

        Returns 0.0 when granted (then call `release` once the send completed, whatever its
        outcome), else how many more seconds it would take: nothing is held then, and the
        caller sends later instead of holding its claim while it waits.
        """
        started = self._clock()
        while True:
            wait = self.delay(conversation_id)
            if wait == 0.0:
                break
            left = max_wait - (self._clock() - started)
            if wait is None:
                # Only sends in flight fill a window: the next completion may free it.
                if left <= 0:
                    return IN_FLIGHT_RETRY_SECONDS
                if not await self._next_release(left):
                    return IN_FLIGHT_RETRY_SECONDS
                continue
            if wait > left:
                return wait
            await self._sleep(wait)
        log = self._conversations.get(conversation_id)
        if log is None:
            log = self._conversations[conversation_id] = _Log(self._conversation_horizon)
        log.in_flight += 1
        self._app.in_flight += 1
        self._grants += 1
        if self._grants % _PRUNE_EVERY == 0:
            self._prune()
        return 0.0

    def release(self, conversation_id: str) -> None:
        """A granted send completed: it counts in the windows from now on."""
        now = self._clock()
        self._conversations[conversation_id].complete(now)
        self._app.complete(now)
        released, self._released = self._released, asyncio.Event()
        released.set()

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
