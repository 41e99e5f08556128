from datetime import UTC, datetime, timedelta

from domain.graded_help import (
    at_risk_due,
    at_risk_evidence,
    noticed_for,
    re_engagement_due,
    re_engagement_text,
)
from domain.health import Colour, HealthInputs, Side, Topic, health, next_health_change
from domain.pauses import Pause

PAIRED = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def at(days: float) -> datetime:
    return PAIRED + timedelta(days=days)


def test_a_re_engagement_goes_on_turning_amber_at_most_once_in_30_days():
    assert re_engagement_due("amber", "green", None, at(28), 30)
    assert re_engagement_due("amber", None, None, at(28), 30)
    # Amber, green, amber again within 30 days of the last one: none.
    assert not re_engagement_due("amber", "green", at(28), at(40), 30)
    assert re_engagement_due("amber", "green", at(28), at(58), 30)
    # Not for green or red, nor coming down from red (the coordinators are on it).
    assert not re_engagement_due("green", "amber", None, at(28), 30)
    assert not re_engagement_due("red", "amber", None, at(28), 30)
    assert not re_engagement_due("amber", "red", None, at(28), 30)


def test_pair_at_risk_waits_for_other_escalations_and_is_not_raised_twice_for_one_red_spell():
    late = [Topic.NO_SESSION, Topic.MISSED_MONTHS]
    assert at_risk_due("red", at(60), late, 0, [])
    assert not at_risk_due("amber", at(60), [], 0, [])
    assert not at_risk_due("red", at(60), late, 1, [])  # the coordinators are already on it
    # Resolved while still red: not again until the pair turns red anew.
    resolved = [("pair_at_risk", at(70))]
    assert not at_risk_due("red", at(60), late, 0, resolved)
    assert at_risk_due("red", at(80), late, 0, resolved)
    # Another escalation resolved during the red spell: raised if a red concern is left that
    # it did not deal with; not if it dealt with all of them.
    assert at_risk_due("red", at(60), late, 0, [("no_recent_session", at(65))])
    assert not at_risk_due(
        "red", at(60), late, 0, [("no_recent_session", at(65)), ("missed_months", at(66))]
    )
    help_asked = [Topic.NEEDS_HELP]
    assert not at_risk_due("red", at(60), help_asked, 0, [("needs_help", at(61))])
    # Resolved before the pair turned red: that was about something else.
    assert at_risk_due("red", at(60), help_asked, 0, [("needs_help", at(50))])
    assert at_risk_evidence(["0 of 2 sessions held", "no session in months 1 and 2"]) == (
        "The pair's health turned red: 0 of 2 sessions held; no session in months 1 and 2"
    )


def test_each_reader_is_told_about_the_pair_and_themselves_never_about_the_other():
    inputs = HealthInputs(
        paired_at=PAIRED,
        trainee=Side("trainee", last_answered_at=at(29), check_in="not_really"),
        mentor=Side("mentor", last_answered_at=None, unanswered_nudges=2),
    )
    result = health(inputs, at(36))
    assert result.colour == Colour.AMBER
    assert noticed_for(result.concerns, "trainee") == [
        "you haven't had your first session yet",
        "you said at your last check-in that it isn't really running smoothly",
    ]
    assert noticed_for(result.concerns, "mentor") == [
        "you haven't had your first session yet",
        "a few of my questions to you are still waiting for an answer",
        "I haven't heard from you for a little while",
    ]
    text = re_engagement_text("mentor", "Sam Taylor", noticed_for(result.concerns, "mentor"))
    assert text.startswith(
        "I noticed that you haven't had your first session yet, a few of my questions to you "
        "are still waiting for an answer and I haven't heard from you for a little while."
    )
    assert "your mentee, Sam Taylor, is the easiest way" in text
    assert "smoothly" not in text
    assert re_engagement_text("trainee", "Adele Vance", []).startswith(
        "Things have gone a little quiet in your mentoring."
    )


def test_a_paused_person_is_not_silent_and_a_pause_does_not_make_the_session_late():
    quiet = HealthInputs(
        paired_at=PAIRED,
        trainee=Side("trainee", last_answered_at=at(1)),
        mentor=Side("mentor", last_answered_at=at(29)),
    )
    assert "the trainee has not answered the bot for over 28 days" in health(quiet, at(29)).reasons
    away = Pause(at(2), at(20))
    paused = HealthInputs(
        paired_at=PAIRED,
        trainee=Side("trainee", last_answered_at=at(1), pauses=(away,)),
        mentor=Side("mentor", last_answered_at=at(29)),
    )
    assert health(paused, at(29)).colour == Colour.GREEN
    # The silence threshold comes 18 days later, when the trainee's unpaused time reaches 28.
    assert next_health_change(paused, at(40)) == at(47)
    assert "the trainee has not answered the bot for over 28 days" in health(paused, at(47)).reasons
    assert not [r for r in health(paused, at(46)).reasons if "trainee" in r]
    # Days since pairing without a session: the pause does not count either (35 + 18).
    assert not [r for r in health(paused, at(52)).reasons if "over 35 days" in r]
    assert [r for r in health(paused, at(53)).reasons if "over 35 days" in r]
