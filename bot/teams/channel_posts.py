"""Changing a message the bot posted earlier in a stored conversation (new messages go
through the outbox: `bot.outbox.dispatcher.enqueue_and_dispatch`)."""

from __future__ import annotations

import logging

from botbuilder.core import BotAdapter, TurnContext
from botbuilder.schema import Activity, ConversationReference

log = logging.getLogger(__name__)


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
