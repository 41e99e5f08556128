"""The form and review rules as plain functions."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.application_form import (
    ABOUT,
    EQUALITY,
    GOALS,
    MENTORING,
    REVIEW,
    START,
    next_section,
    validate,
)
from domain.application_review import Facts, Op, decide
from domain.local_time import end_of_local_day, format_closing_date, parse_date


def test_required_choice_length_and_multi_checks():
    result = validate(
        GOALS, {"goals": "x" * 1001, "needs": "confidence,flying", "availability": ""}
    )
    assert set(result.errors) == {"goals", "needs", "availability"}
    ok = validate(
        GOALS, {"goals": " Lead ", "needs": ["interviews", "confidence"], "availability": "Fridays"}
    )
    assert ok.ok and ok.values == {
        "goals": "Lead",
        "needs": ["confidence", "interviews"],
        "availability": "Fridays",
    }


def test_start_needs_consent_and_a_role_for_the_programme_kind():
    assert validate(START, {"role": "mentor", "consent": "false"}).errors == {
        "consent": "Please tick the box to agree before we go on."
    }
    assert validate(START, {"role": "mentor", "consent": "true"}, "reverse").ok


def test_equality_is_optional_and_checked_against_its_choices():
    assert validate(EQUALITY, {}).ok
    assert validate(EQUALITY, {"ethnicity": "prefer_not_to_say"}).values == {
        "ethnicity": "prefer_not_to_say"
    }
    assert not validate(EQUALITY, {"gender": "unicorn"}).ok


def test_assessor_must_name_the_process():
    base = {"experience": "Lots", "capacity": "1", "areas": "leadership", "assessor": "yes"}
    assert "assessor_process" in validate(MENTORING, base).errors
    assert validate(MENTORING, base | {"assessor_process": "PC to Sgt 2027"}).ok


@pytest.mark.parametrize(
    ("role", "completed", "expected"),
    [
        (None, set(), "start"),
        ("trainee", {"start"}, "about"),
        ("trainee", {"start", "about"}, "goals"),
        ("mentor", {"start", "about"}, "mentoring"),
        ("mentor", {"start", "about", "mentoring"}, "equality"),
        ("trainee", {"start", "about", "goals", "equality"}, REVIEW),
        ("mentor", {"start", "about", "goals", "equality"}, "mentoring"),  # role changed
    ],
)
def test_next_section(role, completed, expected):
    assert next_section(role, completed) == expected


def test_about_section_limits():
    assert (
        "grade"
        in validate(
            ABOUT, {"organisation": "A", "department": "B", "grade": "g" * 81, "location": "C"}
        ).errors
    )


def test_offer_rules():
    shortlisted = Facts("shortlisted", manager_support="yes")
    assert decide(shortlisted, Op.OFFER).status == "offered"
    assert not decide(Facts("shortlisted", manager_support="no"), Op.OFFER).allowed
    assert not decide(Facts("submitted", manager_support="yes"), Op.OFFER).allowed
    assert not decide(Facts("shortlisted", "yes", "not_passed"), Op.OFFER).allowed
    assert "already" in decide(Facts("offered", "yes"), Op.OFFER).message


def test_answering_an_offer_once():
    assert decide(Facts("offered"), Op.ACCEPT).status == "accepted"
    assert decide(Facts("accepted"), Op.DECLINE).message == "You have already accepted this offer."
    assert not decide(Facts("shortlisted"), Op.ACCEPT).allowed


def test_withdraw_only_before_an_offer():
    assert decide(Facts("submitted"), Op.WITHDRAW).status == "withdrawn"
    assert not decide(Facts("offered"), Op.WITHDRAW).allowed
    assert not decide(Facts("withdrawn"), Op.WITHDRAW).allowed


def test_manager_support_values_are_checked():
    assert not decide(Facts("submitted"), Op.MANAGER_SUPPORT, {"support": "maybe"}).allowed
    recorded = decide(
        Facts("submitted"),
        Op.MANAGER_SUPPORT,
        {"support": "yes", "manager_name": " Pat ", "support_date": "2026-11-20"},
    )
    assert recorded.changes == {
        "manager_support": "yes",
        "manager_name": "Pat",
        "manager_support_on": "2026-11-20",
        "manager_support_source": "coordinator",  # by hand: it stands over a manager's answer
    }


def test_dates_people_type():
    assert parse_date("2027-01-31") == date(2027, 1, 31)
    assert parse_date("31 january 2027") == date(2027, 1, 31)
    assert parse_date("31 Jan 2027") == date(2027, 1, 31)
    assert parse_date("31/01/2027") == date(2027, 1, 31)
    assert parse_date("soon") is None


def test_window_closing_day_in_local_time():
    closes = end_of_local_day(date(2027, 7, 31), "Europe/London")
    assert closes == datetime(2027, 7, 31, 23, 0, tzinfo=UTC)  # BST
    assert format_closing_date(closes, "Europe/London") == "31 July 2027"
