"""One scheduler sweep: decide what is due at `now` and send it (or list it, dry run).

Rules that decide what is due are pure functions in `domain/`; a sweep collects their
decisions as `PlannedMessage`s. Each has an idempotency key so that no message is sent twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.context import AppContext

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlannedMessage:
    recipient: str
    kind: str
    key: str

    def line(self) -> str:
        return f"{self.recipient}\t{self.kind}\t{self.key}"


Planner = Callable[[AppContext, datetime], list[PlannedMessage]]

# Rule sets register here as they are built (nudges, check-ins, escalations, surveys).
PLANNERS: list[Planner] = []


@dataclass(frozen=True)
class SweepResult:
    at: datetime
    planned: list[PlannedMessage]
    sent: list[PlannedMessage]
    dry_run: bool

    def report(self) -> str:
        shown = self.planned if self.dry_run else self.sent
        verb = "would send" if self.dry_run else "sent"
        lines = [message.line() for message in shown]
        lines.append(f"sweep at {self.at.isoformat()}: {verb} {len(shown)} message(s)")
        return "\n".join(lines)


async def run_sweep(ctx: AppContext, now: datetime, *, dry_run: bool = False) -> SweepResult:
    planned: list[PlannedMessage] = []
    for planner in PLANNERS:
        planned.extend(planner(ctx, now))
    # Delivery goes through the outbox dispatcher; with no rule sets registered yet there is
    # nothing to hand over.
    sent: list[PlannedMessage] = []
    log.debug("sweep at=%s planned=%d dry_run=%s", now.isoformat(), len(planned), dry_run)
    return SweepResult(at=now, planned=planned, sent=sent, dry_run=dry_run)
