"""Pairings and what happens inside them: sessions, check-ins and action-plan steps."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, bindparam, func, or_
from sqlmodel import Session, select

from store.db import insert_unless_exists
from store.models import (
    ActionStep,
    ApplicantRole,
    Application,
    CheckIn,
    MentoringSession,
    Pairing,
    PairingStatus,
    Person,
)
from store.moments import facts_changed


def create_pairing(
    session: Session,
    *,
    programme_id: int,
    trainee_person_id: int,
    mentor_person_id: int,
    length_months: int,
    now: datetime,
    confirmed_by: str | None,
) -> Pairing:
    pairing = Pairing(
        programme_id=programme_id,
        trainee_person_id=trainee_person_id,
        mentor_person_id=mentor_person_id,
        length_months=length_months,
        paired_at=now,
        confirmed_by=confirmed_by,
    )
    session.add(pairing)
    session.flush()
    return pairing


def active_pairings(session: Session, programme_id: int | None = None) -> list[Pairing]:
    query = select(Pairing).where(Pairing.status == PairingStatus.ACTIVE.value)
    if programme_id is not None:
        query = query.where(Pairing.programme_id == programme_id)
    return list(session.exec(query.order_by(Pairing.id)))


def active_pairing_of(session: Session, person_id: int) -> Pairing | None:
    """The person's current pairing, as trainee or mentor (the newest, if several)."""
    return session.exec(
        select(Pairing).where(_active_pairing_of(person_id)).order_by(Pairing.paired_at.desc())
    ).first()


def active_pairings_of(session: Session, person_id: int) -> list[Pairing]:
    """Every active pairing the person is in (a mentor may have several)."""
    return list(
        session.exec(select(Pairing).where(_active_pairing_of(person_id)).order_by(Pairing.id))
    )


def person_and_active_pairing(
    session: Session, aad_object_id: str
) -> tuple[Person | None, Pairing | None]:
    """The person and their current pairing (as `active_pairing_of`), in one query."""
    found = session.exec(_PERSON_AND_ACTIVE_PAIRING, params={"aad": aad_object_id}).first()
    return (found[0], found[1]) if found is not None else (None, None)


def _active_pairing_of(person_id):
    """A pairing is active and `person_id` (a value or a column) is one of its two people."""
    return and_(
        Pairing.status == PairingStatus.ACTIVE.value,
        or_(Pairing.trainee_person_id == person_id, Pairing.mentor_person_id == person_id),
    )


# Built once: most messages ask it (SQLAlchemy then finds it compiled without working out its
# cache key again).
_PERSON_AND_ACTIVE_PAIRING = (
    select(Person, Pairing)
    .outerjoin(Pairing, _active_pairing_of(Person.id))
    .where(Person.aad_object_id == bindparam("aad"))
    .order_by(Pairing.paired_at.desc())
)


def latest_pairing_of(session: Session, person_id: int) -> Pairing | None:
    """The person's most recent pairing, whatever became of it."""
    return session.exec(
        select(Pairing)
        .where(or_(Pairing.trainee_person_id == person_id, Pairing.mentor_person_id == person_id))
        .order_by(Pairing.paired_at.desc(), Pairing.id.desc())
    ).first()


def role_taken(session: Session, person_id: int) -> str | None:
    """ "mentor" or "trainee": how the person applied or was paired (mentor first); None."""
    roles = set(
        session.exec(select(Application.role).where(Application.person_id == person_id)).all()
    )
    for role, column in (
        (ApplicantRole.MENTOR, Pairing.mentor_person_id),
        (ApplicantRole.TRAINEE, Pairing.trainee_person_id),
    ):
        if (
            role.value in roles
            or session.exec(select(Pairing.id).where(column == person_id)).first()
        ):
            return role.value
    return None


def dissolved_pairs(session: Session, programme_id: int) -> set[tuple[int, int]]:
    rows = session.exec(
        select(Pairing.trainee_person_id, Pairing.mentor_person_id).where(
            Pairing.programme_id == programme_id,
            Pairing.status == PairingStatus.DISSOLVED.value,
        )
    )
    return {(trainee, mentor) for trainee, mentor in rows}


def mentor_loads(session: Session, programme_id: int) -> dict[int, int]:
    """Active trainees per mentor person id."""
    loads: dict[int, int] = {}
    for pairing in active_pairings(session, programme_id):
        loads[pairing.mentor_person_id] = loads.get(pairing.mentor_person_id, 0) + 1
    return loads


def end_pairing(session: Session, pairing: Pairing, now: datetime, status: str, reason: str):
    """The one place a pairing ends: its status, when, and the reason category
    (`domain.endings.EndReason`)."""
    pairing.status = status
    pairing.ended_at = now
    pairing.end_reason = reason
    session.add(pairing)
    session.flush()


def pair_people(session: Session, pairing: Pairing) -> tuple[Person, Person]:
    return session.get(Person, pairing.trainee_person_id), session.get(
        Person, pairing.mentor_person_id
    )


def sessions_held(session: Session, pairing_id: int) -> int:
    """How many of the pairing's months had their session (logged as held)."""
    return session.exec(
        select(func.count())
        .select_from(MentoringSession)
        .where(MentoringSession.pairing_id == pairing_id, MentoringSession.happened.is_(True))
    ).one()


def session_month(session: Session, pairing_id: int, month: int) -> MentoringSession:
    """The row of one programme month, created on first use."""
    row = session.exec(
        select(MentoringSession).where(
            MentoringSession.pairing_id == pairing_id, MentoringSession.month == month
        )
    ).first()
    if row is None:
        row = MentoringSession(pairing_id=pairing_id, month=month)
        session.add(row)
        session.flush()
    return row


def sessions_of(session: Session, pairing_id: int) -> list[MentoringSession]:
    return list(
        session.exec(
            select(MentoringSession)
            .where(MentoringSession.pairing_id == pairing_id)
            .order_by(MentoringSession.month)
        )
    )


def record_check_in(
    session: Session,
    *,
    pairing_id: int,
    person_id: int,
    week: int,
    answer: str,
    comment: str | None,
    now: datetime,
) -> tuple[str, bool]:
    """Store an answer once: the answer stored, and whether this call stored it (a second tap
    gets the first answer and False).

    Core statements (an INSERT that does nothing for a second tap), and the pairing made due
    for the sweep as an ORM flush of a check-in would (`store.next_sweep`).
    """
    table = CheckIn.__table__
    values = {
        "pairing_id": pairing_id,
        "person_id": person_id,
        "week": week,
        "answer": answer,
        "comment": comment,
        "answered_at": now,
    }
    if insert_unless_exists(session, table, values, ["pairing_id", "person_id", "week"]):
        facts_changed(session, pairing_ids=[pairing_id])
        return answer, True
    stored = session.connection().execute(
        select(table.c.answer).where(
            table.c.pairing_id == pairing_id,
            table.c.person_id == person_id,
            table.c.week == week,
        )
    )
    return stored.scalar_one(), False


def check_ins_of(session: Session, pairing_id: int) -> list[CheckIn]:
    return list(
        session.exec(
            select(CheckIn).where(CheckIn.pairing_id == pairing_id).order_by(CheckIn.answered_at)
        )
    )


def add_step(session: Session, pairing_id: int, person_id: int, text: str, now: datetime):
    step = ActionStep(pairing_id=pairing_id, person_id=person_id, text=text, created_at=now)
    session.add(step)
    session.flush()
    return step


def steps_of(session: Session, pairing_id: int, person_id: int) -> list[ActionStep]:
    return list(
        session.exec(
            select(ActionStep)
            .where(ActionStep.pairing_id == pairing_id, ActionStep.person_id == person_id)
            .order_by(ActionStep.id)
        )
    )
