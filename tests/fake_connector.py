"""A small Bot Connector service on loopback that records what the bot sends.

Point an activity's `serviceUrl` at `FakeConnector.url` and every reply, proactive message,
card update and conversation creation the bot makes lands in `requests`. Responses can be
scripted (e.g. 429 with Retry-After, 403 for a user who removed the bot) with `fail_next`.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


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
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.url = ""
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create_conversation)
        app.router.add_post("/v3/conversations/{cid}/activities", self._send)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._send)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._update)
        self._app = app

    async def start(self) -> FakeConnector:
        self._runner = web.AppRunner(self._app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
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

    def _take_failure(self, conversation_id: str) -> ScriptedFailure | None:
        for failure in list(self._failures):
            if failure.conversation_id in (None, conversation_id):
                self._failures.remove(failure)
                return failure
        return None

    # --- handlers ----------------------------------------------------------------------------

    async def _create_conversation(self, request: web.Request) -> web.Response:
        body = await request.json()
        new_id = f"a:created-{next(self._ids)}"
        self.requests.append(Recorded("POST", request.path, new_id, body))
        return web.json_response({"id": new_id, "activityId": None, "serviceUrl": self.url})

    async def _send(self, request: web.Request) -> web.Response:
        return await self._record(request, "POST")

    async def _update(self, request: web.Request) -> web.Response:
        return await self._record(request, "PUT")

    async def _record(self, request: web.Request, method: str) -> web.Response:
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
        failure = self._take_failure(cid)
        if failure is not None:
            self.rejected.append(entry)
            return web.json_response(failure.body, status=failure.status, headers=failure.headers)
        self.requests.append(entry)
        activity_id = entry.activity_id if method == "PUT" else f"activity-{next(self._ids)}"
        return web.json_response({"id": activity_id})

    # --- reading -----------------------------------------------------------------------------

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
