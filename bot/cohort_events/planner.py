"""The sweep's event rules, and "still wanted?" at send time.

Each sweep looks at every event not cancelled (few: a programme has a handful) and at those
cancelled in the last day: it invites participants accepted since the event was created,
catches up any notice not yet queued (`notices.notice_messages`), queues the reminders that
are due, and after the last day the coordinators' attendance card, "were you there?" for
participants, the call-back pulse for those who were there, and the coordinators' flags.
Keys make all of it happen once (`domain.keys`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.cohort_events.notices import (
    ATTENDANCE_CARD,
    EventFacts,
    attendance_card_message,
    attended_check_messages,
    flag_messages,
    load,
    load_many,
    notice_messages,
    queued_about,
    reminder_messages,
)
from bot.context import AppContext
from bot.outbox.planned import PLANNING_DRY_RUN, PlannedMessage
from bot.teams import message_payload
from domain.cohort_events import (
    FOLLOW_UP_FOR,
    Answer,
    EventKind,
    EventMessage,
    attended,
    recorded_attendance,
    urgency_of,
)
from domain.keys import EventKeyWhat, event_pulse_key, read_event_key
from domain.nudge_policy import Urgency
from domain.surveys import Survey, load_definitions
from store.cohort_events import (
    CohortEvent,
    EventStatus,
    accepted_participants,
    cancelled_since,
    days_of,
    event_subject,
    invitation_of,
    invite_participants,
    scheduled_events,
    told_from,
)
from store.models import Programme
from store.outbox import OutboxMessage
from store.surveys import invitation, invite

# The survey trigger of the short survey after a call-back workshop (`surveys/`).
CALL_BACK_TRIGGER = "call_back_attended"
# Builds the card of a survey round: (survey, subject, sending) -> card.
SurveyCard = Callable[[Survey, str, int], dict]
# A cancellation not yet told (a crash between cancelling and queuing) is caught up this long.
CANCELLED_CATCH_UP = timedelta(days=1)


class EventsPlanner:
    def __init__(self, survey_card: SurveyCard) -> None:
        self.survey_card = survey_card

    def __call__(self, ctx: AppContext, now: datetime) -> list[PlannedMessage]:
        settings = ctx.settings
        pulses = [
            s
            for s in load_definitions(settings.surveys_dir).values()
            if s.trigger == CALL_BACK_TRIGGER
        ]
        messages: list[PlannedMessage] = []
        with ctx.session() as session:
            live = scheduled_events(session, ending_since=now - FOLLOW_UP_FOR)
            events = [*live, *cancelled_since(session, now - CANCELLED_CATCH_UP)]
            participants: dict[int, list] = {}
            programmes: set[int] = set()
            for facts in load_many(session, events):
                event = facts.event
                if not facts.days:
                    continue
                if not facts.cancelled and not facts.started(now):
                    if event.programme_id not in participants:
                        participants[event.programme_id] = accepted_participants(
                            session, event.programme_id
                        )
                    invited = participants[event.programme_id]
                    if invite_participants(session, event, now, invited):
                        facts = load(session, event)
                queued = queued_about(session, facts)
                told = told_from(queued)
                messages += notice_messages(session, settings, facts, now, told)
                if facts.cancelled:
                    continue
                messages += reminder_messages(settings, facts, told, now, queued)
                if facts.ended(now) and now - facts.days[-1].ends_at <= FOLLOW_UP_FOR:
                    programme = session.get(Programme, event.programme_id)
                    card = attendance_card_message(session, facts, programme, queued)
                    messages += [card] if card else []
                    messages += attended_check_messages(settings, facts, told, queued)
                    messages += self._pulses(session, facts, pulses, now, queued)
                    programmes.add(event.programme_id)
            for programme_id in sorted(programmes):
                messages += flag_messages(session, session.get(Programme, programme_id), now)
            if PLANNING_DRY_RUN.get():
                session.rollback()
        return messages

    def _pulses(
        self,
        session: Session,
        facts: EventFacts,
        surveys: list[Survey],
        now: datetime,
        queued: Collection[str],
    ) -> list[PlannedMessage]:
        """The call-back pulse to each person recorded as there (all of it or part)."""
        if facts.event.kind != EventKind.CALL_BACK or not surveys:
            return []
        messages = []
        subject = event_subject(facts.event.id)
        urgency = urgency_of(EventMessage.PULSE)
        for row in facts.invitations:
            key = event_pulse_key(facts.event.id, row.person_id)
            if key in queued:
                continue
            if not attended(recorded_attendance(row.attendance, row.self_report, row.answer)):
                continue
            person = facts.people[row.person_id]
            for survey in surveys:
                if row.role not in survey.audience:
                    continue
                asked = invitation(session, survey.id, subject, person.id)
                if asked is not None and asked.responded_at is not None:
                    continue
                if asked is None:
                    invite(
                        session,
                        programme_id=facts.event.programme_id,
                        survey_id=survey.id,
                        round_=f"event-{facts.event.id}",
                        subject=subject,
                        person_id=person.id,
                        role=row.role,
                        now=now,
                    )
                messages.append(
                    PlannedMessage(
                        person.aad_object_id,
                        EventMessage.PULSE.value,
                        key,
                        payload=message_payload(cards=[self.survey_card(survey, subject, 0)]),
                        routine=urgency == Urgency.ROUTINE,
                    )
                )
        return messages


# --- at send time -------------------------------------------------------------------------------

STILL_WANTED_KINDS = (
    *(m.value for m in EventMessage if m != EventMessage.CANCELLED),
    ATTENDANCE_CARD,
)


def still_wanted(ctx: AppContext, session: Session, row: OutboxMessage, now: datetime) -> bool:
    """An invitation or change only while it is the event's latest version and before it
    starts (ends, for a change); reminders only before it starts, to someone who hasn't said
    they can't come (and for the reminder to answer, hasn't answered), for the event's current
    first day; nothing about a cancelled event but the cancellation."""
    read = read_event_key(row.idempotency_key)
    if read is None:
        return True
    event = session.get(CohortEvent, read.event_id)
    if event is None or event.status == EventStatus.CANCELLED.value:
        return False
    days = days_of(session, event.id)
    if not days:
        return False
    first_start, last_end = days[0].starts_at, days[-1].ends_at
    answer = None
    if read.person_id is not None:
        mine = invitation_of(session, event.id, read.person_id)
        if mine is None:
            return False
        answer = mine.answer
        if read.what == EventKeyWhat.ATTENDED:
            return mine.self_report is None and mine.attendance is None
        if read.what == EventKeyWhat.PULSE:
            subject = event_subject(event.id)
            return not any(
                getattr(invitation(session, s.id, subject, read.person_id), "responded_at", None)
                for s in load_definitions(ctx.settings.surveys_dir).values()
                if s.trigger == CALL_BACK_TRIGGER
            )
    if read.what == EventKeyWhat.INVITE:
        return read.version == event.version and now < first_start
    if read.what == EventKeyWhat.CHANGE:
        return read.version == event.version and now < last_end
    if read.what == EventKeyWhat.ANSWER_REMINDER:
        return answer is None and now < first_start
    if read.what == EventKeyWhat.DAY_BEFORE:
        return (
            read.first_start == f"{first_start:%Y%m%d%H%M}"
            and now < first_start
            and answer != Answer.NO
        )
    return True
