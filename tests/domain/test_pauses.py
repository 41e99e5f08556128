from datetime import UTC, datetime, timedelta

from domain.pauses import Pause, is_paused, unpaused_days, unpaused_time, when_unpaused


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_paused_time_is_left_out_once_even_when_pauses_overlap():
    pauses = (Pause(utc(2026, 1, 5), utc(2026, 1, 15)), Pause(utc(2026, 1, 10), utc(2026, 1, 20)))
    assert unpaused_days(utc(2026, 1, 1), utc(2026, 1, 31), pauses) == 30 - 15
    # Only the part of a pause inside the span counts.
    assert unpaused_time(utc(2026, 1, 18), utc(2026, 1, 22), pauses) == timedelta(days=2)
    assert unpaused_days(utc(2026, 1, 1), utc(2026, 1, 31), ()) == 30


def test_a_pause_still_running_counts_up_to_now():
    pauses = (Pause(utc(2026, 1, 10), utc(2026, 2, 10)),)
    assert unpaused_days(utc(2026, 1, 1), utc(2026, 1, 20), pauses) == 9


def test_a_threshold_moves_later_by_the_paused_time():
    start = utc(2026, 1, 1)
    assert when_unpaused(start, timedelta(days=28), ()) == utc(2026, 1, 29)
    pauses = (Pause(utc(2026, 1, 10), utc(2026, 1, 17)), Pause(utc(2025, 12, 1), utc(2025, 12, 5)))
    assert when_unpaused(start, timedelta(days=28), pauses) == utc(2026, 2, 5)
    # A pause that began before the start: counting begins when it ends.
    pauses = (Pause(utc(2025, 12, 28), utc(2026, 1, 3)),)
    assert when_unpaused(start, timedelta(days=28), pauses) == utc(2026, 1, 31)


def test_someone_is_paused_until_the_moment_their_pause_ends():
    until = datetime(2027, 1, 4, 0, tzinfo=UTC)
    assert is_paused(until, until - timedelta(seconds=1))
    assert not is_paused(until, until)
    assert not is_paused(None, until)
