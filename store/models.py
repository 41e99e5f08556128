"""Tables. Every datetime is aware UTC (see `UTCDateTime`)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from store.types import UTCDateTime


def utc_column(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class ProgrammeKind(StrEnum):
    MENTORING = "mentoring"
    REVERSE = "reverse"
    PROMOTION_SUPPORT = "promotion_support"


class ApplicantRole(StrEnum):
    TRAINEE = "trainee"
    MENTOR = "mentor"


class ApplicationStatus(StrEnum):
    STARTED = "started"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"
    SHORTLISTED = "shortlisted"
    REJECTED = "rejected"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Programme(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    kind: str = Field(default=ProgrammeKind.MENTORING.value)
    length_months: int = 6
    window_opens_at: datetime = utc_column(nullable=False)
    window_closes_at: datetime = utc_column(nullable=False)
    next_window_note: str | None = None
    coordinator_conversation_id: str | None = Field(default=None, index=True)
    created_at: datetime = utc_column(nullable=False)


class Person(SQLModel, table=True):
    """Someone who has talked to the bot or was named by a coordinator (by AAD object id)."""

    id: int | None = Field(default=None, primary_key=True)
    aad_object_id: str = Field(unique=True, index=True)
    tenant_id: str | None = None
    display_name: str | None = None
    time_zone: str | None = None
    unreachable_since: datetime | None = utc_column()
    created_at: datetime = utc_column(nullable=False)
    updated_at: datetime = utc_column(nullable=False)


class ConversationRef(SQLModel, table=True):
    """Where to reach a person (personal chat) or a channel proactively.

    `reference` holds the serialised Bot Framework conversation reference exactly as the
    adapter needs it for `continue_conversation`; the other columns exist to find it.
    """

    __tablename__ = "conversation_ref"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(unique=True, index=True)
    conversation_type: str
    aad_object_id: str | None = Field(default=None, index=True)
    tenant_id: str | None = None
    service_url: str
    team_id: str | None = None
    reference: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    welcomed_at: datetime | None = utc_column()
    updated_at: datetime = utc_column(nullable=False)


class RoleGrant(SQLModel, table=True):
    """A role held by an AAD object id, in addition to those configured in settings."""

    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("aad_object_id", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    aad_object_id: str = Field(index=True)
    role: str
    created_at: datetime = utc_column(nullable=False)


class Application(SQLModel, table=True):
    """An expression of interest by one person in one programme."""

    __table_args__ = (UniqueConstraint("programme_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    role: str
    status: str = Field(default=ApplicationStatus.STARTED.value, index=True)
    organisation: str | None = None
    answers: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    notes: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    consent_at: datetime | None = utc_column()
    submitted_at: datetime | None = utc_column()
    created_at: datetime = utc_column(nullable=False)
    updated_at: datetime = utc_column(nullable=False)
