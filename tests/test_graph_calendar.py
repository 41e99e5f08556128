"""Calendars against the fake Graph: free/busy with working hours, and Teams meetings created,
moved, answered and cancelled in the organiser's calendar."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from bot.graph import GraphClient, GraphError, GraphErrorKind
from bot.graph.calendar import (
    Attendee,
    AttendeeResponse,
    CalendarEvent,
    MailboxHours,
    Response,
    cancel_meeting,
    create_meeting,
    events_between,
    get_meeting,
    schedules,
    update_meeting,
)
from bot.graph.wire import date_time_time_zone, parse_date_time_time_zone
from domain.free_slots import Availability, Interval, propose_slots
from domain.working_hours import WorkingHours
from tests.fake_graph import FakeGraph

MENTOR, TRAINEE = "aad-mentor", "aad-trainee"
MENTOR_MAIL, TRAINEE_MAIL = "mentor@contoso.example", "trainee@contoso.example"
BOOKING = "stepforward-session-42"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def graph(fake_graph: FakeGraph) -> FakeGraph:
    fake_graph.directory.add_user(MENTOR, "Morgan Mentor", MENTOR_MAIL)
    fake_graph.directory.add_user(TRAINEE, "Sam Trainee", TRAINEE_MAIL)
    return fake_graph


@pytest.fixture
def client(graph_settings) -> GraphClient:
    return GraphClient(graph_settings)


async def _create(client: GraphClient, **overrides) -> CalendarEvent | GraphError:
    details = {
        "subject": "Step Forward mentoring session",
        "body_html": "<p>Your monthly mentoring session.</p>",
        "start": utc(2026, 11, 24, 14),
        "end": utc(2026, 11, 24, 16),
        "time_zone": "Europe/London",
        "attendees": [Attendee(TRAINEE_MAIL, "Sam Trainee")],
        "transaction_id": BOOKING,
    } | overrides
    return await create_meeting(client, MENTOR, **details)


async def _book(client: GraphClient, **overrides) -> CalendarEvent:
    event = await _create(client, **overrides)
    assert isinstance(event, CalendarEvent), event
    return event


# --- free/busy ---------------------------------------------------------------------------------


async def test_busy_times_in_utc_merged_with_outlook_working_hours(client, graph):
    cal = graph.calendar
    cal.add_busy(MENTOR_MAIL, utc(2026, 11, 24, 9), utc(2026, 11, 24, 10))
    cal.add_busy(MENTOR_MAIL, utc(2026, 11, 24, 9, 30), utc(2026, 11, 24, 11), "tentative")
    cal.add_busy(MENTOR_MAIL, utc(2026, 11, 24, 12), utc(2026, 11, 24, 13), "free")
    cal.add_busy(MENTOR_MAIL, utc(2026, 11, 24, 13), utc(2026, 11, 24, 14), "workingElsewhere")
    cal.add_busy(MENTOR_MAIL, utc(2026, 11, 24, 15), utc(2026, 11, 24, 16), "oof")
    cal.add_busy(MENTOR_MAIL, utc(2026, 12, 24, 9), utc(2026, 12, 24, 17))  # after the period
    cal.working_hours[MENTOR_MAIL] = {
        "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday"],
        "startTime": "08:00:00.0000000",
        "endTime": "16:30:00.0000000",
        "timeZone": {"name": "GMT Standard Time"},
    }
    cal.working_hours[TRAINEE_MAIL] = {
        "daysOfWeek": ["monday", "friday"],
        "startTime": "10:00:00.0000000",
        "endTime": "15:00:00.0000000",
        "timeZone": {
            "@odata.type": "#microsoft.graph.customTimeZone",
            "bias": 480,
            "name": "Customized Time Zone",
        },
    }
    cal.missing.add("gone@contoso.example")
    found = await schedules(
        client,
        MENTOR,
        [MENTOR_MAIL, TRAINEE_MAIL, "gone@contoso.example"],
        utc(2026, 11, 23),
        utc(2026, 12, 7),
    )
    assert not isinstance(found, GraphError)
    mentor, trainee, gone = found
    assert mentor.busy == (
        Interval(utc(2026, 11, 24, 9), utc(2026, 11, 24, 11)),
        Interval(utc(2026, 11, 24, 15), utc(2026, 11, 24, 16)),
    )
    assert mentor.working_hours == MailboxHours(
        WorkingHours(time(8), time(16, 30), frozenset({0, 1, 2, 3})), "Europe/London"
    )
    assert trainee.busy == () and trainee.error_code is None
    assert trainee.working_hours == MailboxHours(
        WorkingHours(time(10), time(15), frozenset({0, 4})), None
    )
    assert (gone.address, gone.error_code) == ("gone@contoso.example", "ErrorMailRecipientNotFound")
    [call] = graph.calls_to("get_schedule")
    assert call.path == f"/v1.0/users/{MENTOR}/calendar/getSchedule"
    assert call.body["schedules"] == [MENTOR_MAIL, TRAINEE_MAIL, "gone@contoso.example"]
    assert call.body["startTime"] == {"dateTime": "2026-11-23T00:00:00", "timeZone": "UTC"}
    assert call.body["endTime"] == {"dateTime": "2026-12-07T00:00:00", "timeZone": "UTC"}
    assert call.headers["Prefer"] == 'outlook.timezone="UTC"'


async def test_free_busy_is_retried_when_graph_is_busy_and_an_error_when_forbidden(client, graph):
    graph.fail("get_schedule", 503)
    found = await schedules(client, MENTOR, [MENTOR_MAIL], utc(2026, 11, 23), utc(2026, 11, 24))
    assert not isinstance(found, GraphError) and len(graph.calls_to("get_schedule")) == 2
    graph.fail("get_schedule", 403)
    error = await schedules(client, MENTOR, [MENTOR_MAIL], utc(2026, 11, 23), utc(2026, 11, 24))
    assert isinstance(error, GraphError) and error.kind is GraphErrorKind.FORBIDDEN
    assert len(graph.calls_to("get_schedule")) == 3


def test_outlook_times_in_windows_zones_are_read_as_utc():
    pacific = {"dateTime": "2019-03-15T12:00:00.0000000", "timeZone": "Pacific Standard Time"}
    assert parse_date_time_time_zone(pacific) == utc(2019, 3, 15, 19)  # PDT since 10 March
    assert parse_date_time_time_zone({"dateTime": "2026-01-05T09:00:00", "timeZone": "UTC"}) == (
        utc(2026, 1, 5, 9)
    )
    iana = {"dateTime": "2026-07-01T09:00:00", "timeZone": "Europe/London"}
    assert parse_date_time_time_zone(iana) == utc(2026, 7, 1, 8)
    custom = {"dateTime": "2026-07-01T09:00:00", "timeZone": "tzone://Microsoft/Custom"}
    assert parse_date_time_time_zone(custom) is None
    assert date_time_time_zone(utc(2026, 7, 1, 8), "Europe/London") == {
        "dateTime": "2026-07-01T09:00:00",
        "timeZone": "GMT Standard Time",
    }
    assert date_time_time_zone(utc(2026, 7, 1, 8), None) == {
        "dateTime": "2026-07-01T08:00:00",
        "timeZone": "UTC",
    }


# --- booking -----------------------------------------------------------------------------------


async def test_a_booked_session_is_a_teams_meeting_in_the_organisers_calendar(client, graph):
    event = await _book(client)
    assert (event.start, event.end, event.cancelled) == (
        utc(2026, 11, 24, 14),
        utc(2026, 11, 24, 16),
        False,
    )
    assert event.join_url and event.join_url.startswith(
        "https://teams.microsoft.com/l/meetup-join/"
    )
    assert event.responses == (AttendeeResponse(TRAINEE_MAIL, Response.NONE),)
    [call] = graph.calls_to("create_event")
    assert call.path == f"/v1.0/users/{MENTOR}/events"
    assert call.body == {
        "subject": "Step Forward mentoring session",
        "body": {"contentType": "HTML", "content": "<p>Your monthly mentoring session.</p>"},
        "start": {"dateTime": "2026-11-24T14:00:00", "timeZone": "GMT Standard Time"},
        "end": {"dateTime": "2026-11-24T16:00:00", "timeZone": "GMT Standard Time"},
        "attendees": [
            {"emailAddress": {"address": TRAINEE_MAIL, "name": "Sam Trainee"}, "type": "required"}
        ],
        "allowNewTimeProposals": False,
        "isOnlineMeeting": True,
        "onlineMeetingProvider": "teamsForBusiness",
        "transactionId": BOOKING,
    }
    # Both calendars now show the session as busy.
    found = await schedules(
        client, MENTOR, [MENTOR_MAIL, TRAINEE_MAIL], utc(2026, 11, 24), utc(2026, 11, 25)
    )
    assert [s.busy for s in found] == [(Interval(event.start, event.end),)] * 2  # type: ignore[union-attr]


async def test_the_organisers_zone_sets_the_wall_clock_outlook_shows(client, graph):
    await _book(client, time_zone="America/New_York", transaction_id="ny")
    await _book(client, time_zone=None, transaction_id="utc")
    ny, plain = (call.body["start"] for call in graph.calls_to("create_event"))
    assert ny == {"dateTime": "2026-11-24T09:00:00", "timeZone": "Eastern Standard Time"}
    assert plain == {"dateTime": "2026-11-24T14:00:00", "timeZone": "UTC"}


async def test_a_creation_repeated_after_a_lost_answer_books_the_pair_once(graph_settings, graph):
    client = GraphClient(graph_settings.model_copy(update={"graph_timeout_seconds": 0.3}))
    graph.hang("create_event", act_first=True)  # Graph books it, the answer never comes
    event = await _book(client)
    assert len(graph.calls_to("create_event")) == 2
    assert [e.event_id for e in graph.calendar.live_events()] == [event.event_id]
    graph.fail("create_event", 503, act_first=True)
    again = await _book(client)
    assert again.event_id == event.event_id and len(graph.calendar.events) == 1
    with pytest.raises(ValueError):
        await _book(client, transaction_id="")


async def test_a_booking_whose_answer_was_lost_is_found_by_its_transaction_id(client, graph):
    event = await _book(client)
    await _book(
        client, transaction_id="other", start=utc(2026, 11, 25, 9), end=utc(2026, 11, 25, 10)
    )
    found = await events_between(client, MENTOR, utc(2026, 11, 24, 13), utc(2026, 11, 24, 17))
    assert isinstance(found, list)
    assert [(e.event_id, e.transaction_id) for e in found] == [(event.event_id, BOOKING)]
    assert found[0].join_url == event.join_url
    [call] = graph.calls_to("calendar_view")
    assert call.query["startDateTime"] == "2026-11-24T13:00:00Z"
    assert call.query["$select"].endswith(",transactionId")
    await cancel_meeting(client, MENTOR, event.event_id, "Cancelled")
    assert await events_between(client, MENTOR, utc(2026, 11, 24), utc(2026, 11, 25)) == []
    graph.fail("calendar_view", 403)
    error = await events_between(client, MENTOR, utc(2026, 11, 24), utc(2026, 11, 25))
    assert isinstance(error, GraphError) and error.kind is GraphErrorKind.FORBIDDEN


async def test_a_missing_permission_or_mailbox_is_an_error_and_nothing_is_booked(client, graph):
    graph.fail("create_event", 403)
    forbidden = await _create(client)
    assert isinstance(forbidden, GraphError) and forbidden.kind is GraphErrorKind.FORBIDDEN
    graph.fail("create_event", 404, code="ErrorNonExistentMailbox")
    missing = await _create(client)
    assert isinstance(missing, GraphError)
    assert (missing.kind, missing.code) == (GraphErrorKind.NOT_FOUND, "ErrorNonExistentMailbox")
    assert graph.calendar.events == {} and len(graph.calls_to("create_event")) == 2


async def test_a_session_moved_answered_and_read_back(client, graph):
    event = await _book(client)
    moved = await update_meeting(
        client,
        MENTOR,
        event.event_id,
        start=utc(2026, 11, 25, 10),
        end=utc(2026, 11, 25, 12),
        time_zone="Europe/London",
    )
    assert isinstance(moved, CalendarEvent)
    assert (moved.start, moved.end) == (utc(2026, 11, 25, 10), utc(2026, 11, 25, 12))
    [call] = graph.calls_to("update_event")
    assert call.method == "PATCH" and call.path == f"/v1.0/users/{MENTOR}/events/{event.event_id}"
    assert set(call.body) == {"start", "end"}
    graph.calendar.respond(event.event_id, TRAINEE_MAIL, "accepted")
    read = await get_meeting(client, MENTOR, event.event_id)
    assert isinstance(read, CalendarEvent)
    assert read.responses == (AttendeeResponse(TRAINEE_MAIL, Response.ACCEPTED),)
    assert read.join_url == event.join_url and read.start == utc(2026, 11, 25, 10)
    graph.calendar.respond(event.event_id, TRAINEE_MAIL, "declined")
    declined = await get_meeting(client, MENTOR, event.event_id)
    assert declined.responses[0].response is Response.DECLINED  # type: ignore[union-attr]
    other = await update_meeting(client, MENTOR, "AAMkAGnothere=", subject="x")
    assert isinstance(other, GraphError) and other.kind is GraphErrorKind.NOT_FOUND


async def test_a_cancelled_session_tells_the_attendees_why_and_frees_the_time(client, graph):
    event = await _book(client)
    assert await cancel_meeting(client, MENTOR, event.event_id, "Rescheduled by the pair") is None
    stored = graph.calendar.events[event.event_id]
    assert stored.cancelled and stored.cancel_comment == "Rescheduled by the pair"
    read = await get_meeting(client, MENTOR, event.event_id)
    assert isinstance(read, CalendarEvent) and read.cancelled
    found = await schedules(client, MENTOR, [TRAINEE_MAIL], utc(2026, 11, 24), utc(2026, 11, 25))
    assert found[0].busy == ()  # type: ignore[index]
    gone = await cancel_meeting(client, MENTOR, "AAMkAGnothere=", "x")
    assert isinstance(gone, GraphError) and gone.kind is GraphErrorKind.NOT_FOUND
    not_theirs = await cancel_meeting(client, TRAINEE, event.event_id, "x")
    assert isinstance(not_theirs, GraphError) and not_theirs.kind is GraphErrorKind.NOT_FOUND


async def test_free_busy_and_working_hours_feed_the_free_slot_rule(client, graph):
    """How the pieces fit: both calendars from Graph, the rule, one booking."""
    graph.calendar.add_busy(MENTOR_MAIL, utc(2026, 11, 23, 14), utc(2026, 11, 23, 16))
    graph.calendar.working_hours[TRAINEE_MAIL] = {
        "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
        "startTime": "09:00:00.0000000",
        "endTime": "17:00:00.0000000",
        "timeZone": {"name": "Eastern Standard Time"},
    }
    now = utc(2026, 11, 23, 8)
    mentor, trainee = await schedules(  # type: ignore[misc]
        client, MENTOR, [MENTOR_MAIL, TRAINEE_MAIL], now, now + timedelta(days=14)
    )
    slots = propose_slots(
        Availability("Europe/London", busy=mentor.busy),
        Availability(trainee.working_hours.time_zone, trainee.working_hours.hours, trainee.busy),
        now=now,
    )
    assert [s.start for s in slots] == [
        utc(2026, 11, 24, 14),
        utc(2026, 11, 25, 14),
        utc(2026, 11, 26, 14),
    ]
    event = await _book(client, start=slots[0].start, end=slots[0].end)
    assert event.start == utc(2026, 11, 24, 14)
