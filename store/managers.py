"""Requests to line managers: one per application (support before an offer) and one per
release block the participant let us raise with their manager.

The manager is who the directory named when the bot asked, stored with the request: that is
the "manager of" the report the authorisation policy checks, whatever the directory says later.
`next_look_at` is when the sweep next has something to do for a request (look the manager up
again, give up waiting for a chat, remind, tell the coordinators, a digest); NULL: nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Text, delete, update
from sqlmodel import Field, Session, SQLModel, select

from domain.keys import manager_request_prefix
from domain.local_time import format_local_date
from domain.managers import AskFacts, Purpose, Stage
from store.db import insert_unless_exists
from store.outbox import OutboxMessage
from store.types import UTCDateTime


def _utc(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class ManagerRequest(SQLModel, table=True):
    __tablename__ = "manager_request"

    id: int | None = Field(default=None, primary_key=True)
    purpose: str  # domain.managers.Purpose
    # The report: the participant the request is about.
    person_id: int = Field(foreign_key="person.id", index=True)
    programme_id: int | None = Field(default=None, foreign_key="programme.id")
    application_id: int | None = Field(
        default=None, foreign_key="application.id", unique=True, index=True
    )
    release_block_id: int | None = Field(
        default=None, foreign_key="release_block.id", unique=True, index=True
    )
    escalation_id: int | None = Field(default=None, foreign_key="escalation.id")
    # A release block: what they were not released for (domain.escalations.RELEASE_FOR) and
    # the day, if they gave it (ISO date).
    released_for: str | None = None
    released_on: str | None = None
    # The manager, from the directory at the time of asking.
    manager_aad_object_id: str | None = Field(default=None, index=True)
    manager_name: str | None = None
    manager_email: str | None = None
    stage: str = Field(index=True)  # domain.managers.Stage
    not_asked: str | None = None  # domain.managers.NotAsked, when not asked
    created_at: datetime = _utc(nullable=False)
    asked_at: datetime | None = _utc()
    reminded_at: datetime | None = _utc()
    coordinators_told_at: datetime | None = _utc()
    answer: str | None = None  # domain.managers.Answer
    # The manager's reason for a "can't": for the coordinators only.
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    answered_at: datetime | None = _utc()
    last_digest_at: datetime | None = _utc()
    digest_stopped_at: datetime | None = _utc()
    next_look_at: datetime | None = _utc(index=True)


def open_support_request(
    session: Session, *, application_id: int, person_id: int, programme_id: int, now: datetime
) -> ManagerRequest | None:
    """The application's request, new (None if there is one already: asked once)."""
    new_id = insert_unless_exists(
        session,
        ManagerRequest.__table__,
        {
            "purpose": Purpose.SUPPORT.value,
            "person_id": person_id,
            "programme_id": programme_id,
            "application_id": application_id,
            "stage": Stage.LOOKING_UP.value,
            "created_at": now,
        },
        ["application_id"],
    )
    return session.get(ManagerRequest, new_id) if new_id is not None else None


def open_release_request(
    session: Session,
    *,
    release_block_id: int,
    person_id: int,
    programme_id: int | None,
    escalation_id: int | None,
    released_for: str,
    released_on: str | None,
    stage: Stage,
    now: datetime,
) -> ManagerRequest | None:
    """The release block's request, new (None if there is one already)."""
    new_id = insert_unless_exists(
        session,
        ManagerRequest.__table__,
        {
            "purpose": Purpose.RELEASE.value,
            "person_id": person_id,
            "programme_id": programme_id,
            "release_block_id": release_block_id,
            "escalation_id": escalation_id,
            "released_for": released_for,
            "released_on": released_on,
            "stage": stage.value,
            "created_at": now,
        },
        ["release_block_id"],
    )
    return session.get(ManagerRequest, new_id) if new_id is not None else None


def support_request_of(session: Session, application_id: int) -> ManagerRequest | None:
    return session.exec(
        select(ManagerRequest).where(ManagerRequest.application_id == application_id)
    ).first()


def release_request_of(session: Session, release_block_id: int) -> ManagerRequest | None:
    return session.exec(
        select(ManagerRequest).where(ManagerRequest.release_block_id == release_block_id)
    ).first()


def requests_due(session: Session, now: datetime, limit: int = 200) -> list[ManagerRequest]:
    """The requests the sweep has something to do for at `now`, longest waiting first."""
    return list(
        session.exec(
            select(ManagerRequest)
            .where(ManagerRequest.next_look_at <= now)
            .order_by(ManagerRequest.next_look_at, ManagerRequest.id)
            .limit(limit)
        )
    )


def waiting_for_chat_with(session: Session, manager_aad_object_id: str) -> list[ManagerRequest]:
    """The requests whose card waits for a chat with this manager to open."""
    return list(
        session.exec(
            select(ManagerRequest)
            .where(
                ManagerRequest.manager_aad_object_id == manager_aad_object_id,
                ManagerRequest.stage == Stage.WAITING_FOR_CHAT.value,
            )
            .order_by(ManagerRequest.id)
        )
    )


def requests_about(session: Session, person_id: int) -> list[ManagerRequest]:
    return list(
        session.exec(
            select(ManagerRequest)
            .where(ManagerRequest.person_id == person_id)
            .order_by(ManagerRequest.created_at, ManagerRequest.id)
        )
    )


def requests_to(session: Session, manager_aad_object_id: str) -> list[ManagerRequest]:
    return list(
        session.exec(
            select(ManagerRequest)
            .where(ManagerRequest.manager_aad_object_id == manager_aad_object_id)
            .order_by(ManagerRequest.created_at, ManagerRequest.id)
        )
    )


def ask_facts(request: ManagerRequest, tz: str) -> AskFacts:
    """Where the request stands, with its times as dates in `tz`."""

    def day(at: datetime | None) -> str | None:
        return format_local_date(at, tz) if at else None

    return AskFacts(
        purpose=request.purpose,
        stage=request.stage,
        manager_name=request.manager_name,
        not_asked=request.not_asked,
        asked_on=day(request.asked_at),
        reminded_on=day(request.reminded_at),
        coordinators_told_on=day(request.coordinators_told_at),
        answer=request.answer,
        answered_on=day(request.answered_at),
        reason=request.reason,
    )


def erase_requests(session: Session, person_id: int, aad_object_id: str) -> None:
    """On erasure: requests about the person go, with the messages about them (to their
    manager, to the coordinator channel); as someone's manager, their name, address, id and
    words go from the requests sent to them (what was answered stays)."""
    about = session.exec(
        select(ManagerRequest.id).where(ManagerRequest.person_id == person_id)
    ).all()
    for request_id in about:
        prefix = manager_request_prefix(request_id)
        session.execute(
            delete(OutboxMessage).where(OutboxMessage.idempotency_key.startswith(prefix))
        )
    session.execute(delete(ManagerRequest).where(ManagerRequest.person_id == person_id))
    session.execute(
        update(ManagerRequest)
        .where(ManagerRequest.manager_aad_object_id == aad_object_id)
        .values(
            manager_aad_object_id=None,
            manager_name=None,
            manager_email=None,
            reason=None,
            next_look_at=None,
        )
    )
