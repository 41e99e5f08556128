"""Conversation references: where proactive messages to people and channels go."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import bindparam, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, select

from store.db import chunked, refresh_row
from store.models import ConversationRef

_TABLE = ConversationRef.__table__
# Run on every message, built once (SQLAlchemy then finds it compiled without working out its
# cache key again).
_BY_CONVERSATION_ID = sa_select(_TABLE).where(
    _TABLE.c.conversation_id == bindparam("conversation_id")
)


def remember_conversation(
    session: Session,
    *,
    conversation_id: str,
    conversation_type: str,
    service_url: str,
    reference: dict,
    now: datetime,
    aad_object_id: str | None = None,
    tenant_id: str | None = None,
    team_id: str | None = None,
) -> None:
    """Create or refresh a conversation reference (`refresh_conversation`, after reading it)."""
    current = (
        session.connection()
        .execute(_BY_CONVERSATION_ID, {"conversation_id": conversation_id})
        .mappings()
        .first()
    )
    refresh_conversation(
        session,
        current,
        conversation_id=conversation_id,
        conversation_type=conversation_type,
        service_url=service_url,
        reference=reference,
        now=now,
        aad_object_id=aad_object_id,
        tenant_id=tenant_id,
        team_id=team_id,
    )


def refresh_conversation(
    session: Session,
    current: Mapping | None,
    *,
    conversation_id: str,
    conversation_type: str,
    service_url: str,
    reference: dict,
    now: datetime,
    aad_object_id: str | None = None,
    tenant_id: str | None = None,
    team_id: str | None = None,
) -> None:
    """Create or refresh a conversation reference, given its row as just read (`current`,
    None if there is none), with Core statements (this runs on every message): a write only
    when something changed."""
    old = current or {}
    values = {
        "conversation_type": conversation_type,
        "service_url": service_url,
        "reference": reference,
        "aad_object_id": (
            aad_object_id if conversation_type == "personal" else old.get("aad_object_id")
        ),
        "tenant_id": tenant_id or old.get("tenant_id"),
        "team_id": team_id or old.get("team_id"),
    }
    refresh_row(session, _TABLE, {"conversation_id": conversation_id}, current, now, values)


def upsert_conversation_ref(session: Session, **fields) -> ConversationRef:
    """`remember_conversation`, and the reference as stored."""
    session.flush()  # what this session changed about it is written before it is read
    remember_conversation(session, **fields)
    return session.exec(
        select(ConversationRef)
        .where(ConversationRef.conversation_id == fields["conversation_id"])
        .execution_options(populate_existing=True)
    ).one()


def mark_welcomed(session: Session, conversation_id: str, now: datetime) -> bool:
    """True once per conversation: the first caller is to welcome it (until `forget_welcome`)."""
    result = session.connection().execute(
        update(_TABLE)
        .where(_TABLE.c.conversation_id == conversation_id, _TABLE.c.welcomed_at.is_(None))
        .values(welcomed_at=now)
    )
    return result.rowcount == 1


def forget_welcome(session: Session, conversation_id: str) -> None:
    """The bot was removed here: a new installation is welcomed again."""
    session.connection().execute(
        update(_TABLE).where(_TABLE.c.conversation_id == conversation_id).values(welcomed_at=None)
    )


def personal_ref(session: Session, aad_object_id: str) -> ConversationRef | None:
    """The most recently used personal chat with this person."""
    return session.exec(
        select(ConversationRef)
        .where(
            ConversationRef.aad_object_id == aad_object_id,
            ConversationRef.conversation_type == "personal",
        )
        .order_by(ConversationRef.updated_at.desc())
    ).first()


def ref_by_conversation(session: Session, conversation_id: str) -> ConversationRef | None:
    return session.exec(
        select(ConversationRef).where(ConversationRef.conversation_id == conversation_id)
    ).first()


def channel_refs(session: Session) -> list[ConversationRef]:
    """Every channel the bot can post in (it was installed in the team, or @mentioned there)."""
    return list(
        session.exec(
            select(ConversationRef)
            .where(ConversationRef.conversation_type == "channel")
            .order_by(ConversationRef.id)
        )
    )


def with_personal_chat(session: Session, aad_object_ids: Sequence[str]) -> set[str]:
    """Which of these people the bot has a personal chat with (read in chunks)."""
    found: set[str] = set()
    for chunk in chunked(list(aad_object_ids)):
        found.update(
            session.exec(
                select(ConversationRef.aad_object_id).where(
                    ConversationRef.conversation_type == "personal",
                    ConversationRef.aad_object_id.in_(chunk),
                )
            )
        )
    return found
