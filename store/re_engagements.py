"""The amber re-engagement messages decided for each person of a pair (`domain.graded_help`):
one row per person per window, the window named by the day the pair turned amber. The rows
say whom the pair's latest window reached, so a later sweep within it plans the same messages
(the outbox keeps each once) and never adds someone it left out (paused, not responding).
A person's own data: shown in `my data`, removed by `delete my data`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, func
from sqlmodel import Field, Session, SQLModel, select

from store.db import chunked
from store.models import utc_column


class ReEngagement(SQLModel, table=True):
    __tablename__ = "re_engagement"

    id: int | None = Field(default=None, primary_key=True)
    pairing_id: int = Field(foreign_key="pairing.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    # When the pair turned amber (the window's start), and when the message was decided.
    window_starts_at: datetime = utc_column(nullable=False)
    decided_at: datetime = utc_column(nullable=False)
    outbox_key: str


def latest_windows(session: Session, pairing_ids: Iterable[int]) -> dict[int, datetime]:
    """When each pairing's latest re-engagement window opened (none yet: left out)."""
    found: dict[int, datetime] = {}
    for chunk in chunked(sorted(set(pairing_ids))):
        rows = session.execute(
            select(ReEngagement.pairing_id, func.max(ReEngagement.window_starts_at))
            .where(ReEngagement.pairing_id.in_(chunk))
            .group_by(ReEngagement.pairing_id)
        )
        for pairing_id, at in rows:
            found[pairing_id] = at
    return found


def in_window(session: Session, pairing_id: int, window_starts_at: datetime) -> list[ReEngagement]:
    return list(
        session.exec(
            select(ReEngagement).where(
                ReEngagement.pairing_id == pairing_id,
                ReEngagement.window_starts_at == window_starts_at,
            )
        )
    )


def re_engagements_of(session: Session, person_id: int) -> list[ReEngagement]:
    return list(
        session.exec(
            select(ReEngagement)
            .where(ReEngagement.person_id == person_id)
            .order_by(ReEngagement.decided_at, ReEngagement.id)
        )
    )


def forget_re_engagements(session: Session, person_id: int) -> None:
    session.execute(delete(ReEngagement).where(ReEngagement.person_id == person_id))
