"""A participant's view of their pairing, their action plan, snooze, and card edge cases."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from bench.teams_activities import channel_message
from store.models import MentoringSession, Person
from tests.applying import Applicant, card_text
from tests.conftest import START
from tests.test_pairing import ADELE, SAM, _programme_with_accepted_trainee


async def _paired(bot):
    await _programme_with_accepted_trainee(bot)
    await bot.post(channel_message(bot.connector.url, "aad-coordinator-1", "pair sam with adele"))
    return Applicant(bot, SAM, "Sam Taylor"), Applicant(bot, ADELE.aad_object_id, ADELE.name)


def _adele_sees(bot) -> list:
    """Everything sent to Adele's personal chat (texts and cards)."""
    return [r.body for r in bot.connector.sent_to(f"a:personal-{ADELE.aad_object_id}")]


def _pairing_id(bot) -> int:
    with Session(bot.ctx.engine) as session:
        from store.models import Pairing

        return session.exec(select(Pairing)).one().id


async def test_my_programme_shows_pair_sessions_next_step_and_action_plan(bot):
    sam, _adele = await _paired(bot)
    await sam.say("my programme")
    text = sam.texts()[-1]
    assert "**Your mentor: Adele Vance** (since 23 November 2026)" in text
    assert "Sessions: 0 of 1 planned so far (6 in all)." in text
    assert "Next: book your month-1 session" in text
    assert "No steps yet." in text

    await sam.say("add step Update my CV for the Inspector board")
    assert sam.texts()[-1] == "Added step 1: Update my CV for the Inspector board"
    await sam.say("add step Ask for a mock interview")
    await sam.say("done 1")
    assert sam.texts()[-1].startswith("Ticked: Update my CV")
    await sam.say("done 1")
    assert sam.texts()[-1] == "Step 1 is already ticked."
    await sam.say("done 7")
    assert sam.texts()[-1] == "Please give a step number from 1 to 2, e.g. **done 1**."
    await sam.say("my programme")
    text = sam.texts()[-1]
    assert "1. ✅ Update my CV for the Inspector board" in text
    assert "2. ⬜ Ask for a mock interview" in text


async def test_booking_then_log_once_and_the_partner_sees_it(bot, clock):
    sam, adele = await _paired(bot)
    pairing = _pairing_id(bot)
    await sam.submit(
        {
            "session": "booked",
            "pairing_id": pairing,
            "month": 1,
            "date": "2026-11-30",
            "time": "14:00",
        }
    )
    mine, theirs = card_text(sam.last_card()), card_text(adele.last_card())
    assert "Booked: your mentoring session with Adele Vance" in mine
    assert "Monday 30 November 2026, 14:00–16:00 (your time zone, Europe/London)" in mine
    assert "Make sure it's in both your calendars." in mine
    assert "Sam Taylor booked it." in theirs and "with Sam Taylor" in theirs
    assert [a["title"] for a in sam.last_card()["actions"]] == ["Reschedule", "Cancel"]
    await sam.say("my programme")
    assert "Next: your session on 30 November 2026, 14:00." in sam.texts()[-1]

    clock.set(START + timedelta(days=7, hours=6))
    log = {
        "session": "log",
        "pairing_id": pairing,
        "month": 1,
        "happened": "yes",
        "held_on": "2026-11-30",
        "minutes": "95",
        "steps_moved": "CV",
    }
    await adele.submit(log)
    assert adele.texts()[-1] == "Logged month 1: 95 minutes on 30 November 2026. Thank you!"
    assert any("Adele Vance logged your month-1 session" in t for t in sam.texts())
    await sam.submit(log | {"minutes": "200"})
    assert sam.texts()[-1].startswith("Month 1's session is already logged by Adele Vance")
    with Session(bot.ctx.engine) as session:
        [row] = session.exec(select(MentoringSession)).all()
    assert (row.minutes, row.happened) == (95, True)


async def test_invalid_booking_and_outsiders_are_refused(bot):
    sam, _adele = await _paired(bot)
    pairing = _pairing_id(bot)
    await sam.submit({"session": "booked", "pairing_id": pairing, "month": 1, "date": ""})
    assert sam.texts()[-1] == "Please pick the date of the session, then Booked."
    await sam.submit(
        {
            "session": "booked",
            "pairing_id": pairing,
            "month": 1,
            "date": "2026-11-01",
            "time": "10:00",
        }
    )
    assert sam.texts()[-1] == "That time has passed; please pick a future time."
    outsider = Applicant(bot, "aad-outsider", "Nosy Parker")
    await outsider.say("hi")
    await outsider.submit({"check_in": "need_help", "pairing_id": pairing, "week": 2})
    assert outsider.texts()[-1] == "Sorry, that check-in isn't for a pairing of yours."
    await outsider.submit({"session": "cant", "pairing_id": pairing, "month": 1})
    assert outsider.texts()[-1] == "Sorry, that card isn't for a pairing of yours."


async def test_check_in_answered_once_and_need_help_reaches_the_channel(bot):
    sam, _adele = await _paired(bot)
    pairing = _pairing_id(bot)
    await sam.submit(
        {
            "check_in": "need_help",
            "pairing_id": pairing,
            "week": 2,
            "comment": "My manager keeps cancelling",
        }
    )
    assert sam.texts()[-1].startswith("Thanks for telling me. I've let the programme coordinators")
    [card] = bot.connector.cards("19:coordinators@thread.tacv2")
    assert "Stalled pairing: asked for help" in card_text(card)
    assert "Sam Taylor answered “need help” at the week-2 check-in" in card_text(card)
    assert "My manager keeps cancelling" in card_text(card)
    assert all("My manager keeps cancelling" not in str(c) for c in _adele_sees(bot))
    await sam.submit({"check_in": "yes", "pairing_id": pairing, "week": 2})
    assert sam.texts()[-1].startswith("You already answered this check-in: “I need help”.")
    await bot.post(channel_message(bot.connector.url, "aad-coordinator-1", "pairs"))
    assert "asked for help in the week-2 check-in" in bot.connector.texts()[-1]


async def test_cant_meet_this_month_tells_the_coordinators_privately(bot):
    sam, adele = await _paired(bot)
    pairing = _pairing_id(bot)
    await sam.submit(
        {
            "session": "cant",
            "pairing_id": pairing,
            "month": 1,
            "reason": "Not released by my line manager",
        }
    )
    assert "I've told the programme coordinators" in sam.texts()[-1]
    [card] = bot.connector.cards("19:coordinators@thread.tacv2")
    assert "Stalled pairing: can't meet this month" in card_text(card)
    assert "says the pair can't meet in programme month 1" in card_text(card)
    assert "Not released by my line manager" in card_text(card)
    assert all("Not released" not in str(c) for c in _adele_sees(bot))


async def test_snooze_holds_routine_nudges_until_it_ends(bot, clock):
    sam, _adele = await _paired(bot)
    await sam.say("snooze 7")
    assert sam.texts()[-1].startswith("OK — I'll hold routine reminders until 30 November 2026")
    before = len(sam.texts()) + len(bot.connector.cards(sam.conversation))
    await bot.outbox.sweep(clock.now())
    booking_cards = [
        c for c in bot.connector.cards(sam.conversation) if "book this month" in str(c)
    ]
    assert booking_cards == []
    assert before == len(sam.texts()) + len(bot.connector.cards(sam.conversation))
    # Adele was not snoozed and got hers.
    assert any(
        "book this month" in str(c)
        for c in bot.connector.cards(f"a:personal-{ADELE.aad_object_id}")
    )
    clock.set(START + timedelta(days=7, hours=1))  # Monday 30 Nov, 11:00 London
    await bot.outbox.sweep(clock.now())
    assert any("book this month" in str(c) for c in bot.connector.cards(sam.conversation))
    await sam.say("snooze forever")
    assert "from 1 to 30" in sam.texts()[-1]
    await sam.say("snooze off")
    with Session(bot.ctx.engine) as session:
        person = session.exec(select(Person).where(Person.aad_object_id == SAM)).one()
    assert person.snoozed_until is None


async def test_my_programme_refers_to_the_booking_card_only_once_it_was_sent(bot, clock):
    clock.set(START - timedelta(hours=2))  # Monday 08:00 in London: outside working hours
    sam, _adele = await _paired(bot)
    clock.set(START - timedelta(minutes=104))  # 08:16
    await bot.outbox.sweep(clock.now())
    assert not [c for c in bot.connector.cards(sam.conversation) if "Time to book" in card_text(c)]

    await sam.say("my programme")
    text = sam.texts()[-1]
    assert "the card I sent you" not in text
    assert (
        "Next: book your month-1 session: I'll send you a card to book it on "
        "23 November 2026, 09:00." in text
    )

    clock.set(START - timedelta(hours=1))  # 09:00: the card goes
    await bot.outbox.sweep(clock.now())
    assert [c for c in bot.connector.cards(sam.conversation) if "Time to book" in card_text(c)]
    await sam.say("my programme")
    assert "Next: book your month-1 session (use the card I sent you)." in sam.texts()[-1]
