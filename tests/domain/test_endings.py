"""How a pairing ends: early or not, the closing card's words, the closing check, and the
report's figures about endings, from plain data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.cadence import add_months
from domain.endings import (
    ColourHistory,
    EndReason,
    PairMonths,
    closing_words,
    colour_at,
    early_ending,
    early_endings_by_reason,
    is_early,
    median_days_to_first_session,
    read_closing_check,
    shares_by_month,
    surveys_after_end,
)
from domain.surveys import SURVEYS_DIR, load_definitions

PAIRED = datetime(2026, 1, 5, 10, tzinfo=UTC)


def test_early_means_before_programme_month_3():
    assert is_early(PAIRED, PAIRED + timedelta(days=10))
    assert is_early(PAIRED, add_months(PAIRED, 2) - timedelta(minutes=1))
    assert not is_early(PAIRED, add_months(PAIRED, 2))


def test_the_programme_end_is_never_an_early_ending_and_an_unknown_reason_is_not_counted():
    soon = PAIRED + timedelta(days=3)
    assert early_ending(PAIRED, soon, "ended by coordinator")
    assert not early_ending(PAIRED, soon, "programme end")
    assert not early_ending(PAIRED, soon, None)
    assert not early_ending(PAIRED, None, "re-pair")


def test_closing_words_fit_the_role_and_the_ending():
    trainee = closing_words("trainee", "Adele", EndReason.REPAIR)
    mentor = closing_words("mentor", "Sam", EndReason.COORDINATOR)
    finished = closing_words(
        "trainee", "Adele", EndReason.PROGRAMME_END, end_survey=True, follow_up_months=(3, 6, 12)
    )
    assert "Adele (your mentor)" in trainee.intro
    assert "introduce you to someone new" in trainee.next_steps[0]
    assert "Sam (your mentee)" in mentor.intro and "accepted mentor" in mentor.next_steps[0]
    assert "end of the programme" in finished.intro
    assert any("3, 6 and 12 months" in step for step in finished.next_steps)
    assert any("end-of-programme survey" in step for step in finished.next_steps)
    assert not any("paired" in step for step in finished.next_steps)
    assert not any("survey" in step for step in trainee.next_steps + mentor.next_steps)


def test_the_surveys_after_the_end_are_read_from_the_definitions():
    surveys = load_definitions(SURVEYS_DIR).values()
    assert surveys_after_end(surveys, "trainee") == (True, (3, 6, 12))
    assert surveys_after_end(surveys, "mentor") == (True, ())


def test_the_partner_of_someone_who_left_is_not_told_who_or_why():
    words = closing_words("mentor", "Former participant", EndReason.LEFT)
    text = " ".join([words.intro, *words.next_steps])
    assert "ended early" in text
    assert "Former participant" not in text and "delete" not in text and "left" not in text


def test_the_closing_check_needs_the_three_choices_and_refuses_long_words_kindly():
    answers, problem = read_closing_check(
        {"helped": "a_lot", "goals_met": "partly", "stay_in_touch": "no", "words": " Thanks "}
    )
    assert problem is None
    assert (answers.helped, answers.goals_met, answers.stay_in_touch, answers.words) == (
        "a_lot",
        "partly",
        False,
        "Thanks",
    )
    answers, problem = read_closing_check({"helped": "a_lot", "goals_met": "maybe"})
    assert answers is None and "Did you meet the goals" in problem and "stay in touch" in problem
    long = "y" * 1001
    answers, problem = read_closing_check(
        {"helped": "a_lot", "goals_met": "met", "stay_in_touch": "yes", "words": long}
    )
    assert answers is None and "1,000 characters" in problem and long in problem


def test_green_and_held_shares_per_programme_month_from_known_data():
    now = add_months(PAIRED, 2) + timedelta(days=3)  # in month 3 of the pairs paired then
    green_all_along = ColourHistory(((PAIRED, "green"),))
    red_since_month_2 = ColourHistory(
        ((PAIRED, "green"), (add_months(PAIRED, 1) + timedelta(days=1), "red"))
    )
    pairs = [
        PairMonths(PAIRED, 6, None, green_all_along, frozenset({1, 2})),
        PairMonths(PAIRED, 6, None, red_since_month_2, frozenset({1})),
        # Ended in month 1: counted there only.
        PairMonths(PAIRED, 6, PAIRED + timedelta(days=10), None, frozenset()),
    ]
    shares = shares_by_month(pairs, now)
    assert [(s.month, s.green, s.known, s.held, s.pairs) for s in shares] == [
        (1, 2, 2, 2, 3),
        (2, 1, 2, 1, 2),
        (3, 1, 2, 0, 2),
    ]


def test_each_month_reads_the_colour_the_pair_had_at_its_end():
    """A pair green, then amber through month 2, then green again: month 1 was green (not the
    amber before its latest change), month 2 amber; a month before any colour is unknown."""
    month_2 = add_months(PAIRED, 1)
    month_3 = add_months(PAIRED, 2)
    history = ColourHistory(
        (
            (PAIRED + timedelta(days=3), "green"),
            (month_2 + timedelta(days=5), "amber"),
            (month_3 + timedelta(days=2), "green"),
        )
    )
    assert colour_at(history, PAIRED) is None
    assert colour_at(history, month_2) == "green"
    assert colour_at(history, month_3) == "amber"
    assert colour_at(history, month_3 + timedelta(days=2)) == "green"
    now = month_3 + timedelta(days=10)
    shares = shares_by_month([PairMonths(PAIRED, 6, None, history, frozenset())], now)
    assert [(s.month, s.green, s.known) for s in shares] == [(1, 1, 1), (2, 0, 1), (3, 1, 1)]


def test_median_days_to_the_first_held_session_leaves_out_pairs_without_one():
    pairs = [
        (PAIRED, PAIRED + timedelta(days=4)),
        (PAIRED, PAIRED + timedelta(days=10)),
        (PAIRED, PAIRED + timedelta(days=21)),
        (PAIRED, None),
    ]
    assert median_days_to_first_session(pairs) == 10
    assert median_days_to_first_session([(PAIRED, None)]) is None


def test_early_endings_are_counted_by_reason_in_the_coordinators_words():
    soon, late = PAIRED + timedelta(days=5), add_months(PAIRED, 4)
    counts = early_endings_by_reason(
        [
            (PAIRED, soon, "re-pair"),
            (PAIRED, soon, "re-pair"),
            (PAIRED, soon, "left the programme"),
            (PAIRED, late, "re-pair"),  # not early
            (PAIRED, soon, "programme end"),
            (PAIRED, None, None),
        ]
    )
    assert counts == {
        "ended by the coordinators to re-pair the trainee": 2,
        "a participant left the programme (asked for their data to be deleted)": 1,
    }
