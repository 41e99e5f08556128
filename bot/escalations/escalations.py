"""Escalations in the coordinator channel: raising one at once, refreshing every copy of its
card, and the coordinators' actions on it (acknowledge, assign to me, add note, resolve,
re-pair, end pairing, message the participant), plus the `escalations` listing.

Cards go to the channel through the outbox (`escalation:<id>:card`, once); every later change
replaces the card in place (and its re-post, and the champion's copy) to show its state and
who acted. Every change is an `EscalationEvent`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from adaptive_cards.submitted import card_int
from bot.commands import TEAM
from bot.context import AppContext
from bot.escalations.card import (
    CARD,
    CHAMPION,
    REPOST,
    channel_card_message,
    coordinator_channel,
    escalation_card,
    escalation_title,
    name_of,
    people_of,
    reached_coordinators,
)
from bot.events import PairingEnded, PairingEndRequested
from bot.features import Events
from bot.graph import GraphClient
from bot.outbox.engine import Outbox
from bot.outbox.planned import PlannedMessage
from bot.teams import TeamsMessenger, Turn, message_payload
from bot.teams.paging import numbered_pages
from domain.authorisation import Role
from domain.escalations import (
    RELEASE_FOR,
    Cause,
    Kind,
    Op,
    State,
    Status,
    open_for,
    refusal,
)
from domain.keys import (
    escalation_card_key,
    escalation_message_key,
    escalation_outcome_key,
)
from domain.local_time import format_local_date, format_local_datetime
from store.conversations import personal_ref
from store.escalations import (
    Escalation,
    ReleaseBlock,
    close_repair_requests,
    get_escalation,
    raise_escalation,
    record_event,
    release_blocks_of,
    unresolved,
    unresolved_of_pairing,
)
from store.escalations import acknowledge as acknowledge_row
from store.escalations import resolve as resolve_row
from store.models import Pairing, PairingStatus, Person, Programme
from store.outbox import by_key
from store.programmes import current_programme
from store.replies import invite_reply

log = logging.getLogger(__name__)

_TEXT_INPUT = {Op.NOTE: "note", Op.RESOLVE: "outcome", Op.MESSAGE: "message"}


@dataclass(frozen=True)
class Raised:
    escalation_id: int
    what: str  # opened / evidence / unchanged
    reached: bool  # its card is in the coordinator channel


class Escalations:
    """Raising escalations at once, and what coordinators (or the champion) do with them."""

    def __init__(
        self,
        ctx: AppContext,
        outbox: Outbox,
        messenger: TeamsMessenger,
        graph: GraphClient,
        events: Events,
    ) -> None:
        self.ctx = ctx
        self.outbox = outbox
        self.messenger = messenger
        self.graph = graph
        self.events = events

    @property
    def _tz(self) -> str:
        return self.ctx.settings.default_time_zone

    # --- raising -------------------------------------------------------------------------------

    async def raise_now(
        self,
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
            await self.outbox.send_now(post)
        elif what == "evidence":
            await self.refresh(escalation_id)
        with self.ctx.session() as session:
            reached = reached_coordinators(session, escalation_id)
        return Raised(escalation_id, what, reached)

    async def refresh(self, escalation_id: int, turn: Turn | None = None) -> None:
        """Replace every copy of the card (channel post, re-post, champion's, the one clicked)."""
        now = self.ctx.clock.now()
        settings = self.ctx.settings
        targets: list[tuple[dict, str, str]] = []
        with self.ctx.session() as session:
            escalation = get_escalation(session, escalation_id)
            channel = coordinator_channel(session, escalation, now)
            champion = personal_ref(session, settings.champion) if settings.champion else None
            for variant, ref in ((CARD, channel), (REPOST, channel), (CHAMPION, champion)):
                row = by_key(session, escalation_card_key(escalation_id, variant))
                if row is not None and row.activity_id and ref is not None:
                    targets.append((dict(ref.reference), row.activity_id, variant))
            clicked = turn.replied_to_id if turn is not None else None
            if clicked and clicked not in {activity_id for _, activity_id, _ in targets}:
                here = turn.conversation_reference()
                personal = turn.scope != TEAM
                targets.append((here, clicked, CHAMPION if personal else CARD))
            cards = {
                variant: escalation_card(session, settings, escalation, now, variant)
                for variant in {variant for _, _, variant in targets}
            }
        for reference, activity_id, variant in targets:
            try:
                await self.messenger.update(reference, activity_id, cards[variant])
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

    async def act(self, turn: Turn, value: dict) -> None:
        """A button on an escalation card (roles already checked: coordinator or champion)."""
        actor = turn.sender
        aad = actor.aad_object_id or ""
        now = self.ctx.clock.now()
        try:
            op = Op(str(value.get("escalation")))
        except ValueError:
            await turn.send("Sorry, I couldn't read that action. Please try again.")
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
                    # What they write back here comes to this card (`bot.escalations.replies`).
                    invite_reply(session, recipient.id, now, escalation_id=escalation_id)
                    role = (
                        "programme coordinator"
                        if Role.COORDINATOR in self.ctx.roles(session, aad)
                        else "programme champion"
                    )
                    direct = PlannedMessage(
                        recipient.aad_object_id,
                        "coordinator_message",
                        escalation_message_key(escalation_id, event.id),
                        payload=message_payload(
                            f"A message from {who}, {role}:\n\n{text}\n\n"
                            "Reply here, or type **I need help** to reach the coordinators."
                        ),
                        routine=False,
                        working_hours=False,
                    )
                    recipient_name = recipient.display_name
        if op in (Op.REPAIR, Op.END_PAIRING):
            await self.events.publish(
                PairingEndRequested(turn, pairing_id, op == Op.REPAIR, escalation_id)
            )
            return
        await self.refresh(escalation_id, turn)
        if op == Op.MESSAGE:
            result = await self.outbox.send_now(direct)
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
        await turn.send(reply)
        for message in later:
            await self.outbox.send_now(message)

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
                    escalation_outcome_key(escalation_id, person_id),
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

    async def pairing_ended(self, ended: PairingEnded) -> None:
        """A pairing was ended or re-paired: its stalled-pairing escalations are resolved, and
        the escalation whose card asked for it (a release block too: the coordinator acted)."""
        await self._resolve_stalled(ended)
        if ended.escalation_id is None:
            return
        actor, repair, escalation_id = ended.actor_aad_object_id, ended.repair, ended.escalation_id
        now = self.ctx.clock.now()
        later: list[PlannedMessage] = []
        with self.ctx.session() as session:
            outcome = "Re-paired" if repair else "Pairing ended"
            if resolve_row(session, escalation_id, actor, now, outcome):
                later = self._resolved(session, escalation_id, actor, now, outcome)
                event = "re_paired" if repair else "pairing_ended"
                record_event(session, escalation_id, now, actor, event)
        await self.refresh(escalation_id, ended.turn)
        for message in later:
            await self.outbox.send_now(message)

    async def _resolve_stalled(self, ended: PairingEnded) -> None:
        actor, pairing_id, repair = ended.actor_aad_object_id, ended.pairing_id, ended.repair
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
            await self.refresh(escalation_id)

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
