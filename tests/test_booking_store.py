"""The store of booked sessions on a real database: one meeting per month at a time, the month's
state derived from its facts, and months logged before the upgrade kept as answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, text
from sqlmodel import Session, select

from store import migrate
from store.bookings import (
    BookingStatus,
    SessionBooking,
    book_month,
    bookings_to_follow_up,
    claim_booking,
    open_booking,
    record_answer,
    record_attendance,
    set_status,
    unbook_month,
)
from store.db import session_scope
from store.engine import create_db_engine
from store.models import MentoringSession
from store.pairings import create_pairing, session_month
from store.people import upsert_person
from store.seed import seed_demo
from tests.migration_checks import assert_migration_matches_models

NOW = datetime(2026, 11, 23, 10, tzinfo=UTC)
AT = datetime(2026, 11, 24, 14, tzinfo=UTC)


def _month(session: Session) -> MentoringSession:
    programme = seed_demo(session, NOW)
    trainee = upsert_person(session, "aad-trainee", NOW, display_name="Sam")
    mentor = upsert_person(session, "aad-mentor", NOW, display_name="Adele")
    pairing = create_pairing(
        session,
        programme_id=programme.id,
        trainee_person_id=trainee.id,
        mentor_person_id=mentor.id,
        length_months=6,
        now=NOW,
        confirmed_by=None,
    )
    return session_month(session, pairing.id, 1)


def test_one_meeting_per_month_is_pending_or_live_at_a_time(engine):
    with session_scope(engine) as session:
        row = _month(session)
        first = claim_booking(
            session, row, organiser="aad-mentor", start=AT, end=AT + timedelta(hours=2), now=NOW
        )
        assert first is not None and first.status == "pending" and first.minutes == 120
        assert first.transaction_id == f"stepforward-session-{first.id}-{first.nonce}"
        again = claim_booking(session, row, organiser="aad-mentor", start=AT, end=AT, now=NOW)
        assert again is None  # a second tap while the first is with Graph
        assert open_booking(session, row.id).id == first.id
        set_status(session, first, BookingStatus.FAILED, NOW, error="op=x kind=forbidden")
        second = claim_booking(
            session, row, organiser="aad-mentor", start=AT, end=AT + timedelta(hours=1), now=NOW
        )
        assert second is not None and second.nonce != first.nonce
        set_status(session, second, BookingStatus.LIVE, NOW, event_id="e-1")
        assert claim_booking(session, row, organiser="m", start=AT, end=AT, now=NOW) is None
        set_status(session, second, BookingStatus.CANCEL, NOW)
        assert claim_booking(session, row, organiser="m", start=AT, end=AT, now=NOW) is not None
    with session_scope(engine) as session:
        follow = bookings_to_follow_up(session, pending_before=NOW)
        assert [b.status for b in follow] == ["cancel", "pending"]
        earlier = bookings_to_follow_up(session, pending_before=NOW - timedelta(seconds=1))
        assert [b.status for b in earlier] == ["cancel"]


def test_the_month_is_planned_booked_then_held_as_its_facts_say(engine):
    with session_scope(engine) as session:
        row = _month(session)
        assert (row.happened, row.held_as) == (None, None)
        book_month(row, AT, 60, event_id="e-1", join_url="https://teams.example/join")
        assert (row.booking, row.booked_minutes, row.happened) == ("booked", 60, None)
        record_attendance(row, None, None, NOW)  # no report yet
        assert row.attendance is None and row.attendance_checked_at == NOW
        record_attendance(row, "verified", 52, NOW)
        assert (row.happened, row.held_as, row.held_on, row.minutes) == (True, "verified", AT, 52)
        # A new time: what was known about the old one goes.
        book_month(row, AT + timedelta(days=1), None)
        assert (row.attendance, row.happened, row.held_as, row.held_on) == (None, None, None, None)
        assert record_answer(row, 0, "met", NOW)
        assert not record_answer(row, 0, "rescheduled", NOW)  # the first answer stands
        assert (row.held_as, row.minutes, row.trainee_answered_at) == ("reported", 120, NOW)
        assert row.logged_at == NOW  # the pulse survey follows a session known to be held
        assert record_answer(row, 1, "met", NOW)
        assert row.held_as == "confirmed"
        unbook_month(row)
        assert row.booking is None and row.held_as == "confirmed"  # answers still stand


def test_a_disagreement_counts_as_neither_held_nor_not_held(engine):
    with session_scope(engine) as session:
        row = _month(session)
        book_month(row, AT, None)
        record_answer(row, 0, "met", NOW)
        record_answer(row, 1, "cancelled_by_mentor", NOW)
        assert (row.happened, row.held_as) == (None, None)
        row2 = session_month(session, row.pairing_id, 2)
        record_answer(row2, 1, "not_released", NOW)
        assert (row2.happened, row2.held_as) == (False, None)


def test_months_logged_before_the_upgrade_become_the_loggers_answers(db_url):
    migrate.upgrade(db_url, "0014")
    old = create_engine(db_url)
    with old.begin() as c:
        c.execute(text(
            "INSERT INTO programme (id, name, kind, length_months, window_opens_at, "
            "window_closes_at, created_at) VALUES (1, 'P', 'mentoring', 6, :t, :t, :t)"
        ), {"t": NOW})  # fmt: skip
        for pid, aad in ((1, "aad-t"), (2, "aad-m")):
            c.execute(
                text(
                    "INSERT INTO person (id, aad_object_id, created_at, updated_at) "
                    "VALUES (:id, :aad, :t, :t)"
                ),
                {"id": pid, "aad": aad, "t": NOW},
            )
        c.execute(text(
            "INSERT INTO pairing (id, programme_id, trainee_person_id, mentor_person_id, status, "
            "length_months, paired_at, facts_version) VALUES (1, 1, 1, 2, 'active', 6, :t, 0)"
        ), {"t": NOW})  # fmt: skip
        rows = [(1, True, "1"), (2, True, "2"), (3, False, "2"), (4, None, None)]
        for month, happened, by in rows:
            c.execute(
                text(
                    "INSERT INTO mentoring_session (pairing_id, month, booking, happened, "
                    "logged_by, logged_at) VALUES (1, :m, 'booked', :h, :by, :at)"
                ),
                {"m": month, "h": happened, "by": by, "at": NOW if by else None},
            )
    old.dispose()
    migrate.upgrade(db_url)
    engine = create_db_engine(db_url)
    with Session(engine) as session:
        months = {m.month: m for m in session.exec(select(MentoringSession))}
    engine.dispose()
    answers = {k: (m.trainee_answer, m.mentor_answer, m.held_as) for k, m in months.items()}
    assert answers == {
        1: ("met", None, "reported"),
        2: (None, "met", "reported"),
        3: (None, "did_not_happen", None),
        4: (None, None, None),
    }
    assert months[1].trainee_answered_at == NOW


def test_the_migration_makes_the_tables_the_models_describe_and_goes_back(db_url, engine):
    assert_migration_matches_models(
        db_url, engine, {"mentoring_session", "session_booking", "pairing"}, "0014"
    )


def test_erasing_the_mentor_forgets_who_organised_and_asked(engine):
    from store.erasure import ERASED_NAME, erase_person
    from store.models import Person

    with session_scope(engine) as session:
        row = _month(session)
        mentor = session.exec(select(Person).where(Person.aad_object_id == "aad-mentor")).one()
        booking = claim_booking(
            session, row, organiser="aad-mentor", start=AT, end=AT, now=NOW, requested_by=mentor.id
        )
        set_status(session, booking, BookingStatus.LIVE, NOW, event_id="e-1", join_url="j")
        erase_person(session, mentor, NOW)
    with Session(engine) as session:
        [kept] = session.exec(select(SessionBooking)).all()
    assert (kept.organiser_aad_object_id, kept.event_id, kept.requested_by) == (
        ERASED_NAME,
        None,
        None,
    )
