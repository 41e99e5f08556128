from datetime import UTC, date, datetime, time, timedelta

import pytest

from domain.working_hours import (
    MAX_SEARCH_DAYS,
    WorkingHours,
    add_working_days,
    is_working_time,
    local_day_bounds,
    local_instants,
    local_time_to_utc,
    next_working_day,
    next_working_time,
    previous_working_day,
    resolve_zone,
    start_of_working_day,
)

LONDON = "Europe/London"
NEW_YORK = "America/New_York"
EVERY_DAY = frozenset(range(7))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- is_working_time ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (utc(2024, 7, 1, 8, 0), True),  # summer Monday 09:00 BST
        (utc(2024, 7, 1, 7, 59), False),  # 08:59 BST
        (utc(2024, 7, 1, 15, 59), True),  # 16:59 BST
        (utc(2024, 7, 1, 16, 0), False),  # 17:00 BST: the end is exclusive
        (utc(2024, 1, 15, 9, 0), True),  # winter Monday 09:00 GMT
        (utc(2024, 1, 15, 8, 59), False),
        (utc(2024, 7, 6, 10, 0), False),  # Saturday
        (utc(2024, 7, 7, 10, 0), False),  # Sunday
    ],
)
def test_is_working_time_london(at, expected):
    assert is_working_time(at, LONDON) is expected


def test_is_working_time_in_other_zones():
    # Kolkata is UTC+05:30 all year: 09:00 IST is 03:30 UTC.
    assert is_working_time(utc(2024, 7, 1, 3, 30), "Asia/Kolkata")
    assert not is_working_time(utc(2024, 7, 1, 3, 29), "Asia/Kolkata")
    # New York summer: 09:00 EDT is 13:00 UTC; winter: 09:00 EST is 14:00 UTC.
    assert is_working_time(utc(2024, 7, 1, 13, 0), NEW_YORK)
    assert not is_working_time(utc(2024, 1, 15, 13, 30), NEW_YORK)
    assert is_working_time(utc(2024, 1, 15, 14, 0), NEW_YORK)


def test_accepts_any_aware_datetime_and_refuses_naive():
    bst = utc(2024, 7, 1, 8, 0).astimezone(resolve_zone(LONDON))
    assert is_working_time(bst, LONDON)
    with pytest.raises(ValueError, match="naive"):
        is_working_time(datetime(2024, 7, 1, 9, 0), LONDON)
    with pytest.raises(ValueError, match="naive"):
        next_working_time(datetime(2024, 7, 1, 9, 0), LONDON)


def test_holidays_are_not_working_days():
    hours = WorkingHours(holidays=frozenset({date(2024, 8, 26)}))  # August bank holiday
    assert not is_working_time(utc(2024, 8, 26, 10, 0), LONDON, hours)
    assert is_working_time(utc(2024, 8, 26, 10, 0), LONDON)  # not without the holiday


def test_custom_hours_and_days():
    hours = WorkingHours(start=time(7, 30), end=time(15, 30), weekdays=frozenset({1, 2, 3}))
    assert is_working_time(utc(2024, 1, 16, 7, 30), LONDON, hours)  # Tuesday 07:30 GMT
    assert not is_working_time(utc(2024, 1, 15, 10, 0), LONDON, hours)  # Monday
    assert not is_working_time(utc(2024, 1, 16, 15, 30), LONDON, hours)


# --- next_working_time --------------------------------------------------------------------------


def test_within_hours_is_returned_unchanged():
    at = utc(2024, 7, 1, 10, 15, 30)
    assert next_working_time(at, LONDON) == at


def test_friday_evening_moves_to_monday_across_clocks_going_forward():
    # Friday 29 March 2024 17:30 GMT; clocks go forward on Sunday 31 March;
    # Monday 1 April 09:00 BST is 08:00 UTC.
    assert next_working_time(utc(2024, 3, 29, 17, 30), LONDON) == utc(2024, 4, 1, 8, 0)


def test_friday_evening_moves_to_monday_across_clocks_going_back():
    # Friday 25 October 2024 17:30 BST (16:30 UTC); clocks go back on Sunday 27 October;
    # Monday 28 October 09:00 GMT is 09:00 UTC.
    assert next_working_time(utc(2024, 10, 25, 16, 30), LONDON) == utc(2024, 10, 28, 9, 0)


def test_early_morning_moves_to_the_start_of_the_same_day():
    assert next_working_time(utc(2024, 7, 2, 5, 0), LONDON) == utc(2024, 7, 2, 8, 0)


def test_weekend_moves_to_monday():
    assert next_working_time(utc(2024, 7, 6, 12, 0), LONDON) == utc(2024, 7, 8, 8, 0)


def test_bank_holiday_monday_is_skipped():
    hours = WorkingHours(holidays=frozenset({date(2024, 8, 26)}))
    # Friday 23 August 17:30 BST -> Tuesday 27 August 09:00 BST.
    assert next_working_time(utc(2024, 8, 23, 16, 30), LONDON, hours) == utc(2024, 8, 27, 8, 0)


def test_christmas_holidays_are_skipped():
    hours = WorkingHours(holidays=frozenset({date(2024, 12, 25), date(2024, 12, 26)}))
    assert next_working_time(utc(2024, 12, 24, 17, 0), LONDON, hours) == utc(2024, 12, 27, 9, 0)


def test_london_daylight_saving_sunday_with_a_seven_day_week():
    hours = WorkingHours(weekdays=EVERY_DAY)
    assert next_working_time(utc(2024, 3, 30, 0, 30), LONDON, hours) == utc(2024, 3, 30, 9, 0)
    assert next_working_time(utc(2024, 3, 31, 0, 30), LONDON, hours) == utc(2024, 3, 31, 8, 0)
    assert next_working_time(utc(2024, 10, 27, 0, 30), LONDON, hours) == utc(2024, 10, 27, 9, 0)


def test_new_york_on_the_day_clocks_go_forward():
    # Sunday 10 March 2024, 02:00 EST -> 03:00 EDT. Sunday is not a working day by default:
    # 01:30 EST (06:30 UTC) waits for Monday 09:00 EDT = 13:00 UTC.
    assert next_working_time(utc(2024, 3, 10, 6, 30), NEW_YORK) == utc(2024, 3, 11, 13, 0)
    # Friday 8 March 17:00 EST (22:00 UTC) -> Monday 13:00 UTC, one hour earlier in UTC
    # than the Friday start (14:00 UTC).
    assert next_working_time(utc(2024, 3, 8, 22, 0), NEW_YORK) == utc(2024, 3, 11, 13, 0)
    assert next_working_time(utc(2024, 3, 8, 12, 0), NEW_YORK) == utc(2024, 3, 8, 14, 0)
    # With Sunday as a working day, 09:00 EDT on the change day itself is 13:00 UTC.
    hours = WorkingHours(weekdays=EVERY_DAY)
    assert next_working_time(utc(2024, 3, 10, 5, 0), NEW_YORK, hours) == utc(2024, 3, 10, 13, 0)


def test_new_york_on_the_day_clocks_go_back():
    hours = WorkingHours(weekdays=EVERY_DAY)
    # Sunday 3 November 2024, 02:00 EDT -> 01:00 EST: 09:00 EST is 14:00 UTC.
    assert next_working_time(utc(2024, 11, 3, 4, 0), NEW_YORK, hours) == utc(2024, 11, 3, 14, 0)


def test_a_start_time_skipped_by_the_clocks_starts_when_they_change():
    # 02:30 does not exist in New York on 10 March 2024: clocks jump from 02:00 EST (07:00 UTC)
    # to 03:00 EDT. The first instant at or after 02:30 on the wall clock is 07:00 UTC.
    hours = WorkingHours(start=time(2, 30), end=time(10, 0), weekdays=EVERY_DAY)
    assert next_working_time(utc(2024, 3, 10, 6, 0), NEW_YORK, hours) == utc(2024, 3, 10, 7, 0)
    assert not is_working_time(utc(2024, 3, 10, 6, 59, 59), NEW_YORK, hours)
    assert local_instants(date(2024, 3, 10), time(2, 30), resolve_zone(NEW_YORK)) == [
        utc(2024, 3, 10, 7, 0)
    ]


def test_a_start_time_repeated_by_the_clocks_starts_at_its_first_occurrence():
    # 01:30 happens twice in New York on 3 November 2024: 05:30 UTC (EDT) and 06:30 UTC (EST).
    hours = WorkingHours(start=time(1, 30), end=time(10, 0), weekdays=EVERY_DAY)
    assert next_working_time(utc(2024, 11, 3, 4, 0), NEW_YORK, hours) == utc(2024, 11, 3, 5, 30)
    assert local_instants(date(2024, 11, 3), time(1, 30), resolve_zone(NEW_YORK)) == [
        utc(2024, 11, 3, 5, 30),
        utc(2024, 11, 3, 6, 30),
    ]


def test_sydney_local_date_differs_from_the_utc_date():
    # Friday 5 April 2024 18:00 AEDT (07:00 UTC); daylight saving ends on Sunday 7 April;
    # Monday 8 April 09:00 AEST is Sunday 7 April 23:00 UTC.
    assert next_working_time(utc(2024, 4, 5, 7, 0), "Australia/Sydney") == utc(2024, 4, 7, 23, 0)


def test_no_working_time_at_all_is_an_error_not_a_hang():
    start = date(2024, 1, 1)
    holidays = frozenset(start + timedelta(days=i) for i in range(MAX_SEARCH_DAYS + 7))
    with pytest.raises(ValueError, match="no working time"):
        next_working_time(utc(2024, 1, 1, 10, 0), LONDON, WorkingHours(holidays=holidays))


# --- time zones ---------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["Mars/Olympus_Mons", "", None, "../etc/passwd", "America", "utc"])
def test_unknown_zone_falls_back_to_the_default(bad):
    assert resolve_zone(bad).key == "Europe/London"
    assert resolve_zone(bad, "America/New_York").key == "America/New_York"
    # The fallback really is used: 13:00 UTC in January is 08:00 in New York.
    assert not is_working_time(utc(2024, 1, 15, 13, 0), bad, default_zone=NEW_YORK)
    assert is_working_time(utc(2024, 1, 15, 13, 0), bad)


def test_zone_names_are_trimmed_and_an_invalid_default_means_utc():
    assert resolve_zone("  Asia/Tokyo ").key == "Asia/Tokyo"
    assert resolve_zone("nowhere", "also/nowhere").key == "UTC"


def test_local_day_bounds_on_daylight_saving_days():
    start, end = local_day_bounds(utc(2024, 3, 31, 12, 0), LONDON)
    assert (start, end) == (utc(2024, 3, 31, 0, 0), utc(2024, 3, 31, 23, 0))  # 23 hours
    start, end = local_day_bounds(utc(2024, 10, 27, 12, 0), LONDON)
    assert (start, end) == (utc(2024, 10, 26, 23, 0), utc(2024, 10, 28, 0, 0))  # 25 hours
    # 20:00 UTC on 1 July is already 2 July in Tokyo.
    start, end = local_day_bounds(utc(2024, 7, 1, 20, 0), "Asia/Tokyo")
    assert (start, end) == (utc(2024, 7, 1, 15, 0), utc(2024, 7, 2, 15, 0))


def test_start_of_working_day_and_local_time_to_utc():
    assert start_of_working_day(date(2024, 7, 1), LONDON) == utc(2024, 7, 1, 8, 0)
    assert start_of_working_day(date(2024, 1, 15), NEW_YORK) == utc(2024, 1, 15, 14, 0)
    assert local_time_to_utc(date(2024, 7, 1), time(17, 0), "Asia/Tokyo") == utc(2024, 7, 1, 8, 0)


# --- working days -------------------------------------------------------------------------------


def test_next_and_previous_working_day():
    hours = WorkingHours(holidays=frozenset({date(2024, 3, 29), date(2024, 4, 1)}))  # Easter
    assert next_working_day(date(2024, 3, 28), hours) == date(2024, 4, 2)
    assert previous_working_day(date(2024, 4, 2), hours) == date(2024, 3, 28)
    assert next_working_day(date(2024, 7, 5)) == date(2024, 7, 8)
    assert previous_working_day(date(2024, 7, 8)) == date(2024, 7, 5)


def test_add_working_days_keeps_the_time_of_day():
    # Monday 1 July 15:00 BST + 2 working days = Wednesday 3 July 15:00 BST.
    assert add_working_days(utc(2024, 7, 1, 14, 0), 2, LONDON) == utc(2024, 7, 3, 14, 0)


def test_add_working_days_over_a_weekend_and_from_outside_hours():
    # Friday 5 July 19:00 BST counts from Monday 09:00: two working days is Wednesday 09:00.
    assert add_working_days(utc(2024, 7, 5, 18, 0), 2, LONDON) == utc(2024, 7, 10, 8, 0)
    # Thursday 4 July 11:00 BST + 2 = Monday 8 July 11:00 BST.
    assert add_working_days(utc(2024, 7, 4, 10, 0), 2, LONDON) == utc(2024, 7, 8, 10, 0)


def test_add_working_days_over_a_bank_holiday_and_a_clock_change():
    hours = WorkingHours(holidays=frozenset({date(2024, 8, 26)}))
    assert add_working_days(utc(2024, 8, 23, 9, 0), 2, LONDON, hours) == utc(2024, 8, 28, 9, 0)
    # Thursday 28 March 10:00 GMT + 2 = Monday 1 April 10:00 BST (09:00 UTC).
    assert add_working_days(utc(2024, 3, 28, 10, 0), 2, LONDON) == utc(2024, 4, 1, 9, 0)


def test_add_zero_working_days_is_the_next_working_time_and_negative_is_refused():
    assert add_working_days(utc(2024, 7, 6, 12, 0), 0, LONDON) == utc(2024, 7, 8, 8, 0)
    with pytest.raises(ValueError):
        add_working_days(utc(2024, 7, 1, 12, 0), -1, LONDON)


# --- settings validation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"start": time(17, 0), "end": time(9, 0)},
        {"start": time(9, 0), "end": time(9, 0)},
        {"weekdays": frozenset()},
        {"weekdays": frozenset({7})},
        {"start": time(9, 0, tzinfo=UTC)},
    ],
)
def test_invalid_working_hours_are_refused(kwargs):
    with pytest.raises(ValueError):
        WorkingHours(**kwargs)


def test_working_hours_defaults_and_plain_sets():
    hours = WorkingHours(weekdays={0, 1}, holidays={date(2024, 1, 1)})
    assert hours.weekdays == frozenset({0, 1}) and isinstance(hours.holidays, frozenset)
    default = WorkingHours()
    assert (default.start, default.end) == (time(9, 0), time(17, 0))
    assert default.weekdays == frozenset({0, 1, 2, 3, 4}) and default.holidays == frozenset()
