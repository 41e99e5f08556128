"""One Bot Connector client per service URL, reused by every turn and every proactive send.

The SDK's CloudAdapter asks its authentication for a connector factory and a user-token client
on every inbound activity and every `continue_conversation`, and the factory builds a new
`ConnectorClient` each time: a fresh msrest configuration, retry policy, serialiser and HTTP
session per message. In a fan-out that construction cost more CPU than the sends themselves.
Teams uses a handful of service URLs, so a client per (app id, service URL, audience) is kept
and reused, as the SDK's older BotFrameworkAdapter did; its credentials refresh their own token.
"""

from __future__ import annotations

from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    ClaimsIdentity,
    ConnectorFactory,
    JwtTokenValidation,
    UserTokenClient,
)

_ClientKey = tuple[str | None, str, str | None]


class _ReusingConnectorFactory(ConnectorFactory):
    def __init__(
        self,
        inner: ConnectorFactory,
        app_id: str | None,
        clients: dict[_ClientKey, ConnectorClient],
    ) -> None:
        self._inner = inner
        self._app_id = app_id
        self._clients = clients

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        key = (self._app_id, service_url, audience)
        client = self._clients.get(key)
        if client is None:
            client = await self._inner.create(service_url, audience)
            self._clients.setdefault(key, client)
        return self._clients[key]


class ReusingBotFrameworkAuthentication(ConfigurationBotFrameworkAuthentication):
    """The SDK's configuration-based authentication, with connector clients kept and reused."""

    def __init__(self, configuration, **kwargs) -> None:
        super().__init__(configuration, **kwargs)
        self._clients: dict[_ClientKey, ConnectorClient] = {}
        self._token_clients: dict[str | None, UserTokenClient] = {}

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return _ReusingConnectorFactory(
            super().create_connector_factory(claims_identity),
            JwtTokenValidation.get_app_id_from_claims(claims_identity.claims),
            self._clients,
        )

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        app_id = JwtTokenValidation.get_app_id_from_claims(claims_identity.claims)
        client = self._token_clients.get(app_id)
        if client is None:
            client = await super().create_user_token_client(claims_identity)
            self._token_clients.setdefault(app_id, client)
        return self._token_clients[app_id]

    @property
    def connector_clients(self) -> int:
        """How many connector clients are kept (one per app id, service URL and audience)."""
        return len(self._clients)
