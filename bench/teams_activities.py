"""Builders of Teams-shaped activity JSON, as Teams posts it to /api/messages."""

from __future__ import annotations

import itertools
from typing import Any

TENANT_ID = "72f988bf-0000-0000-0000-000000000001"
BOT_ID = "28:bot-app-id"
BOT_NAME = "Step Forward"
TEAM_ID = "19:team-general@thread.tacv2"
CHANNEL_ID = "19:coordinators@thread.tacv2"

_ids = itertools.count(1)


def _base(service_url: str, user_aad: str, user_name: str, conversation: dict) -> dict[str, Any]:
    return {
        "id": f"activity-in-{next(_ids)}",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "timestamp": "2026-11-23T10:00:00.000Z",
        "from": {"id": f"29:{user_aad}", "name": user_name, "aadObjectId": user_aad},
        "recipient": {"id": BOT_ID, "name": BOT_NAME},
        "conversation": {"tenantId": TENANT_ID, **conversation},
        "channelData": {"tenant": {"id": TENANT_ID}},
        "locale": "en-GB",
    }


def personal_conversation(user_aad: str) -> dict:
    return {"id": f"a:personal-{user_aad}", "conversationType": "personal"}


def personal_message(
    service_url: str,
    user_aad: str,
    text: str,
    *,
    user_name: str = "Sam Taylor",
    local_timezone: str | None = "Europe/London",
    value: dict | None = None,
) -> dict:
    activity = _base(service_url, user_aad, user_name, personal_conversation(user_aad))
    activity.update({"type": "message", "text": text, "textFormat": "plain"})
    if local_timezone:
        activity["localTimezone"] = local_timezone
        activity["entities"] = [
            {"type": "clientInfo", "locale": "en-GB", "timezone": local_timezone}
        ]
    if value is not None:
        activity["value"] = value
    return activity


def card_submit(service_url: str, user_aad: str, value: dict, **kwargs: Any) -> dict:
    """An Action.Submit from a card in personal chat: no text, the data in `value`."""
    return personal_message(service_url, user_aad, "", value=value, **kwargs) | {"text": None}


def installation_update(service_url: str, user_aad: str, action: str = "add", **kw: Any) -> dict:
    activity = _base(
        service_url, user_aad, kw.get("user_name", "Sam Taylor"), personal_conversation(user_aad)
    )
    activity.update({"type": "installationUpdate", "action": action})
    return activity


def members_added(service_url: str, user_aad: str, member_ids: list[str]) -> dict:
    activity = _base(service_url, user_aad, "Sam Taylor", personal_conversation(user_aad))
    activity.update(
        {"type": "conversationUpdate", "membersAdded": [{"id": member} for member in member_ids]}
    )
    return activity


def channel_message(
    service_url: str,
    user_aad: str,
    text: str,
    *,
    user_name: str = "Chris Coordinator",
    channel_id: str = CHANNEL_ID,
    thread_id: str | None = "1700000000000",
) -> dict:
    """A message in a team channel that @mentions the bot, as Teams sends it."""
    conversation_id = f"{channel_id};messageid={thread_id}" if thread_id else channel_id
    activity = _base(
        service_url,
        user_aad,
        user_name,
        {"id": conversation_id, "conversationType": "channel", "isGroup": True},
    )
    mention = f"<at>{BOT_NAME}</at>"
    activity.update(
        {
            "type": "message",
            "text": f"{mention} {text}",
            "textFormat": "plain",
            "entities": [
                {"type": "mention", "text": mention, "mentioned": {"id": BOT_ID, "name": BOT_NAME}}
            ],
            "channelData": {
                "tenant": {"id": TENANT_ID},
                "team": {"id": TEAM_ID, "name": "Mentoring"},
                "channel": {"id": channel_id, "name": "Coordinators"},
            },
        }
    )
    return activity


def channel_card_submit(
    service_url: str,
    user_aad: str,
    value: dict,
    *,
    reply_to_id: str | None = None,
    user_name: str = "Chris Coordinator",
) -> dict:
    """An Action.Submit pressed on a card the bot posted in a channel."""
    activity = channel_message(service_url, user_aad, "", user_name=user_name)
    activity.update({"text": None, "entities": [], "value": value})
    if reply_to_id:
        activity["replyToId"] = reply_to_id
    return activity
