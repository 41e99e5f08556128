"""When a proactive message may reach a person: their working hours and their local day.

The seam between the delivery half of the nudge engine (sweep, dispatcher) and the pure rules
in `domain/working_hours.py`: 09:00–17:00 Monday to Friday in the person's own zone by
default, at most one routine nudge per person per local day.
"""

from __future__ import annotations

from datetime import datetime

from bot.settings import Settings
from domain import working_hours
from domain.working_hours import DEFAULT_HOURS, WorkingHours, local_day_bounds

__all__ = [
    "is_working_time",
    "local_day_bounds",
    "next_allowed_day",
    "next_allowed_time",
    "working_hours_of",
]


def working_hours_of(settings: Settings) -> WorkingHours:
    """The configured working day and holidays (the same for everyone; zones differ)."""
    return WorkingHours(
        start=settings.workday_start,
        end=settings.workday_end,
        holidays=frozenset(settings.holidays),
    )


def is_working_time(at: datetime, tz_name: str | None, hours: WorkingHours = DEFAULT_HOURS):
    return working_hours.is_working_time(at, tz_name, hours)


def next_allowed_time(
    at: datetime, tz_name: str | None, hours: WorkingHours = DEFAULT_HOURS
) -> datetime:
    """`at` itself if it falls in working hours, else the start of the next working period."""
    return working_hours.next_working_time(at, tz_name, hours)


def next_allowed_day(
    at: datetime, tz_name: str | None, hours: WorkingHours = DEFAULT_HOURS
) -> datetime:
    """The first allowed time on a local day after the one `at` falls on."""
    _start, end = local_day_bounds(at, tz_name)
    return next_allowed_time(end, tz_name, hours)
