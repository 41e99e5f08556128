"""Coordinators pair accepted trainees with mentors from the channel."""

from __future__ import annotations

from sqlmodel import Session, select

from bench.teams_activities import (
    CHANNEL_ID,
    channel_card_submit,
    channel_message,
    personal_message,
)
from store.models import Pairing
from store.seed import DEMO_MENTORS
from store.seed import seed_accepted_trainee as accepted_trainee
from tests.applying import action_data, card_text, set_up_channel
from tests.conftest import COORDINATOR_AAD, START

SAM = "aad-trainee-sam"
ADELE, MEGAN = DEMO_MENTORS[1], DEMO_MENTORS[0]


def seed_accepted_trainee(session, aad: str = SAM, manager_name: str | None = None) -> None:
    """The demo programme and its mentors, and Sam Taylor accepted as a trainee."""
    accepted_trainee(session, aad, "Sam Taylor", START, manager_name=manager_name)


async def _programme_with_accepted_trainee(bot, manager_name=None):
    with bot.ctx.session() as session:
        seed_accepted_trainee(session, manager_name=manager_name)
    await set_up_channel(bot)
    # Everyone has talked to the bot once, so personal chats exist for introductions.
    for aad, name in (
        (SAM, "Sam Taylor"),
        (ADELE.aad_object_id, ADELE.name),
        (MEGAN.aad_object_id, MEGAN.name),
    ):
        await bot.post(personal_message(bot.connector.url, aad, "hi", user_name=name))
    bot.connector.clear()


async def _say(bot, text, who=COORDINATOR_AAD):
    """The bot's first answer in the channel to a command."""
    before = len(bot.connector.requests)
    await bot.post(channel_message(bot.connector.url, who, text))
    return next(
        r for r in bot.connector.requests[before:] if r.conversation_id.startswith(CHANNEL_ID)
    )


async def test_suggest_pairs_scores_with_reasons_and_confirm_introduces_both(bot):
    await _programme_with_accepted_trainee(bot)
    reply = await _say(bot, "suggest pairs")
    [card] = reply.cards
    text = card_text(card)
    assert "Mentors for Sam Taylor" in text
    titles = [a["title"] for a in card["actions"]]
    assert len(titles) == 3
    assert titles[0] == "Pair with Adele Vance"  # shares confidence, same city, another org
    assert "same location (Leicester)" in text.lower() or "leicester" in text.lower()
    first = action_data(card)[0]
    assert first["pairing"] == "confirm"

    await bot.post(channel_card_submit(bot.connector.url, COORDINATOR_AAD, first))
    assert any(t.startswith("Paired Sam Taylor with Adele Vance") for t in bot.connector.texts())
    # Proactive messages start new conversations' messages, not replies to made-up ids.
    assert all(
        r.activity_id is None
        for r in bot.connector.requests
        if r.cards and "Meet your" in card_text(r.cards[0])
    )
    intros = {
        r.conversation_id: r
        for r in bot.connector.requests
        if r.cards and "Meet your" in card_text(r.cards[0])
    }
    assert set(intros) == {f"a:personal-{SAM}", f"a:personal-{ADELE.aad_object_id}"}
    sam_intro = card_text(intros[f"a:personal-{SAM}"].cards[0])
    assert "Meet your mentor: Adele Vance" in sam_intro
    assert "about 2 hours once a month, for 6 months" in sam_intro
    assert "Meet your mentee: Sam Taylor" in card_text(
        intros[f"a:personal-{ADELE.aad_object_id}"].cards[0]
    )

    # A second click changes nothing and says what already happened.
    await bot.post(channel_card_submit(bot.connector.url, COORDINATOR_AAD, first))
    assert "already paired with Adele Vance" in bot.connector.texts()[-1]
    with Session(bot.ctx.engine) as session:
        assert len(session.exec(select(Pairing)).all()) == 1

    listing = await _say(bot, "pairs")
    assert "Sam Taylor ↔ Adele Vance: sessions 0 of 1 planned so far (of 6)" in listing.text


async def test_pair_by_name_refuses_the_trainees_line_manager(bot):
    await _programme_with_accepted_trainee(bot, manager_name="Megan Bowen")
    reply = await _say(bot, "pair sam with megan")
    assert reply.text.startswith("I can't pair Sam Taylor with Megan Bowen:")
    assert "line manager" in reply.text
    reply = await _say(bot, "pair sam with adele")
    assert reply.text.startswith("Paired Sam Taylor with Adele Vance")


async def test_unknown_names_are_explained(bot):
    await _programme_with_accepted_trainee(bot)
    assert (await _say(bot, "pair nobody with adele")).text == (
        "I can't find an accepted trainee called “nobody”."
    )
    assert "Please say **pair <trainee> with <mentor>**" in (await _say(bot, "pair sam")).text


async def test_end_pairing_dissolves_and_the_pair_is_never_suggested_again(bot):
    await _programme_with_accepted_trainee(bot)
    await _say(bot, "pair sam with adele")
    before = len(bot.connector.requests)
    assert (
        await _say(bot, "re-pair sam")
    ).text == "Ended the pairing of Sam Taylor and Adele Vance."
    [suggestions] = [
        c
        for r in bot.connector.requests[before:]
        for c in r.cards
        if "Mentors for Sam Taylor" in card_text(c)
    ]
    assert "Adele Vance" not in card_text(suggestions)
    with Session(bot.ctx.engine) as session:
        [pairing] = session.exec(select(Pairing)).all()
    assert pairing.status == "dissolved" and pairing.end_reason == "re-pair"
    ended = [
        card_text(c)
        for c in bot.connector.cards(f"a:personal-{SAM}")
        if "has been ended" in card_text(c)
    ]
    assert ended and "introduce you to someone new" in ended[0]
    assert (await _say(bot, "pair sam with adele")).text.startswith("I can't pair")


async def test_participants_cannot_manage_pairs(bot):
    await _programme_with_accepted_trainee(bot)
    reply = await _say(bot, "suggest pairs", who=SAM)
    assert reply.text.startswith("Sorry, only programme coordinators can do that.")
    await bot.post(
        channel_card_submit(
            bot.connector.url, SAM, {"pairing": "confirm", "trainee": 1, "mentor": 2}
        )
    )
    with Session(bot.ctx.engine) as session:
        assert session.exec(select(Pairing)).all() == []


async def test_pairing_says_who_had_their_introduction(bot):
    with bot.ctx.session() as session:
        seed_accepted_trainee(session)
    await set_up_channel(bot)
    await bot.post(personal_message(bot.connector.url, SAM, "hi", user_name="Sam Taylor"))
    # Megan Bowen has never talked to the bot: there is no chat to introduce her in.
    reply = await _say(bot, "pair sam with megan")
    assert "introduced them to each other" not in reply.text
    assert reply.text == (
        "Paired Sam Taylor with Megan Bowen. Sam Taylor has had their introduction. I couldn't "
        "reach Megan Bowen in Teams (they may not have talked to me yet), so they haven't had "
        "their introduction."
    )
