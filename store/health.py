"""Each pairing's health as the sweep last worked it out: colour, reasons, since when.

One row per pairing, written by the sweep only when the colour or the reasons change
(`record_health`), so `since` is when the pair turned this colour and `previous_*` is what it
was before the last change: what `health` shows as "what changed". The reasons name roles
("the mentor"), never people, and hold no one's own words.

Every change of colour is also kept as a `PairHealthChange` (colour and since when, nothing
else), so the report can say what colour a pair was at the end of each programme month.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, Session, SQLModel, select

from store.db import chunked
from store.models import utc_column


class PairHealth(SQLModel, table=True):
    __tablename__ = "pair_health"

    pairing_id: int = Field(foreign_key="pairing.id", primary_key=True)
    colour: str = Field(index=True)  # green / amber / red
    reasons: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # When the pair turned this colour, and when the colour or the reasons last changed.
    since: datetime = utc_column(nullable=False)
    changed_at: datetime = utc_column(nullable=False)
    previous_colour: str | None = None
    previous_reasons: list | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class PairHealthChange(SQLModel, table=True):
    """The pair turned `colour` at `since`."""

    __tablename__ = "pair_health_change"

    id: int | None = Field(default=None, primary_key=True)
    pairing_id: int = Field(foreign_key="pairing.id", index=True)
    colour: str
    since: datetime = utc_column(nullable=False)


def record_health(
    session: Session, pairing_id: int, colour: str, reasons: Iterable[str], now: datetime
) -> PairHealth | None:
    """Store the pairing's health if it differs from the stored one; the row if it did."""
    reasons = list(reasons)
    row = session.get(PairHealth, pairing_id)
    if row is None:
        row = PairHealth(
            pairing_id=pairing_id, colour=colour, reasons=reasons, since=now, changed_at=now
        )
        session.add(PairHealthChange(pairing_id=pairing_id, colour=colour, since=now))
    elif row.colour == colour and row.reasons == reasons:
        return None
    else:
        if row.colour != colour:
            row.since = now
            session.add(PairHealthChange(pairing_id=pairing_id, colour=colour, since=now))
        row.previous_colour, row.previous_reasons = row.colour, row.reasons
        row.colour, row.reasons, row.changed_at = colour, reasons, now
    session.add(row)
    return row


def health_of(session: Session, pairing_ids: Iterable[int]) -> dict[int, PairHealth]:
    """The stored health of these pairings, by pairing id (none stored: left out)."""
    found: dict[int, PairHealth] = {}
    for chunk in chunked(sorted(set(pairing_ids))):
        for row in session.exec(select(PairHealth).where(PairHealth.pairing_id.in_(chunk))):
            found[row.pairing_id] = row
    return found


def colour_changes(
    session: Session, pairing_ids: Iterable[int]
) -> dict[int, list[tuple[datetime, str]]]:
    """Each pairing's changes of colour as (since, colour), oldest first (none: left out)."""
    found: dict[int, list[tuple[datetime, str]]] = {}
    for chunk in chunked(sorted(set(pairing_ids))):
        rows = session.exec(
            select(PairHealthChange)
            .where(PairHealthChange.pairing_id.in_(chunk))
            .order_by(PairHealthChange.pairing_id, PairHealthChange.since, PairHealthChange.id)
        )
        for row in rows:
            found.setdefault(row.pairing_id, []).append((row.since, row.colour))
    return found
