"""The outbox: every proactive message is a row before it is a request to Teams.

A rule decides that something is due and the sweep writes a row with a unique idempotency key
(who, what, which period); a second decision about the same thing finds the row and changes
nothing. The dispatcher claims due rows with a lease, sends them and records the outcome on the
row, so retries survive restarts and no two senders ever hold the same row at once.

Status moves one way: `pending` → `sent` | `failed` | `unreachable` | `cancelled`. A `pending`
row may be rescheduled (retry, throttling, working hours, daily cap) any number of times; it is
`cancelled` when, at send time, the rule that wanted it no longer does (e.g. a survey reminder
whose survey was answered meanwhile).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, and_, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, Session, SQLModel, select

from store.db import chunked, insert_unless_exists
from store.moments import NEVER
from store.types import UTCDateTime


def _utc(nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable))


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    UNREACHABLE = "unreachable"
    CANCELLED = "cancelled"


class OutboxMessage(SQLModel, table=True):
    """One proactive message, already rendered, waiting for (or past) delivery."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        # What `claim_due` filters and orders on.
        Index("ix_outbox_message_due", "status", "next_attempt_at"),
        # What the daily cap of routine nudges looks up.
        Index("ix_outbox_message_recipient_routine", "recipient_aad_object_id", "routine"),
    )

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(unique=True, index=True)
    # Exactly one of the two: a person (personal chat) or a conversation (a channel post).
    recipient_aad_object_id: str | None = None
    conversation_id: str | None = None
    kind: str
    # Routine nudges count toward the one-per-person-per-day cap; escalations and replies don't.
    routine: bool = False
    # Hold the message until the recipient's working hours (checked again when it is sent).
    working_hours: bool = False
    # The serialised Bot Framework activity to send (text and/or card attachments).
    payload: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    not_before: datetime = _utc(nullable=False)
    status: str = Field(default=OutboxStatus.PENDING.value)
    attempts: int = 0
    next_attempt_at: datetime = _utc(nullable=False)
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    claimed_by: str | None = None
    claimed_until: datetime | None = _utc()
    sent_at: datetime | None = _utc()
    activity_id: str | None = None
    created_at: datetime = _utc(nullable=False)
    updated_at: datetime = _utc(nullable=False)

    @property
    def recipient(self) -> str:
        return self.recipient_aad_object_id or self.conversation_id or ""


# --- writing decisions --------------------------------------------------------------------------


def enqueue(
    session: Session,
    *,
    key: str,
    kind: str,
    payload: dict,
    not_before: datetime,
    now: datetime,
    recipient_aad_object_id: str | None = None,
    conversation_id: str | None = None,
    routine: bool = False,
    working_hours: bool = False,
) -> tuple[OutboxMessage, bool]:
    """Insert a message unless its key exists; return the row and whether it was created.

    Idempotent: a second enqueue of the same key (this process or another, at the same moment
    or a year later) returns the existing row and changes nothing, whatever else it was given.
    """
    values = new_row_values(
        key=key,
        kind=kind,
        payload=payload,
        not_before=not_before,
        now=now,
        recipient_aad_object_id=recipient_aad_object_id,
        conversation_id=conversation_id,
        routine=routine,
        working_hours=working_hours,
    )
    created = (
        insert_unless_exists(session, OutboxMessage.__table__, values, ["idempotency_key"])
        is not None
    )
    row = by_key(session, key)
    assert row is not None
    return row, created


def new_row_values(
    *,
    key: str,
    kind: str,
    payload: dict,
    not_before: datetime,
    now: datetime,
    recipient_aad_object_id: str | None = None,
    conversation_id: str | None = None,
    routine: bool = False,
    working_hours: bool = False,
) -> dict[str, Any]:
    """The columns of a new pending row (for `enqueue` and `enqueue_many`)."""
    if (recipient_aad_object_id is None) == (conversation_id is None):
        raise ValueError("give exactly one of recipient_aad_object_id and conversation_id")
    return {
        "idempotency_key": key,
        "recipient_aad_object_id": recipient_aad_object_id,
        "conversation_id": conversation_id,
        "kind": kind,
        "routine": routine,
        "working_hours": working_hours,
        "payload": payload,
        "not_before": not_before,
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": not_before,
        "created_at": now,
        "updated_at": now,
    }


# Rows per multi-row INSERT (13 columns each: well under the drivers' parameter limits).
MANY_PER_STATEMENT = 500


def enqueue_many(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many new rows (`new_row_values`) in a few statements, each unless its key exists
    (an existing row is left untouched, as `enqueue` leaves it)."""
    dialect = session.get_bind().dialect.name
    insert = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}[dialect]
    for chunk in chunked(list(rows), MANY_PER_STATEMENT):
        session.execute(
            insert(OutboxMessage.__table__)
            .values(list(chunk))
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
        )


def by_key(session: Session, key: str) -> OutboxMessage | None:
    return session.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).first()


def existing_keys(session: Session, keys: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for chunk in chunked(list(dict.fromkeys(keys))):
        rows = session.exec(
            select(OutboxMessage.idempotency_key).where(OutboxMessage.idempotency_key.in_(chunk))
        )
        found.update(rows.all())
    return found


# --- claiming -----------------------------------------------------------------------------------


def _claimable(now: datetime):
    return and_(
        OutboxMessage.status == OutboxStatus.PENDING.value,
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until <= now),
    )


def due(session: Session, now: datetime, limit: int | None = None) -> list[OutboxMessage]:
    """Rows a dispatcher could claim at `now`, in the order it claims them: all of them, or the
    first `limit` (read only; for dry runs and reports)."""
    query = (
        select(OutboxMessage)
        .where(_claimable(now))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query).all())


def claim_due(
    session: Session,
    now: datetime,
    limit: int,
    worker_id: str,
    lease: timedelta,
    *,
    ids: Iterable[int] | None = None,
) -> list[OutboxMessage]:
    """Claim up to `limit` due rows for `worker_id` until `now + lease`; return them.

    The rows are taken with one compare-and-set UPDATE (each still pending, still unclaimed or
    its lease expired), so two workers never hold the same row; on PostgreSQL the candidates are
    also read `FOR UPDATE SKIP LOCKED` so concurrent workers pass over each other's rows
    instead of queueing. A worker that dies holding a claim loses it when the lease expires.
    The caller commits (before sending) so that other workers see the claim.
    """
    query = (
        select(OutboxMessage.id)
        .where(_claimable(now))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(list(ids)))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    candidates = list(session.exec(query).all())
    if not candidates:
        return []
    claimed = (
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(candidates), _claimable(now))
            .values(claimed_by=worker_id, claimed_until=now + lease, updated_at=now)
            .returning(OutboxMessage.id)
            .execution_options(synchronize_session=False)
        )
        .scalars()
        .all()
    )
    if not claimed:
        return []
    rows = session.exec(
        select(OutboxMessage)
        .where(OutboxMessage.id.in_(claimed))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .execution_options(populate_existing=True)
    ).all()
    return list(rows)


def renew_claim(
    session: Session, message_id: int, worker_id: str, now: datetime, lease: timedelta
) -> bool:
    """Hold `worker_id`'s claim on a pending row until `now + lease`, right before sending it.

    False if the row is no longer pending or another worker has claimed it since (this
    worker's lease ran out while the row waited for a send slot or behind a slow send): then
    this worker must not send it, the other will. The caller commits before sending.
    """
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == OutboxStatus.PENDING.value,
            OutboxMessage.claimed_by == worker_id,
        )
        .values(claimed_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


# --- recording outcomes -------------------------------------------------------------------------


def _finish(session: Session, message: OutboxMessage | int, now: datetime, **values: Any) -> bool:
    """Update a pending row (by id); False if it was no longer pending (then left alone).

    One UPDATE and nothing read back: right after Teams accepted a message this is all that
    stands between the send and its record, so it is kept as short as it can be.
    """
    message_id = message if isinstance(message, int) else message.id
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == OutboxStatus.PENDING.value,
        )
        .values(updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def mark_sent(
    session: Session,
    message: OutboxMessage | int,
    now: datetime,
    *,
    activity_id: str | None = None,
) -> bool:
    return _finish(
        session,
        message,
        now,
        status=OutboxStatus.SENT.value,
        sent_at=now,
        activity_id=activity_id,
        attempts=OutboxMessage.attempts + 1,
        last_error=None,
        claimed_by=None,
        claimed_until=None,
    )


def reschedule(
    session: Session,
    message: OutboxMessage | int,
    at: datetime,
    error: str | None,
    *,
    now: datetime,
    attempted: bool = True,
) -> bool:
    """Release the claim and try again at `at`.

    `attempted=False` is for a row that was not sent at all (outside working hours, daily cap
    reached): it does not count as an attempt.
    """
    values: dict[str, Any] = {
        "next_attempt_at": at,
        "claimed_by": None,
        "claimed_until": None,
    }
    if attempted:
        values["attempts"] = OutboxMessage.attempts + 1
        values["last_error"] = error
    return _finish(session, message, now, **values)


def mark_failed(
    session: Session, message: OutboxMessage | int, error: str, *, now: datetime
) -> bool:
    return _finish(
        session,
        message,
        now,
        status=OutboxStatus.FAILED.value,
        attempts=OutboxMessage.attempts + 1,
        last_error=error,
        claimed_by=None,
        claimed_until=None,
    )


def mark_unreachable(
    session: Session,
    message: OutboxMessage | int,
    error: str,
    *,
    now: datetime,
    attempted: bool = True,
) -> bool:
    values: dict[str, Any] = {
        "status": OutboxStatus.UNREACHABLE.value,
        "last_error": error,
        "claimed_by": None,
        "claimed_until": None,
    }
    if attempted:
        values["attempts"] = OutboxMessage.attempts + 1
    return _finish(session, message, now, **values)


def mark_cancelled(
    session: Session, message: OutboxMessage | int, reason: str, *, now: datetime
) -> bool:
    """Not sent, and never will be: no longer wanted (`reason` in `last_error`)."""
    return _finish(
        session,
        message,
        now,
        status=OutboxStatus.CANCELLED.value,
        last_error=reason,
        claimed_by=None,
        claimed_until=None,
    )


# --- the daily cap of routine nudges --------------------------------------------------------


def routine_times_from(
    session: Session,
    recipient: str,
    since_utc: datetime,
    *,
    sent_only: bool = False,
    exclude_id: int | None = None,
) -> list[datetime]:
    """When routine messages to `recipient` went (sent) or are booked to go (pending), from
    `since_utc` on: the facts the daily cap of the nudge policy reads."""
    sent = select(OutboxMessage.sent_at).where(
        OutboxMessage.recipient_aad_object_id == recipient,
        OutboxMessage.routine.is_(True),
        OutboxMessage.status == OutboxStatus.SENT.value,
        OutboxMessage.sent_at >= since_utc,
    )
    pending = select(OutboxMessage.next_attempt_at).where(
        OutboxMessage.recipient_aad_object_id == recipient,
        OutboxMessage.routine.is_(True),
        OutboxMessage.status == OutboxStatus.PENDING.value,
        OutboxMessage.next_attempt_at >= since_utc,
    )
    if exclude_id is not None:
        sent = sent.where(OutboxMessage.id != exclude_id)
        pending = pending.where(OutboxMessage.id != exclude_id)
    times = list(session.exec(sent))
    if not sent_only:
        times += list(session.exec(pending))
    return times


# --- reading, for the coordinator ----------------------------------------------------------------


def release_held_routine(session: Session, aad_object_id: str, now: datetime) -> None:
    """The routine nudges held for someone not responding go again from `now` (the nudge
    policy still spaces them out); nothing scheduled for a later time is brought forward."""
    table = OutboxMessage.__table__
    session.connection().execute(
        update(table)
        .where(
            table.c.recipient_aad_object_id == aad_object_id,
            table.c.routine.is_(True),
            table.c.status == OutboxStatus.PENDING.value,
            table.c.next_attempt_at >= NEVER,
        )
        .values(next_attempt_at=now)
    )
