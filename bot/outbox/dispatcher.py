"""The dispatcher: claims due outbox rows, sends them, and records each outcome on its row.

Guarantees
- A row is claimed before it is sent: a compare-and-set UPDATE (PostgreSQL: after a
  `FOR UPDATE SKIP LOCKED` read) gives it to one worker until `now + lease`, committed before
  the send, and renewed in its own commit right before the send: a row that waited past its
  lease (behind a slow send to the same person, for a slot) and was claimed by another
  sender meanwhile is left to that sender. Two dispatchers at once (two sweeps, two
  instances) never both start sending one row, unless a send itself outlasts the lease.
- As soon as Teams answers, the outcome is written on the row in one short transaction, before
  anything else (the pacer's bookkeeping comes after). The at-least-once windows are a
  process killed between Teams accepting a message and that commit, and a send Teams leaves
  unanswered for longer than the lease: the claim then expires (`outbox_lease_seconds`) and
  another sender sends it again. Only sends in flight can be in those windows, so a kill
  duplicates at most `dispatch_concurrency` messages (8 by default) of the killed instance
  (0 to 5 per kill in the fan-out bench, bench/README.md). Teams takes no
  idempotency key and cannot be asked what it received, so the windows can be made short,
  not closed. Everything else (a restart after the decision, a crash while holding a claim,
  a retry) sends a message exactly once.
- Retries are not loops: a retryable failure moves the row's `next_attempt_at` (Retry-After
  for 429, else exponential backoff with jitter) and a later sweep picks it up, across
  restarts. After `outbox_max_attempts` sends the row is `failed`.
- Sends are paced under Teams' rate limits (`bot.outbox.pacing`, one pacer per process; on
  PostgreSQL the app-wide limit is one budget every instance draws from,
  `bot.outbox.shared_pace`): a send waits for its slot, or, if that would take longer than
  `pacing_max_wait_seconds`, its row is released until then (not an attempt). Conversations
  are sent to concurrently.
- 403/404 "bot removed or blocked" marks the row `unreachable` and the person's
  `unreachable_since`; their later messages are not attempted (marked unreachable at once)
  until they talk to the bot again.
- Whether the message is still wanted is checked at send time: a feature may register a check
  for its kinds (`Registry.still_wanted_check`), e.g. a survey reminder whose survey was
  answered, or whose round has closed, after it was queued; a row no longer wanted is marked
  `cancelled`, not sent.
- Etiquette is checked again at send time, with the recipient's current time zone: a row
  that waits for working hours and finds itself outside them (a missed window, a retry that
  slipped past 17:00) moves to the next allowed time, and a routine nudge that finds another
  routine nudge already sent to that person today moves to the next working day. Two
  dispatchers sending two *different* routine nudges to one person at the same instant could
  still both pass that check; the sweep books one routine nudge per person per day up front,
  so this needs two rules deciding for the same day in two concurrent sweeps.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.context import AppContext
from bot.outbox.backoff import backoff_delay
from bot.outbox.planned import PlannedMessage, enqueue_planned, time_zone_of
from bot.settings import Settings, working_hours_of
from bot.teams import Outcome, SendOutcome, TeamsMessenger
from domain.nudge_policy import Delivery, Urgency, delivery_time
from domain.working_hours import local_day_bounds
from store.conversations import personal_ref, ref_by_conversation
from store.models import Person
from store.moments import NEVER, facts_changed
from store.outbox import (
    OutboxMessage,
    OutboxStatus,
    claim_due,
    due,
    mark_cancelled,
    mark_failed,
    mark_sent,
    mark_unreachable,
    renew_claim,
    reschedule,
    routine_times_from,
)
from store.people import get_person
from store.people import mark_unreachable as mark_person_unreachable

log = logging.getLogger(__name__)

DEFAULT_BATCH = 100
# One id per process: claims show which instance holds a row.
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

DEFERRED = "deferred"  # not attempted now (working hours, daily cap, pacing, throttled batch)
CANCELLED = "cancelled"  # never to be sent: the rule no longer wants it

# Is this message still wanted at `now`? (False: cancel it.) Registered by features per outbox
# kind; kinds without a check are always sent.
StillWanted = Callable[[AppContext, Session, OutboxMessage, datetime], bool]


@dataclass(frozen=True)
class DispatchResult:
    message_id: int
    key: str
    recipient: str
    kind: str
    # "sent", "retry", "failed", "unreachable" (see bot.teams.proactive.Outcome), "deferred" or
    # "cancelled".
    outcome: str
    # When it was sent, when it will be tried next, or when it ended.
    at: datetime
    status: int | None = None
    error: str | None = None

    @property
    def message(self) -> PlannedMessage:
        return PlannedMessage(self.recipient, self.kind, self.key)


PACED = "paced under the Teams rate limits"
CLAIM_LOST = "claimed by another sender while it waited"
THROTTLED = "throttled"


@dataclass
class Throttle:
    """Until when Teams asked this bot to stop sending (a 429's Retry-After), if it did."""

    until: datetime | None = None


def held_back_by_limits(result: DispatchResult) -> bool:
    """Not sent because of Teams' rate limits: a 429, or no send slot in time (pacing)."""
    if result.outcome == Outcome.RETRY:
        return result.status == 429
    return result.outcome == DEFERRED and result.error in (PACED, THROTTLED)


def _result(row: OutboxMessage, outcome: str, at: datetime, **extra) -> DispatchResult:
    return DispatchResult(
        row.id, row.idempotency_key, row.recipient, row.kind, outcome, at, **extra
    )


async def dispatch_due(
    ctx: AppContext,
    messenger: TeamsMessenger,
    now: datetime,
    worker_id: str = WORKER_ID,
    *,
    limit: int = DEFAULT_BATCH,
    lease: timedelta | None = None,
    ids: Iterable[int] | None = None,
    still_wanted: Mapping[str, StillWanted] | None = None,
    throttle: Throttle | None = None,
) -> list[DispatchResult]:
    """Claim up to `limit` rows due at `now` (optionally only `ids`), send them, record outcomes.

    Conversations are sent to concurrently, within the process's `ctx.send_slots` (shared
    with every other dispatch running), each recipient's rows in order; every send
    waits for its slot in `ctx.pacer` (see `bot.outbox.pacing`). After a 429 no further row of the
    batch is attempted: they are released until the connector's Retry-After, so a throttled
    bot backs off as a whole instead of hammering row by row (dispatches running together pass
    one `throttle` to back off together). Results come in claim order.
    """
    lease = lease or timedelta(seconds=ctx.settings.outbox_lease_seconds)
    with ctx.session() as session:
        claimed = claim_due(session, now, limit, worker_id, lease, ids=ids)
    by_conversation: dict[str, list[OutboxMessage]] = {}
    for row in claimed:
        by_conversation.setdefault(row.recipient, []).append(row)
    throttle = throttle or Throttle()
    claim = Claim(worker_id, lease)
    results: dict[int, DispatchResult] = {}

    async def send_in_order(recipient: str, rows: list[OutboxMessage]) -> None:
        async with ctx.send_slots.in_order(recipient), ctx.send_slots.slot():
            for row in rows:
                if throttle.until is not None:
                    with ctx.session() as session:
                        reschedule(session, row, throttle.until, None, now=now, attempted=False)
                    results[row.id] = _result(row, DEFERRED, throttle.until, error=THROTTLED)
                    continue
                result = await _dispatch_one(ctx, messenger, row, now, still_wanted or {}, claim)
                if result.outcome == Outcome.RETRY and result.status == 429:
                    throttle.until = max(result.at, throttle.until or result.at)
                results[row.id] = result

    await asyncio.gather(*(send_in_order(key, rows) for key, rows in by_conversation.items()))
    ordered = [results[row.id] for row in claimed]
    if ordered:
        log.info(
            "dispatch worker=%s claimed=%d outcomes=%s",
            worker_id,
            len(ordered),
            ",".join(sorted({r.outcome for r in ordered})),
        )
    return ordered


@dataclass(frozen=True)
class SendDecision:
    """What the dispatcher makes of a due row at `now`, before anything is sent.

    `outcome` None: send it now, to `reference`. Otherwise the row is not attempted now:
    `CANCELLED`, `Outcome.UNREACHABLE` or `DEFERRED` until `at`, for `error`.
    """

    outcome: str | None
    at: datetime
    tz: str
    error: str | None = None
    reference: dict | None = None
    # No conversation reference: the person is marked unreachable too.
    person_unreachable: bool = False


def decide(
    ctx: AppContext,
    session: Session,
    row: OutboxMessage,
    now: datetime,
    still_wanted: Mapping[str, StillWanted],
    *,
    routine_sent: Iterable[datetime] = (),
) -> SendDecision:
    """Whether `row` goes now: still wanted, recipient reachable, the nudge policy with the
    facts as they are now, a conversation reference. Reads only; `record_decision` writes.

    `routine_sent`: routine messages to this recipient that count as sent today although
    the database does not hold them yet (a dry run's earlier "would send").
    """
    settings = ctx.settings
    aad = row.recipient_aad_object_id
    wanted = still_wanted.get(row.kind)
    if wanted is not None and not wanted(ctx, session, row, now):
        return SendDecision(CANCELLED, now, "", error="no longer wanted")
    person = get_person(session, aad) if aad else None
    tz = time_zone_of(person, settings)
    if person is not None and person.unreachable_since is not None:
        return SendDecision(Outcome.UNREACHABLE, now, tz, error="recipient unreachable")
    delivery = _may_go(session, settings, row, person, tz, now, list(routine_sent))
    if not delivery.now:
        return SendDecision(DEFERRED, delivery.at, tz, error=delivery.reason)
    ref = personal_ref(session, aad) if aad else ref_by_conversation(session, row.recipient)
    if ref is None:
        return SendDecision(
            Outcome.UNREACHABLE,
            now,
            tz,
            error="no conversation reference",
            person_unreachable=aad is not None,
        )
    return SendDecision(None, now, tz, reference=dict(ref.reference))


def record_decision(
    session: Session, row: OutboxMessage, decision: SendDecision, now: datetime
) -> DispatchResult:
    """Write a decision not to send now on the row (none of these is an attempt)."""
    if decision.outcome == CANCELLED:
        mark_cancelled(session, row, decision.error or "no longer wanted", now=now)
        log.info("message cancelled message_id=%s kind=%s", row.id, row.kind)
    elif decision.outcome == Outcome.UNREACHABLE:
        mark_unreachable(session, row, decision.error or "unreachable", now=now, attempted=False)
        if decision.person_unreachable and row.recipient_aad_object_id:
            mark_person_unreachable(session, row.recipient_aad_object_id, now)
    else:
        reschedule(session, row, decision.at, None, now=now, attempted=False)
    return _result(row, decision.outcome, decision.at, error=decision.error)


def preview_due(
    ctx: AppContext,
    session: Session,
    now: datetime,
    still_wanted: Mapping[str, StillWanted],
) -> list[DispatchResult]:
    """What dispatching every row due at `now` would do, in the order a sweep claims them,
    writing nothing: outcome "sent" for each row that would be sent, else the decision.

    Exact for everything decided before a send; it assumes what no dry run can know: that
    Teams accepts every message (no 429, no bot removed) and the pacer grants each send
    within `pacing_max_wait_seconds`.
    """
    would_send_routine: dict[str, list[datetime]] = {}
    results: list[DispatchResult] = []
    for row in due(session, now, limit=None):
        aad = row.recipient_aad_object_id
        earlier = would_send_routine.setdefault(aad, []) if aad else []
        decision = decide(ctx, session, row, now, still_wanted, routine_sent=earlier)
        if decision.outcome is None:
            if row.routine and aad:
                earlier.append(now)
            results.append(_result(row, Outcome.SENT, now))
        else:
            results.append(_result(row, decision.outcome, decision.at, error=decision.error))
    return results


@dataclass(frozen=True)
class Claim:
    """Who holds the rows of a dispatch, and for how long a claim lasts."""

    worker_id: str
    lease: timedelta


async def _dispatch_one(
    ctx: AppContext,
    messenger: TeamsMessenger,
    row: OutboxMessage,
    now: datetime,
    still_wanted: Mapping[str, StillWanted],
    claim: Claim,
) -> DispatchResult:
    settings = ctx.settings
    with ctx.session() as session:
        decision = decide(ctx, session, row, now, still_wanted)
        if decision.outcome is not None:
            return record_decision(session, row, decision, now)
    reference, tz = decision.reference or {}, decision.tz

    # No transaction is open while Teams is being called (nor while waiting for a slot).
    conversation_id = (reference.get("conversation") or {}).get("id") or row.recipient
    wait = await ctx.pacer.acquire(conversation_id, settings.pacing_max_wait_seconds)
    if wait:
        at = now + timedelta(seconds=wait)
        with ctx.session() as session:
            reschedule(session, row, at, None, now=now, attempted=False)
        return _result(row, DEFERRED, at, error=PACED)
    try:
        # The claim is renewed last thing before the send: a row that waited longer than the
        # lease (for its turn, a slot, a slow send before it) may have been claimed by another
        # sender meanwhile, which sends it instead.
        with ctx.session() as session:
            renewed_at = max(now, ctx.clock.now())
            held = renew_claim(session, row.id, claim.worker_id, renewed_at, claim.lease)
        if not held:
            log.info("claim lost before sending message_id=%s kind=%s", row.id, row.kind)
            return _result(row, DEFERRED, row.next_attempt_at, error=CLAIM_LOST)
        sent = await messenger.send(reference, row.payload, now)
        # Teams has answered: the outcome is written before anything else happens here (the
        # pacer's bookkeeping included), so the window in which a killed process leaves a
        # sent message unrecorded is this one statement's commit and what precedes it.
        # Record at the later of the sweep's `now` and the clock, e.g. for a long send.
        at = max(now, ctx.clock.now())
        with ctx.session() as session:
            return _record(ctx, session, row, sent, at, tz)
    finally:
        ctx.pacer.release(conversation_id)


def _record(
    ctx: AppContext, session, row: OutboxMessage, sent: SendOutcome, now: datetime, tz: str
) -> DispatchResult:
    settings = ctx.settings
    if sent.outcome == Outcome.SENT:
        mark_sent(session, row, now, activity_id=sent.activity_id)
        if row.routine and row.recipient_aad_object_id:
            # One more routine nudge they may leave unanswered (see `bot.health`).
            recipient = get_person(session, row.recipient_aad_object_id)
            if recipient is not None:
                facts_changed(session, person_ids=[recipient.id])
        return _result(row, Outcome.SENT, now)
    if sent.outcome == Outcome.UNREACHABLE:
        mark_unreachable(session, row, sent.error or "unreachable", now=now)
        if row.recipient_aad_object_id:
            mark_person_unreachable(session, row.recipient_aad_object_id, now)
        log.warning("recipient unreachable message_id=%s kind=%s", row.id, row.kind)
        return _result(row, Outcome.UNREACHABLE, now, status=sent.status, error=sent.error)
    attempts = row.attempts + 1
    if sent.outcome == Outcome.FAILED or attempts >= settings.outbox_max_attempts:
        error = sent.error or "failed"
        mark_failed(session, row, error, now=now)
        log.warning("proactive message failed message_id=%s error=%s", row.id, error)
        return _result(row, Outcome.FAILED, now, status=sent.status, error=error)
    delay = sent.retry_after or backoff_delay(
        attempts,
        base=timedelta(seconds=settings.outbox_retry_base_seconds),
        cap=timedelta(seconds=settings.outbox_retry_cap_seconds),
    )
    # A retry of a message that waits for working hours waits for them too.
    at = delivery_time(
        now + delay,
        now,
        tz,
        working_hours_of(settings),
        urgency=Urgency.ESCALATION,
        within_working_hours=row.working_hours,
    ).at
    reschedule(session, row, at, sent.error, now=now)
    return _result(row, Outcome.RETRY, at, status=sent.status, error=sent.error)


def _may_go(
    session: Session,
    settings: Settings,
    row: OutboxMessage,
    person: Person | None,
    tz: str,
    now: datetime,
    routine_sent: list[datetime],
) -> Delivery:
    """The nudge policy at send time, with the facts as they are now: the recipient's zone,
    their snooze, and the routine messages already sent to them today (plus `routine_sent`)."""
    routine = row.routine and row.recipient_aad_object_id is not None
    if routine and person is not None and person.not_responding_since is not None:
        # Held until they answer (`store.people.release_held_routine`), not nagged.
        return Delivery(NEVER, False, "not responding")
    sent_today: list[datetime] = []
    if routine:
        start, _end = local_day_bounds(now, tz)
        sent_today = (
            routine_times_from(
                session, row.recipient_aad_object_id, start, sent_only=True, exclude_id=row.id
            )
            + routine_sent
        )
    return delivery_time(
        now,
        now,
        tz,
        working_hours_of(settings),
        urgency=Urgency.ROUTINE if routine else Urgency.ESCALATION,
        routine_sent=sent_today,
        snoozed_until=person.snoozed_until if routine and person is not None else None,
        within_working_hours=row.working_hours,
    )


async def enqueue_and_dispatch(
    ctx: AppContext,
    messenger: TeamsMessenger,
    message: PlannedMessage,
    *,
    worker_id: str = WORKER_ID,
    still_wanted: Mapping[str, StillWanted] | None = None,
) -> DispatchResult | None:
    """Send one message now through the outbox (replies, escalations), with the same guarantees.

    The message is written under its idempotency key and, if it may go now, sent at once;
    otherwise (working hours, daily cap, already sent under that key) the sweep sends it when
    due. Returns the outcome of this attempt, or None if nothing was attempted now.
    """
    now = ctx.clock.now()
    with ctx.session() as session:
        row, _created, _scheduled = enqueue_planned(session, ctx.settings, message, now)
        if row.status != OutboxStatus.PENDING.value or row.next_attempt_at > now:
            return None
        row_id = row.id
    results = await dispatch_due(
        ctx, messenger, now, worker_id, limit=1, ids=[row_id], still_wanted=still_wanted
    )
    return results[0] if results else None
