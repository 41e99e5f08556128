"""Teams may deliver the same activity twice: the same activity id (per conversation) is
handled once, also when both deliveries arrive at the same moment."""

from __future__ import annotations

import asyncio
import copy
from datetime import timedelta

from botbuilder.schema import Activity, ConversationAccount
from sqlalchemy import event, text
from sqlmodel import func, select

from bench.teams_activities import personal_message
from bot.app import ADAPTER
from bot.teams.endpoint import delivery_key
from store.db import session_scope
from store.processed_activities import ProcessedActivity, claim_activity
from tests.conftest import START

SAM = "aad-trainee-sam"
ALEX = "aad-mentor-alex"


def remembered(bot) -> int:
    with bot.ctx.session() as session:
        return session.exec(select(func.count(ProcessedActivity.id))).one()


async def test_a_repeated_delivery_is_answered_once(bot, connector):
    activity = personal_message(connector.url, SAM, "help")
    await bot.post(activity)
    replies = len(connector.requests)
    assert replies >= 1

    await bot.post(copy.deepcopy(activity))
    assert len(connector.requests) == replies

    # The same words in a new activity are a new message.
    await bot.post(personal_message(connector.url, SAM, "help"))
    assert len(connector.requests) == 2 * replies


async def test_two_deliveries_at_the_same_moment_are_answered_once(bot, connector):
    activity = personal_message(connector.url, SAM, "help")
    await asyncio.gather(*(bot.post(copy.deepcopy(activity)) for _ in range(3)))
    alone = personal_message(connector.url, ALEX, "help")
    await bot.post(alone)
    assert len(connector.sent_to(f"a:personal-{SAM}")) == len(
        connector.sent_to(f"a:personal-{ALEX}")
    )
    assert remembered(bot) == 2


async def test_the_same_id_in_another_conversation_is_another_activity(bot, connector):
    first = personal_message(connector.url, SAM, "help")
    other = personal_message(connector.url, ALEX, "help") | {"id": first["id"]}
    await bot.post(first)
    await bot.post(other)
    assert connector.sent_to(f"a:personal-{SAM}") and connector.sent_to(f"a:personal-{ALEX}")


async def test_a_delivery_that_failed_is_handled_when_teams_delivers_it_again(
    bot, connector, monkeypatch
):
    adapter = bot.client.server.app[ADAPTER]
    real = adapter.process_activity

    async def broken(*_args, **_kwargs):
        raise RuntimeError("the database went away mid-turn")

    monkeypatch.setattr(adapter, "process_activity", broken)
    activity = personal_message(connector.url, SAM, "help")
    response = await bot.client.post("/api/messages", json=activity)
    assert response.status == 500
    assert connector.requests == [] and remembered(bot) == 0

    monkeypatch.setattr(adapter, "process_activity", real)
    await bot.post(copy.deepcopy(activity))
    assert connector.sent_to(f"a:personal-{SAM}")


# A database-level failure while the sender's conversation is remembered: the same statements
# as the bot's, failing in the database, not in our code.
_FAIL_REMEMBERING = {
    "sqlite": [
        "CREATE TRIGGER fail_remembering BEFORE INSERT ON conversation_ref "
        "BEGIN SELECT RAISE(ABORT, 'the disk is full'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION fail_remembering() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'the disk is full'; END $$",
        "CREATE TRIGGER fail_remembering BEFORE INSERT ON conversation_ref "
        "FOR EACH ROW EXECUTE FUNCTION fail_remembering()",
    ],
}
_STOP_FAILING = {
    "sqlite": ["DROP TRIGGER fail_remembering"],
    "postgresql": [
        "DROP TRIGGER fail_remembering ON conversation_ref",
        "DROP FUNCTION fail_remembering()",
    ],
}


def _run(bot, statements: dict) -> None:
    engine = bot.ctx.engine
    with engine.begin() as connection:
        for statement in statements[engine.dialect.name]:
            connection.execute(text(statement))


async def test_a_delivery_whose_sender_could_not_be_remembered_is_not_claimed(bot, connector):
    """The claim and remembering who wrote are one transaction: when remembering fails the
    claim goes with it, and Teams' redelivery is handled."""
    _run(bot, _FAIL_REMEMBERING)
    activity = personal_message(connector.url, SAM, "help")
    response = await bot.client.post("/api/messages", json=activity)
    assert response.status == 500
    assert connector.requests == [] and remembered(bot) == 0

    _run(bot, _STOP_FAILING)
    await bot.post(copy.deepcopy(activity))
    assert connector.sent_to(f"a:personal-{SAM}") and remembered(bot) == 1


async def test_a_message_that_needs_no_records_takes_one_transaction(bot, connector):
    """Claiming the delivery, reading and refreshing the sender, their conversation and roles
    share one transaction: on PostgreSQL each is a pool checkout, a ping and a COMMIT."""
    await bot.post(personal_message(connector.url, SAM, "help"))
    checkouts = []
    listener = lambda *_args: checkouts.append(1)  # noqa: E731
    event.listen(bot.ctx.engine.pool, "checkout", listener)
    try:
        await bot.post(personal_message(connector.url, SAM, "help"))
    finally:
        event.remove(bot.ctx.engine.pool, "checkout", listener)
    assert len(connector.sent_to(f"a:personal-{SAM}")) == 2
    assert len(checkouts) == 1


async def test_remembered_ids_are_pruned_by_the_sweep(bot, connector):
    await bot.post(personal_message(connector.url, SAM, "help"))
    assert remembered(bot) == 1
    await bot.outbox.sweep(START + timedelta(hours=23))
    assert remembered(bot) == 1
    await bot.outbox.sweep(START + timedelta(hours=24, minutes=1))
    assert remembered(bot) == 0


def test_a_claim_is_taken_once(engine):
    with session_scope(engine) as session:
        assert claim_activity(session, "a:chat", "activity-1", START)
    with session_scope(engine) as session:
        assert not claim_activity(session, "a:chat", "activity-1", START)
        assert claim_activity(session, "a:other", "activity-1", START)


def test_the_app_names_a_delivery_by_conversation_and_activity():
    named = Activity(id="1", conversation=ConversationAccount(id="a:chat"))
    assert delivery_key(named) == ("a:chat", "1")
    assert delivery_key(Activity(conversation=ConversationAccount(id="a:chat"))) is None
