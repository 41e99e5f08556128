"""Conversation references: where proactive messages to people and channels go."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, select

from store.db import chunked, refresh
from store.models import ConversationRef


def upsert_conversation_ref(
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
) -> ConversationRef:
    row = session.exec(
        select(ConversationRef).where(ConversationRef.conversation_id == conversation_id)
    ).first()
    if row is None:
        row = ConversationRef(conversation_id=conversation_id, updated_at=now)
    refresh(
        session,
        row,
        now,
        conversation_type=conversation_type,
        service_url=service_url,
        reference=reference,
        aad_object_id=aad_object_id if conversation_type == "personal" else row.aad_object_id,
        tenant_id=tenant_id or row.tenant_id,
        team_id=team_id or row.team_id,
    )
    return row


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
