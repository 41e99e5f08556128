"""APScheduler wiring: the periodic sweep runs inside the bot's event loop, when this instance
leads (see `bot.outbox.leadership`)."""

from __future__ import annotations

import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from botbuilder.core import BotAdapter

from bot.context import AppContext
from bot.outbox.leadership import SchedulerLeadership
from bot.outbox.sweep import run_sweep

log = logging.getLogger(__name__)


def create_scheduler(
    ctx: AppContext,
    adapter: BotAdapter | None = None,
    leadership: SchedulerLeadership | None = None,
) -> AsyncIOScheduler:
    """The sweep job; it sends through `adapter` (the app's), else one built from settings.

    With `leadership`, each run first asks whether this instance leads; if not it skips the
    sweep and asks again at the next interval.
    """
    scheduler = AsyncIOScheduler(timezone="UTC")

    async def sweep_job() -> None:
        if leadership is not None and not leadership.try_lead():
            log.debug("sweep skipped: another instance leads")
            return
        try:
            await run_sweep(ctx, ctx.clock.now(), adapter=adapter)
        except Exception:
            log.exception("sweep failed; the next one will try again")

    scheduler.add_job(
        sweep_job,
        "interval",
        seconds=ctx.settings.sweep_interval_seconds,
        id="sweep",
        coalesce=True,
        max_instances=1,
        replace_existing=True,
    )
    return scheduler
