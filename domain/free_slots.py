"""Times a pair could meet: free for both, inside both people's working hours.

Given both people's busy times (from their calendars), each person's zone and working hours,
the programme's holidays and the pair's sessions already booked, `propose_slots` returns up to
`count` proposals within the horizon, earliest first:

- each lies inside both people's working hours, on a local working day of each, and on no
  holiday (the programme's or either person's own);
- each is free for both: it overlaps nothing busy and no booking of the pair;
- at most one a day, the day being the organiser's (the first person's) local day, and none on
  a day on which the pair already has a session booked, so the proposals fall on different days;
- none starts before `now` rounded up to the next quarter hour; starts are on quarter hours;
- each ends within the horizon (`now` + 14 days by default).

Every instant is aware; what comes back is in UTC. Intervals are half-open: a session may start
the minute a meeting ends.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.working_hours import (
    DEFAULT_HOURS,
    DEFAULT_ZONE,
    WorkingHours,
    local_instants,
    resolve_zone,
    to_utc,
)

QUARTER_HOUR = timedelta(minutes=15)
DEFAULT_HORIZON = timedelta(days=14)
DEFAULT_SESSION_MINUTES = 120
SESSION_MINUTES = frozenset({60, DEFAULT_SESSION_MINUTES})
DEFAULT_PROPOSALS = 3


@dataclass(frozen=True, order=True)
class Interval:
    """[start, end) in UTC."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", to_utc(self.start))
        object.__setattr__(self, "end", to_utc(self.end))
        if not self.start < self.end:
            raise ValueError(f"an interval must start before it ends ({self.start}–{self.end})")

    def overlaps(self, other: Interval) -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class Availability:
    """One person as far as finding a time goes: where they are, when they work, when busy."""

    time_zone: str | None
    hours: WorkingHours = DEFAULT_HOURS
    busy: Sequence[Interval] = ()


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """The intervals sorted, with overlapping and touching ones joined."""
    merged: list[Interval] = []
    for interval in sorted(intervals):
        if merged and interval.start <= merged[-1].end:
            if interval.end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, interval.end)
        else:
            merged.append(interval)
    return merged


def _ceil_quarter(at: datetime) -> datetime:
    """`at` rounded up to a quarter hour (quarter hours are the same in every zone's clock:
    every offset in use is a whole number of quarter hours)."""
    at = to_utc(at)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    quarters = -((epoch - at) // QUARTER_HOUR)  # ceiling division
    return epoch + quarters * QUARTER_HOUR


def _working_window(day: date, zone: ZoneInfo, hours: WorkingHours) -> Interval | None:
    """The working hours of local `day` in UTC, or None on a day off. On the day the clocks go
    back through the end of the day's hours, the window closes at the first such instant."""
    if not hours.is_working_day(day):
        return None
    start = local_instants(day, hours.start, zone)[0]
    end = local_instants(day, hours.end, zone)[0]
    return Interval(start, end) if start < end else None


def _shared_windows(window: Interval, zone: ZoneInfo, hours: WorkingHours) -> list[Interval]:
    """Where `window` meets the other person's working hours (their local days around it)."""
    first = window.start.astimezone(zone).date()
    last = (window.end - timedelta(microseconds=1)).astimezone(zone).date()
    shared = []
    day = first - timedelta(days=1)
    while day <= last + timedelta(days=1):
        theirs = _working_window(day, zone, hours)
        if theirs is not None and theirs.overlaps(window):
            shared.append(Interval(max(theirs.start, window.start), min(theirs.end, window.end)))
        day += timedelta(days=1)
    return shared


def _first_free(
    window: Interval, blocked: Sequence[Interval], length: timedelta
) -> Interval | None:
    """The earliest quarter-hour start in `window` with `length` free of `blocked` (merged)."""
    start = _ceil_quarter(window.start)
    for busy in blocked:
        if busy.end <= start:
            continue
        if busy.start >= start + length:
            break
        start = _ceil_quarter(busy.end)
    if start + length <= window.end:
        return Interval(start, start + length)
    return None


def propose_slots(
    organiser: Availability,
    other: Availability,
    *,
    now: datetime,
    holidays: Collection[date] = (),
    booked: Sequence[Interval] = (),
    horizon: timedelta = DEFAULT_HORIZON,
    minutes: int = DEFAULT_SESSION_MINUTES,
    count: int = DEFAULT_PROPOSALS,
    default_zone: str = DEFAULT_ZONE,
) -> list[Interval]:
    """Up to `count` session times for the pair, earliest first (see the module docstring).

    `booked` is the pair's sessions already in the calendar; `holidays` the programme's.
    `minutes` is the session's length: 120, or 60 for a pair that prefers shorter sessions.
    """
    if minutes not in SESSION_MINUTES:
        raise ValueError(f"a session is {sorted(SESSION_MINUTES)} minutes long, not {minutes}")
    if count < 0:
        raise ValueError("count must be zero or more")
    if horizon <= timedelta(0):
        return []
    length = timedelta(minutes=minutes)
    earliest = _ceil_quarter(now)
    latest = to_utc(now) + horizon
    off = frozenset(holidays)
    organiser_zone = resolve_zone(organiser.time_zone, default_zone)
    organiser_hours = replace(organiser.hours, holidays=organiser.hours.holidays | off)
    other_zone = resolve_zone(other.time_zone, default_zone)
    other_hours = replace(other.hours, holidays=other.hours.holidays | off)
    blocked = merge([*organiser.busy, *other.busy, *booked])
    booked_days = {b.start.astimezone(organiser_zone).date() for b in booked}

    proposals: list[Interval] = []
    day = earliest.astimezone(organiser_zone).date()
    last_day = latest.astimezone(organiser_zone).date()
    while day <= last_day and len(proposals) < count:
        window = _working_window(day, organiser_zone, organiser_hours)
        if window is not None and day not in booked_days:
            for shared in _shared_windows(window, other_zone, other_hours):
                start, end = max(shared.start, earliest), min(shared.end, latest)
                if start >= end:
                    continue
                slot = _first_free(Interval(start, end), blocked, length)
                if slot is not None:
                    proposals.append(slot)
                    break
        day += timedelta(days=1)
    return proposals
