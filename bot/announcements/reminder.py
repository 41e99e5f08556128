"""The reminder to finish an application, a few working days before the window closes.

Once a programme has been announced, everyone who started an application to it and has not
submitted it gets one reminder, at the start of their working day `REMINDER_WORKING_DAYS`
working days before the close; never someone who said "not for me", never someone who has
submitted (checked again when it is sent).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.context import AppContext
from bot.outbox.planned import PlannedMessage, recipient_time_zone
from bot.settings import working_hours_of
from bot.teams import message_payload
from domain.announcements import reminder_at, wants_reminder
from domain.application_review import Status as ApplicationStatus
from domain.keys import announcement_reminder_key, read_announcement_reminder_key
from domain.local_time import format_closing_date
from store.announcements import announced_programmes, opted_out, unfinished_applications
from store.applications import application_of
from store.models import Programme
from store.outbox import OutboxMessage
from store.people import get_person

KIND = "announcement_reminder"


def plan_reminders(ctx: AppContext, now: datetime) -> list[PlannedMessage]:
    hours = working_hours_of(ctx.settings)
    messages: list[PlannedMessage] = []
    with ctx.session() as session:
        for programme in announced_programmes(session, now):
            unfinished = unfinished_applications(session, programme.id)
            said_no = opted_out(session, programme.id, [aad for _, aad in unfinished])
            for _application, aad in unfinished:
                if not wants_reminder(started=True, submitted=False, not_for_me=aad in said_no):
                    continue
                tz = recipient_time_zone(session, ctx.settings, aad)
                if now < reminder_at(programme.window_closes_at, tz, hours):
                    continue
                closes = format_closing_date(programme.window_closes_at, tz)
                messages.append(
                    PlannedMessage(
                        aad,
                        KIND,
                        announcement_reminder_key(programme.id, aad),
                        payload=message_payload(
                            f"Your application to {programme.name} is saved but not sent yet. "
                            f"Applications close on {closes}: type **apply** to carry on where "
                            "you left off, check your answers and send it. If you've decided "
                            "not to apply, you can ignore this: it's the only reminder."
                        ),
                        routine=True,
                        time_zone=tz,
                    )
                )
    return messages


def still_wanted(ctx: AppContext, session: Session, row: OutboxMessage, now: datetime) -> bool:
    """Only while the application is still unsent, the window open and no "not for me"."""
    read = read_announcement_reminder_key(row.idempotency_key)
    programme = session.get(Programme, read[0]) if read else None
    person = get_person(session, read[1]) if read else None
    if programme is None or person is None or programme.window_closes_at <= now:
        return False
    if opted_out(session, programme.id, [person.aad_object_id]):
        return False
    application = application_of(session, programme.id, person.id)
    return application is not None and application.status == ApplicationStatus.STARTED.value
