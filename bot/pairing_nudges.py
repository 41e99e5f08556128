"""The sweep's rule set for active pairings: book each month's session, remind, ask for the
log, and the private check-ins at weeks 2, 4 and 6.

Each message has an idempotency key (who, what, which pairing and period), so the planner can
simply work out everything due at `now` on every sweep: the outbox keeps each key once, and
the planner returns only the keys it does not hold yet. Items whose moment has passed (a month
that ended, a check-in two weeks late) are not sent late.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from sqlmodel import Session

from adaptive_cards import render_card
from bot.context import AppContext
from bot.planned import PlannedMessage
from bot.proactive import message_payload
from domain.cadence import (
    ItemKind,
    log_request_due,
    month_bounds,
    schedule,
    session_reminder_due,
)
from domain.local_time import format_local_datetime
from domain.nudge_policy import nudge_key
from store.outbox import existing_keys
from store.sweep_reads import (
    check_ins_by_pairing,
    chunked,
    nudge_candidates,
    pairings_with_people,
    sessions_by_pairing,
)

CHECK_IN_LATEST = timedelta(days=14)  # after that, the next check-in asks again
LOG_REQUEST_LATEST = timedelta(days=21)


# A nudge without its payload yet, and how to render the payload (only done for a new key:
# most of what is due on a sweep was decided on an earlier one).
Draft = tuple[PlannedMessage, Callable[[], dict]]


def _message(me, kind: str, period: str, pairing, render: Callable[[], dict]) -> Draft:
    key = nudge_key(me.aad_object_id, kind, period, pairing_id=pairing.id)
    return PlannedMessage(me.aad_object_id, kind, key, routine=True), render


def _card(name: str, data: dict):
    return lambda: message_payload(None, cards=[render_card(name, data)])


def _text(text: str):
    return lambda: message_payload(text)


def plan_pairing_nudges(ctx: AppContext, now: datetime) -> list[PlannedMessage]:
    """Every nudge due at `now` whose key is not in the outbox yet, in pairing order.

    Pairings that cannot be due anything are ruled out in the database; the others are read
    in chunks (see `store.sweep_reads`).
    """
    messages: list[PlannedMessage] = []
    default_zone = ctx.settings.default_time_zone
    with ctx.session() as session:
        ids = nudge_candidates(session, now, CHECK_IN_LATEST, LOG_REQUEST_LATEST)
        for chunk in chunked(ids):
            sessions = sessions_by_pairing(session, chunk)
            check_ins = check_ins_by_pairing(session, chunk)
            drafts: list[Draft] = []
            for pairing, trainee, mentor in pairings_with_people(session, chunk):
                drafts.extend(
                    _plan_pairing(
                        pairing,
                        (trainee, mentor),
                        sessions.get(pairing.id, ()),
                        check_ins.get(pairing.id, ()),
                        now,
                        default_zone,
                    )
                )
            messages.extend(_payloads_of_new(session, drafts))
    return messages


def _payloads_of_new(session: Session, drafts: list[Draft]) -> list[PlannedMessage]:
    """The messages whose key the outbox does not hold yet, with their payloads rendered."""
    known = existing_keys(session, (message.key for message, _render in drafts))
    return [
        replace(message, payload=render()) for message, render in drafts if message.key not in known
    ]


def _plan_pairing(pairing, people, sessions, check_ins, now: datetime, default_zone: str):
    trainee, mentor = people
    both = ((trainee, mentor), (mentor, trainee))
    months = {r.month: r for r in sessions}
    answered = {(c.person_id, c.week) for c in check_ins}
    base = {"pairing_id": pairing.id, "months": pairing.length_months}
    for item in schedule(pairing.paired_at, pairing.length_months):
        if item.due > now:
            continue
        if item.kind == ItemKind.BOOK_SESSION:
            _start, end = month_bounds(pairing.paired_at, item.month)
            row = months.get(item.month)
            settled = row is not None and (row.booking in ("booked", "cant") or row.logged_at)
            if now >= end or settled:
                continue
            for me, partner in both:
                card = _card(
                    "book_session",
                    base | {"month": item.month, "partner_name": partner.display_name},
                )
                yield _message(me, "book_session", item.period, pairing, card)
        elif item.kind == ItemKind.CHECK_IN and now < item.due + CHECK_IN_LATEST:
            for me, partner in both:
                if (me.id, item.week) in answered:
                    continue
                card = _card(
                    "check_in",
                    base | {"week": item.week, "partner_name": partner.display_name},
                )
                yield _message(me, "check_in", item.period, pairing, card)
    for month in range(1, pairing.length_months + 1):
        start, _end = month_bounds(pairing.paired_at, month)
        if start > now:
            break
        row = months.get(month)
        if row is not None and row.logged_at is not None:
            continue
        booked_for = row.booked_for if row is not None and row.booking == "booked" else None
        for me, partner in both:
            tz = me.time_zone or default_zone
            if booked_for is not None and session_reminder_due(booked_for, tz) <= now < booked_for:
                yield _message(
                    me,
                    "session_reminder",
                    f"month-{month}-at-{booked_for:%Y%m%d%H%M}",
                    pairing,
                    _text(
                        f"Reminder: your mentoring session with {partner.display_name} is on "
                        f"{format_local_datetime(booked_for, tz)}."
                    ),
                )
        due = log_request_due(pairing.paired_at, month, booked_for, pairing.length_months)
        if due <= now < due + LOG_REQUEST_LATEST:
            for me, partner in both:
                card = _card(
                    "log_session",
                    base
                    | {
                        "month": month,
                        "partner_name": partner.display_name,
                        "held_on": f"{booked_for:%Y-%m-%d}" if booked_for else "",
                    },
                )
                yield _message(me, "log_request", f"month-{month}", pairing, card)
