"""The fake's server: the token service, request recording, failure switches and paging.

Each Graph endpoint has a name (e.g. "create_event"); the areas register theirs with `route`.
Every request to Graph is recorded as a `Call`; `fail` and `hang` make the next N calls to an
endpoint (or to every endpoint: "*"; or to the token service: "token") answer with an error or
not at all. With `act_first=True` the endpoint does its work before failing: what a client sees
when Graph acted but the answer was lost.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import SecretStr
from yarl import URL

from bot.settings import Settings
from tests.fake_graph.tls import self_signed

TENANT = "contoso-tenant"
CLIENT_ID = "graph-client-id"
SECRET = "graph-client-secret"
TOKEN = "graph-token-1"
VERSION = "/v1.0"
# How long a hung endpoint holds its answer unless the fake stops first.
HANG_SECONDS = 30.0

Handler = Callable[[web.Request, "Call"], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Call:
    endpoint: str
    method: str
    path: str  # without the query, e.g. /v1.0/users/aad-1/events
    query: dict[str, str]
    body: Any  # the JSON body, or None
    headers: dict[str, str]  # without Authorization


@dataclass
class Switch:
    status: int | None  # None: hang
    remaining: int | None  # None: until cleared
    retry_after: float | None = None
    act_first: bool = False
    seconds: float = HANG_SECONDS
    code: str | None = None
    after: int = 0  # calls that still succeed before this switch applies


@dataclass
class Recorder:
    calls: list[Call] = field(default_factory=list)

    def to(self, endpoint: str) -> list[Call]:
        return [call for call in self.calls if call.endpoint == endpoint]


class GraphServer:
    """The parts every area shares. `FakeGraph` adds the areas' state and endpoints."""

    def __init__(self, *, page_size: int = 100) -> None:
        self.page_size = page_size
        self.token_requests: list[dict] = []
        self.recorder = Recorder()
        self.switches: dict[str, list[Switch]] = {}
        self.url = ""
        self.ca_file = ""
        self._ids = itertools.count(1)
        self._closing = asyncio.Event()
        self._app = web.Application()
        self._app.router.add_get(
            f"/{TENANT}/v2.0/.well-known/openid-configuration", self._discovery
        )
        self._app.router.add_post(f"/{TENANT}/oauth2/v2.0/token", self._token)
        self._runner: web.AppRunner | None = None

    # -- life -------------------------------------------------------------------------------

    async def start(self, folder: Path) -> GraphServer:
        cert, key = self_signed(folder)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        self._runner = web.AppRunner(self._app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=context)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url, self.ca_file = f"https://127.0.0.1:{port}", cert
        return self

    async def stop(self) -> None:
        self._closing.set()  # hung endpoints answer now
        if self._runner is not None:
            await self._runner.cleanup()

    def configure(self, settings: Settings, **overrides: Any) -> Settings:
        """`settings` pointed at this fake: credentials, authority, Graph, CA bundle; short
        timeouts and no waiting between tries unless a test overrides them."""
        return settings.model_copy(
            update={
                "graph_tenant_id": TENANT,
                "graph_client_id": CLIENT_ID,
                "graph_client_secret": SecretStr(SECRET),
                "graph_authority_host": self.url,
                "graph_base_url": f"{self.url}{VERSION}",
                "graph_ca_bundle": self.ca_file,
                "graph_timeout_seconds": 5.0,
                "graph_retry_base_seconds": 0.0,
                "graph_retry_cap_seconds": 5.0,
                "graph_max_attempts": 3,
            }
            | overrides
        )

    def new_id(self, prefix: str) -> str:
        """A Graph-looking id (with the '=' of base64, so clients must quote it)."""
        return f"{prefix}{next(self._ids):04d}AAA="

    # -- failure switches -------------------------------------------------------------------

    def fail(
        self,
        endpoint: str,
        status: int,
        *,
        times: int | None = 1,
        retry_after: float | None = None,
        act_first: bool = False,
        code: str | None = None,
        after: int = 0,
    ) -> None:
        """The next `times` calls (None: all until `clear_failures`) answer `status`, once
        `after` calls have succeeded (e.g. the second page of a collection)."""
        self.switches.setdefault(endpoint, []).append(
            Switch(status, times, retry_after, act_first, code=code, after=after)
        )

    def hang(
        self,
        endpoint: str,
        *,
        times: int | None = 1,
        seconds: float = HANG_SECONDS,
        act_first: bool = False,
        after: int = 0,
    ) -> None:
        """The next `times` calls get no answer for `seconds` (past any client timeout)."""
        self.switches.setdefault(endpoint, []).append(
            Switch(None, times, act_first=act_first, seconds=seconds, after=after)
        )

    def clear_failures(self) -> None:
        self.switches.clear()

    def _take(self, endpoint: str) -> Switch | None:
        for key in (endpoint, "*") if endpoint != "token" else ("token",):
            queue = self.switches.get(key)
            if not queue:
                continue
            switch = queue[0]
            if switch.after > 0:
                switch.after -= 1
                return None
            if switch.remaining is not None:
                switch.remaining -= 1
                if switch.remaining <= 0:
                    queue.pop(0)
            return switch
        return None

    async def _failure(self, switch: Switch) -> web.Response:
        if switch.status is None:
            try:
                await asyncio.wait_for(self._closing.wait(), switch.seconds)
            except TimeoutError:
                pass
            return self.error(504, "GatewayTimeout")
        return self.error(
            switch.status, switch.code or _code_for(switch.status), retry_after=switch.retry_after
        )

    # -- answers ----------------------------------------------------------------------------

    def error(
        self, status: int, code: str, message: str = "", *, retry_after: float | None = None
    ) -> web.Response:
        """An answer shaped like Graph's errors: {"error": {"code", "message", "innerError"}}."""
        request_id = f"req-{next(self._ids)}"
        headers = {"request-id": request_id}
        if retry_after is not None:
            headers["Retry-After"] = f"{retry_after:g}"
        body = {
            "error": {
                "code": code,
                "message": message or code,
                "innerError": {"request-id": request_id},
            }
        }
        return web.json_response(body, status=status, headers=headers)

    def page(self, request: web.Request, items: list[dict], **extra: Any) -> web.Response:
        """One page of a collection: `$top` (at most `page_size`) items from `$skiptoken`,
        with an `@odata.nextLink` carrying the rest of the query when there are more."""
        query = request.rel_url.query
        size = self.page_size
        if query.get("$top", "").isdigit():
            size = min(size, int(query["$top"]))
        offset = int(query.get("$skiptoken", "0") or 0)
        body: dict[str, Any] = {"value": items[offset : offset + size], **extra}
        if offset + size < len(items):
            rest = {k: v for k, v in query.items() if k != "$skiptoken"}
            link = (
                URL(self.url)
                .with_path(request.rel_url.path)
                .with_query({**rest, "$skiptoken": str(offset + size)})
            )
            body["@odata.nextLink"] = str(link)
        return web.json_response(body)

    # -- routing ----------------------------------------------------------------------------

    def route(self, method: str, path: str, endpoint: str, handler: Handler) -> None:
        """Serve `path` (under /v1.0) as `endpoint`: recorded, authorised, switchable."""

        async def serve(request: web.Request) -> web.StreamResponse:
            raw = await request.read()
            try:
                body = json.loads(raw) if raw.strip() else None
            except ValueError:
                body = None
            call = Call(
                endpoint=endpoint,
                method=request.method,
                path=request.rel_url.path,
                query=dict(request.rel_url.query),
                body=body,
                headers={k: v for k, v in request.headers.items() if k != "Authorization"},
            )
            self.recorder.calls.append(call)
            if request.headers.get("Authorization") != f"Bearer {TOKEN}":
                return self.error(401, "InvalidAuthenticationToken")
            switch = self._take(endpoint)
            if switch is not None and not switch.act_first:
                return await self._failure(switch)
            response = await handler(request, call)
            if switch is not None:
                return await self._failure(switch)
            return response

        self._app.router.add_route(method, VERSION + path, serve)

    # -- the token service ------------------------------------------------------------------

    async def _discovery(self, _request: web.Request) -> web.Response:
        base = f"{self.url}/{TENANT}"
        return web.json_response(
            {
                "issuer": f"{base}/v2.0",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "token_endpoint": f"{base}/oauth2/v2.0/token",
            }
        )

    async def _token(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        self.token_requests.append(form)
        switch = self._take("token")
        if switch is not None:
            if switch.status is None:
                return await self._failure(switch)
            error = {401: "invalid_client", 400: "invalid_request"}.get(
                switch.status, "temporarily_unavailable"
            )
            headers = {"Retry-After": f"{switch.retry_after:g}"} if switch.retry_after else {}
            return web.json_response({"error": error}, status=switch.status, headers=headers)
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != SECRET:
            return web.json_response({"error": "invalid_client"}, status=401)
        return web.json_response(
            {"access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600}
        )


def _code_for(status: int) -> str:
    return {
        400: "BadRequest",
        401: "InvalidAuthenticationToken",
        403: "Authorization_RequestDenied",
        404: "Request_ResourceNotFound",
        409: "Conflict",
        429: "TooManyRequests",
        500: "InternalServerError",
        503: "ServiceUnavailable",
    }.get(status, "UnknownError")
