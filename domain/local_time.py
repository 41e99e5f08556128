"""Showing UTC instants in a person's own zone, and reading dates people type."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

FALLBACK_ZONE = "Europe/London"
_DATE_FORMATS = ("%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%d/%m/%Y", "%d-%m-%Y")


def zone(tz_name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(tz_name or FALLBACK_ZONE)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long
        return ZoneInfo(FALLBACK_ZONE)


def format_local_date(at: datetime, tz_name: str | None) -> str:
    local = at.astimezone(zone(tz_name))
    return f"{local.day} {local:%B %Y}"


def format_day(day: date) -> str:
    """A calendar date as people read it: 3 December 2026."""
    return f"{day.day} {day:%B %Y}"


def format_local_datetime(at: datetime, tz_name: str | None) -> str:
    local = at.astimezone(zone(tz_name))
    return f"{local.day} {local:%B %Y, %H:%M}"


def parse_date(text: str) -> date | None:
    """A date typed as 2027-01-15, 15 January 2027, 15 Jan 2027 or 15/01/2027 (UK order)."""
    cleaned = " ".join(text.strip().split())
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt).date()
        except ValueError:
            continue
    return None


def end_of_local_day(day: date, tz_name: str | None) -> datetime:
    """The first instant after `day` in the zone, in UTC (a window closing "on" that day)."""
    local_midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone(tz_name))
    return local_midnight.astimezone(UTC)


def start_of_local_day(day: date, tz_name: str | None) -> datetime:
    """The first instant of `day` in the zone, in UTC (something that happens "on" that day)."""
    return end_of_local_day(day - timedelta(days=1), tz_name)


def format_closing_date(at: datetime, tz_name: str | None) -> str:
    """The last day something is open, for an instant it closes at (midnight → the day before)."""
    return format_local_date(at - timedelta(microseconds=1), tz_name)


def format_local_span(start: datetime, end: datetime, tz_name: str | None) -> str:
    """A meeting's time as the person's clock shows it: "Tue 24 Nov, 14:00–16:00"."""
    local, until = start.astimezone(zone(tz_name)), end.astimezone(zone(tz_name))
    return f"{local:%a} {local.day} {local:%b, %H:%M}–{until:%H:%M}"


def format_local_long_span(start: datetime, end: datetime, tz_name: str | None) -> str:
    """A meeting's time in full: "Tuesday 24 November 2026, 14:00–16:00"."""
    local, until = start.astimezone(zone(tz_name)), end.astimezone(zone(tz_name))
    return f"{local:%A} {local.day} {local:%B %Y, %H:%M}–{until:%H:%M}"


def format_local_start(at: datetime, tz_name: str | None) -> str:
    """When something starts, short: "Tue 24 Nov at 14:00"."""
    local = at.astimezone(zone(tz_name))
    return f"{local:%a} {local.day} {local:%b at %H:%M}"
