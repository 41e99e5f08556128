"""A month's session from planned to held, and when the pair is asked about it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.cadence import ItemKind, nudge_windows, open_at
from domain.sessions import (
    Answer,
    Attendance,
    SessionFacts,
    SessionState,
    is_held,
    is_settled_for,
    session_end,
    session_state,
)
from domain.verification import (
    GIVE_UP_AFTER,
    AttendanceFacts,
    first_look,
    is_last_look,
    verdict,
)
from tests.domain.test_next_change import Month

MET, RESCHEDULED = Answer.MET.value, Answer.RESCHEDULED.value
NOT_RELEASED = Answer.NOT_RELEASED.value


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("facts", "state"),
    [
        (SessionFacts(), SessionState.PLANNED),
        (SessionFacts(booked=True), SessionState.BOOKED),
        (SessionFacts(booked=True, attendance="verified"), SessionState.HELD_VERIFIED),
        # Attendance wins over what anyone says afterwards.
        (SessionFacts(True, "verified", RESCHEDULED, None), SessionState.HELD_VERIFIED),
        (SessionFacts(True, None, MET, MET), SessionState.HELD_CONFIRMED),
        # Met in person although Teams saw nobody: the two answers decide.
        (SessionFacts(True, "absent", MET, MET), SessionState.HELD_CONFIRMED),
        (SessionFacts(True, None, MET, None), SessionState.HELD_REPORTED),
        (SessionFacts(True, "declined", None, MET), SessionState.HELD_REPORTED),
        (SessionFacts(True, None, MET, RESCHEDULED), SessionState.DISPUTED),
        (SessionFacts(True, None, NOT_RELEASED, None), SessionState.NOT_HELD),
        (SessionFacts(True, None, RESCHEDULED, RESCHEDULED), SessionState.NOT_HELD),
        # A month reported without a booking (the pair arranged it themselves).
        (SessionFacts(False, None, None, MET), SessionState.HELD_REPORTED),
    ],
)
def test_the_state_of_a_month(facts, state):
    assert session_state(facts) == state


def test_only_verified_confirmed_and_reported_count_as_held():
    held = {state for state in SessionState if is_held(state)}
    assert held == {
        SessionState.HELD_VERIFIED,
        SessionState.HELD_CONFIRMED,
        SessionState.HELD_REPORTED,
    }


def test_a_person_is_settled_once_they_answered_or_teams_verified_it():
    reported = SessionFacts(True, None, MET, None)
    assert is_settled_for(reported, 0) and not is_settled_for(reported, 1)
    verified = SessionFacts(True, Attendance.VERIFIED.value)
    assert is_settled_for(verified, 0) and is_settled_for(verified, 1)


# --- verification ---------------------------------------------------------------------------


def seen(trainee: int, mentor: int, **facts) -> AttendanceFacts:
    return AttendanceFacts(trainee_seconds=trainee, mentor_seconds=mentor, has_report=True, **facts)


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (seen(900, 6000), ("verified", 15)),
        (seen(7000, 6720), ("verified", 112)),
        # Present in the meeting although one declined the invitation: it happened.
        (seen(3600, 3600, declined=True), ("verified", 60)),
        (seen(899, 6000), ("absent", None)),
        (seen(0, 6000), ("absent", None)),
        (AttendanceFacts(declined=True), ("declined", None)),
        (AttendanceFacts(cancelled=True), ("cancelled", None)),
        # No report yet: nothing to say, look again.
        (AttendanceFacts(), (None, None)),
    ],
)
def test_both_present_for_fifteen_minutes_verify_a_session(facts, expected):
    found = verdict(facts)
    assert (found.attendance, found.minutes) == expected


def test_no_report_by_the_last_look_means_nobody_was_there():
    assert verdict(AttendanceFacts(), final=True).attendance == Attendance.ABSENT
    end = utc(2026, 11, 24, 16)
    assert first_look(end) == utc(2026, 11, 24, 16, 15)
    assert not is_last_look(end, end + GIVE_UP_AFTER - timedelta(seconds=1))
    assert is_last_look(end, end + GIVE_UP_AFTER)


# --- when the pair is asked -----------------------------------------------------------------


PAIRED = utc(2026, 11, 23, 10)
ZONES = ("Europe/London", "Europe/London")
LATEST = {"check_in_latest": timedelta(days=14), "log_request_latest": timedelta(days=21)}
SESSION = utc(2026, 11, 24, 14)


def _open(month: Month, at: datetime) -> list[tuple[ItemKind, int]]:
    answered = {(who, week) for who in (0, 1) for week in (2, 4, 6)}
    windows = nudge_windows(PAIRED, 6, [month], answered, ZONES, at, **LATEST)
    return [(w.kind, w.who) for w in open_at(windows, at) if w.month == 1]


def test_the_log_request_follows_the_booked_length():
    hour = Month(1, "booked", booked_for=SESSION, booked_minutes=60)
    assert _open(hour, SESSION + timedelta(minutes=59)) == []
    assert _open(hour, SESSION + timedelta(minutes=60)) == [
        (ItemKind.LOG_REQUEST, 0),
        (ItemKind.LOG_REQUEST, 1),
    ]
    assert session_end(SESSION, None) == SESSION + timedelta(hours=2)


def test_each_person_is_asked_until_they_answer():
    answered = Month(1, "booked", booked_for=SESSION, trainee_answer=MET)
    assert _open(answered, SESSION + timedelta(hours=3)) == [(ItemKind.LOG_REQUEST, 1)]


def test_a_teams_meeting_is_checked_before_the_pair_is_asked():
    booked = Month(1, "booked", booked_for=SESSION, event_id="event-1")
    end = SESSION + timedelta(hours=2)
    assert _open(booked, end + timedelta(hours=3)) == []
    # The check gave up (or never ran): the pair is asked.
    assert _open(booked, end + GIVE_UP_AFTER) == [
        (ItemKind.LOG_REQUEST, 0),
        (ItemKind.LOG_REQUEST, 1),
    ]
    absent = Month(1, "booked", booked_for=SESSION, event_id="event-1", attendance="absent")
    assert _open(absent, end + timedelta(hours=1)) == [
        (ItemKind.LOG_REQUEST, 0),
        (ItemKind.LOG_REQUEST, 1),
    ]
    verified = Month(1, "booked", booked_for=SESSION, event_id="event-1", attendance="verified")
    assert _open(verified, end + timedelta(hours=1)) == [
        (ItemKind.SESSION_NOTES, 0),
        (ItemKind.SESSION_NOTES, 1),
    ]


def test_a_month_answered_for_gets_no_booking_prompt():
    reported = Month(1, booking=None, trainee_answer=MET)
    assert (ItemKind.BOOK_SESSION, 0) not in _open(reported, PAIRED + timedelta(days=3))
    assert (ItemKind.BOOK_SESSION, 0) in _open(Month(1, booking=None), PAIRED + timedelta(days=3))
