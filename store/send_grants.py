"""The app-wide log of proactive sends, shared by every instance on one PostgreSQL database.

Teams limits an app's sends across all its instances, so with several instances the pace is
one budget: each send is a row here, granted (`granted_at`) before it goes and completed
(`completed_at`) when Teams has answered. An instance asks for a grant under a transaction-level
advisory lock, so of two instances asking at once one sees the other's grant; the rule that
decides whether one more send fits is the caller's (`bot.outbox.pacing.pacing_delay`).

Times are the database server's clock (`clock_timestamp()`), so instances on machines whose
clocks differ still agree; a caller may pass its own (tests move time). Rows older than the
longest window are pruned. A grant never completed (its instance died mid-send) counts as in
flight until `stale_after` seconds have passed, then as completed at that time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, Column, Connection, Integer, text
from sqlmodel import Field, SQLModel

from store.types import UTCDateTime

# The advisory lock's key: "StepPace" as a 64-bit integer (the scheduler's is "StepForw").
SEND_GRANT_LOCK_KEY = int.from_bytes(b"StepPace", "big")


class SendGrant(SQLModel, table=True):
    __tablename__ = "send_grant"

    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    )
    granted_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    completed_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    # Which process holds it (`bot.outbox.dispatcher.WORKER_ID`), for whoever reads the table.
    worker: str


@dataclass(frozen=True)
class GrantLog:
    """The app's recent sends at `now` (seconds since the epoch): completion times in
    ascending order, and how many are in flight."""

    now: float
    completed: list[float]
    in_flight: int


def lock_and_read(
    connection: Connection,
    horizon: float,
    stale_after: float,
    now: float | None = None,
    completions: Sequence[tuple[int, float]] = (),
) -> GrantLog:
    """Take the grant lock for this transaction, record `completions` (grant id, completed at)
    first, and read the sends that can still count: completed within `horizon` seconds, or in
    flight. Three statements, one round trip each."""
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SEND_GRANT_LOCK_KEY})
    if completions:
        complete(connection, completions)
    row = connection.execute(
        text(
            "WITH at AS (SELECT COALESCE(CAST(:now AS double precision),"
            " extract(epoch FROM clock_timestamp())) AS now)"
            " SELECT at.now, array_agg(extract(epoch FROM g.granted_at)),"
            " array_agg(extract(epoch FROM g.completed_at))"
            " FROM at LEFT JOIN send_grant g"
            " ON g.completed_at IS NULL OR g.completed_at > to_timestamp(at.now - :horizon)"
            " GROUP BY at.now"
        ),
        {"now": now, "horizon": horizon},
    ).one()
    now = float(row[0])
    completed: list[float] = []
    in_flight = 0
    for granted, done in zip(row[1] or [], row[2] or [], strict=True):
        if granted is None:
            continue  # no send at all (the LEFT JOIN's empty row)
        if done is None and float(granted) > now - stale_after:
            in_flight += 1
            continue
        at = float(done) if done is not None else float(granted) + stale_after
        if at > now - horizon:
            completed.append(at)
    completed.sort()
    return GrantLog(now, completed, in_flight)


def grant(connection: Connection, worker: str, now: float) -> int:
    """Record a send granted at `now`, within the lock `lock_and_read` took; its id."""
    return connection.execute(
        text(
            "INSERT INTO send_grant (granted_at, worker) VALUES (to_timestamp(:now), :worker)"
            " RETURNING id"
        ),
        {"now": now, "worker": worker},
    ).scalar_one()


def complete(connection: Connection, completions: Sequence[tuple[int, float]]) -> None:
    """Record sends completed (grant id, completed at), outside a grant."""
    connection.execute(
        text(
            "UPDATE send_grant SET completed_at = to_timestamp(done.at)"
            " FROM unnest(CAST(:ids AS bigint[]), CAST(:ats AS double precision[]))"
            " AS done(id, at) WHERE send_grant.id = done.id"
        ),
        {"ids": [i for i, _ in completions], "ats": [at for _, at in completions]},
    )


def prune(connection: Connection, horizon: float, stale_after: float, now: float) -> int:
    """Forget sends that can no longer count in any window; how many were removed."""
    return connection.execute(
        text(
            "DELETE FROM send_grant WHERE completed_at <= to_timestamp(:completed_before)"
            " OR (completed_at IS NULL AND granted_at <= to_timestamp(:stale_before))"
        ),
        {"completed_before": now - horizon, "stale_before": now - stale_after - horizon},
    ).rowcount
