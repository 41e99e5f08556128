"""Attendance of a Teams meeting against the fake Graph: the meeting behind a join link, its
reports, and the seconds each participant (by AAD id) spent in it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.graph import GraphClient, GraphError, GraphErrorKind
from bot.graph.calendar import Attendee, CalendarEvent, create_meeting
from bot.graph.meetings import (
    AttendanceRecord,
    AttendanceReport,
    OnlineMeeting,
    attendance_records,
    attendance_reports,
    attendance_seconds,
    meeting_by_join_url,
)
from tests.fake_graph import FakeGraph

MENTOR, TRAINEE = "aad-mentor", "aad-trainee"
START = datetime(2026, 11, 24, 14, tzinfo=UTC)


@pytest.fixture
def client(graph_settings) -> GraphClient:
    return GraphClient(graph_settings)


@pytest.fixture
async def join_url(client, fake_graph: FakeGraph) -> str:
    event = await create_meeting(
        client,
        MENTOR,
        subject="Step Forward mentoring session",
        body_html="<p>Session</p>",
        start=START,
        end=START.replace(hour=16),
        time_zone="Europe/London",
        attendees=[Attendee("trainee@contoso.example")],
        transaction_id="session-7",
    )
    assert isinstance(event, CalendarEvent) and event.join_url
    return event.join_url


async def test_a_meeting_is_found_by_the_events_join_link(client, fake_graph, join_url):
    meeting = await meeting_by_join_url(client, MENTOR, join_url)
    assert meeting == OnlineMeeting(fake_graph.meetings.by_join_url(join_url).meeting_id, join_url)
    [call] = fake_graph.calls_to("online_meetings")
    assert call.path == f"/v1.0/users/{MENTOR}/onlineMeetings"
    assert call.query == {"$filter": f"JoinWebUrl eq '{join_url}'"}
    other = await meeting_by_join_url(client, MENTOR, join_url + "x")
    assert isinstance(other, GraphError) and other.kind is GraphErrorKind.NOT_FOUND
    not_organiser = await meeting_by_join_url(client, TRAINEE, join_url)
    assert isinstance(not_organiser, GraphError) and not_organiser.kind is GraphErrorKind.NOT_FOUND


async def test_seconds_per_participant_add_up_over_every_report(client, fake_graph, join_url):
    meetings = fake_graph.meetings
    meetings.add_report(join_url, START, {MENTOR: 3000, TRAINEE: 2400, None: 600})
    meetings.add_report(join_url, START.replace(hour=15), {TRAINEE: 1200})
    assert await attendance_seconds(client, MENTOR, join_url) == {MENTOR: 3000, TRAINEE: 3600}
    meeting_id = meetings.by_join_url(join_url).meeting_id
    reports = await attendance_reports(client, MENTOR, meeting_id)
    assert reports == [
        AttendanceReport("report-1", START, START.replace(hour=16), 3),
        AttendanceReport("report-2", START.replace(hour=15), START.replace(hour=17), 1),
    ]
    records = await attendance_records(client, MENTOR, meeting_id, "report-1")
    assert records == [
        AttendanceRecord(MENTOR, 3000, "Organizer"),
        AttendanceRecord(TRAINEE, 2400, "Attendee"),
        AttendanceRecord(None, 600, "Attendee"),
    ]


async def test_a_meeting_nobody_has_ended_yet_has_no_attendance(client, fake_graph, join_url):
    assert await attendance_seconds(client, MENTOR, join_url) == {}


async def test_records_of_a_large_meeting_come_page_by_page(client, fake_graph, join_url):
    fake_graph.page_size = 2
    fake_graph.meetings.add_report(join_url, START, {f"aad-{n}": 60 * n for n in range(1, 6)})
    totals = await attendance_seconds(client, MENTOR, join_url)
    assert totals == {f"aad-{n}": 60 * n for n in range(1, 6)}
    assert len(fake_graph.calls_to("attendance_records")) == 3


async def test_without_the_access_policy_attendance_is_forbidden(client, fake_graph, join_url):
    fake_graph.meetings.add_report(join_url, START, {MENTOR: 3000})
    fake_graph.fail("online_meetings", 403)
    error = await attendance_seconds(client, MENTOR, join_url)
    assert isinstance(error, GraphError)
    assert (error.kind, error.operation) == (GraphErrorKind.FORBIDDEN, "meetings.by_join_url")
    fake_graph.fail("attendance_reports", 403)
    error = await attendance_seconds(client, MENTOR, join_url)
    assert isinstance(error, GraphError) and error.operation == "meetings.attendance_reports"
    fake_graph.fail("attendance_records", 503, times=None)
    error = await attendance_seconds(client, MENTOR, join_url)
    assert isinstance(error, GraphError) and error.kind is GraphErrorKind.UNAVAILABLE
