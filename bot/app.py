"""The aiohttp application: `/api/messages`, health and readiness, the features' own routes,
shared files, and the scheduler's lifecycle."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from sqlalchemy.engine import Engine

from bot.assembly import assemble
from bot.context import AppContext
from bot.outbox.engine import Outbox
from bot.outbox.leadership import SchedulerLeadership
from bot.outbox.scheduler import create_scheduler
from bot.settings import Settings
from bot.teams import TeamsMessenger
from bot.teams.adapter import create_adapter
from bot.teams.endpoint import MAX_BODY_BYTES, MessagesEndpoint
from bot.teams.handler import TeamsHandler
from domain.clock import Clock, SystemClock
from store import migrate
from store.engine import ping
from store.shared_files import shared_file

log = logging.getLogger(__name__)

CTX = web.AppKey("ctx", AppContext)
ADAPTER = web.AppKey("adapter", object)
OUTBOX = web.AppKey("outbox", Outbox)
SCHEDULER = web.AppKey("scheduler", object)
LEADERSHIP = web.AppKey("leadership", SchedulerLeadership)


def _problem(status: int, reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=status)


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
        scheduler = create_scheduler(ctx, app[OUTBOX], leadership)
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
    adapter = create_adapter(settings)
    messenger = TeamsMessenger(adapter, settings.app_id)
    bot = assemble(ctx, messenger)
    handler = TeamsHandler(ctx, messenger, bot.registry, bot.router)
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[CTX] = ctx
    app[ADAPTER] = adapter
    app[OUTBOX] = bot.outbox
    app.router.add_post("/api/messages", MessagesEndpoint(ctx, adapter, handler).handle)
    app.router.add_routes(bot.registry.routes)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/files/{token}", shared_file_download)
    app.on_startup.append(_start_scheduler)
    app.on_cleanup.append(_stop_scheduler)
    return app
