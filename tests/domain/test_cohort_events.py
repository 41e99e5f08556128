"""The cohort events' rules without Teams: the form, reminder timing, notices after a change,
attendance defaults, flags, report counts and the end of the training."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.cohort_events import (
    Answer,
    Attendance,
    Audience,
    Draft,
    EventKind,
    EventMessage,
    Flag,
    Invitee,
    Notice,
    PastEvent,
    Told,
    answer_reminder_at,
    answers_stand,
    card_default,
    counts_by_organisation,
    day_before_reminder_at,
    day_before_reminder_wanted,
    flags,
    is_invited,
    notice_due,
    notice_waits_for_working_hours,
    read_form,
    recorded_attendance,
    training_ends_at,
    urgency_of,
)
from domain.keys import (
    EventKeyWhat,
    event_answer_reminder_key,
    event_attendance_card_key,
    event_change_key,
    event_day_before_key,
    event_invitation_key,
    event_pulse_key,
    read_event_key,
)
from domain.nudge_policy import Urgency, delivery_time
from domain.working_hours import WorkingHours

LONDON = "Europe/London"
TODAY = date(2027, 2, 1)  # a Monday
FORM = {
    "kind": "training",
    "title": "  Step Forward   training ",
    "day_1": "2027-03-03",
    "day_2": "4 March 2027",
    "day_3": "2027-03-05",
    "start": "09:30",
    "end": "16:30",
    "place": "Room 1, County Hall",
    "online": "false",
    "audience": "both",
}


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_three_day_course_is_one_draft_of_three_days():
    draft = read_form(FORM, TODAY)
    assert isinstance(draft, Draft)
    assert draft.kind == EventKind.TRAINING
    assert draft.title == "Step Forward training"
    assert draft.days == (date(2027, 3, 3), date(2027, 3, 4), date(2027, 3, 5))
    assert (draft.start, draft.end) == (time(9, 30), time(16, 30))
    assert draft.place == "Room 1, County Hall" and not draft.online
    # 09:30 in London in March is 09:30 UTC; in Kolkata it is 04:00 UTC.
    assert draft.instants(LONDON)[0] == (utc(2027, 3, 3, 9, 30), utc(2027, 3, 3, 16, 30))
    assert draft.instants("Asia/Kolkata")[0][0] == utc(2027, 3, 3, 4, 0)


def test_the_form_says_everything_that_is_wrong_at_once():
    problems = read_form(
        {"kind": "party", "day_1": "31/02/2027", "start": "10:00", "end": "09:00"}, TODAY
    )
    assert problems == [
        "Choose what kind of event it is.",
        "I couldn't read 31/02/2027 as a date.",
        "The end time must be after the start time.",
        "Say where it is, or tick Online.",
    ]
    assert read_form(FORM | {"day_1": "2027-01-29"}, TODAY) == ["Every day must be today or later."]
    assert read_form(FORM | {"link": "teams.example/join"}, TODAY) == [
        "A meeting link starts with https://."
    ]


def test_over_long_words_are_refused_not_cut():
    assert read_form(FORM | {"title": "T" * 121, "place": "P" * 201}, TODAY) == [
        "The title can be at most 120 characters (it has 121).",
        "Where can be at most 200 characters (it has 201).",
    ]
    assert read_form(FORM | {"link": "https://" + "x" * 1000}, TODAY) == [
        "The meeting link can be at most 1,000 characters."
    ]


def test_online_with_a_pasted_link_and_a_default_title():
    draft = read_form(
        FORM | {"title": "", "place": "", "link": "https://teams.example/l/1", "kind": "call_back"},
        TODAY,
    )
    assert draft.title == "Call-back workshop"
    assert draft.online and draft.link == "https://teams.example/l/1" and draft.place is None


@pytest.mark.parametrize(
    ("audience", "role", "invited"),
    [
        (Audience.BOTH, "trainee", True),
        (Audience.BOTH, "mentor", True),
        (Audience.TRAINEES, "mentor", False),
        (Audience.MENTORS, "mentor", True),
        (Audience.MENTORS, "trainee", False),
    ],
)
def test_who_is_invited(audience, role, invited):
    assert is_invited(audience, role) is invited


def test_the_reminder_goes_at_the_start_of_the_working_day_before_in_the_persons_zone():
    monday = utc(2027, 3, 8, 9, 30)
    # Friday 09:00 in London (GMT in early March).
    assert day_before_reminder_at(monday, LONDON) == utc(2027, 3, 5, 9, 0)
    # A holiday on the Friday: Thursday.
    hours = WorkingHours(holidays=frozenset({date(2027, 3, 5)}))
    assert day_before_reminder_at(monday, LONDON, hours) == utc(2027, 3, 4, 9, 0)
    # Someone in New York: 09:00 on their Friday.
    assert day_before_reminder_at(monday, "America/New_York") == utc(2027, 3, 5, 14, 0)


def test_no_reminder_when_the_invitation_arrives_on_that_day():
    first = utc(2027, 3, 3, 9, 30)  # Wednesday
    assert day_before_reminder_wanted(utc(2027, 3, 1, 12), first, LONDON)
    assert not day_before_reminder_wanted(utc(2027, 3, 2, 8, 0), first, LONDON)  # held to 09:00
    assert not day_before_reminder_wanted(utc(2027, 3, 2, 11, 0), first, LONDON)


def test_the_answer_reminder_comes_five_working_days_on_unless_the_day_before_is_sooner():
    invited = utc(2027, 2, 1, 10)  # Monday
    first = utc(2027, 3, 3, 9, 30)
    assert answer_reminder_at(invited, first, LONDON) == utc(2027, 2, 8, 10)
    assert answer_reminder_at(invited, utc(2027, 2, 8, 9, 30), LONDON) is None


def test_the_day_before_reminder_is_not_routine_so_it_goes_on_a_day_with_a_routine_nudge():
    due = utc(2027, 3, 2, 9)
    routine_that_day = [utc(2027, 3, 2, 9)]
    urgency = urgency_of(EventMessage.DAY_BEFORE)
    assert urgency != Urgency.ROUTINE
    at = delivery_time(due, due, LONDON, urgency=urgency, routine_sent=routine_that_day)
    assert at.now
    # ...but it waits for working hours.
    early = delivery_time(utc(2027, 3, 2, 6), utc(2027, 3, 2, 6), LONDON, urgency=urgency)
    assert early.at == utc(2027, 3, 2, 9)
    assert urgency_of(EventMessage.ANSWER_REMINDER) == Urgency.ROUTINE


def test_a_late_change_goes_at_once_an_early_one_waits_for_working_hours():
    evening = utc(2027, 3, 2, 20)
    assert notice_waits_for_working_hours(evening, utc(2027, 3, 4, 9, 30), LONDON)
    assert not notice_waits_for_working_hours(evening, utc(2027, 3, 3, 9, 30), LONDON)


@pytest.mark.parametrize(
    ("told", "cancelled", "started", "due"),
    [
        (None, False, False, Notice.INVITATION),
        (None, False, True, None),
        (Told(1, sent=True), False, False, Notice.CHANGE),
        (Told(1, sent=False), False, False, Notice.INVITATION),
        (Told(2, sent=True), False, False, None),
        (Told(1, sent=True), True, False, Notice.CANCELLED),
        (Told(1, sent=False), True, False, None),
        (None, True, False, None),
        (Told(1, sent=True), False, True, Notice.CHANGE),
    ],
)
def test_each_notice_reaches_each_person_once(told, cancelled, started, due):
    assert (
        notice_due(version=2, cancelled=cancelled, started=started, ended=False, told=told) == due
    )


def test_answers_stand_when_only_the_place_changes():
    days = [(utc(2027, 3, 3, 9), utc(2027, 3, 3, 16))]
    assert answers_stand(days, list(days))
    assert not answers_stand(days, [(utc(2027, 3, 4, 9), utc(2027, 3, 4, 16))])


def test_attendance_defaults_and_the_coordinators_word_wins():
    assert card_default(Answer.YES, None) == Attendance.ATTENDED
    assert card_default(None, None) == Attendance.ABSENT
    assert card_default(Answer.NO, "part") == Attendance.PART
    assert recorded_attendance("absent", "attended", "yes") == Attendance.ABSENT
    assert recorded_attendance(None, "attended", "no") == Attendance.ATTENDED
    assert recorded_attendance(None, None, "no") == Attendance.ABSENT
    assert recorded_attendance(None, None, "yes") is None


def test_flags_for_missing_the_training_or_both_call_backs():
    absent, part = Attendance.ABSENT, Attendance.PART
    assert flags([PastEvent("training", absent)]) == {Flag.MISSED_TRAINING}
    assert flags([PastEvent("training", part)]) == set()
    assert flags([PastEvent("training", None)]) == set()  # not recorded yet
    assert flags([PastEvent("call_back", absent)]) == set()  # one is not both
    assert flags([PastEvent("call_back", absent), PastEvent("call_back", absent)]) == {
        Flag.MISSED_CALL_BACKS
    }
    assert flags([PastEvent("call_back", absent), PastEvent("call_back", part)]) == set()
    assert flags([PastEvent("group_meeting", absent)]) == set()


def test_report_counts_by_organisation():
    counts = counts_by_organisation(
        [
            Invitee("City Council", "yes", "attended"),
            Invitee("City Council", "yes", "part"),
            Invitee("City Council", "no", "absent"),
            Invitee("Police", None, None),
        ]
    )
    assert counts["City Council"] == {"invited": 3, "accepted": 2, "attended": 2}
    assert counts["Police"] == {"invited": 1, "accepted": 0, "attended": 0}


def test_the_typed_training_end_overrides_the_last_training_day():
    last = (utc(2027, 3, 5, 16, 30), LONDON)
    assert training_ends_at(None, last) == utc(2027, 3, 6, 0, 0)  # once that day is over
    typed = utc(2027, 4, 1)
    assert training_ends_at(typed, last) == typed
    assert training_ends_at(None, None) is None


@given(
    event_id=st.integers(1, 10**6),
    person_id=st.integers(1, 10**6),
    version=st.integers(1, 500),
)
def test_event_keys_read_back(event_id, person_id, version):
    first = utc(2027, 3, 3, 9, 30)
    cases = [
        (event_invitation_key(event_id, version, person_id), EventKeyWhat.INVITE, version),
        (event_change_key(event_id, version, person_id), EventKeyWhat.CHANGE, version),
        (event_answer_reminder_key(event_id, person_id), EventKeyWhat.ANSWER_REMINDER, None),
        (event_pulse_key(event_id, person_id), EventKeyWhat.PULSE, None),
    ]
    for key, what, read_version in cases:
        read = read_event_key(key)
        assert (read.event_id, read.what, read.person_id, read.version) == (
            event_id,
            what,
            person_id,
            read_version,
        )
    day_before = read_event_key(event_day_before_key(event_id, first, person_id))
    assert day_before.what == EventKeyWhat.DAY_BEFORE
    assert day_before.first_start == "202703030930"
    card = read_event_key(event_attendance_card_key(event_id))
    assert (card.what, card.person_id) == (EventKeyWhat.ATTENDANCE, None)
    assert read_event_key(f"user-1:book_session:pair-{event_id}:month-1") is None
    assert read_event_key(f"cohort-event:{event_id}:invite-vx:{person_id}") is None
