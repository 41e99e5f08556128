"""Which times to offer a pair for their monthly session (built on `domain.free_slots`).

Three times within the next 14 days, on different days, inside both people's working hours and
free in both calendars, none on a day the pair already has a session. A card the sweep sends
reaches each person in their working hours, so its times start a day after the later of the two
can read it (`card_arrival`, `CARD_NOTICE`); times asked for with a tap start a couple of hours
on (`TAP_NOTICE`). "Suggest other times" asks for
times after the last one offered, still within 14 days of the question.

Each person's working day is what Outlook says (its hours in its zone) when Graph gave it, else
the programme's configured hours in the zone Teams gave the bot; the programme's holidays apply
to both. Without calendars (no Graph, or Graph failed) the same rule, with nobody busy, gives a
suggested time for the Teams scheduling link.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from domain.free_slots import (
    DEFAULT_HORIZON,
    DEFAULT_PROPOSALS,
    DEFAULT_SESSION_MINUTES,
    SESSION_MINUTES,
    Availability,
    Interval,
    propose_slots,
)
from domain.working_hours import (
    DEFAULT_ZONE,
    WorkingHours,
    next_working_time,
    resolve_zone,
    to_utc,
)

CARD_NOTICE = timedelta(days=1)
TAP_NOTICE = timedelta(hours=2)


@dataclass(frozen=True)
class Person:
    """One of the pair as far as finding a time goes."""

    time_zone: str | None  # the zone Teams gave the bot (None: the programme's default)
    busy: Sequence[Interval] = ()
    outlook_hours: WorkingHours | None = None  # the working hours Outlook keeps, if known
    outlook_zone: str | None = None  # the zone of those hours


def availability(person: Person, configured: WorkingHours) -> Availability:
    """Outlook's working hours in Outlook's zone when both are known, else the configured
    hours in the person's zone."""
    if person.outlook_hours is not None and person.outlook_zone:
        return Availability(person.outlook_zone, person.outlook_hours, person.busy)
    return Availability(person.time_zone, configured, person.busy)


def card_arrival(
    now: datetime,
    zones: Sequence[str | None],
    hours: WorkingHours,
    *,
    default_zone: str = DEFAULT_ZONE,
) -> datetime:
    """When a card decided at `now` can first be read by all of `zones`: the latest of their
    next working times (a card decided on Saturday arrives on Monday)."""
    return max(next_working_time(now, zone, hours, default_zone=default_zone) for zone in zones)


def session_minutes(preferred: int | None) -> int:
    """The pair's session length: their preference if it is one the rules allow."""
    return preferred if preferred in SESSION_MINUTES else DEFAULT_SESSION_MINUTES


def offer_times(
    organiser: Person,
    other: Person,
    *,
    now: datetime,
    notice: timedelta,
    configured: WorkingHours,
    holidays: Collection[date] = (),
    booked: Sequence[Interval] = (),
    minutes: int = DEFAULT_SESSION_MINUTES,
    after: datetime | None = None,
    count: int = DEFAULT_PROPOSALS,
    default_zone: str = DEFAULT_ZONE,
) -> list[Interval]:
    """Up to `count` times for the pair (organiser: the mentor, in whose calendar the meeting
    goes), each starting `notice` from `now` or later, after `after` (the day after it, for
    the organiser), and ending within 14 days of `now`."""
    now = to_utc(now)
    mine = availability(organiser, configured)
    earliest = now + notice
    if after is not None:
        zone = resolve_zone(mine.time_zone, default_zone)
        next_day = to_utc(after).astimezone(zone).date() + timedelta(days=1)
        earliest = max(earliest, datetime.combine(next_day, time(0), tzinfo=zone).astimezone(UTC))
    return propose_slots(
        mine,
        availability(other, configured),
        now=earliest,
        holidays=holidays,
        booked=booked,
        horizon=now + DEFAULT_HORIZON - earliest,
        minutes=minutes,
        count=count,
        default_zone=default_zone,
    )
