"""An optional Microsoft Graph lookup: a person's line manager (`/users/{id}/manager`).

Configured with an app registration allowed to read users (application permission
`User.Read.All`): tenant, client id and secret. The token comes from msal's
`ConfidentialClientApplication` (client credentials; msal keeps it in its token cache until it
is about to expire); the Graph call itself is made with aiohttp. msal is synchronous, so it
runs in a worker thread.

Nothing here ever raises to the caller: without configuration, or when Graph or the token
service fails, times out or says there is no manager, the answer is None ("unknown").
"""

from __future__ import annotations

import asyncio
import functools
import logging
import ssl
import threading
from dataclasses import dataclass
from urllib.parse import quote

import aiohttp
import msal
import requests

from bot.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"
GRAPH_SCOPE_SUFFIX = "/.default"
TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Manager:
    name: str
    email: str | None = None
    job_title: str | None = None


class GraphClient:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._app: msal.ConfidentialClientApplication | None = None
        self._lock = threading.Lock()
        self._ssl: ssl.SSLContext | bool = True
        if settings.graph_ca_bundle:
            self._ssl = ssl.create_default_context(cafile=settings.graph_ca_bundle)

    @property
    def configured(self) -> bool:
        s = self.settings
        return bool(s.graph_tenant_id and s.graph_client_id and s.graph_client_secret)

    @property
    def _scope(self) -> str:
        base = self.settings.graph_base_url.rstrip("/")
        # https://graph.microsoft.com/v1.0 → https://graph.microsoft.com/.default
        origin = base.split("/", 3)
        return "/".join(origin[:3]) + GRAPH_SCOPE_SUFFIX

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
                    timeout=TIMEOUT_SECONDS,
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
            session.request, verify=bundle, timeout=TIMEOUT_SECONDS
        )
        return session

    def _token(self) -> str | None:
        result = self._client().acquire_token_for_client(scopes=[self._scope])
        token = result.get("access_token") if isinstance(result, dict) else None
        if not token:
            log.warning(
                "graph token refused error=%s", (result or {}).get("error", "unknown error")
            )
        return token

    async def manager_of(self, aad_object_id: str | None) -> Manager | None:
        """The person's line manager from Graph, or None (not configured, none, or failed)."""
        if not self.configured or not aad_object_id:
            return None
        try:
            token = await asyncio.to_thread(self._token)
            if not token:
                return None
            url = (
                f"{self.settings.graph_base_url.rstrip('/')}/users/"
                f"{quote(aad_object_id, safe='')}/manager"
                "?$select=displayName,mail,userPrincipalName,jobTitle"
            )
            timeout = aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
            async with (
                aiohttp.ClientSession(timeout=timeout) as http,
                http.get(
                    url, headers={"Authorization": f"Bearer {token}"}, ssl=self._ssl
                ) as response,
            ):
                if response.status == 404:
                    return None  # no manager recorded in the directory
                if response.status != 200:
                    log.warning("graph manager lookup failed status=%s", response.status)
                    return None
                body = await response.json(content_type=None)
        except Exception as error:  # a lookup must never fail the participant's request
            # (If the authority could not be reached, no client was kept: the next lookup
            # tries afresh; a working client keeps its token cache.)
            log.warning("graph manager lookup failed error=%s", type(error).__name__)
            return None
        name = body.get("displayName") if isinstance(body, dict) else None
        if not name:
            return None
        return Manager(
            name=name,
            email=body.get("mail") or body.get("userPrincipalName"),
            job_title=body.get("jobTitle"),
        )
