"""The bot's outgoing side in Teams: sending a message into a stored conversation, and changing
a message the bot posted earlier (a card, to show who acted).

The outbox engine (`bot.outbox`) decides when and sends through `send`; features change cards
in place through `update`. Both take conversation references in their stored form (dicts).
"""

from __future__ import annotations

import logging
from datetime import datetime

from botbuilder.core import BotAdapter, TurnContext
from botbuilder.schema import ConversationReference

from bot.teams.activities import card_message
from bot.teams.proactive import SendOutcome, send_activity

log = logging.getLogger(__name__)


class TeamsMessenger:
    def __init__(self, adapter: BotAdapter, app_id: str) -> None:
        self.adapter = adapter
        self.app_id = app_id

    async def send(self, reference: dict, payload: dict, now: datetime) -> SendOutcome:
        """Send one stored message (`bot.teams.message_payload`); never raises for a delivery
        problem (see `bot.teams.proactive`)."""
        return await send_activity(self.adapter, self.app_id, reference, payload, now)

    async def update(self, reference: dict, activity_id: str, card: dict) -> None:
        """Replace the message `activity_id` in that conversation with `card`."""
        activity = card_message(card)

        async def callback(turn_context: TurnContext) -> None:
            activity.id = activity_id
            await turn_context.update_activity(activity)

        await self.adapter.continue_conversation(
            ConversationReference().deserialize(reference), callback, self.app_id or None
        )
