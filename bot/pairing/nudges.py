"""The sweep's rule set for active pairings: book each month's session, remind, ask for the
log, and the private check-ins at weeks 2, 4 and 6.

Each message has an idempotency key (who, what, which pairing and period), so the planner can
simply work out everything due at `now` whenever it looks at a pairing: the outbox keeps each
key once, and the planner returns only the keys it does not hold yet. Items whose moment has
passed (a month that ended, a check-in two weeks late) are not sent late. It looks at the
pairings whose moment has come and reports when the next nudge window of each opens or closes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from sqlmodel import Session

from adaptive_cards import render_card
from bot.context import AppContext
from bot.outbox.planned import PlannedMessage, sweep_pass
from bot.pairing.booking import suggested_time
from bot.pairing.booking_cards import (
    LinkReason,
    Reader,
    check_card,
    link_card,
    notes_card,
    offer_card,
)
from bot.settings import Settings, working_hours_of
from bot.teams import message_payload
from domain.cadence import ItemKind, NudgeWindow, next_change, nudge_windows, open_at
from domain.free_slots import Interval
from domain.keys import nudge_key
from domain.local_time import format_local_datetime
from domain.session_offers import CARD_NOTICE, card_arrival, session_minutes
from domain.sessions import MENTOR, TRAINEE
from domain.working_hours import DEFAULT_HOURS, WorkingHours
from store.db import chunked
from store.models import PairingStatus
from store.outbox import OutboxMessage, by_key, existing_keys
from store.sweep_reads import (
    check_ins_by_pairing,
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


def nudge_row(session: Session, me, kind: ItemKind, period: str, pairing) -> OutboxMessage | None:
    """The outbox row of one nudge to `me` about `pairing` (to tell whether it was sent)."""
    return by_key(session, nudge_key(me.aad_object_id, kind.value, period, pairing_id=pairing.id))


def _card(name: str, data: dict):
    return lambda: message_payload(None, cards=[render_card(name, data)])


def _text(text: str):
    return lambda: message_payload(text)


def plan_pairing_nudges(ctx: AppContext, now: datetime) -> list[PlannedMessage]:
    """Every nudge due at `now` whose key is not in the outbox yet, in pairing order, over
    the pairings of this sweep's pass (read in chunks, see `store.sweep_reads`)."""
    messages: list[PlannedMessage] = []
    default_zone = ctx.settings.default_time_zone
    hours = working_hours_of(ctx.settings)
    with ctx.session() as session:
        due = sweep_pass(session, now)
        for chunk in chunked(due.ids):
            sessions = sessions_by_pairing(session, chunk)
            check_ins = check_ins_by_pairing(session, chunk)
            drafts: list[Draft] = []
            for pairing, trainee, mentor in pairings_with_people(session, chunk):
                if pairing.status != PairingStatus.ACTIVE.value:
                    due.look_again(pairing.id, None)
                    continue
                people = (trainee, mentor)
                windows = _windows(
                    pairing,
                    people,
                    sessions.get(pairing.id, ()),
                    check_ins.get(pairing.id, ()),
                    now,
                    default_zone,
                    hours,
                )
                due.look_again(pairing.id, next_change(windows, now))
                months = {row.month: row for row in sessions.get(pairing.id, ())}
                drafts.extend(
                    _drafts(ctx.settings, pairing, people, months, open_at(windows, now), now)
                )
            messages.extend(_payloads_of_new(session, drafts))
    return messages


def _payloads_of_new(session: Session, drafts: list[Draft]) -> list[PlannedMessage]:
    """The messages whose key the outbox does not hold yet, with their payloads rendered."""
    known = existing_keys(session, (message.key for message, _render in drafts))
    return [
        replace(message, payload=render()) for message, render in drafts if message.key not in known
    ]


def _windows(
    pairing, people, sessions, check_ins, now: datetime, default_zone: str, hours: WorkingHours
):
    """The pair's nudge windows still open or to come (see `domain.cadence.nudge_windows`)."""
    who = {person.id: index for index, person in enumerate(people)}
    return nudge_windows(
        pairing.paired_at,
        pairing.length_months,
        sessions,
        {(who[c.person_id], c.week) for c in check_ins if c.person_id in who},
        tuple(person.time_zone or default_zone for person in people),
        now,
        check_in_latest=CHECK_IN_LATEST,
        log_request_latest=LOG_REQUEST_LATEST,
        hours=hours,
    )


def nudges_at(
    settings: Settings,
    pairing,
    people,
    sessions,
    check_ins,
    now: datetime,
    hours: WorkingHours = DEFAULT_HOURS,
):
    """The nudges the rules send this pair at `now`, whether the outbox holds their keys or
    not (what the sweep decides, one pairing at a time)."""
    default_zone = settings.default_time_zone
    windows = _windows(pairing, people, sessions, check_ins, now, default_zone, hours)
    months = {row.month: row for row in sessions}
    return _drafts(settings, pairing, people, months, open_at(windows, now), now)


def _drafts(
    settings: Settings, pairing, people, months: dict, windows: list[NudgeWindow], now: datetime
) -> list[Draft]:
    base = {"pairing_id": pairing.id, "months": pairing.length_months}
    zones = [person.time_zone or settings.default_time_zone for person in people]
    drafts = []
    for window in windows:
        me, partner = people[window.who], people[1 - window.who]
        tz = zones[window.who]
        reader = Reader(tz, window.who == MENTOR, partner.display_name, people[MENTOR].display_name)
        row = months.get(window.month)
        data = base | {"partner_name": partner.display_name}
        if window.kind == ItemKind.BOOK_SESSION:
            render = _booking_card(settings, pairing, zones, reader, window.month, row, now)
        elif window.kind == ItemKind.CHECK_IN:
            render = _card("check_in", data | {"week": window.week})
        elif window.kind == ItemKind.SESSION_REMINDER:
            text = (
                f"Reminder: your mentoring session with {partner.display_name} is on "
                f"{format_local_datetime(window.booked_for, tz)} ({reader.zone_note})."
            )
            if row is not None and row.join_url:
                text += f" [Join in Teams]({row.join_url})"
            render = _text(text)
        elif window.kind == ItemKind.SESSION_NOTES:
            render = _rendered(
                lambda reader=reader, row=row, month=window.month: notes_card(
                    reader,
                    pairing_id=pairing.id,
                    month=month,
                    held_on=row.held_on,
                    minutes=row.minutes,
                )
            )
        else:
            render = _rendered(
                lambda reader=reader, row=row, window=window: check_card(
                    reader,
                    pairing_id=pairing.id,
                    month=window.month,
                    months=pairing.length_months,
                    booked_for=window.booked_for,
                    attendance=row.attendance if row is not None else None,
                )
            )
        drafts.append(_message(me, window.kind.value, window.period, pairing, render))
    return drafts


def _rendered(card: Callable[[], dict]):
    return lambda: message_payload(None, cards=[card()])


def _booking_card(settings: Settings, pairing, zones, reader: Reader, month: int, row, now):
    """The month's booking card: the times stored for it (`Bookings.prepare_offers`), or the
    Teams scheduling link with a suggested time."""
    offer = (row.offer if row is not None else None) or {}
    minutes = session_minutes(offer.get("minutes") or pairing.session_minutes)
    slots = [
        Interval(start, start + timedelta(minutes=minutes))
        for start in (datetime.fromisoformat(at) for at in offer.get("slots") or ())
        if start > now
    ]
    common = {"pairing_id": pairing.id, "month": month, "months": pairing.length_months}
    if slots:
        return _rendered(lambda: offer_card(reader, slots=slots, length=minutes, **common))
    if offer.get("slots"):
        reason = LinkReason.TIMES_PASSED
    elif offer.get("slots") is not None:
        reason = LinkReason.NO_TIMES
    elif offer.get("error"):
        reason = LinkReason.CALENDARS_FAILED
    else:
        reason = LinkReason.NO_CALENDARS
    hours = working_hours_of(settings)
    arrives = card_arrival(now, zones, hours, default_zone=settings.default_time_zone)
    suggested = suggested_time(
        settings, zones[MENTOR], zones[TRAINEE], (), minutes, arrives, CARD_NOTICE
    )
    return _rendered(
        lambda: link_card(
            reader,
            reason=reason,
            suggested=suggested,
            length=minutes,
            retry=reason in (LinkReason.CALENDARS_FAILED, LinkReason.TIMES_PASSED),
            **common,
        )
    )
