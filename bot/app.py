"""The aiohttp application: `/api/messages`, health and readiness, scheduler lifecycle."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from botbuilder.schema import Activity
from sqlalchemy.engine import Engine

from bot.adapter import create_adapter
from bot.context import AppContext
from bot.handler import StepForwardBot
from bot.inbound_request import Refused, read_activity, unanswered_invoke
from bot.leadership import SchedulerLeadership
from bot.scheduler import create_scheduler
from bot.settings import Settings
from bot.teams import tenant_of
from domain.clock import Clock, SystemClock
from store import migrate
from store.db import ping
from store.processed_activities import claim_activity, release_activity
from store.shared_files import shared_file

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024

CTX = web.AppKey("ctx", AppContext)
ADAPTER = web.AppKey("adapter", object)
BOT = web.AppKey("bot", StepForwardBot)
SCHEDULER = web.AppKey("scheduler", object)
LEADERSHIP = web.AppKey("leadership", SchedulerLeadership)


def _problem(status: int, reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=status)


async def messages(request: web.Request) -> web.Response:
    try:
        activity = await read_activity(request, MAX_BODY_BYTES)
    except Refused as refused:
        return refused.response()

    adapter = request.app[ADAPTER]
    auth_header = request.headers.get("Authorization", "")
    try:
        auth_result = await adapter.bot_framework_authentication.authenticate_request(
            activity, auth_header
        )
    except Exception as error:  # any failure of the SDK's validation is a refusal
        log.info("unauthenticated request refused: %s", type(error).__name__)
        return _problem(401, "request is not authenticated")

    tenant = tenant_of(activity)
    allowed = request.app[CTX].settings.allowed_tenants
    if allowed and tenant not in allowed:
        # Refused before the bot sees it: nothing about the sender is stored.
        log.warning(
            "activity from a tenant not allowed tenant=%s activity_id=%s", tenant, activity.id
        )
        return _problem(403, "this bot is not available to your organisation")

    unanswered = unanswered_invoke(activity)
    if unanswered is not None:
        return unanswered

    ctx = request.app[CTX]
    key = _delivery_key(activity)
    if key is not None:
        with ctx.session() as session:
            first = claim_activity(session, *key, ctx.clock.now())
        if not first:
            log.info("duplicate delivery ignored activity_id=%s", activity.id)
            return web.Response(status=200)
    try:
        invoke_response = await adapter.process_activity(
            auth_result, activity, request.app[BOT].on_turn
        )
    except BaseException:
        if key is not None:  # let Teams' redelivery be handled
            with ctx.session() as session:
                release_activity(session, *key)
        raise
    if invoke_response:
        return web.json_response(invoke_response.body, status=invoke_response.status)
    return web.Response(status=200)


async def shared_file_download(request: web.Request) -> web.Response:
    """A chart or export behind its unguessable link: 404 unknown, 410 once expired."""
    ctx = request.app[CTX]
    with ctx.session() as session:
        row = shared_file(session, request.match_info["token"])
        if row is None:
            return _problem(404, "no such file")
        if row.expires_at <= ctx.clock.now():
            return _problem(410, "this link has expired; ask for the report again")
        headers = {"Cache-Control": "private, no-store"}
        if row.content_type != "image/png":
            headers["Content-Disposition"] = f'attachment; filename="{row.filename}"'
        return web.Response(body=row.body, content_type=row.content_type, headers=headers)


def _delivery_key(activity: Activity) -> tuple[str, str] | None:
    """(conversation id, activity id): what identifies a delivery Teams may repeat."""
    conversation_id = activity.conversation.id if activity.conversation else None
    if conversation_id and activity.id:
        return conversation_id, activity.id
    return None


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "alive"})


async def readyz(request: web.Request) -> web.Response:
    ctx = request.app[CTX]
    checks = {"database": "ok", "scheduler": "ok"}
    try:
        # In a thread: a database that does not answer must not stall the event loop.
        await asyncio.to_thread(ping, ctx.engine)
    except Exception:
        checks["database"] = "unreachable"
    scheduler = request.app.get(SCHEDULER)
    if ctx.settings.scheduler_enabled and not (scheduler and scheduler.running):
        checks["scheduler"] = "not running"
    ready = all(value == "ok" for value in checks.values())
    return web.json_response(
        {"status": "ready" if ready else "not ready", **checks}, status=200 if ready else 503
    )


async def _start_scheduler(app: web.Application) -> None:
    ctx = app[CTX]
    if ctx.settings.scheduler_enabled:
        leadership = SchedulerLeadership(ctx.engine)
        leadership.announce()
        app[LEADERSHIP] = leadership
        scheduler = create_scheduler(ctx, app[ADAPTER], leadership)
        scheduler.start()
        app[SCHEDULER] = scheduler


async def _stop_scheduler(app: web.Application) -> None:
    scheduler = app.get(SCHEDULER)
    if scheduler is not None and scheduler.running:
        scheduler.shutdown(wait=False)
        # AsyncIOScheduler performs the shutdown on the loop's next turn; let it happen.
        await asyncio.sleep(0)
    leadership = app.get(LEADERSHIP)
    if leadership is not None:
        leadership.release()


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    engine: Engine | None = None,
    run_migrations: bool = True,
) -> web.Application:
    """Build the bot's web application. Migrations run first unless told otherwise."""
    if run_migrations:
        migrate.upgrade(settings.database_url)
    ctx = AppContext(
        settings=settings,
        engine=engine or settings.create_engine(),
        clock=clock or SystemClock(),
    )
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[CTX] = ctx
    app[ADAPTER] = create_adapter(settings)
    app[BOT] = StepForwardBot(ctx)
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/files/{token}", shared_file_download)
    app.on_startup.append(_start_scheduler)
    app.on_cleanup.append(_stop_scheduler)
    return app
