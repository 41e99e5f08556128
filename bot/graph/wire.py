"""Graph's wire formats: ids in URL paths, OData string literals, timestamps and the
`dateTimeTimeZone` of calendar items.

Outlook names time zones the Windows way ("GMT Standard Time"); the bot uses IANA names
("Europe/London"). The mapping is CLDR's, as shipped in tzlocal.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tzlocal.windows_tz import tz_win, win_tz

UTC_NAME = "UTC"


def path_segment(value: str) -> str:
    """An id as one URL path segment (event and meeting ids may hold '/', '=' or '+')."""
    return quote(value, safe="")


def odata_literal(value: str) -> str:
    """A string as an OData literal in a `$filter`: quoted, inner quotes doubled."""
    return "'" + value.replace("'", "''") + "'"


def iana_zone(name: str | None) -> str | None:
    """The IANA name of a Windows or IANA time zone name; None for a custom or unknown one."""
    if not name:
        return None
    if name in win_tz:
        return win_tz[name]
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


def windows_zone(iana: str) -> str | None:
    """The Windows name Outlook accepts for an IANA zone, if there is one."""
    return tz_win.get(iana)


def parse_timestamp(value: object) -> datetime | None:
    """An ISO 8601 timestamp (Graph's DateTimeOffset, always UTC) as aware UTC."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_date_time_time_zone(value: object) -> datetime | None:
    """A `dateTimeTimeZone` ({"dateTime": "2026-03-02T09:00:00.0000000", "timeZone": "UTC"})
    as aware UTC; None if it cannot be read (an unknown or custom zone)."""
    if not isinstance(value, dict):
        return None
    wall = value.get("dateTime")
    zone_name = value.get("timeZone") or UTC_NAME
    if not isinstance(wall, str) or not isinstance(zone_name, str):
        return None
    try:
        naive = datetime.fromisoformat(wall)
    except ValueError:
        return None
    if naive.tzinfo is not None:
        return naive.astimezone(UTC)
    if zone_name.upper() == UTC_NAME:
        return naive.replace(tzinfo=UTC)
    iana = iana_zone(zone_name)
    if iana is None:
        return None
    return naive.replace(tzinfo=ZoneInfo(iana)).astimezone(UTC)


def date_time_time_zone(at: datetime, iana: str | None) -> dict:
    """An aware instant as a `dateTimeTimeZone` in the person's zone (so Outlook shows the
    event in it), or in UTC when the zone has no Windows name Outlook accepts."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("naive datetime: give an aware datetime")
    windows = windows_zone(iana) if iana else None
    if windows is None:
        return {"dateTime": at.astimezone(UTC).replace(tzinfo=None).isoformat(), "timeZone": "UTC"}
    local = at.astimezone(ZoneInfo(iana)).replace(tzinfo=None)  # type: ignore[arg-type]
    return {"dateTime": local.isoformat(), "timeZone": windows}
