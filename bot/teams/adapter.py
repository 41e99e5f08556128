"""The Bot Framework CloudAdapter, authenticated by the SDK's own JWT validation."""

from __future__ import annotations

import logging

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botframework.connector.auth import AuthenticationConstants

from bot.settings import Settings
from bot.teams.connectors import ReusingBotFrameworkAuthentication

log = logging.getLogger(__name__)


def create_adapter(settings: Settings) -> CloudAdapter:
    adapter = CloudAdapter(ReusingBotFrameworkAuthentication(BotFrameworkConfig(settings)))

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


class BotFrameworkConfig:
    """The attribute-style configuration object botbuilder's authentication expects."""

    def __init__(self, settings: Settings) -> None:
        self.APP_ID = settings.app_id
        self.APP_PASSWORD = settings.app_password.get_secret_value()
        self.APP_TYPE = settings.app_type
        self.APP_TENANTID = settings.app_tenant_id
        if settings.openid_metadata_url:
            # Overriding one endpoint switches botbuilder to its "parameterized" mode, which
            # then needs every endpoint: keep the public cloud's for the others.
            self.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL = settings.openid_metadata_url
            self.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER = (
                AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER
            )
            self.TO_CHANNEL_FROM_BOT_LOGIN_URL = (
                AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL
            )
            self.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE = (
                AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE
            )
            self.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL = (
                AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL
            )
            self.OAUTH_URL = AuthenticationConstants.OAUTH_URL
