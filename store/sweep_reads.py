"""What a sweep reads about the pairings it looks at, in bulk.

A sweep looks only at the pairings whose moment has come (`store.next_sweep`). Their facts are
read in chunks, a few queries per chunk, keyed by pairing id; rows are plain `Row`s with the
tables' column names, not ORM objects, since a sweep only reads them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Row
from sqlalchemy.orm import aliased
from sqlmodel import Session

from domain.escalations import Status
from store.escalations import Escalation, RepairRequest
from store.models import CheckIn, MentoringSession, Pairing, Person
from store.outbox import OutboxMessage, OutboxStatus


def pairings_with_people(session: Session, ids: Iterable[int]) -> list[tuple[Row, Row, Row]]:
    """(pairing, trainee, mentor) rows of these pairings, in id order."""
    trainee, mentor = aliased(Person, name="trainee"), aliased(Person, name="mentor")
    person_columns = (
        "id",
        "aad_object_id",
        "display_name",
        "time_zone",
        "unreachable_since",
        "last_heard_at",
        "snoozed_until",
        "not_responding_since",
    )
    columns = [
        Pairing.id,
        Pairing.programme_id,
        Pairing.status,
        Pairing.paired_at,
        Pairing.length_months,
        Pairing.session_minutes,
        *(getattr(trainee, c).label(f"t_{c}") for c in person_columns),
        *(getattr(mentor, c).label(f"m_{c}") for c in person_columns),
    ]
    query = (
        select(*columns)
        .join(trainee, trainee.id == Pairing.trainee_person_id)
        .join(mentor, mentor.id == Pairing.mentor_person_id)
        .where(Pairing.id.in_(list(ids)))
        .order_by(Pairing.id)
    )
    result = []
    for row in session.execute(query):
        values = row._mapping
        result.append(
            (
                _Record(
                    id=row.id,
                    programme_id=row.programme_id,
                    status=row.status,
                    paired_at=row.paired_at,
                    length_months=row.length_months,
                    session_minutes=row.session_minutes,
                ),
                _Record(**{c: values[f"t_{c}"] for c in person_columns}),
                _Record(**{c: values[f"m_{c}"] for c in person_columns}),
            )
        )
    return result


class _Record:
    """A read-only bag of named values, shaped like the table's row."""

    __slots__ = ("__dict__",)

    def __init__(self, **values) -> None:
        self.__dict__.update(values)


def _grouped(session: Session, query) -> dict[int, list[Row]]:
    grouped: dict[int, list[Row]] = defaultdict(list)
    for row in session.execute(query):
        grouped[row.pairing_id].append(row)
    return grouped


def sessions_by_pairing(session: Session, ids: Iterable[int]) -> dict[int, list[Row]]:
    """Session rows per pairing, by month (as `store.pairings.sessions_of`)."""
    return _grouped(session, sessions_by_pairing_query(ids))


def sessions_by_pairing_query(ids: Iterable[int]):
    table = MentoringSession.__table__
    return (
        select(table)
        .where(table.c.pairing_id.in_(list(ids)))
        .order_by(table.c.pairing_id, table.c.month)
    )


def check_ins_by_pairing(session: Session, ids: Iterable[int]) -> dict[int, list[Row]]:
    """Check-in answers per pairing, oldest first (as `store.pairings.check_ins_of`)."""
    table = CheckIn.__table__
    query = (
        select(table)
        .where(table.c.pairing_id.in_(list(ids)))
        .order_by(table.c.pairing_id, table.c.answered_at, table.c.id)
    )
    return _grouped(session, query)


def open_repairs_by_pairing(session: Session, ids: Iterable[int]) -> dict[int, list[Row]]:
    """Open re-pair requests per pairing (as `store.escalations.open_repair_requests`)."""
    table = RepairRequest.__table__
    query = (
        select(table)
        .where(table.c.pairing_id.in_(list(ids)), table.c.closed_at.is_(None))
        .order_by(table.c.pairing_id, table.c.requested_at, table.c.id)
    )
    return _grouped(session, query)


def escalation_refs(
    session: Session, ids: Iterable[int]
) -> tuple[dict[str, set[str]], dict[tuple[int, str], set[str]]]:
    """Occurrence refs already on these pairings' escalations: on the open ones by open key,
    on the resolved ones by (pairing id, cause)."""
    query = select(
        Escalation.pairing_id,
        Escalation.cause,
        Escalation.status,
        Escalation.open_key,
        Escalation.evidence,
    ).where(Escalation.pairing_id.in_(list(ids)))
    open_refs: dict[str, set[str]] = {}
    resolved_refs: dict[tuple[int, str], set[str]] = defaultdict(set)
    for row in session.execute(query):
        refs = {item.get("ref") for item in row.evidence if item.get("ref")}
        if row.status == Status.RESOLVED.value:
            resolved_refs[(row.pairing_id, row.cause)] |= refs
        elif row.open_key is not None:
            open_refs[row.open_key] = refs
    return open_refs, resolved_refs


def open_escalations_by_pairing(session: Session, ids: Iterable[int]) -> dict[int, list[Row]]:
    """The unresolved escalations of these pairings (their kind and cause), per pairing."""
    table = Escalation.__table__
    query = (
        select(table.c.pairing_id, table.c.kind, table.c.cause)
        .where(table.c.pairing_id.in_(list(ids)), table.c.status != Status.RESOLVED.value)
        .order_by(table.c.pairing_id, table.c.id)
    )
    return _grouped(session, query)


def resolved_by_pairing(
    session: Session, ids: Iterable[int]
) -> dict[int, list[tuple[str, datetime]]]:
    """The resolved escalations of these pairings, as (cause, resolved at), per pairing."""
    table = Escalation.__table__
    query = (
        select(table.c.pairing_id, table.c.cause, table.c.resolved_at)
        .where(table.c.pairing_id.in_(list(ids)), table.c.status == Status.RESOLVED.value)
        .order_by(table.c.pairing_id, table.c.id)
    )
    found: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    for pairing_id, cause, resolved_at in session.execute(query):
        if resolved_at is not None:
            found[pairing_id].append((cause, resolved_at))
    return dict(found)


def routine_sends_to(
    session: Session, aad_object_ids: Iterable[str], kinds: Iterable[str]
) -> dict[str, list]:
    """When routine nudges of these kinds were sent to these people, oldest first, per AAD
    id."""
    table = OutboxMessage.__table__
    query = (
        select(table.c.recipient_aad_object_id, table.c.sent_at)
        .where(
            table.c.recipient_aad_object_id.in_(list(aad_object_ids)),
            table.c.routine.is_(True),
            table.c.kind.in_(list(kinds)),
            table.c.status == OutboxStatus.SENT.value,
        )
        .order_by(table.c.recipient_aad_object_id, table.c.sent_at)
    )
    sends: dict[str, list] = defaultdict(list)
    for recipient, sent_at in session.execute(query):
        sends[recipient].append(sent_at)
    return sends
