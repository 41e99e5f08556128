"""Where each programme month of a pairing stands: held, booked, missed, still to come.

A month with a session logged as held is held (verified once both of the pair confirmed it);
a month that is over without one is missed, whatever was booked; the month under way is
booked or still due; later months are to come. Months after a pairing ended early belong to
no one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.cadence import month_start


class MonthState(StrEnum):
    VERIFIED = "verified"
    HELD = "held"
    BOOKED = "booked"
    MISSED = "missed"
    DUE = "due"
    UPCOMING = "upcoming"
    ENDED = "ended"


@dataclass(frozen=True)
class MonthFacts:
    """What is recorded about one programme month's session."""

    held: bool = False
    verified: bool = False
    booked: bool = False


NOTHING_RECORDED = MonthFacts()


def month_states(
    paired_at: datetime,
    length_months: int,
    now: datetime,
    facts: Mapping[int, MonthFacts],
    ended_at: datetime | None = None,
) -> list[MonthState]:
    """The state of each programme month 1..`length_months` at `now`."""
    starts = [month_start(paired_at, month) for month in range(1, length_months + 2)]
    states = []
    for month in range(1, length_months + 1):
        start, end = starts[month - 1], starts[month]
        recorded = facts.get(month, NOTHING_RECORDED)
        if recorded.verified:
            state = MonthState.VERIFIED
        elif recorded.held:
            state = MonthState.HELD
        elif ended_at is not None and ended_at < end:
            state = MonthState.ENDED
        elif end <= now:
            state = MonthState.MISSED
        elif start > now:
            state = MonthState.UPCOMING
        elif recorded.booked:
            state = MonthState.BOOKED
        else:
            state = MonthState.DUE
        states.append(state)
    return states
