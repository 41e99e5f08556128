"""Booking a month's session and knowing it happened: the Teams meetings the bot books, and
the month row's booking, answers and attendance.

A `SessionBooking` is one meeting the bot asked Microsoft Graph to create in the mentor's
calendar. It is written (pending) before Graph is called, so its id gives the meeting's
transactionId and a retry never books twice; at most one booking per month is pending or live
(a partial unique index), so two taps at once book once. pending → live (Graph answered with
the event) or failed (Graph refused: nothing was made); a pending booking whose answer was lost
is looked up later and adopted, or cancelled if the month was booked another way meanwhile;
live → cancel (to be cancelled in Outlook, retried until done) → cancelled.

The month row (`MentoringSession`) holds what the rules read: when it is booked, for how long,
the live meeting, what the check after it found and each person's answer. `settle` derives the
stored `happened` / `held_as` from those facts by `domain.sessions`.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Index, Text, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, select

from domain.free_slots import DEFAULT_SESSION_MINUTES
from domain.keys import session_event_transaction
from domain.sessions import (
    HELD_AS,
    TRAINEE,
    SessionState,
    facts_of,
    is_held,
    session_state,
)
from store.models import MentoringSession
from store.types import UTCDateTime


class BookingStatus(StrEnum):
    PENDING = "pending"  # asked Graph; no answer seen yet
    LIVE = "live"  # the meeting exists and is the month's booking
    FAILED = "failed"  # Graph refused, or never made it: nothing to undo
    CANCEL = "cancel"  # to be cancelled in Outlook (retried until done)
    CANCELLED = "cancelled"


_OPEN = "status IN ('pending', 'live')"
_WORK = "status IN ('pending', 'cancel')"


def _utc(nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable))


class SessionBooking(SQLModel, table=True):
    """A Teams meeting the bot booked (or tried to) for one month's session."""

    __tablename__ = "session_booking"
    __table_args__ = (
        Index(
            "ux_session_booking_open",
            "session_id",
            unique=True,
            sqlite_where=text(_OPEN),
            postgresql_where=text(_OPEN),
        ),
        # The sweep's work: lost answers to look up, cancellations to retry.
        Index(
            "ix_session_booking_work",
            "updated_at",
            sqlite_where=text(_WORK),
            postgresql_where=text(_WORK),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="mentoring_session.id", index=True)
    pairing_id: int = Field(foreign_key="pairing.id", index=True)
    month: int
    organiser_aad_object_id: str
    # Who tapped the time (told if Outlook turns out not to have made it).
    requested_by: int | None = Field(default=None, foreign_key="person.id")
    start: datetime = _utc(nullable=False)
    end: datetime = _utc(nullable=False)
    status: str = Field(default=BookingStatus.PENDING.value)
    nonce: str
    event_id: str | None = None
    join_url: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # The last Graph error, as `GraphError.log_fields()` (ids and codes, never a person).
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = _utc(nullable=False)
    updated_at: datetime = _utc(nullable=False)

    @property
    def transaction_id(self) -> str:
        return session_event_transaction(self.id, self.nonce)

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


# --- Teams meetings ---------------------------------------------------------------------------


def claim_booking(
    session: Session,
    row: MentoringSession,
    *,
    organiser: str,
    start: datetime,
    end: datetime,
    now: datetime,
    requested_by: int | None = None,
) -> SessionBooking | None:
    """A new pending booking of the month, or None if one is pending or live already."""
    booking = SessionBooking(
        session_id=row.id,
        pairing_id=row.pairing_id,
        month=row.month,
        organiser_aad_object_id=organiser,
        requested_by=requested_by,
        start=start,
        end=end,
        nonce=secrets.token_hex(6),
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(booking)
            session.flush()
    except IntegrityError:
        return None
    return booking


def open_booking(session: Session, session_id: int) -> SessionBooking | None:
    """The month's pending or live booking."""
    return session.exec(
        select(SessionBooking).where(
            SessionBooking.session_id == session_id,
            SessionBooking.status.in_((BookingStatus.PENDING.value, BookingStatus.LIVE.value)),
        )
    ).first()


def set_status(
    session: Session, booking: SessionBooking, status: BookingStatus, now: datetime, **values
) -> None:
    booking.status = status.value
    booking.updated_at = now
    for name, value in values.items():
        setattr(booking, name, value)
    session.add(booking)
    session.flush()


def live_bookings_after(session: Session, pairing_id: int, after: datetime) -> list[SessionBooking]:
    """The pairing's live meetings that start after `after`."""
    return list(
        session.exec(
            select(SessionBooking).where(
                SessionBooking.pairing_id == pairing_id,
                SessionBooking.status == BookingStatus.LIVE.value,
                SessionBooking.start > after,
            )
        )
    )


def bookings_to_follow_up(
    session: Session, *, pending_before: datetime, limit: int = 100
) -> list[SessionBooking]:
    """Pending bookings untouched since `pending_before` (their answer was lost), and
    cancellations still to make, oldest first."""
    return list(
        session.exec(
            select(SessionBooking)
            .where(
                (
                    (SessionBooking.status == BookingStatus.PENDING.value)
                    & (SessionBooking.updated_at <= pending_before)
                )
                | (SessionBooking.status == BookingStatus.CANCEL.value)
            )
            .order_by(SessionBooking.updated_at, SessionBooking.id)
            .limit(limit)
        )
    )


# --- the month row ----------------------------------------------------------------------------


def book_month(
    row: MentoringSession,
    start: datetime,
    minutes: int | None,
    *,
    event_id: str | None = None,
    join_url: str | None = None,
) -> None:
    """The month is booked at `start`: what was known about an earlier time goes."""
    row.booking = "booked"
    row.booked_for = start
    row.booked_minutes = minutes
    row.event_id = event_id
    row.join_url = join_url
    row.attendance = row.attendance_checked_at = None
    row.trainee_answer = row.trainee_answered_at = None
    row.mentor_answer = row.mentor_answered_at = None
    row.held_on = row.minutes = None
    settle(row)


def unbook_month(row: MentoringSession) -> None:
    row.booking = None
    row.booked_for = None
    row.booked_minutes = None
    row.event_id = row.join_url = None
    settle(row)


def record_answer(row: MentoringSession, who: int, answer: str, now: datetime) -> bool:
    """Store a person's answer once; False if they had answered already."""
    if (row.trainee_answer if who == TRAINEE else row.mentor_answer) is not None:
        return False
    if who == TRAINEE:
        row.trainee_answer, row.trainee_answered_at = answer, now
    else:
        row.mentor_answer, row.mentor_answered_at = answer, now
    settle(row, now)
    return True


def record_attendance(
    row: MentoringSession, attendance: str | None, minutes: int | None, now: datetime
) -> None:
    """What the check after the meeting found (None: nothing yet, it looks again)."""
    row.attendance_checked_at = now
    if attendance is None:
        return
    row.attendance = attendance
    if minutes is not None:
        row.minutes = minutes
    settle(row, now)


def settle(row: MentoringSession, now: datetime | None = None) -> SessionState:
    """Derive `happened`, `held_as` and, once held, `held_on` and `logged_at` (when the bot
    learned it was held: what the pulse survey follows) from the month's facts."""
    state = session_state(facts_of(row))
    row.held_as = HELD_AS.get(state)
    if is_held(state):
        row.happened = True
        if row.held_on is None:
            row.held_on = row.booked_for or now
        if row.logged_at is None:
            row.logged_at = now
        if row.minutes is None:
            row.minutes = row.booked_minutes or DEFAULT_SESSION_MINUTES
    else:
        row.happened = False if state == SessionState.NOT_HELD else None
    return state
