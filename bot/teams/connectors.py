"""One Bot Connector client per service URL, reused by every turn and every proactive send.

The SDK's CloudAdapter asks its authentication for a connector factory and a user-token client
on every inbound activity and every `continue_conversation`, and the factory builds a new
`ConnectorClient` each time: a fresh msrest configuration, retry policy, serialiser and HTTP
session per message. In a fan-out that construction cost more CPU than the sends themselves.
Teams uses a handful of service URLs, so a client per (app id, service URL, audience) is kept
and reused, as the SDK's older BotFrameworkAdapter did; its credentials refresh their own token.
"""

from __future__ import annotations

from collections import OrderedDict

from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    ClaimsIdentity,
    ConnectorFactory,
    UserTokenClient,
)

_ClientKey = tuple[str | None, str, str | None]

# Teams uses a few service URLs; the bound only matters if something posts many (a dev bot
# without an app id accepts any). A client dropped from the cache is closed by the collector.
MAX_CLIENTS = 64


def bot_app_id(claims_identity: ClaimsIdentity) -> str | None:
    """The app id the SDK's connector factory sends as: the token's audience, else its appid."""
    return claims_identity.get_claim_value(
        AuthenticationConstants.AUDIENCE_CLAIM
    ) or claims_identity.get_claim_value(AuthenticationConstants.APP_ID_CLAIM)


class ConnectorClients:
    """The kept clients, least recently used dropped first beyond `MAX_CLIENTS`."""

    def __init__(self) -> None:
        self._by_key: OrderedDict[_ClientKey, ConnectorClient] = OrderedDict()

    def get(self, key: _ClientKey) -> ConnectorClient | None:
        client = self._by_key.get(key)
        if client is not None:
            self._by_key.move_to_end(key)
        return client

    def keep(self, key: _ClientKey, client: ConnectorClient) -> ConnectorClient:
        kept = self._by_key.setdefault(key, client)
        while len(self._by_key) > MAX_CLIENTS:
            self._by_key.popitem(last=False)
        return kept

    def __len__(self) -> int:
        return len(self._by_key)


class ReusingConnectorFactory(ConnectorFactory):
    def __init__(
        self,
        inner: ConnectorFactory,
        app_id: str | None,
        clients: ConnectorClients,
        default_audience: str,
    ) -> None:
        self._inner = inner
        self._app_id = app_id
        self._clients = clients
        self._default_audience = default_audience

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        # A turn passes the channel's scope, a proactive send None, which means the same.
        audience = audience or self._default_audience
        key = (self._app_id, service_url, audience)
        client = self._clients.get(key)
        if client is None:
            client = self._clients.keep(key, await self._inner.create(service_url, audience))
        return client


class ReusingBotFrameworkAuthentication(ConfigurationBotFrameworkAuthentication):
    """The SDK's configuration-based authentication, with connector clients kept and reused."""

    def __init__(self, configuration, **kwargs) -> None:
        super().__init__(configuration, **kwargs)
        self._clients = ConnectorClients()
        self._token_clients: dict[str | None, UserTokenClient] = {}

    def _reusing(self, factory: ConnectorFactory, claims_identity: ClaimsIdentity):
        return ReusingConnectorFactory(
            factory, bot_app_id(claims_identity), self._clients, self.get_originating_audience()
        )

    async def authenticate_request(
        self, activity: Activity, auth_header: str
    ) -> AuthenticateRequestResult:
        """The SDK's validation unchanged; the turn's connector comes from the kept clients."""
        result = await super().authenticate_request(activity, auth_header)
        result.connector_factory = self._reusing(result.connector_factory, result.claims_identity)
        return result

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return self._reusing(super().create_connector_factory(claims_identity), claims_identity)

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        app_id = bot_app_id(claims_identity)
        client = self._token_clients.get(app_id)
        if client is None:
            client = await super().create_user_token_client(claims_identity)
            self._token_clients.setdefault(app_id, client)
        return self._token_clients[app_id]

    @property
    def connector_clients(self) -> int:
        """How many connector clients are kept (one per app id, service URL and audience)."""
        return len(self._clients)
