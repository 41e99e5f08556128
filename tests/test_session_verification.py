"""Knowing a session happened: after a booked Teams meeting the bot reads its attendance (the
fake Graph's reports) and verifies it, or asks the pair; one tap each otherwise; answers that
disagree reach the coordinators only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.applying import card_text
from tests.booking_pair import (
    ADELE_MAIL,
    CHANNEL,
    SAM_MAIL,
    Pair,
    cards_titled,
    paired,
    press,
)
from tests.conftest import START
from tests.test_pairing import ADELE, SAM

BOOK = "Time to book this month's session"
ASKED = "Did your session happen?"
LOGGED = "Month 1's session is logged"
SESSION = datetime(2026, 11, 24, 13, tzinfo=UTC)  # Tuesday, 13:00-15:00 London
END = SESSION + timedelta(hours=2)


async def _booked(pair: Pair) -> str:
    """Sam books Tuesday 13:00 from the month's card; the meeting's join link."""
    await pair.sweep()
    await pair.sam.submit(press(cards_titled(pair.sam, BOOK)[0], "Tue 24 Nov at 13:00"))
    [event] = pair.graph.calendar.live_events()
    return event.join_url


def _channel_cards(pair: Pair) -> list[str]:
    return [
        card_text(c)
        for r in pair.bot.connector.requests
        if r.conversation_id.startswith(CHANNEL)
        for c in r.cards
    ]


async def _run_until(pair: Pair, until: datetime, step=timedelta(minutes=30)) -> None:
    while pair.clock.now() < until:
        await pair.sweep(min(pair.clock.now() + step, until))


@pytest.fixture
async def pair(graph_settings, clock, connector, fake_graph):
    fake_graph.calendar.add_busy(ADELE_MAIL, SESSION.replace(hour=9), SESSION)
    pair = await paired(graph_settings, clock, connector, fake_graph)
    yield pair
    await pair.bot.client.close()


async def test_both_in_the_meeting_for_fifteen_minutes_verifies_it(pair):
    join_url = await _booked(pair)
    await _run_until(pair, END)
    pair.graph.meetings.add_report(join_url, SESSION, {ADELE.aad_object_id: 6720, SAM: 6900})
    await _run_until(pair, END + timedelta(days=3))
    row = pair.month(1)
    assert (row.attendance, row.held_as, row.happened, row.minutes) == (
        "verified",
        "verified",
        True,
        112,
    )
    for person, partner in ((pair.sam, "Adele Vance"), (pair.adele, "Sam Taylor")):
        [notes] = cards_titled(person, LOGGED)
        assert f"Held on 24 November 2026 with {partner}, 1 h 52 min: Teams saw you both" in (
            card_text(notes)
        )
        assert cards_titled(person, ASKED) == []  # nothing to fill in
        assert len(cards_titled(person, "Quick pulse")) == 1  # as after any session held
    # The organiser's meeting was found by its join link, and its reports read.
    [lookup] = pair.graph.calls_to("online_meetings")
    assert lookup.path == f"/v1.0/users/{ADELE.aad_object_id}/onlineMeetings"
    assert "verified by attendance" in await pair.say_in_channel("pairs")
    assert "sessions 1 of 1 planned so far (of 6) · 0 booked · held: 1 verified" in (
        await pair.say_in_channel("pairs")
    )

    [notes] = cards_titled(pair.sam, LOGGED)
    await pair.sam.submit(press(notes, "Save", notes="Mock interview", step="Book the board"))
    assert pair.sam.texts()[-1] == (
        "Saved your notes and step 1 of your action plan: Book the board. **my programme** "
        "shows your plan."
    )
    assert pair.month(1).steps_moved == "Mock interview"
    # Tapping "It didn't happen" on an older card changes nothing once Teams verified it.
    await pair.adele.submit(
        {"session": "answer", "answer": "met", "pairing_id": pair.pairing_id, "month": 1}
    )
    assert "already logged as held: Teams saw you both" in pair.adele.texts()[-1]


async def test_one_of_them_absent_asks_both_and_answers_that_disagree_reach_the_coordinators(
    pair,
):
    join_url = await _booked(pair)
    await _run_until(pair, END)
    pair.graph.meetings.add_report(join_url, SESSION, {ADELE.aad_object_id: 6720, SAM: 600})
    await _run_until(pair, END + timedelta(days=1))
    assert pair.month(1).attendance == "absent"
    [sams] = cards_titled(pair.sam, ASKED)
    [adeles] = cards_titled(pair.adele, ASKED)
    assert "I couldn't confirm from Teams that you both joined the meeting." in card_text(sams)
    assert "One tap is enough; Adele Vance is asked too." in card_text(sams)
    # Each in their own words.
    assert "My mentor cancelled" in card_text(sams) and "My mentee cancelled" in card_text(adeles)

    before = len(pair.bot.connector.sent_to(pair.sam.conversation))
    await pair.sam.submit(press(sams, "We met"))
    assert pair.sam.texts()[-1] == "Thanks — noted that you met. I've asked Adele Vance too."
    assert pair.month(1).held_as == "reported"
    await pair.adele.submit(press(adeles, "Send", why="cancelled_by_trainee"))
    assert pair.month(1).held_as is None and pair.month(1).happened is None
    listing = await pair.say_in_channel("pairs")
    assert (
        "⚠ month 1: they disagree (Sam Taylor: we met; Adele Vance: it didn't happen: "
        "cancelled by the trainee)"
    ) in listing
    # Sam is told nothing of Adele's answer.
    after = pair.bot.connector.sent_to(pair.sam.conversation)[before:]
    assert all("cancel" not in str(r.body).lower() for r in after)


async def test_without_the_access_policy_the_pair_is_asked_at_once(pair):
    await _booked(pair)
    pair.graph.fail("online_meetings", 403, times=None)
    await _run_until(pair, END + timedelta(minutes=20))
    assert pair.month(1).attendance == "unknown"
    await _run_until(pair, END + timedelta(days=1))
    [card] = cards_titled(pair.sam, ASKED)
    assert "I couldn't confirm from Teams" not in card_text(card)


async def test_a_declined_invitation_asks_both_at_once(pair):
    await _booked(pair)
    [event] = pair.graph.calendar.live_events()
    pair.graph.calendar.respond(event.event_id, SAM_MAIL, "declined")
    await _run_until(pair, END + timedelta(minutes=20))
    assert pair.month(1).attendance == "declined"


async def test_no_report_is_looked_for_again_hourly_then_the_pair_is_asked(pair):
    await _booked(pair)
    await _run_until(pair, END + timedelta(hours=23))
    assert pair.month(1).attendance is None
    assert cards_titled(pair.sam, ASKED) == []
    looks = len(pair.graph.calls_to("get_event"))
    assert 20 <= looks <= 24  # from 15 minutes after the end, once an hour
    await _run_until(pair, END + timedelta(days=2))
    assert pair.month(1).attendance == "absent"
    assert len(cards_titled(pair.sam, ASKED)) == 1 and len(cards_titled(pair.adele, ASKED)) == 1


async def test_a_meeting_deleted_in_outlook_counts_as_cancelled(pair):
    await _booked(pair)
    [event] = pair.graph.calendar.live_events()
    del pair.graph.calendar.events[event.event_id]
    await _run_until(pair, END + timedelta(minutes=20))
    assert pair.month(1).attendance == "cancelled"


# --- one tap each, without Graph ---------------------------------------------------------


@pytest.fixture
async def manual(settings, clock, connector):
    pair = await paired(settings, clock, connector, None)
    await pair.sweep()
    [card] = cards_titled(pair.sam, BOOK)
    await pair.sam.submit(press(card, "I've booked it", date="2026-11-24", time="13:00"))
    yield pair
    await pair.bot.client.close()


async def test_two_taps_confirm_a_session(manual):
    await _run_until(manual, END + timedelta(days=1))
    [sams] = cards_titled(manual.sam, ASKED)
    [adeles] = cards_titled(manual.adele, ASKED)
    assert "booked for 24 November 2026, 13:00 (your time zone, Europe/London)" in card_text(sams)
    await manual.sam.submit(press(sams, "We met"))
    await manual.adele.submit(press(adeles, "We met"))
    assert manual.adele.texts()[-1] == (
        "Thanks — noted that you met. You've both said so: month 1's session is logged."
    )
    assert "Anything to note?" in card_text(manual.adele.last_card())
    assert manual.month(1).held_as == "confirmed"
    await manual.adele.submit(press(adeles, "Send", why="rescheduled"))
    assert manual.adele.texts()[-1].startswith("You already told me about month 1: we met.")
    assert "1 confirmed by both" in await manual.say_in_channel("pairs")
    await manual.sam.say("my data")
    assert "- Month 1 session: booked for 24 November 2026, 13:00; you said: we met" in (
        "\n".join(manual.sam.texts())
    )
    # No more asking once both have answered.
    await _run_until(manual, END + timedelta(days=25), step=timedelta(hours=6))
    assert len(cards_titled(manual.sam, ASKED)) == 1


async def test_not_released_raises_a_release_block_for_the_coordinators(manual):
    await _run_until(manual, END + timedelta(days=1))
    [adeles] = cards_titled(manual.adele, ASKED)
    await manual.adele.submit(
        press(adeles, "Send", why="line_manager", details="Cover for a colleague")
    )
    assert manual.month(1).mentor_answer == "not_released" and manual.month(1).happened is False
    cards = _channel_cards(manual)
    assert any(
        "Release block" in c and "Cover for a colleague" in c and "Adele Vance" in c for c in cards
    )
    assert all(
        "Cover for a colleague" not in str(r.body)
        for r in manual.bot.connector.sent_to(manual.sam.conversation)
    )


async def test_rescheduled_offers_a_new_time_for_the_month(manual):
    await _run_until(manual, END + timedelta(days=1))
    [sams] = cards_titled(manual.sam, ASKED)
    await manual.sam.submit(press(sams, "Send", why="rescheduled"))
    assert manual.sam.texts()[-1] == "Thanks for letting me know. When you can, pick another time:"
    card = manual.sam.last_card()
    await manual.sam.submit(press(card, "I've booked it", date="2026-12-01", time="10:00"))
    row = manual.month(1)
    assert (row.booked_for, row.trainee_answer, row.happened) == (
        datetime(2026, 12, 1, 10, tzinfo=UTC),
        None,
        None,
    )


async def test_the_stall_rules_count_sessions_held_not_booked(manual):
    """Booked but never said to have happened: after 45 days the coordinators hear of it."""
    await _run_until(manual, START + timedelta(days=47), step=timedelta(hours=6))
    escalations = _channel_cards(manual)
    assert any("no session logged in the" in text for text in escalations)
    assert manual.month(1).booking == "booked" and manual.month(1).happened is None


async def test_a_session_both_say_happened_counts_as_the_last_session(manual):
    await _run_until(manual, END + timedelta(days=1))
    for person in (manual.sam, manual.adele):
        await person.submit(press(cards_titled(person, ASKED)[0], "We met"))
    await _run_until(manual, START + timedelta(days=47), step=timedelta(hours=6))
    escalations = _channel_cards(manual)
    assert not any("no session logged" in text for text in escalations)
    # Held on 24 November: 45 days later the quiet period runs out.
    assert any("last session 45 days ago; 1 of 2 planned so far" in t for t in escalations)


async def test_over_long_words_on_the_session_cards_are_refused_and_given_back(manual):
    long = "We covered the board interview and the panel questions. " * 20  # 1,140
    await _run_until(manual, END + timedelta(days=1))
    [sams] = cards_titled(manual.sam, ASKED)
    await manual.sam.submit(press(sams, "Send", why="line_manager", details=long))
    refusal = manual.sam.texts()[-1]
    assert refusal.startswith("“Anything to add?” can be at most 1,000 characters")
    assert refusal.endswith(long.strip())
    assert manual.month(1).trainee_answer is None  # nothing stored until it fits

    await manual.sam.submit(press(sams, "We met"))
    [notes] = cards_titled(manual.sam, "Anything to note?")
    await manual.sam.submit(press(notes, "Save", notes=long))
    assert manual.sam.texts()[-1].startswith("“What moved this time?” can be at most 1,000")
    await manual.sam.submit(press(notes, "Save", step="Ask about the board " * 11))
    assert manual.sam.texts()[-1].startswith(
        "“A next step for your action plan” can be at most 200 characters"
    )
    assert manual.month(1).steps_moved is None
