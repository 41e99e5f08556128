"""The sweep works out each pair's health (`domain.health`) and stores it when it changes.

It looks only at the pairings of the sweep's pass (their facts changed, or a moment one of the
rules named has come; see `store.next_sweep`), reads their facts in bulk, and says when the
health could next change on the same facts. It runs after the escalation planner, so an
escalation a stall raised in the same sweep already counts. Nothing is sent.

The inputs come from what the bot stores about the pair: the months' sessions as
`domain.sessions` states them, each person's latest check-in answer and their last answer to
the bot (a check-in or a "did you meet?"), and the pair's open escalations. Pulse ratings are
anonymous and not kept by pair, so they are not an input here.
"""

from __future__ import annotations

from datetime import datetime

from bot.context import AppContext
from bot.outbox.planned import PLANNING_DRY_RUN, PlannedMessage, sweep_pass
from bot.settings import health_settings_of
from domain.cadence import programme_end
from domain.escalations import Kind
from domain.health import HealthInputs, MonthSession, Side, health, next_health_change
from domain.sessions import facts_of, session_state
from store.db import chunked
from store.health import record_health
from store.models import PairingStatus
from store.sweep_reads import (
    check_ins_by_pairing,
    open_escalations_by_pairing,
    pairings_with_people,
    sessions_by_pairing,
)


def _side(role: str, person_id: int, answered_at: list, check_ins) -> Side:
    mine = [row for row in check_ins if row.person_id == person_id]
    answered = [at for at in answered_at if at is not None]
    answered += [row.answered_at for row in mine]
    return Side(
        role,
        last_answered_at=max(answered, default=None),
        check_in=mine[-1].answer if mine else None,
    )


def health_inputs(pairing, trainee, mentor, sessions, check_ins, escalations) -> HealthInputs:
    """The health rules' inputs from a pairing's stored rows (`check_ins` oldest first)."""
    release_blocks = sum(1 for e in escalations if e.kind == Kind.RELEASE_BLOCK.value)
    return HealthInputs(
        paired_at=pairing.paired_at,
        length_months=pairing.length_months,
        trainee=_side(
            "trainee", trainee.id, [row.trainee_answered_at for row in sessions], check_ins
        ),
        mentor=_side("mentor", mentor.id, [row.mentor_answered_at for row in sessions], check_ins),
        sessions=tuple(
            MonthSession(row.month, session_state(facts_of(row)), row.held_on) for row in sessions
        ),
        open_escalations=len(escalations) - release_blocks,
        release_blocks=release_blocks,
    )


def plan_health(ctx: AppContext, now: datetime) -> list[PlannedMessage]:
    rules = health_settings_of(ctx.settings)
    with ctx.session() as session:
        due = sweep_pass(session, now)
        for chunk in chunked(due.ids):
            sessions = sessions_by_pairing(session, chunk)
            check_ins = check_ins_by_pairing(session, chunk)
            escalations = open_escalations_by_pairing(session, chunk)
            for pairing, trainee, mentor in pairings_with_people(session, chunk):
                active = pairing.status == PairingStatus.ACTIVE.value
                if not active or now >= programme_end(pairing.paired_at, pairing.length_months):
                    due.look_again(pairing.id, None)
                    continue
                inputs = health_inputs(
                    pairing,
                    trainee,
                    mentor,
                    sessions.get(pairing.id, ()),
                    check_ins.get(pairing.id, ()),
                    escalations.get(pairing.id, ()),
                )
                result = health(inputs, now, rules)
                record_health(session, pairing.id, result.colour.value, result.reasons, now)
                due.look_again(pairing.id, next_health_change(inputs, now, rules))
        if PLANNING_DRY_RUN.get():
            session.rollback()
    return []
