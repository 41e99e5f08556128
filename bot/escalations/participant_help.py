"""What participants and mentors say that reaches the coordinators at once: I need help,
I can't get released (and "we can't this month" because of a release), I want a different
mentor, and their shadowing / attachment / secondment requests (a refusal is a release block).

What someone writes here is private: it goes on the coordinators' escalation card only, never
to the other party of the pairing.
"""

from __future__ import annotations

import logging
from datetime import date

from adaptive_cards import render_card
from adaptive_cards.submitted import card_int
from bot.context import AppContext
from bot.escalations.escalations import Escalations, Raised
from bot.events import ReleaseBlockReported
from bot.participants import sender_and_pairing
from bot.teams import Turn
from bot.teams.paging import numbered_pages
from domain.escalations import (
    PLACEMENT_KINDS,
    PLACEMENT_STATUS_TITLES,
    RELEASE_BY,
    RELEASE_FOR,
    Cause,
    PlacementStatus,
    placement_change,
    read_release,
    release_evidence,
)
from domain.keys import dated_occurrence, release_occurrence, said_occurrence
from domain.local_time import format_day, format_local_date, parse_date
from domain.text_limits import LONG_TEXT, SHORT_TEXT, text_of, too_long
from store.escalations import (
    Placement,
    ReleaseBlock,
    RepairRequest,
    open_repair_requests,
    placements_of,
    record_event,
)
from store.models import Pairing, PairingStatus
from store.pairings import pair_people
from store.programmes import current_programme

log = logging.getLogger(__name__)

_RELEASE_FOR_TITLES = {
    "session": "A mentoring session",
    "training": "Training",
    "call_back": "A call-back event",
    "group_meeting": "A group meeting",
    "shadowing": "Shadowing",
    "attachment": "An attachment",
    "secondment": "A secondment",
}
_RELEASE_BY_TITLES = {
    "line_manager": "My line manager",
    "hr": "HR",
    "host_organisation": "The host organisation",
}
NEED_HELP_THANKS = (
    "Thanks for telling me. I've let the programme coordinators know; someone will be in touch "
    "with you privately."
)
# When the escalation could not be posted to the coordinators yet (e.g. no channel yet).
NEED_HELP_RECORDED = (
    "Thanks for telling me. I've recorded it for the programme coordinators and it goes to them "
    "as soon as I can post it; someone will then be in touch with you privately."
)


def need_help_thanks(raised: Raised) -> str:
    return NEED_HELP_THANKS if raised.reached else NEED_HELP_RECORDED


def _clean(value) -> str | None:
    return text_of(value) or None


class ParticipantHelp:
    def __init__(self, ctx: AppContext, escalations: Escalations) -> None:
        self.ctx = ctx
        self.escalations = escalations

    @property
    def _tz(self) -> str:
        return self.ctx.settings.default_time_zone

    # --- I need help ------------------------------------------------------------------------

    async def need_help(self, turn: Turn, argument: str) -> None:
        now = self.ctx.clock.now()
        words = argument.strip()
        unsaid = len(words) > LONG_TEXT
        if unsaid:
            argument = ""
        with self.ctx.session() as session:
            me, pairing = sender_and_pairing(session, turn.sender)
            if me is None:
                return
            ids = (me.id, pairing.id if pairing else None, me.aad_object_id, me.display_name)
        person_id, pairing_id, aad, name = ids
        raised = await self.escalations.raise_now(
            cause=Cause.NEEDS_HELP,
            evidence=f"{name} asked for help (“I need help”)",
            ref=said_occurrence(person_id, now),
            person_id=person_id,
            pairing_id=pairing_id,
            private=_clean(argument),
            actor=aad,
        )
        reply = need_help_thanks(raised)
        if unsaid:
            await turn.send(reply)
            await turn.send_paged(
                f"Your words were longer than {LONG_TEXT:,} characters ({len(words):,}), so I "
                "didn't pass them on. To add them, send **I need help** followed by a shorter "
                f"message. Here is what you wrote, so nothing is lost:\n\n{words}",
            )
            return
        if not argument.strip():
            reply += (
                " If you'd like to say what's going on, type **I need help** followed by a few "
                "words: only the coordinators see it."
            )
        await turn.send(reply)

    # --- release blocks -----------------------------------------------------------------------

    async def ask_release(self, turn: Turn, argument: str) -> None:
        problem = too_long("Details", argument)
        if problem is not None:
            await turn.send_paged(problem)
            argument = ""
        await turn.send(self.release_form(details=argument))

    @staticmethod
    def release_form(*, what: str = "", by: str = "", details: str = "") -> dict:
        return render_card(
            "release_block",
            {
                "what": what,
                "by": by,
                "details": details,
                "what_choices": [
                    {"title": _RELEASE_FOR_TITLES[k], "value": k} for k in RELEASE_FOR
                ],
                "by_choices": [{"title": _RELEASE_BY_TITLES[k], "value": k} for k in RELEASE_BY],
            },
        )

    async def report_release(
        self,
        turn: Turn,
        what,
        by,
        details,
        *,
        source: str = "command",
        placement_id: int | None = None,
        may_contact_manager: bool | None = None,
        on: date | None = None,
        about: str | None = None,
    ) -> Raised | None:
        """Record a release block, look up the line manager, escalate at once, tell them.

        `may_contact_manager`: what they said on the form (None: not asked there); `on`: the
        day it was for, if they gave it; `about` names what it is for, in the coordinators'
        words (e.g. an event and its dates)."""
        read = read_release(what, by)
        if isinstance(read, str):
            await turn.send(read)
            return None
        what, by = read
        details = _clean(details)
        problem = too_long("Details", details or "")
        if problem is not None:
            await turn.send_paged(problem)
            return None
        now = self.ctx.clock.now()
        sender = turn.sender
        manager = await self.escalations.graph.manager_of(sender.aad_object_id)
        with self.ctx.session() as session:
            me, pairing = sender_and_pairing(session, turn.sender)
            if me is None:
                return None
            programme = (
                pairing.programme_id
                if pairing
                else getattr(current_programme(session, now), "id", None)
            )
            block = ReleaseBlock(
                person_id=me.id,
                pairing_id=pairing.id if pairing else None,
                programme_id=programme,
                placement_id=placement_id,
                released_for=what,
                blocked_by=by,
                details=details,
                source=source,
                manager_name=manager.name if manager else None,
                manager_email=manager.email if manager else None,
                reported_at=now,
            )
            session.add(block)
            session.flush()
            ids = (block.id, me.id, pairing.id if pairing else None, me.display_name)
        block_id, person_id, pairing_id, name = ids
        raised = await self.escalations.raise_now(
            cause=Cause.RELEASE_BLOCK,
            evidence=release_evidence(name or "They", what, by)
            + (f" on {format_day(on)}" if on else "")
            + (f" ({about})" if about else ""),
            ref=release_occurrence(block_id),
            person_id=person_id,
            pairing_id=pairing_id,
            private=details,
            actor=sender.aad_object_id,
            release_block_id=block_id,
        )
        if raised.reached:
            with self.ctx.session() as session:
                block = session.get(ReleaseBlock, block_id)
                block.told_reached_at = now
                session.add(block)
                record_event(session, raised.escalation_id, now, None, "told_reached", name or None)
            await turn.send(
                "Thanks — that has reached the programme coordinators. "
                + ("Only they see what you wrote. " if details else "")
                + "I'll tell you here what they decide."
            )
        else:
            await turn.send(
                "Thanks — I've recorded it for the programme coordinators. "
                + ("Only they will see what you wrote. " if details else "")
                + "I'll tell you when it has reached them, and what they decide."
            )
        await self.escalations.events.publish(
            ReleaseBlockReported(turn, block_id, raised.escalation_id, may_contact_manager, on)
        )
        return raised

    async def release_form_answer(self, turn: Turn, value: dict) -> None:
        contact = value.get("contact_manager")
        await self.report_release(
            turn,
            value.get("what"),
            value.get("by"),
            value.get("details"),
            may_contact_manager=None if contact is None else contact == "yes",
            on=parse_date(str(value.get("on") or "")),
        )

    # --- I want a different mentor ---------------------------------------------------------------

    async def ask_repair(self, turn: Turn, argument: str) -> None:
        async with self.ctx.session_then_reply(turn) as (session, replies):
            me, pairing = sender_and_pairing(session, turn.sender)
            if pairing is None:
                replies.append(
                    "You're not paired with anyone at the moment. If something is wrong, type "
                    "**I need help**."
                )
                return
            problem = too_long("Why?", argument)
            if problem is not None:
                replies.extend(numbered_pages(problem))
                argument = ""
            trainee, mentor = pair_people(session, pairing)
            is_trainee = me.id == trainee.id
            partner = mentor if is_trainee else trainee
            card = render_card(
                "repair_request",
                {
                    "title": "Ask for a different mentor?"
                    if is_trainee
                    else "Ask to be paired with a different mentee?",
                    "intro": "I'll ask the programme coordinators privately. "
                    f"{partner.display_name} is not told anything unless the coordinators "
                    "decide to re-pair you, and then never why.",
                    "reason": argument,
                    "pairing_id": pairing.id,
                },
            )
        await turn.send(card)

    async def repair_answer(self, turn: Turn, value: dict) -> None:
        if value.get("repair_request") != "confirm":
            with self.ctx.session() as session:
                _me, pairing = sender_and_pairing(session, turn.sender)
                still = pairing is not None and pairing.id == card_int(value.get("pairing_id"))
            await turn.send(
                "OK, nothing was sent. Your pairing carries on."
                if still
                else "OK, nothing was sent."
            )
            return
        now = self.ctx.clock.now()
        problem = too_long("Why?", text_of(value.get("reason")))
        if problem is not None:
            await turn.send_paged(problem)
            return
        async with self.ctx.session_then_reply(turn) as (session, replies):
            me, pairing = sender_and_pairing(session, turn.sender)
            asked_for = card_int(value.get("pairing_id"))
            if pairing is None or pairing.id != asked_for:
                card_pairing = session.get(Pairing, asked_for or 0)
                replies.append(
                    "That pairing has already ended, so there is nothing to ask."
                    if card_pairing is not None
                    and card_pairing.status != PairingStatus.ACTIVE.value
                    and me is not None
                    and me.id in (card_pairing.trainee_person_id, card_pairing.mentor_person_id)
                    else "Sorry, that card isn't for a pairing of yours."
                )
                return
            mine = [r for r in open_repair_requests(session, pairing.id) if r.person_id == me.id]
            if mine:
                replies.append(
                    "You already asked on "
                    f"{format_local_date(mine[0].requested_at, self._tz)}; the coordinators have "
                    "it and will be in touch. Nothing more was sent."
                )
                return
            request = RepairRequest(
                pairing_id=pairing.id,
                person_id=me.id,
                reason=_clean(value.get("reason")),
                requested_at=now,
            )
            session.add(request)
            session.flush()
            ids = (me.id, pairing.id, me.aad_object_id, me.display_name, request.reason)
        person_id, pairing_id, aad, name, reason = ids
        raised = await self.escalations.raise_now(
            cause=Cause.REPAIR_REQUESTED,
            evidence=f"{name} asked to be re-paired",
            ref=dated_occurrence(person_id, now.date()),
            person_id=person_id,
            pairing_id=pairing_id,
            private=reason,
            actor=aad,
        )
        await turn.send(
            "Thanks — I've asked the programme coordinators privately. They'll be in touch; "
            "nothing has been said to the other person."
            if raised.reached
            else "Thanks — I've recorded your request for the programme coordinators, privately; "
            "it goes to them as soon as I can post it. Nothing has been said to the other person."
        )

    # --- shadowing, attachments, secondments ------------------------------------------------

    async def show_placements(self, turn: Turn) -> None:
        with self.ctx.session() as session:
            me, _pairing = sender_and_pairing(session, turn.sender)
            if me is None:
                return
            rows = placements_of(session, me.id)
            card = render_card(
                "placements",
                {
                    "intro": "Record a request and update it as it moves. If it is refused, "
                    "the programme coordinators hear at once."
                    if rows
                    else "No requests yet. Record one with **New request**.",
                    "placements": [
                        {
                            "id": row.id,
                            "title": f"{PLACEMENT_KINDS[row.kind]} with {row.host}",
                            "status_line": self._status_line(row),
                            "changeable": row.status
                            not in (PlacementStatus.TAKEN_UP.value, PlacementStatus.REFUSED.value),
                        }
                        for row in rows
                    ],
                },
            )
        await turn.send(card)

    def _status_line(self, row: Placement) -> str:
        status = PLACEMENT_STATUS_TITLES[PlacementStatus(row.status)]
        line = f"{status.capitalize()} (since {format_local_date(row.updated_at, self._tz)})"
        if row.status == PlacementStatus.REFUSED.value and row.refused_by:
            line += f" by {RELEASE_BY[row.refused_by]}"
        return line

    async def placement_answer(self, turn: Turn, value: dict) -> None:
        action = value.get("placement")
        if action == "add":
            await self._add_placement(turn, value)
        elif action == "update":
            await self._update_placement(turn, value)
        else:
            await turn.send("Sorry, I couldn't read that.")

    async def _add_placement(self, turn: Turn, value: dict) -> None:
        kind = text_of(value.get("kind"))
        host = " ".join(text_of(value.get("host")).split())
        if kind not in PLACEMENT_KINDS or not host:
            await turn.send("Please choose what it is and say where, then record it.")
            return
        problem = too_long("Where", host, SHORT_TEXT) or too_long(
            "Details", text_of(value.get("details"))
        )
        if problem is not None:
            await turn.send_paged(problem)
            return
        now = self.ctx.clock.now()
        with self.ctx.session() as session:
            me, pairing = sender_and_pairing(session, turn.sender)
            if me is None:
                return
            programme = current_programme(session, now)
            row = Placement(
                person_id=me.id,
                pairing_id=pairing.id if pairing else None,
                programme_id=pairing.programme_id if pairing else getattr(programme, "id", None),
                kind=kind,
                host=host,
                details=_clean(value.get("details")),
                status=PlacementStatus.REQUESTED.value,
                history=[{"at": now.isoformat(), "status": PlacementStatus.REQUESTED.value}],
                created_at=now,
                updated_at=now,
            )
            session.add(row)
        await turn.send(
            f"Recorded: {PLACEMENT_KINDS[kind].lower()} with {host}, requested. Type "
            "**placements** to update it as it moves."
        )

    async def _update_placement(self, turn: Turn, value: dict) -> None:
        placement_id = card_int(value.get("placement_id")) or 0
        new = str(value.get(f"status_{placement_id}") or "")
        refused_by = str(value.get(f"refused_by_{placement_id}") or "")
        note = _clean(value.get(f"note_{placement_id}"))
        problem = too_long("Details", note or "")
        if problem is not None:
            await turn.send_paged(problem)
            return
        now = self.ctx.clock.now()
        async with self.ctx.session_then_reply(turn) as (session, replies):
            me, _pairing = sender_and_pairing(session, turn.sender)
            row = session.get(Placement, placement_id)
            if row is None or me is None or row.person_id != me.id:
                replies.append("Sorry, that request isn't one of yours.")
                return
            problem = placement_change(row.status, new)
            if problem is None and new == PlacementStatus.REFUSED.value:
                if refused_by not in RELEASE_BY:
                    problem = "Please say who refused it, then Save."
            if problem is not None:
                replies.append(problem)
                return
            row.status = new
            row.refused_by = refused_by if new == PlacementStatus.REFUSED.value else None
            row.history = [*row.history, {"at": now.isoformat(), "status": new, "note": note}]
            row.updated_at = now
            session.add(row)
            kind, host = row.kind, row.host
        if new != PlacementStatus.REFUSED.value:
            await turn.send(
                f"Updated: {PLACEMENT_KINDS[kind].lower()} with {host} — "
                f"{PLACEMENT_STATUS_TITLES[PlacementStatus(new)]}."
            )
            return
        details = f"{PLACEMENT_KINDS[kind]} with {host} refused" + (f": {note}" if note else "")
        await self.report_release(
            turn, kind, refused_by, details, source="placement", placement_id=placement_id
        )
