"""The sweep's rule set for active pairings: book each month's session, remind, ask for the
log, and the private check-ins at weeks 2, 4 and 6.

Each message has an idempotency key (who, what, which pairing and period), so the planner can
simply list everything due at `now` on every sweep: the outbox keeps each key once. Items
whose moment has passed (a month that ended, a check-in two weeks late) are not sent late.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from adaptive_cards import render_card
from bot.context import AppContext
from bot.planned import PlannedMessage, recipient_time_zone
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
from store.models import MentoringSession, Pairing, Person
from store.pairings import active_pairings, check_ins_of, pair_people, sessions_of

CHECK_IN_LATEST = timedelta(days=14)  # after that, the next check-in asks again
LOG_REQUEST_LATEST = timedelta(days=21)


def _message(me: Person, kind: str, period: str, pairing: Pairing, *, text=None, card=None):
    return PlannedMessage(
        me.aad_object_id,
        kind,
        nudge_key(me.aad_object_id, kind, period, pairing_id=pairing.id),
        payload=message_payload(text, cards=[card] if card else ()),
        routine=True,
    )


def plan_pairing_nudges(ctx: AppContext, now: datetime) -> list[PlannedMessage]:
    messages: list[PlannedMessage] = []
    with ctx.session() as session:
        for pairing in active_pairings(session):
            messages.extend(_plan_pairing(ctx, session, pairing, now))
    return messages


def _plan_pairing(ctx: AppContext, session: Session, pairing: Pairing, now: datetime):
    trainee, mentor = pair_people(session, pairing)
    both = ((trainee, mentor), (mentor, trainee))
    months: dict[int, MentoringSession] = {r.month: r for r in sessions_of(session, pairing.id)}
    answered = {(c.person_id, c.week) for c in check_ins_of(session, pairing.id)}
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
                card = render_card(
                    "book_session",
                    base | {"month": item.month, "partner_name": partner.display_name},
                )
                yield _message(me, "book_session", item.period, pairing, card=card)
        elif item.kind == ItemKind.CHECK_IN and now < item.due + CHECK_IN_LATEST:
            for me, partner in both:
                if (me.id, item.week) in answered:
                    continue
                card = render_card(
                    "check_in",
                    base | {"week": item.week, "partner_name": partner.display_name},
                )
                yield _message(me, "check_in", item.period, pairing, card=card)
    for month in range(1, pairing.length_months + 1):
        start, _end = month_bounds(pairing.paired_at, month)
        if start > now:
            break
        row = months.get(month)
        if row is not None and row.logged_at is not None:
            continue
        booked_for = row.booked_for if row is not None and row.booking == "booked" else None
        for me, partner in both:
            tz = recipient_time_zone(session, ctx.settings, me.aad_object_id)
            if booked_for is not None and session_reminder_due(booked_for, tz) <= now < booked_for:
                yield _message(
                    me,
                    "session_reminder",
                    f"month-{month}-at-{booked_for:%Y%m%d%H%M}",
                    pairing,
                    text=f"Reminder: your mentoring session with {partner.display_name} is on "
                    f"{format_local_datetime(booked_for, tz)}.",
                )
        due = log_request_due(pairing.paired_at, month, booked_for, pairing.length_months)
        if due <= now < due + LOG_REQUEST_LATEST:
            for me, partner in both:
                card = render_card(
                    "log_session",
                    base
                    | {
                        "month": month,
                        "partner_name": partner.display_name,
                        "held_on": f"{booked_for:%Y-%m-%d}" if booked_for else "",
                    },
                )
                yield _message(me, "log_request", f"month-{month}", pairing, card=card)
