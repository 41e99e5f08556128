"""The "next change" of each rule set: between `now` and the moment it gives, the rules decide
exactly what they decide at `now` (checked by brute force over generated pairs)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from domain.cadence import add_months, next_change, nudge_windows, open_at
from domain.pauses import Pause
from domain.stall_rules import (
    CheckInAnswer,
    LoggedSession,
    PairingFacts,
    PersonEvent,
    StallSettings,
    next_stall_change,
    stall_causes,
)
from domain.surveys import (
    PairingFacts as SurveyFacts,
)
from domain.surveys import (
    load_definitions,
    next_round_change,
    reminder_due,
    rounds_of,
)

BASE = datetime(2026, 1, 31, 9, 0, tzinfo=UTC)  # month ends clamp from here
ZONES = ("Europe/London", "America/New_York")


@dataclass(frozen=True)
class Month:
    month: int
    booking: str | None = None
    booked_for: datetime | None = None
    logged_at: datetime | None = None
    booked_minutes: int | None = None
    event_id: str | None = None
    attendance: str | None = None
    trainee_answer: str | None = None
    mentor_answer: str | None = None


def _pair(rng: random.Random):
    paired_at = BASE + timedelta(minutes=rng.randrange(400 * 24 * 60))
    length = rng.choice((6, 12))
    months = []
    for k in range(1, length + 1):
        start = add_months(paired_at, k - 1)
        roll = rng.random()
        booked_for = start + timedelta(days=rng.uniform(0, 30), hours=rng.uniform(0, 10))
        minutes = rng.choice((None, 60, 120))
        event = rng.choice((None, "event-1"))
        if roll < 0.3:
            months.append(Month(k, "booked", booked_for, None, minutes, event))
        elif roll < 0.4:
            attendance = rng.choice(("verified", "absent", "declined", "unknown"))
            months.append(Month(k, "booked", booked_for, None, minutes, "event-1", attendance))
        elif roll < 0.5:
            logged = booked_for + timedelta(days=rng.uniform(0, 3))
            answers = [rng.choice(("met", "rescheduled", None)) for _who in (0, 1)]
            if answers == [None, None]:
                answers[rng.randrange(2)] = "met"
            months.append(Month(k, "booked", booked_for, logged, minutes, event, None, *answers))
        elif roll < 0.6:
            months.append(Month(k, "cant"))
    answered = {(rng.randrange(2), rng.choice((2, 4, 6))) for _ in range(rng.randrange(4))}
    return paired_at, length, months, answered


def _samples(now: datetime, until: datetime | None, rng: random.Random):
    """Times in [now, until): just before it, and spread over it."""
    end = until or now + timedelta(days=500)
    span = (end - now).total_seconds()
    times = [now, end - timedelta(microseconds=1)]
    times += [now + timedelta(seconds=rng.uniform(0, span)) for _ in range(12)]
    return [t for t in times if now <= t < end]


def test_nudges_open_at_now_stay_open_until_the_next_change():
    rng = random.Random(11)
    latest = {"check_in_latest": timedelta(days=14), "log_request_latest": timedelta(days=21)}
    checked = 0
    for _ in range(300):
        paired_at, length, months, answered = _pair(rng)
        now = paired_at + timedelta(days=rng.uniform(-5, 31 * length + 40))

        def opened(at, pair=(paired_at, length, months, answered)):
            windows = nudge_windows(*pair, ZONES, at, **latest)
            return [(w.kind, w.period, w.who) for w in open_at(windows, at)]

        windows = nudge_windows(paired_at, length, months, answered, ZONES, now, **latest)
        then = next_change(windows, now)
        assert then is None or then > now
        for at in _samples(now, then, rng):
            assert opened(at) == opened(now), (paired_at, now, at, then)
            checked += 1
    assert checked > 1000


def _stall_facts(rng: random.Random) -> tuple[PairingFacts, datetime]:
    paired_at, length, months, _answered = _pair(rng)
    sessions = tuple(
        LoggedSession(m.booked_for, m.month if rng.random() < 0.7 else None)
        for m in months
        if m.logged_at is not None
    )
    answers = tuple(
        CheckInAnswer(
            who,
            week,
            rng.choice(("yes", "yes", "not_really", "need_help")),
            paired_at + timedelta(weeks=week, days=rng.uniform(0, 5)),
        )
        for who in (1, 2)
        for week in (2, 4, 6)
        if rng.random() < 0.6
    )
    repairs = (PersonEvent(1, paired_at + timedelta(days=50)),) if rng.random() < 0.1 else ()
    pauses = tuple(
        Pause(start, start + timedelta(days=rng.uniform(1, 40)))
        for start in (
            paired_at + timedelta(days=rng.uniform(0, 31 * length))
            for _ in range(rng.choice((0, 0, 1, 2)))
        )
    )
    facts = PairingFacts(paired_at, length, sessions, answers, repairs, pauses=pauses)
    return facts, paired_at + timedelta(days=rng.uniform(-3, 31 * length + 40))


@pytest.mark.parametrize("no_session_days", [45, 30])
def test_stall_causes_stay_the_same_until_the_next_change(no_session_days):
    rng = random.Random(no_session_days)
    rules = StallSettings(no_session_days=no_session_days)
    for _ in range(300):
        facts, now = _stall_facts(rng)

        def causes(at, facts=facts):
            return [(s.cause, s.ref) for s in stall_causes(facts, at, rules)]

        then = next_stall_change(facts, now, rules)
        assert then is None or then > now
        for at in _samples(now, then, rng):
            assert causes(at) == causes(now), (facts, now, at, then)


def test_the_quiet_period_runs_out_exactly_at_a_next_change():
    facts = PairingFacts(BASE, 6)
    at = BASE + timedelta(days=10)
    while not stall_causes(facts, at):
        at = next_stall_change(facts, at)
    assert at == BASE + timedelta(days=45, microseconds=1)
    assert [s.cause.value for s in stall_causes(facts, at)] == ["no_recent_session"]


def test_survey_sendings_stay_the_same_until_the_next_change():
    rng = random.Random(5)
    surveys = load_definitions()
    for _ in range(200):
        paired_at, length, months, _answered = _pair(rng)
        facts = SurveyFacts(
            paired_at,
            length,
            {m.month: m.logged_at for m in months if m.logged_at is not None},
            training_ends_at=paired_at + timedelta(days=rng.uniform(0, 90)),
            promotion_support=rng.random() < 0.3,
            assessment_ends_at=paired_at + timedelta(days=rng.uniform(150, 250)),
            results_at=paired_at + timedelta(days=rng.uniform(200, 300)),
        )
        now = paired_at + timedelta(days=rng.uniform(0, 31 * length + 500))

        def sendings(at, facts=facts):
            return [
                (survey.id, round_.name, reminder_due(survey, round_, at))
                for survey in surveys.values()
                for round_ in rounds_of(survey, facts)
            ]

        then = next_round_change(surveys.values(), facts, now)
        assert then is None or then > now
        for at in _samples(now, then, rng):
            assert sendings(at) == sendings(now), (facts, now, at, then)
