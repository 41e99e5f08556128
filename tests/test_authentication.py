"""With MicrosoftAppId set, the SDK's Bot Framework JWT validation guards /api/messages.

A local OpenID metadata server (in a thread: the SDK fetches keys synchronously) publishes
one trusted RSA key, endorsed for msteams, as login.botframework.com would.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlmodel import Session, select

from bench.teams_activities import personal_message
from bot.settings import Settings
from store.models import ConversationRef
from tests.conftest import start_bot

APP_ID = "11111111-2222-3333-4444-555555555555"
ISSUER = "https://api.botframework.com"


def _new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


TRUSTED_KEY = _new_key()
UNTRUSTED_KEY = _new_key()


class _Metadata(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        base = f"http://127.0.0.1:{self.server.server_port}"
        if self.path == "/.well-known/openidconfiguration":
            body = {"issuer": ISSUER, "jwks_uri": f"{base}/keys"}
        elif self.path == "/keys":
            jwk = json.loads(RSAAlgorithm.to_jwk(TRUSTED_KEY.public_key()))
            body = {"keys": [jwk | {"kid": "trusted", "use": "sig", "endorsements": ["msteams"]}]}
        else:
            self.send_error(404)
            return
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def metadata_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Metadata)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/.well-known/openidconfiguration"
    server.shutdown()


@pytest.fixture
async def secured_bot(db_url, clock, connector, metadata_url):
    settings = Settings(
        _env_file=None,
        database_url=db_url,
        app_id=APP_ID,
        app_password="not-used-by-these-tests",
        openid_metadata_url=metadata_url,
    )
    running = await start_bot(settings, clock, connector)
    yield running
    await running.client.close()


def _token(key, kid: str, service_url: str, audience: str = APP_ID) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": audience,
        "serviceurl": service_url,
        "nbf": now - 60,
        "iat": now - 60,
        "exp": now + 3600,
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def _event(service_url: str) -> dict:
    """An activity the bot processes without replying (replies would need a real token)."""
    activity = personal_message(service_url, "aad-auth-1", "")
    activity["type"] = "event"
    activity["name"] = "ping"
    return activity


def _refs(engine) -> list[ConversationRef]:
    with Session(engine) as session:
        return list(session.exec(select(ConversationRef)).all())


async def test_request_without_token_is_401(secured_bot, connector):
    response = await secured_bot.client.post("/api/messages", json=_event(connector.url))
    assert response.status == 401
    assert _refs(secured_bot.ctx.engine) == []


async def test_token_signed_by_untrusted_key_is_401(secured_bot, connector):
    token = _token(UNTRUSTED_KEY, "trusted", connector.url)
    response = await secured_bot.client.post(
        "/api/messages", json=_event(connector.url), headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status == 401
    assert _refs(secured_bot.ctx.engine) == []


async def test_token_with_unknown_key_id_is_401(secured_bot, connector):
    token = _token(UNTRUSTED_KEY, "someone-elses-key", connector.url)
    response = await secured_bot.client.post(
        "/api/messages", json=_event(connector.url), headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status == 401


async def test_token_for_another_bot_is_401(secured_bot, connector):
    token = _token(TRUSTED_KEY, "trusted", connector.url, audience="another-app-id")
    response = await secured_bot.client.post(
        "/api/messages", json=_event(connector.url), headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status == 401


async def test_valid_token_is_accepted_and_processed(secured_bot, connector):
    token = _token(TRUSTED_KEY, "trusted", connector.url)
    response = await secured_bot.client.post(
        "/api/messages", json=_event(connector.url), headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status == 200
    assert [ref.aad_object_id for ref in _refs(secured_bot.ctx.engine)] == ["aad-auth-1"]


def _stored_rows(engine) -> int:
    from sqlmodel import SQLModel, func

    with Session(engine) as session:
        return sum(
            session.exec(select(func.count()).select_from(table)).one()
            for table in SQLModel.metadata.sorted_tables
        )


async def test_unauthenticated_odd_or_malformed_requests_are_refused_and_store_nothing(
    secured_bot, connector
):
    before = _stored_rows(secured_bot.ctx.engine)
    odd_name = personal_message(connector.url, "aad-odd", "help", user_name="Zo\ud800e")
    execute = _event(connector.url) | {"type": "invoke", "name": "adaptiveCard/action"}
    no_recipient = _event(connector.url) | {"recipient": None}
    untrusted = _token(UNTRUSTED_KEY, "trusted", connector.url)
    for body, headers in (
        (json.dumps(odd_name).encode(), {}),
        (json.dumps(execute).encode(), {"Authorization": f"Bearer {untrusted}"}),
        (json.dumps(no_recipient).encode(), {}),
        (b'{"type": "message", "value": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", {}),
        (b"not gzip at all", {"Content-Encoding": "gzip"}),
    ):
        response = await secured_bot.client.post(
            "/api/messages", data=body, headers={"Content-Type": "application/json"} | headers
        )
        assert 400 <= response.status < 500, await response.text()
        assert "error" in await response.json()
    assert _stored_rows(secured_bot.ctx.engine) == before
    assert connector.requests == []
