"""Participants' answers to an invitation: I'll be there, or I can't come and why.

"My manager hasn't released me" raises a release block at once (the escalations feature's
`report_release`, passed in: what = training, call-back or group meeting, by = line manager),
so the coordinators can act before the day; answering it again raises nothing more. The card
answered is replaced in place with the answer on it, and its buttons stay for a change of mind
until the event starts.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from adaptive_cards.submitted import card_int
from bot.cohort_events.cards import (
    answer_words,
    dates_text,
    invitation_card,
    invitation_intro,
    label,
    local_dates,
    the_event,
)
from bot.cohort_events.notices import load, my_invitation, time_zone_of
from bot.context import AppContext
from bot.settings import working_hours_of
from bot.teams import TeamsMessenger, Turn
from domain.cohort_events import (
    RELEASE_FOR_KIND,
    Answer,
    EventKind,
    Reason,
    day_before_reminder_at,
)
from store.cohort_events import EventStatus

log = logging.getLogger(__name__)

# The escalations feature's `ParticipantHelp.report_release(turn, what, by, details, *,
# source, about)`.
ReportRelease = Callable[..., Awaitable[object]]
LINE_MANAGER = "line_manager"


class InvitationAnswers:
    def __init__(
        self,
        ctx: AppContext,
        messenger: TeamsMessenger | None,
        report_release: ReportRelease,
    ) -> None:
        self.ctx = ctx
        self.messenger = messenger
        self.report_release = report_release

    async def answer(self, turn: Turn, value: dict) -> None:
        now = self.ctx.clock.now()
        try:
            answer = Answer(str(value.get("event_invitation") or ""))
            reason = Reason(str(value["reason"])) if answer == Answer.NO else None
        except (KeyError, ValueError):
            await turn.send(
                "Please choose why you can't come, then Send."
                if value.get("event_invitation") == Answer.NO.value
                else "Sorry, I couldn't read that answer."
            )
            return
        release = None
        refreshed = None
        async with self.ctx.session_then_reply(turn) as (session, replies):
            me, event, row = my_invitation(session, turn, value)
            if row is None:
                replies.append("Sorry, that invitation isn't one I sent you.")
                return
            facts = load(session, event)
            tz = time_zone_of(self.ctx.settings, me)
            if event.status == EventStatus.CANCELLED.value:
                replies.append(f"{label(event)} was cancelled, so there's nothing to answer.")
                return
            if facts.started(now):
                replies.append(
                    f"{label(event)} has already started, so I can't change your answer now. "
                    "If you need to tell the coordinators something, type **I need help**."
                )
                return
            if card_int(value.get("schedule")) != event.schedule_version:
                replies.append(
                    "The dates or times have changed since that card. Here it is as it stands now:"
                )
                replies.append(
                    invitation_card(
                        event,
                        facts.days,
                        row,
                        tz,
                        heading=f"You're invited: {label(event)}",
                        intro=invitation_intro(event, facts.days, tz),
                    )
                )
                return
            already = (row.answer, row.reason) == (
                answer.value,
                reason.value if reason else None,
            )
            row.answer, row.reason, row.answered_at = (
                answer.value,
                reason.value if reason else None,
                now,
            )
            session.add(row)
            when = dates_text(local_dates(facts.days, tz))
            if answer == Answer.YES:
                reminder = day_before_reminder_at(
                    facts.days[0].starts_at, tz, working_hours_of(self.ctx.settings)
                )
                reply = f"Thanks — you're down as coming to {the_event(event)} on {when}."
                if reminder > now:
                    reply += " I'll remind you the working day before."
            elif reason == Reason.NOT_RELEASED:
                reply = (
                    f"You're down as not coming to {the_event(event)} on {when}, because your "
                    "manager hasn't released you."
                )
                if not already:
                    on = dates_text(local_dates(facts.days, event.time_zone))
                    release = (
                        RELEASE_FOR_KIND[EventKind(event.kind)],
                        f"{label(event)} on {on}, answered on its invitation",
                    )
                else:
                    reply += " The coordinators already have this."
            else:
                reply = (
                    f"Thanks for letting me know — you're down as not coming to {the_event(event)} "
                    f"on {when}. The coordinators can see your answer."
                )
            replies.append(reply)
            if turn.replied_to_id and self.messenger is not None:
                refreshed = invitation_card(
                    event,
                    facts.days,
                    row,
                    tz,
                    heading=f"{label(event)}: {answer_words(row)}",
                    intro=invitation_intro(event, facts.days, tz).replace(
                        " Please tell me whether you can come.",
                        " You can change your answer here until it starts.",
                    ),
                )
        log.info("event answered event_id=%s answer=%s", event.id, answer.value)
        if refreshed is not None:
            await self._refresh(turn, refreshed)
        if release is not None:
            what, about = release
            await self.report_release(turn, what, LINE_MANAGER, None, source="event", about=about)

    async def _refresh(self, turn: Turn, card: dict) -> None:
        try:
            await self.messenger.update(turn.conversation_reference(), turn.replied_to_id, card)
        except Exception:
            log.warning("could not refresh the invitation card activity=%s", turn.replied_to_id)
