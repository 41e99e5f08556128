"""When a proactive message may reach a person: their working hours and their local day.

The etiquette (DESIGN.md, "Nudge etiquette"): proactive messages only in the recipient's
working hours, 09:00–17:00 Monday to Friday in their own time zone by default, and at most one
routine nudge per person per local day.

This is the seam between the delivery half of the nudge engine (sweep, dispatcher) and the
pure rules. `domain/working_hours.py` and `domain/nudge_policy.py` are being written
separately; until they exist these three functions implement the default above, and once they
do, these functions should delegate to them so that the sweep and dispatcher need no change.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from domain.local_time import zone

WORK_STARTS = time(9, 0)
WORK_ENDS = time(17, 0)
WORK_DAYS = frozenset({0, 1, 2, 3, 4})  # Monday..Friday
_SEARCH_DAYS = 366


def _local(at: datetime, tz_name: str | None) -> datetime:
    if at.tzinfo is None:
        raise ValueError("naive datetime: give an aware datetime")
    return at.astimezone(zone(tz_name))


def _at_local(day: date, clock: time, tz_name: str | None) -> datetime:
    return datetime.combine(day, clock, tzinfo=zone(tz_name)).astimezone(UTC)


def is_working_time(at: datetime, tz_name: str | None) -> bool:
    local = _local(at, tz_name)
    return local.weekday() in WORK_DAYS and WORK_STARTS <= local.time() < WORK_ENDS


def next_allowed_time(at: datetime, tz_name: str | None) -> datetime:
    """`at` itself if it falls in working hours, else the start of the next working period."""
    if is_working_time(at, tz_name):
        return at.astimezone(UTC)
    local = _local(at, tz_name)
    day = local.date()
    if local.weekday() in WORK_DAYS and local.time() < WORK_STARTS:
        return _at_local(day, WORK_STARTS, tz_name)
    for _ in range(_SEARCH_DAYS):
        day += timedelta(days=1)
        if day.weekday() in WORK_DAYS:
            return _at_local(day, WORK_STARTS, tz_name)
    raise ValueError("no working day within a year")  # pragma: no cover - WORK_DAYS not empty


def local_day_bounds(at: datetime, tz_name: str | None) -> tuple[datetime, datetime]:
    """The person's local calendar day around `at`, as [start, end) in UTC."""
    day = _local(at, tz_name).date()
    return _at_local(day, time(0), tz_name), _at_local(day + timedelta(days=1), time(0), tz_name)


def next_allowed_day(at: datetime, tz_name: str | None) -> datetime:
    """The first allowed time on a local day after the one `at` falls on."""
    _start, end = local_day_bounds(at, tz_name)
    return next_allowed_time(end, tz_name)
