"""Graded help, driven by the clock: a pair drifting from green to amber gets one
re-engagement message each (and its buttons work), a red pair one "pair at risk" escalation
once no other escalation is open; a pause keeps a pair from going amber on silence."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from bench.teams_activities import (
    card_submit,
    channel_card_submit,
    channel_message,
    personal_message,
)
from store.escalations import Escalation
from store.health import PairHealth
from store.models import Person
from store.outbox import by_key
from store.pauses import PausePeriod
from store.re_engagements import ReEngagement
from tests.applying import card_text
from tests.conftest import COORDINATOR_AAD, START
from tests.migration_checks import assert_migration_matches_models
from tests.test_escalations import _submit_data
from tests.test_pairing import ADELE, SAM, _programme_with_accepted_trainee

TITLE = "How's your mentoring going?"


async def _sweep(bot, clock, at) -> None:
    clock.set(at)
    await bot.outbox.sweep(clock.now())


async def _paired(bot, clock) -> None:
    await _programme_with_accepted_trainee(bot)
    await bot.post(channel_message(bot.connector.url, COORDINATOR_AAD, "pair sam with adele"))
    await _sweep(bot, clock, START + timedelta(minutes=5))


def _colour(bot) -> str:
    with Session(bot.ctx.engine) as session:
        return session.exec(select(PairHealth)).one().colour


def _cards_to(bot, aad: str, start: int = 0) -> list[dict]:
    return [
        card
        for r in bot.connector.requests[start:]
        if r.conversation_id == f"a:personal-{aad}"
        for card in r.cards
    ]


def _texts_to(bot, aad: str, start: int = 0) -> list[str]:
    return [
        r.text or ""
        for r in bot.connector.requests[start:]
        if r.conversation_id == f"a:personal-{aad}"
    ]


def _help_cards(bot, aad: str, start: int = 0) -> list[dict]:
    return [c for c in _cards_to(bot, aad, start) if card_text(c).startswith(TITLE)]


async def _answer_check_in(bot, aad: str) -> None:
    card = next(c for c in reversed(_cards_to(bot, aad)) if "check-in" in card_text(c).lower())
    yes = [a for a in card["actions"] if a["type"] == "Action.Submit"][0]
    name = ADELE.name if aad == ADELE.aad_object_id else "Sam Taylor"
    await bot.post(card_submit(bot.connector.url, aad, yes["data"], user_name=name))


def _escalations(bot) -> list[Escalation]:
    with Session(bot.ctx.engine) as session:
        return list(session.exec(select(Escalation).order_by(Escalation.id)))


def _channel_card(bot, escalation_id: int) -> dict:
    """The escalation's card as the channel shows it last (posted, re-posted or updated)."""
    return [
        card
        for r in bot.connector.requests
        for card in r.cards
        if f"Escalation #{escalation_id}" in card_text(card)
    ][-1]


async def _resolve(bot, escalation_id: int, outcome: str) -> None:
    """A coordinator resolves the escalation on its card."""
    with Session(bot.ctx.engine) as session:
        activity = by_key(session, f"escalation:{escalation_id}:card").activity_id
    data = _submit_data(_channel_card(bot, escalation_id), "Resolve") | {"outcome": outcome}
    await bot.post(
        channel_card_submit(bot.connector.url, COORDINATOR_AAD, data, reply_to_id=activity)
    )


def _button(card: dict, title: str) -> dict:
    [action] = [a for a in card["actions"] if a["title"] == title]
    return action


async def test_a_pair_drifting_to_amber_gets_one_message_each_and_red_one_escalation(bot, clock):
    adele = ADELE.aad_object_id
    await _paired(bot, clock)
    assert _colour(bot) == "green"

    # Four weeks and two check-ins without an answer from either: amber.
    await _sweep(bot, clock, START + timedelta(days=14))
    await _sweep(bot, clock, START + timedelta(days=28))
    await _sweep(bot, clock, START + timedelta(days=28, minutes=30))
    assert _colour(bot) == "amber"
    [to_sam] = _help_cards(bot, SAM)
    [to_adele] = _help_cards(bot, adele)
    assert card_text(to_sam).split("\n")[1] == (
        "I noticed that I haven't heard from you for a little while. That happens, and a "
        "session with your mentor, Adele Vance, is the easiest way to get going again. It's "
        "fine to be the one who suggests a time. Tap **Book a session** to see times you're "
        "both free, **Ask for help** to reach the programme coordinators privately, or "
        "**Pause** if you're away for a while."
    )
    assert "Your mentee may be waiting for you to suggest a time" in card_text(to_adele)
    # Nothing about what the other did not do.
    assert "mentor has not" not in card_text(to_sam) and "Adele has" not in card_text(to_sam)
    assert [a["title"] for a in to_sam["actions"]] == ["Book a session", "Ask for help", "Pause"]

    # Both answer: green. Month 1 ends without a session: amber again, within 30 days: no
    # second message, however often the sweep looks.
    await _answer_check_in(bot, SAM)
    await _answer_check_in(bot, adele)
    await _sweep(bot, clock, START + timedelta(days=28, hours=1))
    assert _colour(bot) == "green"
    for day in (31, 32, 33):
        await _sweep(bot, clock, START + timedelta(days=day, hours=1))
    assert _colour(bot) == "amber"
    assert len(_help_cards(bot, SAM)) == 1 and len(_help_cards(bot, adele)) == 1

    # On to red: no session for two months. The stall rules have escalated first; while that
    # escalation is open, no "pair at risk" beside it.
    for day in range(35, 70, 3):
        await _sweep(bot, clock, START + timedelta(days=day, hours=1))
    assert _colour(bot) == "red"
    others = [e for e in _escalations(bot) if e.status != "resolved"]
    assert others and all(e.cause != "pair_at_risk" for e in others)
    assert not [e for e in _escalations(bot) if e.cause == "pair_at_risk"]

    # The coordinators resolve them; the pair is still red: now "pair at risk", once.
    for escalation in others:
        await _resolve(bot, escalation.id, "Spoke to both")
    for hours in (2, 3, 4):
        await _sweep(bot, clock, START + timedelta(days=70, hours=hours))
    [at_risk] = [e for e in _escalations(bot) if e.cause == "pair_at_risk"]
    assert at_risk.status == "open"
    with Session(bot.ctx.engine) as session:
        reasons = session.exec(select(PairHealth)).one().reasons
    posted = card_text(_channel_card(bot, at_risk.id))
    assert "Stalled pairing: pair at risk" in posted
    assert (
        "The pair's health turned red: 0 of 3 sessions held; no session since pairing, over "
        "60 days ago; no session in months 1 and 2; "
    ) in posted
    assert at_risk.evidence[0]["text"].startswith("The pair's health turned red: ")
    assert all(reason in at_risk.evidence[0]["text"] for reason in reasons[:2])
    assert len(_help_cards(bot, SAM)) == 1  # red brings no re-engagement

    # Resolved while the pair stays red: not raised again for the same red spell.
    await _resolve(bot, at_risk.id, "Both agreed to meet next week")
    for day in (71, 74, 78):
        await _sweep(bot, clock, START + timedelta(days=day, hours=1))
    assert _colour(bot) == "red"
    assert len([e for e in _escalations(bot) if e.cause == "pair_at_risk"]) == 1


async def test_the_buttons_book_ask_for_help_and_pause(bot, clock):
    await _paired(bot, clock)
    for at in (timedelta(days=14), timedelta(days=28), timedelta(days=28, minutes=30)):
        await _sweep(bot, clock, START + at)
    [card] = _help_cards(bot, SAM)

    # Book a session: this month's booking step (times both are free, or the Teams link).
    mark = await _press_as(bot, SAM, _button(card, "Book a session")["data"])
    [offer] = _cards_to(bot, SAM, mark)
    assert card_text(offer).startswith(
        "Time to book this month's session\nMonth 1 of 6 with Adele Vance"
    )

    # Ask for help: the coordinators hear, privately.
    mark = await _press_as(bot, SAM, _button(card, "Ask for help")["data"])
    assert any("coordinators" in t for t in _texts_to(bot, SAM, mark))
    assert [e.cause for e in _escalations(bot)] == ["needs_help"]

    # Pause: the date picker's button holds the reminders until that day.
    pause = _button(card, "Pause")
    assert pause["type"] == "Action.ShowCard"
    [submit] = pause["card"]["actions"]
    mark = await _press_as(bot, SAM, submit["data"] | {"until": "2027-01-04"})
    assert _texts_to(bot, SAM, mark) == [
        "OK — I'll hold routine reminders until 4 January 2027 and start again that day. "
        "Messages from the coordinators still reach you, and they can see you're away. Type "
        "**snooze off** to undo."
    ]
    mark = await _press_as(bot, SAM, submit["data"] | {"until": ""})
    assert "Please give the day you'll be back" in _texts_to(bot, SAM, mark)[0]

    # What is stored about it shows in `my data`, and goes with `delete my data`.
    mark = len(bot.connector.requests)
    await bot.post(personal_message(bot.connector.url, SAM, "my data"))
    shown = "\n".join(_texts_to(bot, SAM, mark))
    assert (
        "- 21 December 2026: a message offering help to get your sessions going again (book a "
        "session, ask for help, pause): sent"
    ) in shown
    assert "- You paused routine reminders from 21 December 2026 to 4 January 2027" in shown
    await bot.post(card_submit(bot.connector.url, SAM, {"my_data": "delete_confirmed"}))
    with Session(bot.ctx.engine) as session:
        sam = session.exec(select(Person).where(Person.display_name == "Former participant")).one()
        assert not session.exec(select(PausePeriod).where(PausePeriod.person_id == sam.id)).all()
        assert not session.exec(select(ReEngagement).where(ReEngagement.person_id == sam.id)).all()
        assert session.exec(select(ReEngagement)).all()  # Adele's stays


async def _press_as(bot, aad: str, data: dict) -> int:
    mark = len(bot.connector.requests)
    await bot.post(card_submit(bot.connector.url, aad, data))
    return mark


async def test_a_pause_keeps_the_pair_from_going_amber_on_silence(bot, clock):
    adele = ADELE.aad_object_id
    await _paired(bot, clock)
    await bot.post(personal_message(bot.connector.url, SAM, "pause until 27 December 2026"))
    # Adele answers her check-ins; Sam is away, asked nothing, and not counted as silent.
    await _sweep(bot, clock, START + timedelta(days=14))
    await _answer_check_in(bot, adele)
    await _sweep(bot, clock, START + timedelta(days=28))
    await _answer_check_in(bot, adele)
    await _sweep(bot, clock, START + timedelta(days=29, hours=1))
    assert _colour(bot) == "green"
    # Month 1 ends without a session: amber. Adele gets the message; Sam, still paused, none.
    await _sweep(bot, clock, START + timedelta(days=31, hours=1))
    assert _colour(bot) == "amber"
    assert len(_help_cards(bot, adele)) == 1
    assert _help_cards(bot, SAM) == []
    await _sweep(bot, clock, START + timedelta(days=36, hours=1))
    assert _help_cards(bot, SAM) == []


def test_the_migration_makes_the_tables_the_models_describe_and_goes_back(db_url, engine):
    assert_migration_matches_models(db_url, engine, {"pause_period", "re_engagement"}, "0018")


async def test_a_message_waiting_for_working_hours_is_dropped_if_the_pair_is_green_again(
    bot, clock
):
    adele = ADELE.aad_object_id
    await _paired(bot, clock)
    await _sweep(bot, clock, START + timedelta(days=14))
    # Monday 21 December, 18:00: four weeks without a word, amber after working hours; the
    # messages wait for the morning.
    await _sweep(bot, clock, START + timedelta(days=28, hours=8))
    assert _colour(bot) == "amber"
    assert _help_cards(bot, SAM) == [] and _help_cards(bot, adele) == []
    # That evening both answer their check-in: green again, and nothing goes in the morning.
    await _answer_check_in(bot, SAM)
    await _answer_check_in(bot, adele)
    await _sweep(bot, clock, START + timedelta(days=28, hours=9))
    assert _colour(bot) == "green"
    await _sweep(bot, clock, START + timedelta(days=29))
    await _sweep(bot, clock, START + timedelta(days=29, hours=1))
    assert _help_cards(bot, SAM) == [] and _help_cards(bot, adele) == []
    mark = len(bot.connector.requests)
    await bot.post(personal_message(bot.connector.url, SAM, "my data"))
    assert (
        "a message offering help to get your sessions going again (book a session, ask for "
        "help, pause): not sent in the end (things were back on track first)"
    ) in "\n".join(_texts_to(bot, SAM, mark))
