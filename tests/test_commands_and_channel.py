"""Commands in personal chat and in the coordinator channel (mention stripped, roles checked)."""

from __future__ import annotations

from sqlmodel import Session, select

from bench.teams_activities import (
    CHANNEL_ID,
    TEAM_ID,
    card_submit,
    channel_message,
    personal_message,
)
from domain.authorisation import Role
from store.models import ConversationRef, Programme
from store.people import grant_role
from store.seed import seed_demo
from tests.conftest import COORDINATOR_AAD, START

USER = "aad-trainee-1"


async def test_help_lists_participant_commands_only(bot, connector):
    await bot.post(personal_message(connector.url, USER, "  Help! "))
    [reply] = connector.texts()
    assert "**apply**" in reply and "**my programme**" in reply
    assert "setup coordinator channel" not in reply


async def test_welcome_card_button_without_text_is_routed(bot, connector):
    await bot.post(card_submit(connector.url, USER, {"action": "help"}))
    [reply] = connector.texts()
    assert "**apply**" in reply


async def test_unknown_text_gets_a_kind_pointer_to_help(bot, connector):
    await bot.post(personal_message(connector.url, USER, "what is this"))
    assert connector.texts() == [
        "Sorry, I didn't understand that. Type **help** to see what I can do."
    ]


async def test_non_coordinator_cannot_set_up_channel(bot, connector):
    with bot.ctx.session() as session:
        seed_demo(session, START)
    await bot.post(channel_message(connector.url, USER, "setup coordinator channel"))
    [reply] = connector.texts()
    assert reply.startswith("Sorry, only programme coordinators can do that.")
    with Session(bot.ctx.engine) as session:
        assert session.exec(select(Programme)).one().coordinator_conversation_id is None


async def test_configured_coordinator_sets_up_channel_with_mention_stripped(bot, connector):
    with bot.ctx.session() as session:
        seed_demo(session, START)
    await bot.post(channel_message(connector.url, COORDINATOR_AAD, "Setup coordinator channel"))

    [reply] = connector.sent_to(f"{CHANNEL_ID};messageid=1700000000000")
    assert reply.text.startswith("Done: this channel is now the coordinator channel")
    assert reply.activity_id is not None  # threaded reply to the command
    with Session(bot.ctx.engine) as session:
        programme = session.exec(select(Programme)).one()
        assert programme.coordinator_conversation_id == CHANNEL_ID
        ref = session.exec(
            select(ConversationRef).where(ConversationRef.conversation_id == CHANNEL_ID)
        ).one()
    assert ref.conversation_type == "channel"
    assert ref.team_id == TEAM_ID
    assert ref.aad_object_id is None
    assert ref.reference["conversation"]["id"] == CHANNEL_ID


async def test_coordinator_granted_in_store_may_set_up_channel(bot, connector):
    with bot.ctx.session() as session:
        seed_demo(session, START)
        grant_role(session, "aad-store-coordinator", Role.COORDINATOR.value, START)
    await bot.post(
        channel_message(connector.url, "aad-store-coordinator", "setup coordinator channel")
    )
    assert connector.texts()[0].startswith("Done:")


async def test_coordinator_help_in_channel_shows_coordinator_commands(bot, connector):
    await bot.post(channel_message(connector.url, COORDINATOR_AAD, "help"))
    [reply] = connector.texts()
    assert "**setup coordinator channel**" in reply
    assert "**apply**" not in reply  # personal-only


async def test_setup_without_programme_says_so(bot, connector):
    await bot.post(channel_message(connector.url, COORDINATOR_AAD, "setup coordinator channel"))
    assert connector.texts() == ["There is no programme yet, so there is nothing to set up."]
