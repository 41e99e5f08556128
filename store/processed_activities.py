"""Activities already taken for processing: Teams may deliver the same activity twice.

Before the bot handles an activity it claims `(conversation id, activity id)`; the unique
constraint lets exactly one delivery win, also when two arrive at once (at two instances).
A claim is released when handling fails, so that Teams' redelivery is handled, and pruned
after the retention period (Teams redelivers within minutes).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, UniqueConstraint, delete
from sqlmodel import Field, Session, SQLModel

from store.db import insert_unless_exists
from store.types import UTCDateTime


class ProcessedActivity(SQLModel, table=True):
    __tablename__ = "processed_activity"
    __table_args__ = (
        UniqueConstraint("conversation_id", "activity_id", name="uq_processed_activity"),
    )

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str
    activity_id: str
    received_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))


def claim_activity(session: Session, conversation_id: str, activity_id: str, now: datetime) -> bool:
    """True if this delivery is the first of the activity (it is now claimed)."""
    values = {"conversation_id": conversation_id, "activity_id": activity_id, "received_at": now}
    unique = ["conversation_id", "activity_id"]
    return insert_unless_exists(session, ProcessedActivity.__table__, values, unique) is not None


def release_activity(session: Session, conversation_id: str, activity_id: str) -> None:
    session.execute(
        delete(ProcessedActivity).where(
            ProcessedActivity.conversation_id == conversation_id,
            ProcessedActivity.activity_id == activity_id,
        )
    )


def prune_processed(session: Session, before: datetime) -> int:
    """Forget claims received before `before`; returns how many."""
    result = session.execute(
        delete(ProcessedActivity).where(ProcessedActivity.received_at < before)
    )
    return result.rowcount or 0
