from datetime import UTC, datetime

from domain.month_states import MonthFacts, MonthState, month_states

# Programme months start on the 6th of January..June 2025.
PAIRED = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
H, V, B, M, D, U, E = (
    MonthState.HELD,
    MonthState.VERIFIED,
    MonthState.BOOKED,
    MonthState.MISSED,
    MonthState.DUE,
    MonthState.UPCOMING,
    MonthState.ENDED,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_held_months_past_months_without_one_missed_the_rest_to_come():
    facts = {1: MonthFacts(held=True), 3: MonthFacts(held=True)}
    # 20 March: month 3 is under way and already held.
    assert month_states(PAIRED, 6, utc(2025, 3, 20), facts) == [H, M, H, U, U, U]


def test_the_month_under_way_is_booked_or_due():
    now = utc(2025, 2, 10)
    assert month_states(PAIRED, 6, now, {2: MonthFacts(booked=True)})[:3] == [M, B, U]
    assert month_states(PAIRED, 6, now, {})[:3] == [M, D, U]


def test_a_booked_month_that_ended_without_a_session_is_missed():
    assert month_states(PAIRED, 6, utc(2025, 3, 7), {2: MonthFacts(booked=True)})[1] == M


def test_verified_wins_over_held():
    assert month_states(PAIRED, 2, utc(2025, 3, 7), {1: MonthFacts(held=True, verified=True)}) == [
        V,
        M,
    ]


def test_months_after_an_early_end_belong_to_no_one():
    ended = utc(2025, 2, 20)  # during month 2
    states = month_states(PAIRED, 6, utc(2025, 5, 1), {1: MonthFacts(held=True)}, ended)
    assert states == [H, E, E, E, E, E]
    # A session held in the month it ended still counts.
    states = month_states(PAIRED, 6, utc(2025, 5, 1), {2: MonthFacts(held=True)}, ended)
    assert states == [M, H, E, E, E, E]


def test_a_completed_programme_has_no_month_to_come():
    end = utc(2025, 7, 6, 9)
    held = {m: MonthFacts(held=True) for m in (1, 2)}
    states = month_states(PAIRED, 6, utc(2025, 8, 1), held, end)
    assert states == [H, H, M, M, M, M]


def test_month_boundaries_are_exact():
    start_of_month_2 = utc(2025, 2, 6, 9)
    assert month_states(PAIRED, 2, start_of_month_2, {}) == [M, D]
    assert month_states(PAIRED, 2, utc(2025, 2, 6, 8, 59), {}) == [D, U]
