"""The Bot Framework CloudAdapter, authenticated by the SDK's own JWT validation."""

from __future__ import annotations

import logging

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter

from bot.settings import Settings
from bot.teams.connectors import ReusingBotFrameworkAuthentication

log = logging.getLogger(__name__)


def create_adapter(settings: Settings) -> CloudAdapter:
    adapter = CloudAdapter(ReusingBotFrameworkAuthentication(settings.bot_framework_config()))

    async def on_turn_error(turn_context: TurnContext, error: Exception) -> None:
        log.exception("turn failed activity_id=%s", turn_context.activity.id, exc_info=error)
        try:
            await turn_context.send_activity(
                "Sorry, something went wrong on my side. Nothing you told me has been lost; "
                "please try again in a moment."
            )
        except Exception:  # the connector may be what failed
            log.warning("could not tell the user about the failure")

    adapter.on_turn_error = on_turn_error
    return adapter
