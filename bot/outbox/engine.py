"""The outbox engine as the running bot holds it: the sweep with the features' planners, and
sending through the outbox with their "still wanted?" checks.

`Outbox.sweep` decides what is due and sends it (`bot.outbox.sweep`); `Outbox.send_now` is how
a feature sends a message at once with the same guarantees (`bot.outbox.dispatcher`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from bot.context import AppContext
from bot.events import SweepFinished
from bot.outbox.dispatcher import (
    DEFAULT_BATCH,
    WORKER_ID,
    DispatchResult,
    StillWanted,
    dispatch_due,
    enqueue_and_dispatch,
)
from bot.outbox.planned import PlannedMessage
from bot.outbox.sweep import Planner, SweepResult, run_sweep
from bot.teams import TeamsMessenger

if TYPE_CHECKING:
    from bot.features import Events


class OutboxRules(Protocol):
    """What features registered for the engine (`bot.features.Registry` is one)."""

    planners: Sequence[Planner]
    sweep_steps: Sequence[Callable[[AppContext, datetime], Awaitable[None]]]
    still_wanted: Mapping[str, StillWanted]
    # Told when a sweep has finished (`SweepFinished`), for work a planner cannot do.
    events: Events


class Outbox:
    def __init__(
        self, ctx: AppContext, messenger: TeamsMessenger | None, rules: OutboxRules
    ) -> None:
        self.ctx = ctx
        self.messenger = messenger
        self.rules = rules

    @property
    def planners(self) -> Sequence[Planner]:
        return self.rules.planners

    async def sweep(
        self, now: datetime, *, dry_run: bool = False, worker_id: str = WORKER_ID
    ) -> SweepResult:
        result = await run_sweep(
            self.ctx,
            now,
            planners=self.planners,
            steps=self.rules.sweep_steps,
            still_wanted=self.rules.still_wanted,
            messenger=self.messenger,
            dry_run=dry_run,
            worker_id=worker_id,
        )
        if not dry_run:
            await self.rules.events.publish(SweepFinished(now))
        return result

    async def dispatch_due(
        self,
        now: datetime,
        worker_id: str = WORKER_ID,
        *,
        limit: int = DEFAULT_BATCH,
        lease: timedelta | None = None,
        ids: Iterable[int] | None = None,
    ) -> list[DispatchResult]:
        return await dispatch_due(
            self.ctx,
            self._messenger(),
            now,
            worker_id,
            limit=limit,
            lease=lease,
            ids=ids,
            still_wanted=self.rules.still_wanted,
        )

    async def send_now(
        self, message: PlannedMessage, *, worker_id: str = WORKER_ID
    ) -> DispatchResult | None:
        """Write `message` under its key and send it now if it may go (else a sweep does)."""
        return await enqueue_and_dispatch(
            self.ctx,
            self._messenger(),
            message,
            worker_id=worker_id,
            still_wanted=self.rules.still_wanted,
        )

    def _messenger(self) -> TeamsMessenger:
        if self.messenger is None:
            raise ValueError("this outbox has no messenger: it can only plan")
        return self.messenger
