"""Every write to what the sweep's rules read makes the next sweep look at the pairings it
concerns (their `next_sweep_at` back to NULL, `facts_version` bumped, in the same
transaction), and writes that change nothing the rules read leave the moments alone."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from bot.context import AppContext
from bot.outbox import sweep
from domain.clock import FixedClock
from store.db import session_scope
from store.erasure import erase_person
from store.escalations import RepairRequest, close_repair_requests, raise_escalation, resolve
from store.models import MentoringSession, Pairing, PairingStatus, Person, Programme
from store.next_sweep import NEVER, due_for_sweep, record_next_sweep
from store.pairings import create_pairing, end_pairing, record_check_in, session_month
from store.people import mark_unreachable, upsert_person
from store.surveys import invite, record_response, subject_of
from tests.conftest import postgres_only

NOW = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)
LATER = NOW + timedelta(days=20)

# Pairings: A = trainee 1 with mentor 2, B = trainee 3 with mentor 2 (same programme),
# C = trainee 4 with mentor 5 in another programme.
A, B, C = 1, 2, 3


def _person(session: Session, number: int) -> Person:
    return upsert_person(session, f"aad-{number}", NOW, display_name=f"Person {number}")


def _programme(session: Session, name: str) -> Programme:
    programme = Programme(
        name=name,
        window_opens_at=NOW - timedelta(days=90),
        window_closes_at=NOW - timedelta(days=60),
        created_at=NOW - timedelta(days=90),
    )
    session.add(programme)
    session.flush()
    return programme


@pytest.fixture
def pairings(engine):
    """Three pairings, each already planned until LATER by a sweep."""
    with session_scope(engine) as session:
        people = [_person(session, n) for n in range(1, 6)]
        first, second = _programme(session, "First"), _programme(session, "Second")
        for programme, trainee, mentor in ((first, 0, 1), (first, 2, 1), (second, 3, 4)):
            create_pairing(
                session,
                programme_id=programme.id,
                trainee_person_id=people[trainee].id,
                mentor_person_id=people[mentor].id,
                length_months=6,
                now=NOW - timedelta(days=40),
                confirmed_by="aad-coordinator-1",
            )
    with session_scope(engine) as session:
        versions = due_for_sweep(session, NOW)
        assert sorted(versions) == [A, B, C]
        record_next_sweep(session, versions, dict.fromkeys(versions, LATER))
    return engine


def _due_after(engine, write: Callable[[Session], object]) -> set[int]:
    """The pairings due once `write` has committed: new, or their version moved."""
    with Session(engine) as session:
        before = dict(session.exec(select(Pairing.id, Pairing.facts_version)).all())
    with session_scope(engine) as session:
        write(session)
    with Session(engine) as session:
        due = set(due_for_sweep(session, NOW))
        after = dict(session.exec(select(Pairing.id, Pairing.facts_version)).all())
    assert {i for i in after if after[i] != before.get(i, 0) or i not in before} == due
    return due


def _pairing(session: Session, pairing_id: int) -> Pairing:
    return session.get(Pairing, pairing_id)


def test_a_sweep_that_planned_them_leaves_none_due(pairings):
    with Session(pairings) as session:
        assert due_for_sweep(session, NOW) == {}
        assert set(due_for_sweep(session, LATER)) == {A, B, C}


def test_a_new_pairing_is_due_at_once(pairings):
    def pair(session):
        create_pairing(
            session,
            programme_id=1,
            trainee_person_id=4,
            mentor_person_id=2,
            length_months=6,
            now=NOW,
            confirmed_by=None,
        )

    assert _due_after(pairings, pair) == {4}


def test_booking_a_session(pairings):
    def book(session):
        row = session_month(session, A, 2)
        row.booking, row.booked_for = "booked", NOW + timedelta(days=3)
        session.add(row)

    assert _due_after(pairings, book) == {A}


def test_booking_changed_on_an_existing_month_row(pairings):
    with session_scope(pairings) as session:
        session.add(MentoringSession(pairing_id=B, month=2, booking="not_yet"))
    with session_scope(pairings) as session:  # the insert reset it; plan it again
        record_next_sweep(session, due_for_sweep(session, NOW), {B: LATER})

    def cant(session):
        row = session_month(session, B, 2)
        row.booking, row.cant_reason = "cant", "on leave"
        session.add(row)

    assert _due_after(pairings, cant) == {B}


def test_logging_a_session(pairings):
    def log(session):
        row = session_month(session, A, 1)
        row.happened, row.held_on, row.logged_at = True, NOW - timedelta(days=2), NOW
        session.add(row)

    assert _due_after(pairings, log) == {A}


def test_answering_a_check_in_and_not_a_second_tap(pairings):
    def answer(session):
        record_check_in(
            session,
            pairing_id=B,
            person_id=3,
            week=4,
            answer="need_help",
            comment=None,
            now=NOW,
        )

    assert _due_after(pairings, answer) == {B}
    with session_scope(pairings) as session:
        record_next_sweep(session, due_for_sweep(session, NOW), {B: LATER})
    assert _due_after(pairings, answer) == set()


def test_asking_to_be_re_paired_and_the_request_closed(pairings):
    def ask(session):
        session.add(RepairRequest(pairing_id=C, person_id=4, requested_at=NOW))

    assert _due_after(pairings, ask) == {C}
    with session_scope(pairings) as session:
        record_next_sweep(session, due_for_sweep(session, NOW), {C: LATER})
    assert _due_after(pairings, lambda session: close_repair_requests(session, C, NOW)) == {C}


def test_ending_a_pairing(pairings):
    def end(session):
        end_pairing(session, _pairing(session, A), NOW, PairingStatus.DISSOLVED.value, "moved")

    assert _due_after(pairings, end) == {A}


def test_pairing_moved_to_a_new_start(pairings):
    def move(session):
        pairing = _pairing(session, B)
        pairing.paired_at = NOW
        session.add(pairing)

    assert _due_after(pairings, move) == {B}


def test_a_person_becoming_unreachable_and_back(pairings):
    # Person 2 mentors both A and B.
    assert _due_after(pairings, lambda s: mark_unreachable(s, "aad-2", NOW)) == {A, B}
    with session_scope(pairings) as session:
        record_next_sweep(session, due_for_sweep(session, NOW), {A: LATER, B: LATER})
    # Still unreachable: nothing changes.
    assert _due_after(pairings, lambda s: mark_unreachable(s, "aad-2", NOW)) == set()
    # A message from them clears it.
    assert _due_after(pairings, lambda s: upsert_person(s, "aad-2", NOW)) == {A, B}


def test_a_person_moving_time_zone_but_not_a_message_that_changes_nothing(pairings):
    assert _due_after(pairings, lambda s: upsert_person(s, "aad-4", NOW)) == set()
    assert _due_after(
        pairings, lambda s: upsert_person(s, "aad-4", NOW, time_zone="Asia/Tokyo")
    ) == {C}


def test_programme_dates_change_every_pairing_of_that_programme(pairings):
    def dates(session):
        programme = session.get(Programme, 1)
        programme.training_ends_at = NOW + timedelta(days=5)
        session.add(programme)

    assert _due_after(pairings, dates) == {A, B}


def test_an_escalation_resolved(pairings):
    with session_scope(pairings) as session:
        escalation, _what = raise_escalation(
            session,
            cause="no_recent_session",
            now=NOW,
            evidence="no session",
            ref="paired-2026-10-16",
            programme_id=1,
            pairing_id=B,
        )
    with Session(pairings) as session:
        assert due_for_sweep(session, NOW) == {}  # raising it changes nothing the rules read

    def settle(session):
        resolve(session, escalation.id, "aad-coordinator-1", NOW, "spoke to them")

    assert _due_after(pairings, settle) == {B}


def test_a_survey_answered_but_not_an_invitation(pairings):
    subject = subject_of(A, "month-1")

    def asked(session):
        return invite(
            session,
            programme_id=1,
            survey_id="pulse",
            round_="month-1",
            subject=subject,
            person_id=1,
            role="trainee",
            now=NOW,
        )

    assert _due_after(pairings, asked) == set()

    def answered(session):
        record_response(session, asked(session), {"useful": 5}, anonymous=True, now=NOW)

    assert _due_after(pairings, answered) == {A}


def test_erasing_a_person(pairings):
    def erase(session):
        erase_person(session, session.get(Person, 4), NOW)

    assert _due_after(pairings, erase) == {C}


def test_a_change_while_a_sweep_plans_is_not_overwritten(pairings):
    with Session(pairings) as session:
        read = due_for_sweep(session, LATER)  # a sweep starts planning
    with session_scope(pairings) as session:  # meanwhile, a check-in is answered
        record_check_in(
            session, pairing_id=A, person_id=1, week=2, answer="yes", comment=None, now=NOW
        )
    with session_scope(pairings) as session:  # the sweep stores what it worked out
        record_next_sweep(session, read, dict.fromkeys(read, NEVER))
    with Session(pairings) as session:
        assert set(due_for_sweep(session, NOW)) == {A}


def test_changed_rules_make_every_pairing_due_once(pairings, settings, monkeypatch):
    ctx = AppContext(settings, pairings, FixedClock(NOW))
    _planned, first_pass = sweep.plan(ctx, [], NOW)  # the first sweep after the upgrade
    assert first_pass.everything and first_pass.ids == [A, B, C]
    with session_scope(pairings) as session:
        record_next_sweep(session, due_for_sweep(session, NOW), dict.fromkeys([A, B, C], LATER))
    assert sweep.plan(ctx, [], NOW)[1].ids == []
    stricter = AppContext(settings.model_copy(update={"no_session_days": 30}), pairings)
    _planned, changed = sweep.plan(stricter, [], NOW)
    assert changed.everything and changed.ids == [A, B, C]
    # A dry run shows it without storing anything.
    with session_scope(pairings) as session:
        record_next_sweep(session, due_for_sweep(session, NOW), dict.fromkeys([A, B, C], LATER))
    assert sweep.plan(ctx, [], NOW, dry_run=True)[1].everything
    assert sweep.plan(ctx, [], NOW, dry_run=True)[1].everything


def test_a_changed_survey_definition_makes_every_pairing_due(
    pairings, settings, monkeypatch, tmp_path
):
    for path in settings.surveys_dir.glob("*.json"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    ctx = AppContext(settings.model_copy(update={"surveys_dir": tmp_path}), pairings)
    sweep.plan(ctx, [], NOW)
    with session_scope(pairings) as session:
        record_next_sweep(session, due_for_sweep(session, NOW), dict.fromkeys([A, B, C], LATER))
    assert sweep.plan(ctx, [], NOW)[1].ids == []

    follow_up = json.loads((tmp_path / "follow_up.json").read_text(encoding="utf-8"))
    follow_up["send"]["months"] = [3, 6, 9, 12]
    (tmp_path / "follow_up.json").write_text(json.dumps(follow_up), encoding="utf-8")
    _planned, changed = sweep.plan(ctx, [], NOW)
    assert changed.everything and changed.ids == [A, B, C]


@postgres_only
def test_a_handler_and_a_sweep_writing_two_pairings_at_once_do_not_deadlock(pairings):
    """A sweep stores moments in pairing id order; a handler resetting a mentor's pairings must
    lock them in that order too, not in the order they lie on disk (PostgreSQL)."""
    engine = pairings
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # Lay the rows out on disk in reverse id order, as updates can leave them.
        connection.exec_driver_sql("CREATE INDEX pairing_id_desc ON pairing (id DESC)")
        connection.exec_driver_sql("CLUSTER pairing USING pairing_id_desc")
        connection.exec_driver_sql("DROP INDEX pairing_id_desc")
        order = connection.exec_driver_sql("SELECT id FROM pairing ORDER BY ctid")
        assert [row[0] for row in order] == [C, B, A]
    with Session(engine) as session:
        versions = dict(session.exec(select(Pairing.id, Pairing.facts_version)).all())

    errors: list[BaseException] = []
    sweep_session = Session(engine)
    record_next_sweep(sweep_session, versions, {A: LATER})  # the sweep holds A...

    def handler() -> None:
        try:
            with session_scope(engine) as session:  # ...while the mentor of A and B is blocked
                mark_unreachable(session, "aad-2", NOW)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    thread = threading.Thread(target=handler)
    thread.start()
    try:
        _wait_for_a_lock_wait(engine)
        record_next_sweep(sweep_session, versions, {B: LATER})  # ...and goes on to B
        sweep_session.commit()
    except BaseException as error:  # noqa: BLE001
        errors.append(error)
        sweep_session.rollback()
    finally:
        sweep_session.close()
        thread.join(timeout=30)
    assert errors == []
    with Session(engine) as session:  # the handler committed after the sweep: both due
        assert {A, B} <= set(due_for_sweep(session, NOW))


def _wait_for_a_lock_wait(engine) -> None:
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE wait_event_type = 'Lock' AND datname = current_database()"
    )
    deadline = time.monotonic() + 10
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # (each poll its own transaction: the view is a snapshot taken once per transaction)
        while connection.execute(waiting).scalar() == 0:
            assert time.monotonic() < deadline, "the handler never waited for the sweep's lock"
            time.sleep(0.02)
