"""The sweep's candidate queries never leave out a pairing the rules would act on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from bench.sweep_data import generate
from bot.context import AppContext
from bot.escalation_sweep import pairing_facts
from bot.pairing_nudges import (
    CHECK_IN_LATEST,
    LOG_REQUEST_LATEST,
    _plan_pairing,
    plan_pairing_nudges,
)
from domain.clock import FixedClock
from domain.stall_rules import StallSettings, stall_causes
from store.models import Pairing
from store.sweep_reads import (
    check_ins_by_pairing,
    nudge_candidates,
    open_repairs_by_pairing,
    pairings_with_people,
    sessions_by_pairing,
    stall_candidates,
)

GENERATED_AT = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)
# Around month ends (clamping), a weekend, and weeks later.
SWEEPS = [GENERATED_AT + timedelta(days=d, hours=h) for d in (0, 3, 6, 20, 37) for h in (0, 7)]


def _every_pairing(session: Session):
    ids = list(session.exec(select(Pairing.id).order_by(Pairing.id)))
    return ids, pairings_with_people(session, ids)


def test_nudges_from_candidates_are_those_of_every_pairing(engine, settings):
    generate(engine, 300, GENERATED_AT, seed=3)
    ctx = AppContext(settings, engine, FixedClock(GENERATED_AT))
    with Session(engine) as session:
        ids, rows = _every_pairing(session)
        sessions, check_ins = sessions_by_pairing(session, ids), check_ins_by_pairing(session, ids)
        for now in SWEEPS:
            everything = [
                message.key
                for pairing, trainee, mentor in rows
                for message, _render in _plan_pairing(
                    pairing,
                    (trainee, mentor),
                    sessions.get(pairing.id, ()),
                    check_ins.get(pairing.id, ()),
                    now,
                    settings.default_time_zone,
                )
            ]
            planned = [message.key for message in plan_pairing_nudges(ctx, now)]
            assert planned == everything and everything, now
            candidates = nudge_candidates(session, now, CHECK_IN_LATEST, LOG_REQUEST_LATEST)
            assert len(candidates) < len(ids)


def test_every_stalled_pairing_is_a_stall_candidate(engine):
    generate(engine, 300, GENERATED_AT, seed=4)
    rules = StallSettings()
    with Session(engine) as session:
        ids, rows = _every_pairing(session)
        sessions, check_ins = sessions_by_pairing(session, ids), check_ins_by_pairing(session, ids)
        repairs = open_repairs_by_pairing(session, ids)
        for now in SWEEPS:
            stalled = {
                pairing.id
                for pairing, trainee, mentor in rows
                if stall_causes(
                    pairing_facts(
                        pairing,
                        (trainee, mentor),
                        sessions.get(pairing.id, ()),
                        check_ins.get(pairing.id, ()),
                        repairs.get(pairing.id, ()),
                    )[0],
                    now,
                    rules,
                )
            }
            candidates = set(stall_candidates(session, now, rules.no_session_days))
            assert stalled and stalled <= candidates, now
            assert len(candidates) < len(ids)
