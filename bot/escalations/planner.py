"""The sweep's escalation rules: stalled pairings, reminders of unacknowledged escalations.

On every sweep, for each active pairing still within its programme whose moment has come, the
facts are read from the store (in bulk) and `domain.stall_rules.stall_causes` decides what is
wrong; `next_stall_change` says when to look again. Each cause opens an escalation, or adds
its evidence to the open one of the same pairing and cause (an occurrence already on it, or
one a coordinator resolved, is not raised again). Then, for every open escalation: its card is
posted to the coordinator channel once (`escalation:<id>:card`), and if nobody has
acknowledged it after the configured working days (in the coordinators' zone)
it is posted again and sent to the champion, once (`escalation:<id>:repost` / `:champion`).
People whose release block could not reach the coordinators at once are told when it has.

Evidence added by a sweep shows on the card the next time the card changes (and on a re-post).
A dry-run sweep rolls back what this planner would record.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlmodel import Session

from bot.context import AppContext
from bot.escalations.card import (
    CARD,
    CHAMPION,
    REPOST,
    champion_message,
    channel_card_message,
    reached_coordinators,
)
from bot.outbox.planned import PLANNING_DRY_RUN, PlannedMessage, sweep_pass
from bot.settings import working_hours_of
from bot.teams import message_payload
from domain.cadence import programme_end
from domain.keys import (
    check_in_occurrence,
    dated_occurrence,
    escalation_card_key,
    escalation_open_key,
    person_of_occurrence,
    release_block_reached_key,
)
from domain.pauses import Pause
from domain.stall_rules import (
    CheckInAnswer,
    LoggedSession,
    PairingFacts,
    PersonEvent,
    StallSettings,
    escalation_deadline,
    next_stall_change,
    stall_causes,
)
from store.db import chunked
from store.escalations import (
    get_escalation,
    mark_reminded,
    raise_escalation,
    record_event,
    release_blocks_not_told,
    unresolved_at_a_glance,
)
from store.models import PairingStatus, Person
from store.next_sweep import NEVER
from store.outbox import existing_keys
from store.pauses import pauses_of
from store.sweep_reads import (
    check_ins_by_pairing,
    escalation_refs,
    open_repairs_by_pairing,
    pairings_with_people,
    sessions_by_pairing,
)


def pairing_facts(
    pairing, people, sessions, check_ins, repair_requests, pauses: tuple[Pause, ...] = ()
) -> tuple[PairingFacts, dict, dict]:
    """The stall rules' facts about a pairing, from its rows and either person's pauses; the
    private words and the person behind each occurrence ref (a check-in comment, a re-pair
    reason)."""
    trainee, mentor = people
    people = {trainee.id: trainee, mentor.id: mentor}
    private: dict[str, str] = {}
    said_by: dict[str, str] = {}
    check_in_answers = []
    for row in check_ins:
        check_in_answers.append(
            CheckInAnswer(
                row.person_id,
                row.week,
                row.answer,
                row.answered_at,
                people[row.person_id].display_name if row.person_id in people else None,
            )
        )
        ref = check_in_occurrence(row.person_id, row.week)
        if row.comment:
            private[ref] = row.comment
        if row.person_id in people:
            said_by[ref] = people[row.person_id].aad_object_id
    repairs = []
    for request in repair_requests:
        person = people.get(request.person_id)
        repairs.append(
            PersonEvent(request.person_id, request.requested_at, person and person.display_name)
        )
        ref = dated_occurrence(request.person_id, request.requested_at.date())
        if request.reason:
            private[ref] = request.reason
        if person is not None:
            said_by[ref] = person.aad_object_id
    facts = PairingFacts(
        paired_at=pairing.paired_at,
        length_months=pairing.length_months,
        sessions=tuple(
            LoggedSession(row.held_on, row.month)
            for row in sessions
            if row.happened and row.held_on is not None
        ),
        check_ins=tuple(check_in_answers),
        repair_requests=tuple(repairs),
        unreachable=tuple(
            PersonEvent(person.id, person.unreachable_since, person.display_name)
            for person in (trainee, mentor)
            if person.unreachable_since is not None
        ),
        pauses=pauses,
    )
    return facts, private, said_by


def _raise_stalls(ctx: AppContext, session: Session, now: datetime) -> None:
    """Raise what `stall_causes` finds, over the active pairings of this sweep's pass, read in
    chunks; an occurrence already on the open escalation, or resolved before, is left alone
    without touching the escalation. Reports when each pairing's causes could next change."""
    rules = StallSettings(no_session_days=ctx.settings.no_session_days)
    due = sweep_pass(session, now)
    for chunk in chunked(due.ids):
        sessions = sessions_by_pairing(session, chunk)
        check_ins = check_ins_by_pairing(session, chunk)
        repairs = open_repairs_by_pairing(session, chunk)
        open_refs, resolved_refs = escalation_refs(session, chunk)
        rows = pairings_with_people(session, chunk)
        pauses = pauses_of(session, {person.id for _pairing, *pair in rows for person in pair})
        for pairing, trainee, mentor in rows:
            active = pairing.status == PairingStatus.ACTIVE.value
            if not active or now >= programme_end(pairing.paired_at, pairing.length_months):
                due.look_again(pairing.id, None)
                continue
            facts, private, said_by = pairing_facts(
                pairing,
                (trainee, mentor),
                sessions.get(pairing.id, ()),
                check_ins.get(pairing.id, ()),
                repairs.get(pairing.id, ()),
                pauses.get(trainee.id, ()) + pauses.get(mentor.id, ()),
            )
            due.look_again(pairing.id, next_stall_change(facts, now, rules))
            for stall in stall_causes(facts, now, rules):
                if stall.ref in resolved_refs.get((pairing.id, stall.cause.value), ()):
                    continue
                key = escalation_open_key(stall.cause, pairing_id=pairing.id, person_id=None)
                if stall.ref in open_refs.get(key, ()):
                    continue
                raise_escalation(
                    session,
                    cause=stall.cause.value,
                    now=now,
                    evidence=stall.evidence,
                    ref=stall.ref,
                    programme_id=pairing.programme_id,
                    pairing_id=pairing.id,
                    person_id=person_of_occurrence(stall.ref),
                    private=private.get(stall.ref),
                    said_by=said_by.get(stall.ref),
                )


def plan_escalations(ctx: AppContext, now: datetime) -> list[PlannedMessage]:
    settings = ctx.settings
    hours = working_hours_of(settings)
    messages: list[PlannedMessage] = []
    with ctx.session() as session:
        _raise_stalls(ctx, session, now)
        due = sweep_pass(session, now)
        open_ones = unresolved_at_a_glance(session, due_at=None if due.everything else now)
        known = existing_keys(
            session,
            (escalation_card_key(e.id, v) for e in open_ones for v in (CARD, REPOST, CHAMPION)),
        )
        # Escalations opened by the same sweep share their deadline.
        deadline_of = cache(
            lambda opened_at: escalation_deadline(
                opened_at,
                settings.default_time_zone,
                hours,
                settings.escalation_working_days,
                default_zone=settings.default_time_zone,
            )
        )
        for glance in open_ones:
            posted = escalation_card_key(glance.id) in known
            deadline = deadline_of(glance.opened_at)
            overdue = glance.acknowledged_at is None and now >= deadline
            reminded = (
                glance.reminded_at is not None
                and {
                    escalation_card_key(glance.id, REPOST),
                    escalation_card_key(glance.id, CHAMPION),
                }
                <= known
            )
            # Once its card is posted, the next thing is the reminder at the deadline, unless
            # it is acknowledged first; nothing once the reminder is sent. Left out: at the
            # next sweep (no channel or champion to send to yet).
            if posted and (not overdue or reminded):
                # Nothing new to post or send, nothing to record.
                waiting = glance.acknowledged_at is None and not overdue
                due.escalations_next_at[glance.id] = deadline if waiting else NEVER
                continue
            escalation = get_escalation(session, glance.id)
            if not posted:
                post = channel_card_message(session, settings, escalation, now)
                if post is not None:
                    messages.append(post)
                    posted = True
            if not overdue:
                if posted:
                    due.escalations_next_at[glance.id] = (
                        NEVER if glance.acknowledged_at else deadline
                    )
                continue
            sent = {
                key
                for key in (escalation_card_key(glance.id, v) for v in (REPOST, CHAMPION))
                if key in known
            }
            if escalation_card_key(escalation.id, REPOST) not in known:
                repost = channel_card_message(session, settings, escalation, now, REPOST)
                if repost is not None:
                    messages.append(repost)
                    sent.add(repost.key)
            if escalation_card_key(escalation.id, CHAMPION) not in known:
                to_champion = champion_message(session, settings, escalation, now)
                if to_champion is not None:
                    messages.append(to_champion)
                    sent.add(to_champion.key)
            if posted and len(sent) == 2:
                due.escalations_next_at[glance.id] = NEVER
            if mark_reminded(session, escalation.id, now):
                record_event(
                    session,
                    escalation.id,
                    now,
                    None,
                    "reminded",
                    None if settings.champion else "no champion is configured",
                )
        for block in release_blocks_not_told(session):
            if not reached_coordinators(session, block.escalation_id):
                continue
            person = session.get(Person, block.person_id)
            messages.append(
                PlannedMessage(
                    person.aad_object_id,
                    "release_block_reached",
                    release_block_reached_key(block.id),
                    payload=message_payload(
                        "What you reported about not being released has now reached the "
                        "programme coordinators. I'll tell you here what they decide."
                    ),
                    routine=False,
                    working_hours=True,
                )
            )
            block.told_reached_at = now
            session.add(block)
            record_event(
                session, block.escalation_id, now, None, "told_reached", person.display_name
            )
        if PLANNING_DRY_RUN.get():
            session.rollback()
    return messages
