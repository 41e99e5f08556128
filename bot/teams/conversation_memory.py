"""Remembers who talked to the bot and where, for proactive messages later."""

from __future__ import annotations

from datetime import datetime

from botbuilder.core import TurnContext
from botbuilder.schema import Activity
from sqlmodel import Session

from bot.teams.activities import conversation_id_of, sender_of, team_of, tenant_of
from store.arrivals import read_arrival
from store.conversations import refresh_conversation
from store.people import refresh_person


def remembered_conversation_id(activity: Activity) -> str | None:
    """The id its conversation reference is stored under (a channel's, without the thread);
    None for an activity whose conversation cannot be remembered (no reply address)."""
    if activity.conversation is None or not activity.service_url:
        return None
    return conversation_id_of(activity)


def remember_activity(session: Session, activity: Activity, now: datetime) -> frozenset[str]:
    """Upsert the sender (with time zone) and the conversation reference of an activity; the
    roles the store grants the sender, read in the same statement as the rest."""
    conversation_id = remembered_conversation_id(activity)
    sender = sender_of(activity)
    stored = read_arrival(session, sender.aad_object_id, conversation_id)
    if conversation_id is None:
        return stored.granted
    if sender.aad_object_id and activity.from_property and activity.from_property.role != "bot":
        refresh_person(
            session,
            stored.person,
            sender.aad_object_id,
            now,
            tenant_id=sender.tenant_id,
            display_name=sender.name,
            time_zone=sender.time_zone,
            heard_at=now,
        )
    reference = TurnContext.get_conversation_reference(activity)
    conversation_type = activity.conversation.conversation_type or "personal"
    reference.conversation.id = conversation_id
    reference.activity_id = None
    refresh_conversation(
        session,
        stored.conversation,
        conversation_id=conversation_id,
        conversation_type=conversation_type,
        service_url=activity.service_url,
        reference=reference.serialize(),
        now=now,
        aad_object_id=sender.aad_object_id if conversation_type == "personal" else None,
        tenant_id=tenant_of(activity),
        team_id=team_of(activity),
    )
    return stored.granted
