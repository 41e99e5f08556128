"""Tables. Every datetime is aware UTC (see `UTCDateTime`)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from domain.application_review import Status as ApplicationStatus
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


class Programme(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    kind: str = Field(default=ProgrammeKind.MENTORING.value)
    length_months: int = 6
    window_opens_at: datetime = utc_column(nullable=False)
    window_closes_at: datetime = utc_column(nullable=False)
    next_window_note: str | None = None
    coordinator_conversation_id: str | None = Field(default=None, index=True)
    # Dates the surveys wait for: the post-training evaluation goes when training ends; in a
    # promotion-support programme the end survey goes after the assessment, before results.
    training_ends_at: datetime | None = utc_column()
    assessment_ends_at: datetime | None = utc_column()
    results_at: datetime | None = utc_column()
    created_at: datetime = utc_column(nullable=False)


class Person(SQLModel, table=True):
    """Someone who has talked to the bot or was named by a coordinator (by AAD object id)."""

    id: int | None = Field(default=None, primary_key=True)
    aad_object_id: str = Field(unique=True, index=True)
    tenant_id: str | None = None
    display_name: str | None = None
    time_zone: str | None = None
    unreachable_since: datetime | None = utc_column()
    snoozed_until: datetime | None = utc_column()
    # The last message or button from them, and since when they count as not responding
    # (routine nudges left unanswered in a row; any message or button clears it).
    last_heard_at: datetime | None = utc_column()
    not_responding_since: datetime | None = utc_column()
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
    completed_sections: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    notes: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    consent_at: datetime | None = utc_column()
    submitted_at: datetime | None = utc_column()
    # Review, kept private to coordinators.
    rejection_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    interview_outcome: str | None = None
    manager_support: str | None = None
    manager_name: str | None = None
    manager_support_on: str | None = None
    # Who recorded it: "coordinator" (by hand) or "manager_in_teams" (domain.managers.Source).
    manager_support_source: str | None = None
    offered_at: datetime | None = utc_column()
    answered_offer_at: datetime | None = utc_column()
    channel_card_activity_id: str | None = None
    created_at: datetime = utc_column(nullable=False)
    updated_at: datetime = utc_column(nullable=False)


class EqualityMonitoring(SQLModel, table=True):
    """Optional equality answers, kept apart from the application they belong to."""

    __tablename__ = "equality_monitoring"

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", unique=True, index=True)
    answers: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = utc_column(nullable=False)


class ApplicationEvent(SQLModel, table=True):
    """The audit trail of an application: who did what, when."""

    __tablename__ = "application_event"

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    at: datetime = utc_column(nullable=False)
    actor_aad_object_id: str | None = None
    event: str
    detail: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class DialogStateRecord(SQLModel, table=True):
    """Conversation and user state of the dialogs (botbuilder `Storage` items), as JSON."""

    __tablename__ = "dialog_state"

    key: str = Field(primary_key=True)
    data: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    etag: int = 1
    updated_at: datetime = utc_column(nullable=False)


class PairingStatus(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    DISSOLVED = "dissolved"  # ended early; the two are never suggested to each other again


class Pairing(SQLModel, table=True):
    """A trainee and a mentor confirmed by a coordinator, for the programme's length."""

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    trainee_person_id: int = Field(foreign_key="person.id", index=True)
    mentor_person_id: int = Field(foreign_key="person.id", index=True)
    status: str = Field(default=PairingStatus.ACTIVE.value, index=True)
    length_months: int = 6
    paired_at: datetime = utc_column(nullable=False)
    confirmed_by: str | None = None
    ended_at: datetime | None = utc_column()
    end_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # When a sweep next needs to look at this pairing (NULL: at the next sweep); see
    # `store.next_sweep`. `facts_version` counts the changes to what the sweep's rules read.
    next_sweep_at: datetime | None = utc_column(index=True)
    facts_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # The pair's preferred session length in minutes (None: the programme's default).
    session_minutes: int | None = None


TO_VERIFY = "booking = 'booked' AND event_id IS NOT NULL AND attendance IS NULL"


class MentoringSession(SQLModel, table=True):
    """One programme month of a pairing: its booking and, afterwards, its log."""

    __tablename__ = "mentoring_session"
    __table_args__ = (
        UniqueConstraint("pairing_id", "month"),
        # The sweep's booked sessions not yet logged (reminders, log requests).
        Index(
            "ix_mentoring_session_booked_open",
            "booked_for",
            sqlite_where=text("booking = 'booked' AND logged_at IS NULL"),
            postgresql_where=text("booking = 'booked' AND logged_at IS NULL"),
        ),
        # Teams meetings the bot booked whose attendance is not yet known.
        Index(
            "ix_mentoring_session_to_verify",
            "booked_for",
            sqlite_where=text(TO_VERIFY),
            postgresql_where=text(TO_VERIFY),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    pairing_id: int = Field(foreign_key="pairing.id", index=True)
    month: int
    booking: str | None = None  # booked / not_yet / cant
    booked_for: datetime | None = utc_column()
    cant_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    happened: bool | None = None  # counts as held (True) or not held (False), by domain.sessions
    held_on: datetime | None = utc_column()
    minutes: int | None = None
    steps_moved: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    blocking: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    logged_by: str | None = None
    logged_at: datetime | None = utc_column()
    # Booking and knowing it happened (see domain.sessions): the booked length, the Teams
    # meeting the bot booked in the mentor's calendar, the times offered on the month's card,
    # what the check after the meeting found, and each person's answer.
    booked_minutes: int | None = None
    event_id: str | None = None
    join_url: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    offer: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    attendance: str | None = None
    attendance_checked_at: datetime | None = utc_column()
    trainee_answer: str | None = None
    trainee_answered_at: datetime | None = utc_column()
    mentor_answer: str | None = None
    mentor_answered_at: datetime | None = utc_column()
    held_as: str | None = None  # verified / confirmed / reported, while the month counts as held


class CheckIn(SQLModel, table=True):
    """A private "is it running smoothly?" answer of one party at week 2, 4 or 6."""

    __tablename__ = "check_in"
    __table_args__ = (
        UniqueConstraint("pairing_id", "person_id", "week"),
        # The sweep's stall rules look only at pairings with an answer other than "yes".
        Index(
            "ix_check_in_uneasy",
            "pairing_id",
            sqlite_where=text("answer <> 'yes'"),
            postgresql_where=text("answer <> 'yes'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    pairing_id: int = Field(foreign_key="pairing.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    week: int
    answer: str  # yes / not_really / need_help
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    answered_at: datetime = utc_column(nullable=False)


class ActionStep(SQLModel, table=True):
    """A small step of a participant's action plan."""

    __tablename__ = "action_step"

    id: int | None = Field(default=None, primary_key=True)
    pairing_id: int = Field(foreign_key="pairing.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    done_at: datetime | None = utc_column()
    created_at: datetime = utc_column(nullable=False)


class SweepRules(SQLModel, table=True):
    """The rules the stored `next_sweep_at` moments were worked out with (one row)."""

    __tablename__ = "sweep_rules"

    id: int = Field(default=1, primary_key=True)
    fingerprint: str
    changed_at: datetime = utc_column(nullable=False)
