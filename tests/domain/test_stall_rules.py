from datetime import UTC, datetime, timedelta

import pytest

from domain.pauses import Pause
from domain.stall_rules import (
    CheckInAnswer,
    LoggedSession,
    PairingFacts,
    PersonEvent,
    Stall,
    StallCause,
    StallSettings,
    escalation_deadline,
    escalation_is_overdue,
    next_stall_change,
    normalise_answer,
    stall_causes,
)
from domain.working_hours import WorkingHours

# Monday 6 January 2025 09:00 UTC. Programme months start on the 6th of Jan..Jun.
PAIRED = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
LONDON = "Europe/London"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def causes(facts: PairingFacts, now: datetime, **settings) -> list[StallCause]:
    return [s.cause for s in stall_causes(facts, now, StallSettings(**settings))]


def test_a_healthy_pairing_has_no_causes():
    facts = PairingFacts(PAIRED, sessions=(LoggedSession(utc(2025, 1, 20)),))
    assert stall_causes(facts, utc(2025, 2, 10)) == []


# --- no session within 45 days ------------------------------------------------------------------


def test_no_session_since_pairing():
    facts = PairingFacts(PAIRED)
    assert stall_causes(facts, PAIRED + timedelta(days=45)) == []
    assert stall_causes(facts, PAIRED + timedelta(days=46)) == [
        Stall(
            StallCause.NO_RECENT_SESSION,
            "no session logged in the 46 days since pairing; 0 of 2 planned so far",
            "paired-2025-01-06",
        )
    ]


def test_no_session_since_the_last_one():
    facts = PairingFacts(PAIRED, sessions=(LoggedSession(utc(2025, 1, 20, 10, 0)),))
    # 20 January -> 13 March is 52 days; months started by then: 6 Jan, 6 Feb, 6 Mar.
    assert stall_causes(facts, utc(2025, 3, 13, 10, 0)) == [
        Stall(
            StallCause.NO_RECENT_SESSION,
            "last session 52 days ago; 1 of 3 planned so far",
            "last-session-2025-01-20",
        )
    ]


def test_time_either_of_the_pair_was_paused_does_not_count():
    # The mentor paused from day 10 to day 30 and the trainee from day 25 to day 35: 25 days.
    pauses = (
        Pause(PAIRED + timedelta(days=10), PAIRED + timedelta(days=30)),
        Pause(PAIRED + timedelta(days=25), PAIRED + timedelta(days=35)),
    )
    facts = PairingFacts(PAIRED, pauses=pauses)
    assert StallCause.NO_RECENT_SESSION not in causes(facts, PAIRED + timedelta(days=70))
    assert stall_causes(facts, PAIRED + timedelta(days=71))[0] == Stall(
        StallCause.NO_RECENT_SESSION,
        "no session logged in the 71 days since pairing (25 of them paused); 0 of 3 planned so far",
        "paired-2025-01-06",
    )
    assert next_stall_change(facts, PAIRED + timedelta(days=66)) == PAIRED + timedelta(
        days=70, microseconds=1
    )


def test_a_pause_still_running_holds_the_stall_until_it_ends():
    last = utc(2025, 1, 20, 10, 0)
    facts = PairingFacts(
        PAIRED,
        sessions=(LoggedSession(last),),
        pauses=(Pause(last + timedelta(days=40), last + timedelta(days=70)),),
    )
    now = last + timedelta(days=60)  # 40 days unpaused, paused since
    assert StallCause.NO_RECENT_SESSION not in causes(facts, now)
    # 40 days before the pause and 5 after it ends.
    assert next_stall_change(facts, now) == last + timedelta(days=75, microseconds=1)
    assert StallCause.NO_RECENT_SESSION in causes(facts, last + timedelta(days=75, microseconds=1))


def test_no_session_limit_is_a_setting():
    facts = PairingFacts(PAIRED, sessions=(LoggedSession(utc(2025, 1, 20, 10, 0)),))
    now = utc(2025, 2, 25, 10, 0)  # 36 days later
    assert causes(facts, now) == []
    assert causes(facts, now, no_session_days=30) == [StallCause.NO_RECENT_SESSION]


def test_sessions_logged_in_the_future_are_ignored():
    facts = PairingFacts(PAIRED, sessions=(LoggedSession(utc(2025, 5, 1)),))
    assert causes(facts, PAIRED + timedelta(days=46)) == [StallCause.NO_RECENT_SESSION]


# --- two consecutive completed months without a session -----------------------------------------


def test_two_missed_months_in_a_row():
    facts = PairingFacts(PAIRED, sessions=(LoggedSession(utc(2025, 1, 20)),))
    now = utc(2025, 4, 7, 9, 0)  # month 3 ended on 6 April; 77 days after 20 January
    assert stall_causes(facts, now) == [
        Stall(
            StallCause.NO_RECENT_SESSION,
            "last session 77 days ago; 1 of 4 planned so far",
            "last-session-2025-01-20",
        ),
        Stall(
            StallCause.MISSED_MONTHS,
            "no session in programme months 2 and 3; 1 of 4 planned so far",
            "from-month-2",
        ),
    ]


def test_one_missed_month_is_not_a_stall_and_the_current_month_does_not_count():
    facts = PairingFacts(PAIRED, sessions=(LoggedSession(utc(2025, 1, 20)),))
    # Month 2 ended without a session; month 3 is still running.
    assert StallCause.MISSED_MONTHS not in causes(facts, utc(2025, 4, 5))


def test_longer_runs_keep_the_same_ref():
    facts = PairingFacts(PAIRED, sessions=(LoggedSession(utc(2025, 1, 20)),))
    stall = [s for s in stall_causes(facts, utc(2025, 5, 7)) if s.cause == StallCause.MISSED_MONTHS]
    assert stall == [
        Stall(
            StallCause.MISSED_MONTHS,
            "no session in programme months 2–4; 1 of 5 planned so far",
            "from-month-2",
        )
    ]


def test_only_the_latest_months_matter():
    # Months 1 and 2 were missed, month 3 had a session: not stalled now.
    facts = PairingFacts(PAIRED, sessions=(LoggedSession(utc(2025, 3, 20)),))
    assert StallCause.MISSED_MONTHS not in causes(facts, utc(2025, 4, 7))


def test_a_session_counts_for_the_month_it_was_logged_for():
    # Held on 10 March (month 3) but logged for month 2: months 2 and 3 are not both empty.
    late = LoggedSession(utc(2025, 3, 10), month=2)
    facts = PairingFacts(PAIRED, sessions=(LoggedSession(utc(2025, 1, 20)), late))
    assert StallCause.MISSED_MONTHS not in causes(facts, utc(2025, 4, 7))
    on_time = LoggedSession(utc(2025, 3, 10))
    facts = PairingFacts(PAIRED, sessions=(LoggedSession(utc(2025, 1, 20)), on_time))
    assert StallCause.MISSED_MONTHS not in causes(facts, utc(2025, 4, 7))
    # With month 3's session logged for month 2, months 3 and 4 are the empty ones by 7 May.
    facts = PairingFacts(PAIRED, sessions=(late,))
    assert StallCause.MISSED_MONTHS in causes(facts, utc(2025, 5, 7))


def test_twelve_month_programmes():
    facts = PairingFacts(PAIRED, length_months=12, sessions=(LoggedSession(utc(2025, 8, 10)),))
    # 12-month programme: month 8 is 6 Aug - 6 Sep; months 9 and 10 empty by 6 Nov.
    found = stall_causes(facts, utc(2025, 11, 6, 9, 0))
    assert [s.evidence for s in found] == [
        "last session 88 days ago; 1 of 11 planned so far",
        "no session in programme months 9 and 10; 1 of 11 planned so far",
    ]


# --- check-ins ----------------------------------------------------------------------------------


def answer(person, week, text, name=None):
    return CheckInAnswer(person, week, text, PAIRED + timedelta(weeks=week, hours=1), name)


def test_need_help_answer():
    facts = PairingFacts(PAIRED, check_ins=(answer(1, 2, "need_help", "Sam"),))
    now = PAIRED + timedelta(days=17, hours=1)
    assert stall_causes(facts, now) == [
        Stall(
            StallCause.NEEDS_HELP,
            "Sam answered “need help” at the week-2 check-in (3 days ago)",
            "person-1:week-2",
        )
    ]


def test_need_help_is_cleared_by_a_later_answer_of_the_same_person():
    facts = PairingFacts(
        PAIRED, check_ins=(answer(1, 2, "need_help"), answer(2, 4, "yes"), answer(1, 4, "yes"))
    )
    assert stall_causes(facts, PAIRED + timedelta(weeks=5)) == []


def test_not_really_twice_in_a_row():
    facts = PairingFacts(
        PAIRED,
        check_ins=(answer(2, 2, "not_really", "Alex"), answer(2, 4, "Not really", "Alex")),
    )
    assert stall_causes(facts, PAIRED + timedelta(weeks=5)) == [
        Stall(
            StallCause.NOT_RUNNING_SMOOTHLY,
            "Alex answered “not really” 2 times in a row (week 2 and week 4)",
            "person-2:week-4",
        )
    ]


@pytest.mark.parametrize(
    "answers",
    [
        (answer(2, 2, "not_really"),),
        (answer(1, 2, "not_really"), answer(2, 2, "not_really")),  # two different people
        (answer(2, 2, "not_really"), answer(2, 4, "yes"), answer(2, 6, "not_really")),
    ],
)
def test_not_really_that_is_not_twice_in_a_row_by_one_person(answers):
    facts = PairingFacts(PAIRED, sessions=(LoggedSession(utc(2025, 2, 1)),), check_ins=answers)
    assert stall_causes(facts, PAIRED + timedelta(weeks=7)) == []


def test_need_help_after_not_really_is_reported_once_as_need_help():
    facts = PairingFacts(PAIRED, check_ins=(answer(2, 2, "not_really"), answer(2, 4, "need help")))
    found = stall_causes(facts, PAIRED + timedelta(weeks=4, hours=1))
    assert [(s.cause, s.evidence) for s in found] == [
        (StallCause.NEEDS_HELP, "person 2 answered “need help” at the week-4 check-in (today)")
    ]


def test_answers_given_after_now_are_ignored():
    facts = PairingFacts(PAIRED, check_ins=(answer(1, 2, "need_help"),))
    assert stall_causes(facts, PAIRED + timedelta(days=10)) == []


@pytest.mark.parametrize("raw", ["Not really", "not-really", " NOT_REALLY ", "not  really"])
def test_answers_are_normalised(raw):
    assert normalise_answer(raw) == "not_really"


# --- re-pair requests and unreachable people ----------------------------------------------------


def test_repair_request_and_unreachable_participant():
    now = utc(2025, 1, 20, 12, 0)
    facts = PairingFacts(
        PAIRED,
        sessions=(LoggedSession(utc(2025, 1, 15)),),
        repair_requests=(PersonEvent(2, utc(2025, 1, 17, 11, 0), "Alex"),),
        unreachable=(PersonEvent(1, utc(2025, 1, 16, 8, 0)), PersonEvent(2, now, "Alex")),
    )
    assert stall_causes(facts, now) == [
        Stall(
            StallCause.REPAIR_REQUESTED,
            "Alex asked to be re-paired 3 days ago",
            "person-2:2025-01-17",
        ),
        Stall(
            StallCause.UNREACHABLE,
            "person 1 can't be reached in Teams (messages failing for 4 days)",
            "person-1:2025-01-16",
        ),
        Stall(
            StallCause.UNREACHABLE,
            "Alex can't be reached in Teams (messages failing since today)",
            "person-2:2025-01-20",
        ),
    ]


def test_every_cause_at_once_comes_in_cause_order():
    now = utc(2025, 4, 7, 9, 0)
    facts = PairingFacts(
        PAIRED,
        sessions=(LoggedSession(utc(2025, 1, 20)),),
        check_ins=(
            answer(1, 2, "not_really"),
            answer(1, 4, "not_really"),
            answer(2, 2, "need_help"),
        ),
        repair_requests=(PersonEvent(1, utc(2025, 4, 1)),),
        unreachable=(PersonEvent(2, utc(2025, 4, 2)),),
    )
    assert causes(facts, now) == list(StallCause)


# --- escalation timing --------------------------------------------------------------------------


def test_escalation_overdue_after_two_working_days():
    created = utc(2024, 7, 1, 14, 0)  # Monday 15:00 BST
    assert escalation_deadline(created, LONDON) == utc(2024, 7, 3, 14, 0)
    assert not escalation_is_overdue(created, None, utc(2024, 7, 3, 13, 59), LONDON)
    assert escalation_is_overdue(created, None, utc(2024, 7, 3, 14, 0), LONDON)
    assert not escalation_is_overdue(
        created, utc(2024, 7, 1, 15, 0), utc(2024, 7, 5, 14, 0), LONDON
    )


def test_escalation_over_a_weekend_and_a_holiday():
    created = utc(2024, 7, 5, 16, 30)  # Friday 17:30 BST: counts from Monday 09:00
    assert escalation_deadline(created, LONDON) == utc(2024, 7, 10, 8, 0)
    assert not escalation_is_overdue(created, None, utc(2024, 7, 9, 16, 0), LONDON)
    bank_holiday = WorkingHours(holidays=frozenset({utc(2024, 8, 26).date()}))
    created = utc(2024, 8, 23, 9, 0)  # Friday 10:00 BST
    assert escalation_deadline(created, LONDON, bank_holiday) == utc(2024, 8, 28, 9, 0)
    assert escalation_is_overdue(created, None, utc(2024, 8, 28, 9, 0), LONDON, bank_holiday)


def test_escalation_working_days_is_configurable_and_future_acks_do_not_count():
    created = utc(2024, 7, 1, 14, 0)
    assert escalation_is_overdue(created, None, utc(2024, 7, 2, 14, 0), LONDON, working_days=1)
    # An acknowledgement time after "now" (clock skew between instances) is not yet an ack.
    assert escalation_is_overdue(created, utc(2024, 7, 4, 9, 0), utc(2024, 7, 3, 14, 0), LONDON)
