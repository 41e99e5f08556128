"""The sweep works out each pair's health (`domain.health`) and stores it when it changes.

It looks only at the pairings of the sweep's pass (their facts changed, or a moment one of the
rules named has come; see `store.next_sweep`), reads their facts in bulk, and says when the
health could next change on the same facts. It runs after the escalation planner, so an
escalation a stall raised in the same sweep already counts. Someone who has left the
configured routine nudges unanswered in a row is noticed here (`bot.health.not_responding`).

The inputs come from what the bot stores about the pair: the months' sessions as
`domain.sessions` states them, each person's latest check-in answer and their last answer to
the bot (a check-in, a "did you meet?", any message or button), the routine questions (`ASKING`)
sent to each since, the pair's open escalations and each person's pauses. Pulse ratings are
anonymous and not kept by pair, so they are not an input here.

With the colour stored, graded help follows (`bot.health.graded_help`): a pair turned amber
gets its re-engagement messages, a red one a "pair at risk" escalation.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.context import AppContext
from bot.escalations.card import channel_card_message
from bot.health.graded_help import plan_re_engagement, raise_pair_at_risk
from bot.health.not_responding import ASKING, notice_not_responding, unanswered_in_a_row
from bot.outbox.planned import PLANNING_DRY_RUN, PlannedMessage, sweep_pass
from bot.settings import health_settings_of
from domain.cadence import programme_end
from domain.escalations import Kind
from domain.health import HealthInputs, MonthSession, Side, health, next_health_change
from domain.sessions import facts_of, session_state
from store.db import chunked
from store.health import PairHealth, health_of, record_health
from store.models import PairingStatus
from store.pauses import pauses_of
from store.re_engagements import latest_windows
from store.sweep_reads import (
    check_ins_by_pairing,
    open_escalations_by_pairing,
    pairings_with_people,
    resolved_by_pairing,
    routine_sends_to,
    sessions_by_pairing,
)


def _side(role: str, person, answered_at: list, check_ins, sends: list, pauses=()) -> Side:
    mine = [row for row in check_ins if row.person_id == person.id]
    answered = [at for at in answered_at if at is not None]
    answered += [row.answered_at for row in mine]
    if person.last_heard_at is not None:
        answered.append(person.last_heard_at)
    last = max(answered, default=None)
    return Side(
        role,
        last_answered_at=last,
        unanswered_nudges=unanswered_in_a_row(sends, last or datetime.min.replace(tzinfo=UTC)),
        check_in=mine[-1].answer if mine else None,
        pauses=tuple(pauses),
    )


def health_inputs(
    pairing, trainee, mentor, sessions, check_ins, escalations, sends, pauses=None
) -> HealthInputs:
    """The health rules' inputs from a pairing's stored rows (`check_ins` oldest first;
    `sends`: when routine nudges went to each person, by AAD id, counted from pairing;
    `pauses`: each person's, by person id)."""
    pauses = pauses or {}
    release_blocks = sum(1 for e in escalations if e.kind == Kind.RELEASE_BLOCK.value)

    def sent_to(person) -> list:
        return [at for at in sends.get(person.aad_object_id, ()) if at >= pairing.paired_at]

    return HealthInputs(
        paired_at=pairing.paired_at,
        length_months=pairing.length_months,
        trainee=_side(
            "trainee",
            trainee,
            [row.trainee_answered_at for row in sessions],
            check_ins,
            sent_to(trainee),
            pauses.get(trainee.id, ()),
        ),
        mentor=_side(
            "mentor",
            mentor,
            [row.mentor_answered_at for row in sessions],
            check_ins,
            sent_to(mentor),
            pauses.get(mentor.id, ()),
        ),
        sessions=tuple(
            MonthSession(row.month, session_state(facts_of(row)), row.held_on) for row in sessions
        ),
        open_escalations=len(escalations) - release_blocks,
        release_blocks=release_blocks,
    )


def plan_health(ctx: AppContext, now: datetime) -> list[PlannedMessage]:
    rules = health_settings_of(ctx.settings)
    messages: list[PlannedMessage] = []
    with ctx.session() as session:
        due = sweep_pass(session, now)
        for chunk in chunked(due.ids):
            sessions = sessions_by_pairing(session, chunk)
            check_ins = check_ins_by_pairing(session, chunk)
            escalations = open_escalations_by_pairing(session, chunk)
            rows = pairings_with_people(session, chunk)
            pauses = pauses_of(session, {p.id for _pairing, *pair in rows for p in pair})
            windows = latest_windows(session, chunk)
            resolved = resolved_by_pairing(session, chunk)
            # The chunk's stored health in one query, held here so that `record_health` and
            # the read below find each row in the session (`Session.get`) without asking again.
            loaded = health_of(session, chunk)
            sends = routine_sends_to(
                session, {p.aad_object_id for _pairing, *pair in rows for p in pair}, ASKING
            )
            for pairing, trainee, mentor in rows:
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
                    sends,
                    pauses,
                )
                raised = 0
                for silent, partner, side in (
                    (trainee, mentor, inputs.trainee),
                    (mentor, trainee, inputs.mentor),
                ):
                    if (
                        silent.not_responding_since is None
                        and side.unanswered_nudges >= rules.red_unanswered_nudges
                    ):
                        raised = 1
                        messages.append(
                            notice_not_responding(
                                session,
                                pairing=pairing,
                                silent=silent,
                                partner=partner,
                                role=side.role,
                                unanswered=side.unanswered_nudges,
                                default_zone=ctx.settings.default_time_zone,
                                now=now,
                            )
                        )
                result = health(inputs, now, rules)
                record_health(session, pairing.id, result.colour.value, result.reasons, now)
                stored = loaded.get(pairing.id) or session.get(PairHealth, pairing.id)
                messages += plan_re_engagement(
                    session,
                    pairing=pairing,
                    trainee=trainee,
                    mentor=mentor,
                    stored=stored,
                    result=result,
                    latest_window=windows.get(pairing.id),
                    every_days=rules.re_engage_every_days,
                    now=now,
                )
                at_risk = raise_pair_at_risk(
                    session,
                    pairing=pairing,
                    stored=stored,
                    result=result,
                    open_escalations=len(escalations.get(pairing.id, ())) + raised,
                    resolved=resolved.get(pairing.id, []),
                    now=now,
                )
                # Posted by this sweep, as the escalations planner (which ran before the pair's
                # health was worked out) posts the escalations it raises.
                post = at_risk and channel_card_message(session, ctx.settings, at_risk, now)
                if post:
                    messages.append(post)
                due.look_again(pairing.id, next_health_change(inputs, now, rules))
        if PLANNING_DRY_RUN.get():
            session.rollback()
    return messages
