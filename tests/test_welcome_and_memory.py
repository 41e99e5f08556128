"""Installing the bot in personal chat: one welcome card, and the person remembered."""

from __future__ import annotations

from sqlmodel import Session, select

from bench.teams_activities import (
    BOT_ID,
    card_submit,
    installation_update,
    members_added,
    personal_message,
)
from store.models import ConversationRef, Person
from store.seed import seed_demo
from tests.applying import card_inputs
from tests.conftest import START

USER = "aad-trainee-1"


def _action_titles(card: dict) -> list[str]:
    return [action["title"] for action in card.get("actions", [])]


async def test_install_sends_one_welcome_card_with_apply_my_programme_help(bot, connector):
    with bot.ctx.session() as session:
        seed_demo(session, START)
    await bot.post(installation_update(connector.url, USER))
    # Teams (and the Playground) also send conversationUpdate for the same install.
    await bot.post(members_added(connector.url, USER, [BOT_ID]))
    await bot.post(members_added(connector.url, USER, [f"29:{USER}"]))

    cards = connector.cards(f"a:personal-{USER}")
    assert len(cards) == 1
    card = cards[0]
    assert card["version"] == "1.5"
    assert _action_titles(card) == ["Apply", "My programme", "Help"]
    texts = " ".join(block.get("text", "") for block in card["body"])
    assert "applications are open until 21 December 2026" in texts
    assert "${" not in str(card)


async def test_pressing_the_welcome_cards_apply_starts_the_application_form(bot, connector):
    with bot.ctx.session() as session:
        seed_demo(session, START)
    await bot.post(installation_update(connector.url, USER))
    [welcome] = connector.cards(f"a:personal-{USER}")
    apply = next(a for a in welcome["actions"] if a["title"] == "Apply")
    # A plain Action.Submit: every Teams client (and the Playground) sends its data as `value`.
    assert apply["type"] == "Action.Submit" and "msteams" not in apply["data"]

    await bot.post(card_submit(connector.url, USER, apply["data"]))

    form = connector.cards(f"a:personal-{USER}")[-1]
    assert set(card_inputs(form)) == {"role", "consent"}


async def test_reinstall_after_removal_welcomes_again(bot, connector):
    await bot.post(installation_update(connector.url, USER))
    await bot.post(installation_update(connector.url, USER, action="remove"))
    await bot.post(installation_update(connector.url, USER))
    assert len(connector.cards(f"a:personal-{USER}")) == 2


async def test_every_activity_upserts_person_reference_and_time_zone(bot, connector, db_url):
    await bot.post(personal_message(connector.url, USER, "hello", local_timezone="America/Toronto"))
    await bot.post(
        personal_message(connector.url, USER, "help", user_name="Sam T.", local_timezone=None)
    )

    with Session(bot.ctx.engine) as session:
        people = session.exec(select(Person)).all()
        refs = session.exec(select(ConversationRef)).all()
    assert [(p.aad_object_id, p.display_name, p.time_zone) for p in people] == [
        (USER, "Sam T.", "America/Toronto")
    ]
    assert len(refs) == 1
    ref = refs[0]
    assert ref.conversation_id == f"a:personal-{USER}"
    assert ref.aad_object_id == USER
    assert ref.service_url == connector.url
    assert ref.reference["serviceUrl"] == connector.url
    assert ref.reference["conversation"]["id"] == f"a:personal-{USER}"
    assert ref.reference["user"]["aadObjectId"] == USER
    assert ref.reference["channelId"] == "msteams"
    assert ref.updated_at.tzinfo is not None


async def test_invalid_time_zone_is_ignored_not_stored(bot, connector):
    await bot.post(personal_message(connector.url, USER, "hi", local_timezone="Mars/Olympus"))
    with Session(bot.ctx.engine) as session:
        person = session.exec(select(Person)).one()
    assert person.time_zone is None


async def test_someone_already_in_the_programme_is_welcomed_back_without_apply(bot, connector):
    from tests.test_escalations import _paired

    sam, adele, _champion = await _paired(bot)
    for person in (sam, adele):
        await bot.post(installation_update(connector.url, person.aad, action="remove"))
        await bot.post(installation_update(connector.url, person.aad))
        welcome = connector.cards(person.conversation)[-1]
        assert _action_titles(welcome) == ["My programme", "Help"]
        texts = " ".join(block.get("text", "") for block in welcome["body"])
        assert texts.startswith("Welcome to Step Forward Welcome back. You're already part")
        assert "apply" not in texts.lower() and "mentor each month" not in texts
