"""Knowing a session happened: the check after a booked Teams meeting, and the pair's one-tap
answers.

After a meeting the bot booked has ended, the sweep reads the event (cancelled? declined?) and
the meeting's attendance reports (`meetings.attendance_seconds`) and lets
`domain.verification` decide: both there for 15 minutes verifies the month (the planners then
send each a notes card instead of a question); otherwise, or when Graph cannot tell, both are
asked "Did your session happen?". Each answers with one tap: "We met", or "It didn't happen"
and why. Two matching answers confirm it; answers that disagree are shown to the coordinators
in `pairs`, never to the other person. "Not released" raises a release block, as the
"I can't get released" command does.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from sqlmodel import select

from bot.context import AppContext
from bot.escalations.participant_help import ParticipantHelp
from bot.graph import GraphClient, GraphError, GraphErrorKind, meetings
from bot.graph import calendar as graph_calendar
from bot.outbox.engine import Outbox
from bot.pairing.booking import Bookings
from bot.pairing.booking_cards import notes_card
from bot.pairing.pair_view import PairView, card_pair
from bot.teams import Turn
from domain.escalations import RELEASE_BY
from domain.session_offers import TAP_NOTICE
from domain.sessions import (
    ANSWER_WORDS,
    MENTOR,
    TRAINEE,
    Answer,
    Attendance,
    SessionState,
    facts_of,
    session_end,
    session_state,
)
from domain.text_limits import SHORT_TEXT, text_of, too_long
from domain.verification import (
    LOOK_AGAIN_AFTER,
    AttendanceFacts,
    first_look,
    is_last_look,
    verdict,
)
from store.bookings import record_answer, record_attendance
from store.models import MentoringSession, Pairing, PairingStatus, Person
from store.pairings import add_step, session_month, steps_of

log = logging.getLogger(__name__)

WHY = {
    Answer.RESCHEDULED.value: Answer.RESCHEDULED,
    Answer.CANCELLED_BY_MENTOR.value: Answer.CANCELLED_BY_MENTOR,
    Answer.CANCELLED_BY_TRAINEE.value: Answer.CANCELLED_BY_TRAINEE,
    **dict.fromkeys(RELEASE_BY, Answer.NOT_RELEASED),
}
# Graph errors that will not go away by asking again: the pair is asked at once.
LASTING = frozenset({GraphErrorKind.FORBIDDEN, GraphErrorKind.UNAUTHORISED})


class Verification:
    def __init__(
        self,
        ctx: AppContext,
        outbox: Outbox,
        graph: GraphClient,
        bookings: Bookings,
        help_: ParticipantHelp,
    ) -> None:
        self.ctx = ctx
        self.outbox = outbox
        self.graph = graph
        self.bookings = bookings
        self.help = help_

    # --- the sweep: attendance of meetings that have ended ------------------------------------

    async def check_attendance(self, ctx: AppContext, now: datetime) -> None:
        """Read what Graph knows about each booked meeting whose first look has come."""
        if not (self.graph.configured and self.ctx.settings.graph_attendance):
            return
        for item in self._meetings_to_check(now):
            row_id, event_id, join_url, trainee, mentor, end = item
            facts = await self._facts(mentor, trainee, event_id, join_url)
            last = is_last_look(end, now)
            if isinstance(facts, GraphError):
                lasting = facts.kind in LASTING
                found = verdict(AttendanceFacts(), final=True) if lasting or last else None
                attendance = Attendance.UNKNOWN if found else None
                minutes = None
                log.warning(
                    "attendance of session %s not read%s: %s",
                    row_id,
                    "" if attendance else " (looking again later)",
                    facts.log_fields(),
                )
            else:
                found = verdict(facts, final=last)
                attendance, minutes = found.attendance, found.minutes
            with self.ctx.session() as session:
                row = session.get(MentoringSession, row_id)
                if row.event_id == event_id and row.attendance is None:
                    record_attendance(row, attendance, minutes, now)
                    session.add(row)
            if attendance is not None:
                log.info("attendance of session %s: %s", row_id, attendance.value)

    def _meetings_to_check(self, now: datetime) -> list[tuple]:
        """Booked Teams meetings of active pairings, not yet verified, whose first look has
        come and that were not looked at within the hour."""
        with self.ctx.session() as session:
            rows = session.exec(
                select(MentoringSession, Pairing)
                .join(Pairing, Pairing.id == MentoringSession.pairing_id)
                .where(
                    MentoringSession.booking == "booked",
                    MentoringSession.event_id.is_not(None),
                    MentoringSession.attendance.is_(None),
                    MentoringSession.booked_for <= now,
                    Pairing.status == PairingStatus.ACTIVE.value,
                )
                .order_by(MentoringSession.booked_for)
            ).all()
            due = []
            for row, pairing in rows:
                end = session_end(row.booked_for, row.booked_minutes)
                checked = row.attendance_checked_at
                if first_look(end) > now or (checked and now - checked < LOOK_AGAIN_AFTER):
                    continue
                trainee = session.get(Person, pairing.trainee_person_id).aad_object_id
                mentor = session.get(Person, pairing.mentor_person_id).aad_object_id
                due.append((row.id, row.event_id, row.join_url, trainee, mentor, end))
        return due

    async def _facts(
        self, mentor: str, trainee: str, event_id: str, join_url: str | None
    ) -> AttendanceFacts | GraphError:
        event = await graph_calendar.get_meeting(self.graph, mentor, event_id)
        if isinstance(event, GraphError):
            if event.kind is GraphErrorKind.NOT_FOUND:  # deleted by its organiser
                return AttendanceFacts(cancelled=True)
            return event
        declined = any(r.response is graph_calendar.Response.DECLINED for r in event.responses)
        seconds: dict[str, int] = {}
        url = event.join_url or join_url
        if url:
            found = await meetings.attendance_seconds(self.graph, mentor, url)
            if isinstance(found, GraphError) and found.kind is not GraphErrorKind.NOT_FOUND:
                if event.cancelled or declined:
                    return AttendanceFacts(cancelled=event.cancelled, declined=declined)
                return found
            seconds = found if isinstance(found, dict) else {}
        return AttendanceFacts(
            cancelled=event.cancelled,
            declined=declined,
            trainee_seconds=seconds.get(trainee, 0),
            mentor_seconds=seconds.get(mentor, 0),
            has_report=bool(seconds),
        )

    # --- the pair's answers -------------------------------------------------------------------

    async def answer(self, turn: Turn, value: dict) -> None:
        """A press on the "did your session happen?" card ("We met", or "It didn't happen" and
        why) or on the notes card."""
        if value.get("session") == "notes":
            await self.notes(turn, value)
            return
        said = value.get("answer")
        why = str(value.get("why") or "")
        if said == "met":
            answer = Answer.MET
        elif said == "not_met" and why in WHY:
            answer = WHY[why]
        elif said == "not_met":
            await turn.send("Please pick what happened, then Send.")
            return
        else:
            await turn.send("Sorry, I couldn't read that answer.")
            return
        details = text_of(value.get("details")) or None
        problem = too_long("Anything to add?", details or "")
        if problem is not None:
            await turn.send_paged(problem)
            return
        now = self.ctx.clock.now()
        with self.ctx.session() as session:
            pair, problem = card_pair(self.ctx, session, turn, value)
            if pair is None:
                reply = problem
            else:
                row = session_month(session, pair.pairing_id, pair.month)
                who = MENTOR if pair.me_is_mentor else TRAINEE
                earlier = row.mentor_answer if who == MENTOR else row.trainee_answer
                if row.attendance == Attendance.VERIFIED:
                    reply = (
                        f"Month {pair.month}'s session is already logged as held: Teams saw you "
                        "both in the meeting. Nothing more to do."
                    )
                elif not record_answer(row, who, answer.value, now):
                    reply = (
                        f"You already told me about month {pair.month}: "
                        f"{ANSWER_WORDS[Answer(earlier)]}. If that's not right, type "
                        "**I need help** and the coordinators will sort it out."
                    )
                else:
                    session.add(row)
                    reply = None
                    partner_answered = row.trainee_answer if who == MENTOR else row.mentor_answer
                    confirmed = session_state(facts_of(row)) == SessionState.HELD_CONFIRMED
        if reply is not None:
            await turn.send(reply)
            return
        await self._after_answer(turn, pair, answer, confirmed, partner_answered, why, details)

    async def _after_answer(
        self,
        turn: Turn,
        pair: PairView,
        answer: Answer,
        confirmed: bool,
        partner_answered: str | None,
        why: str,
        details: str | None,
    ) -> None:
        now = self.ctx.clock.now()
        partner = pair.partner.name
        if answer == Answer.MET:
            text = "Thanks — noted that you met."
            if partner_answered is None:
                text += f" I've asked {partner} too."
            elif confirmed:
                text += f" You've both said so: month {pair.month}'s session is logged."
            await turn.send(text)
            await turn.send(
                notes_card(
                    pair.my_reader,
                    pairing_id=pair.pairing_id,
                    month=pair.month,
                    held_on=None,
                    minutes=None,
                    verified=False,
                )
            )
            return
        if answer == Answer.NOT_RELEASED:
            await self.help.report_release(turn, "session", why, details, source="session_check")
            return
        fresh = pair_after_answer(pair)
        await turn.send("Thanks for letting me know. When you can, pick another time:")
        offer = await self.bookings.find_times(fresh, now, notice=TAP_NOTICE)
        await turn.send(self.bookings.offer_or_link(fresh, pair.my_reader, offer, now))

    async def notes(self, turn: Turn, value: dict) -> None:
        """Notes and a next step from the notes card (both optional)."""
        notes = text_of(value.get("notes")) or None
        step = " ".join(text_of(value.get("step")).split()) or None
        problem = too_long("What moved this time?", notes or "") or too_long(
            "A next step for your action plan", step or "", SHORT_TEXT
        )
        if problem is not None:
            await turn.send_paged(problem)
            return
        if notes is None and step is None:
            await turn.send("Nothing to save: add a note or a next step, then Save.")
            return
        now = self.ctx.clock.now()
        async with self.ctx.session_then_reply(turn) as (session, replies):
            pair, problem = card_pair(self.ctx, session, turn, value)
            if pair is None:
                replies.append(problem)
                return
            row = session_month(session, pair.pairing_id, pair.month)
            said = []
            if notes:
                row.steps_moved = f"{row.steps_moved}\n{notes}" if row.steps_moved else notes
                row.logged_by = row.logged_by or str(pair.me.person_id)
                session.add(row)
                said.append("your notes")
            if step:
                add_step(session, pair.pairing_id, pair.me.person_id, step, now)
                count = len(steps_of(session, pair.pairing_id, pair.me.person_id))
                said.append(f"step {count} of your action plan: {step}")
            replies.append(f"Saved {' and '.join(said)}. **my programme** shows your plan.")


def pair_after_answer(pair: PairView) -> PairView:
    """The pair as a new booking of the month sees it (the old time is over)."""
    return replace(pair, state=SessionState.NOT_HELD, booked_for=None, event_id=None)
