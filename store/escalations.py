"""Escalations, their audit trail, release blocks, re-pair requests and placement requests.

One open escalation per pairing (or person) and cause: `open_key` is unique and set to NULL
when the escalation is resolved, so a unique index allows any number of resolved ones but
only one open one. Raising a cause that is already open adds evidence to it instead.
State changes are compare-and-set UPDATEs, so a double click (or two coordinators at once)
changes an escalation once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, bindparam, or_, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, Session, SQLModel, select

from domain.escalations import Cause, Status, kind_of
from domain.keys import escalation_open_key
from store.moments import NEVER, facts_changed
from store.types import UTCDateTime


def _utc(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def _text() -> Any:
    return Field(default=None, sa_column=Column(Text, nullable=True))


class Escalation(SQLModel, table=True):
    """Something the coordinators must act on: a stalled pairing or a release block."""

    __tablename__ = "escalation"
    __table_args__ = (
        # The sweep reads the unresolved ones, oldest first.
        Index(
            "ix_escalation_unresolved",
            "opened_at",
            "id",
            sqlite_where=text("status <> 'resolved'"),
            postgresql_where=text("status <> 'resolved'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int | None = Field(default=None, foreign_key="programme.id", index=True)
    pairing_id: int | None = Field(default=None, foreign_key="pairing.id", index=True)
    # Who raised it, or whom it is about (None for a pairing-wide rule such as no sessions).
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    kind: str
    cause: str = Field(index=True)
    # "pairing:7:no_recent_session" while open; NULL once resolved.
    open_key: str | None = Field(default=None, unique=True)
    # Evidence, oldest first: {"at", "text", "ref", "private", "by"}; `private` is a
    # participant's own words, shown to coordinators only.
    evidence: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=Status.OPEN.value, index=True)
    opened_at: datetime = _utc(nullable=False)
    updated_at: datetime = _utc(nullable=False)
    acknowledged_at: datetime | None = _utc()
    acknowledged_by: str | None = None
    assigned_to: str | None = None
    resolved_at: datetime | None = _utc()
    resolved_by: str | None = None
    outcome: str | None = _text()
    # Posted again to the channel and sent to the champion (once).
    reminded_at: datetime | None = _utc()
    # When a sweep next needs to look at it (NULL: at the next sweep): its card not posted
    # yet, or its reminder due (see `bot.escalations.planner`).
    next_sweep_at: datetime | None = _utc(index=True)

    @property
    def refs(self) -> set[str]:
        return {item.get("ref") for item in self.evidence if item.get("ref")}


class EscalationEvent(SQLModel, table=True):
    """The audit trail of an escalation: who did what, when (None: the bot itself)."""

    __tablename__ = "escalation_event"

    id: int | None = Field(default=None, primary_key=True)
    escalation_id: int = Field(foreign_key="escalation.id", index=True)
    at: datetime = _utc(nullable=False)
    actor_aad_object_id: str | None = None
    event: str
    detail: str | None = _text()


class ReleaseBlock(SQLModel, table=True):
    """A participant or mentor not released for something, by someone."""

    __tablename__ = "release_block"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    pairing_id: int | None = Field(default=None, foreign_key="pairing.id", index=True)
    programme_id: int | None = Field(default=None, foreign_key="programme.id", index=True)
    placement_id: int | None = Field(default=None, foreign_key="placement.id")
    escalation_id: int | None = Field(default=None, foreign_key="escalation.id", index=True)
    released_for: str  # session / training / call_back / shadowing / attachment / secondment
    blocked_by: str  # line_manager / hr / host_organisation
    details: str | None = _text()
    source: str  # command / cant_meet / placement
    # From Microsoft Graph (`/users/{id}/manager`) when configured and it answered.
    manager_name: str | None = None
    manager_email: str | None = None
    reported_at: datetime = _utc(nullable=False)
    # When the reporter was told it reached the coordinators, and told the outcome.
    told_reached_at: datetime | None = _utc()
    told_outcome_at: datetime | None = _utc()


class RepairRequest(SQLModel, table=True):
    """One party of a pairing asking privately for a different mentor (or mentee)."""

    __tablename__ = "repair_request"

    id: int | None = Field(default=None, primary_key=True)
    pairing_id: int = Field(foreign_key="pairing.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    reason: str | None = _text()
    requested_at: datetime = _utc(nullable=False)
    closed_at: datetime | None = _utc()


class Placement(SQLModel, table=True):
    """A shadowing, attachment or secondment request and where it has got to."""

    __tablename__ = "placement"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    pairing_id: int | None = Field(default=None, foreign_key="pairing.id", index=True)
    programme_id: int | None = Field(default=None, foreign_key="programme.id", index=True)
    kind: str  # shadowing / attachment / secondment
    host: str
    details: str | None = _text()
    status: str = "requested"
    # Each change: {"at", "status", "note"}.
    history: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    refused_by: str | None = None
    created_at: datetime = _utc(nullable=False)
    updated_at: datetime = _utc(nullable=False)


# --- escalations --------------------------------------------------------------------------------


def record_event(
    session: Session,
    escalation_id: int,
    now: datetime,
    actor: str | None,
    event: str,
    detail: str | None = None,
) -> EscalationEvent:
    row = EscalationEvent(
        escalation_id=escalation_id, at=now, actor_aad_object_id=actor, event=event, detail=detail
    )
    session.add(row)
    session.flush()
    return row


def events_of(session: Session, escalation_id: int) -> list[EscalationEvent]:
    return list(
        session.exec(
            select(EscalationEvent)
            .where(EscalationEvent.escalation_id == escalation_id)
            .order_by(EscalationEvent.at, EscalationEvent.id)
        )
    )


def _evidence(now: datetime, text: str, ref: str | None, private: str | None, by: str | None):
    item = {"at": now.isoformat(), "text": text, "ref": ref}
    if private:
        item["private"] = private
    if by:
        item["by"] = by
    return item


def open_escalation(session: Session, key: str, *, lock: bool = False) -> Escalation | None:
    """The open escalation with this key; `lock`: held until commit (PostgreSQL), so two
    writers adding evidence at once do not lose one another's."""
    query = select(Escalation).where(Escalation.open_key == key)
    if lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.exec(query.execution_options(populate_existing=True)).first()


def raise_escalation(
    session: Session,
    *,
    cause: Cause | str,
    now: datetime,
    evidence: str,
    ref: str | None,
    programme_id: int | None,
    pairing_id: int | None = None,
    person_id: int | None = None,
    private: str | None = None,
    actor: str | None = None,
    said_by: str | None = None,
) -> tuple[Escalation, str]:
    """Open an escalation, or add evidence to the open one of the same pairing and cause.

    Returns it and what happened: "opened", "evidence" (a new occurrence added to the open
    one) or "unchanged" (this occurrence, `ref`, is already on it). Safe against a second
    writer opening the same one at the same moment (the unique `open_key` decides).
    `actor` did it (None: the bot's own rules); `private` are the words of `said_by` (by
    default the actor), shown to coordinators only.
    """
    cause = Cause(cause)
    said_by = said_by or actor
    key = escalation_open_key(Cause(cause).value, pairing_id=pairing_id, person_id=person_id)
    for _ in range(2):
        existing = open_escalation(session, key, lock=True)
        if existing is not None:
            if ref is not None and ref in existing.refs:
                return existing, "unchanged"
            existing.evidence = [
                *existing.evidence,
                _evidence(now, evidence, ref, private, said_by),
            ]
            existing.updated_at = now
            session.add(existing)
            session.flush()
            record_event(session, existing.id, now, actor, "evidence", evidence)
            return existing, "evidence"
        # INSERT ... ON CONFLICT DO NOTHING on the unique open key: a second writer opening
        # the same escalation at the same moment gets nothing back, and adds to theirs.
        values = {
            "programme_id": programme_id,
            "pairing_id": pairing_id,
            "person_id": person_id,
            "kind": kind_of(cause).value,
            "cause": cause.value,
            "open_key": key,
            "evidence": [_evidence(now, evidence, ref, private, said_by)],
            "status": Status.OPEN.value,
            "opened_at": now,
            "updated_at": now,
        }
        table = Escalation.__table__
        dialect = session.get_bind().dialect.name
        insert = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}[dialect]
        statement = (
            insert(table)
            .values(values)
            .on_conflict_do_nothing(index_elements=["open_key"])
            .returning(table.c.id)
        )
        new_id = session.execute(statement).scalar_one_or_none()
        if new_id is None:
            continue
        escalation = session.get(Escalation, new_id)
        record_event(session, escalation.id, now, actor, "opened", evidence)
        return escalation, "opened"
    raise RuntimeError(f"could not open or find the escalation {key}")


def add_reply(
    session: Session,
    escalation_id: int,
    now: datetime,
    *,
    evidence: str,
    ref: str,
    words: str,
    by: str | None,
) -> EscalationEvent:
    """A participant's reply to the coordinators, kept on the escalation whatever its state
    (their words are private: shown to coordinators only)."""
    escalation = session.get(Escalation, escalation_id, with_for_update=_locks(session))
    escalation.evidence = [*escalation.evidence, _evidence(now, evidence, ref, words, by)]
    escalation.updated_at = now
    session.add(escalation)
    session.flush()
    return record_event(session, escalation_id, now, by, "replied")


def _locks(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def acknowledge(session: Session, escalation_id: int, actor: str, now: datetime) -> bool:
    """Mark acknowledged once; False if it was already acknowledged or is resolved."""
    result = session.execute(
        update(Escalation)
        .where(
            Escalation.id == escalation_id,
            Escalation.status == Status.OPEN.value,
            Escalation.acknowledged_at.is_(None),
        )
        .values(
            status=Status.ACKNOWLEDGED.value,
            acknowledged_at=now,
            acknowledged_by=actor,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def resolve(session: Session, escalation_id: int, actor: str, now: datetime, outcome: str) -> bool:
    """Resolve once (frees the open key); False if it was already resolved. The pairing's
    next sweep looks at it again."""
    result = session.execute(
        update(Escalation)
        .where(Escalation.id == escalation_id, Escalation.status != Status.RESOLVED.value)
        .values(
            status=Status.RESOLVED.value,
            open_key=None,
            resolved_at=now,
            resolved_by=actor,
            outcome=outcome,
            updated_at=now,
            next_sweep_at=NEVER,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    pairing_id = session.execute(
        select(Escalation.pairing_id).where(Escalation.id == escalation_id)
    ).scalar_one()
    if pairing_id is not None:
        facts_changed(session, pairing_ids=[pairing_id])
    return True


def mark_reminded(session: Session, escalation_id: int, now: datetime) -> bool:
    """Record the re-post and champion message once; False if already recorded."""
    result = session.execute(
        update(Escalation)
        .where(Escalation.id == escalation_id, Escalation.reminded_at.is_(None))
        .values(reminded_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def get_escalation(session: Session, escalation_id: int) -> Escalation | None:
    return session.get(Escalation, escalation_id, populate_existing=True)


def unresolved(session: Session, programme_id: int | None = None) -> list[Escalation]:
    """Open and acknowledged escalations, oldest first."""
    query = select(Escalation).where(Escalation.status != Status.RESOLVED.value)
    if programme_id is not None:
        query = query.where(Escalation.programme_id == programme_id)
    return list(session.exec(query.order_by(Escalation.opened_at, Escalation.id)))


def unresolved_at_a_glance(session: Session, due_at: datetime | None = None) -> list:
    """Id, opened, acknowledged and reminded times of the open and acknowledged escalations,
    oldest first, without loading them; with `due_at`, only those a sweep then needs to look
    at again (`next_sweep_at` NULL or come)."""
    query = glance_query(due_at)
    if due_at is None:
        return list(session.execute(query.order_by(Escalation.opened_at, Escalation.id)))
    # Few are due: found through the index on `next_sweep_at`, then put in order here.
    return sorted(session.execute(query), key=lambda row: (row.opened_at, row.id))


def glance_query(due_at: datetime | None = None):
    query = select(
        Escalation.id,
        Escalation.opened_at,
        Escalation.acknowledged_at,
        Escalation.reminded_at,
    ).where(Escalation.status != Status.RESOLVED.value)
    if due_at is not None:
        query = query.where(
            or_(Escalation.next_sweep_at.is_(None), Escalation.next_sweep_at <= due_at)
        )
    return query


def record_next_looks(session: Session, moments: dict[int, datetime]) -> None:
    """When a sweep next needs to look at these escalations (after what it decided about
    them is in the outbox)."""
    table = Escalation.__table__
    statement = (
        update(table)
        .where(table.c.id == bindparam("escalation"))
        .values(next_sweep_at=bindparam("at"))
    )
    rows = [{"escalation": key, "at": at} for key, at in sorted(moments.items())]
    if rows:
        session.connection().execute(statement, rows)


def unresolved_of_pairing(session: Session, pairing_id: int) -> list[Escalation]:
    return list(
        session.exec(
            select(Escalation)
            .where(
                Escalation.pairing_id == pairing_id,
                Escalation.status != Status.RESOLVED.value,
            )
            .order_by(Escalation.id)
        )
    )


# --- release blocks, re-pair requests, placements ------------------------------------------------


def release_blocks_of(session: Session, escalation_id: int) -> list[ReleaseBlock]:
    return list(
        session.exec(
            select(ReleaseBlock)
            .where(ReleaseBlock.escalation_id == escalation_id)
            .order_by(ReleaseBlock.id)
        )
    )


def release_blocks_not_told(session: Session) -> list[ReleaseBlock]:
    return list(
        session.exec(
            select(ReleaseBlock)
            .where(ReleaseBlock.told_reached_at.is_(None), ReleaseBlock.escalation_id.is_not(None))
            .order_by(ReleaseBlock.id)
        )
    )


def open_repair_requests(session: Session, pairing_id: int) -> list[RepairRequest]:
    return list(
        session.exec(
            select(RepairRequest)
            .where(RepairRequest.pairing_id == pairing_id, RepairRequest.closed_at.is_(None))
            .order_by(RepairRequest.requested_at, RepairRequest.id)
        )
    )


def repair_requests_of(session: Session, pairing_id: int) -> list[RepairRequest]:
    """Every re-pair request about the pairing, open or closed, oldest first."""
    return list(
        session.exec(
            select(RepairRequest)
            .where(RepairRequest.pairing_id == pairing_id)
            .order_by(RepairRequest.requested_at, RepairRequest.id)
        )
    )


def close_repair_requests(session: Session, pairing_id: int, now: datetime) -> None:
    for request in open_repair_requests(session, pairing_id):
        request.closed_at = now
        session.add(request)
    session.flush()


def placements_of(session: Session, person_id: int) -> list[Placement]:
    return list(
        session.exec(
            select(Placement).where(Placement.person_id == person_id).order_by(Placement.id)
        )
    )
