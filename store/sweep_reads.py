"""What a sweep reads about active pairings: which may be due something, and their facts in bulk.

A sweep looks at every active pairing, but on a given minute most of them are due nothing.
The candidate queries rule out, in the database, pairings that cannot be due anything (a
superset of those that are: the exact rules in `domain/` then decide). The facts of the
candidates are read in chunks, a few queries per chunk, keyed by pairing id; rows are plain
`Row`s with the tables' column names, not ORM objects, since a sweep only reads them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, not_, or_, select, text, true
from sqlalchemy.engine import Row
from sqlalchemy.orm import aliased
from sqlmodel import Session

from domain.cadence import (
    ALLOWED_LENGTHS,
    CHECK_IN_WEEKS,
    SESSION_LENGTH,
    paired_after_for_month_start,
    paired_by_for_month_start,
)
from domain.escalations import Status
from store.escalations import Escalation, RepairRequest
from store.models import CheckIn, MentoringSession, Pairing, PairingStatus, Person

CHUNK = 1_000
_MONTHS = range(1, max(ALLOWED_LENGTHS) + 1)


def chunked(ids: Sequence[int], size: int = CHUNK) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _active_where(condition):
    return (
        select(Pairing.id)
        .where(Pairing.status == PairingStatus.ACTIVE.value, condition)
        .order_by(Pairing.id)
    )


def _session_row(*conditions):
    return exists().where(MentoringSession.pairing_id == Pairing.id, *conditions)


def _without_jit(session: Session) -> None:
    """PostgreSQL would spend ~2 s compiling these wide OR queries for ~0.1 s of execution
    (see bench/README.md): switch JIT off for the rest of this transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))


def nudge_candidates(
    session: Session, now: datetime, check_in_latest: timedelta, log_request_latest: timedelta
) -> list[int]:
    """Active pairings that may be due a booking nudge, reminder, log request or check-in."""
    _without_jit(session)
    query = nudge_candidates_query(now, check_in_latest, log_request_latest)
    return list(session.execute(query).scalars())


def nudge_candidates_query(now: datetime, check_in_latest: timedelta, log_request_latest):
    settled = or_(
        MentoringSession.logged_at.is_not(None),
        and_(MentoringSession.booking == "booked", MentoringSession.booked_for.is_not(None)),
    )
    # A month that has started and ended less than `log_request_latest` ago, without a booked
    # or logged session row: asked to book, or to log at the month's end.
    open_months = [
        and_(
            Pairing.length_months >= month,
            Pairing.paired_at <= paired_by_for_month_start(now, month - 1),
            Pairing.paired_at > paired_after_for_month_start(now - log_request_latest, month),
            not_(_session_row(MentoringSession.month == month, settled)),
        )
        for month in _MONTHS
    ]
    first, last = min(CHECK_IN_WEEKS), max(CHECK_IN_WEEKS)
    check_in_open = and_(
        Pairing.paired_at > now - timedelta(weeks=last) - check_in_latest,
        Pairing.paired_at <= now - timedelta(weeks=first),
    )
    # A booked session not yet logged: its reminder, or its log request once it is over.
    booked_open = _session_row(
        MentoringSession.booking == "booked",
        MentoringSession.logged_at.is_(None),
        MentoringSession.booked_for > now - log_request_latest - SESSION_LENGTH,
    )
    return _active_where(or_(check_in_open, booked_open, *open_months))


def stall_candidates(session: Session, now: datetime, no_session_days: int) -> list[int]:
    """Active pairings that may have stalled (see `domain.stall_rules.stall_causes`)."""
    _without_jit(session)
    return list(session.execute(stall_candidates_query(now, no_session_days)).scalars())


def stall_candidates_query(now: datetime, no_session_days: int):
    held = (
        MentoringSession.happened == true(),
        MentoringSession.held_on.is_not(None),
        MentoringSession.held_on <= now,
    )
    quiet_since = now - timedelta(days=no_session_days)
    no_recent_session = and_(
        not_(_session_row(*held, MentoringSession.held_on >= quiet_since)),
        or_(Pairing.paired_at < quiet_since, _session_row(*held)),
    )
    # The last completed month (m) without a session held.
    missed_month = [
        and_(
            Pairing.length_months >= month,
            Pairing.paired_at <= paired_by_for_month_start(now, month),
            Pairing.paired_at > paired_after_for_month_start(now, month + 1),
            not_(_session_row(*held, MentoringSession.month == month)),
        )
        for month in _MONTHS
        if month >= 2
    ]
    uneasy_check_in = exists().where(CheckIn.pairing_id == Pairing.id, CheckIn.answer != "yes")
    repair = exists().where(
        RepairRequest.pairing_id == Pairing.id, RepairRequest.closed_at.is_(None)
    )
    unreachable = exists().where(
        Person.id.in_([Pairing.trainee_person_id, Pairing.mentor_person_id]),
        Person.unreachable_since.is_not(None),
    )
    return _active_where(
        or_(no_recent_session, *missed_month, uneasy_check_in, repair, unreachable)
    )


def pairings_with_people(session: Session, ids: Iterable[int]) -> list[tuple[Row, Row, Row]]:
    """(pairing, trainee, mentor) rows of these pairings, in id order."""
    trainee, mentor = aliased(Person, name="trainee"), aliased(Person, name="mentor")
    person_columns = ("id", "aad_object_id", "display_name", "time_zone", "unreachable_since")
    columns = [
        Pairing.id,
        Pairing.programme_id,
        Pairing.paired_at,
        Pairing.length_months,
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
                    paired_at=row.paired_at,
                    length_months=row.length_months,
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
