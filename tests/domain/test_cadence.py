from datetime import UTC, date, datetime

import pytest

from domain.cadence import (
    ItemKind,
    PlannedItem,
    add_months,
    end_items,
    log_request_due,
    month_bounds,
    months_completed_by,
    programme_end,
    programme_month,
    schedule,
    session_reminder_due,
    sessions_planned_by,
)
from domain.working_hours import WorkingHours

B, C = ItemKind.BOOK_SESSION, ItemKind.CHECK_IN
LONDON = "Europe/London"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def as_tuples(items: list[PlannedItem]) -> list[tuple]:
    return [(item.kind, item.due, item.period) for item in items]


@pytest.mark.parametrize(
    ("at", "months", "expected"),
    [
        (utc(2024, 1, 31, 10), 1, utc(2024, 2, 29, 10)),  # leap year
        (utc(2023, 1, 31, 10), 1, utc(2023, 2, 28, 10)),
        (utc(2024, 1, 31, 10), 2, utc(2024, 3, 31, 10)),  # from the original day, not 29th
        (utc(2024, 12, 15, 8), 1, utc(2025, 1, 15, 8)),
        (utc(2024, 3, 31), -1, utc(2024, 2, 29)),
        (utc(2024, 8, 31), 6, utc(2025, 2, 28)),
        (utc(2024, 5, 5), 0, utc(2024, 5, 5)),
    ],
)
def test_add_months_clamps_the_day(at, months, expected):
    assert add_months(at, months) == expected


def test_six_month_schedule_from_the_31st():
    paired = utc(2024, 1, 31, 10, 0)
    assert as_tuples(schedule(paired)) == [
        (B, utc(2024, 1, 31, 10), "month-1"),
        (C, utc(2024, 2, 14, 10), "week-2"),
        (C, utc(2024, 2, 28, 10), "week-4"),
        (B, utc(2024, 2, 29, 10), "month-2"),
        (C, utc(2024, 3, 13, 10), "week-6"),
        (B, utc(2024, 3, 31, 10), "month-3"),
        (B, utc(2024, 4, 30, 10), "month-4"),
        (B, utc(2024, 5, 31, 10), "month-5"),
        (B, utc(2024, 6, 30, 10), "month-6"),
    ]
    assert programme_end(paired) == utc(2024, 7, 31, 10)


def test_schedule_items_carry_month_and_week_numbers():
    items = schedule(utc(2024, 1, 31, 10, 0))
    assert [i.month for i in items if i.kind == B] == [1, 2, 3, 4, 5, 6]
    assert [i.week for i in items if i.kind == C] == [2, 4, 6]
    assert all(i.week is None for i in items if i.kind == B)


def test_twelve_month_schedule():
    paired = utc(2024, 8, 31, 9, 15)
    book = [(i.due, i.period) for i in schedule(paired, 12) if i.kind == B]
    assert book == [
        (utc(2024, 8, 31, 9, 15), "month-1"),
        (utc(2024, 9, 30, 9, 15), "month-2"),
        (utc(2024, 10, 31, 9, 15), "month-3"),
        (utc(2024, 11, 30, 9, 15), "month-4"),
        (utc(2024, 12, 31, 9, 15), "month-5"),
        (utc(2025, 1, 31, 9, 15), "month-6"),
        (utc(2025, 2, 28, 9, 15), "month-7"),
        (utc(2025, 3, 31, 9, 15), "month-8"),
        (utc(2025, 4, 30, 9, 15), "month-9"),
        (utc(2025, 5, 31, 9, 15), "month-10"),
        (utc(2025, 6, 30, 9, 15), "month-11"),
        (utc(2025, 7, 31, 9, 15), "month-12"),
    ]
    checks = [(i.due, i.period) for i in schedule(paired, 12) if i.kind == C]
    assert checks == [
        (utc(2024, 9, 14, 9, 15), "week-2"),
        (utc(2024, 9, 28, 9, 15), "week-4"),
        (utc(2024, 10, 12, 9, 15), "week-6"),
    ]
    assert programme_end(paired, 12) == utc(2025, 8, 31, 9, 15)


def test_schedule_is_in_due_order_and_check_ins_use_exact_weeks():
    paired = utc(2025, 3, 15, 9, 30)
    items = schedule(paired, 12)
    assert [i.due for i in items] == sorted(i.due for i in items)
    assert len(items) == 15
    assert [i.due for i in items if i.kind == C] == [
        utc(2025, 3, 29, 9, 30),
        utc(2025, 4, 12, 9, 30),
        utc(2025, 4, 26, 9, 30),
    ]


@pytest.mark.parametrize("length", [0, 3, 7, 11, 13, 24])
def test_only_six_or_twelve_months(length):
    with pytest.raises(ValueError, match="6 or 12"):
        schedule(utc(2024, 1, 1), length)
    with pytest.raises(ValueError):
        sessions_planned_by(utc(2024, 1, 1), utc(2024, 3, 1), length)


def test_schedule_refuses_naive_pairing_time():
    with pytest.raises(ValueError, match="naive"):
        schedule(datetime(2024, 1, 1, 10, 0))


def test_sessions_planned_by():
    paired = utc(2024, 1, 31, 10, 0)
    assert sessions_planned_by(paired, utc(2024, 1, 31, 9, 59)) == 0
    assert sessions_planned_by(paired, paired) == 1
    assert sessions_planned_by(paired, utc(2024, 2, 29, 9, 59)) == 1
    assert sessions_planned_by(paired, utc(2024, 2, 29, 10, 0)) == 2
    assert sessions_planned_by(paired, utc(2024, 4, 1)) == 3
    assert sessions_planned_by(paired, utc(2024, 6, 30, 10)) == 6
    assert sessions_planned_by(paired, utc(2030, 1, 1)) == 6
    assert sessions_planned_by(paired, utc(2030, 1, 1), 12) == 12


def test_programme_month_and_months_completed():
    paired = utc(2024, 1, 31, 10, 0)
    assert programme_month(paired, utc(2024, 1, 1)) is None
    assert programme_month(paired, paired) == 1
    assert programme_month(paired, utc(2024, 3, 31, 9, 59)) == 2
    assert programme_month(paired, utc(2024, 7, 31, 9, 59)) == 6
    assert programme_month(paired, utc(2024, 7, 31, 10, 0)) is None
    assert months_completed_by(paired, utc(2024, 2, 29, 9, 59)) == 0
    assert months_completed_by(paired, utc(2024, 2, 29, 10, 0)) == 1
    assert months_completed_by(paired, utc(2025, 1, 1)) == 6
    assert month_bounds(paired, 2) == (utc(2024, 2, 29, 10), utc(2024, 3, 31, 10))


def test_end_survey_and_follow_ups():
    items = end_items(utc(2024, 1, 31, 10, 0))
    assert [(i.kind, i.due, i.period) for i in items] == [
        (ItemKind.END_SURVEY, utc(2024, 7, 31, 10), "end"),
        (ItemKind.FOLLOW_UP, utc(2024, 10, 31, 10), "follow-up-3"),
        (ItemKind.FOLLOW_UP, utc(2025, 1, 31, 10), "follow-up-6"),
        (ItemKind.FOLLOW_UP, utc(2025, 7, 31, 10), "follow-up-12"),
    ]


# --- session reminders --------------------------------------------------------------------------


def test_reminder_is_the_start_of_the_previous_working_day():
    # Session Wednesday 10 July 14:00 BST -> Tuesday 9 July 09:00 BST.
    assert session_reminder_due(utc(2024, 7, 10, 13, 0), LONDON) == utc(2024, 7, 9, 8, 0)


def test_reminder_for_a_monday_session_is_on_friday_across_a_clock_change():
    # Session Monday 1 April 2024 11:00 BST -> Friday 29 March 09:00 GMT (09:00 UTC).
    assert session_reminder_due(utc(2024, 4, 1, 10, 0), LONDON) == utc(2024, 3, 29, 9, 0)


def test_reminder_skips_holidays():
    easter = WorkingHours(holidays=frozenset({date(2024, 3, 29), date(2024, 4, 1)}))
    # Session Tuesday 2 April -> Thursday 28 March 09:00 GMT.
    assert session_reminder_due(utc(2024, 4, 2, 10, 0), LONDON, easter) == utc(2024, 3, 28, 9)


def test_reminder_uses_the_local_date_of_the_session():
    # 23:30 UTC on Tuesday 9 July is Wednesday 10 July 08:30 in Tokyo: remind on Tuesday
    # 9 July 09:00 JST, which is 00:00 UTC.
    assert session_reminder_due(utc(2024, 7, 9, 23, 30), "Asia/Tokyo") == utc(2024, 7, 9, 0, 0)
    # New York: Monday 11 March 2024 11:00 EDT -> Friday 8 March 09:00 EST (14:00 UTC).
    assert session_reminder_due(utc(2024, 3, 11, 15, 0), "America/New_York") == utc(2024, 3, 8, 14)


def test_reminder_with_unknown_zone_uses_the_default():
    at = utc(2024, 7, 10, 13, 0)
    assert session_reminder_due(at, "Not/AZone") == utc(2024, 7, 9, 8, 0)
    assert session_reminder_due(at, None, default_zone="America/New_York") == utc(2024, 7, 9, 13)


# --- log requests -------------------------------------------------------------------------------


def test_log_request_after_the_booked_session():
    paired = utc(2024, 1, 31, 10, 0)
    assert log_request_due(paired, 2, utc(2024, 2, 20, 14, 0)) == utc(2024, 2, 20, 16, 0)


def test_log_request_at_the_month_end_when_nothing_was_booked():
    paired = utc(2024, 1, 31, 10, 0)
    assert log_request_due(paired, 2) == utc(2024, 3, 31, 10, 0)
    assert log_request_due(paired, 6) == utc(2024, 7, 31, 10, 0)
    assert log_request_due(paired, 12, length_months=12) == utc(2025, 1, 31, 10, 0)


def test_log_request_month_must_be_in_the_programme():
    with pytest.raises(ValueError):
        log_request_due(utc(2024, 1, 31), 7)
    with pytest.raises(ValueError):
        log_request_due(utc(2024, 1, 31), 0)
