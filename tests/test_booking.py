"""Booking the month's session from the card, against the fake Microsoft Graph: three times
both are free, one tap books one Teams meeting with both invited, confirmations with the join
link, Reschedule moves it, Cancel cancels it; every kind of Graph failure falls back to the
Teams scheduling link without losing the step or booking twice."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.applying import card_text
from tests.booking_pair import (
    ADELE_MAIL,
    SAM_MAIL,
    cards_titled,
    links,
    paired,
    press,
    slot_titles,
    submits,
)
from tests.conftest import START
from tests.test_pairing import ADELE

BOOK = "Time to book this month's session"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
async def pair(graph_settings, clock, connector, fake_graph):
    # Adele is busy on Tuesday morning.
    fake_graph.calendar.add_busy(ADELE_MAIL, utc(2026, 11, 24, 9), utc(2026, 11, 24, 13))
    pair = await paired(graph_settings, clock, connector, fake_graph)
    yield pair
    await pair.bot.client.close()


async def test_a_pair_books_in_one_tap_moves_and_cancels_the_teams_meeting(pair):
    graph, sam, adele = pair.graph, pair.sam, pair.adele
    await pair.sweep()  # Monday 23 November, 10:00 London: month 1 starts
    [offer] = cards_titled(sam, BOOK)
    assert slot_titles(offer) == [
        "Tue 24 Nov at 13:00",
        "Wed 25 Nov at 09:00",
        "Thu 26 Nov at 09:00",
    ]
    text = card_text(offer)
    assert "Month 1 of 6 with Adele Vance. These times suit you both" in text
    assert "One tap books a Teams meeting in Adele Vance's calendar with you both invited" in text
    [adele_offer] = cards_titled(adele, BOOK)
    assert "One tap books a Teams meeting in your calendar with Sam Taylor invited" in (
        card_text(adele_offer)
    )
    # Two getSchedule reads: both calendars in one, for 14 days (and nothing else read).
    [schedule] = graph.calls_to("get_schedule")
    assert schedule.body["schedules"] == [ADELE_MAIL, SAM_MAIL]

    await sam.submit(press(offer, "Tue 24 Nov at 13:00", length="120"))
    [created] = graph.calls_to("create_event")
    [booking] = pair.bookings()
    assert created.path == f"/v1.0/users/{ADELE.aad_object_id}/events"
    assert [a["emailAddress"]["address"] for a in created.body["attendees"]] == [
        ADELE_MAIL,
        SAM_MAIL,
    ]
    assert created.body["isOnlineMeeting"] is True
    assert created.body["onlineMeetingProvider"] == "teamsForBusiness"
    assert created.body["subject"] == "Step Forward mentoring session"
    assert "month 1 of 6" in created.body["body"]["content"]
    assert created.body["transactionId"] == booking.transaction_id
    assert created.body["start"] == {
        "dateTime": "2026-11-24T13:00:00",
        "timeZone": "GMT Standard Time",
    }
    [event] = graph.calendar.live_events()
    assert (booking.status, booking.event_id) == ("live", event.event_id)

    mine = sam.last_card()
    assert "Booked: your mentoring session with Adele Vance" in card_text(mine)
    assert "Tuesday 24 November 2026, 13:00–15:00 (your time zone, Europe/London)" in (
        card_text(mine)
    )
    assert "in both your calendars (Adele Vance organises it)" in card_text(mine)
    assert links(mine) == {"Join in Teams": event.join_url}
    theirs = adele.last_card()
    assert "Sam Taylor booked it. It's a Teams meeting in your calendar" in card_text(theirs)
    assert links(theirs) == {"Join in Teams": event.join_url}
    row = pair.month(1)
    assert (row.booking, row.booked_for, row.booked_minutes) == (
        "booked",
        utc(2026, 11, 24, 13),
        120,
    )
    assert (row.event_id, row.join_url) == (event.event_id, event.join_url)

    # Adele taps a time on her own card afterwards: nothing is booked twice.
    await adele.submit(press(adele_offer, "Wed 25 Nov at 09:00", length="120"))
    assert adele.texts()[-1] == (
        "Month 1's session is already booked for 24 November 2026, 13:00. To change it, use "
        "Reschedule on its card."
    )
    assert len(graph.calls_to("create_event")) == 1

    # Reschedule: three new times, one tap moves the meeting.
    await sam.submit(press(mine, "Reschedule"))
    moving = sam.last_card()
    assert "Pick a new time" in card_text(moving)
    assert slot_titles(moving) == [
        "Mon 23 Nov at 12:00",
        "Tue 24 Nov at 15:00",
        "Wed 25 Nov at 09:00",
    ]
    await sam.submit(press(moving, "Wed 25 Nov at 09:00", length="120"))
    [moved] = graph.calls_to("update_event")
    assert moved.path.endswith(f"/events/{event.event_id}")
    assert graph.calendar.events[event.event_id].start == utc(2026, 11, 25, 9)
    assert "Moved: your mentoring session with Adele Vance" in card_text(sam.last_card())
    assert "Sam Taylor moved it." in card_text(adele.last_card())
    assert "Wednesday 25 November 2026, 09:00–11:00" in card_text(adele.last_card())
    assert pair.month(1).booked_for == utc(2026, 11, 25, 9)
    assert len(graph.calendar.live_events()) == 1

    # Cancel, from Adele's card, with a word for Sam.
    await adele.submit(press(adele.last_card(), "Cancel the session", reason="I'm off sick"))
    [cancelled] = graph.calls_to("cancel_event")
    assert graph.calendar.live_events() == []
    assert graph.calendar.events[event.event_id].cancel_comment == (
        "Adele Vance cancelled this Step Forward mentoring session. I'm off sick"
    )
    said = [t for t in adele.texts() if t.startswith("Cancelled your session")]
    assert said == [
        "Cancelled your session on 25 November 2026, 09:00. The Teams meeting is cancelled in "
        "both your calendars. Sam Taylor is told. Pick another time when you can:"
    ]
    assert BOOK in card_text(adele.last_card())  # three times to book again
    assert sam.texts()[-1] == (
        "Adele Vance cancelled your mentoring session on 25 November 2026, 09:00. They said: "
        "“I'm off sick”"
    )
    assert pair.month(1).booking is None and pair.month(1).event_id is None
    assert [b.status for b in pair.bookings()] == ["cancelled"]

    # Booked again from the new card: a new meeting, a new transactionId.
    await adele.submit(press(adele.last_card(), slot_titles(adele.last_card())[0], length="60"))
    assert len(graph.calendar.live_events()) == 1
    first, second = pair.bookings()
    assert second.status == "live" and second.transaction_id != first.transaction_id
    assert pair.month(1).booked_minutes == 60


async def test_a_time_taken_meanwhile_is_offered_again_not_booked(pair):
    await pair.sweep()
    [offer] = cards_titled(pair.sam, BOOK)
    pair.graph.calendar.add_busy(SAM_MAIL, utc(2026, 11, 24, 14), utc(2026, 11, 24, 15))
    await pair.sam.submit(press(offer, "Tue 24 Nov at 13:00", length="120"))
    assert pair.sam.texts()[-1] == "That time isn't free any more. Here are the times that are:"
    assert slot_titles(pair.sam.last_card())[0] == "Mon 23 Nov at 12:00"
    assert pair.graph.calls_to("create_event") == []
    # The same time as one hour still fits.
    await pair.sam.submit(press(offer, "Tue 24 Nov at 13:00", length="60"))
    [event] = pair.graph.calendar.live_events()
    assert (event.start, event.end) == (utc(2026, 11, 24, 13), utc(2026, 11, 24, 14))


async def test_other_times_and_arranging_it_ourselves(pair):
    await pair.sweep()
    [offer] = cards_titled(pair.sam, BOOK)
    await pair.sam.submit(press(offer, "Suggest other times"))
    more = pair.sam.last_card()
    assert "A few more times" in card_text(more)
    assert slot_titles(more) == [
        "Fri 27 Nov at 09:00",
        "Mon 30 Nov at 09:00",
        "Tue 1 Dec at 09:00",
    ]
    await pair.sam.submit(
        press(more, "We'll arrange it ourselves: booked", date="2026-12-02", time="16:00")
    )
    assert "Booked: your mentoring session with Adele Vance" in card_text(pair.sam.last_card())
    assert "Make sure it's in both your calendars." in card_text(pair.sam.last_card())
    assert pair.graph.calls_to("create_event") == []
    assert pair.month(1).booked_for == utc(2026, 12, 2, 16)


def _link(card: dict) -> dict[str, list[str]]:
    url = links(card)["Schedule it in Teams"]
    assert url.startswith("https://teams.microsoft.com/l/meeting/new?")
    return parse_qs(urlsplit(url).query)


@pytest.fixture
async def slow_pair(settings, clock, connector, fake_graph):
    """A pair whose Graph requests time out after 0.3 s, month 1's card swept."""
    pair = await paired(
        fake_graph.configure(settings, graph_timeout_seconds=0.3), clock, connector, fake_graph
    )
    await pair.sweep()
    yield pair
    await pair.bot.client.close()


async def _tap_while_graph_makes_it_silently(pair) -> None:
    """Sam taps Tuesday 10:00; Graph makes the meeting every time and never answers in time."""
    pair.graph.hang("create_event", times=None, act_first=True)
    await pair.sam.submit(press(cards_titled(pair.sam, BOOK)[0], "Tue 24 Nov at 10:00"))


FAILURES = {
    "unauthorised": ({"status": 401}, "failed"),
    "permission missing": ({"status": 403}, "failed"),
    "no mailbox": ({"status": 404, "code": "ErrorNonExistentMailbox"}, "failed"),
    "throttled": ({"status": 429, "retry_after": 120}, "failed"),
    "graph down": ({"status": 503, "times": None}, "unconfirmed"),
    "timeout": ({"hang": True, "times": None}, "unconfirmed"),
}


@pytest.mark.parametrize("failure", list(FAILURES))
async def test_every_graph_failure_falls_back_to_the_teams_link_and_keeps_the_step(
    failure, slow_pair, caplog
):
    pair, graph = slow_pair, slow_pair.graph
    switch, outcome = FAILURES[failure]
    [offer] = cards_titled(pair.sam, BOOK)
    if switch.get("hang"):
        graph.hang("create_event", times=switch["times"])
    else:
        graph.fail("create_event", **switch)
    with caplog.at_level(logging.WARNING, logger="bot.pairing.booking"):
        await pair.sam.submit(press(offer, "Tue 24 Nov at 10:00", length="120"))
    fallback = pair.sam.last_card()
    text = card_text(fallback)
    [booking] = pair.bookings()
    if outcome == "failed":
        assert "I couldn't book it in your calendars just now" in text
        assert booking.status == "failed"
    else:
        assert "Outlook didn't answer in time, so I can't tell yet" in text
        assert booking.status == "pending"
    assert f"session booking {booking.id} {outcome}" in caplog.text
    assert "op=calendar.create_event" in booking.error
    assert SAM_MAIL not in caplog.text and ADELE_MAIL not in caplog.text
    query = _link(fallback)
    assert query["subject"] == ["Step Forward mentoring session"]
    assert query["attendees"] == [ADELE_MAIL]
    assert query["startTime"] == ["2026-11-24T10:00:00+00:00"]
    assert query["endTime"] == ["2026-11-24T12:00:00+00:00"]
    assert graph.calendar.live_events() == []
    assert pair.month(1).booking is None
    assert "Booked" not in card_text(pair.adele.last_card())

    # The step is not lost: "I've booked it" with the suggested time already filled in.
    graph.clear_failures()
    await pair.sam.submit(press(fallback, "I've booked it"))
    assert "Booked: your mentoring session with Adele Vance" in card_text(pair.sam.last_card())
    assert "Sam Taylor booked it." in card_text(pair.adele.last_card())
    assert pair.month(1).booked_for == utc(2026, 11, 24, 10)
    # Later sweeps never book it a second time.
    await pair.sweep(START + timedelta(minutes=10))
    assert graph.calendar.live_events() == []


async def test_a_booking_graph_made_although_the_answer_was_lost_is_adopted_once(slow_pair):
    pair, graph = slow_pair, slow_pair.graph
    await _tap_while_graph_makes_it_silently(pair)
    calls = graph.calls_to("create_event")
    assert len(calls) == 3  # the client's tries, each with the same transactionId
    assert len({c.body["transactionId"] for c in calls}) == 1
    [event] = graph.calendar.live_events()
    assert "Outlook didn't answer in time" in card_text(pair.sam.last_card())
    assert pair.month(1).booking is None
    # Another tap meanwhile books nothing more.
    await pair.adele.submit(press(cards_titled(pair.adele, BOOK)[0], "Wed 25 Nov at 09:00"))
    assert "still finding out from Outlook" in pair.adele.texts()[-1]
    assert len(graph.calls_to("create_event")) == 3

    graph.clear_failures()
    await pair.sweep(START + timedelta(minutes=6))
    [_view] = graph.calls_to("calendar_view")
    [booking] = pair.bookings()
    assert (booking.status, booking.event_id) == ("live", event.event_id)
    row = pair.month(1)
    assert (row.booking, row.event_id, row.booked_for) == (
        "booked",
        event.event_id,
        utc(2026, 11, 24, 10),
    )
    for person in (pair.sam, pair.adele):
        card = person.last_card()
        assert "Booked: your mentoring session" in card_text(card)
        assert links(card) == {"Join in Teams": event.join_url}
    await pair.sam.submit(
        press(cards_titled(pair.sam, "Schedule it in Teams")[0], "I've booked it")
    )
    assert pair.sam.texts()[-1].startswith(
        "Month 1's session is already booked in both your calendars for 24 November 2026, 10:00."
    )
    await pair.sweep(START + timedelta(minutes=20))
    assert len(graph.calendar.live_events()) == 1
    assert len(graph.calls_to("create_event")) == 3


async def test_a_lost_booking_found_after_the_pair_booked_it_themselves_is_withdrawn(slow_pair):
    pair, graph = slow_pair, slow_pair.graph
    await _tap_while_graph_makes_it_silently(pair)
    fallback = pair.sam.last_card()
    await pair.sam.submit(press(fallback, "I've booked it", date="2026-11-24", time="15:00"))
    graph.clear_failures()
    await pair.sweep(START + timedelta(minutes=6))
    assert graph.calendar.live_events() == []
    [cancelled] = graph.calls_to("cancel_event")
    assert "booked another way" in cancelled.body["comment"]
    assert [b.status for b in pair.bookings()] == ["cancelled"]
    assert pair.month(1).booked_for == utc(2026, 11, 24, 15) and pair.month(1).event_id is None


async def test_a_cancellation_outlook_did_not_take_is_made_by_a_later_sweep(pair):
    await pair.sweep()
    await pair.sam.submit(press(cards_titled(pair.sam, BOOK)[0], "Tue 24 Nov at 13:00"))
    [event] = pair.graph.calendar.live_events()
    pair.graph.fail("cancel_event", 403)
    await pair.sam.submit(press(pair.sam.last_card(), "Cancel the session"))
    assert any("I'll keep trying to cancel it" in t for t in pair.sam.texts())
    assert pair.month(1).booking is None
    assert [b.status for b in pair.bookings()] == ["cancel"]
    await pair.sweep(START + timedelta(minutes=1))
    assert pair.graph.calendar.live_events() == []
    assert [b.status for b in pair.bookings()] == ["cancelled"]


async def test_when_graph_cannot_read_the_calendars_the_card_carries_the_link(
    graph_settings, clock, connector, fake_graph
):
    fake_graph.fail("get_schedule", 403, times=None)
    pair = await paired(graph_settings, clock, connector, fake_graph)
    try:
        await pair.sweep()
        [card] = cards_titled(pair.sam, BOOK)
        assert "I couldn't book it in your calendars just now" in card_text(card)
        assert "Suggested: Tue 24 Nov, 10:00–12:00 (your time zone, Europe/London)" in (
            card_text(card)
        )
        assert pair.month(1).offer["error"] == "forbidden"
        fake_graph.clear_failures()
        await pair.sam.submit(press(card, "Find times we're both free"))
        assert len(slot_titles(pair.sam.last_card())) == 3
    finally:
        await pair.bot.client.close()


async def test_without_graph_the_card_is_the_teams_link_and_i_ve_booked_it(
    settings, clock, connector
):
    pair = await paired(settings, clock, connector, None)
    try:
        await pair.sweep()
        [card] = cards_titled(pair.sam, BOOK)
        text = card_text(card)
        assert "Pick a time that suits you both and schedule it in Teams." in text
        assert "Add Adele Vance to the invitation." in text
        query = _link(card)
        assert "attendees" not in query  # without Graph nobody's address is known
        assert query["startTime"] == ["2026-11-24T10:00:00+00:00"]
        assert "month 1 of 6" in query["content"][0]
        assert [t for t, _ in submits(card)] == ["I've booked it", "Tell the coordinators"]
        await pair.sam.submit(press(card, "I've booked it", length="60"))
        assert pair.month(1).booked_for == utc(2026, 11, 24, 10)
        assert pair.month(1).booked_minutes == 60
    finally:
        await pair.bot.client.close()


async def test_the_reminder_follows_the_booked_time_and_carries_the_join_link(pair):
    await pair.sweep()
    await pair.sam.submit(press(cards_titled(pair.sam, BOOK)[0], "Tue 24 Nov at 13:00"))
    await pair.sam.submit(press(pair.sam.last_card(), "Reschedule"))
    await pair.sam.submit(press(pair.sam.last_card(), "Wed 25 Nov at 09:00"))
    [event] = pair.graph.calendar.live_events()
    while pair.clock.now() < utc(2026, 11, 25, 9):
        await pair.sweep(pair.clock.now() + timedelta(hours=1))
    for person, partner in ((pair.sam, "Adele Vance"), (pair.adele, "Sam Taylor")):
        reminders = [t for t in person.texts() if t.startswith("Reminder:")]
        assert reminders == [
            f"Reminder: your mentoring session with {partner} is on 25 November 2026, 09:00 "
            f"(your time zone, Europe/London). [Join in Teams]({event.join_url})"
        ]


async def test_ending_the_pairing_cancels_its_meetings_to_come(pair):
    await pair.sweep()
    await pair.sam.submit(press(cards_titled(pair.sam, BOOK)[0], "Tue 24 Nov at 13:00"))
    assert len(pair.graph.calendar.live_events()) == 1
    await pair.say_in_channel("end pairing sam")
    assert pair.graph.calendar.live_events() == []
    [call] = pair.graph.calls_to("cancel_event")
    assert call.body["comment"] == "The mentoring pairing has ended, so this session is cancelled."
    assert [b.status for b in pair.bookings()] == ["cancelled"]


async def test_a_booking_graph_never_made_is_said_so_to_whoever_tapped_it(slow_pair):
    pair, graph = slow_pair, slow_pair.graph
    graph.fail("create_event", 503, times=None)  # Graph down: it may or may not have acted
    await pair.sam.submit(press(cards_titled(pair.sam, BOOK)[0], "Tue 24 Nov at 10:00"))
    assert "Outlook didn't answer in time" in card_text(pair.sam.last_card())
    graph.clear_failures()
    await pair.sweep(START + timedelta(minutes=6))
    assert pair.sam.texts()[-1] == (
        "Outlook didn't make the meeting for 24 November 2026, 10:00 after all. Pick a time "
        "again on the card, or schedule it in Teams with the link I sent."
    )
    assert [b.status for b in pair.bookings()] == ["failed"]
    assert not any("Outlook didn't make" in t for t in pair.adele.texts())
    # Now the time can be booked again.
    await pair.sam.submit(press(cards_titled(pair.sam, BOOK)[0], "Tue 24 Nov at 10:00"))
    assert len(graph.calendar.live_events()) == 1


async def test_with_no_other_time_free_a_teams_meeting_is_moved_in_outlook(pair):
    await pair.sweep()
    await pair.sam.submit(press(cards_titled(pair.sam, BOOK)[0], "Tue 24 Nov at 13:00"))
    confirmation = pair.sam.last_card()
    pair.graph.calendar.add_busy(SAM_MAIL, utc(2026, 11, 23, 12), utc(2026, 11, 24, 13))
    pair.graph.calendar.add_busy(SAM_MAIL, utc(2026, 11, 24, 15), utc(2026, 12, 9))
    await pair.sam.submit(press(confirmation, "Reschedule"))
    assert pair.sam.texts()[-1] == (
        "I couldn't find another time in the next 14 days when you're both free in your working "
        "hours. Adele Vance can move the meeting in Outlook or Teams (it's in their calendar), "
        "or cancel it here."
    )
    await pair.adele.submit(press(pair.adele.last_card(), "Reschedule"))
    assert pair.adele.texts()[-1].endswith(
        "You can move the meeting in Outlook or Teams (it's in your calendar), or cancel it here."
    )


async def test_cancelling_a_session_booked_by_hand_reminds_to_clear_the_calendars(
    settings, clock, connector
):
    pair = await paired(settings, clock, connector, None)
    try:
        await pair.sweep()
        await pair.sam.submit(press(cards_titled(pair.sam, BOOK)[0], "I've booked it"))
        await pair.sam.submit(press(pair.sam.last_card(), "Cancel the session"))
        assert [t for t in pair.sam.texts() if t.startswith("Cancelled")] == [
            "Cancelled your session on 24 November 2026, 10:00. Remember to take it out of your "
            "calendars. Adele Vance is told. Pick another time when you can:"
        ]
        assert "Time to book this month's session" in card_text(pair.sam.last_card())
    finally:
        await pair.bot.client.close()


async def test_an_over_long_word_with_a_cancellation_is_refused_and_nothing_cancelled(pair):
    await pair.sweep()
    await pair.sam.submit(press(pair.sam.last_card(), "Wed 25 Nov at 09:00"))
    long = "Sorry, something came up at work that I cannot move. " * 10
    await pair.sam.submit(press(pair.sam.last_card(), "Cancel the session", reason=long))
    assert pair.sam.texts()[-1].startswith(
        "“Anything to tell Adele Vance?” can be at most 500 characters"
    )
    assert len(pair.graph.calendar.live_events()) == 1
