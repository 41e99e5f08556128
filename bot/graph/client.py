"""The Microsoft Graph transport: an app-only token and one request method that never raises.

Configured with an app registration and its application permissions (README lists them):
tenant, client id and secret. The token comes from msal's `ConfidentialClientApplication`
(client credentials; msal keeps it in its token cache until it is about to expire); the Graph
call itself is made with aiohttp. msal is synchronous, so it runs in a worker thread.

Every call returns a `GraphResponse` or a `GraphError` (bot.graph.errors). Transient failures are
retried with tenacity: 429 after its Retry-After (a longer wait than the configured cap ends the
tries, and the error carries retry_after so the caller can come back later), 5xx, timeouts and
network failures with exponential backoff and jitter, a bounded number of times. Other 4xx are
never retried.

A retry must not do something twice. GET and DELETE are idempotent, and so are PATCH and PUT as
this package uses them (they set fields to values, nothing is added). A POST is retried
after a 5xx, a timeout or a dropped connection only when its caller says it is safe
(`idempotent=True`): Graph may have acted on the first attempt although no answer came back.
Each POST in this package says why it is safe (an event carries a `transactionId` that Graph
uses to drop a repeated creation; installing an app answers 409 when it is installed already;
cancelling a cancelled event does not cancel it twice; getSchedule only reads). A new POST that
creates something without such a key must stay `idempotent=False`: it is then retried only when
Graph certainly did not act (429, or a connection that never opened).
"""

from __future__ import annotations

import asyncio
import functools
import json as jsonlib
import logging
import ssl
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import msal
import requests
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_result,
    wait_exponential,
    wait_random,
)
from yarl import URL

from bot.graph.directory import Manager, line_manager
from bot.graph.errors import GraphError, GraphErrorKind
from bot.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"
GRAPH_SCOPE_SUFFIX = "/.default"
# Paging stops here (999 members a page: a million members) rather than loop on a bad link.
MAX_PAGES = 1000
# msal answers these token errors when the token service itself is in trouble.
TRANSIENT_TOKEN_ERRORS = frozenset({"temporarily_unavailable", "server_error"})

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class GraphResponse:
    status: int
    body: Any  # the parsed JSON, or None for an empty answer (e.g. 202, 201 without a body)
    headers: Mapping[str, str]


def _worth_retrying(result: GraphResponse | GraphError, *, idempotent: bool) -> bool:
    if not isinstance(result, GraphError):
        return False
    if result.kind is GraphErrorKind.THROTTLED:
        return True  # a 429 was not acted on
    if result.kind is GraphErrorKind.UNAVAILABLE:
        return idempotent or not result.maybe_acted
    return False


def _last_result(state: RetryCallState) -> GraphResponse | GraphError:
    return state.outcome.result()  # type: ignore[union-attr]


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date: Graph sends seconds; fall back to our own backoff


def _error_from_answer(
    operation: str, status: int, body: Any, headers: Mapping[str, str]
) -> GraphError:
    if status == 401:
        kind = GraphErrorKind.UNAUTHORISED
    elif status == 403:
        kind = GraphErrorKind.FORBIDDEN
    elif status == 404:
        kind = GraphErrorKind.NOT_FOUND
    elif status == 429:
        kind = GraphErrorKind.THROTTLED
    elif status >= 500:
        kind = GraphErrorKind.UNAVAILABLE
    else:
        kind = GraphErrorKind.REJECTED
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return GraphError(
        kind=kind,
        operation=operation,
        status=status,
        code=code if isinstance(code, str) else None,
        retry_after=_retry_after(headers),
        request_id=headers.get("request-id") or headers.get("client-request-id"),
        maybe_acted=status >= 500,
    )


class GraphClient:
    """One per process (or per test): it keeps msal's token cache between calls.

    `sleep` is what waits between tries (tests pass one that records the waits instead).
    """

    def __init__(self, settings: Settings, *, sleep: Sleep | None = None) -> None:
        self.settings = settings
        self._sleep: Sleep = sleep or asyncio.sleep
        self._app: msal.ConfidentialClientApplication | None = None
        self._lock = threading.Lock()
        self._ssl: ssl.SSLContext | bool = True
        if settings.graph_ca_bundle:
            self._ssl = ssl.create_default_context(cafile=settings.graph_ca_bundle)
        # Exponential backoff from the base, capped, plus up to one base of jitter.
        self._backoff = wait_exponential(
            multiplier=settings.graph_retry_base_seconds, max=settings.graph_retry_cap_seconds
        ) + wait_random(0, settings.graph_retry_base_seconds)

    @property
    def configured(self) -> bool:
        s = self.settings
        return bool(s.graph_tenant_id and s.graph_client_id and s.graph_client_secret)

    @property
    def base_url(self) -> str:
        return self.settings.graph_base_url.rstrip("/")

    @property
    def _scope(self) -> str:
        # https://graph.microsoft.com/v1.0 → https://graph.microsoft.com/.default
        origin = self.base_url.split("/", 3)
        return "/".join(origin[:3]) + GRAPH_SCOPE_SUFFIX

    # -- the token --------------------------------------------------------------------------

    def _client(self) -> msal.ConfidentialClientApplication:
        with self._lock:
            if self._app is None:
                s = self.settings
                authority = f"{s.graph_authority_host.rstrip('/')}/{s.graph_tenant_id}"
                # A non-Microsoft authority host (a sovereign cloud's, or a test double)
                # is taken as given: no instance discovery at login.microsoftonline.com.
                known = s.graph_authority_host.rstrip("/") == DEFAULT_AUTHORITY_HOST
                self._app = msal.ConfidentialClientApplication(
                    s.graph_client_id,
                    client_credential=s.graph_client_secret.get_secret_value(),
                    authority=authority,
                    validate_authority=known,
                    instance_discovery=None if known else False,
                    token_cache=msal.TokenCache(),
                    timeout=s.graph_timeout_seconds,
                    http_client=self._http_client(),
                )
            return self._app

    def _http_client(self) -> requests.Session | None:
        """With a CA bundle configured, a session that trusts it on every request (requests
        lets REQUESTS_CA_BUNDLE override a session-wide `verify`; a per-request one wins)."""
        bundle = self.settings.graph_ca_bundle
        if not bundle:
            return None  # msal's own session
        session = requests.Session()
        session.request = functools.partial(  # type: ignore[method-assign]
            session.request, verify=bundle, timeout=self.settings.graph_timeout_seconds
        )
        return session

    def _acquire_token(self) -> dict:
        result = self._client().acquire_token_for_client(scopes=[self._scope])
        return result if isinstance(result, dict) else {}

    async def _token(self, operation: str) -> str | GraphError:
        try:
            result = await asyncio.to_thread(self._acquire_token)
        except Exception as error:  # msal raises what requests raises, and a few of its own
            # (If the authority could not be reached, no client was kept: the next call
            # tries afresh; a working client keeps its token cache.)
            return GraphError(
                GraphErrorKind.UNAVAILABLE, operation, detail=f"token {type(error).__name__}"
            )
        token = result.get("access_token")
        if isinstance(token, str) and token:
            return token
        code = result.get("error") if isinstance(result.get("error"), str) else "unknown_error"
        kind = (
            GraphErrorKind.UNAVAILABLE
            if code in TRANSIENT_TOKEN_ERRORS
            else GraphErrorKind.UNAUTHORISED
        )
        return GraphError(kind, operation, code=code, detail="token refused")

    # -- requests ---------------------------------------------------------------------------

    def _url(self, path: str) -> URL | None:
        """A path under the Graph base URL, or an absolute link Graph gave us (a nextLink),
        which must point at the same Graph: the token is never sent anywhere else."""
        if path.startswith("/"):
            return URL(self.base_url + path, encoded=True)
        if path.startswith(self.base_url + "/"):
            return URL(path, encoded=True)
        return None

    async def _attempt(
        self,
        operation: str,
        method: str,
        url: URL,
        params: Mapping[str, str] | None,
        body: Any,
        headers: Mapping[str, str],
    ) -> GraphResponse | GraphError:
        token = await self._token(operation)
        if isinstance(token, GraphError):
            return token
        timeout = aiohttp.ClientTimeout(total=self.settings.graph_timeout_seconds)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as http,
                http.request(
                    method,
                    url,
                    params=params,
                    json=body,
                    headers={"Authorization": f"Bearer {token}", **headers},
                    ssl=self._ssl,
                ) as response,
            ):
                status, answer_headers = response.status, response.headers
                raw = await response.read()
        except TimeoutError:
            return GraphError(
                GraphErrorKind.UNAVAILABLE, operation, detail="timeout", maybe_acted=True
            )
        except aiohttp.ClientConnectorError as error:  # never reached Graph: nothing was done
            return GraphError(GraphErrorKind.UNAVAILABLE, operation, detail=type(error).__name__)
        except (aiohttp.ClientError, OSError) as error:
            return GraphError(
                GraphErrorKind.UNAVAILABLE,
                operation,
                detail=type(error).__name__,
                maybe_acted=True,
            )
        try:
            parsed = jsonlib.loads(raw) if raw.strip() else None
        except ValueError:
            parsed = None
            if 200 <= status < 300:
                return GraphError(
                    GraphErrorKind.UNAVAILABLE,
                    operation,
                    status=status,
                    request_id=answer_headers.get("request-id"),
                    detail="unreadable answer",
                    maybe_acted=True,  # Graph said it succeeded
                )
        if 200 <= status < 300:
            return GraphResponse(status, parsed, dict(answer_headers))
        return _error_from_answer(operation, status, parsed, answer_headers)

    def _stop(self, state: RetryCallState) -> bool:
        if state.attempt_number >= self.settings.graph_max_attempts:
            return True
        result = state.outcome.result() if state.outcome else None
        wait = result.retry_after if isinstance(result, GraphError) else None
        return wait is not None and wait > self.settings.graph_retry_cap_seconds

    def _wait(self, state: RetryCallState) -> float:
        result = state.outcome.result() if state.outcome else None
        if isinstance(result, GraphError) and result.retry_after is not None:
            return result.retry_after  # at most the cap: a longer one has stopped the tries
        return self._backoff(state)

    async def request(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> GraphResponse | GraphError:
        """Call Graph at `path` (under the base URL, ids quoted with `wire.path_segment`).

        `operation` names the call in logs and errors. `idempotent` defaults to True for every
        method but POST: see the module docstring before setting it for a POST.
        """
        if not self.configured:
            return GraphError(GraphErrorKind.NOT_CONFIGURED, operation)
        url = self._url(path)
        if url is None:
            return GraphError(GraphErrorKind.UNAVAILABLE, operation, detail="foreign link")
        retrying = AsyncRetrying(
            stop=self._stop,
            wait=self._wait,
            retry=retry_if_result(
                functools.partial(
                    _worth_retrying,
                    idempotent=method.upper() != "POST" if idempotent is None else idempotent,
                )
            ),
            retry_error_callback=_last_result,
            sleep=self._sleep,
        )
        result = await retrying(
            self._attempt, operation, method.upper(), url, params, json, dict(headers or {})
        )
        if isinstance(result, GraphError):
            level = logging.INFO if result.kind is GraphErrorKind.NOT_FOUND else logging.WARNING
            log.log(level, "graph request failed %s", result.log_fields())
        return result

    async def collect(
        self,
        operation: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> list[dict] | GraphError:
        """Every item of a collection, following `@odata.nextLink` page after page."""
        items: list[dict] = []
        link, query = path, params
        for _ in range(MAX_PAGES):
            response = await self.request(operation, "GET", link, params=query, headers=headers)
            if isinstance(response, GraphError):
                return response
            body = response.body if isinstance(response.body, dict) else {}
            page = body.get("value")
            if not isinstance(page, list):
                return GraphError(GraphErrorKind.UNAVAILABLE, operation, detail="unreadable answer")
            items.extend(item for item in page if isinstance(item, dict))
            next_link = body.get("@odata.nextLink")
            if not isinstance(next_link, str) or not next_link:
                return items
            link, query = next_link, None  # the link carries the query
        return GraphError(GraphErrorKind.UNAVAILABLE, operation, detail="too many pages")

    async def manager_of(self, aad_object_id: str | None) -> Manager | None:
        """The person's line manager, or None: not configured, none recorded, or Graph failed
        (the error is logged). New code that needs the reason calls `directory.line_manager`."""
        if not aad_object_id:
            return None
        result = await line_manager(self, aad_object_id)
        return result if isinstance(result, Manager) else None
