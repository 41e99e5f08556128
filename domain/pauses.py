"""Time someone asked the bot to hold their routine reminders (`pause until`, `snooze`) does
not count against them or their pair.

While a person is paused the bot asks them nothing, and the pair cannot be expected to meet,
so the health rules (`domain.health`) measure silence and the days since the last session in
time *not* paused, and so does the stall rule "no session for too long"
(`domain.stall_rules`): a paused person is not silent, and a pause does not make the pair's
session late. Periods may overlap (both of the pair away at once) and may still be running
(`ends` in the future: a pause always has a day it ends; `snooze off` ends it early).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.working_hours import to_utc


@dataclass(frozen=True)
class Pause:
    starts: datetime
    ends: datetime


def _merged(pauses: Iterable[Pause], until: datetime | None) -> list[tuple[datetime, datetime]]:
    """The pauses as disjoint (start, end) spans, oldest first, cut at `until` (None: not)."""
    spans = sorted(
        (to_utc(p.starts), to_utc(p.ends) if until is None else min(to_utc(p.ends), until))
        for p in pauses
    )
    merged: list[tuple[datetime, datetime]] = []
    for start, end in spans:
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def is_paused(paused_until: datetime | None, now: datetime) -> bool:
    """Whether someone's routine reminders are held at `now` (`paused_until` still to come)."""
    return paused_until is not None and to_utc(paused_until) > to_utc(now)


def unpaused_time(start: datetime, end: datetime, pauses: Iterable[Pause]) -> timedelta:
    """How much of [start, end) was not paused."""
    start, end = to_utc(start), to_utc(end)
    if end <= start:
        return timedelta(0)
    paused = timedelta(0)
    for span_start, span_end in _merged(pauses, end):
        overlap = min(end, span_end) - max(start, span_start)
        if overlap > timedelta(0):
            paused += overlap
    return end - start - paused


def unpaused_days(start: datetime, end: datetime, pauses: Iterable[Pause]) -> int:
    """Whole days of [start, end) not paused."""
    return unpaused_time(start, end, pauses).days


def when_unpaused(start: datetime, length: timedelta, pauses: Iterable[Pause]) -> datetime:
    """The instant at which `length` of unpaused time has passed since `start` (a pause still
    running counts until the day it ends)."""
    at = to_utc(start)
    left = length
    for span_start, span_end in _merged(pauses, None):
        if span_end <= at:
            continue
        if span_start > at:
            gap = span_start - at
            if gap >= left:
                return at + left
            left -= gap
        at = max(at, span_end)
    return at + left
