"""The messages about events, decided in one place for the coordinators' actions and the sweep:
invitations, changes and cancellations (each reaching each invited person once), the reminder
to answer, the reminder the working day before, "were you there?" at the end, the attendance
card and the flags for the coordinator channel.

Every message is keyed in `domain.keys`; how it waits (working hours, the daily cap) follows
`domain.cohort_events.urgency_of`, in the nudge policy's terms.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from adaptive_cards.submitted import card_int
from bot.cohort_events.cards import (
    attendance_card,
    attended_card,
    dates_text,
    invitation_card,
    invitation_intro,
    label,
    local_dates,
    the_event,
)
from bot.context import AppContext
from bot.outbox.planned import PlannedMessage, enqueue_planned
from bot.participants import sender_person
from bot.settings import Settings, working_hours_of
from bot.teams import Turn, message_payload
from domain.cohort_events import (
    FLAG_WORDS,
    Answer,
    EventKind,
    EventMessage,
    Flag,
    Notice,
    PastEvent,
    answer_reminder_at,
    day_before_reminder_at,
    day_before_reminder_wanted,
    flags,
    notice_due,
    notice_waits_for_working_hours,
    recorded_attendance,
    urgency_of,
)
from domain.keys import (
    event_answer_reminder_key,
    event_attendance_card_key,
    event_attended_check_key,
    event_cancelled_key,
    event_change_key,
    event_day_before_key,
    event_flag_key,
    event_invitation_key,
    event_notice_keys,
    event_pulse_key,
)
from domain.local_time import zone
from domain.nudge_policy import Urgency
from domain.working_hours import local_date
from store.cohort_events import (
    CohortEvent,
    CohortEventDay,
    CohortEventInvitation,
    EventStatus,
    Told,
    accepted_participants,
    days_by_event,
    events_of,
    invitation_of,
    invitations_by_event,
    organisations,
    outbox_statuses,
    people_by_id,
    told_about,
)
from store.conversations import ref_by_conversation
from store.erasure import is_erased
from store.models import Person, Programme
from store.outbox import existing_keys

ATTENDANCE_CARD = "event_attendance"
FLAG = "event_flag"


@dataclass(frozen=True)
class EventFacts:
    """One event as the messages need it: its days, invitations and the people invited."""

    event: CohortEvent
    days: list[CohortEventDay]
    invitations: list[CohortEventInvitation]
    people: dict[int, Person]

    @property
    def cancelled(self) -> bool:
        return self.event.status == EventStatus.CANCELLED.value

    def started(self, now: datetime) -> bool:
        return bool(self.days) and self.days[0].starts_at <= now

    def ended(self, now: datetime) -> bool:
        return bool(self.days) and self.days[-1].ends_at <= now


def load(session: Session, event: CohortEvent) -> EventFacts:
    [facts] = load_many(session, [event])
    return facts


def load_many(session: Session, events: Sequence[CohortEvent]) -> list[EventFacts]:
    """Several events at once (a few queries, whatever their number)."""
    ids = [event.id for event in events]
    days, invitations = days_by_event(session, ids), invitations_by_event(session, ids)
    people = people_by_id(session, (r.person_id for rows in invitations.values() for r in rows))
    return [
        EventFacts(
            event,
            days.get(event.id, []),
            invitations.get(event.id, []),
            {row.person_id: people[row.person_id] for row in invitations.get(event.id, [])},
        )
        for event in events
    ]


def enqueue_all(
    session: Session, ctx: AppContext, messages: list[PlannedMessage], now: datetime
) -> list[int]:
    """Queue the messages (a key already queued is left as it is); their rows' ids."""
    return [enqueue_planned(session, ctx.settings, m, now)[0].id for m in messages]


def queued_about(session: Session, facts: EventFacts) -> dict[str, str]:
    """The outbox status of every message about the event that is queued: notices, reminders,
    "were you there?", the pulse and the attendance card (looked up by their exact keys)."""
    event = facts.event
    keys = [event_attendance_card_key(event.id)]
    for row in facts.invitations:
        keys += event_notice_keys(event.id, event.version, row.person_id)
        keys += [
            event_answer_reminder_key(event.id, row.person_id),
            event_attended_check_key(event.id, row.person_id),
            event_pulse_key(event.id, row.person_id),
        ]
        if facts.days:
            keys.append(event_day_before_key(event.id, facts.days[0].starts_at, row.person_id))
    return outbox_statuses(session, keys)


def my_invitation(session: Session, turn: Turn, value: dict):
    """(sender, event, their invitation) for the event a card names; the invitation is None
    when the sender wasn't invited to it."""
    me = sender_person(session, turn.sender)
    event = session.get(CohortEvent, card_int(value.get("event_id")) or 0)
    row = invitation_of(session, event.id, me.id) if event is not None and me is not None else None
    return me, event, row


def time_zone_of(settings: Settings, person: Person) -> str:
    return person.time_zone or settings.default_time_zone


def _message(
    kind: EventMessage,
    person: Person,
    key: str,
    payload: dict,
    *,
    waits: bool | None = None,
    not_before: datetime | None = None,
) -> PlannedMessage:
    urgency = urgency_of(kind)
    return PlannedMessage(
        person.aad_object_id,
        kind.value,
        key,
        payload=payload,
        routine=urgency == Urgency.ROUTINE,
        working_hours=(urgency != Urgency.REPLY) if waits is None else waits,
        not_before=not_before,
    )


# --- invitations, changes, cancellations -------------------------------------------------------


def _cancelled_text(event: CohortEvent, days: Sequence[CohortEventDay], tz: str) -> str:
    text = (
        f"Cancelled: {the_event(event)} on {dates_text(local_dates(days, tz))} will not take "
        "place. You don't need to do anything."
    )
    if any(day.meeting_id for day in days):
        text += " Its Teams meeting has been cancelled too."
    if event.cancel_note:
        text += f"\n\nFrom the coordinators: “{event.cancel_note}”"
    return text


def notice_messages(
    session: Session,
    settings: Settings,
    facts: EventFacts,
    now: datetime,
    told: dict[int, Told] | None = None,
) -> list[PlannedMessage]:
    """The invitation, change or cancellation each invited person needs now (none twice)."""
    event = facts.event
    if not facts.days:
        return []
    told = told_about(session, event) if told is None else told
    hours = working_hours_of(settings)
    first_start = facts.days[0].starts_at
    messages = []
    for row in facts.invitations:
        person = facts.people[row.person_id]
        if is_erased(person):
            continue  # their data was deleted: nobody to tell
        notice = notice_due(
            version=event.version,
            cancelled=facts.cancelled,
            started=facts.started(now),
            ended=facts.ended(now),
            told=told.get(row.person_id),
        )
        if notice is None:
            continue
        tz = time_zone_of(settings, person)
        waits = notice_waits_for_working_hours(now, first_start, tz, hours)
        if notice == Notice.CANCELLED:
            messages.append(
                _message(
                    EventMessage.CANCELLED,
                    person,
                    event_cancelled_key(event.id, person.id),
                    message_payload(_cancelled_text(event, facts.days, tz)),
                    waits=waits,
                )
            )
            continue
        if notice == Notice.INVITATION:
            kind, key = (
                EventMessage.INVITATION,
                event_invitation_key(event.id, event.version, person.id),
            )
            heading = f"You're invited: {label(event)}"
            intro = invitation_intro(event, facts.days, tz)
        else:
            kind, key = EventMessage.CHANGE, event_change_key(event.id, event.version, person.id)
            heading = f"Changed: {label(event)}"
            intro = "The programme coordinators have changed this event; here it is as it now "
            intro += f"stands (times in your time zone, {tz})."
            if row.answer is None:
                intro += " Please tell me again whether you can come."
        card = invitation_card(
            event, facts.days, row, tz, heading=heading, intro=intro, ask=not facts.started(now)
        )
        messages.append(
            _message(kind, person, key, message_payload(cards=[card], summary=heading), waits=waits)
        )
    return messages


# --- reminders ----------------------------------------------------------------------------------


def _relative_day(now: datetime, first_start: datetime, tz: str) -> str:
    today, day = local_date(now, tz), local_date(first_start, tz)
    if (day - today).days == 1:
        return "tomorrow"
    return f"on {first_start.astimezone(zone(tz)):%A}"


def reminder_messages(
    settings: Settings,
    facts: EventFacts,
    told: dict[int, Told],
    now: datetime,
    queued: Collection[str] = (),
) -> list[PlannedMessage]:
    """Due now, before the event starts: the one reminder to answer (5 working days on) and
    the reminder the working day before (to everyone who hasn't said they can't come).
    Keys in `queued` are left out (they are in the outbox already)."""
    event = facts.event
    if facts.cancelled or not facts.days or facts.started(now):
        return []
    hours = working_hours_of(settings)
    first_start = facts.days[0].starts_at
    messages = []
    for row in facts.invitations:
        if row.person_id not in told or row.answer == Answer.NO:
            continue
        person = facts.people[row.person_id]
        tz = time_zone_of(settings, person)
        day_before = day_before_reminder_at(first_start, tz, hours)
        if now >= day_before:
            key = event_day_before_key(event.id, first_start, person.id)
            if key in queued or not day_before_reminder_wanted(
                row.invited_at, first_start, tz, hours
            ):
                continue
            when = _relative_day(day_before, first_start, tz)
            heading = f"Reminder: {label(event)} {when}"
            intro = (
                "See you there. If something has come up, tell the coordinators: type "
                "“I can't get released” or “I need help” here."
                if row.answer == Answer.YES
                else "I haven't had your answer yet: one tap tells the coordinators."
            )
            card = invitation_card(
                event, facts.days, row, tz, heading=heading, intro=intro, ask=row.answer is None
            )
            messages.append(
                _message(
                    EventMessage.DAY_BEFORE,
                    person,
                    key,
                    message_payload(cards=[card], summary=heading),
                )
            )
            continue
        key = event_answer_reminder_key(event.id, person.id)
        if row.answer is not None or key in queued or not told[row.person_id].sent:
            continue
        due = answer_reminder_at(row.invited_at, first_start, tz, hours)
        if due is not None and now >= due:
            heading = f"Can you come? {label(event)}"
            intro = (
                "I haven't had your answer yet. One tap tells the coordinators, so they can "
                "plan (and help if you aren't being released)."
            )
            card = invitation_card(event, facts.days, row, tz, heading=heading, intro=intro)
            messages.append(
                _message(
                    EventMessage.ANSWER_REMINDER,
                    person,
                    key,
                    message_payload(cards=[card], summary=heading),
                )
            )
    return messages


# --- after the event ----------------------------------------------------------------------------


def attended_check_messages(
    settings: Settings, facts: EventFacts, told: dict[int, Told], queued: Collection[str] = ()
) -> list[PlannedMessage]:
    """ "Were you there?" to everyone a notice reached who didn't say they couldn't come and
    whose attendance nobody has recorded yet."""
    messages = []
    for row in facts.invitations:
        known = told.get(row.person_id)
        if known is None or not known.sent or row.answer == Answer.NO:
            continue
        key = event_attended_check_key(facts.event.id, row.person_id)
        if row.self_report or row.attendance or key in queued:
            continue
        person = facts.people[row.person_id]
        card = attended_card(facts.event, facts.days, time_zone_of(settings, person))
        messages.append(
            _message(
                EventMessage.ATTENDED_CHECK,
                person,
                key,
                message_payload(cards=[card], summary=f"Were you at {the_event(facts.event)}?"),
            )
        )
    return messages


def coordinator_channel(session: Session, programme: Programme) -> str | None:
    """The coordinator channel's conversation id, if it is set up and reachable."""
    conversation = programme.coordinator_conversation_id
    if not conversation or ref_by_conversation(session, conversation) is None:
        return None
    return conversation


def attendance_card_message(
    session: Session, facts: EventFacts, programme: Programme, queued: Collection[str] = ()
) -> PlannedMessage | None:
    key = event_attendance_card_key(facts.event.id)
    channel = coordinator_channel(session, programme)
    if channel is None or not facts.invitations or key in queued:
        return None
    return PlannedMessage(
        channel,
        ATTENDANCE_CARD,
        key,
        payload=message_payload(
            cards=[attendance_card(facts.event, facts.days, register(session, facts))],
            summary=f"Attendance: {label(facts.event)}",
        ),
        routine=False,
        to_channel=True,
    )


def register(session: Session, facts: EventFacts) -> list[tuple]:
    """(invitation, person, organisation) for everyone invited, for the attendance card."""
    of = organisations(session, facts.event.programme_id)
    return [(row, facts.people[row.person_id], of.get(row.person_id)) for row in facts.invitations]


def flag_messages(session: Session, programme: Programme, now: datetime) -> list[PlannedMessage]:
    """The coordinators told once per participant and flag: missed the training, missed both
    call-backs (from the attendance recorded for the events that are over)."""
    channel = coordinator_channel(session, programme)
    if channel is None:
        return []
    events = events_of(session, programme.id)
    days = days_by_event(session, [e.id for e in events])
    over = [e for e in events if days.get(e.id) and days[e.id][-1].ends_at <= now]
    if not over:
        return []
    invitations = invitations_by_event(session, [e.id for e in over])
    past: dict[int, list[tuple[CohortEvent, CohortEventInvitation]]] = {}
    for event in over:
        for row in invitations.get(event.id, []):
            past.setdefault(row.person_id, []).append((event, row))
    keys: dict[str, tuple[int, Flag]] = {}
    for person_id, rows in sorted(past.items()):
        raised = flags(
            PastEvent(e.kind, recorded_attendance(r.attendance, r.self_report, r.answer))
            for e, r in rows
        )
        for flag in sorted(raised):
            keys[event_flag_key(programme.id, flag.value, person_id)] = (person_id, flag)
    flagged: dict[int, list[Flag]] = {}
    for key in sorted(set(keys) - existing_keys(session, keys)):
        person_id, flag = keys[key]
        flagged.setdefault(person_id, []).append(flag)
    if not flagged:
        return []
    participants = {p.person.id: p for p in accepted_participants(session, programme.id)}
    people = people_by_id(session, flagged)
    messages = []
    for person_id, raised in flagged.items():
        rows = past[person_id]
        participant = participants.get(person_id)
        person = people[person_id]
        for flag in raised:
            kind = EventKind.TRAINING if flag == Flag.MISSED_TRAINING else EventKind.CALL_BACK
            missed = [
                f"{label(e)} ({dates_text(local_dates(days[e.id], e.time_zone))})"
                for e, _row in rows
                if e.kind == kind
            ]
            who = ", ".join(
                part
                for part in (rows[0][1].role, participant.organisation if participant else None)
                if part
            )
            text = (
                f"**{person.display_name or 'A participant'}** ({who}) {FLAG_WORDS[flag]}: "
                f"recorded absent from {'; '.join(missed)}. They may need a way to catch up: "
                "you could message them, or raise it at their next check-in."
            )
            messages.append(
                PlannedMessage(
                    channel,
                    FLAG,
                    event_flag_key(programme.id, flag.value, person_id),
                    payload=message_payload(text),
                    routine=False,
                    to_channel=True,
                )
            )
    return messages
