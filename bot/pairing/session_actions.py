"""Answers to the pairing cards: booking a session, logging it, and the private check-ins."""

from __future__ import annotations

import logging
from datetime import datetime, time

from sqlalchemy import and_, bindparam, or_
from sqlalchemy import select as sa_select
from sqlmodel import select

from adaptive_cards.submitted import card_int
from bot.context import AppContext
from bot.escalations.participant_help import ParticipantHelp, need_help_thanks
from bot.outbox.engine import Outbox
from bot.outbox.planned import PlannedMessage, recipient_time_zone
from bot.pairing.pair_view import pair_view
from bot.teams import Turn, message_payload
from domain.escalations import RELEASE_BY, Cause
from domain.free_slots import SESSION_MINUTES, Interval
from domain.keys import (
    check_in_occurrence,
    month_occurrence,
    session_booked_key,
    session_logged_key,
)
from domain.local_time import format_local_date, format_local_datetime, parse_date, zone
from domain.sessions import (
    MENTOR,
    TRAINEE,
    Answer,
    SessionState,
    facts_of,
    is_held,
    session_end,
    session_state,
)
from domain.stall_rules import CHECK_IN_ANSWERS
from domain.text_limits import text_of, too_long
from store.bookings import book_month, record_answer
from store.models import Pairing, PairingStatus, Person
from store.pairings import pair_people, record_check_in, session_month

log = logging.getLogger(__name__)

CHECK_IN_THANKS = {
    "yes": "Thanks — glad it's going well.",
    "not_really": "Thanks for saying. If it doesn't get better, tap **I need help** next time or "
    "type **I need help** at any time.",
}


# The text boxes of each session answer, by input id, with their labels.
SESSION_TEXTS = {
    "cant": {"reason": "What's getting in the way?"},
    "log": {"steps_moved": "Which action-plan steps moved?", "blocking": "Anything blocking?"},
}


def _too_long_in(value: dict, labels: dict[str, str]) -> str | None:
    """The refusal for the first text box over its limit, or None."""
    for input_id, label in labels.items():
        problem = too_long(label, text_of(value.get(input_id)))
        if problem is not None:
            return problem
    return None


# A pairing and one of its two people, by their AAD object id; built once (every check-in
# and session answer asks it).
_PAIRING, _PERSON = Pairing.__table__, Person.__table__
_ONE_OF_THE_TWO = or_(
    _PERSON.c.id == _PAIRING.c.trainee_person_id, _PERSON.c.id == _PAIRING.c.mentor_person_id
)
_NAMED = and_(_PAIRING.c.id == bindparam("pairing"), _PERSON.c.aad_object_id == bindparam("aad"))
_PAIRING_AND_MEMBER = select(Pairing, Person).join(Person, _ONE_OF_THE_TWO).where(_NAMED)
# The same, as the plain values a check-in answer needs (no objects loaded).
_MEMBER_OF_PAIRING = (
    sa_select(_PERSON.c.id, _PERSON.c.aad_object_id, _PERSON.c.display_name)
    .select_from(_PAIRING.join(_PERSON, _ONE_OF_THE_TWO))
    .where(_NAMED)
)


def _named(turn: Turn, value: dict) -> dict:
    """The pairing a card names and the sender, as `_NAMED` binds them."""
    return {
        "pairing": card_int(value.get("pairing_id")) or 0,
        "aad": turn.sender.aad_object_id or "",
    }


class SessionActions:
    def __init__(self, ctx: AppContext, outbox: Outbox, help_: ParticipantHelp) -> None:
        self.ctx = ctx
        self.outbox = outbox
        self.help = help_
        self.escalations = help_.escalations

    def _pairing_for(self, session, turn: Turn, value: dict):
        """The pairing named on the card, the sender and their partner, if the sender is one
        of its two people (else three Nones)."""
        pairing, me = self._pairing_and_sender(session, turn, value)
        if pairing is None:
            return None, None, None
        trainee, mentor = pair_people(session, pairing)
        partner = mentor if me.id == trainee.id else trainee
        return pairing, me, partner

    @staticmethod
    def _pairing_and_sender(session, turn: Turn, value: dict):
        """The pairing named on the card and the sender, if the sender is one of its two
        people (else two Nones), in one query."""
        found = session.exec(_PAIRING_AND_MEMBER, params=_named(turn, value)).first()
        return (found[0], found[1]) if found is not None else (None, None)

    async def _tell(self, turn: Turn, recipient: str, kind: str, key: str, text: str | dict):
        """Tell the partner (a person's AAD id) at once: a text or a card."""
        payload = message_payload(text) if isinstance(text, str) else message_payload(cards=[text])
        message = PlannedMessage(
            recipient,
            kind,
            key,
            payload=payload,
            routine=False,
            working_hours=False,
        )
        await self.outbox.send_now(message)

    async def session_answer(self, turn: Turn, value: dict) -> None:
        choice = value.get("session")
        now = self.ctx.clock.now()
        month = card_int(value.get("month"))
        problem = _too_long_in(value, SESSION_TEXTS.get(str(choice), {}))
        if problem is not None:
            await turn.send_paged(problem)
            return
        async with self.ctx.session_then_reply(turn) as (session, replies):
            pairing, me, partner = self._pairing_for(session, turn, value)
            if pairing is None or month is None or not 1 <= month <= pairing.length_months:
                replies.append("Sorry, that card isn't for a pairing of yours.")
                return
            if pairing.status != PairingStatus.ACTIVE.value:
                replies.append("That pairing has ended, so there is nothing to update.")
                return
            tz = recipient_time_zone(session, self.ctx.settings, me.aad_object_id)
            row = session_month(session, pairing.id, month)
            state = session_state(facts_of(row))
            if row.logged_at is not None:
                who = session.get(Person, card_int(row.logged_by) or 0) if row.logged_by else None
                replies.append(
                    f"Month {month}'s session is already logged"
                    + (f" by {who.display_name}" if who else "")
                    + f" on {format_local_date(row.logged_at, tz)}."
                )
                return
            if is_held(state) or state == SessionState.DISPUTED:
                replies.append(f"Month {month}'s session is already logged. Nothing changed.")
                return
            if choice == "booked" and row.event_id is not None and state == SessionState.BOOKED:
                replies.append(
                    f"Month {month}'s session is already booked in both your calendars for "
                    f"{format_local_datetime(row.booked_for, tz)}. To change it, use "
                    "Reschedule on its card."
                )
                return
            if choice == "booked":
                day = parse_date(str(value.get("date") or ""))
                if day is None:
                    replies.append("Please pick the date of the session, then Booked.")
                    return
                try:
                    at = time.fromisoformat(str(value.get("time") or "14:00"))
                except ValueError:
                    replies.append("Please give the time as HH:MM, e.g. 14:30.")
                    return
                booked_for = datetime.combine(day, at, tzinfo=zone(tz))
                if booked_for <= now:
                    replies.append("That time has passed; please pick a future time.")
                    return
                length = card_int(value.get("length"))
                minutes = length if length in SESSION_MINUTES else pairing.session_minutes
                if length in SESSION_MINUTES and pairing.session_minutes != length:
                    pairing.session_minutes = length  # the pair's preference, remembered
                    session.add(pairing)
                book_month(row, booked_for, minutes)
                session.add(row)
                pair = pair_view(self.ctx, session, pairing, month, me.id)
                slot = Interval(booked_for, session_end(booked_for, minutes))
                mine = pair.confirmation(pair.me_is_mentor, slot, None, in_calendars=False)
                theirs = pair.confirmation(
                    not pair.me_is_mentor, slot, None, in_calendars=False, by=me.display_name
                )
                key = session_booked_key(pairing.id, month, booked_for, partner.id)
            elif choice == "not_yet":
                replies.append("No problem. When you have a date, press **Booked** on the card.")
                return
            elif choice == "cant":
                row.booking = "cant"
                row.cant_reason = text_of(value.get("reason")) or None
                session.add(row)
                why = str(value.get("why") or "other")
                cant = (me.id, me.aad_object_id, me.display_name, pairing.id, row.cant_reason)
            elif choice == "log":
                mine, theirs, key = self._log(session, row, me, partner, value, tz, now, pairing)
                if mine is None:
                    replies.append(theirs)
                    return
            else:
                replies.append("Sorry, I couldn't read that answer.")
                return
        if choice == "cant":
            await self._cant_meet(turn, month, why, *cant)
            return
        await turn.send(mine)
        await self._tell(turn, partner.aad_object_id, "session_update", key, theirs)

    async def _cant_meet(self, turn, month, why, person_id, aad, name, pairing_id, reason):
        """Not released for the session: a release block; anything else: a stalled pairing."""
        if why in RELEASE_BY:
            await self.help.report_release(turn, "session", why, reason, source="cant_meet")
            return
        raised = await self.escalations.raise_now(
            cause=Cause.CANT_MEET,
            evidence=f"{name} says the pair can't meet in programme month {month}",
            ref=month_occurrence(month, person_id),
            person_id=person_id,
            pairing_id=pairing_id,
            private=reason,
            actor=aad,
        )
        await turn.send(
            "Thanks for letting us know. I've recorded it for the programme coordinators and it "
            "goes to them as soon as I can post it; they will help find a way. Your reason is "
            "only shared with them."
            if not raised.reached
            else "Thanks for letting us know. I've told the programme coordinators, who will help "
            "find a way; your reason is only shared with them."
        )

    def _log(self, session, row, me, partner, value, tz, now, pairing):
        happened = value.get("happened")
        if happened not in ("yes", "no"):
            return None, "Please say whether the session happened.", None
        if happened == "yes":
            day = parse_date(str(value.get("held_on") or ""))
            minutes = card_int(value.get("minutes"))
            if day is None or minutes is None or not 0 < minutes <= 600:
                return None, "Please give the date and how long it was (in minutes).", None
            row.held_on = datetime.combine(day, time(12), tzinfo=zone(tz))
            row.minutes = minutes
        who = MENTOR if me.id == pairing.mentor_person_id else TRAINEE
        said = Answer.MET if happened == "yes" else Answer.DID_NOT_HAPPEN
        record_answer(row, who, said.value, now)
        row.steps_moved = text_of(value.get("steps_moved")) or None
        row.blocking = text_of(value.get("blocking")) or None
        row.logged_by = str(me.id)
        row.logged_at = now
        session.add(row)
        summary = (
            f"{row.minutes} minutes on {format_local_date(row.held_on, tz)}"
            if row.happened
            else "it didn't happen"
        )
        mine = f"Logged month {row.month}: {summary}. Thank you!"
        theirs = f"{me.display_name} logged your month-{row.month} session: {summary}."
        if row.steps_moved:
            theirs += f" Steps moved: {row.steps_moved}"
        return mine, theirs, session_logged_key(pairing.id, row.month, partner.id)

    async def check_in(self, turn: Turn, value: dict) -> None:
        answer = text_of(value.get("check_in"))
        week = card_int(value.get("week"))
        now = self.ctx.clock.now()
        if answer not in CHECK_IN_ANSWERS or week not in (2, 4, 6):
            await turn.send("Sorry, I couldn't read that answer.")
            return
        problem = _too_long_in(value, {"comment": "Anything to add?"})
        if problem is not None:
            await turn.send_paged(problem)
            return
        async with self.ctx.session_then_reply(turn) as (session, replies):
            params = _named(turn, value)
            me = session.connection().execute(_MEMBER_OF_PAIRING, params).first()
            if me is None:
                replies.append("Sorry, that check-in isn't for a pairing of yours.")
                return
            comment = text_of(value.get("comment")) or None
            stored, created = record_check_in(
                session,
                pairing_id=params["pairing"],
                person_id=me.id,
                week=week,
                answer=answer,
                comment=comment,
                now=now,
            )
            if not created:
                replies.append(
                    f"You already answered this check-in: “{CHECK_IN_ANSWERS[stored]}”. "
                    "If something has changed, type **I need help** at any time."
                )
                return
            ids = (me.id, me.aad_object_id, me.display_name, params["pairing"])
        if answer != "need_help":
            await turn.send(CHECK_IN_THANKS[answer])
            return
        person_id, aad, name, pairing_id = ids
        # The same occurrence ref as the stall rule's, so the sweep adds nothing twice.
        raised = await self.escalations.raise_now(
            cause=Cause.NEEDS_HELP,
            evidence=f"{name} answered “need help” at the week-{week} check-in",
            ref=check_in_occurrence(person_id, week),
            person_id=person_id,
            pairing_id=pairing_id,
            private=comment,
            actor=aad,
        )
        await turn.send(need_help_thanks(raised))
