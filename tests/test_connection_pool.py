"""A turn waiting for Teams holds no database connection.

The bot runs here on a pool of exactly one connection, no overflow, and a one-second wait
for a free one. The first turn's reply is held by the connector; a second person's turn in
another conversation must still get the connection, write and finish. A turn that kept its
session open while it awaited the send would leave the second turn waiting for the pool,
which blocks the event loop until the pool gives up.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import Session, select

from bench.fake_connector import Gate
from bench.teams_activities import CHANNEL_ID, card_submit, channel_card_submit, personal_message
from bot.settings import Settings
from store.engine import create_db_engine
from store.models import Application, ApplicationEvent, Person
from tests.applying import TRAINEE, Applicant
from tests.conftest import COORDINATOR_AAD, start_bot
from tests.test_application_review import _submitted

CHANNEL_THREAD = f"{CHANNEL_ID};messageid=1700000000000"
WAIT = 10  # seconds: far longer than any turn here takes, far shorter than a hang


@pytest.fixture
async def bot(settings, clock, connector, monkeypatch):
    monkeypatch.setenv("STEPFORWARD_DB_POOL_SIZE", "1")
    monkeypatch.setenv("STEPFORWARD_DB_MAX_OVERFLOW", "0")
    monkeypatch.setenv("STEPFORWARD_DB_POOL_TIMEOUT", "1")
    settings = Settings(
        _env_file=None,
        database_url=settings.database_url,
        coordinators=settings.coordinators,
        champion=settings.champion,
        app_id="",
        scheduler_enabled=False,
    )
    engine = settings.create_engine()
    assert (engine.pool.size(), engine.pool._max_overflow, engine.pool.timeout()) == (1, 0, 1)
    running = await start_bot(settings, clock, connector, engine)
    yield running
    await running.client.close()
    engine.dispose()


def _read(db_url: str, statement):
    """Read with an engine of its own, so the bot's single connection is left alone."""
    engine = create_db_engine(db_url)
    try:
        with Session(engine) as session:
            return session.exec(statement).all()
    finally:
        engine.dispose()


def _sams_application(db_url: str) -> Application:
    [application] = _read(
        db_url,
        select(Application)
        .join(Person, Person.id == Application.person_id)
        .where(Person.aad_object_id == TRAINEE),
    )
    return application


def _shortlist(bot, application_id: int, card_id: str) -> dict:
    value = {"review": "shortlist", "application_id": application_id}
    return channel_card_submit(bot.connector.url, COORDINATOR_AAD, value, reply_to_id=card_id)


async def _while_held(
    bot, held_conversation: str, held: dict, other: dict
) -> tuple[Gate, asyncio.Task]:
    """Post `held` with its reply held at a gate, post `other` meanwhile, and return once
    `other` has finished: the gate and the held turn, still waiting for Teams."""
    gate = bot.connector.gate(held_conversation)
    first = asyncio.create_task(bot.post(held))
    await asyncio.wait_for(gate.reached.wait(), WAIT)
    try:
        await asyncio.wait_for(bot.post(other), WAIT)
        assert not first.done(), "the first turn should still be waiting for its reply"
    except BaseException:
        gate.opened.set()
        await asyncio.wait_for(asyncio.gather(first, return_exceptions=True), WAIT)
        raise
    return gate, first


async def _finish(gate: Gate, first: asyncio.Task) -> None:
    gate.opened.set()
    await asyncio.wait_for(first, WAIT)


async def test_a_shortlist_is_recorded_while_my_programme_waits_for_teams(bot, db_url):
    _sam, application_id, card_id = await _submitted(bot)
    newcomer = Applicant(bot, "aad-newcomer", "Nia Newcomer")

    gate, first = await _while_held(
        bot,
        newcomer.conversation,
        personal_message(bot.connector.url, newcomer.aad, "my programme", user_name=newcomer.name),
        _shortlist(bot, application_id, card_id),
    )

    assert _sams_application(db_url).status == "shortlisted"
    events = [e.event for e in _read(db_url, select(ApplicationEvent))]
    assert events.count("shortlist") == 1
    assert bot.connector.texts(CHANNEL_THREAD)[-1] == "Shortlisted. (Chris Coordinator)"
    assert newcomer.texts() == []

    await _finish(gate, first)
    assert newcomer.texts()[-1].startswith("You're not taking part in the programme yet.")


async def test_a_withdrawal_is_recorded_while_a_second_shortlist_click_waits_for_teams(bot, db_url):
    sam, application_id, card_id = await _submitted(bot)
    await bot.post(_shortlist(bot, application_id, card_id))
    assert bot.connector.texts(CHANNEL_THREAD)[-1] == "Shortlisted. (Chris Coordinator)"

    gate, first = await _while_held(
        bot,
        CHANNEL_THREAD,
        _shortlist(bot, application_id, card_id),  # the double click: refused, once
        card_submit(
            bot.connector.url, sam.aad, {"my_application": "withdraw_confirmed"}, user_name=sam.name
        ),
    )

    assert _sams_application(db_url).status == "withdrawn"
    assert "Your application is withdrawn" in sam.texts()[-1]
    assert "Sam Taylor withdrew their application." in bot.connector.texts(CHANNEL_ID)

    await _finish(gate, first)
    assert bot.connector.texts(CHANNEL_THREAD)[-1].startswith(
        "This application is already shortlisted. Nothing changed:"
    )
    events = [e.event for e in _read(db_url, select(ApplicationEvent))]
    assert events.count("shortlist") == 1
