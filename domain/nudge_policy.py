"""Nudge etiquette: when a due message may go out (its idempotency key: `domain.keys`).

Routine nudges go out only in the recipient's working hours, at most one per person per local
calendar day, and not while the person has snoozed them. Escalations wait for working hours
but are never capped or snoozed; direct replies to something the person just did go at once.
A nudge whose window was missed (bot down, queue backed up) goes at the next allowed time.

The rules are pure: the caller passes the facts (the UTC times of routine nudges already sent,
or booked, to that person; their snooze; their zone and hours).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.working_hours import (
    DEFAULT_HOURS,
    DEFAULT_ZONE,
    WorkingHours,
    local_day_bounds,
    next_working_time,
    to_utc,
)

# Enough for a year of one-a-day routine nudges already booked; past that the facts are wrong.
_MAX_DEFERRALS = 400


class Urgency(StrEnum):
    ROUTINE = "routine"  # working hours, snooze, one per person per local day
    ESCALATION = "escalation"  # working hours only
    REPLY = "reply"  # at once


@dataclass(frozen=True)
class Delivery:
    """When a nudge may be sent; `reason` says why it waits (None when it may go now)."""

    at: datetime
    now: bool
    reason: str | None = None


def delivery_time(
    due_at: datetime,
    now: datetime,
    tz_name: str | None,
    hours: WorkingHours = DEFAULT_HOURS,
    *,
    urgency: Urgency | str = Urgency.ROUTINE,
    routine_sent: Iterable[datetime] = (),
    snoozed_until: datetime | None = None,
    default_zone: str = DEFAULT_ZONE,
    within_working_hours: bool | None = None,
) -> Delivery:
    """The earliest allowed instant at or after both `due_at` and `now`.

    `routine_sent`: UTC times of routine nudges already sent (or booked) to this person, other
    than this one; any of them on the same local calendar day as a candidate time pushes a
    routine nudge to the next local day. `snoozed_until` holds back routine nudges only.
    `within_working_hours` overrides whether the urgency waits for working hours (routine and
    escalation wait, a reply does not): a routine message that need not wait keeps its cap
    (the next local day starts at midnight).
    """
    urgency = Urgency(urgency)
    now = to_utc(now)
    at = max(to_utc(due_at), now)
    waits = urgency != Urgency.REPLY if within_working_hours is None else within_working_hours
    if urgency != Urgency.ROUTINE and not waits:
        return Delivery(now, True) if at <= now else Delivery(at, False, "not due yet")

    reasons: list[str] = []
    if urgency == Urgency.ROUTINE and snoozed_until is not None and to_utc(snoozed_until) > at:
        at = to_utc(snoozed_until)
        reasons.append("snoozed")
    sent = sorted(to_utc(t) for t in routine_sent) if urgency == Urgency.ROUTINE else []
    next_day = False  # moved to a local midnight by the cap: not "outside working hours"
    for _ in range(_MAX_DEFERRALS):
        allowed = next_working_time(at, tz_name, hours, default_zone=default_zone) if waits else at
        if allowed > at and not next_day:
            reasons.append("outside working hours")
        at = allowed
        start, end = local_day_bounds(at, tz_name, default_zone=default_zone)
        if not any(start <= t < end for t in sent):
            break
        reasons.append("already had a routine nudge that day")
        at, next_day = end, True
    else:
        raise ValueError("no free day for a routine nudge within a year: check routine_sent")
    if at <= now:
        return Delivery(now, True)
    unique = list(dict.fromkeys(reasons)) or ["not due yet"]
    return Delivery(at, False, "; ".join(unique))


def may_send_now(
    due_at: datetime,
    now: datetime,
    tz_name: str | None,
    hours: WorkingHours = DEFAULT_HOURS,
    **facts,
) -> bool:
    """Shorthand for `delivery_time(...).now` (same keyword arguments)."""
    return delivery_time(due_at, now, tz_name, hours, **facts).now
