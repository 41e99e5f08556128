"""Working hours in a person's own time zone: when the bot may speak, and working-day arithmetic.

Every instant in and out is an aware datetime, returned in UTC. Working hours are wall-clock
times in the person's zone, so "09:00" stays 09:00 across daylight-saving changes.

Zones are IANA names ("Europe/London"). A missing, unknown or malformed name falls back to the
`default_zone` argument (DEFAULT_ZONE unless the caller passes the configured default), and if
that is invalid too, to UTC: a typo in someone's profile must never stop messages altogether.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Europe/London"
MONDAY_TO_FRIDAY = frozenset({0, 1, 2, 3, 4})  # date.weekday(): Monday is 0
# How far ahead to look for a working day before deciding the settings allow none (a year of
# holidays is not an excuse to loop forever).
MAX_SEARCH_DAYS = 3 * 366


@dataclass(frozen=True)
class WorkingHours:
    """A person's working pattern. Defaults: 09:00–17:00, Monday to Friday, no holidays."""

    start: time = time(9, 0)
    end: time = time(17, 0)
    weekdays: frozenset[int] = MONDAY_TO_FRIDAY
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("working hours are local wall-clock times: give naive times")
        if not self.start < self.end:
            raise ValueError(f"working hours must start before they end ({self.start}–{self.end})")
        if not self.weekdays or not set(self.weekdays) <= set(range(7)):
            raise ValueError("weekdays must be a non-empty set of 0 (Monday) .. 6 (Sunday)")
        object.__setattr__(self, "weekdays", frozenset(self.weekdays))
        object.__setattr__(self, "holidays", frozenset(self.holidays))

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.weekdays and day not in self.holidays


DEFAULT_HOURS = WorkingHours()


def resolve_zone(tz_name: str | None, default_zone: str = DEFAULT_ZONE) -> ZoneInfo:
    """The zone called `tz_name`; `default_zone` if that is empty or not a valid IANA name."""
    for name in (tz_name, default_zone):
        if not name or not isinstance(name, str):
            continue
        try:
            return ZoneInfo(name.strip())
        except (ZoneInfoNotFoundError, ValueError, OSError):
            continue
    return ZoneInfo("UTC")


def to_utc(at: datetime) -> datetime:
    """`at` in UTC; naive datetimes are refused because their meaning is a guess."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("naive datetime: give an aware datetime (UTC)")
    return at.astimezone(UTC)


def _wall(at: datetime, zone: ZoneInfo) -> datetime:
    return at.astimezone(zone).replace(tzinfo=None)


def local_instants(day: date, wall: time, zone: ZoneInfo) -> list[datetime]:
    """The UTC instants at which clocks in `zone` show `wall` on `day`, earliest first.

    Usually one; two when the clocks go back through `wall` (an ambiguous time); and when the
    clocks go forward over `wall` (a time that does not exist), the moment of the change, which
    is the first instant whose wall clock reads `wall` or later.
    """
    naive = datetime.combine(day, wall)
    found = []
    for fold in (0, 1):
        utc = naive.replace(tzinfo=zone, fold=fold).astimezone(UTC)
        if _wall(utc, zone) == naive:
            found.append(utc)
    if found:
        return sorted(set(found))
    # In a gap, fold=1 maps to an instant before the change and fold=0 to one after it; the
    # change is on a whole second between them.
    lo = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    hi = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    while hi - lo > timedelta(seconds=1):
        mid = lo + timedelta(seconds=(hi - lo).total_seconds() // 2)
        if _wall(mid, zone) >= naive:
            hi = mid
        else:
            lo = mid
    return [hi]


def local_time_to_utc(
    day: date, wall: time, tz_name: str | None, *, default_zone: str = DEFAULT_ZONE
) -> datetime:
    """The first instant at which clocks in the zone show `wall` (or later) on `day`."""
    return local_instants(day, wall, resolve_zone(tz_name, default_zone))[0]


def local_date(at_utc: datetime, tz_name: str | None, *, default_zone: str = DEFAULT_ZONE) -> date:
    """The calendar date in the person's zone at that instant."""
    return to_utc(at_utc).astimezone(resolve_zone(tz_name, default_zone)).date()


def local_day_bounds(
    at_utc: datetime, tz_name: str | None, *, default_zone: str = DEFAULT_ZONE
) -> tuple[datetime, datetime]:
    """The person's local calendar day around `at_utc`, as [start, end) in UTC.

    Not always 24 hours long: 23 or 25 on daylight-saving change days.
    """
    zone = resolve_zone(tz_name, default_zone)
    day = to_utc(at_utc).astimezone(zone).date()
    start = local_instants(day, time(0), zone)[0]
    end = local_instants(day + timedelta(days=1), time(0), zone)[0]
    return start, end


def _in_hours(at: datetime, zone: ZoneInfo, hours: WorkingHours) -> bool:
    local = at.astimezone(zone)
    return hours.is_working_day(local.date()) and hours.start <= local.time() < hours.end


def is_working_time(
    at_utc: datetime,
    tz_name: str | None,
    hours: WorkingHours = DEFAULT_HOURS,
    *,
    default_zone: str = DEFAULT_ZONE,
) -> bool:
    """Whether the person's wall clock shows a working day and a time in [start, end)."""
    return _in_hours(to_utc(at_utc), resolve_zone(tz_name, default_zone), hours)


def next_working_time(
    at_utc: datetime,
    tz_name: str | None,
    hours: WorkingHours = DEFAULT_HOURS,
    *,
    default_zone: str = DEFAULT_ZONE,
) -> datetime:
    """The earliest instant at or after `at_utc` that is within the person's working hours."""
    at = to_utc(at_utc)
    zone = resolve_zone(tz_name, default_zone)
    if _in_hours(at, zone, hours):
        return at
    first_day = at.astimezone(zone).date()
    for offset in range(MAX_SEARCH_DAYS):
        day = first_day + timedelta(days=offset)
        if not hours.is_working_day(day):
            continue
        for candidate in local_instants(day, hours.start, zone):
            if candidate >= at and _in_hours(candidate, zone, hours):
                return candidate
    raise ValueError(f"no working time within {MAX_SEARCH_DAYS} days: check the working hours")


def next_working_day(day: date, hours: WorkingHours = DEFAULT_HOURS) -> date:
    """The first working day strictly after `day`."""
    for offset in range(1, MAX_SEARCH_DAYS):
        candidate = day + timedelta(days=offset)
        if hours.is_working_day(candidate):
            return candidate
    raise ValueError(f"no working day within {MAX_SEARCH_DAYS} days: check the working hours")


def previous_working_day(day: date, hours: WorkingHours = DEFAULT_HOURS) -> date:
    """The last working day strictly before `day`."""
    for offset in range(1, MAX_SEARCH_DAYS):
        candidate = day - timedelta(days=offset)
        if hours.is_working_day(candidate):
            return candidate
    raise ValueError(f"no working day within {MAX_SEARCH_DAYS} days: check the working hours")


def start_of_working_day(
    day: date,
    tz_name: str | None,
    hours: WorkingHours = DEFAULT_HOURS,
    *,
    default_zone: str = DEFAULT_ZONE,
) -> datetime:
    """When working hours begin on local `day`, in UTC (whether or not `day` is a working day)."""
    return local_instants(day, hours.start, resolve_zone(tz_name, default_zone))[0]


def add_working_days(
    at_utc: datetime,
    n: int,
    tz_name: str | None,
    hours: WorkingHours = DEFAULT_HOURS,
    *,
    default_zone: str = DEFAULT_ZONE,
) -> datetime:
    """The same working-clock time `n` working days later.

    Counting starts from the next working time at or after `at_utc`, so something raised on
    Friday evening counts from Monday 09:00: two working days later is Wednesday 09:00.
    Something raised on Monday at 15:00 is two working days old on Wednesday at 15:00.
    Weekends and holidays do not count. `n` = 0 gives the next working time.
    """
    if n < 0:
        raise ValueError("n must be zero or more working days")
    zone = resolve_zone(tz_name, default_zone)
    start = next_working_time(at_utc, tz_name, hours, default_zone=default_zone)
    if n == 0:
        return start
    local = start.astimezone(zone)
    day = local.date()
    for _ in range(n):
        day = next_working_day(day, hours)
    target = local_instants(day, local.time(), zone)[0]
    return next_working_time(target, tz_name, hours, default_zone=default_zone)
