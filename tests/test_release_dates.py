"""What a line manager is asked to release for: the days of the cohort's events, and the typed
training date only when no training event holds the training's days."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from bot.managers.dates import release_dates
from domain.cohort_events import Audience, Draft, EventKind
from store.cohort_events import cancel_event, create_event
from store.db import session_scope
from store.seed import seed_demo
from tests.conftest import START


def _event(session, programme, kind, title, *days):
    draft = Draft(
        kind, title, days, time(9, 30), time(16, 30), "Room 1", False, None, Audience.BOTH
    )
    return create_event(
        session,
        programme_id=programme.id,
        draft=draft,
        time_zone="Europe/London",
        days=draft.instants("Europe/London"),
        created_by=None,
        organiser=None,
        form_id=None,
        now=START,
    )


def test_the_events_days_are_what_a_manager_releases_for(engine):
    with session_scope(engine) as session:
        programme = seed_demo(session, START)
        programme.training_ends_at = datetime(2027, 1, 29, tzinfo=UTC)
        assert [d.what for d in release_dates(session, programme)] == ["Training (last day)"]
        _event(
            session,
            programme,
            EventKind.TRAINING,
            "Training course",
            date(2027, 1, 27),
            date(2027, 1, 28),
        )
        callback = _event(session, programme, EventKind.CALL_BACK, "Call-back", date(2027, 3, 3))
        dates = sorted(release_dates(session, programme), key=lambda d: d.on)
        assert [(d.what, d.on) for d in dates] == [
            ("Training course", datetime(2027, 1, 27, 9, 30, tzinfo=UTC)),
            ("Training course", datetime(2027, 1, 28, 9, 30, tzinfo=UTC)),
            ("Call-back", datetime(2027, 3, 3, 9, 30, tzinfo=UTC)),
        ]
        cancel_event(session, callback, None, None, START)
        assert "Call-back" not in {d.what for d in release_dates(session, programme)}
