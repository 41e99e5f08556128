"""What the sweep does for bookings before the planners run, and when a pairing ends.

Before a month's booking card goes, the times it offers are read from both calendars and stored
on the month row (the planner renders the card from them; if Graph fails, the row says so and
the card carries the Teams scheduling link). A booking whose answer from Graph was lost is
looked up by its transactionId in the mentor's calendar: adopted as the month's booking (both
are told), or cancelled if the month was booked another way meanwhile; if it is not there,
nothing was made. Cancellations Graph did not take are made again. When a pairing ends, its
meetings still to come are cancelled.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlmodel import select

from bot.context import AppContext
from bot.events import PairingEnded
from bot.graph import GraphError
from bot.graph import calendar as graph_calendar
from bot.outbox.planned import PlannedMessage, recipient_time_zone
from bot.pairing.booking import BOOKABLE, Bookings, Offer, cancel_comment
from bot.pairing.pair_view import pair_view
from bot.settings import working_hours_of
from bot.teams import message_payload
from domain.cadence import programme_month
from domain.free_slots import Interval
from domain.keys import month_period, nudge_key, session_booking_not_made_key
from domain.local_time import format_local_datetime
from domain.session_offers import CARD_NOTICE, card_arrival
from domain.sessions import SessionState, facts_of, session_state
from store.bookings import (
    BookingStatus,
    SessionBooking,
    bookings_to_follow_up,
    live_bookings_after,
    set_status,
)
from store.models import MentoringSession, Pairing, PairingStatus, Person
from store.next_sweep import due_for_sweep
from store.outbox import existing_keys
from store.pairings import pair_people, session_month

log = logging.getLogger(__name__)

# A pending booking this old lost its answer (the handler that made it has given up).
PENDING_GRACE = timedelta(minutes=5)
# A lost booking is looked for until this long after its start, then given up (and logged).
LOOK_FOR_LOST_UNTIL = timedelta(days=1)


class BookingSweep:
    def __init__(self, ctx: AppContext, bookings: Bookings) -> None:
        self.ctx = ctx
        self.bookings = bookings
        self.graph = bookings.graph

    async def pairing_ended(self, ended: PairingEnded) -> None:
        """A pairing ended: its meetings still to come are cancelled in Outlook (by a later
        sweep if Graph does not take it now)."""
        now = self.ctx.clock.now()
        with self.ctx.session() as session:
            coming = []
            for booking in live_bookings_after(session, ended.pairing_id, now):
                set_status(session, booking, BookingStatus.CANCEL, now)
                coming.append((booking.id, booking.organiser_aad_object_id, booking.event_id))
        for booking_id, organiser, event_id in coming:
            comment = "The mentoring pairing has ended, so this session is cancelled."
            await self.bookings.cancel_event(booking_id, organiser, event_id, comment)

    async def prepare_offers(self, ctx: AppContext, now: datetime) -> None:
        """Before the planners send a month's booking card, the times it offers (or, when Graph
        fails, why it offers the scheduling link instead), stored on the month row."""
        if not self.bookings.books:
            return
        for pairing_id, month in self._months_needing_offers(now):
            with self.ctx.session() as session:
                pairing = session.get(Pairing, pairing_id)
                pair = pair_view(ctx, session, pairing, month)
            arrives = card_arrival(
                now,
                (pair.trainee.tz, pair.mentor.tz),
                working_hours_of(self.ctx.settings),
                default_zone=self.ctx.settings.default_time_zone,
            )
            offer = await self.bookings.find_times(pair, arrives, notice=CARD_NOTICE)
            self.bookings.log_fallback(offer, pair, "card offer")
            stored = {"at": now.isoformat(), "minutes": pair.minutes}
            if isinstance(offer, Offer):
                stored["slots"] = [s.start.isoformat() for s in offer.slots]
            else:
                stored["error"] = offer.kind.value
            with self.ctx.session() as session:
                row = session_month(session, pairing_id, month)
                if row.offer is None:
                    row.offer = stored
                    session.add(row)

    def _months_needing_offers(self, now: datetime) -> list[tuple[int, int]]:
        """(pairing, month) of the active pairings due for a sweep whose current month has no
        booking, no stored offer, and no booking card sent yet."""
        wanted = []
        with self.ctx.session() as session:
            due = list(due_for_sweep(session, now))
            if not due:
                return []
            pairings = session.exec(
                select(Pairing).where(
                    Pairing.id.in_(due), Pairing.status == PairingStatus.ACTIVE.value
                )
            ).all()
            for pairing in pairings:
                month = programme_month(pairing.paired_at, now, pairing.length_months)
                if month is None:
                    continue
                row = session.exec(
                    select(MentoringSession).where(
                        MentoringSession.pairing_id == pairing.id,
                        MentoringSession.month == month,
                    )
                ).first()
                if row is not None and (
                    row.offer is not None
                    or row.booking in ("booked", "cant")
                    or session_state(facts_of(row)) != SessionState.PLANNED
                ):
                    continue
                trainee, mentor = pair_people(session, pairing)
                keys = [
                    nudge_key(
                        p.aad_object_id, "book_session", month_period(month), pairing_id=pairing.id
                    )
                    for p in (trainee, mentor)
                ]
                if len(existing_keys(session, keys)) < len(keys):
                    wanted.append((pairing.id, month))
        return wanted

    async def follow_up(self, ctx: AppContext, now: datetime) -> None:
        """Bookings whose answer was lost are looked up; cancellations Graph did not take are
        made again."""
        if not self.graph.configured:
            return
        with self.ctx.session() as session:
            work = [
                (
                    b.id,
                    b.status,
                    b.pairing_id,
                    b.month,
                    b.organiser_aad_object_id,
                    b.start,
                    b.end,
                    b.transaction_id,
                    b.event_id,
                )
                for b in bookings_to_follow_up(session, pending_before=now - PENDING_GRACE)
            ]
        for booking_id, status, pairing_id, month, organiser, start, end, txn, event_id in work:
            slot = Interval(start, end)
            if status == BookingStatus.PENDING.value:
                await self._find_lost(booking_id, pairing_id, month, organiser, slot, txn, now)
            elif event_id is not None:
                comment = cancel_comment(None, None)
                await self.bookings.cancel_event(booking_id, organiser, event_id, comment)
            else:  # cancelled before its lost answer was found
                await self._find_lost(
                    booking_id, pairing_id, month, organiser, slot, txn, now, adopt=False
                )

    async def _find_lost(
        self,
        booking_id: int,
        pairing_id: int,
        month: int,
        organiser: str,
        slot: Interval,
        transaction_id: str,
        now: datetime,
        *,
        adopt: bool = True,
    ) -> None:
        """Look for a meeting whose creation lost its answer: adopt it as the month's booking,
        or cancel it if the month was booked another way (or `adopt` is False)."""
        found = await graph_calendar.events_between(self.graph, organiser, slot.start, slot.end)
        if isinstance(found, GraphError):
            if now < slot.start + LOOK_FOR_LOST_UNTIL:
                with self.ctx.session() as session:
                    booking = session.get(SessionBooking, booking_id)
                    status = BookingStatus(booking.status)
                    set_status(session, booking, status, now, error=found.log_fields())
                return
            with self.ctx.session() as session:
                booking = session.get(SessionBooking, booking_id)
                set_status(session, booking, BookingStatus.FAILED, now, error=found.log_fields())
            log.warning(
                "session booking %s given up: whether Outlook made it is unknown: %s",
                booking_id,
                found.log_fields(),
            )
            return
        event = next((e for e in found if e.transaction_id == transaction_id), None)
        notice = None
        with self.ctx.session() as session:
            booking = session.get(SessionBooking, booking_id)
            pairing = session.get(Pairing, pairing_id)
            row = session_month(session, pairing_id, month)
            if event is None:
                set_status(session, booking, BookingStatus.FAILED, now)
                log.info("session booking %s was never made", booking_id)
                asker = session.get(Person, booking.requested_by or 0)
                still_to_book = adopt and session_state(facts_of(row)) in BOOKABLE
                if asker is None or not still_to_book:
                    return
                tz = recipient_time_zone(session, self.ctx.settings, asker.aad_object_id)
                notice = PlannedMessage(
                    asker.aad_object_id,
                    "session_update",
                    session_booking_not_made_key(booking_id),
                    payload=message_payload(
                        "Outlook didn't make the meeting for "
                        f"{format_local_datetime(slot.start, tz)} after all. Pick a time again on "
                        "the card, or schedule it in Teams with the link I sent."
                    ),
                    routine=False,
                    working_hours=False,
                )
        if event is None:
            if notice is not None:
                await self.bookings.outbox.send_now(notice)
            return
        with self.ctx.session() as session:
            booking = session.get(SessionBooking, booking_id)
            pairing = session.get(Pairing, pairing_id)
            row = session_month(session, pairing_id, month)
            free = (
                adopt
                and pairing.status == PairingStatus.ACTIVE.value
                and session_state(facts_of(row)) in BOOKABLE
                and slot.start > now
            )
            if not free:
                set_status(session, booking, BookingStatus.CANCEL, now, event_id=event.event_id)
            else:
                pair = pair_view(self.ctx, session, pairing, month)
        if not free:
            log.info("session booking %s found after the month was booked another way", booking_id)
            await self.bookings.cancel_event(
                booking_id, organiser, event.event_id, cancel_comment(None, None)
            )
            return
        log.info("session booking %s found: Outlook made it after all", booking_id)
        await self.bookings.booked_by_graph(None, pair, booking_id, event, slot, now)
