"""`POST /api/messages`: an activity from Teams, read and checked, authenticated by the SDK's
own JWT validation, refused for a tenant not allowed, handled once however often Teams
delivers it, its sender and conversation remembered in the same transaction as that claim,
then given to the handler."""

from __future__ import annotations

import logging

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity

from bot.context import AppContext
from bot.teams.activities import tenant_of
from bot.teams.conversation_memory import remember_activity
from bot.teams.handler import TeamsHandler
from bot.teams.inbound_request import Refused, read_activity, unanswered_invoke
from store.processed_activities import claim_activity, release_activity

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024


def _problem(status: int, reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=status)


class MessagesEndpoint:
    """`POST /api/messages` for the bot's `handler` through `adapter`."""

    def __init__(self, ctx: AppContext, adapter: CloudAdapter, handler: TeamsHandler) -> None:
        self.ctx = ctx
        self.adapter = adapter
        self.handler = handler

    async def handle(self, request: web.Request) -> web.Response:
        return await messages(request, self.ctx, self.adapter, self.handler)


async def messages(
    request: web.Request, ctx: AppContext, adapter: CloudAdapter, handler: TeamsHandler
) -> web.Response:
    try:
        activity = await read_activity(request, MAX_BODY_BYTES)
    except Refused as refused:
        return refused.response()

    auth_header = request.headers.get("Authorization", "")
    try:
        auth_result = await adapter.bot_framework_authentication.authenticate_request(
            activity, auth_header
        )
    except Exception as error:  # any failure of the SDK's validation is a refusal
        log.info("unauthenticated request refused: %s", type(error).__name__)
        return _problem(401, "request is not authenticated")

    tenant = tenant_of(activity)
    allowed = ctx.settings.allowed_tenants
    if allowed and tenant not in allowed:
        # Refused before the bot sees it: nothing about the sender is stored.
        log.warning(
            "activity from a tenant not allowed tenant=%s activity_id=%s", tenant, activity.id
        )
        return _problem(403, "this bot is not available to your organisation")

    unanswered = unanswered_invoke(activity)
    if unanswered is not None:
        return unanswered

    key = delivery_key(activity)
    # One transaction claims the delivery and remembers who wrote and where, reading the
    # sender's roles for the turn: on PostgreSQL each transaction is a pool checkout, a ping,
    # BEGIN and COMMIT, on every message.
    with ctx.session() as session:
        now = ctx.clock.now()
        first = key is None or claim_activity(session, *key, now)
        granted = remember_activity(session, activity, now) if first else frozenset()
    if not first:
        log.info("duplicate delivery ignored activity_id=%s", activity.id)
        return web.Response(status=200)

    async def turn(turn_context: TurnContext) -> None:
        await handler.on_remembered_turn(turn_context, granted)

    try:
        invoke_response = await adapter.process_activity(auth_result, activity, turn)
    except BaseException:
        if key is not None:  # let Teams' redelivery be handled
            with ctx.session() as session:
                release_activity(session, *key)
        raise
    if invoke_response:
        return web.json_response(invoke_response.body, status=invoke_response.status)
    return web.Response(status=200)


def delivery_key(activity: Activity) -> tuple[str, str] | None:
    """(conversation id, activity id): what identifies a delivery Teams may repeat."""
    conversation_id = activity.conversation.id if activity.conversation else None
    if conversation_id and activity.id:
        return conversation_id, activity.id
    return None
