"""Who was there: the coordinators' attendance card (posted after the last day, or asked for
from `events`), recording it, and participants' own "I attended" at the end of the event.

The coordinators' record wins over what a person says; both are kept. Recording attendance
tells the coordinators at once about anyone who has now missed the training or both
call-backs (`bot.cohort_events.notices.flag_messages`, each flag once).
"""

from __future__ import annotations

import logging
from collections import Counter

from adaptive_cards.submitted import card_int
from bot.cohort_events.cards import attendance_card, label
from bot.cohort_events.notices import (
    EventFacts,
    enqueue_all,
    flag_messages,
    load,
    my_invitation,
    register,
)
from bot.context import AppContext
from bot.outbox.engine import Outbox
from bot.teams import Turn
from domain.cohort_events import ATTENDANCE_TITLES, Attendance
from store.cohort_events import CohortEvent, EventStatus
from store.models import Programme

log = logging.getLogger(__name__)

_SELF_REPORT_THANKS = {
    Attendance.ATTENDED: "Thanks — noted that you were there.",
    Attendance.PART: "Thanks — noted that you were there for part of it.",
    Attendance.ABSENT: "Thanks for letting me know.",
}


class AttendanceRegister:
    def __init__(self, ctx: AppContext, outbox: Outbox) -> None:
        self.ctx = ctx
        self.outbox = outbox

    def _started(self, session, value: dict, now) -> EventFacts | str:
        """The event named on the card, once it has started; else why not."""
        event = session.get(CohortEvent, card_int(value.get("event_id")) or 0)
        if event is None or event.status == EventStatus.CANCELLED.value:
            return "That event was cancelled, so there is no attendance to record."
        facts = load(session, event)
        if not facts.started(now):
            return f"{label(event)} hasn't started yet: record attendance once it has."
        return facts

    async def card(self, turn: Turn, value: dict) -> None:
        """The attendance card for one event, on a coordinator's request."""
        now = self.ctx.clock.now()
        async with self.ctx.session_then_reply(turn) as (session, replies):
            facts = self._started(session, value, now)
            if isinstance(facts, str):
                replies.append(facts)
                return
            if not facts.invitations:
                replies.append(f"Nobody was invited to {label(facts.event)}.")
                return
            replies.append(attendance_card(facts.event, facts.days, register(session, facts)))

    async def record(self, turn: Turn, value: dict) -> None:
        """The coordinators' register (every person on the card), which wins."""
        now = self.ctx.clock.now()
        actor = turn.sender.aad_object_id
        async with self.ctx.session_then_reply(turn) as (session, replies):
            facts = self._started(session, value, now)
            if isinstance(facts, str):
                replies.append(facts)
                return
            event = facts.event
            counts: Counter = Counter()
            for row in facts.invitations:
                mark = str(value.get(f"mark_{row.id}") or "")
                if mark not in {a.value for a in Attendance}:
                    continue
                row.attendance, row.attendance_by, row.attendance_at = mark, actor, now
                session.add(row)
                counts[Attendance(mark)] += 1
            if not counts:
                replies.append("Sorry, I couldn't read the register on that card.")
                return
            session.flush()
            programme = session.get(Programme, event.programme_id)
            ids = enqueue_all(session, self.ctx, flag_messages(session, programme, now), now)
            who = turn.sender.name or "a coordinator"
            summary = ", ".join(
                f"{counts[a]} {ATTENDANCE_TITLES[a].lower()}" for a in Attendance if counts[a]
            )
            reply = f"Attendance recorded for #{event.id} {label(event)}: {summary}. ({who})"
        log.info("attendance recorded event_id=%s", event.id)
        await self.outbox.dispatch_due(now, ids=ids)
        await turn.send(reply)

    async def self_report(self, turn: Turn, value: dict) -> None:
        """A participant's own "I attended / part of it / I couldn't be there"."""
        now = self.ctx.clock.now()
        try:
            said = Attendance(str(value.get("event_attended") or ""))
        except ValueError:
            await turn.send("Sorry, I couldn't read that answer.")
            return
        async with self.ctx.session_then_reply(turn) as (session, replies):
            _me, _event, row = my_invitation(session, turn, value)
            if row is None:
                replies.append("Sorry, that card isn't about an event you were invited to.")
                return
            row.self_report, row.self_reported_at = said.value, now
            session.add(row)
            reply = _SELF_REPORT_THANKS[said]
            if row.attendance and row.attendance != said.value:
                reply += (
                    " The coordinators' register says "
                    f"“{ATTENDANCE_TITLES[Attendance(row.attendance)].lower()}”; if that's "
                    "wrong, type **I need help** and tell them."
                )
            replies.append(reply)
