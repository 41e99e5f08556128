"""What a person writes that is not a command: a reply the bot invited reaches the
coordinators (and they are told), greetings and thanks get a kind answer, a command used in the
wrong place says where it works, a near miss suggests the command, a polite variant runs it,
and pressing Apply twice opens the form once."""

from __future__ import annotations

from sqlmodel import Session, select

from bench.teams_activities import CHANNEL_ID, channel_message
from store.escalations import Escalation
from store.seed import seed_demo
from tests.applying import Applicant, card_text
from tests.conftest import COORDINATOR_AAD, START
from tests.test_escalations import (
    _events,
    _latest_card,
    _paired,
    _press,
)


def _channel_texts(bot) -> list[str]:
    return [
        r.text
        for r in bot.connector.requests
        if r.method == "POST" and r.conversation_id.startswith(CHANNEL_ID) and r.text
    ]


def _escalation(bot) -> Escalation:
    with Session(bot.ctx.engine) as session:
        return session.exec(select(Escalation).order_by(Escalation.id.desc())).first()


async def test_a_reply_to_a_coordinators_message_reaches_the_card_and_the_channel(bot, clock):
    sam, adele, _champion = await _paired(bot)
    await sam.say("I need help with my manager")
    escalation = _escalation(bot)
    await _press(
        bot,
        escalation.id,
        "Send",
        recipient=str(escalation.person_id),
        message="Can we talk on Thursday?",
    )
    assert any("Reply here" in t for t in sam.texts())

    await sam.say("Yes Thursday is fine, thank you")
    assert sam.texts()[-1].startswith("Thanks — that has reached the programme coordinators.")
    notice = _channel_texts(bot)[-1]
    assert "Sam Taylor replied" in notice and "Yes Thursday is fine, thank you" in notice
    assert f"escalation #{escalation.id}" in notice
    assert _events(bot, escalation.id)[-1] == "replied"
    card = card_text(_latest_card(bot, escalation.id))
    assert "Yes Thursday is fine, thank you" in card and "replied" in card
    # The other person never sees it.
    assert all("Thursday is fine" not in t for t in adele.texts())

    await sam.say("Actually Friday would be better")
    assert "Actually Friday would be better" in _channel_texts(bot)[-1]


async def test_a_reply_after_the_pairing_ended_reaches_the_coordinators(bot, clock):
    sam, adele, _champion = await _paired(bot)
    await bot.post(channel_message(bot.connector.url, COORDINATOR_AAD, "end pairing sam"))
    assert any(
        "Reply here with any questions" in card_text(c)
        for c in bot.connector.cards(adele.conversation)
    )
    bot.connector.clear()

    await adele.say("Will I be asked to mentor again next year?")
    assert adele.texts()[-1].startswith("Thanks — that has reached the programme coordinators.")
    [post] = [r for r in bot.connector.requests if r.conversation_id == CHANNEL_ID and r.cards]
    text = card_text(post.cards[0])
    assert "Message: wrote to the coordinators" in text
    assert "mentor again next year" in text
    assert "Stalled pairing" not in text
    # A second message goes on the same card, not a new one.
    await adele.say("Thanks!")
    escalations = [e for e in [_escalation(bot)] if e.cause == "question"]
    assert len(escalations) == 1 and len(escalations[0].evidence) == 2


async def test_words_nobody_asked_for_are_not_sent_anywhere(bot):
    sam = Applicant(bot, "aad-someone", "Sam Someone")
    await sam.say("Yes Thursday is fine")
    assert sam.texts()[-1] == "Sorry, I didn't understand that. Type **help** to see what I can do."
    assert _channel_texts(bot) == []


async def test_ordinary_phrases_get_a_kind_answer(bot):
    sam = Applicant(bot, "aad-someone", "Sam Someone")
    await sam.say("Hi!")
    assert sam.texts()[-1].startswith("Hello Sam! I'm Step Forward")
    await sam.say("thanks")
    assert sam.texts()[-1] == "You're welcome!"
    await sam.say("Help me please")
    assert sam.texts()[-1].startswith("Here is what you can ask me here:")
    await sam.say("My application, please!")
    assert sam.texts()[-1].startswith("You haven't applied to the programme.")
    await sam.say("my progamme")
    assert sam.texts()[-1].startswith("Did you mean **my programme**?")


async def test_a_command_in_the_wrong_place_says_where_it_works(bot):
    coordinator = Applicant(bot, COORDINATOR_AAD, "Chris Coordinator")
    await coordinator.say("applications")
    assert coordinator.texts()[-1].startswith(
        "**applications** works in the programme's coordinator channel: @mention me there"
    )
    trainee = Applicant(bot, "aad-someone", "Sam Someone")
    await trainee.say("applications")
    assert trainee.texts()[-1].startswith("**applications** is for the programme coordinators")
    await bot.post(channel_message(bot.connector.url, COORDINATOR_AAD, "my programme"))
    assert _channel_texts(bot)[-1].startswith(
        "**my programme** works in your personal chat with me"
    )


async def test_apply_pressed_twice_opens_the_form_once(bot):
    with bot.ctx.session() as session:
        seed_demo(session, START)
    sam = Applicant(bot, "aad-someone", "Sam Someone")
    await sam.say("hi")
    await sam.submit({"action": "apply"})
    steps = len(bot.connector.cards(sam.conversation))
    await sam.submit({"action": "apply"})
    assert len(bot.connector.cards(sam.conversation)) == steps
    assert sam.texts()[-1].startswith("Your application form is already open")
    # Typing apply shows the current step again.
    await sam.say("apply")
    assert len(bot.connector.cards(sam.conversation)) == steps + 1
