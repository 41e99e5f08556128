"""When a sweep next needs to look at each pairing, kept up to date on every change of facts.

A sweep reads only the pairings whose `next_sweep_at` has come (NULL: at the next sweep),
through an index, instead of every active pairing. After planning them it stores, for each,
the earliest moment at which any of its rules could decide differently on the same facts
(`record_next_sweep`). Every change to those facts sets the moment back to NULL and bumps
`facts_version` in the same transaction; the sweep stores a moment only while the version is
still the one it read, so a change made while it was planning is never lost.

The facts the rules read: the pairing itself, its session rows, check-in answers and re-pair
requests, its two people (id, zone, reachability, when last heard from, not responding),
its programme's survey dates, survey
answers, and its escalations being resolved. ORM writes to them are caught as they are
flushed, wherever they are made (`_on_flush`); a Core UPDATE that changes them calls
`facts_changed` itself (`store.escalations.resolve`). When the rules themselves change
(settings, survey definitions, code), every moment is worked out again (`rules_changed`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import bindparam, event, inspect, or_, select, true, update
from sqlalchemy.orm import Session

from domain.escalations import Status
from store.db import chunked, insert_unless_exists
from store.escalations import Escalation, RepairRequest
from store.models import CheckIn, MentoringSession, Pairing, Person, Programme, SweepRules
from store.moments import NEVER, PERSON_FACTS, facts_changed, make_due
from store.surveys import SurveyInvitation, pairing_id_of

_ROWS_PER_STATEMENT = 5_000

# Columns whose change can change what a sweep decides, per table; child rows of a pairing
# (sessions, check-ins, re-pair requests) count whatever changes.
_WATCHED: dict[type, frozenset[str]] = {
    Pairing: frozenset(
        {
            "status",
            "paired_at",
            "length_months",
            "programme_id",
            "trainee_person_id",
            "mentor_person_id",
        }
    ),
    Person: PERSON_FACTS,
    Programme: frozenset({"kind", "training_ends_at", "assessment_ends_at", "results_at"}),
    SurveyInvitation: frozenset({"responded_at"}),
}
_CHILDREN = (MentoringSession, CheckIn, RepairRequest)


def rules_changed(session: Session, fingerprint: str, now: datetime) -> bool:
    """Whether the rules a sweep runs (`fingerprint`) differ from those the stored moments
    were worked out with; if so every pairing and unresolved escalation is made due, and the
    new fingerprint stored (in the caller's transaction)."""
    table = SweepRules.__table__
    stored = session.execute(select(table.c.fingerprint)).scalar_one_or_none()
    if stored == fingerprint:
        return False
    make_due(session, true())
    escalations = Escalation.__table__
    session.connection().execute(
        update(escalations)
        .where(escalations.c.status != Status.RESOLVED.value)
        .values(next_sweep_at=None)
    )
    values = {"id": 1, "fingerprint": fingerprint, "changed_at": now}
    if stored is None:
        insert_unless_exists(session, table, values, ["id"])  # or a sweep at the same time did
    else:
        session.connection().execute(update(table).values(values))
    return True


def due_for_sweep(session: Session, now: datetime) -> dict[int, int]:
    """The pairings a sweep at `now` must look at, with the facts version it read."""
    return {
        pairing_id: version for pairing_id, version in session.execute(due_for_sweep_query(now))
    }


def due_for_sweep_query(now: datetime):
    table = Pairing.__table__
    return select(table.c.id, table.c.facts_version).where(
        or_(table.c.next_sweep_at.is_(None), table.c.next_sweep_at <= now)
    )


def record_next_sweep(
    session: Session, versions: Mapping[int, int], moments: Mapping[int, datetime | None]
) -> None:
    """Store when to look at each pairing again (None: never, on these facts), unless its
    facts changed since `versions` were read (it then stays due)."""
    table = Pairing.__table__
    statement = (
        update(table)
        .where(table.c.id == bindparam("pairing"), table.c.facts_version == bindparam("version"))
        .values(next_sweep_at=bindparam("at"))
    )
    rows = [
        {"pairing": pairing_id, "version": versions[pairing_id], "at": at or NEVER}
        for pairing_id, at in sorted(moments.items())
    ]
    for chunk in chunked(rows, _ROWS_PER_STATEMENT):
        session.connection().execute(statement, chunk)


def _values(obj, name: str, deleted: bool) -> list:
    """The current value of a column and, if it changed, the one it replaces."""
    if deleted:
        return [getattr(obj, name)]
    history = inspect(obj).attrs[name].history
    return [*history.added, *history.unchanged, *history.deleted]


def _changed(obj, names: frozenset[str]) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def keep_moments_current() -> None:
    """Every session from now on resets the moments of the pairings whose facts it changes
    (idempotent: the hook is added once)."""
    if not event.contains(Session, "before_flush", _on_flush):
        event.listen(Session, "before_flush", _on_flush)


def _on_flush(session: Session, _flush_context, _instances) -> None:
    pairings: set[int] = set()
    people: set[int] = set()
    programmes: set[int] = set()
    changes = [(obj, False) for obj in (*session.new, *session.dirty)]
    changes += [(obj, True) for obj in session.deleted]
    for obj, deleted in changes:
        if isinstance(obj, _CHILDREN):
            pairings.update(v for v in _values(obj, "pairing_id", deleted) if v is not None)
            continue
        watched = _WATCHED.get(type(obj))
        if watched is None or obj in session.new:
            continue  # a new pairing, person or programme starts with nothing planned
        if not (deleted or _changed(obj, watched)):
            continue
        if isinstance(obj, Pairing):
            pairings.add(obj.id)
        elif isinstance(obj, Person):
            people.add(obj.id)
        elif isinstance(obj, Programme):
            programmes.add(obj.id)
        else:
            pairing_id = pairing_id_of(obj.subject)
            if pairing_id is not None:
                pairings.add(pairing_id)
    facts_changed(session, pairing_ids=pairings, person_ids=people, programme_ids=programmes)
