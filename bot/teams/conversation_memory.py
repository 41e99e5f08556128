"""Remembers who talked to the bot and where, for proactive messages later."""

from __future__ import annotations

from datetime import datetime

from botbuilder.core import TurnContext
from botbuilder.schema import Activity
from sqlmodel import Session

from bot.teams.activities import channel_conversation_id, sender_of, team_of, tenant_of
from store.conversations import upsert_conversation_ref
from store.models import ConversationRef
from store.people import upsert_person


def remember_activity(
    session: Session, activity: Activity, now: datetime
) -> ConversationRef | None:
    """Upsert the sender (with time zone) and the conversation reference of an activity."""
    if activity.conversation is None or not activity.service_url:
        return None
    sender = sender_of(activity)
    if sender.aad_object_id and activity.from_property and activity.from_property.role != "bot":
        upsert_person(
            session,
            sender.aad_object_id,
            now,
            tenant_id=sender.tenant_id,
            display_name=sender.name,
            time_zone=sender.time_zone,
            heard_at=now,
        )
    reference = TurnContext.get_conversation_reference(activity)
    conversation_type = activity.conversation.conversation_type or "personal"
    conversation_id = activity.conversation.id
    if conversation_type == "channel":
        conversation_id = channel_conversation_id(conversation_id)
        reference.conversation.id = conversation_id
    reference.activity_id = None
    return upsert_conversation_ref(
        session,
        conversation_id=conversation_id,
        conversation_type=conversation_type,
        service_url=activity.service_url,
        reference=reference.serialize(),
        now=now,
        aad_object_id=sender.aad_object_id if conversation_type == "personal" else None,
        tenant_id=tenant_of(activity),
        team_id=team_of(activity),
    )
