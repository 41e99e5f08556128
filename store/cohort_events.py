"""The cohort's shared events: each event, its days, and each invited person's answer and
attendance. Rules about them are in `domain.cohort_events`.

What people were sent about an event is not stored here: the outbox holds it, one row per key
(`domain.keys`), and `told_about` reads it back, so "who has heard of which version" can never
disagree with what was actually queued or sent.

A training event's days decide when the post-training evaluation goes, so writing one makes
the programme's pairings due for a sweep (`store.moments.facts_changed`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, Session, SQLModel, select

from domain.cohort_events import Draft, EventKind, Told, is_invited
from domain.keys import EventKeyWhat, event_notice_keys, read_event_key
from store.db import chunked, insert_unless_exists
from store.erasure import is_erased
from store.models import (
    Application,
    ApplicationStatus,
    Person,
    utc_column,
)
from store.moments import facts_changed
from store.outbox import OutboxMessage, OutboxStatus


class EventStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class CohortEvent(SQLModel, table=True):
    """A training course, call-back workshop or group meeting of one programme."""

    __tablename__ = "cohort_event"

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    kind: str
    title: str
    audience: str
    place: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    online: bool = False
    # A joining link a coordinator pasted (else each day's Teams meeting has its own).
    link: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # The zone the times were given in (the coordinator's): days are wall-clock times there.
    time_zone: str
    status: str = Field(default=EventStatus.SCHEDULED.value, index=True)
    # Bumped by every change (each change reaches everyone once); `schedule_version` only by a
    # change of days or times (answers are asked again).
    version: int = 1
    schedule_version: int = 1
    # Whose calendar holds the Teams meetings (the coordinator who created the event).
    organiser_aad_object_id: str | None = None
    created_by: str | None = None
    created_at: datetime = utc_column(nullable=False)
    updated_at: datetime = utc_column(nullable=False)
    cancelled_at: datetime | None = utc_column()
    cancelled_by: str | None = None
    # What the coordinator said when cancelling (goes to everyone told about the event).
    cancel_note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # The form that created it: a second press of the same form's Save creates nothing.
    form_id: str | None = Field(default=None, unique=True)


class CohortEventDay(SQLModel, table=True):
    """One day of an event; with Graph, its own Teams meeting in the organiser's calendar."""

    __tablename__ = "cohort_event_day"
    __table_args__ = (UniqueConstraint("event_id", "starts_at"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="cohort_event.id", index=True)
    starts_at: datetime = utc_column(nullable=False, index=True)
    ends_at: datetime = utc_column(nullable=False)
    meeting_id: str | None = None  # the Graph event id
    join_url: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class CohortEventInvitation(SQLModel, table=True):
    """One person invited to one event: their answer, what they said about being there, and
    the attendance the coordinators recorded (which wins)."""

    __tablename__ = "cohort_event_invitation"
    __table_args__ = (UniqueConstraint("event_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="cohort_event.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    role: str  # trainee / mentor
    invited_at: datetime = utc_column(nullable=False)
    answer: str | None = None  # yes / no
    reason: str | None = None  # why not: not_released / clash / leave / other
    answered_at: datetime | None = utc_column()
    self_report: str | None = None  # attended / part / absent, from the person
    self_reported_at: datetime | None = utc_column()
    attendance: str | None = None  # attended / part / absent, from the coordinators
    attendance_by: str | None = None
    attendance_at: datetime | None = utc_column()


@dataclass(frozen=True)
class Participant:
    person: Person
    role: str
    organisation: str | None


def accepted_participants(session: Session, programme_id: int) -> list[Participant]:
    """Everyone whose application to the programme was accepted, in application order (but
    anyone whose data was erased: there is nobody left to invite)."""
    rows = session.exec(
        select(Application, Person)
        .join(Person, Person.id == Application.person_id)
        .where(
            Application.programme_id == programme_id,
            Application.status == ApplicationStatus.ACCEPTED.value,
        )
        .order_by(Application.id)
    )
    return [
        Participant(person, app.role, app.organisation)
        for app, person in rows
        if not is_erased(person)
    ]


def organisations(session: Session, programme_id: int) -> dict[int, str | None]:
    """Each applicant's organisation, by person id (erased people's too: it is a count)."""
    rows = session.exec(
        select(Application.person_id, Application.organisation).where(
            Application.programme_id == programme_id
        )
    )
    return dict(rows.all())


def _training_changed(session: Session, event: CohortEvent, *kinds: str) -> None:
    if EventKind.TRAINING.value in (event.kind, *kinds):
        facts_changed(session, programme_ids=[event.programme_id])


def _describe(event: CohortEvent, draft: Draft) -> None:
    event.kind, event.title, event.audience = draft.kind.value, draft.title, draft.audience.value
    event.place, event.online, event.link = draft.place, draft.online, draft.link


def create_event(
    session: Session,
    *,
    programme_id: int,
    draft: Draft,
    time_zone: str,
    days: Sequence[tuple[datetime, datetime]],
    created_by: str | None,
    organiser: str | None,
    form_id: str | None,
    now: datetime,
) -> CohortEvent:
    """A new event as the coordinator's form describes it; `days` are its (start, end)."""
    event = CohortEvent(
        form_id=form_id,
        programme_id=programme_id,
        time_zone=time_zone,
        organiser_aad_object_id=organiser,
        created_by=created_by,
        created_at=now,
        updated_at=now,
    )
    _describe(event, draft)
    session.add(event)
    session.flush()
    for starts_at, ends_at in days:
        session.add(CohortEventDay(event_id=event.id, starts_at=starts_at, ends_at=ends_at))
    session.flush()
    _training_changed(session, event)
    return event


def _by_event(session: Session, model, event_ids: Iterable[int], order) -> dict[int, list]:
    """Rows of `model` (days or invitations) of these events, by event, in `order`."""
    found: dict[int, list] = {}
    for chunk in chunked(sorted(set(event_ids))):
        rows = session.exec(select(model).where(model.event_id.in_(chunk)).order_by(order))
        for row in rows:
            found.setdefault(row.event_id, []).append(row)
    return found


def days_by_event(session: Session, event_ids: Iterable[int]) -> dict[int, list[CohortEventDay]]:
    return _by_event(session, CohortEventDay, event_ids, CohortEventDay.starts_at)


def days_of(session: Session, event_id: int) -> list[CohortEventDay]:
    return days_by_event(session, [event_id]).get(event_id, [])


def set_day_meeting(
    session: Session, day: CohortEventDay, meeting_id: str | None, join_url: str | None
) -> None:
    day.meeting_id, day.join_url = meeting_id, join_url
    session.add(day)


def event_of_form(session: Session, form_id: str) -> CohortEvent | None:
    return session.exec(select(CohortEvent).where(CohortEvent.form_id == form_id)).first()


def events_of(
    session: Session, programme_id: int, *, with_cancelled: bool = False
) -> list[CohortEvent]:
    """A programme's events in order of creation."""
    query = select(CohortEvent).where(CohortEvent.programme_id == programme_id)
    if not with_cancelled:
        query = query.where(CohortEvent.status == EventStatus.SCHEDULED.value)
    return list(session.exec(query.order_by(CohortEvent.id)))


def scheduled_events(session: Session, ending_since: datetime) -> list[CohortEvent]:
    """Every event not cancelled, of every programme, with a day that ends at or after
    `ending_since` (to come, under way, or just over)."""
    recent = select(CohortEventDay.id).where(
        CohortEventDay.event_id == CohortEvent.id, CohortEventDay.ends_at >= ending_since
    )
    return list(
        session.exec(
            select(CohortEvent)
            .where(CohortEvent.status == EventStatus.SCHEDULED.value, recent.exists())
            .order_by(CohortEvent.id)
        )
    )


def cancelled_since(session: Session, since: datetime) -> list[CohortEvent]:
    """Events cancelled at or after `since`."""
    return list(
        session.exec(
            select(CohortEvent)
            .where(
                CohortEvent.status == EventStatus.CANCELLED.value,
                CohortEvent.cancelled_at >= since,
            )
            .order_by(CohortEvent.id)
        )
    )


def invitations_by_event(
    session: Session, event_ids: Iterable[int]
) -> dict[int, list[CohortEventInvitation]]:
    return _by_event(session, CohortEventInvitation, event_ids, CohortEventInvitation.id)


def invitations_of(session: Session, event_id: int) -> list[CohortEventInvitation]:
    return invitations_by_event(session, [event_id]).get(event_id, [])


def people_by_id(session: Session, person_ids: Iterable[int]) -> dict[int, Person]:
    found: dict[int, Person] = {}
    for chunk in chunked(sorted(set(person_ids))):
        found |= {p.id: p for p in session.exec(select(Person).where(Person.id.in_(chunk)))}
    return found


def invitation_of(session: Session, event_id: int, person_id: int) -> CohortEventInvitation | None:
    return session.exec(
        select(CohortEventInvitation).where(
            CohortEventInvitation.event_id == event_id,
            CohortEventInvitation.person_id == person_id,
        )
    ).first()


def invitations_of_person(
    session: Session, person_id: int
) -> list[tuple[CohortEventInvitation, CohortEvent]]:
    """A person's invitations with their events, oldest event first."""
    return list(
        session.exec(
            select(CohortEventInvitation, CohortEvent)
            .join(CohortEvent, CohortEvent.id == CohortEventInvitation.event_id)
            .where(CohortEventInvitation.person_id == person_id)
            .order_by(CohortEvent.id)
        )
    )


def invite_participants(
    session: Session,
    event: CohortEvent,
    now: datetime,
    participants: Sequence[Participant] | None = None,
) -> list[CohortEventInvitation]:
    """Invitations for the accepted participants the event's audience covers who have none
    yet (all of them for a new event; those accepted since, later). Returns the new ones.
    `participants`: the programme's accepted participants, if the caller has them."""
    invited = {row.person_id for row in invitations_of(session, event.id)}
    if participants is None:
        participants = accepted_participants(session, event.programme_id)
    new = []
    table = CohortEventInvitation.__table__
    for participant in participants:
        if participant.person.id in invited or not is_invited(event.audience, participant.role):
            continue
        values = {
            "event_id": event.id,
            "person_id": participant.person.id,
            "role": participant.role,
            "invited_at": now,
        }
        # Another transaction (a sweep, a coordinator's change) may invite them at the same time.
        row_id = insert_unless_exists(session, table, values, ["event_id", "person_id"])
        if row_id is not None:
            new.append(session.get(CohortEventInvitation, row_id))
        invited.add(participant.person.id)
    return new


def change_event(
    session: Session,
    event: CohortEvent,
    *,
    draft: Draft,
    days: Sequence[tuple[datetime, datetime]],
    answers_stand: bool,
    now: datetime,
) -> None:
    """A new version of the event. New days replace the old ones (and their meetings: the
    caller has cancelled those); unless the answers stand, everyone is asked again."""
    old_kind = event.kind
    _describe(event, draft)
    event.version += 1
    event.updated_at = now
    if not answers_stand:
        event.schedule_version += 1
        for day in days_of(session, event.id):
            session.delete(day)
        session.flush()
        for starts_at, ends_at in days:
            session.add(CohortEventDay(event_id=event.id, starts_at=starts_at, ends_at=ends_at))
        for row in invitations_of(session, event.id):
            row.answer = row.reason = row.answered_at = None
            session.add(row)
    session.add(event)
    session.flush()
    _training_changed(session, event, old_kind)


def cancel_event(
    session: Session, event: CohortEvent, actor: str | None, note: str | None, now: datetime
) -> None:
    event.status = EventStatus.CANCELLED.value
    event.cancelled_at, event.cancelled_by, event.cancel_note = now, actor, note
    event.version += 1
    event.updated_at = now
    session.add(event)
    session.flush()
    _training_changed(session, event)


def outbox_statuses(session: Session, keys: Iterable[str]) -> dict[str, str]:
    """The outbox status of each of these keys that is queued (found by the key's unique
    index)."""
    table = OutboxMessage.__table__
    found: dict[str, str] = {}
    for chunk in chunked(sorted(set(keys))):
        rows = session.execute(
            select(table.c.idempotency_key, table.c.status).where(
                table.c.idempotency_key.in_(chunk)
            )
        )
        found |= dict(rows.all())
    return found


def told_from(keys: dict[str, str]) -> dict[int, Told]:
    """Per person: the latest version of the event an invitation or change was queued for, and
    whether any of them was sent, from the `outbox_statuses` of their keys."""
    told: dict[int, Told] = {}
    for key, status in keys.items():
        read = read_event_key(key)
        if read is None or read.what not in (EventKeyWhat.INVITE, EventKeyWhat.CHANGE):
            continue
        before = told.get(read.person_id)
        sent = status == OutboxStatus.SENT.value
        told[read.person_id] = Told(
            max(read.version, before.version if before else 0),
            sent or (before is not None and before.sent),
        )
    return told


def told_about(session: Session, event: CohortEvent) -> dict[int, Told]:
    """Who has been sent what about the event (read from the outbox's keys)."""
    keys = [
        key
        for row in invitations_of(session, event.id)
        for key in event_notice_keys(event.id, event.version, row.person_id)
    ]
    return told_from(outbox_statuses(session, keys))


def last_training_days(
    session: Session, programme_ids: Iterable[int]
) -> dict[int, tuple[datetime, str]]:
    """Per programme: the end of its last training day (of events not cancelled) and the zone
    the event was set in."""
    found: dict[int, tuple[datetime, str]] = {}
    for chunk in chunked(sorted(set(programme_ids))):
        rows = session.exec(
            select(CohortEvent.programme_id, CohortEventDay.ends_at, CohortEvent.time_zone)
            .join(CohortEventDay, CohortEventDay.event_id == CohortEvent.id)
            .where(
                CohortEvent.programme_id.in_(chunk),
                CohortEvent.kind == EventKind.TRAINING.value,
                CohortEvent.status == EventStatus.SCHEDULED.value,
            )
        )
        for programme_id, ends_at, tz in rows:
            if programme_id not in found or ends_at > found[programme_id][0]:
                found[programme_id] = (ends_at, tz)
    return found


@dataclass(frozen=True)
class EventDate:
    """One day of an event someone is invited to."""

    event_id: int
    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime
    answer: str | None  # yes / no / None (not answered)


def upcoming_dates_of(session: Session, person_id: int, now: datetime) -> list[EventDate]:
    """The days still to come of the events (not cancelled) a person is invited to, soonest
    first: what their line manager is asked to release them for."""
    rows = session.exec(
        select(CohortEvent, CohortEventDay, CohortEventInvitation.answer)
        .join(CohortEventDay, CohortEventDay.event_id == CohortEvent.id)
        .join(CohortEventInvitation, CohortEventInvitation.event_id == CohortEvent.id)
        .where(
            CohortEventInvitation.person_id == person_id,
            CohortEvent.status == EventStatus.SCHEDULED.value,
            CohortEventDay.ends_at > now,
        )
        .order_by(CohortEventDay.starts_at)
    )
    return [
        EventDate(event.id, event.kind, event.title, day.starts_at, day.ends_at, answer)
        for event, day, answer in rows
    ]


def event_subject(event_id: int) -> str:
    """The subject of the survey after an event (see `store.surveys.SurveyInvitation`)."""
    return f"cohort-event-{event_id}"
