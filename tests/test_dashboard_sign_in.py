"""Who may open the dashboard: Teams tab sign-in tokens checked against the tenant's keys, and
the person's roles. The keys are a test RSA key published as a JWKS by an HTTP server on
loopback, where the bot is told Entra's keys are; tokens go through `GET
/dashboard/api/data` as the page sends them."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import jwt
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.settings import Settings
from store.people import upsert_person
from store.seed import seed_demo
from tests.conftest import COORDINATOR_AAD, START, start_bot
from tests.test_authentication import TRUSTED_KEY, UNTRUSTED_KEY

APP_ID = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
HOST = "stepforward.contoso.org"
AUDIENCE = f"api://{HOST}/{APP_ID}"
TENANT = "72f988bf-0000-0000-0000-000000000001"
OTHER_TENANT = "0d1e2f3a-0000-0000-0000-000000000009"
CHAMPION = "aad-champion-1"
TRAINEE = "aad-trainee-1"
KID = "test-key-1"
NOT_FOR_YOU = "This page is for programme coordinators."


# The tenant's signing key, and one it never published.
SIGNING_KEY, STRANGER_KEY = TRUSTED_KEY, UNTRUSTED_KEY


def v2_issuer(tenant: str = TENANT) -> str:
    return f"https://login.microsoftonline.com/{tenant}/v2.0"


def token(
    oid: str = COORDINATOR_AAD,
    *,
    key=SIGNING_KEY,
    kid: str = KID,
    algorithm: str = "RS256",
    **overrides,
) -> str:
    now = int(time.time())
    claims = {
        "aud": AUDIENCE,
        "iss": v2_issuer(),
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "tid": TENANT,
        "oid": oid,
        "name": "Someone",
        "scp": "access_as_user",
        "ver": "2.0",
    }
    claims.update(overrides)
    claims = {name: value for name, value in claims.items() if value is not None}
    if algorithm == "none":
        return jwt.encode(claims, None, algorithm="none")
    return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": kid})


class TenantKeys:
    """The tenant's published signing keys (a JWKS), on loopback."""

    def __init__(self) -> None:
        self.requests = 0
        self.available = True

    async def keys(self, _request: web.Request) -> web.Response:
        self.requests += 1
        if not self.available:
            return web.Response(status=503)
        public = jwt.algorithms.RSAAlgorithm.to_jwk(SIGNING_KEY.public_key(), as_dict=True)
        return web.json_response({"keys": [{**public, "kid": KID, "use": "sig", "alg": "RS256"}]})


@pytest.fixture
async def tenant_keys() -> AsyncIterator[tuple[TenantKeys, str]]:
    keys = TenantKeys()
    app = web.Application()
    app.router.add_get("/common/discovery/v2.0/keys", keys.keys)
    server = TestServer(app)
    await server.start_server()
    yield keys, str(server.make_url("/common/discovery/v2.0/keys"))
    await server.close()


def sso_settings(db_url: str, keys_url: str, **overrides) -> Settings:
    values = {
        "database_url": db_url,
        "coordinators": [COORDINATOR_AAD],
        "champion": CHAMPION,
        "app_id": "",
        "public_host": HOST,
        "tab_app_id_uri": AUDIENCE,
        "tab_sso_keys_url": keys_url,
        "allowed_tenants": [TENANT],
        "scheduler_enabled": False,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture
async def tab_bot(db_url, clock, connector, tenant_keys):
    """The bot with tab sign-in set up for `TENANT` and a programme to show."""
    _keys, url = tenant_keys
    running = await start_bot(sso_settings(db_url, url), clock, connector)
    with running.ctx.session() as session:
        seed_demo(session, START)
        upsert_person(session, TRAINEE, START, display_name="Tara Trainee")
    yield running
    await running.client.close()


async def get_data(bot, credential: str | None):
    headers = {"Authorization": credential} if credential is not None else {}
    response = await bot.client.get("/dashboard/api/data", headers=headers)
    return response.status, await response.json()


async def test_a_coordinator_with_a_good_token_gets_the_data(tab_bot):
    status, body = await get_data(tab_bot, f"Bearer {token()}")
    assert status == 200
    assert body["programme"]["name"] == "Step Forward demo programme"
    assert body["viewer"]["roles"] == ["coordinator", "participant"]
    for section in ("funnel", "pairs", "escalations", "surveys", "equality", "sessions"):
        assert body[section] is not None, section


@pytest.mark.parametrize(
    "claims",
    [
        {"iss": f"https://sts.windows.net/{TENANT}/", "ver": "1.0"},  # a v1 token
        {"aud": APP_ID},  # v2 tokens name the app by its client id
    ],
    ids=["v1-issuer", "client-id-audience"],
)
async def test_either_issuer_and_either_name_of_the_app_are_accepted(
    db_url, clock, connector, tenant_keys, claims
):
    _keys, url = tenant_keys
    bot = await start_bot(sso_settings(db_url, url, app_id=APP_ID), clock, connector)
    try:
        status, _body = await get_data(bot, f"Bearer {token(**claims)}")
    finally:
        await bot.client.close()
    assert status == 200


@pytest.mark.parametrize(
    "bad_token",
    [
        pytest.param(lambda: token(exp=int(time.time()) - 3600), id="expired"),
        pytest.param(lambda: token(nbf=int(time.time()) + 3600), id="not-yet-valid"),
        pytest.param(lambda: token(aud="api://elsewhere.example.org/other-app"), id="audience"),
        pytest.param(lambda: token(iss=v2_issuer(OTHER_TENANT)), id="another-tenants-issuer"),
        pytest.param(lambda: token(iss="https://evil.example.org/v2.0"), id="foreign-issuer"),
        pytest.param(lambda: token(algorithm="none"), id="unsigned-alg-none"),
        pytest.param(lambda: token(algorithm="HS256", key="x" * 32), id="hmac-not-rsa"),
        pytest.param(lambda: token(kid="unknown-key"), id="unknown-key"),
        pytest.param(lambda: token(key=STRANGER_KEY), id="known-kid-other-key"),
        pytest.param(lambda: token(oid=None), id="no-object-id"),
        pytest.param(lambda: token(tid=None), id="no-tenant"),
        pytest.param(lambda: token() + "x", id="tampered-signature"),
        pytest.param(lambda: "not a token", id="garbage"),
    ],
)
async def test_a_token_that_does_not_hold_up_opens_nothing(tab_bot, bad_token):
    status, body = await get_data(tab_bot, f"Bearer {bad_token()}")
    assert status == 401
    assert body == {"error": body["error"]}
    assert "couldn't confirm who you are" in body["error"]


async def test_a_tenant_outside_the_allow_list_is_refused(tab_bot):
    other = token(tid=OTHER_TENANT, iss=v2_issuer(OTHER_TENANT))
    status, body = await get_data(tab_bot, f"Bearer {other}")
    assert (status, body) == (403, {"error": "This app is not available to your organisation."})


async def test_without_an_allow_list_any_tenant_signs_in_and_roles_decide(
    db_url, clock, connector, tenant_keys
):
    _keys, url = tenant_keys
    bot = await start_bot(sso_settings(db_url, url, allowed_tenants=[]), clock, connector)
    try:
        with bot.ctx.session() as session:
            seed_demo(session, START)
        other = dict(tid=OTHER_TENANT, iss=v2_issuer(OTHER_TENANT))
        assert (await get_data(bot, f"Bearer {token(**other)}"))[0] == 200
        assert (await get_data(bot, f"Bearer {token(TRAINEE, **other)}"))[0] == 403
    finally:
        await bot.client.close()


async def test_the_keys_are_fetched_once_and_kept(tab_bot, tenant_keys):
    keys, _url = tenant_keys
    for _ in range(3):
        assert (await get_data(tab_bot, f"Bearer {token()}"))[0] == 200
    assert keys.requests == 1


async def test_keys_out_of_reach_are_a_try_again_not_a_refusal(tab_bot, tenant_keys):
    keys, _url = tenant_keys
    keys.available = False
    status, body = await get_data(tab_bot, f"Bearer {token()}")
    assert status == 503
    assert "try again in a minute" in body["error"]


async def test_without_single_sign_on_set_up_the_page_says_so(db_url, clock, connector):
    settings = Settings(_env_file=None, database_url=db_url, coordinators=[COORDINATOR_AAD])
    bot = await start_bot(settings, clock, connector)
    try:
        status, body = await get_data(bot, f"Bearer {token()}")
    finally:
        await bot.client.close()
    assert status == 503
    assert "Single sign-on is not set up" in body["error"] and "**dashboard**" in body["error"]


@pytest.mark.parametrize("credential", [None, "", "Bearer", "Basic dXNlcjpwYXNz", "Bearer  "])
async def test_no_credential_tells_the_person_how_to_open_the_page(tab_bot, credential):
    status, body = await get_data(tab_bot, credential)
    assert status == 401
    assert body == {
        "error": "Open this page from the Dashboard tab in Teams, or ask for a link with "
        "**dashboard** in the coordinator channel."
    }


# --- roles ------------------------------------------------------------------------------------


async def test_the_champion_sees_the_figures_and_escalations_but_not_the_pairs(tab_bot):
    status, body = await get_data(tab_bot, f"Bearer {token(CHAMPION)}")
    assert status == 200
    assert body["viewer"]["roles"] == ["champion", "participant"]
    assert body["pairs"] is None
    assert body["funnel"] is not None and body["escalations"] == []


@pytest.mark.parametrize("who", [TRAINEE, "aad-someone-we-never-met"], ids=["trainee", "unknown"])
async def test_anyone_else_is_told_it_is_for_coordinators_and_gets_nothing_else(tab_bot, who):
    status, body = await get_data(tab_bot, f"Bearer {token(who)}")
    assert status == 403
    assert list(body) == ["error"]
    assert body["error"].startswith(NOT_FOR_YOU)


async def test_a_role_granted_in_the_store_counts(tab_bot):
    from store.people import grant_role

    assert (await get_data(tab_bot, f"Bearer {token(TRAINEE)}"))[0] == 403
    with tab_bot.ctx.session() as session:
        grant_role(session, TRAINEE, "coordinator", START)
    assert (await get_data(tab_bot, f"Bearer {token(TRAINEE)}"))[0] == 200
