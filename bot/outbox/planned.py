"""A decision to send a message, and how it becomes an outbox row under the nudge etiquette.

Rules (planners) return `PlannedMessage`s: who, what, which idempotency key, and the rendered
activity. `schedule` works out when it may go, by the nudge policy (`domain.nudge_policy`): a
message to a person waits for their working hours (routine nudges always, others when asked),
and a routine nudge takes the first local day on which that person has no other routine nudge
(sent or booked), so at most one goes out per person per day; a second one due the same day
waits for the next working day.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlmodel import Session

from bot.settings import Settings, working_hours_of
from domain.nudge_policy import Urgency, delivery_time
from domain.working_hours import local_day_bounds
from store.models import Person
from store.next_sweep import due_for_sweep
from store.outbox import (
    OutboxMessage,
    by_key,
    enqueue,
    enqueue_many,
    new_row_values,
    routine_times_from,
)
from store.people import get_person

# Routine nudges already given a day during this batch, by recipient (not yet in the table
# during a dry run).
Bookings = dict[str, list[datetime]]

# True while a dry-run sweep's planners run: a planner that records its decisions in its own
# tables (escalations) rolls them back instead of keeping them.
PLANNING_DRY_RUN: ContextVar[bool] = ContextVar("planning_dry_run", default=False)


class SweepPass:
    """The pairings one sweep looks at (their `next_sweep_at` has come, see
    `store.next_sweep`), and when each planner wants to look at each of them again.

    Each planner over pairings reports, for every pairing of the pass, the earliest moment
    its decisions could change on the facts it read (None: never); the sweep stores the
    earliest of them once what was decided is in the outbox.
    """

    def __init__(self, versions: dict[int, int], everything: bool = False) -> None:
        self.versions = versions
        # The rules changed: every pairing and escalation is looked at.
        self.everything = everything
        self.ids = sorted(versions)
        self.next_at: dict[int, datetime | None] = {}
        # Escalations by id: when to look at them again (left out: at the next sweep).
        self.escalations_next_at: dict[int, datetime] = {}

    def look_again(self, pairing_id: int, at: datetime | None) -> None:
        if pairing_id not in self.next_at:
            self.next_at[pairing_id] = at
        elif at is not None:
            current = self.next_at[pairing_id]
            self.next_at[pairing_id] = at if current is None else min(current, at)


# The pass of the sweep whose planners are running (None: a planner run on its own).
SWEEP_PASS: ContextVar[SweepPass | None] = ContextVar("sweep_pass", default=None)


def sweep_pass(session: Session, now: datetime) -> SweepPass:
    """The running sweep's pass, or for a planner run on its own, the pairings due at `now`."""
    current = SWEEP_PASS.get()
    return current if current is not None else SweepPass(due_for_sweep(session, now))


@dataclass(frozen=True)
class PlannedMessage:
    """One message a rule wants sent.

    `recipient` is a person's AAD object id (a personal chat) or, with `to_channel`, a
    conversation id (a channel post). `key` is the idempotency key: who, what, which period.
    `payload` is the serialised activity to send (see `bot.teams.proactive.message_payload`).
    `routine` nudges count toward the daily cap and wait for working hours; `working_hours`
    overrides the latter (None: routine messages to people wait, others go when due).
    `not_before` is the earliest time the rule allows (None: now); `time_zone` the recipient's
    zone when the rule knows it (None: the person's stored zone, else the default).
    """

    recipient: str
    kind: str
    key: str
    payload: dict | None = field(default=None, compare=False, repr=False)
    routine: bool = True
    to_channel: bool = False
    not_before: datetime | None = None
    time_zone: str | None = None
    working_hours: bool | None = None

    def line(self) -> str:
        return f"{self.recipient}\t{self.kind}\t{self.key}"

    @property
    def waits_for_working_hours(self) -> bool:
        if self.to_channel:
            return False
        return self.routine if self.working_hours is None else self.working_hours

    @classmethod
    def from_row(cls, row: OutboxMessage) -> PlannedMessage:
        return cls(
            recipient=row.recipient,
            kind=row.kind,
            key=row.idempotency_key,
            payload=row.payload,
            routine=row.routine,
            to_channel=row.conversation_id is not None,
            not_before=row.next_attempt_at,
            working_hours=row.working_hours,
        )


def recipient_time_zone(session: Session, settings: Settings, aad_object_id: str | None) -> str:
    person = get_person(session, aad_object_id) if aad_object_id else None
    return time_zone_of(person, settings)


def time_zone_of(person: Person | None, settings: Settings) -> str:
    """The person's stored zone, else the default."""
    return (person.time_zone if person else None) or settings.default_time_zone


def schedule(
    session: Session,
    settings: Settings,
    message: PlannedMessage,
    now: datetime,
    bookings: Bookings | None = None,
) -> PlannedMessage:
    """The message with `not_before` set to when it may be sent, and its `time_zone`."""
    earliest = max(now, message.not_before or now)
    if message.to_channel:
        return replace(message, not_before=earliest)
    tz = message.time_zone or recipient_time_zone(session, settings, message.recipient)
    waits = message.waits_for_working_hours
    taken: list[datetime] = []
    if message.routine:
        booked = bookings.setdefault(message.recipient, []) if bookings is not None else []
        since, _end = local_day_bounds(earliest, tz)
        taken = routine_times_from(session, message.recipient, since) + booked
    delivery = delivery_time(
        earliest,
        now,
        tz,
        working_hours_of(settings),
        urgency=Urgency.ROUTINE if message.routine else Urgency.ESCALATION,
        routine_sent=taken,
        within_working_hours=waits,
    )
    if message.routine:
        booked.append(delivery.at)
    return replace(message, not_before=delivery.at, time_zone=tz, working_hours=waits)


def enqueue_planned(
    session: Session,
    settings: Settings,
    message: PlannedMessage,
    now: datetime,
    bookings: Bookings | None = None,
) -> tuple[OutboxMessage, bool, PlannedMessage]:
    """Schedule and write the message; an existing key is returned untouched.

    Returns the row, whether it was created now, and the message as scheduled.
    """
    if message.payload is None:
        raise ValueError(f"planned message {message.key!r} has no payload to send")
    existing = by_key(session, message.key)
    if existing is not None:
        return existing, False, PlannedMessage.from_row(existing)
    scheduled = schedule(session, settings, message, now, bookings)
    row, created = enqueue(
        session,
        key=message.key,
        kind=message.kind,
        payload=message.payload,
        not_before=scheduled.not_before,
        now=now,
        recipient_aad_object_id=None if message.to_channel else message.recipient,
        conversation_id=message.recipient if message.to_channel else None,
        routine=message.routine,
        working_hours=bool(scheduled.working_hours),
    )
    return row, created, scheduled


def enqueue_planned_many(
    session: Session, settings: Settings, messages: list[PlannedMessage], now: datetime
) -> None:
    """Schedule and write many messages to people at once (a whole staff group's
    announcement); a key that exists is left untouched. Not for routine nudges, whose daily
    cap needs each person's other nudges (`enqueue_planned`)."""
    rows = []
    for message in messages:
        if message.routine or message.to_channel or message.payload is None:
            raise ValueError(f"{message.key!r}: only non-routine personal messages go in bulk")
        scheduled = schedule(session, settings, message, now)
        rows.append(
            new_row_values(
                key=message.key,
                kind=message.kind,
                payload=message.payload,
                not_before=scheduled.not_before,
                now=now,
                recipient_aad_object_id=message.recipient,
                working_hours=bool(scheduled.working_hours),
            )
        )
    enqueue_many(session, rows)
