"""The days a programme's participants must be released for, as far as the store knows them:
the days of the cohort's events (training course, call-back workshops, group meetings), and
a typed "training ends" date when no training event holds the training's days."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from domain.cohort_events import EventKind
from domain.managers import ReleaseDate
from store.cohort_events import days_by_event, events_of
from store.models import Programme


def release_dates(session: Session, programme: Programme | None) -> list[ReleaseDate]:
    """Known release days of `programme`, in any order (callers keep the upcoming ones)."""
    if programme is None:
        return []
    events = events_of(session, programme.id)
    days = days_by_event(session, [event.id for event in events])
    dates = [
        ReleaseDate(event.title, day.starts_at)
        for event in events
        for day in days.get(event.id, [])
    ]
    has_training = any(event.kind == EventKind.TRAINING.value for event in events)
    if programme.training_ends_at is not None and not has_training:
        # Stored as the end of that day: the day itself is the instant before.
        last_day = programme.training_ends_at - timedelta(microseconds=1)
        dates.append(ReleaseDate("Training (last day)", last_day))
    return dates
