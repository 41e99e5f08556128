"""Announcements of a programme's application window: the announcement, its audiences
(channels and staff groups) and every person it was for, with where their message stands.

A person is one `AnnouncementRecipient` per announcement (unique), however many of its groups
they are in, so they get one message. The message itself is an outbox row under
`domain.keys.announcement_key`: the outbox sends it once, in their working hours; `settle`
copies its outcome back (delivered, or not reached and why). "Not for me" is kept per programme
and person (`AnnouncementOptOut`): no more announcements of that programme, and no reminder.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint, update
from sqlmodel import Field, Session, SQLModel, select

from domain.announcements import AudienceKind, Delivery, Status, Unreached
from domain.keys import announcement_key
from store.db import chunked, insert_unless_exists
from store.models import Application, ApplicationStatus, Person, Programme, utc_column
from store.outbox import OutboxMessage, OutboxStatus


class Announcement(SQLModel, table=True):
    __tablename__ = "announcement"

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    image_url: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    status: str = Field(default=Status.DRAFT.value, index=True)
    composed_by: str  # AAD object id of the coordinator
    approved_by: str | None = None
    approved_at: datetime | None = utc_column()
    finished_at: datetime | None = utc_column()
    # The announcement this one sends again (to organisations it did not reach).
    again_of: int | None = Field(default=None, foreign_key="announcement.id")
    created_at: datetime = utc_column(nullable=False)


class AnnouncementAudience(SQLModel, table=True):
    """A channel (a conversation id) or an Entra group (its id) an announcement goes to; a
    group is labelled with the organisation its members belong to."""

    __tablename__ = "announcement_audience"
    __table_args__ = (UniqueConstraint("announcement_id", "kind", "target"),)

    id: int | None = Field(default=None, primary_key=True)
    announcement_id: int = Field(foreign_key="announcement.id", index=True)
    kind: str  # AudienceKind
    target: str
    name: str
    organisation: str | None = None
    # A group: when its members were read (None: not yet); why they could not be.
    members_read_at: datetime | None = utc_column()
    problem: str | None = None


class AnnouncementRecipient(SQLModel, table=True):
    __tablename__ = "announcement_recipient"
    __table_args__ = (UniqueConstraint("announcement_id", "aad_object_id"),)

    id: int | None = Field(default=None, primary_key=True)
    announcement_id: int = Field(foreign_key="announcement.id", index=True)
    audience_id: int | None = Field(default=None, foreign_key="announcement_audience.id")
    aad_object_id: str = Field(index=True)
    organisation: str | None = None
    delivery: str = Field(default=Delivery.WAITING.value, index=True)
    unreached: str | None = None
    # While INSTALLING: when to stop waiting for Teams to open the chat.
    chat_deadline: datetime | None = utc_column()
    pressed_apply_at: datetime | None = utc_column()
    created_at: datetime = utc_column(nullable=False)


class AnnouncementOptOut(SQLModel, table=True):
    """Someone who said "not for me" to a programme's announcement."""

    __tablename__ = "announcement_opt_out"
    __table_args__ = (UniqueConstraint("programme_id", "aad_object_id"),)

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    aad_object_id: str = Field(index=True)
    at: datetime = utc_column(nullable=False)


# --- writing -----------------------------------------------------------------------------------


def new_announcement(
    session: Session, programme_id: int, text: str, composed_by: str, now: datetime, **extra
) -> Announcement:
    row = Announcement(
        programme_id=programme_id, text=text, composed_by=composed_by, created_at=now, **extra
    )
    session.add(row)
    session.flush()
    return row


def add_audience(
    session: Session,
    announcement_id: int,
    kind: AudienceKind,
    target: str,
    name: str,
    organisation: str | None = None,
) -> AnnouncementAudience:
    row = AnnouncementAudience(
        announcement_id=announcement_id,
        kind=kind.value,
        target=target,
        name=name,
        organisation=organisation,
    )
    session.add(row)
    session.flush()
    return row


def audiences_of(session: Session, announcement_id: int) -> list[AnnouncementAudience]:
    return list(
        session.exec(
            select(AnnouncementAudience)
            .where(AnnouncementAudience.announcement_id == announcement_id)
            .order_by(AnnouncementAudience.id)
        )
    )


def add_recipients(
    session: Session,
    audience: AnnouncementAudience,
    aad_object_ids: Iterable[str],
    now: datetime,
) -> int:
    """Everyone in a group, once per announcement (someone in two groups keeps the first);
    how many were new."""
    table = AnnouncementRecipient.__table__
    added = 0
    for aad in dict.fromkeys(aad_object_ids):
        added += (
            insert_unless_exists(
                session,
                table,
                {
                    "announcement_id": audience.announcement_id,
                    "audience_id": audience.id,
                    "aad_object_id": aad,
                    "organisation": audience.organisation,
                    "delivery": Delivery.WAITING.value,
                    "created_at": now,
                },
                ["announcement_id", "aad_object_id"],
            )
            is not None
        )
    return added


def recipients_in(
    session: Session,
    announcement_id: int,
    deliveries: Iterable[Delivery] | None = None,
    *,
    limit: int | None = None,
) -> list[AnnouncementRecipient]:
    query = select(AnnouncementRecipient).where(
        AnnouncementRecipient.announcement_id == announcement_id
    )
    if deliveries is not None:
        query = query.where(AnnouncementRecipient.delivery.in_([d.value for d in deliveries]))
    return list(session.exec(query.order_by(AnnouncementRecipient.id).limit(limit)))


def recipient_of(
    session: Session, announcement_id: int, aad_object_id: str
) -> AnnouncementRecipient | None:
    return session.exec(
        select(AnnouncementRecipient).where(
            AnnouncementRecipient.announcement_id == announcement_id,
            AnnouncementRecipient.aad_object_id == aad_object_id,
        )
    ).first()


def not_reached(row: AnnouncementRecipient, why: Unreached) -> None:
    row.delivery = Delivery.NOT_REACHED.value
    row.unreached = why.value
    row.chat_deadline = None


def opt_out(session: Session, programme_id: int, aad_object_id: str, now: datetime) -> bool:
    """Record "not for me"; False if it was recorded before."""
    return (
        insert_unless_exists(
            session,
            AnnouncementOptOut.__table__,
            {"programme_id": programme_id, "aad_object_id": aad_object_id, "at": now},
            ["programme_id", "aad_object_id"],
        )
        is not None
    )


def opted_out(session: Session, programme_id: int, aad_object_ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in chunked(list(aad_object_ids)):
        found.update(
            session.exec(
                select(AnnouncementOptOut.aad_object_id).where(
                    AnnouncementOptOut.programme_id == programme_id,
                    AnnouncementOptOut.aad_object_id.in_(chunk),
                )
            )
        )
    return found


def already_applied(
    session: Session, programme_id: int, aad_object_ids: Sequence[str]
) -> set[str]:
    """Who of these has an application to the programme (started or further): an
    announcement inviting them to apply is not for them."""
    found: set[str] = set()
    for chunk in chunked(list(aad_object_ids)):
        found.update(
            session.exec(
                select(Person.aad_object_id)
                .join(Application, Application.person_id == Person.id)
                .where(
                    Application.programme_id == programme_id,
                    Person.aad_object_id.in_(chunk),
                )
            )
        )
    return found


# --- what happened to the messages -----------------------------------------------------------

_OUTBOX_UNREACHED = {
    OutboxStatus.UNREACHABLE.value: Unreached.BLOCKED,
    OutboxStatus.FAILED.value: Unreached.FAILED,
    OutboxStatus.CANCELLED.value: Unreached.NOT_FOR_ME,
}


def settle(session: Session, announcement_id: int) -> None:
    """Copy the outcome of each queued message from its outbox row: delivered, or not reached
    (blocked, Teams kept failing, or cancelled because they said "not for me" meanwhile).

    Read and written in bulk: a sweep settles a whole staff group while it is being sent."""
    queued = session.exec(
        select(AnnouncementRecipient.id, AnnouncementRecipient.aad_object_id).where(
            AnnouncementRecipient.announcement_id == announcement_id,
            AnnouncementRecipient.delivery == Delivery.QUEUED.value,
        )
    ).all()
    ids = {announcement_key(announcement_id, aad): row_id for row_id, aad in queued}
    outcomes: dict[tuple[str, str | None], list[int]] = {}
    for chunk in chunked(list(ids)):
        for key, status in session.exec(
            select(OutboxMessage.idempotency_key, OutboxMessage.status).where(
                OutboxMessage.idempotency_key.in_(chunk)
            )
        ):
            if status == OutboxStatus.SENT.value:
                outcome = (Delivery.DELIVERED.value, None)
            elif status in _OUTBOX_UNREACHED:
                outcome = (Delivery.NOT_REACHED.value, _OUTBOX_UNREACHED[status].value)
            else:
                continue
            outcomes.setdefault(outcome, []).append(ids[key])
    for (delivery, unreached), row_ids in outcomes.items():
        set_delivery(session, row_ids, delivery, unreached)


def set_delivery(
    session: Session, row_ids: Sequence[int], delivery: str, unreached: str | None = None
) -> None:
    """Where these recipients stand now (one UPDATE per chunk)."""
    for chunk in chunked(list(row_ids)):
        session.execute(
            update(AnnouncementRecipient)
            .where(AnnouncementRecipient.id.in_(chunk))
            .values(delivery=delivery, unreached=unreached, chat_deadline=None)
        )


def applications_by_person(
    session: Session, programme_id: int, aad_object_ids: Sequence[str]
) -> dict[str, Application]:
    """The programme's applications of these people, by AAD object id."""
    found: dict[str, Application] = {}
    for chunk in chunked(list(aad_object_ids)):
        for application, aad in session.exec(
            select(Application, Person.aad_object_id)
            .join(Person, Person.id == Application.person_id)
            .where(Application.programme_id == programme_id, Person.aad_object_id.in_(chunk))
        ):
            found[aad] = application
    return found


def announcements_of(session: Session, programme_id: int) -> list[Announcement]:
    return list(
        session.exec(
            select(Announcement)
            .where(Announcement.programme_id == programme_id)
            .order_by(Announcement.id.desc())
        )
    )


def sending(session: Session) -> list[Announcement]:
    return list(
        session.exec(select(Announcement).where(Announcement.status == Status.SENDING.value))
    )


def installing_for(session: Session, aad_object_id: str) -> list[AnnouncementRecipient]:
    """The person's announcements waiting for Teams to open their chat."""
    return list(
        session.exec(
            select(AnnouncementRecipient).where(
                AnnouncementRecipient.aad_object_id == aad_object_id,
                AnnouncementRecipient.delivery == Delivery.INSTALLING.value,
            )
        )
    )


def forget_announced(session: Session, aad_object_id: str) -> None:
    """Erasure: the person's rows go (the counts of what was sent go with them)."""
    for model in (AnnouncementRecipient, AnnouncementOptOut):
        for row in session.exec(select(model).where(model.aad_object_id == aad_object_id)):
            session.delete(row)


def announced_programmes(session: Session, now: datetime) -> list[Programme]:
    """Programmes open for applications now with an announcement approved (being sent or sent)."""
    return list(
        session.exec(
            select(Programme)
            .where(
                Programme.window_opens_at <= now,
                Programme.window_closes_at > now,
                Programme.id.in_(
                    select(Announcement.programme_id).where(
                        Announcement.status.in_([Status.SENDING.value, Status.SENT.value])
                    )
                ),
            )
            .order_by(Programme.id)
        )
    )


def unfinished_applications(session: Session, programme_id: int) -> list[tuple[Application, str]]:
    """Applications started and not submitted (nor withdrawn), with the person's AAD id."""
    return list(
        session.exec(
            select(Application, Person.aad_object_id)
            .join(Person, Person.id == Application.person_id)
            .where(
                Application.programme_id == programme_id,
                Application.status == ApplicationStatus.STARTED.value,
                Application.submitted_at.is_(None),
            )
        )
    )


SentTo = tuple[AnnouncementRecipient, Programme]
SaidNo = tuple[AnnouncementOptOut, Programme]


def held_about(session: Session, aad_object_id: str) -> tuple[list[SentTo], list[SaidNo]]:
    """What the announcements hold about a person: each announcement they were sent (with its
    programme), and each programme they said "not for me" to."""
    sent = session.exec(
        select(AnnouncementRecipient, Programme)
        .join(Announcement, Announcement.id == AnnouncementRecipient.announcement_id)
        .join(Programme, Programme.id == Announcement.programme_id)
        .where(AnnouncementRecipient.aad_object_id == aad_object_id)
        .order_by(AnnouncementRecipient.id)
    ).all()
    refused = session.exec(
        select(AnnouncementOptOut, Programme)
        .join(Programme, Programme.id == AnnouncementOptOut.programme_id)
        .where(AnnouncementOptOut.aad_object_id == aad_object_id)
    ).all()
    return list(sent), list(refused)
