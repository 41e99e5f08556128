"""One scheduler sweep: decide what is due at `now`, write it to the outbox, send what is due.

Rules that decide what is due are pure functions in `domain/`; the planners features register
(`bot.features.Registry.planner`) turn their decisions into `PlannedMessage`s, each with an
idempotency key. The sweep
writes them to the outbox (an existing key is left as it is, so sweeping twice, or two sweeps
at once, decide each message once), holding each until the recipient's next allowed time, and
then hands the rows due at `now` to the dispatcher (see `bot.outbox.dispatcher` for the guarantees).
Planners over pairings look only at the pairings whose moment has come, and say when to look
at each again (`SweepPass`, `store.next_sweep`).
With `dry_run` nothing is written or sent: the result lists every message a real sweep at
`now` would send, and what it would hold or not deliver now, whatever their number.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.context import AppContext
from bot.outbox.dispatcher import (
    DEFAULT_BATCH,
    WORKER_ID,
    DispatchResult,
    StillWanted,
    Throttle,
    dispatch_due,
    held_back_by_limits,
    preview_due,
)
from bot.outbox.planned import (
    PLANNING_DRY_RUN,
    SWEEP_PASS,
    Bookings,
    PlannedMessage,
    SweepPass,
    enqueue_planned,
)
from bot.settings import Settings, health_settings_of, working_hours_of
from bot.teams import Outcome, TeamsMessenger
from domain.surveys import load_definitions
from store.escalations import record_next_looks
from store.next_sweep import due_for_sweep, record_next_sweep, rules_changed
from store.processed_activities import prune_processed

log = logging.getLogger(__name__)

__all__ = ["PlannedMessage", "Planner", "SweepResult", "plan", "run_sweep"]

Planner = Callable[[AppContext, datetime], list[PlannedMessage]]
# Runs before the planners and stores what they will read (see `bot.features.SweepStep`).
Step = Callable[[AppContext, datetime], Awaitable[None]]


@dataclass(frozen=True)
class SweepResult:
    at: datetime
    # What the planners decided at `at` (new or already in the outbox).
    planned: list[PlannedMessage]
    # Delivered by this sweep (empty on a dry run).
    sent: list[PlannedMessage]
    dry_run: bool
    # Dry run: what this sweep would send at `at` (new decisions and outbox rows now due).
    would_send: list[PlannedMessage] = field(default_factory=list)
    # New decisions held for a later allowed time (`not_before` set).
    held: list[PlannedMessage] = field(default_factory=list)
    # Every row the dispatcher handled, whatever became of it (dry run: the rows due that it
    # would not send now, and why).
    dispatched: list[DispatchResult] = field(default_factory=list)

    def report(self) -> str:
        shown = self.would_send if self.dry_run else self.sent
        verb = "would send" if self.dry_run else "sent"
        lines = [message.line() for message in shown]
        lines += [f"{m.line()}\theld until {m.not_before.isoformat()}" for m in self.held]
        problems = [r for r in self.dispatched if r.outcome != "sent"]
        lines += [
            f"{r.message.line()}\t{r.outcome} {r.at.isoformat()}"
            + (f" ({r.error})" if r.error else "")
            for r in problems
        ]
        summary = f"sweep at {self.at.isoformat()}: {verb} {len(shown)} message(s)"
        if self.held:
            summary += f"; {len(self.held)} held for an allowed time"
        if problems:
            not_delivered = "would not be delivered" if self.dry_run else "not delivered"
            summary += f"; {len(problems)} {not_delivered} now"
        lines.append(summary)
        return "\n".join(lines)


# Bump when a rule in domain/ or a planner changes what it decides or when, so that every
# stored moment is worked out again by the next sweep.
RULES_VERSION = 3


def rules_fingerprint(settings: Settings) -> str:
    """What the stored moments depend on besides the facts: the rules' version, the settings
    they read and the survey definitions."""
    rules = (
        RULES_VERSION,
        settings.no_session_days,
        settings.escalation_working_days,
        health_settings_of(settings),
        settings.default_time_zone,
        working_hours_of(settings),
        sorted(load_definitions(settings.surveys_dir).items()),
    )
    return hashlib.sha256(repr(rules).encode()).hexdigest()


def plan(
    ctx: AppContext, planners: Sequence[Planner], now: datetime, dry_run: bool = False
) -> tuple[list[PlannedMessage], SweepPass]:
    """What the planners decide at `now`, over the pairings whose moment has come (all of
    them when the rules have changed since the moments were stored)."""
    with ctx.session() as session:
        changed = rules_changed(session, rules_fingerprint(ctx.settings), now)
        pass_ = SweepPass(due_for_sweep(session, now), everything=changed)
        if dry_run:
            session.rollback()
    planned: list[PlannedMessage] = []
    dry_token, pass_token = PLANNING_DRY_RUN.set(dry_run), SWEEP_PASS.set(pass_)
    try:
        for planner in planners:
            planned.extend(planner(ctx, now))
    finally:
        SWEEP_PASS.reset(pass_token)
        PLANNING_DRY_RUN.reset(dry_token)
    return planned, pass_


def record_pass(ctx: AppContext, pass_: SweepPass) -> None:
    """When to look again at what a sweep looked at. Only once what it decided is in the
    outbox: a sweep that fails before this looks at the same pairings again."""
    # Two transactions: a sweep never holds pairing rows while it waits for an escalation row
    # (a handler resolving an escalation locks it, then the pairing's moment).
    with ctx.session() as session:
        record_next_sweep(session, pass_.versions, pass_.next_at)
    with ctx.session() as session:
        record_next_looks(session, pass_.escalations_next_at)


def _enqueue(ctx: AppContext, session: Session, planned: list[PlannedMessage], now: datetime):
    """Write what the planners decided to the outbox; return the new messages held for a later
    allowed time."""
    prune_processed(session, now - timedelta(hours=ctx.settings.processed_activity_hours))
    held: list[PlannedMessage] = []
    bookings: Bookings = {}
    for message in planned:
        if message.payload is None:
            log.warning("planned message without payload skipped kind=%s", message.kind)
            continue
        row, created, scheduled = enqueue_planned(session, ctx.settings, message, now, bookings)
        if created and row.next_attempt_at > now:
            held.append(scheduled)
    return held


def _dry_run(
    ctx: AppContext,
    now: datetime,
    planned: list[PlannedMessage],
    still_wanted: Mapping[str, StillWanted],
) -> SweepResult:
    """The real sweep's writes and its dispatcher's decisions over every row due, in one
    transaction that is rolled back: what it lists is what a sweep at `now` would send,
    however many batches that takes (see `preview_due` for what no dry run can know)."""
    with ctx.session() as session:
        held = _enqueue(ctx, session, planned, now)
        session.flush()
        previewed = preview_due(ctx, session, now, still_wanted)
        session.rollback()  # a dry run writes nothing
    would_send = [r.message for r in previewed if r.outcome == Outcome.SENT]
    not_now = [r for r in previewed if r.outcome != Outcome.SENT]
    return SweepResult(
        at=now,
        planned=planned,
        sent=[],
        dry_run=True,
        would_send=would_send,
        held=held,
        dispatched=not_now,
    )


async def run_sweep(
    ctx: AppContext,
    now: datetime,
    *,
    planners: Sequence[Planner],
    still_wanted: Mapping[str, StillWanted],
    messenger: TeamsMessenger | None,
    dry_run: bool = False,
    worker_id: str = WORKER_ID,
    steps: Sequence[Step] = (),
) -> SweepResult:
    """Run the steps, then plan, enqueue and dispatch at `now` (a dry run runs no step and
    needs no `messenger`). A step that fails is logged; the sweep goes on without it."""
    if not dry_run:
        for step in steps:
            try:
                await step(ctx, now)
            except Exception:
                log.exception("sweep step %s failed", getattr(step, "__qualname__", step))
    planned, pass_ = plan(ctx, planners, now, dry_run)
    if dry_run:
        result = _dry_run(ctx, now, planned, still_wanted)
        log.debug("sweep at=%s dry run would_send=%d", now.isoformat(), len(result.would_send))
        return result

    with ctx.session() as session:
        held = _enqueue(ctx, session, planned, now)
    record_pass(ctx, pass_)
    if messenger is None:
        raise ValueError("a sweep that sends needs a messenger")
    dispatched = await _dispatch_everything_due(ctx, messenger, now, worker_id, still_wanted)
    sent = [result.message for result in dispatched if result.outcome == "sent"]
    log.debug(
        "sweep at=%s planned=%d held=%d sent=%d",
        now.isoformat(),
        len(planned),
        len(held),
        len(sent),
    )
    return SweepResult(
        at=now, planned=planned, sent=sent, dry_run=False, held=held, dispatched=dispatched
    )


# Batches claimed and sending at once: while one sends its last rows, the next is claimed and
# queued for the process's send slots, so sending never pauses between batches.
BATCHES_AHEAD = 2


async def _dispatch_everything_due(
    ctx: AppContext,
    messenger: TeamsMessenger,
    now: datetime,
    worker_id: str,
    still_wanted: Mapping[str, StillWanted] | None,
) -> list[DispatchResult]:
    """Dispatch batch after batch until a batch is short, or Teams' limits hold the bot back
    (the rest then waits for a later sweep); results in claim order.

    Every row a batch handles leaves the rows due at `now` (sent, ended, or moved to a later
    time), so a full batch may leave more due.
    """
    running: deque[asyncio.Task[list[DispatchResult]]] = deque()
    throttle = Throttle()
    dispatched: list[DispatchResult] = []
    more = True
    try:
        while True:
            while more and len(running) < BATCHES_AHEAD:
                running.append(
                    asyncio.create_task(
                        dispatch_due(
                            ctx,
                            messenger,
                            now,
                            worker_id,
                            limit=DEFAULT_BATCH,
                            still_wanted=still_wanted,
                            throttle=throttle,
                        )
                    )
                )
            if not running:
                return dispatched
            batch = await running[0]
            running.popleft()
            dispatched += batch
            if len(batch) < DEFAULT_BATCH or any(held_back_by_limits(r) for r in batch):
                more = False
    except asyncio.CancelledError:
        for task in running:
            task.cancel()
        raise
    except Exception:
        # Let the other batch finish: cancelling it mid-send could leave a message Teams took
        # unrecorded, to be sent again.
        await asyncio.gather(*running, return_exceptions=True)
        raise
