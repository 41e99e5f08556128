"""A small Bot Connector service on loopback that records what the bot sends.

Point an activity's `serviceUrl` at `FakeConnector.url` and every reply, proactive message,
card update and conversation creation the bot makes lands in `requests`. Responses can be
scripted (e.g. 429 with Retry-After, 403 for a user who removed the bot) with `fail_next`.

`enforce_limits` makes it behave like Teams under load: a send over the published rate limits
(per conversation and per app) is answered 429 with Retry-After, counted in `throttled`.
`per_conversation()` counts what was accepted; `latency` slows every answer down (real time).
`gate(conversation_id)` holds the sends to one conversation until the test opens the gate.
Importable outside the test suite (e.g. by benchmarks): it needs only aiohttp.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

# Microsoft's published limits for bots in Teams: (messages, seconds).
TEAMS_CONVERSATION_LIMITS = ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))
TEAMS_APP_LIMITS = ((50, 1.0),)


class RateLimits:
    """Sliding windows over arrival times, as the service counts them."""

    def __init__(
        self,
        conversation: Sequence[tuple[int, float]],
        app: Sequence[tuple[int, float]],
        clock: Callable[[], float],
    ) -> None:
        self.conversation = tuple(conversation)
        self.app = tuple(app)
        self.clock = clock
        self._arrivals: dict[str, deque[float]] = {}
        self._app_arrivals: deque[float] = deque()

    @staticmethod
    def _retry_after(arrivals: deque[float], windows, now: float) -> float | None:
        for limit, seconds in windows:
            inside = [at for at in arrivals if now - at < seconds]
            if len(inside) >= limit:
                return inside[len(inside) - limit] + seconds - now
        return None

    def admit(self, conversation_id: str | None) -> float | None:
        """Record an arrival and return None, or refuse it: seconds until it would fit."""
        now = self.clock()
        arrivals = self._arrivals.setdefault(conversation_id or "", deque())
        waits = [self._retry_after(self._app_arrivals, self.app, now)]
        if conversation_id is not None:
            waits.append(self._retry_after(arrivals, self.conversation, now))
        refused = [wait for wait in waits if wait is not None]
        if refused:
            return max(refused)
        self._remember(self._app_arrivals, self.app, now)
        if conversation_id is not None:
            self._remember(arrivals, self.conversation, now)
        return None

    @staticmethod
    def _remember(arrivals: deque[float], windows, now: float) -> None:
        """Record an arrival and forget those older than the longest window."""
        arrivals.append(now)
        horizon = now - max((seconds for _limit, seconds in windows), default=0.0)
        while arrivals and arrivals[0] <= horizon:
            arrivals.popleft()


@dataclass
class Recorded:
    method: str
    path: str
    conversation_id: str
    body: dict[str, Any]
    activity_id: str | None = None
    at: Any = None  # the test clock's time when it arrived, if the connector was given one

    @property
    def text(self) -> str:
        return self.body.get("text") or ""

    @property
    def cards(self) -> list[dict]:
        return [
            attachment["content"]
            for attachment in self.body.get("attachments") or []
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]


@dataclass
class Gate:
    """Sends to one conversation wait here, unanswered, until `opened` is set; `reached` is
    set when the first one arrives."""

    reached: asyncio.Event = field(default_factory=asyncio.Event)
    opened: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class ScriptedFailure:
    status: int
    body: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)
    conversation_id: str | None = None


class FakeConnector:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.rejected: list[Recorded] = []
        self._failures: deque[ScriptedFailure] = deque()
        self.clock = None  # set to the test's clock to stamp what arrives
        self.limits: RateLimits | None = None
        self.throttled: Counter[str] = Counter()
        self.latency = 0.0  # seconds every answer takes (real time)
        # Accept this many sends, then hold further ones unanswered (a stalled service) until
        # `release_held`, which answers them 503 without accepting them.
        self.hold_after: int | None = None
        self.holding = 0
        self.gates: dict[str, Gate] = {}
        # Sends and updates received and not yet answered: now, and the most at any moment.
        self.in_flight = 0
        self.max_in_flight = 0
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.url = ""
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create_conversation)
        app.router.add_post("/v3/conversations/{cid}/activities", self._send)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._send)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._update)
        self._app = app

    async def start(self, port: int = 0) -> FakeConnector:
        """Listen on loopback, on `port` (0: any free port)."""
        self._loop = asyncio.get_running_loop()
        self._released = asyncio.Event()
        self._runner = web.AppRunner(self._app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # --- scripting ---------------------------------------------------------------------------

    def fail_next(
        self,
        status: int,
        *,
        times: int = 1,
        code: str | None = None,
        retry_after: str | None = None,
        conversation_id: str | None = None,
    ) -> None:
        """Answer the next `times` sends (to one conversation, or any) with an error."""
        body = {"error": {"code": code or "Error", "message": "scripted failure"}}
        headers = {"Retry-After": retry_after} if retry_after else {}
        for _ in range(times):
            self._failures.append(ScriptedFailure(status, body, headers, conversation_id))

    def gate(self, conversation_id: str) -> Gate:
        """Hold every send to this conversation until the returned gate is opened (on the
        connector's loop); then they are answered as usual."""
        return self.gates.setdefault(conversation_id, Gate())

    def release_held(self) -> None:
        """Answer the held sends (from any thread) and hold no more."""
        self.hold_after = None
        self._loop.call_soon_threadsafe(self._released.set)

    def enforce_limits(
        self,
        *,
        conversation: Sequence[tuple[int, float]] = TEAMS_CONVERSATION_LIMITS,
        app: Sequence[tuple[int, float]] = TEAMS_APP_LIMITS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Answer sends over these limits with 429 and Retry-After, as Teams does."""
        self.limits = RateLimits(conversation, app, clock)

    def _throttle(self, conversation_id: str | None) -> web.Response | None:
        if self.limits is None:
            return None
        wait = self.limits.admit(conversation_id)
        if wait is None:
            return None
        self.throttled[conversation_id or ""] += 1
        body = {"error": {"code": "Throttled", "message": "too many requests"}}
        return web.json_response(
            body, status=429, headers={"Retry-After": str(max(1, math.ceil(wait)))}
        )

    def _take_failure(self, conversation_id: str) -> ScriptedFailure | None:
        for failure in list(self._failures):
            if failure.conversation_id in (None, conversation_id):
                self._failures.remove(failure)
                return failure
        return None

    # --- handlers ----------------------------------------------------------------------------

    async def _create_conversation(self, request: web.Request) -> web.Response:
        body = await request.json()
        if self.latency:
            await asyncio.sleep(self.latency)
        throttled = self._throttle(None)
        if throttled is not None:
            return throttled
        new_id = f"a:created-{next(self._ids)}"
        self.requests.append(Recorded("POST", request.path, new_id, body))
        return web.json_response({"id": new_id, "activityId": None, "serviceUrl": self.url})

    async def _send(self, request: web.Request) -> web.Response:
        return await self._record(request, "POST")

    async def _update(self, request: web.Request) -> web.Response:
        return await self._record(request, "PUT")

    async def _record(self, request: web.Request, method: str) -> web.Response:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self._answer(request, method)
        finally:
            self.in_flight -= 1

    async def _answer(self, request: web.Request, method: str) -> web.Response:
        body = await request.json()
        cid = request.match_info["cid"]
        entry = Recorded(
            method,
            request.path,
            cid,
            body,
            request.match_info.get("aid"),
            self.clock.now() if self.clock else None,
        )
        if self.latency:
            await asyncio.sleep(self.latency)
        gate = self.gates.get(cid)
        if gate is not None and method == "POST":
            gate.reached.set()
            await gate.opened.wait()
        if self.hold_after is not None and len(self.requests) >= self.hold_after:
            self.holding += 1
            await self._released.wait()
            self.holding -= 1
            self.rejected.append(entry)
            return web.json_response({"error": {"code": "ServiceUnavailable"}}, status=503)
        throttled = self._throttle(cid)
        if throttled is not None:
            self.rejected.append(entry)
            return throttled
        failure = self._take_failure(cid)
        if failure is not None:
            self.rejected.append(entry)
            return web.json_response(failure.body, status=failure.status, headers=failure.headers)
        self.requests.append(entry)
        activity_id = entry.activity_id if method == "PUT" else f"activity-{next(self._ids)}"
        return web.json_response({"id": activity_id})

    # --- reading -----------------------------------------------------------------------------

    def per_conversation(self) -> Counter[str]:
        """Accepted sends and updates, by conversation id."""
        return Counter(r.conversation_id for r in self.requests if r.method in ("POST", "PUT"))

    def sent_to(self, conversation_id: str) -> list[Recorded]:
        return [r for r in self.requests if r.conversation_id == conversation_id]

    def texts(self, conversation_id: str | None = None) -> list[str]:
        return [
            r.text
            for r in self.requests
            if conversation_id is None or r.conversation_id == conversation_id
        ]

    def cards(self, conversation_id: str | None = None) -> list[dict]:
        return [
            card
            for r in self.requests
            if conversation_id is None or r.conversation_id == conversation_id
            for card in r.cards
        ]

    def clear(self) -> None:
        self.requests.clear()
        self.rejected.clear()
        self.throttled.clear()
