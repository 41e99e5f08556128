"""People and the roles they hold."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session, select

from store.db import TOUCH_EVERY, chunked, refresh_row
from store.models import Person, RoleGrant
from store.moments import PERSON_FACTS, facts_changed
from store.outbox import release_held_routine
from store.types import storable_text

# Statements run on every message, built once (SQLAlchemy then finds them compiled without
# working out their cache key again).
_PERSON_BY_AAD = sa_select(Person.__table__).where(
    Person.__table__.c.aad_object_id == bindparam("aad")
)
_ROLES_OF = sa_select(RoleGrant.__table__.c.role).where(
    RoleGrant.__table__.c.aad_object_id == bindparam("aad")
)


def remember_person(
    session: Session,
    aad_object_id: str,
    now: datetime,
    *,
    tenant_id: str | None = None,
    display_name: str | None = None,
    time_zone: str | None = None,
    heard_at: datetime | None = None,
) -> None:
    """Create or refresh a person (`refresh_person`, after reading them)."""
    current = (
        session.connection().execute(_PERSON_BY_AAD, {"aad": aad_object_id}).mappings().first()
    )
    refresh_person(
        session,
        current,
        aad_object_id,
        now,
        tenant_id=tenant_id,
        display_name=display_name,
        time_zone=time_zone,
        heard_at=heard_at,
    )


def refresh_person(
    session: Session,
    current: Mapping | None,
    aad_object_id: str,
    now: datetime,
    *,
    tenant_id: str | None = None,
    display_name: str | None = None,
    time_zone: str | None = None,
    heard_at: datetime | None = None,
) -> None:
    """Create or refresh a person, given their row as just read (`current`, None if there is
    none); a message from them also clears 'unreachable'. With `heard_at` (a message or
    button from them) it is when the bot last heard from them, and they no longer count as
    not responding.

    Core statements (this runs on every message): a write only when something changed. A
    change to what a sweep's rules read about them makes their pairings due, as an ORM flush
    of the person would (`store.next_sweep`).
    """
    old = current or {}
    if current is not None and heard_at and current["not_responding_since"] is not None:
        release_held_routine(session, aad_object_id, heard_at)
    values = {
        "tenant_id": tenant_id or old.get("tenant_id"),
        # A name as Teams sends it may hold what no column can (a lone surrogate).
        "display_name": storable_text(display_name) if display_name else old.get("display_name"),
        "time_zone": time_zone or old.get("time_zone"),
        "unreachable_since": None,
        **(_heard(old, heard_at) if heard_at else {}),
    }
    if current is not None and PERSON_FACTS.intersection(
        name for name, value in values.items() if current[name] != value
    ):
        facts_changed(session, person_ids=[current["id"]])
    refresh_row(
        session,
        Person.__table__,
        {"aad_object_id": aad_object_id},
        current,
        now,
        values,
        created={"created_at": now},
    )


def upsert_person(
    session: Session,
    aad_object_id: str,
    now: datetime,
    *,
    tenant_id: str | None = None,
    display_name: str | None = None,
    time_zone: str | None = None,
    heard_at: datetime | None = None,
) -> Person:
    """`remember_person`, and the person as stored."""
    session.flush()  # what this session changed about them is written before it is read
    remember_person(
        session,
        aad_object_id,
        now,
        tenant_id=tenant_id,
        display_name=display_name,
        time_zone=time_zone,
        heard_at=heard_at,
    )
    return session.exec(
        select(Person)
        .where(Person.aad_object_id == aad_object_id)
        .execution_options(populate_existing=True)
    ).one()


def _heard(person: Mapping, at: datetime) -> dict:
    """When the bot last heard from them, kept to the hour (most messages then write nothing;
    one routine nudge goes a day at most), and not responding cleared."""
    last = person.get("last_heard_at")
    not_responding = person.get("not_responding_since")
    if last is None or at - last >= TOUCH_EVERY or not_responding is not None:
        return {"last_heard_at": at, "not_responding_since": None}
    return {}


def get_person(session: Session, aad_object_id: str) -> Person | None:
    return session.exec(select(Person).where(Person.aad_object_id == aad_object_id)).first()


def grant_role(session: Session, aad_object_id: str, role: str, now: datetime) -> RoleGrant:
    grant = session.exec(
        select(RoleGrant).where(RoleGrant.aad_object_id == aad_object_id, RoleGrant.role == role)
    ).first()
    if grant is None:
        grant = RoleGrant(aad_object_id=aad_object_id, role=role, created_at=now)
        session.add(grant)
        session.flush()
    return grant


def roles_of(session: Session, aad_object_id: str) -> set[str]:
    """The roles granted to them in the store (a Core read: every command asks)."""
    return set(session.connection().execute(_ROLES_OF, {"aad": aad_object_id}).scalars())


def holders_of(session: Session, role: str) -> set[str]:
    """The AAD object ids granted `role` in the store (configured ones are in settings)."""
    return set(session.exec(select(RoleGrant.aad_object_id).where(RoleGrant.role == role)))


def mark_unreachable(session: Session, aad_object_id: str, now: datetime) -> Person:
    """Record that proactive messages cannot reach this person (bot removed or blocked).

    Kept from the first refusal on; cleared when they next message the bot (`upsert_person`).
    """
    person = get_person(session, aad_object_id)
    if person is None:
        person = Person(aad_object_id=aad_object_id, created_at=now, updated_at=now)
    if person.unreachable_since is None:
        person.unreachable_since = now
        person.updated_at = now
    session.add(person)
    session.flush()
    return person


def unreachable_people(session: Session) -> list[Person]:
    """People the bot cannot reach, longest first (for the coordinator)."""
    return list(
        session.exec(
            select(Person)
            .where(Person.unreachable_since.is_not(None))
            .order_by(Person.unreachable_since)
        ).all()
    )


def time_zones_of(session: Session, aad_object_ids: Sequence[str]) -> dict[str, str | None]:
    """The stored time zone of each of these people who is known (read in chunks)."""
    found: dict[str, str | None] = {}
    for chunk in chunked(list(aad_object_ids)):
        rows = session.exec(
            select(Person.aad_object_id, Person.time_zone).where(Person.aad_object_id.in_(chunk))
        )
        found.update((aad, zone) for aad, zone in rows)
    return found
