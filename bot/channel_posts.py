"""Sending to a stored conversation outside the current turn (a channel, another person)."""

from __future__ import annotations

import logging

from botbuilder.core import BotAdapter, TurnContext
from botbuilder.schema import Activity, ConversationReference

log = logging.getLogger(__name__)


async def send_to_reference(
    adapter: BotAdapter, bot_app_id: str, reference: dict, activity: Activity
) -> str | None:
    """Send `activity` to the conversation of a stored reference; return the new activity id."""
    sent: list[str | None] = []

    async def callback(turn_context: TurnContext) -> None:
        response = await turn_context.send_activity(activity)
        sent.append(response.id if response else None)

    await adapter.continue_conversation(
        ConversationReference().deserialize(reference), callback, bot_app_id or None
    )
    return sent[0] if sent else None


async def update_in_reference(
    adapter: BotAdapter, bot_app_id: str, reference: dict, activity_id: str, activity: Activity
) -> None:
    """Replace a message the bot posted earlier (e.g. a card, to show who acted)."""

    async def callback(turn_context: TurnContext) -> None:
        activity.id = activity_id
        await turn_context.update_activity(activity)

    await adapter.continue_conversation(
        ConversationReference().deserialize(reference), callback, bot_app_id or None
    )
