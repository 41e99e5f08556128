"""Replies the bot invited ("reply here"): what a participant writes back reaches the
coordinators, on the escalation's card when there is one, else as a new escalation card; the
channel is told, and so is the person."""

from __future__ import annotations

import logging

from bot.commands import PERSONAL
from bot.context import AppContext
from bot.escalations.card import coordinator_channel
from bot.escalations.escalations import Escalations
from bot.outbox.engine import Outbox
from bot.outbox.planned import PlannedMessage
from bot.participants import sender_person
from bot.teams import Turn, message_payload
from domain.escalations import Cause, title_of
from domain.keys import escalation_reply_key, said_occurrence
from store.escalations import add_reply, get_escalation
from store.replies import invite_reply, open_invitation

log = logging.getLogger(__name__)

MAX_REPLY = 2_000
REACHED = (
    "Thanks — that has reached the programme coordinators. They will answer you here, privately."
)
NOT_YET = (
    "Thanks — I've kept that for the programme coordinators; it reaches them as soon as "
    "their channel is set up."
)


class ReplyForwarding:
    def __init__(self, ctx: AppContext, outbox: Outbox, escalations: Escalations) -> None:
        self.ctx = ctx
        self.outbox = outbox
        self.escalations = escalations

    async def forward(self, turn: Turn) -> bool:
        """If the sender was invited to reply here, take their words to the coordinators.
        False when nothing invited a reply (the message is then not understood)."""
        words = turn.text.strip()
        if turn.scope != PERSONAL or not words:
            return False
        now = self.ctx.clock.now()
        with self.ctx.session() as session:
            me = sender_person(session, turn.sender)
            invitation = open_invitation(session, me.id, now) if me is not None else None
            if invitation is None:
                return False
            person_id, aad, name = me.id, me.aad_object_id, me.display_name or "A participant"
            escalation = (
                get_escalation(session, invitation.escalation_id)
                if invitation.escalation_id
                else None
            )
            notice = None
            if escalation is not None:
                event = add_reply(
                    session,
                    escalation.id,
                    now,
                    evidence=f"{name} replied",
                    ref=said_occurrence(person_id, now),
                    words=words[:MAX_REPLY],
                    by=aad,
                )
                notice = self._notice(session, escalation, event.id, name, words, now)
                escalation_id = escalation.id
        if escalation is None:
            raised = await self.escalations.raise_now(
                cause=Cause.QUESTION,
                evidence=f"{name} wrote to the coordinators after their pairing ended",
                ref=said_occurrence(person_id, now),
                person_id=person_id,
                pairing_id=None,
                private=words[:MAX_REPLY],
                actor=aad,
            )
            with self.ctx.session() as session:
                # Their next replies go on the same card.
                invite_reply(session, person_id, now, escalation_id=raised.escalation_id)
            await turn.send(REACHED if raised.reached else NOT_YET)
            return True
        log.info("reply forwarded escalation_id=%s", escalation_id)
        await self.escalations.refresh(escalation_id)
        if notice is not None:
            await self.outbox.send_now(notice)
        await turn.send(REACHED if notice is not None else NOT_YET)
        return True

    def _notice(self, session, escalation, event_id: int, name: str, words: str, now):
        """The coordinator channel told that someone replied (their words: coordinators only)."""
        channel = coordinator_channel(session, escalation, now)
        if channel is None:
            return None
        return PlannedMessage(
            channel.conversation_id,
            "escalation_reply",
            escalation_reply_key(escalation.id, event_id),
            payload=message_payload(
                f"**{name} replied** on escalation #{escalation.id} "
                f"({title_of(escalation.cause)}):\n\n“{words[:MAX_REPLY]}”\n\n"
                "It is on the card's history too."
            ),
            routine=False,
            to_channel=True,
            working_hours=False,
        )
