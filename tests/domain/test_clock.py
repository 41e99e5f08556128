from datetime import UTC, datetime, timedelta, timezone

import pytest

from domain.clock import Clock, FixedClock, SystemClock


def test_system_clock_is_aware_utc():
    now = SystemClock().now()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)


def test_fixed_clock_stays_put_until_moved():
    at = datetime(2024, 7, 1, 9, 0, tzinfo=UTC)
    clock = FixedClock(at)
    assert clock.now() == at and clock.now() == at
    clock.advance(timedelta(hours=2))
    assert clock.now() == datetime(2024, 7, 1, 11, 0, tzinfo=UTC)
    clock.set(datetime(2025, 1, 1, tzinfo=UTC))
    assert clock.now() == datetime(2025, 1, 1, tzinfo=UTC)


def test_fixed_clock_converts_to_utc():
    clock = FixedClock(datetime(2024, 7, 1, 10, 0, tzinfo=timezone(timedelta(hours=1))))
    assert clock.now() == datetime(2024, 7, 1, 9, 0, tzinfo=UTC)
    assert clock.now().utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        FixedClock(datetime(2024, 7, 1, 9, 0))
    clock = FixedClock(datetime(2024, 7, 1, 9, 0, tzinfo=UTC))
    with pytest.raises(ValueError):
        clock.set(datetime(2024, 7, 1, 9, 0))


def test_both_clocks_satisfy_the_protocol():
    clocks: list[Clock] = [SystemClock(), FixedClock(datetime(2024, 1, 1, tzinfo=UTC))]
    assert all(isinstance(c.now(), datetime) for c in clocks)
