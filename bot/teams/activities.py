"""Reading Teams-specific facts off an incoming activity, and the message that carries a card."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.schema import Activity

from bot.commands import PERSONAL, TEAM

THREAD_SUFFIX = ";messageid="


@dataclass(frozen=True)
class Sender:
    aad_object_id: str | None
    name: str | None
    tenant_id: str | None
    time_zone: str | None


def sender_of(activity: Activity) -> Sender:
    sender = activity.from_property
    aad = getattr(sender, "aad_object_id", None) if sender else None
    return Sender(
        aad_object_id=aad or (sender.id if sender else None),
        name=sender.name if sender else None,
        tenant_id=tenant_of(activity),
        time_zone=time_zone_of(activity),
    )


def tenant_of(activity: Activity) -> str | None:
    channel_data = activity.channel_data or {}
    tenant = channel_data.get("tenant") if isinstance(channel_data, dict) else None
    if isinstance(tenant, dict) and tenant.get("id"):
        return tenant["id"]
    conversation = activity.conversation
    return getattr(conversation, "tenant_id", None) if conversation else None


def team_of(activity: Activity) -> str | None:
    channel_data = activity.channel_data or {}
    team = channel_data.get("team") if isinstance(channel_data, dict) else None
    return team.get("id") if isinstance(team, dict) else None


def time_zone_of(activity: Activity) -> str | None:
    """The IANA zone Teams reports (`localTimezone`, or the clientInfo entity), if valid."""
    candidates = [getattr(activity, "local_timezone", None)]
    for entity in activity.entities or []:
        props = entity.additional_properties or {}
        if getattr(entity, "type", None) == "clientInfo":
            candidates.append(props.get("timezone"))
    for candidate in candidates:
        if candidate and isinstance(candidate, str):
            try:
                ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long
                continue
            return candidate
    return None


def channel_conversation_id(conversation_id: str) -> str:
    """A channel reply carries `;messageid=` (the thread); proactive posts go to the channel."""
    return conversation_id.split(THREAD_SUFFIX, 1)[0]


def conversation_id_of(activity: Activity) -> str | None:
    """The conversation an activity came from; for a channel, the channel itself."""
    conversation = activity.conversation
    if conversation is None or not conversation.id:
        return None
    if conversation.conversation_type == "channel":
        return channel_conversation_id(conversation.id)
    return conversation.id


def scope_of(activity: Activity) -> str:
    conversation_type = getattr(activity.conversation, "conversation_type", None)
    return PERSONAL if conversation_type in (None, "personal") else TEAM


def command_text(activity: Activity) -> str:
    """The message text with the bot's own @mention removed (channels always carry one)."""
    if activity.text is None:
        return ""
    TurnContext.remove_recipient_mention(activity)
    text = activity.text or ""
    # Some clients keep a bare "<at>Bot</at>" when the mention entity is missing.
    while "<at>" in text and "</at>" in text:
        start, end = text.index("<at>"), text.index("</at>") + len("</at>")
        text = text[:start] + text[end:]
    return text.strip()


def card_message(card: dict) -> Activity:
    """A message carrying one Adaptive Card (a filled template)."""
    return MessageFactory.attachment(CardFactory.adaptive_card(card))
