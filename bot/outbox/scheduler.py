"""APScheduler wiring: the periodic sweep runs inside the bot's event loop, when this instance
leads (see `bot.outbox.leadership`)."""

from __future__ import annotations

import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.context import AppContext
from bot.outbox.engine import Outbox
from bot.outbox.leadership import SchedulerLeadership

log = logging.getLogger(__name__)


def create_scheduler(
    ctx: AppContext,
    outbox: Outbox,
    leadership: SchedulerLeadership | None = None,
) -> AsyncIOScheduler:
    """The sweep job: the app's outbox sweeps at every interval.

    With `leadership`, each run first asks whether this instance leads; if not it skips the
    sweep and asks again at the next interval.
    """
    scheduler = AsyncIOScheduler(timezone="UTC")

    async def sweep_job() -> None:
        if leadership is not None and not leadership.try_lead():
            log.debug("sweep skipped: another instance leads")
            return
        try:
            await outbox.sweep(ctx.clock.now())
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
