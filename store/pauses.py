"""When each person held their routine reminders (`pause until`, `snooze`): the health rules
do not count that time against them (`domain.pauses`). One row per pause; `snooze off` ends
the running one early. A person's own data: shown in `my data`, removed by `delete my data`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Field, Session, SQLModel, select

from domain.pauses import Pause
from store.db import chunked
from store.models import Person, utc_column
from store.moments import facts_changed


class PausePeriod(SQLModel, table=True):
    __tablename__ = "pause_period"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    starts_at: datetime = utc_column(nullable=False)
    ends_at: datetime = utc_column(nullable=False)


def record_pause(session: Session, person_id: int, starts: datetime, ends: datetime) -> None:
    """A new pause from `starts` to `ends`; one still running is cut at `starts` (a new pause
    replaces it, as the reminders' hold does)."""
    end_pause(session, person_id, starts)
    session.add(PausePeriod(person_id=person_id, starts_at=starts, ends_at=ends))


def hold_reminders(session: Session, person: Person, now: datetime, until: datetime) -> None:
    """Hold the person's routine reminders from `now` until `until` (`pause until`, `snooze`);
    the time counts as paused for their pair's health and stall rules, which the next sweep
    works out again."""
    person.snoozed_until = until
    session.add(person)
    record_pause(session, person.id, now, until)
    facts_changed(session, person_ids=[person.id])


def end_pause(session: Session, person_id: int, now: datetime) -> None:
    """The person's running pause ends now (`snooze off`)."""
    for row in session.exec(
        select(PausePeriod).where(PausePeriod.person_id == person_id, PausePeriod.ends_at > now)
    ):
        if row.starts_at >= now:
            session.delete(row)
        else:
            row.ends_at = now
            session.add(row)


def pauses_of(session: Session, person_ids: Iterable[int]) -> dict[int, tuple[Pause, ...]]:
    """Every pause of these people, oldest first, by person id (none: left out)."""
    found: dict[int, list[Pause]] = {}
    for chunk in chunked(sorted(set(person_ids))):
        rows = session.exec(
            select(PausePeriod)
            .where(PausePeriod.person_id.in_(chunk))
            .order_by(PausePeriod.starts_at, PausePeriod.id)
        )
        for row in rows:
            found.setdefault(row.person_id, []).append(Pause(row.starts_at, row.ends_at))
    return {person_id: tuple(pauses) for person_id, pauses in found.items()}


def periods_of(session: Session, person_id: int) -> list[PausePeriod]:
    return list(
        session.exec(
            select(PausePeriod)
            .where(PausePeriod.person_id == person_id)
            .order_by(PausePeriod.starts_at, PausePeriod.id)
        )
    )


def forget_pauses(session: Session, person_id: int) -> None:
    session.execute(delete(PausePeriod).where(PausePeriod.person_id == person_id))
