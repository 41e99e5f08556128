"""Escalations in the coordinator channel: raising one, its card, and the coordinators'
actions on it (acknowledge, assign to me, add note, resolve, re-pair, end pairing, message
the participant), plus the `escalations` listing.

Cards go to the channel through the outbox (`escalation:<id>:card`, once); every later change
replaces the card in place (and its re-post, and the champion's copy) to show its state and
who acted. A participant's own words are shown on the coordinators' cards only: never to the
other party, and not on the champion's copy. Every change is an `EscalationEvent`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from botbuilder.core import TurnContext
from sqlmodel import Session

from adaptive_cards import render_card
from bot.channel_posts import update_in_reference
from bot.commands import TEAM
from bot.context import AppContext
from bot.dispatcher import enqueue_and_dispatch
from bot.graph import GraphClient
from bot.paging import numbered_pages
from bot.planned import PlannedMessage
from bot.proactive import message_payload
from bot.settings import Settings
from bot.teams import card_int, card_message, scope_of, sender_of
from domain.authorisation import Role
from domain.escalations import (
    RELEASE_FOR,
    Cause,
    Kind,
    Op,
    State,
    Status,
    kind_of,
    open_for,
    refusal,
    title_of,
)
from domain.local_time import format_local_date, format_local_datetime
from domain.text_limits import LONG_TEXT, limit_words
from store.conversations import personal_ref, ref_by_conversation
from store.escalations import (
    Escalation,
    ReleaseBlock,
    close_repair_requests,
    events_of,
    get_escalation,
    raise_escalation,
    record_event,
    release_blocks_of,
    unresolved,
    unresolved_of_pairing,
)
from store.escalations import acknowledge as acknowledge_row
from store.escalations import resolve as resolve_row
from store.models import ConversationRef, Pairing, PairingStatus, Person, Programme
from store.outbox import OutboxStatus, by_key
from store.people import get_person
from store.programmes import current_programme

log = logging.getLogger(__name__)

CARD, REPOST, CHAMPION = "card", "repost", "champion"
HISTORY_SHOWN = 8
_EVENT_WORDS = {
    "opened": "raised",
    "evidence": "more evidence",
    "acknowledged": "acknowledged",
    "assigned": "assigned it to",
    "note": "note",
    "resolved": "resolved",
    "re_paired": "re-paired",
    "pairing_ended": "ended the pairing",
    "messaged": "messaged",
    "reminded": "unacknowledged: posted again",
    "told_reached": "told the reporter it reached the coordinators",
    "told_outcome": "told the reporter the outcome",
}
_TEXT_INPUT = {Op.NOTE: "note", Op.RESOLVE: "outcome", Op.MESSAGE: "message"}


def card_key(escalation_id: int, variant: str = CARD) -> str:
    return f"escalation:{escalation_id}:{variant}"


def escalation_title(escalation: Escalation) -> str:
    return title_of(escalation.cause, paired=escalation.pairing_id is not None)


def champion_copy(session: Session, escalation_id: int, settings: Settings) -> str:
    """Where the champion's copy of a re-post stands: "sent", "on its way", "undelivered", or
    "none" (no champion is configured)."""
    row = by_key(session, card_key(escalation_id, CHAMPION))
    if row is None:
        return "on its way" if settings.champion else "none"
    if row.status == OutboxStatus.SENT.value:
        return "sent"
    if row.status == OutboxStatus.PENDING.value:
        return "on its way"
    return "undelivered"


_REPOSTED = {
    "sent": "posted again and sent to the programme champion.",
    "on its way": "posted again; a copy is on its way to the programme champion.",
    "undelivered": "posted again; the copy for the programme champion could not be delivered.",
    "none": "posted again. No programme champion is configured, so nobody else has been told.",
}
_REMINDED = {
    "sent": " and sent to the programme champion",
    "on its way": "; a copy is on its way to the programme champion",
    "undelivered": "; the copy for the programme champion could not be delivered",
    "none": " (no programme champion is configured)",
}


def name_of(session: Session, aad: str | None, fallback: str = "someone") -> str:
    person = get_person(session, aad) if aad else None
    return (person.display_name if person and person.display_name else None) or fallback


def coordinator_channel(session: Session, escalation: Escalation, now) -> ConversationRef | None:
    programme = (
        session.get(Programme, escalation.programme_id)
        if escalation.programme_id
        else current_programme(session, now)
    )
    if programme is None or not programme.coordinator_conversation_id:
        return None
    return ref_by_conversation(session, programme.coordinator_conversation_id)


def people_of(session: Session, escalation: Escalation) -> list[tuple[Person, str]]:
    """The participants an escalation is about, with their role: the pair, or the reporter."""
    pairing = session.get(Pairing, escalation.pairing_id) if escalation.pairing_id else None
    if pairing is not None:
        return [
            (session.get(Person, pairing.trainee_person_id), "trainee"),
            (session.get(Person, pairing.mentor_person_id), "mentor"),
        ]
    person = session.get(Person, escalation.person_id) if escalation.person_id else None
    return [(person, "participant")] if person is not None else []


def escalation_card(
    session: Session,
    settings: Settings,
    escalation: Escalation,
    now: datetime,
    variant: str = CARD,
) -> dict:
    """The card of an escalation as it stands at `now`, for the channel or the champion."""
    tz = settings.default_time_zone
    for_champion = variant == CHAMPION
    pairing = session.get(Pairing, escalation.pairing_id) if escalation.pairing_id else None
    people = people_of(session, escalation)
    reporter = session.get(Person, escalation.person_id) if escalation.person_id else None
    resolved = escalation.status == Status.RESOLVED.value

    facts = []
    if pairing is not None:
        trainee, mentor = people[0][0], people[1][0]
        pair_line = (
            f"{trainee.display_name} (trainee) ↔ {mentor.display_name} (mentor), since "
            f"{format_local_date(pairing.paired_at, tz)}"
        )
        if pairing.status != PairingStatus.ACTIVE.value:
            pair_line += f" — {pairing.status}"
        facts.append({"title": "Pairing", "value": pair_line})
        if reporter is not None:
            facts.append({"title": "Raised by", "value": reporter.display_name or "—"})
    else:
        facts.append({"title": "Who", "value": reporter.display_name if reporter else "—"})
        facts.append({"title": "Pairing", "value": "not paired"})
    since = format_local_datetime(escalation.opened_at, tz)
    if resolved:
        facts.append(
            {
                "title": "Was open",
                "value": f"{open_for(escalation.resolved_at - escalation.opened_at)} "
                f"(from {since})",
            }
        )
    else:
        facts.append(
            {
                "title": "Open for",
                "value": f"{open_for(now - escalation.opened_at)} (since {since})",
            }
        )
    facts.append({"title": "Status", "value": _status_line(session, escalation, tz)})
    if not resolved:
        facts.append(
            {
                "title": "Assigned to",
                "value": name_of(session, escalation.assigned_to)
                if escalation.assigned_to
                else "nobody yet",
            }
        )
    blocks = release_blocks_of(session, escalation.id) if escalation.id else []
    for block in _latest_per_person(blocks):
        who = session.get(Person, block.person_id)
        manager = (
            f"{block.manager_name}" + (f" ({block.manager_email})" if block.manager_email else "")
            if block.manager_name
            else "unknown"
        )
        facts.append({"title": f"Line manager of {who.display_name}", "value": manager})

    evidence = [
        {"line": f"{format_local_date(datetime.fromisoformat(e['at']), tz)}: {e['text']}"}
        for e in escalation.evidence
    ]
    private = [
        {"line": f"{name_of(session, e.get('by'), 'They')}: “{e['private']}”"}
        for e in escalation.evidence
        if e.get("private")
    ]
    history = [
        {"line": _history_line(session, settings, event, tz)}
        for event in events_of(session, escalation.id)[-HISTORY_SHOWN:]
    ]
    banner = ""
    if variant == REPOST and not resolved:
        banner = (
            f"Still not acknowledged after {settings.escalation_working_days} working days: "
            + _REPOSTED[champion_copy(session, escalation.id, settings)]
        )
    elif for_champion:
        banner = (
            f"Sent to you as the programme champion: nobody acknowledged this in "
            f"{settings.escalation_working_days} working days."
        )
    recipients = [
        {"title": f"{person.display_name} ({role})", "value": str(person.id)}
        for person, role in people
    ]
    default = str(escalation.person_id) if escalation.person_id else ""
    if default not in {r["value"] for r in recipients}:
        default = recipients[0]["value"] if recipients else ""
    active = pairing is not None and pairing.status == PairingStatus.ACTIVE.value
    cause = Cause(escalation.cause)
    return render_card(
        "escalation",
        {
            "escalation_id": escalation.id,
            "title": ("✅ " if resolved else "⚠️ ") + escalation_title(escalation),
            "color": "Good" if resolved else "Attention",
            "subtitle": f"Escalation #{escalation.id}",
            "banner": banner,
            "facts": facts,
            "evidence": evidence,
            "private": [] if for_champion else private,
            "has_private": bool(private) and not for_champion,
            "private_elsewhere": "Their own words are shown to the coordinators only."
            if for_champion and private
            else "",
            "history": history,
            "has_history": bool(history),
            "open": not resolved,
            "can_acknowledge": escalation.status == Status.OPEN.value,
            "can_message": not resolved and bool(recipients),
            "recipients": recipients,
            "default_recipient": default,
            "has_pairing": not resolved and active,
            "pairing_line": (
                f"End the pairing of {people[0][0].display_name} and {people[1][0].display_name}?"
                if active
                else ""
            ),
            "outcome_label": (
                "Outcome (also sent to whoever reported the release block; "
                if kind_of(cause) == Kind.RELEASE_BLOCK
                else "Outcome ("
            )
            + f"{limit_words(LONG_TEXT)})",
        },
    )


def _latest_per_person(blocks: list[ReleaseBlock]) -> list[ReleaseBlock]:
    latest: dict[int, ReleaseBlock] = {}
    for block in blocks:
        latest[block.person_id] = block
    return list(latest.values())


def _status_line(session: Session, escalation: Escalation, tz: str) -> str:
    if escalation.status == Status.RESOLVED.value:
        return (
            f"Resolved by {name_of(session, escalation.resolved_by)}, "
            f"{format_local_datetime(escalation.resolved_at, tz)}: {escalation.outcome}"
        )
    if escalation.status == Status.ACKNOWLEDGED.value:
        return (
            f"Acknowledged by {name_of(session, escalation.acknowledged_by)}, "
            f"{format_local_datetime(escalation.acknowledged_at, tz)}"
        )
    return "Open: not acknowledged yet"


def _history_line(session: Session, settings: Settings, event, tz: str) -> str:
    who = name_of(session, event.actor_aad_object_id, "Step Forward")
    words = _EVENT_WORDS.get(event.event, event.event)
    line = f"{format_local_datetime(event.at, tz)} · {who}: {words}"
    if event.event == "reminded":
        return line + _REMINDED[champion_copy(session, event.escalation_id, settings)]
    if event.detail and event.event not in ("opened", "evidence"):
        line += f" {event.detail}" if event.event == "assigned" else f": {event.detail}"
    return line


def channel_card_message(
    session: Session, settings: Settings, escalation: Escalation, now, variant: str = CARD
) -> PlannedMessage | None:
    """The channel post (or re-post) of an escalation, if there is a coordinator channel."""
    channel = coordinator_channel(session, escalation, now)
    if channel is None:
        return None
    card = escalation_card(session, settings, escalation, now, variant)
    return PlannedMessage(
        channel.conversation_id,
        "escalation" if variant == CARD else "escalation_repost",
        card_key(escalation.id, variant),
        payload=message_payload(cards=[card], summary=escalation_title(escalation)),
        routine=False,
        to_channel=True,
        working_hours=False,
    )


def champion_message(
    session: Session, settings: Settings, escalation: Escalation, now
) -> PlannedMessage | None:
    if not settings.champion:
        return None
    card = escalation_card(session, settings, escalation, now, CHAMPION)
    return PlannedMessage(
        settings.champion,
        "escalation_champion",
        card_key(escalation.id, CHAMPION),
        payload=message_payload(
            "An escalation in the mentoring programme has waited "
            f"{settings.escalation_working_days} working days without a coordinator "
            "acknowledging it. You can act on it here.",
            cards=[card],
        ),
        routine=False,
        working_hours=True,
    )


def reached_coordinators(session: Session, escalation_id: int) -> bool:
    row = by_key(session, card_key(escalation_id))
    return row is not None and row.status == OutboxStatus.SENT.value


@dataclass(frozen=True)
class Raised:
    escalation_id: int
    what: str  # opened / evidence / unchanged
    reached: bool  # its card is in the coordinator channel


class Escalations:
    """Raising escalations at once, and what coordinators (or the champion) do with them."""

    def __init__(self, ctx: AppContext, graph: GraphClient | None = None) -> None:
        self.ctx = ctx
        self.graph = graph or GraphClient(ctx.settings)
        self.pairings = None  # bot.pairing.Pairings, set by the handler (re-pair, end pairing)

    @property
    def _tz(self) -> str:
        return self.ctx.settings.default_time_zone

    # --- raising -------------------------------------------------------------------------------

    async def raise_now(
        self,
        adapter,
        *,
        cause: Cause,
        evidence: str,
        ref: str | None,
        person_id: int | None,
        pairing_id: int | None,
        private: str | None = None,
        actor: str | None = None,
        release_block_id: int | None = None,
    ) -> Raised:
        """Open (or add evidence to) an escalation and post or refresh its card at once."""
        now = self.ctx.clock.now()
        with self.ctx.session() as session:
            pairing = session.get(Pairing, pairing_id) if pairing_id else None
            programme = (
                session.get(Programme, pairing.programme_id)
                if pairing
                else current_programme(session, now)
            )
            escalation, what = raise_escalation(
                session,
                cause=cause,
                now=now,
                evidence=evidence,
                ref=ref,
                programme_id=programme.id if programme else None,
                pairing_id=pairing.id if pairing else None,
                person_id=person_id,
                private=private,
                actor=actor,
            )
            if release_block_id is not None:
                block = session.get(ReleaseBlock, release_block_id)
                block.escalation_id = escalation.id
                session.add(block)
            escalation_id = escalation.id
            post = (
                channel_card_message(session, self.ctx.settings, escalation, now)
                if not reached_coordinators(session, escalation_id)
                else None
            )
        log.info("escalation id=%s cause=%s %s", escalation_id, cause, what)
        if post is not None:
            await enqueue_and_dispatch(self.ctx, adapter, post)
        elif what == "evidence":
            await self.refresh(adapter, escalation_id)
        with self.ctx.session() as session:
            reached = reached_coordinators(session, escalation_id)
        return Raised(escalation_id, what, reached)

    async def refresh(self, adapter, escalation_id: int, turn: TurnContext | None = None):
        """Replace every copy of the card (channel post, re-post, champion's, the one clicked)."""
        now = self.ctx.clock.now()
        settings = self.ctx.settings
        targets: list[tuple[dict, str, str]] = []
        with self.ctx.session() as session:
            escalation = get_escalation(session, escalation_id)
            channel = coordinator_channel(session, escalation, now)
            champion = personal_ref(session, settings.champion) if settings.champion else None
            for variant, ref in ((CARD, channel), (REPOST, channel), (CHAMPION, champion)):
                row = by_key(session, card_key(escalation_id, variant))
                if row is not None and row.activity_id and ref is not None:
                    targets.append((dict(ref.reference), row.activity_id, variant))
            clicked = turn.activity.reply_to_id if turn is not None else None
            if clicked and clicked not in {activity_id for _, activity_id, _ in targets}:
                here = TurnContext.get_conversation_reference(turn.activity).serialize()
                personal = scope_of(turn.activity) != TEAM
                targets.append((here, clicked, CHAMPION if personal else CARD))
            cards = {
                variant: escalation_card(session, settings, escalation, now, variant)
                for variant in {variant for _, _, variant in targets}
            }
        for reference, activity_id, variant in targets:
            try:
                await update_in_reference(
                    adapter, settings.app_id, reference, activity_id, card_message(cards[variant])
                )
            except Exception:
                log.warning("could not refresh the escalation card activity=%s", activity_id)

    # --- coordinator actions ----------------------------------------------------------------

    def _state(self, session: Session, escalation: Escalation, actor: str | None) -> State:
        pairing = session.get(Pairing, escalation.pairing_id) if escalation.pairing_id else None
        return State(
            status=escalation.status,
            acknowledged_by=name_of(session, escalation.acknowledged_by),
            acknowledged_when=format_local_datetime(escalation.acknowledged_at, self._tz)
            if escalation.acknowledged_at
            else None,
            assigned_to_actor=bool(actor) and escalation.assigned_to == actor,
            resolved_by=name_of(session, escalation.resolved_by),
            resolved_when=format_local_datetime(escalation.resolved_at, self._tz)
            if escalation.resolved_at
            else None,
            outcome=escalation.outcome,
            has_active_pairing=pairing is not None and pairing.status == PairingStatus.ACTIVE.value,
        )

    def _acknowledge(self, session: Session, escalation_id: int, actor: str, now) -> bool:
        if acknowledge_row(session, escalation_id, actor, now):
            record_event(session, escalation_id, now, actor, "acknowledged")
            return True
        return False

    async def act(self, turn: TurnContext, value: dict) -> None:
        """A button on an escalation card (roles already checked: coordinator or champion)."""
        actor = sender_of(turn.activity)
        aad = actor.aad_object_id or ""
        now = self.ctx.clock.now()
        try:
            op = Op(str(value.get("escalation")))
        except ValueError:
            await turn.send_activity("Sorry, I couldn't read that action. Please try again.")
            return
        escalation_id = card_int(value.get("escalation_id"))
        text = str(value.get(_TEXT_INPUT.get(op, ""), "") or "").strip()
        later: list[PlannedMessage] = []
        async with self.ctx.session_then_reply(turn) as (session, replies):
            escalation = get_escalation(session, escalation_id) if escalation_id else None
            if escalation is None:
                replies.append("I can't find that escalation any more.")
                return
            problem = refusal(op, self._state(session, escalation, aad), text)
            if problem is None and op == Op.MESSAGE:
                recipient = next(
                    (
                        person
                        for person, _ in people_of(session, escalation)
                        if str(person.id) == str(value.get("recipient"))
                    ),
                    None,
                )
                if recipient is None:
                    problem = "Please choose who the message is for."
            if problem is not None:
                replies.extend(numbered_pages(problem))
                return
            who = name_of(session, aad, actor.name or "a coordinator")
            pairing_id = escalation.pairing_id
            if op == Op.ACKNOWLEDGE:
                if not self._acknowledge(session, escalation_id, aad, now):
                    session.expire_all()
                    escalation = get_escalation(session, escalation_id)
                    replies.append(
                        refusal(op, self._state(session, escalation, aad)) or "Nothing changed."
                    )
                    return
                reply = f"Acknowledged by {who}."
            elif op == Op.RESOLVE:
                if not resolve_row(session, escalation_id, aad, now, text):
                    session.expire_all()
                    escalation = get_escalation(session, escalation_id)
                    replies.append(
                        refusal(op, self._state(session, escalation, aad)) or "Nothing changed."
                    )
                    return
                later += self._resolved(session, escalation_id, aad, now, text)
                reply = f"Resolved by {who}: {text}"
            elif op in (Op.REPAIR, Op.END_PAIRING):
                reply = None  # the pairing's own replies say what happened
            else:
                self._acknowledge(session, escalation_id, aad, now)
                if op == Op.ASSIGN:
                    escalation = get_escalation(session, escalation_id)
                    escalation.assigned_to = aad
                    escalation.updated_at = now
                    session.add(escalation)
                    record_event(session, escalation_id, now, aad, "assigned", who)
                    reply = f"Assigned to {who}."
                elif op == Op.NOTE:
                    record_event(session, escalation_id, now, aad, "note", text)
                    reply = f"Note added by {who}."
                else:  # Op.MESSAGE
                    event = record_event(
                        session,
                        escalation_id,
                        now,
                        aad,
                        "messaged",
                        f"{recipient.display_name}: {text}",
                    )
                    role = (
                        "programme coordinator"
                        if Role.COORDINATOR in self.ctx.roles(session, aad)
                        else "programme champion"
                    )
                    direct = PlannedMessage(
                        recipient.aad_object_id,
                        "coordinator_message",
                        f"escalation:{escalation_id}:message:{event.id}",
                        payload=message_payload(
                            f"A message from {who}, {role}:\n\n{text}\n\n"
                            "Reply here, or type **I need help** to reach the coordinators."
                        ),
                        routine=False,
                        working_hours=False,
                    )
                    recipient_name = recipient.display_name
        if op in (Op.REPAIR, Op.END_PAIRING):
            await self._end_pairing(turn, escalation_id, pairing_id, op, aad)
            return
        await self.refresh(turn.adapter, escalation_id, turn)
        if op == Op.MESSAGE:
            result = await enqueue_and_dispatch(self.ctx, turn.adapter, direct)
            outcome = result.outcome if result is not None else None
            if outcome == "sent":
                reply = f"Sent to {recipient_name} privately ({who})."
            elif outcome in ("unreachable", "failed"):
                reply = (
                    f"I couldn't deliver that to {recipient_name}: they can't be reached in "
                    "Teams (they may have removed the bot). It is kept in the history."
                )
            else:
                reply = f"Queued for {recipient_name}; it goes as soon as Teams accepts it."
        await turn.send_activity(reply)
        for message in later:
            await enqueue_and_dispatch(self.ctx, turn.adapter, message)

    def _resolved(
        self, session: Session, escalation_id: int, actor: str | None, now, outcome: str
    ) -> list[PlannedMessage]:
        """After resolving: the audit trail, re-pair requests closed, reporters told."""
        record_event(session, escalation_id, now, actor, "resolved", outcome)
        escalation = get_escalation(session, escalation_id)
        if escalation.cause == Cause.REPAIR_REQUESTED.value and escalation.pairing_id:
            close_repair_requests(session, escalation.pairing_id, now)
        messages = []
        by_person: dict[int, list[ReleaseBlock]] = {}
        for block in release_blocks_of(session, escalation_id):
            by_person.setdefault(block.person_id, []).append(block)
        for person_id, blocks in by_person.items():
            person = session.get(Person, person_id)
            what = "; ".join(dict.fromkeys(RELEASE_FOR[block.released_for] for block in blocks))
            messages.append(
                PlannedMessage(
                    person.aad_object_id,
                    "release_block_outcome",
                    f"escalation:{escalation_id}:outcome:{person_id}",
                    payload=message_payload(
                        "An update on what you reported on "
                        f"{format_local_date(blocks[0].reported_at, self._tz)} (not released "
                        f"for {what}): the programme coordinators have dealt with it.\n\n"
                        f"Outcome: {outcome}"
                    ),
                    routine=False,
                    working_hours=False,
                )
            )
            for block in blocks:
                block.told_outcome_at = now
                session.add(block)
            record_event(session, escalation_id, now, None, "told_outcome", person.display_name)
        return messages

    async def _end_pairing(self, turn, escalation_id: int, pairing_id: int, op: Op, actor: str):
        repair = op == Op.REPAIR
        ended = await self.pairings.end_by_id(turn, pairing_id, repair=repair)
        if not ended:
            return
        # `pairing_ended` (called by Pairings) resolved the stalled ones; a release block on
        # this card is resolved here too, since the coordinator acted on it.
        now = self.ctx.clock.now()
        later: list[PlannedMessage] = []
        with self.ctx.session() as session:
            outcome = "Re-paired" if repair else "Pairing ended"
            if resolve_row(session, escalation_id, actor, now, outcome):
                later = self._resolved(session, escalation_id, actor, now, outcome)
                event = "re_paired" if repair else "pairing_ended"
                record_event(session, escalation_id, now, actor, event)
        await self.refresh(turn.adapter, escalation_id, turn)
        for message in later:
            await enqueue_and_dispatch(self.ctx, turn.adapter, message)

    async def pairing_ended(self, turn: TurnContext, pairing_id: int, repair: bool) -> None:
        """A pairing was ended or re-paired: its stalled-pairing escalations are resolved."""
        actor = sender_of(turn.activity).aad_object_id
        now = self.ctx.clock.now()
        outcome = "Re-paired" if repair else "Pairing ended"
        done: list[int] = []
        with self.ctx.session() as session:
            for escalation in unresolved_of_pairing(session, pairing_id):
                if escalation.kind != Kind.STALLED.value:
                    continue
                if resolve_row(session, escalation.id, actor, now, outcome):
                    self._resolved(session, escalation.id, actor, now, outcome)
                    record_event(
                        session,
                        escalation.id,
                        now,
                        actor,
                        "re_paired" if repair else "pairing_ended",
                    )
                    done.append(escalation.id)
        for escalation_id in done:
            await self.refresh(turn.adapter, escalation_id)

    # --- the channel listing --------------------------------------------------------------------

    def listing(self, now: datetime) -> str:
        with self.ctx.session() as session:
            open_ones = unresolved(session)
            if not open_ones:
                return "No open escalations."
            lines = [f"**Open escalations** ({len(open_ones)}, oldest first)", ""]
            for n, escalation in enumerate(open_ones, start=1):
                people = people_of(session, escalation)
                who = " ↔ ".join(p.display_name or "?" for p, _ in people) or "—"
                state = (
                    f"acknowledged by {name_of(session, escalation.acknowledged_by)}"
                    if escalation.status == Status.ACKNOWLEDGED.value
                    else "**not acknowledged**"
                )
                if escalation.assigned_to:
                    state += f", assigned to {name_of(session, escalation.assigned_to)}"
                latest = escalation.evidence[-1]["text"] if escalation.evidence else ""
                lines.append(
                    f"{n}. #{escalation.id} {escalation_title(escalation)} — {who} · open "
                    f"{open_for(now - escalation.opened_at)} · {state}"
                    + (f"\n   {latest}" if latest else "")
                )
        return "\n".join(lines)
