"""The HTTP surface: /api/messages input handling, health and readiness."""

from __future__ import annotations

from sqlalchemy import create_engine

from bench.teams_activities import personal_message


async def test_healthz_says_alive(bot):
    response = await bot.client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "alive"}


async def test_readyz_checks_database_and_scheduler(bot):
    response = await bot.client.get("/readyz")
    assert response.status == 200
    assert await response.json() == {"status": "ready", "database": "ok", "scheduler": "ok"}


async def test_readyz_is_503_when_database_unreachable(bot, tmp_path):
    healthy_engine = bot.ctx.engine
    bot.ctx.engine = create_engine(f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")
    try:
        response = await bot.client.get("/readyz")
        assert response.status == 503
        assert (await response.json())["database"] == "unreachable"
    finally:
        bot.ctx.engine = healthy_engine
    assert (await bot.client.get("/readyz")).status == 200


async def test_non_json_body_is_400_with_reason(bot):
    response = await bot.client.post(
        "/api/messages", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status == 400
    assert "JSON" in (await response.json())["error"]


async def test_wrong_content_type_is_400(bot):
    response = await bot.client.post(
        "/api/messages", data=b"hello", headers={"Content-Type": "text/plain"}
    )
    assert response.status == 400
    assert "application/json" in (await response.json())["error"]


async def test_json_that_is_not_an_activity_is_400(bot):
    response = await bot.client.post("/api/messages", json=[1, 2, 3])
    assert response.status == 400
    response = await bot.client.post("/api/messages", json={"text": "no type"})
    assert response.status == 400


async def test_body_over_256_kb_is_413(bot, connector):
    activity = personal_message(connector.url, "aad-big", "x" * (300 * 1024))
    response = await bot.client.post("/api/messages", json=activity)
    assert response.status == 413
    assert connector.requests == []


async def test_unknown_activity_type_is_acknowledged_and_ignored(bot, connector):
    activity = personal_message(connector.url, "aad-1", "hi")
    activity["type"] = "somethingNew"
    response = await bot.client.post("/api/messages", json=activity)
    assert response.status == 200
    assert connector.requests == []


async def test_activities_from_other_tenants_are_refused_and_not_stored(settings, clock, connector):
    from sqlmodel import Session, select

    from bench.teams_activities import TENANT_ID
    from store.models import ConversationRef, Person
    from tests.conftest import start_bot

    restricted = settings.model_copy(update={"allowed_tenants": ["another-tenant"]})
    bot = await start_bot(restricted, clock, connector)
    try:
        response = await bot.client.post(
            "/api/messages", json=personal_message(connector.url, "aad-1", "help")
        )
        assert response.status == 403
        assert "not available to your organisation" in (await response.json())["error"]
        assert connector.requests == []
        with Session(bot.ctx.engine) as session:
            assert session.exec(select(Person)).all() == []
            assert session.exec(select(ConversationRef)).all() == []
    finally:
        await bot.client.close()

    allowed = settings.model_copy(update={"allowed_tenants": [TENANT_ID]})
    bot = await start_bot(allowed, clock, connector)
    try:
        await bot.post(personal_message(connector.url, "aad-1", "help"))
        assert connector.texts()
    finally:
        await bot.client.close()
