"""Survey definitions as data: the shipped files load; broken ones say what is wrong; rounds
and reminders fall when they should; answers are read strictly."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from domain.surveys import (
    SURVEYS_DIR,
    PairingFacts,
    SurveyError,
    load_definitions,
    parse_definition,
    read_answers,
    reminder_due,
    rounds_of,
    summarise,
    summarise_tally,
    tally_entries,
)

PAIRED = datetime(2026, 1, 5, 10, tzinfo=UTC)
SURVEYS = load_definitions()


def test_the_shipped_surveys_load():
    assert set(SURVEYS) == {
        "pulse",
        "training_evaluation",
        "mentee_end",
        "mentor_end",
        "follow_up",
        "call_back_pulse",
    }
    assert SURVEYS["pulse"].one_tap and SURVEYS["pulse"].anonymous
    # Sent by the cohort events to those who were at a call-back, not per pairing.
    assert SURVEYS["call_back_pulse"].one_tap and SURVEYS["call_back_pulse"].reminders == 0
    assert rounds_of(SURVEYS["call_back_pulse"], PairingFacts(PAIRED, 6)) == []
    assert SURVEYS["mentee_end"].audience == ("trainee",)
    assert SURVEYS["mentor_end"].audience == ("mentor",)
    mentee = {i.id for i in SURVEYS["mentee_end"].items}
    mentor = {i.id for i in SURVEYS["mentor_end"].items}
    assert mentee != mentor
    # The same self-rating items before and after the training.
    evaluation = SURVEYS["training_evaluation"]
    assert "confidence_before" in evaluation.answer_ids()
    assert "confidence_after" in evaluation.answer_ids()
    follow_up = SURVEYS["follow_up"]
    assert not follow_up.anonymous and follow_up.months == (3, 6, 12)
    options = dict(follow_up.items[0].options)
    assert {"promotion", "lateral_move", "acting_up", "new_skills", "left"} == set(options)


def test_definitions_are_read_again_only_when_a_file_changes(tmp_path):
    pulse = (SURVEYS_DIR / "pulse.json").read_text(encoding="utf-8")
    (tmp_path / "pulse.json").write_text(pulse, encoding="utf-8")
    first = load_definitions(tmp_path)
    assert load_definitions(tmp_path)["pulse"] is first["pulse"]  # from memory

    changed = json.loads(pulse)
    changed["title"] = "How was it?"
    (tmp_path / "pulse.json").write_text(json.dumps(changed, indent=1), encoding="utf-8")
    assert load_definitions(tmp_path)["pulse"].title == "How was it?"
    (tmp_path / "pulse.json").unlink()
    assert load_definitions(tmp_path) == {}


def test_a_broken_definition_lists_every_problem():
    with pytest.raises(SurveyError) as refused:
        parse_definition(
            {
                "id": "x",
                "title": "X",
                "audience": ["boss"],
                "anonymous": "yes",
                "send": {"after": "whenever"},
                "reminders": 3,
                "items": [{"id": "a", "text": "A", "kind": "stars"}, {"id": "a", "text": ""}],
            },
            "x.json",
        )
    problems = refused.value.problems
    assert "'intro' is missing" in problems
    assert any("audience" in p for p in problems)
    assert "'anonymous' must be true or false" in problems
    assert any("send.after" in p for p in problems)
    assert "'reminders' must be 0 to 2" in problems
    assert any("item 1: 'kind'" in p for p in problems)
    assert "item 2: id 'a' is used twice" in problems


def test_rounds_follow_the_programme():
    facts = PairingFacts(
        PAIRED,
        6,
        sessions_logged={2: PAIRED + timedelta(days=40)},
        training_ends_at=PAIRED - timedelta(days=3),
    )
    [pulse] = rounds_of(SURVEYS["pulse"], facts)
    assert pulse.name == "month-2" and pulse.due == PAIRED + timedelta(days=40)
    [training] = rounds_of(SURVEYS["training_evaluation"], facts)
    assert training.due == PAIRED - timedelta(days=3)
    [end] = rounds_of(SURVEYS["mentee_end"], facts)
    assert end.name == "end" and end.due == datetime(2026, 7, 5, 10, tzinfo=UTC)
    follow = rounds_of(SURVEYS["follow_up"], facts)
    assert [(r.name, r.due.date().isoformat()) for r in follow] == [
        ("3m", "2026-10-05"),
        ("6m", "2027-01-05"),
        ("12m", "2027-07-05"),
    ]


def test_promotion_support_end_survey_waits_for_the_assessment_and_stops_at_results():
    assessed = datetime(2026, 5, 1, 9, tzinfo=UTC)
    results = datetime(2026, 5, 15, 9, tzinfo=UTC)
    facts = PairingFacts(
        PAIRED, 6, promotion_support=True, assessment_ends_at=assessed, results_at=results
    )
    [end] = rounds_of(SURVEYS["mentee_end"], facts)
    assert end.due == assessed and end.closes == results
    unknown = PairingFacts(PAIRED, 6, promotion_support=True)
    assert rounds_of(SURVEYS["mentee_end"], unknown) == []
    published = PairingFacts(
        PAIRED, 6, promotion_support=True, assessment_ends_at=results, results_at=results
    )
    assert rounds_of(SURVEYS["mentee_end"], published) == []


def test_at_most_two_reminders_a_week_apart_and_only_the_latest():
    survey = SURVEYS["mentee_end"]
    [end] = rounds_of(survey, PairingFacts(PAIRED, 6))
    assert reminder_due(survey, end, end.due - timedelta(minutes=1)) is None
    assert reminder_due(survey, end, end.due) == 0
    assert reminder_due(survey, end, end.due + timedelta(days=7)) == 1
    assert reminder_due(survey, end, end.due + timedelta(days=20)) == 2
    assert reminder_due(survey, end, end.due + timedelta(days=27)) == 2
    assert reminder_due(survey, end, end.due + timedelta(days=28)) is None
    pulse = SURVEYS["pulse"]
    [month] = rounds_of(pulse, PairingFacts(PAIRED, 6, sessions_logged={1: PAIRED}))
    assert reminder_due(pulse, month, PAIRED + timedelta(days=10)) == 0  # no reminders


def test_answers_are_checked():
    survey = SURVEYS["follow_up"]
    answers, problems = read_answers(survey, {"moves": "promotion,new_skills", "in_touch": "yes"})
    assert answers == {"moves": ["promotion", "new_skills"], "in_touch": "yes"} and not problems
    _answers, problems = read_answers(survey, {"moves": "astronaut"})
    assert problems == [survey.items[0].text, survey.items[1].text]
    evaluation = SURVEYS["training_evaluation"]
    values = {a: "3" for a in evaluation.answer_ids()} | {"confidence_after": "9"}
    _answers, problems = read_answers(evaluation, values)
    assert problems == ["Confidence in going for a new role"]


def test_summary_means_and_counts_without_free_text():
    survey = SURVEYS["mentee_end"]
    sets = [
        {"satisfied": 4, "recommend": "yes", "improve": "more time"},
        {"satisfied": 5, "recommend": "no"},
    ]
    results = {r.answer_id: r for r in summarise(survey, sets)}
    assert results["satisfied"].mean == 4.5 and results["satisfied"].answered == 2
    assert results["recommend"].counts == {"Yes": 1, "No": 1}
    assert "improve" not in results


def test_only_trainees_answers_to_items_about_the_mentor_are_tallied():
    pulse, end = SURVEYS["pulse"], SURVEYS["mentee_end"]
    assert tally_entries(pulse, "trainee", {"useful": 4}) == [("useful", "4")]
    assert tally_entries(pulse, "mentor", {"useful": 4}) == []
    answers = {"satisfied": 5, "mentor_helpful": 3, "met_goals": "yes", "improve": "more time"}
    assert tally_entries(end, "trainee", answers) == [("mentor_helpful", "3")]
    [result] = summarise_tally(pulse, {"useful": {"3": 1, "4": 2, "5": 2}})
    assert (result.answered, result.mean) == (5, 4.2)
    assert result.counts == {"1": 0, "2": 0, "3": 1, "4": 2, "5": 2}


def test_free_text_and_mentor_only_surveys_are_never_tallied():
    with pytest.raises(SurveyError) as refused:
        parse_definition(
            {
                "id": "x",
                "title": "X",
                "intro": "X",
                "audience": ["mentor"],
                "anonymous": True,
                "send": {"after": "programme_end"},
                "items": [{"id": "a", "text": "A", "kind": "text", "about_mentor": True}],
            }
        )
    assert refused.value.problems == [
        "item 1: only one rating or choice per answer is tallied for a mentor",
        "'about_mentor' items need trainees in the audience",
    ]
