"""A confirmed pair goes through a whole 6-month programme with no human action but their
own answers: every booking nudge, reminder, log request and check-in arrives exactly once, in
working hours, across a restart of the bot."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bench.teams_activities import card_submit, channel_message
from domain.working_hours import is_working_time
from store.models import MentoringSession
from tests.applying import card_text
from tests.conftest import START, start_bot
from tests.test_pairing import ADELE, SAM, _programme_with_accepted_trainee

LONDON = ZoneInfo("Europe/London")
CHANNEL = "19:coordinators@thread.tacv2"


def _kind(request) -> str:
    if request.cards:
        text = card_text(request.cards[0])
        for marker, kind in (
            ("Meet your", "intro"),
            ("book this month", "book"),
            ("Did your session happen?", "log"),
            ("Quick check-in", "check_in"),
        ):
            if marker in text:
                return kind
        return "card"
    if request.text.startswith("Reminder:"):
        return "reminder"
    return "text"


async def _answer(bot, request, clock) -> None:
    """Sam books; both say they met and answer check-ins (Adele needs help at week 4).
    Someone who answered nothing would count as not responding after three nudges."""
    kind = _kind(request)
    who = request.conversation_id.removeprefix("a:personal-")
    data = (
        [a for a in request.cards[0]["actions"] if a["type"] == "Action.Submit"]
        if request.cards
        else []
    )
    url = bot.connector.url
    if kind == "book" and who == SAM:
        day = (clock.now() + timedelta(days=7)).astimezone(LONDON).date().isoformat()
        await bot.post(card_submit(url, SAM, data[0]["data"] | {"date": day, "time": "14:00"}))
    elif kind == "log":
        await bot.post(card_submit(url, who, data[0]["data"]))  # We met
    elif kind == "check_in":
        week = data[0]["data"]["week"]
        answer = 2 if who == ADELE.aad_object_id and week == 4 else 0
        await bot.post(card_submit(url, who, data[answer]["data"]))


async def test_six_month_programme_exactly_once_in_working_hours(settings, clock, connector):
    connector.clock = clock
    bot = await start_bot(settings, clock, connector)
    await _programme_with_accepted_trainee(bot)
    await bot.post(channel_message(connector.url, "aad-coordinator-1", "pair sam with adele"))

    seen = 0
    restarted = False
    end = START + timedelta(days=200)
    while clock.now() < end:
        clock.advance(timedelta(hours=2))
        if not restarted and clock.now() > START + timedelta(days=75):
            await bot.client.close()  # a restart in the middle: new app, same database
            bot = await start_bot(settings, clock, connector)
            restarted = True
        await bot.outbox.sweep(clock.now())
        new = connector.requests[seen:]
        seen = len(connector.requests)
        for request in new:
            await _answer(bot, request, clock)
        seen = len(connector.requests)

    personal = [r for r in connector.requests if r.conversation_id.startswith("a:personal-")]
    counts = Counter((r.conversation_id.removeprefix("a:personal-"), _kind(r)) for r in personal)
    for person in (SAM, ADELE.aad_object_id):
        assert counts[(person, "intro")] == 1
        assert counts[(person, "book")] == 6
        assert counts[(person, "reminder")] == 6
        assert counts[(person, "log")] == 6
        assert counts[(person, "check_in")] == 3

    # Routine nudges only in working hours (London), one per person per day.
    routine = [r for r in personal if _kind(r) in ("book", "reminder", "log", "check_in")]
    assert len(routine) == 2 * (6 + 6 + 6 + 3)
    assert all(is_working_time(r.at, "Europe/London") for r in routine)
    per_day = Counter((r.conversation_id, r.at.astimezone(LONDON).date()) for r in routine)
    assert max(per_day.values()) == 1

    with Session(bot.ctx.engine) as session:
        months = session.exec(select(MentoringSession)).all()
    assert sorted(m.month for m in months if m.happened) == [1, 2, 3, 4, 5, 6]
    # Adele's "I need help" became one escalation card in the channel (and, left
    # unacknowledged for 2 working days, one re-post); nothing else stalled.
    escalations = [card_text(c) for c in connector.cards(CHANNEL) if "Escalation #" in card_text(c)]
    assert len(escalations) == 2
    assert all("Stalled pairing: asked for help" in text for text in escalations)
    assert "answered “need help” at the week-4 check-in" in escalations[0]
    assert "posted again" in escalations[1]

    await bot.post(channel_message(connector.url, "aad-coordinator-1", "pairs"))
    assert "sessions 6 of 6 planned so far (of 6)" in connector.texts()[-1]
    await bot.client.close()
