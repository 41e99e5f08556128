"""A pairing that ended early (`PairingEnded`): the closing cards and the coordinators' post;
the closing check's answers; what `my data` shows of them."""

from __future__ import annotations

from sqlmodel import Session

from adaptive_cards.submitted import card_int
from bot.context import AppContext
from bot.endings.closing import closing_messages, early_ending_post
from bot.events import PairingEnded
from bot.outbox.engine import Outbox
from bot.teams import Turn
from domain.cadence import programme_end
from domain.endings import EndReason, closing_answer_lines, read_closing_check, reason_of
from domain.local_time import format_local_date
from store.endings import closing_checks_of_person, record_closing_check
from store.erasure import is_erased
from store.models import Pairing, Person
from store.pairings import pair_people
from store.people import get_person
from store.replies import invite_reply


class Endings:
    def __init__(self, ctx: AppContext, outbox: Outbox) -> None:
        self.ctx = ctx
        self.outbox = outbox

    async def pairing_ended(self, ended: PairingEnded) -> None:
        tz = self.ctx.settings.default_time_zone
        now = self.ctx.clock.now()
        with self.ctx.session() as session:
            pairing = session.get(Pairing, ended.pairing_id)
            if pairing is None or pairing.ended_at is None:
                return
            ended_by = None
            if ended.actor_aad_object_id:
                actor = get_person(session, ended.actor_aad_object_id)
                ended_by = (actor.display_name if actor else None) or ended.turn.sender.name
            reason = reason_of(pairing.end_reason) or EndReason.COORDINATOR
            messages = closing_messages(
                session, pairing, reason, pairing.ended_at, in_working_hours=False
            )
            for person in pair_people(session, pairing):
                if not is_erased(person):
                    # The card says "Reply here with any questions": the answer reaches the
                    # coordinators.
                    invite_reply(session, person.id, now, pairing_id=pairing.id)
            post = early_ending_post(session, pairing, ended_by, tz)
        for message in [*messages, *([post] if post else [])]:
            await self.outbox.send_now(message)

    async def closing_answer(self, turn: Turn, value: dict) -> None:
        """The closing check sent: stored once, for the person's own pairing."""
        pairing_id = card_int(value.get("closing_check"))
        answers, problem = read_closing_check(value)
        if problem:
            await turn.send(problem)
            return
        now = self.ctx.clock.now()
        async with self.ctx.session_then_reply(turn) as (session, replies):
            person = get_person(session, turn.sender.aad_object_id or "")
            pairing = session.get(Pairing, pairing_id) if pairing_id is not None else None
            if (
                person is None
                or pairing is None
                or person.id not in (pairing.trainee_person_id, pairing.mentor_person_id)
            ):
                replies.append("Sorry, this closing check isn't about a pairing of yours.")
                return
            if pairing.ended_at is None and now < programme_end(
                pairing.paired_at, pairing.length_months
            ):
                replies.append("Your pairing is still going on, so there is nothing to close yet.")
                return
            _row, stored = record_closing_check(session, pairing.id, person.id, answers, now)
            replies.append(
                "Thank you: your closing check is saved. Type **my data** to see it."
                if stored
                else "I had already received your closing check for this pairing, so nothing "
                "changed. Type **my data** to see what was saved."
            )

    @staticmethod
    def data_lines(session: Session, person: Person, tz: str) -> list[str]:
        """The person's closing checks, for `my data`."""
        rows = closing_checks_of_person(session, person.id)
        if not rows:
            return []
        lines = ["**Your closing checks**"]
        for row in rows:
            pairing = session.get(Pairing, row.pairing_id)
            partner_id = (
                pairing.mentor_person_id
                if pairing.trainee_person_id == person.id
                else pairing.trainee_person_id
            )
            partner = session.get(Person, partner_id)
            lines.append(
                f"- Pairing with {partner.display_name if partner else 'someone'}, answered "
                f"{format_local_date(row.answered_at, tz)}:"
            )
            lines += [f"  - {line}" for line in closing_answer_lines(row.answers())]
        return lines
