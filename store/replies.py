"""Replies the bot invited: when a message says "reply here", what the person writes back
must reach the coordinators. An invitation says who may reply, about what (an escalation, or a
pairing that ended), and until when."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Column, delete
from sqlmodel import Field, Session, SQLModel, select

from store.types import UTCDateTime

# How long a "reply here" stays open after the message that invited it.
REPLY_OPEN_FOR = timedelta(days=30)


class ReplyInvitation(SQLModel, table=True):
    __tablename__ = "reply_invitation"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    # What the reply is about: the escalation whose card gets it, else the pairing that ended.
    escalation_id: int | None = Field(default=None, foreign_key="escalation.id")
    pairing_id: int | None = Field(default=None, foreign_key="pairing.id")
    invited_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    open_until: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


def invite_reply(
    session: Session,
    person_id: int,
    now: datetime,
    *,
    escalation_id: int | None = None,
    pairing_id: int | None = None,
) -> ReplyInvitation:
    """Record that a message to `person_id` asked them to reply here."""
    row = ReplyInvitation(
        person_id=person_id,
        escalation_id=escalation_id,
        pairing_id=pairing_id,
        invited_at=now,
        open_until=now + REPLY_OPEN_FOR,
    )
    session.add(row)
    session.flush()
    return row


def open_invitation(session: Session, person_id: int, now: datetime) -> ReplyInvitation | None:
    """The latest invitation of `person_id` still open at `now`."""
    return session.exec(
        select(ReplyInvitation)
        .where(ReplyInvitation.person_id == person_id, ReplyInvitation.open_until > now)
        .order_by(ReplyInvitation.invited_at.desc(), ReplyInvitation.id.desc())
    ).first()


def forget_invitations(session: Session, person_id: int) -> None:
    session.execute(delete(ReplyInvitation).where(ReplyInvitation.person_id == person_id))
