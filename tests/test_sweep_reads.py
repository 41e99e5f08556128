"""A sweep that looks only at the pairings whose moment has come never misses anything the
rules, run over every pairing at the same time, would decide: across month ends, while facts
change between sweeps, and on a database whose pairings were written before the moments
existed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import MetaData, create_engine, insert, update
from sqlmodel import Session, select

from bench.sweep_data import generate
from bot.assembly import planners
from bot.context import AppContext
from bot.endings.programme_end import plan_programme_ends
from bot.escalations.card import CHAMPION, REPOST
from bot.escalations.planner import pairing_facts
from bot.health.planner import plan_health
from bot.outbox import sweep
from bot.outbox.planned import PLANNING_DRY_RUN, SWEEP_PASS, SweepPass
from bot.pairing.nudges import nudges_at
from bot.settings import working_hours_of
from bot.surveys.planner import plan_surveys
from domain.cadence import programme_end
from domain.clock import FixedClock
from domain.keys import RE_ENGAGEMENT
from domain.keys import escalation_card_key as card_key
from domain.stall_rules import StallSettings, escalation_is_overdue, stall_causes
from store import migrate
from store.engine import create_db_engine
from store.escalations import Escalation, RepairRequest, acknowledge, resolve, unresolved
from store.models import Pairing, PairingStatus, Person, Programme
from store.next_sweep import due_for_sweep, record_next_sweep
from store.outbox import OutboxMessage
from store.pairings import end_pairing, record_check_in, session_month
from store.pauses import hold_reminders, pauses_of
from store.people import mark_unreachable, upsert_person
from store.sweep_reads import (
    check_ins_by_pairing,
    open_repairs_by_pairing,
    pairings_with_people,
    sessions_by_pairing,
)

GENERATED_AT = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)
# Around month ends (clamping), weekends, nights, and weeks later: every 7 to 31 hours.
SWEEPS = [GENERATED_AT]
while len(SWEEPS) < 30:
    SWEEPS.append(SWEEPS[-1] + timedelta(hours=7 + (len(SWEEPS) * 11) % 25))


_NOT_PER_PAIRING = ("escalation:", "release-block:", "programme:")


def _all_pairings(session: Session) -> SweepPass:
    rows = session.execute(select(Pairing.id, Pairing.facts_version)).all()
    return SweepPass(dict(rows))


def _rules_over_every_pairing(ctx: AppContext, now: datetime) -> tuple[set, set]:
    """What the exact rules decide at `now` over every pairing: nudge and survey keys, and
    stalls as (pairing, cause, ref)."""
    settings, rules = ctx.settings, StallSettings(no_session_days=ctx.settings.no_session_days)
    keys, stalls = set(), set()
    with Session(ctx.engine) as session:
        everyone = _all_pairings(session)
        ids = everyone.ids
        sessions, check_ins = sessions_by_pairing(session, ids), check_ins_by_pairing(session, ids)
        repairs = open_repairs_by_pairing(session, ids)
        rows = pairings_with_people(session, ids)
        pauses = pauses_of(session, {person.id for _pairing, *pair in rows for person in pair})
        for pairing, trainee, mentor in rows:
            if pairing.status != PairingStatus.ACTIVE.value:
                continue
            people = (trainee, mentor)
            own = (sessions.get(pairing.id, ()), check_ins.get(pairing.id, ()))
            for message, _render in nudges_at(settings, pairing, people, *own, now):
                keys.add(message.key)
            if now >= programme_end(pairing.paired_at, pairing.length_months):
                continue
            pair_pauses = pauses.get(trainee.id, ()) + pauses.get(mentor.id, ())
            facts = pairing_facts(pairing, people, *own, repairs.get(pairing.id, ()), pair_pauses)[
                0
            ]
            stalls |= {(pairing.id, s.cause.value, s.ref) for s in stall_causes(facts, now, rules)}
    dry, every = PLANNING_DRY_RUN.set(True), SWEEP_PASS.set(everyone)
    try:
        keys |= {message.key for message in plan_surveys(ctx, now)}
        keys |= {message.key for message in plan_programme_ends(ctx, now)}
    finally:
        SWEEP_PASS.reset(every)
        PLANNING_DRY_RUN.reset(dry)
    return keys, stalls


def _health_still_to_send(ctx: AppContext, now: datetime, recorded: set[str]) -> set[str]:
    """What working out every active pairing's health at `now` would still send (re-engagement
    messages, "pair at risk" cards): nothing, when the sweep looked at every pairing whose
    health could have changed. (Health acts on changes it stores, so it is checked after the
    sweep rather than compared key by key.)"""
    with Session(ctx.engine) as session:
        everyone = _all_pairings(session)
    dry, every = PLANNING_DRY_RUN.set(True), SWEEP_PASS.set(everyone)
    try:
        return {message.key for message in plan_health(ctx, now)} - recorded
    finally:
        SWEEP_PASS.reset(every)
        PLANNING_DRY_RUN.reset(dry)


def _sweep(ctx: AppContext, now: datetime) -> tuple[list, SweepPass]:
    """A sweep at `now` as the running bot makes it, everything decided then taken as sent."""
    planned, pass_ = sweep.plan(ctx, planners(ctx), now)
    with Session(ctx.engine) as session:
        known = set(session.execute(select(OutboxMessage.idempotency_key)).scalars())
        rows = [
            {
                "idempotency_key": m.key,
                "recipient_aad_object_id": m.recipient,
                "kind": m.kind,
                "payload": {},
                "not_before": now,
                "status": "sent",
                "next_attempt_at": now,
                "sent_at": now,
                "created_at": now,
                "updated_at": now,
            }
            for m in {m.key: m for m in planned if m.key not in known}.values()
        ]
        if rows:
            session.execute(insert(OutboxMessage.__table__), rows)
        session.commit()
    sweep.record_pass(ctx, pass_)
    return planned, pass_


def _escalation_keys_due(ctx: AppContext, now: datetime) -> set[str]:
    """What the escalation rules post or send at `now` over every unresolved escalation: its
    card, and once overdue without an acknowledgement, the re-post and the champion's copy."""
    settings = ctx.settings
    keys = set()
    with Session(ctx.engine) as session:
        for escalation in unresolved(session):
            keys.add(card_key(escalation.id))
            if escalation_is_overdue(
                escalation.opened_at,
                escalation.acknowledged_at,
                now,
                settings.default_time_zone,
                working_hours_of(settings),
                settings.escalation_working_days,
                default_zone=settings.default_time_zone,
            ):
                keys |= {card_key(escalation.id, REPOST), card_key(escalation.id, CHAMPION)}
    return keys


def _recorded(ctx: AppContext) -> tuple[set, set]:
    with Session(ctx.engine) as session:
        keys = set(session.execute(select(OutboxMessage.idempotency_key)).scalars())
        stalls = {
            (e.pairing_id, e.cause, ref) for e in session.exec(select(Escalation)) for ref in e.refs
        }
    return keys, stalls


def _change_facts(ctx: AppContext, now: datetime, step: int) -> None:
    """Between sweeps, what people and coordinators do, through the store as the handlers do."""
    with Session(ctx.engine) as session:
        active = list(
            session.exec(
                select(Pairing)
                .where(Pairing.status == PairingStatus.ACTIVE.value)
                .order_by(Pairing.id)
            )
        )
        pick = active[step * 7 % len(active) :][:6]
        for n, pairing in enumerate(pick):
            month = 1 + step % pairing.length_months
            if n == 0:  # booked for a few days on, at short notice
                row = session_month(session, pairing.id, month)
                if row.logged_at is None:
                    row.booking = "booked"
                    row.booked_for = now + timedelta(days=1 + step % 4, hours=3)
                    session.add(row)
            elif n == 1:  # logged as held
                row = session_month(session, pairing.id, month)
                row.happened, row.held_on, row.logged_at = True, now - timedelta(days=1), now
                session.add(row)
            elif n == 2:  # a check-in answer
                for week in (2, 4, 6):
                    record_check_in(
                        session,
                        pairing_id=pairing.id,
                        person_id=pairing.mentor_person_id,
                        week=week,
                        answer="not_really",
                        comment=None,
                        now=now,
                    )
            elif n == 3:  # a re-pair request
                session.add(
                    RepairRequest(
                        pairing_id=pairing.id,
                        person_id=pairing.trainee_person_id,
                        requested_at=now,
                    )
                )
            elif n == 4:  # away for three weeks, unreachable, or back with a new zone
                trainee = session.get(Person, pairing.trainee_person_id)
                if step % 3 == 2:  # as `pause until` does
                    mentor = session.get(Person, pairing.mentor_person_id)
                    hold_reminders(session, mentor, now, now + timedelta(days=21))
                elif step % 2:
                    mark_unreachable(session, trainee.aad_object_id, now)
                else:
                    upsert_person(session, trainee.aad_object_id, now, time_zone="Asia/Tokyo")
            elif step % 5 == 0:  # ended early
                end_pairing(session, pairing, now, PairingStatus.DISSOLVED.value, "moved on")
            elif step % 5 == 1:  # paired again at once: the programme starts over
                pairing.paired_at = now
                session.add(pairing)
        if step % 9 == 4:
            programme = session.exec(select(Programme)).first()
            programme.training_ends_at = now + timedelta(hours=5)
            session.add(programme)
        if step % 6 == 3:
            escalation = session.exec(
                select(Escalation).where(Escalation.open_key.is_not(None))
            ).first()
            if escalation is not None:
                resolve(session, escalation.id, "aad-coordinator-1", now, "spoke to them")
        if step % 4 == 1:
            escalation = session.exec(
                select(Escalation)
                .where(Escalation.acknowledged_at.is_(None))
                .order_by(Escalation.id.desc())
            ).first()
            if escalation is not None:
                acknowledge(session, escalation.id, "aad-coordinator-1", now)
        session.commit()


def _check_never_misses(ctx: AppContext, pairings: int, change_facts: bool) -> None:
    looked_at = []
    for step, now in enumerate(SWEEPS):
        planned, pass_ = _sweep(ctx, now)
        looked_at.append(len(pass_.ids))
        expected_keys, expected_stalls = _rules_over_every_pairing(ctx, now)
        keys, stalls = _recorded(ctx)
        assert expected_keys <= keys, (now, sorted(expected_keys - keys)[:5])
        posted = _escalation_keys_due(ctx, now)
        assert posted <= keys, (now, sorted(posted - keys)[:5])
        assert expected_stalls <= stalls, (now, sorted(expected_stalls - stalls)[:5])
        assert _health_still_to_send(ctx, now, keys) == set(), now
        # ... and nothing the rules would not (escalation cards are not per pairing; health's
        # messages are checked above).
        about_pairings = {
            m.key
            for m in planned
            if not m.key.startswith(_NOT_PER_PAIRING) and m.kind != RE_ENGAGEMENT
        }
        assert about_pairings <= expected_keys, now
        if change_facts:
            _change_facts(ctx, now + timedelta(minutes=30), step)
    assert looked_at[0] == pairings
    # After the first, a sweep looks at a small part of the pairings (all of them only when
    # the training survey, or a reminder of it, goes to everyone at once).
    later = sorted(looked_at[1:])
    assert later[len(later) // 2] < pairings / 5, str(looked_at)


@pytest.mark.parametrize("change_facts", [False, True], ids=["steady", "facts-change"])
def test_a_sweep_over_due_pairings_decides_what_the_rules_over_every_pairing_do(
    engine, settings, change_facts
):
    generate(engine, 160, GENERATED_AT, seed=3 if change_facts else 4)
    with Session(engine) as session:
        programme = session.exec(select(Programme)).first()
        programme.training_ends_at = GENERATED_AT + timedelta(days=9)
        session.add(programme)
        session.commit()
    ctx = AppContext(settings, engine, FixedClock(GENERATED_AT))
    _check_never_misses(ctx, 160, change_facts)


def test_pairings_written_before_the_migration_are_looked_at(tmp_path, settings, db_url):
    """Pairings of a database at 0010 (no moments yet) are all due after the upgrade, and the
    scheme then never misses."""
    source_url = f"sqlite:///{tmp_path / 'source.db'}"
    migrate.upgrade(source_url)
    source = create_db_engine(source_url)
    generate(source, 100, GENERATED_AT, seed=5)
    migrate.upgrade(db_url, "0010")
    old = create_engine(db_url)
    before, generated = MetaData(), MetaData()
    before.reflect(old)
    generated.reflect(source)
    assert "next_sweep_at" not in before.tables["pairing"].c
    with source.connect() as reading, old.begin() as writing:
        for table in before.sorted_tables:
            if table.name == "alembic_version":
                continue
            names = [column.name for column in table.c]
            columns = [generated.tables[table.name].c[name] for name in names]
            values = [
                dict(zip(names, row, strict=True)) for row in reading.execute(select(*columns))
            ]
            if values:
                writing.execute(insert(table), values)
            if old.dialect.name == "postgresql" and values and "id" in names:
                if isinstance(values[0]["id"], int):
                    writing.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"(SELECT max(id) FROM {table.name}))"
                    )
    old.dispose()
    source.dispose()
    migrate.upgrade(db_url)
    engine = create_db_engine(db_url)
    try:
        with Session(engine) as session:
            versions = due_for_sweep(session, GENERATED_AT)
            assert len(versions) == 100 and set(versions.values()) == {0}
        ctx = AppContext(settings, engine, FixedClock(GENERATED_AT))
        _check_never_misses(ctx, 100, change_facts=True)
    finally:
        engine.dispose()


def test_a_fact_changed_while_a_sweep_plans_keeps_the_pairing_due(engine, settings):
    generate(engine, 20, GENERATED_AT, seed=6)
    ctx = AppContext(settings, engine, FixedClock(GENERATED_AT))
    planned, pass_ = sweep.plan(ctx, planners(ctx), GENERATED_AT)
    with Session(engine) as session:  # a re-pair request meanwhile
        session.add(RepairRequest(pairing_id=7, person_id=7, requested_at=GENERATED_AT))
        session.commit()
    with Session(engine) as session:
        record_next_sweep(session, pass_.versions, pass_.next_at)
        session.commit()
        assert set(due_for_sweep(session, GENERATED_AT + timedelta(minutes=1))) == {7}


def test_an_escalation_looked_at_again_before_its_deadline_is_still_reminded(engine, settings):
    """As after the upgrade (every unresolved escalation NULL), or a sweep that failed after
    posting: looked at before the deadline, it waits for the deadline, not for ever."""
    generate(engine, 60, GENERATED_AT, seed=7)
    ctx = AppContext(settings, engine, FixedClock(GENERATED_AT))
    _sweep(ctx, GENERATED_AT)
    with Session(engine) as session:
        session.execute(update(Escalation).values(next_sweep_at=None))
        session.commit()
    _sweep(ctx, GENERATED_AT + timedelta(hours=1))
    later = GENERATED_AT + timedelta(days=6)
    _sweep(ctx, later)
    keys, _stalls = _recorded(ctx)
    reminders = {k for k in _escalation_keys_due(ctx, later) if not k.endswith(":card")}
    assert reminders and reminders <= keys
