"""The days a programme's participants must be released for, as far as the store knows them.

One small provider, so that dates added to the store later (cohort events: training days,
call-back workshops, group meetings) reach the managers' cards and digests by adding them here.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from domain.managers import ReleaseDate
from store.models import Programme


def release_dates(session: Session, programme: Programme | None) -> list[ReleaseDate]:
    """Known release days of `programme`, in any order (callers keep the upcoming ones)."""
    if programme is None:
        return []
    dates = []
    if programme.training_ends_at is not None:
        # Stored as the end of that day: the day itself is the instant before.
        last_day = programme.training_ends_at - timedelta(microseconds=1)
        dates.append(ReleaseDate("Training (last day)", last_day))
    return dates
