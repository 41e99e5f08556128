"""The optional Microsoft Graph lookup of a participant's line manager, against a fake token
service and Graph on loopback HTTPS (msal insists on https; its authority is pointed here with
instance discovery and authority validation off, so nothing leaves the machine)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import SecretStr

from bench.teams_activities import CHANNEL_ID, card_submit
from bot.graph import GraphClient, Manager
from bot.settings import Settings
from tests.applying import card_text
from tests.conftest import start_bot
from tests.test_pairing import SAM, _programme_with_accepted_trainee

TENANT = "contoso-tenant"
CLIENT_ID = "graph-client-id"
SECRET = "graph-client-secret"


def _self_signed(tmp_path) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "graph.pem", tmp_path / "graph.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_path), str(key_path)


class FakeGraph:
    """The token service (OpenID discovery + client credentials) and `/users/{id}/manager`."""

    def __init__(self) -> None:
        self.managers: dict[str, dict] = {}
        self.token_requests: list[dict] = []
        self.graph_requests: list[str] = []
        self.fail_graph_with: int | None = None
        self.url = ""
        self.ca_file = ""
        app = web.Application()
        app.router.add_get(f"/{TENANT}/v2.0/.well-known/openid-configuration", self._discovery)
        app.router.add_post(f"/{TENANT}/oauth2/v2.0/token", self._token)
        app.router.add_get("/v1.0/users/{user}/manager", self._manager)
        self._runner = web.AppRunner(app)

    async def start(self, tmp_path) -> FakeGraph:
        cert, key = _self_signed(tmp_path)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=context)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.url, self.ca_file = f"https://127.0.0.1:{port}", cert
        return self

    async def stop(self) -> None:
        await self._runner.cleanup()

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
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != SECRET:
            return web.json_response({"error": "invalid_client"}, status=401)
        return web.json_response(
            {"access_token": "graph-token-1", "token_type": "Bearer", "expires_in": 3600}
        )

    async def _manager(self, request: web.Request) -> web.Response:
        user = request.match_info["user"]
        self.graph_requests.append(user)
        if request.headers.get("Authorization") != "Bearer graph-token-1":
            return web.json_response({"error": {"code": "InvalidAuthenticationToken"}}, status=401)
        if self.fail_graph_with:
            return web.json_response({"error": {"code": "Boom"}}, status=self.fail_graph_with)
        if user not in self.managers:
            return web.json_response({"error": {"code": "Request_ResourceNotFound"}}, status=404)
        return web.json_response(self.managers[user])


@pytest.fixture
async def graph(tmp_path) -> AsyncIterator[FakeGraph]:
    fake = await FakeGraph().start(tmp_path)
    fake.managers[SAM] = {
        "displayName": "Jane Manager",
        "mail": "jane.manager@contoso.example",
        "jobTitle": "Station Manager",
    }
    yield fake
    await fake.stop()


def _configured(settings: Settings, graph: FakeGraph, **overrides) -> Settings:
    return settings.model_copy(
        update={
            "graph_tenant_id": TENANT,
            "graph_client_id": CLIENT_ID,
            "graph_client_secret": SecretStr(SECRET),
            "graph_authority_host": graph.url,
            "graph_base_url": f"{graph.url}/v1.0",
            "graph_ca_bundle": graph.ca_file,
        }
        | overrides
    )


async def test_manager_lookup_with_a_cached_client_credentials_token(settings, graph):
    client = GraphClient(_configured(settings, graph))
    assert await client.manager_of(SAM) == Manager(
        "Jane Manager", "jane.manager@contoso.example", "Station Manager"
    )
    assert await client.manager_of(SAM) is not None
    assert len(graph.token_requests) == 1  # msal's token cache served the second lookup
    assert graph.token_requests[0]["grant_type"] == "client_credentials"
    assert f"{graph.url}/.default" in graph.token_requests[0]["scope"].split()
    assert graph.graph_requests == [SAM, SAM]


async def test_no_manager_graph_errors_and_no_configuration_are_unknown(settings, graph):
    client = GraphClient(_configured(settings, graph))
    assert await client.manager_of("aad-nobody") is None  # 404: no manager in the directory
    graph.fail_graph_with = 503
    assert await client.manager_of(SAM) is None
    graph.fail_graph_with = None
    refused = GraphClient(_configured(settings, graph, graph_client_secret=SecretStr("wrong")))
    assert await refused.manager_of(SAM) is None
    unreachable = GraphClient(
        _configured(settings, graph, graph_authority_host="https://127.0.0.1:9")
    )
    assert await unreachable.manager_of(SAM) is None
    before = (len(graph.token_requests), len(graph.graph_requests))
    assert await GraphClient(settings).manager_of(SAM) is None  # not configured: no request
    assert not GraphClient(settings).configured
    assert (len(graph.token_requests), len(graph.graph_requests)) == before


async def _report_release(bot) -> dict:
    await _programme_with_accepted_trainee(bot)
    await bot.post(
        card_submit(
            bot.connector.url,
            SAM,
            {"release_block": "report", "what": "secondment", "by": "line_manager"},
            user_name="Sam Taylor",
        )
    )
    [card] = [c for c in bot.connector.cards(CHANNEL_ID) if "Escalation #" in card_text(c)]
    return card


async def test_the_release_block_card_names_the_line_manager_from_graph(
    settings, clock, connector, graph
):
    bot = await start_bot(_configured(settings, graph), clock, connector)
    try:
        card = await _report_release(bot)
        text = card_text(card)
        assert "Line manager of Sam Taylor" in text
        assert "Jane Manager (jane.manager@contoso.example)" in text
        assert "reached the programme coordinators" in bot.connector.texts(f"a:personal-{SAM}")[-1]
    finally:
        await bot.client.close()


async def test_when_graph_fails_the_card_says_unknown_and_the_participant_sees_no_error(
    settings, clock, connector, graph
):
    graph.fail_graph_with = 500
    bot = await start_bot(_configured(settings, graph), clock, connector)
    try:
        card = await _report_release(bot)
        [fact_set] = [item for item in card["body"] if item["type"] == "FactSet"]
        facts = {f["title"]: f["value"] for f in fact_set["facts"]}
        assert facts["Line manager of Sam Taylor"] == "unknown"
        reply = bot.connector.texts(f"a:personal-{SAM}")[-1]
        assert reply.startswith("Thanks — that has reached the programme coordinators.")
    finally:
        await bot.client.close()
