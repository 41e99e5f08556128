"""Closing checks: what each person answered on their closing card when a pairing ended.

One row per pairing and person (a second submit finds the first). The words are the person's
own: `my data` shows them and `delete my data` removes the whole row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint, delete
from sqlmodel import Field, Session, SQLModel, select

from domain.endings import ClosingAnswers
from store.models import utc_column


class ClosingCheck(SQLModel, table=True):
    __tablename__ = "closing_check"
    __table_args__ = (UniqueConstraint("pairing_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    pairing_id: int = Field(foreign_key="pairing.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    helped: str
    goals_met: str
    stay_in_touch: bool
    words: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    answered_at: datetime = utc_column(nullable=False)

    def answers(self) -> ClosingAnswers:
        return ClosingAnswers(self.helped, self.goals_met, self.stay_in_touch, self.words)


def closing_check_of(session: Session, pairing_id: int, person_id: int) -> ClosingCheck | None:
    return session.exec(
        select(ClosingCheck).where(
            ClosingCheck.pairing_id == pairing_id, ClosingCheck.person_id == person_id
        )
    ).first()


def record_closing_check(
    session: Session, pairing_id: int, person_id: int, answers: ClosingAnswers, now: datetime
) -> tuple[ClosingCheck, bool]:
    """Store the answers once; a second submit returns the first row and False."""
    existing = closing_check_of(session, pairing_id, person_id)
    if existing is not None:
        return existing, False
    row = ClosingCheck(
        pairing_id=pairing_id,
        person_id=person_id,
        helped=answers.helped,
        goals_met=answers.goals_met,
        stay_in_touch=answers.stay_in_touch,
        words=answers.words,
        answered_at=now,
    )
    session.add(row)
    session.flush()
    return row, True


def closing_checks_of_person(session: Session, person_id: int) -> list[ClosingCheck]:
    return list(
        session.exec(
            select(ClosingCheck)
            .where(ClosingCheck.person_id == person_id)
            .order_by(ClosingCheck.answered_at)
        )
    )


def forget_closing_checks(session: Session, person_id: int) -> None:
    session.execute(delete(ClosingCheck).where(ClosingCheck.person_id == person_id))
