"""Line managers in the loop, as rules: chasing in working days, the digest's moments and facts,
the release-block message, whose answer counts, and the coordinators' line."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, date, datetime, timedelta

from domain.managers import (
    MIN_DIGEST_GAP,
    Answer,
    AskFacts,
    DigestFacts,
    NotAsked,
    Purpose,
    ReleaseDate,
    Stage,
    Step,
    answer_refusal,
    asking_line,
    chat_deadline,
    digest_lines,
    hand_answer_stands,
    lookup_retry_at,
    next_chase,
    next_digest,
    read_answer,
    release_ask_text,
    release_needs,
    support_words,
)
from domain.working_hours import WorkingHours

# Monday 23 November 2026, 10:00 in London (UTC in winter).
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
LONDON = "Europe/London"


def test_no_answer_in_5_working_days_reminds_once_then_5_more_tell_the_coordinators():
    first = next_chase(MONDAY, None, None, LONDON)
    assert (first.step, first.at) == (Step.REMIND, datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    reminded = first.at
    second = next_chase(MONDAY, reminded, None, LONDON)
    assert (second.step, second.at) == (
        Step.TELL_COORDINATORS,
        datetime(2026, 12, 7, 10, 0, tzinfo=UTC),
    )
    assert next_chase(MONDAY, reminded, second.at, LONDON).step is None


def test_chasing_counts_working_days_only_in_the_managers_zone_and_skips_holidays():
    friday_evening = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
    # Counted from Monday 09:00: 5 working days later is the next Monday 09:00.
    assert next_chase(friday_evening, None, None, LONDON).at == datetime(
        2026, 12, 7, 9, 0, tzinfo=UTC
    )
    hours = WorkingHours(holidays=frozenset({date(2026, 11, 26)}))
    assert next_chase(MONDAY, None, None, LONDON, hours).at == datetime(
        2026, 12, 1, 10, 0, tzinfo=UTC
    )
    assert next_chase(MONDAY, None, None, LONDON, working_days=2).at == datetime(
        2026, 11, 25, 10, 0, tzinfo=UTC
    )


def test_a_chat_is_waited_for_one_working_day_and_graph_retried_for_a_day():
    assert chat_deadline(MONDAY, LONDON) == MONDAY + timedelta(days=1)
    assert lookup_retry_at(MONDAY, MONDAY + timedelta(hours=1)) == MONDAY + timedelta(
        hours=1, minutes=15
    )
    assert lookup_retry_at(MONDAY, MONDAY + timedelta(hours=24)) is None


def test_answers_a_request_takes_and_a_final_answer_stands():
    assert read_answer(Purpose.SUPPORT, "support") == Answer.SUPPORT
    assert read_answer(Purpose.SUPPORT, "make_time") is None
    assert read_answer(Purpose.RELEASE, "make_time") == Answer.MAKE_TIME
    assert read_answer(Purpose.RELEASE, "nonsense") is None
    assert answer_refusal(None, None) is None
    assert answer_refusal(Answer.TALK, "23 November 2026") is None  # may answer after the talk
    refusal = answer_refusal(Answer.SUPPORT, "23 November 2026")
    assert refusal.startswith("You already answered on 23 November 2026: you support it.")


def test_a_coordinators_yes_or_no_by_hand_wins_but_pending_does_not():
    assert hand_answer_stands("yes", "coordinator")
    assert hand_answer_stands("no", "coordinator")
    assert not hand_answer_stands("pending", "coordinator")
    assert not hand_answer_stands("yes", "manager_in_teams")
    assert not hand_answer_stands(None, None)
    assert support_words("yes", "manager_in_teams") == " — answered by the manager in Teams"
    assert support_words("no", "coordinator") == " — recorded by a coordinator"
    assert support_words("yes", None) == ""


def test_release_needs_are_the_monthly_sessions_and_the_dates_still_to_come():
    dates = [
        ReleaseDate("Call-back workshop", datetime(2027, 3, 4, 9, tzinfo=UTC)),
        ReleaseDate("Training (last day)", datetime(2027, 1, 15, 9, tzinfo=UTC)),
        ReleaseDate("Induction", datetime(2026, 11, 1, 9, tzinfo=UTC)),  # past
    ]
    assert release_needs(6, dates, MONDAY, LONDON) == [
        ("Mentoring sessions", "about 2 hours a month for 6 months"),
        ("Training (last day)", "15 January 2027"),
        ("Call-back workshop", "4 March 2027"),
    ]


def test_the_release_block_message_claims_agreement_only_when_it_was_given():
    agreed = release_ask_text("Sam Taylor", "training", date(2026, 12, 3), agreed=True)
    assert agreed == (
        "Sam Taylor could not be released for training on 3 December 2026. You agreed to "
        "support release for the programme. Can you make time in the next 2 weeks?"
    )
    not_agreed = release_ask_text("Sam Taylor", "a mentoring session", None, agreed=False)
    assert "You agreed" not in not_agreed
    assert not_agreed.startswith("Sam Taylor could not be released for a mentoring session. ")


def test_one_digest_a_programme_month_a_week_in_and_never_two_within_a_month():
    paired = MONDAY
    first = next_digest(paired, 6, not_before=paired, last_sent_at=None)
    assert (first.month, first.at) == (1, paired + timedelta(days=7))
    second = next_digest(paired, 6, not_before=first.at, last_sent_at=first.at)
    assert second.month == 2 and second.at == datetime(2026, 12, 30, 10, tzinfo=UTC)
    # Answered late in month 1: that month's digest goes then, the next a month on at least.
    late = paired + timedelta(days=20)
    assert next_digest(paired, 6, not_before=late, last_sent_at=None).at == late
    after_late = next_digest(paired, 6, not_before=late, last_sent_at=late)
    assert after_late.at == late + MIN_DIGEST_GAP and after_late.month == 2
    # A digest of an earlier pairing keeps a new pairing's first one a month away.
    re_paired = next_digest(paired, 6, not_before=paired, last_sent_at=paired - timedelta(days=3))
    assert re_paired.at == paired - timedelta(days=3) + MIN_DIGEST_GAP
    # Nothing after the programme's last month.
    last = datetime(2027, 5, 30, 10, tzinfo=UTC)
    assert next_digest(paired, 6, not_before=last, last_sent_at=last) is None


def test_a_digest_holds_participation_facts_and_nothing_said():
    names = {field.name for field in fields(DigestFacts)}
    assert names == {"name", "programme", "month", "months", "session_booked", "dates"}
    facts = DigestFacts(
        "Sam Taylor",
        "Step Forward",
        2,
        6,
        True,
        (ReleaseDate("Training (last day)", datetime(2027, 1, 15, 9, tzinfo=UTC)),),
    )
    assert digest_lines(facts, MONDAY, LONDON) == [
        ("Programme month", "2 of 6"),
        ("This month's mentoring session", "booked"),
        ("Training (last day)", "15 January 2027"),
    ]
    quiet = DigestFacts("Sam Taylor", "Step Forward", 1, 6, False)
    assert digest_lines(quiet, MONDAY, LONDON)[1:] == [
        ("This month's mentoring session", "not booked yet"),
        ("Other dates to release them for", "none set yet"),
    ]


def test_the_coordinators_line_says_where_a_request_stands():
    asked = AskFacts(Purpose.SUPPORT, Stage.ASKED, "Jo Manager", asked_on="23 November 2026")
    assert asking_line(asked) == "asked Jo Manager in Teams on 23 November 2026: no answer yet."
    told = AskFacts(
        Purpose.SUPPORT,
        Stage.ASKED,
        "Jo Manager",
        asked_on="23 November 2026",
        reminded_on="30 November 2026",
        coordinators_told_on="7 December 2026",
    )
    assert asking_line(told).endswith(
        "reminded on 30 November 2026: no answer. Please ask them yourself and record the answer."
    )
    refused = AskFacts(
        Purpose.SUPPORT,
        Stage.ANSWERED,
        "Jo Manager",
        answer=Answer.CANNOT_SUPPORT,
        answered_on="24 November 2026",
        reason="Audit season",
    )
    assert asking_line(refused) == (
        "Jo Manager can't support it (answered in Teams, 24 November 2026): “Audit season”."
    )
    assert "Audit season" not in asking_line(refused, show_reason=False)
    not_asked = AskFacts(Purpose.SUPPORT, Stage.NOT_ASKED, not_asked=NotAsked.NO_MANAGER)
    assert asking_line(not_asked) == (
        "not asked in Teams: the directory shows no line manager for them. Please ask them "
        "yourself."
    )
    declined = AskFacts(Purpose.RELEASE, Stage.NOT_ASKED, not_asked=NotAsked.PARTICIPANT_DECLINED)
    assert asking_line(declined) == (
        "not asked in Teams: they asked us not to contact their line manager."
    )
