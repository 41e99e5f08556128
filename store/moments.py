"""A pairing's next moment: when the sweep must look at it again (`pairing.next_sweep_at`),
and resetting it when the facts the rules read change (`facts_version` bumped, so a sweep that
read the old facts does not store its moment over the reset). `store.next_sweep` keeps it
current on every flush and stores what a sweep works out."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from store.models import Pairing

# Stored when no rule will ever look at the pairing again on these facts.
NEVER = datetime(9999, 12, 31, tzinfo=UTC)
# The columns of a person a sweep's rules read: a change to one makes their pairings due.
PERSON_FACTS = frozenset(
    {"aad_object_id", "time_zone", "unreachable_since", "last_heard_at", "not_responding_since"}
)


def facts_changed(
    session: Session,
    *,
    pairing_ids: Iterable[int] = (),
    person_ids: Iterable[int] = (),
    programme_ids: Iterable[int] = (),
) -> None:
    """Make the next sweep look at these pairings, the pairings of these people and of these
    programmes (in the caller's transaction)."""
    table = Pairing.__table__
    pairing_ids, person_ids = sorted(set(pairing_ids)), sorted(set(person_ids))
    programme_ids = sorted(set(programme_ids))
    conditions = []
    if pairing_ids:
        conditions.append(table.c.id.in_(pairing_ids))
    if person_ids:
        conditions.append(table.c.trainee_person_id.in_(person_ids))
        conditions.append(table.c.mentor_person_id.in_(person_ids))
    if programme_ids:
        conditions.append(table.c.programme_id.in_(programme_ids))
    if conditions:
        make_due(session, or_(*conditions))


def make_due(session: Session, condition) -> None:
    """Reset the moment and bump the version of the pairings matching `condition`.

    On PostgreSQL the rows are locked in id order first, as a sweep's `record_next_sweep`
    writes them: an UPDATE alone locks them in the order it finds them on disk, and two
    transactions taking two pairings in opposite orders would deadlock.
    """
    table = Pairing.__table__
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        lock = select(table.c.id).where(condition).order_by(table.c.id).with_for_update()
        connection.execute(lock)
    connection.execute(
        update(table)
        .where(condition)
        .values(next_sweep_at=None, facts_version=table.c.facts_version + 1)
    )
