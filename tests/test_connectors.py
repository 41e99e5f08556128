"""The kept Bot Connector clients: keyed as the SDK's factory would build them, and bounded."""

from __future__ import annotations

from botframework.connector.auth import AuthenticationConstants, ClaimsIdentity

from bot.teams import connectors
from bot.teams.connectors import ConnectorClients, ReusingConnectorFactory, bot_app_id


class _CountingFactory:
    def __init__(self) -> None:
        self.built: list[tuple[str, str | None]] = []

    async def create(self, service_url: str, audience: str | None = None):
        self.built.append((service_url, audience))
        return object()


def test_the_app_id_is_the_token_audience_as_the_sdk_factory_uses_it():
    inbound = ClaimsIdentity(
        {AuthenticationConstants.AUDIENCE_CLAIM: "bot-app", "appid": "channel-app"}, True
    )
    proactive = ClaimsIdentity({AuthenticationConstants.APP_ID_CLAIM: "bot-app"}, True)
    assert bot_app_id(inbound) == bot_app_id(proactive) == "bot-app"
    assert bot_app_id(ClaimsIdentity({}, True)) is None


async def test_one_client_per_service_url_and_audience():
    inner, clients = _CountingFactory(), ConnectorClients()
    factory = ReusingConnectorFactory(inner, "bot-app", clients, "aud")
    first = await factory.create("https://smba.example/emea/", "aud")
    assert await factory.create("https://smba.example/emea/", "aud") is first
    assert await factory.create("https://smba.example/emea/") is first  # the default audience
    other = await factory.create("https://smba.example/amer/", "aud")
    assert other is not first
    assert inner.built == [
        ("https://smba.example/emea/", "aud"),
        ("https://smba.example/amer/", "aud"),
    ]


async def test_the_least_recently_used_client_is_dropped_beyond_the_bound(monkeypatch):
    monkeypatch.setattr(connectors, "MAX_CLIENTS", 3)
    inner, clients = _CountingFactory(), ConnectorClients()
    factory = ReusingConnectorFactory(inner, None, clients, "aud")
    kept = await factory.create("https://a/")
    for url in ("https://b/", "https://c/"):
        await factory.create(url)
    assert await factory.create("https://a/") is kept  # used again: now the most recent
    await factory.create("https://d/")  # drops b, the least recently used
    assert len(clients) == 3
    assert await factory.create("https://a/") is kept
    await factory.create("https://b/")
    assert [url for url, _ in inner.built] == [
        "https://a/",
        "https://b/",
        "https://c/",
        "https://d/",
        "https://b/",
    ]
