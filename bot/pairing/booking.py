"""Booking the month's session as a Teams meeting: the times offered, one tap to book, then
Reschedule and Cancel, and what to do when Microsoft Graph is not there or fails.

With Graph the month's card offers three times both people are free (`offer_times` over both
calendars' free/busy and working hours); a tap checks the time is still free and books a Teams
meeting in the mentor's calendar with both invited (`calendar.create_meeting`, its
transactionId from the booking, so a retry never books twice). Both get a confirmation with the
join link. Reschedule offers three new times and moves the meeting; Cancel cancels it.

Without Graph, or when it fails (no permission, no mailbox, throttled, down, too slow), the card
gives the Teams "schedule a meeting" link with a suggested time and "I've booked it": the step
is never lost. Each failure is logged with the booking's id. A booking whose answer was lost
(Graph may have made the meeting) stays pending, and a second tap books nothing more:
`bot.pairing.booking_sweep` looks it up later, and retries cancellations Graph did not take.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from adaptive_cards.submitted import card_int
from bot.context import AppContext
from bot.graph import GraphClient, GraphError, GraphErrorKind, directory
from bot.graph import calendar as graph_calendar
from bot.outbox.engine import Outbox
from bot.outbox.planned import PlannedMessage
from bot.pairing.booking_cards import (
    CANCEL_TEXT,
    SUBJECT,
    LinkReason,
    Reader,
    link_card,
    offer_card,
    session_body,
)
from bot.pairing.pair_view import PairView, Someone, card_pair
from bot.settings import Settings, working_hours_of
from bot.teams import Reply, Turn, message_payload
from domain.free_slots import Interval
from domain.keys import session_booked_key, session_cancelled_key
from domain.local_time import format_local_datetime
from domain.session_offers import (
    TAP_NOTICE,
    offer_times,
)
from domain.session_offers import Person as Availability
from domain.sessions import SessionState, facts_of, session_state
from domain.text_limits import text_of, too_long
from store.bookings import (
    BookingStatus,
    SessionBooking,
    book_month,
    claim_booking,
    open_booking,
    set_status,
    unbook_month,
)
from store.models import Pairing
from store.pairings import session_month

log = logging.getLogger(__name__)

SCHEDULE_SPAN = timedelta(days=15)  # free/busy read for the 14 days of an offer
# A month may be booked while nothing is booked or known held (it didn't happen: book again).
BOOKABLE = frozenset({SessionState.PLANNED, SessionState.NOT_HELD})


@dataclass(frozen=True)
class Offer:
    slots: list[Interval]
    trainee_mail: str
    mentor_mail: str


def _parse_instant(text: object) -> datetime | None:
    try:
        at = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


class Bookings:
    def __init__(self, ctx: AppContext, outbox: Outbox, graph: GraphClient) -> None:
        self.ctx = ctx
        self.outbox = outbox
        self.graph = graph

    @property
    def books(self) -> bool:
        """Whether sessions are booked through Graph (else the Teams scheduling link)."""
        return self.graph.configured and self.ctx.settings.graph_calendars

    # --- Graph: addresses, free times, still free? ----------------------------------------------

    async def _addresses(self, pair: PairView) -> tuple[str, str] | GraphError:
        """The trainee's and the mentor's mail addresses (what calendars are named by)."""
        found = []
        for who in (pair.trainee, pair.mentor):
            user = await directory.user(self.graph, who.aad)
            if isinstance(user, GraphError):
                return user
            if not user.email:
                return GraphError(GraphErrorKind.NOT_FOUND, "directory.user", detail="no mailbox")
            found.append(user.email)
        return found[0], found[1]

    async def _schedules(self, pair: PairView, addresses, start: datetime, end: datetime):
        trainee_mail, mentor_mail = addresses
        found = await graph_calendar.schedules(
            self.graph, pair.mentor.aad, [mentor_mail, trainee_mail], start, end
        )
        if isinstance(found, GraphError):
            return found
        for schedule in found:
            if schedule.error_code:
                return GraphError(
                    GraphErrorKind.NOT_FOUND, "calendar.get_schedule", code=schedule.error_code
                )
        return found

    async def find_times(
        self,
        pair: PairView,
        now: datetime,
        *,
        notice: timedelta,
        after: datetime | None = None,
        minutes: int | None = None,
    ) -> Offer | GraphError:
        """Up to three times both are free (see `domain.session_offers`)."""
        if not self.books:
            return GraphError(GraphErrorKind.NOT_CONFIGURED, "booking.find_times")
        addresses = await self._addresses(pair)
        if isinstance(addresses, GraphError):
            return addresses
        found = await self._schedules(pair, addresses, now, now + SCHEDULE_SPAN)
        if isinstance(found, GraphError):
            return found
        mentor, trainee = found

        def person(who: Someone, schedule) -> Availability:
            hours = schedule.working_hours
            return Availability(
                who.tz,
                schedule.busy,
                hours.hours if hours else None,
                hours.time_zone if hours else None,
            )

        settings = self.ctx.settings
        slots = offer_times(
            person(pair.mentor, mentor),
            person(pair.trainee, trainee),
            now=now,
            notice=notice,
            configured=working_hours_of(settings),
            holidays=settings.holidays,
            booked=pair.booked_elsewhere,
            minutes=minutes or pair.minutes,
            after=after,
            default_zone=settings.default_time_zone,
        )
        return Offer(slots, *addresses)

    # --- cards ------------------------------------------------------------------------------------

    def offer_or_link(
        self,
        pair: PairView,
        reader: Reader,
        offer: Offer | GraphError,
        now: datetime,
        *,
        action: str = "book",
        first: bool = True,
    ) -> Reply:
        """The offer card, or the scheduling link when there is nothing to offer (a Teams
        meeting the bot booked is moved in Outlook then: say so)."""
        if isinstance(offer, Offer) and offer.slots:
            return offer_card(
                reader,
                pairing_id=pair.pairing_id,
                month=pair.month,
                months=pair.months,
                slots=offer.slots,
                length=pair.minutes,
                action=action,
                first=first,
            )
        if action == "move" and pair.event_id is not None:
            if isinstance(offer, Offer):
                who = "You" if reader.is_mentor else pair.mentor.name
                return (
                    "I couldn't find another time in the next 14 days when you're both free in "
                    f"your working hours. {who} can move the meeting in Outlook or Teams (it's "
                    f"in {'your' if reader.is_mentor else 'their'} calendar), or cancel it here."
                )
            return "I couldn't read your calendars just now. Try Reschedule again in a few minutes."
        if isinstance(offer, Offer):
            reason = LinkReason.NO_TIMES
        elif offer.kind is GraphErrorKind.NOT_CONFIGURED:
            reason = LinkReason.NO_CALENDARS
        else:
            reason = LinkReason.CALENDARS_FAILED
        attendees = ()
        if isinstance(offer, Offer):
            mine = offer.mentor_mail if reader.is_mentor else offer.trainee_mail
            attendees = tuple(a for a in (offer.trainee_mail, offer.mentor_mail) if a != mine)
        return link_card(
            reader,
            pairing_id=pair.pairing_id,
            month=pair.month,
            months=pair.months,
            reason=reason,
            suggested=suggested_time(
                self.ctx.settings,
                pair.mentor.tz,
                pair.trainee.tz,
                pair.booked_elsewhere,
                pair.minutes,
                now,
                TAP_NOTICE,
            ),
            length=pair.minutes,
            attendees=attendees,
            retry=self.books and reason == LinkReason.CALENDARS_FAILED,
            cant=action == "book",
        )

    # --- the card's buttons ---------------------------------------------------------------

    async def answer(self, turn: Turn, value: dict) -> None:
        """A press on a booking card: book a time, more times, reschedule, move, cancel."""
        action = value.get("booking")
        handler = {
            "book": self.book,
            "move": self.book,
            "more": self.more,
            "reschedule": self.reschedule,
            "cancel": self.cancel,
        }.get(action)
        if handler is None:
            await turn.send("Sorry, I couldn't read that answer.")
            return
        with self.ctx.session() as session:
            pair, problem = card_pair(self.ctx, session, turn, value)
        if pair is None:
            await turn.send(problem)
            return
        await handler(turn, value, pair)

    async def more(self, turn: Turn, value: dict, pair: PairView) -> None:
        now = self.ctx.clock.now()
        then = "move" if value.get("then") == "move" else "book"
        if then == "book" and pair.state not in BOOKABLE:
            await turn.send(self._already_booked_or_logged(pair))
            return
        after = _parse_instant(value.get("after"))
        offer = await self.find_times(pair, now, notice=TAP_NOTICE, after=after)
        self.log_fallback(offer, pair, "offer")
        await turn.send(
            self.offer_or_link(pair, pair.my_reader, offer, now, action=then, first=after is None)
        )

    async def reschedule(self, turn: Turn, value: dict, pair: PairView) -> None:
        now = self.ctx.clock.now()
        if pair.state != SessionState.BOOKED or pair.booked is None:
            await turn.send("There's no booked session to move this month.")
            return
        if pair.booked.start <= now:
            await turn.send(self._started(pair))
            return
        offer = await self.find_times(pair, now, notice=TAP_NOTICE)
        self.log_fallback(offer, pair, "offer")
        await turn.send(self.offer_or_link(pair, pair.my_reader, offer, now, action="move"))

    def _already_booked_or_logged(self, pair: PairView) -> str:
        if pair.state != SessionState.BOOKED or pair.booked_for is None:
            return f"Month {pair.month}'s session is already logged. Nothing changed."
        when = format_local_datetime(pair.booked_for, pair.me.tz)
        return (
            f"Month {pair.month}'s session is already booked for {when}. To change it, use "
            "Reschedule on its card."
        )

    def _started(self, pair: PairView) -> str:
        return (
            "That session's time has come, so I can't move or cancel it any more. Afterwards "
            "I'll ask you both whether it happened."
        )

    async def book(self, turn: Turn, value: dict, pair: PairView) -> None:
        """A time pressed: check it is still free, then book it (or move the booked one)."""
        now = self.ctx.clock.now()
        moving = value.get("booking") == "move"
        start = _parse_instant(value.get("start"))
        length = card_int(value.get("length"))
        minutes = length if length in (60, 120) else pair.minutes
        if start is None:
            await turn.send("Sorry, I couldn't read that time.")
            return
        if moving and (pair.state != SessionState.BOOKED or pair.booked is None):
            await turn.send("There's no booked session to move this month.")
            return
        if moving and pair.booked.start <= now:
            await turn.send(self._started(pair))
            return
        if not moving and pair.state not in BOOKABLE:
            await turn.send(self._already_booked_or_logged(pair))
            return
        slot = Interval(start, start + timedelta(minutes=minutes))
        if start <= now:
            offer = await self.find_times(pair, now, notice=TAP_NOTICE)
            await turn.send("That time has passed. Here are the next ones:")
            await turn.send(self.offer_or_link(pair, pair.my_reader, offer, now, action="book"))
            return
        addresses = await self._addresses(pair) if self.books else None
        free = await self._still_free(pair, addresses, slot, ignore=pair.booked if moving else None)
        if isinstance(free, GraphError):
            self.log_fallback(free, pair, "check")
            if moving:
                await turn.send(self._not_moved(pair, free))
                return
            reason = LinkReason.CALENDARS_FAILED if self.books else LinkReason.NO_CALENDARS
            await turn.send(self._link(pair, slot, reason, addresses))
            return
        if not free:
            offer = await self.find_times(pair, now, notice=TAP_NOTICE)
            await turn.send("That time isn't free any more. Here are the times that are:")
            await turn.send(
                self.offer_or_link(
                    pair, pair.my_reader, offer, now, action="move" if moving else "book"
                )
            )
            return
        if moving:
            await self._move(turn, pair, slot)
        else:
            await self._create(turn, pair, slot, addresses)

    async def _still_free(
        self, pair: PairView, addresses, slot: Interval, *, ignore: Interval | None
    ) -> bool | GraphError:
        """Nothing in either calendar overlaps the slot (but the meeting being moved)."""
        if addresses is None:
            return GraphError(GraphErrorKind.NOT_CONFIGURED, "booking.still_free")
        if isinstance(addresses, GraphError):
            return addresses
        found = await self._schedules(pair, addresses, slot.start, slot.end)
        if isinstance(found, GraphError):
            return found
        for schedule in found:
            for busy in schedule.busy:
                if ignore is not None and ignore.start <= busy.start and busy.end <= ignore.end:
                    continue
                if busy.overlaps(slot):
                    return False
        return True

    def _link(self, pair: PairView, slot: Interval, reason: LinkReason, addresses) -> dict:
        attendees = ()
        if isinstance(addresses, tuple):
            trainee_mail, mentor_mail = addresses
            attendees = (trainee_mail,) if pair.me_is_mentor else (mentor_mail,)
        return link_card(
            pair.my_reader,
            pairing_id=pair.pairing_id,
            month=pair.month,
            months=pair.months,
            reason=reason,
            suggested=slot,
            length=slot_minutes(slot),
            attendees=attendees,
        )

    async def _create(self, turn: Turn, pair: PairView, slot: Interval, addresses) -> None:
        now = self.ctx.clock.now()
        trainee_mail, mentor_mail = addresses
        with self.ctx.session() as session:
            row = session_month(session, pair.pairing_id, pair.month)
            if session_state(facts_of(row)) not in BOOKABLE:
                claimed = None
            else:
                claimed = claim_booking(
                    session,
                    row,
                    organiser=pair.mentor.aad,
                    start=slot.start,
                    end=slot.end,
                    now=now,
                    requested_by=pair.me.person_id,
                )
            booking = (claimed.id, claimed.transaction_id) if claimed else None
            other = open_booking(session, row.id) if claimed is None else None
            waiting = other is not None and other.status == BookingStatus.PENDING.value
        if booking is None:
            await turn.send(
                "I'm still finding out from Outlook whether the meeting for this month's "
                "session was made. I'll tell you both as soon as I know."
                if waiting
                else self._already_booked_or_logged(pair)
            )
            return
        booking_id, transaction_id = booking
        event = await graph_calendar.create_meeting(
            self.graph,
            pair.mentor.aad,
            subject=SUBJECT,
            body_html=f"<p>{session_body(pair.month, pair.months)}</p>",
            start=slot.start,
            end=slot.end,
            time_zone=pair.mentor.tz,
            attendees=[
                graph_calendar.Attendee(mentor_mail, pair.mentor.name),
                graph_calendar.Attendee(trainee_mail, pair.trainee.name),
            ],
            transaction_id=transaction_id,
        )
        if isinstance(event, GraphError):
            lost = event.maybe_acted
            with self.ctx.session() as session:
                claimed = session.get(SessionBooking, booking_id)
                status = BookingStatus.PENDING if lost else BookingStatus.FAILED
                set_status(session, claimed, status, now, error=event.log_fields())
            log.warning(
                "session booking %s %s (pairing %s month %s): %s",
                booking_id,
                "unconfirmed" if lost else "failed",
                pair.pairing_id,
                pair.month,
                event.log_fields(),
            )
            reason = LinkReason.UNCONFIRMED if lost else LinkReason.CALENDARS_FAILED
            await turn.send(self._link(pair, slot, reason, addresses))
            return
        await self.booked_by_graph(turn, pair, booking_id, event, slot, now)

    async def booked_by_graph(
        self,
        turn: Turn | None,
        pair: PairView,
        booking_id: int,
        event: graph_calendar.CalendarEvent,
        slot: Interval,
        now: datetime,
    ) -> None:
        """Graph made the meeting: the month is booked; both are told (the one who tapped in
        reply, the other through the outbox; with no `turn`, both through the outbox)."""
        minutes = slot_minutes(slot)
        with self.ctx.session() as session:
            booking = session.get(SessionBooking, booking_id)
            set_status(
                session,
                booking,
                BookingStatus.LIVE,
                now,
                event_id=event.event_id,
                join_url=event.join_url,
                error=None,
            )
            row = session_month(session, pair.pairing_id, pair.month)
            book_month(row, slot.start, minutes, event_id=event.event_id, join_url=event.join_url)
            pairing = session.get(Pairing, pair.pairing_id)
            if pairing.session_minutes != minutes:
                pairing.session_minutes = minutes
                session.add(pairing)
        log.info(
            "session booking %s made (pairing %s month %s)", booking_id, pair.pairing_id, pair.month
        )

        await self._confirm(turn, pair, slot, event.join_url, in_calendars=True)

    async def _confirm(
        self,
        turn: Turn | None,
        pair: PairView,
        slot: Interval,
        join_url: str | None,
        *,
        in_calendars: bool,
        moved: bool = False,
    ) -> None:
        """Both get the confirmation: the one who tapped in reply, the other through the
        outbox (with no `turn`, both through the outbox, as booked by the bot)."""

        def card(mentor: bool, by: str | None) -> dict:
            return pair.confirmation(
                mentor, slot, join_url, in_calendars=in_calendars, moved=moved, by=by
            )

        if turn is not None:
            await turn.send(card(pair.me_is_mentor, None))
            key = session_booked_key(
                pair.pairing_id, pair.month, slot.start, pair.partner.person_id
            )
            await self._tell(pair.partner, card(not pair.me_is_mentor, pair.me.name), key)
            return
        for who, mentor in ((pair.trainee, False), (pair.mentor, True)):
            key = session_booked_key(pair.pairing_id, pair.month, slot.start, who.person_id)
            await self._tell(who, card(mentor, None), key)

    async def _tell(self, who: Someone, card: dict, key: str) -> None:
        await self.outbox.send_now(
            PlannedMessage(
                who.aad,
                "session_update",
                key,
                payload=message_payload(cards=[card]),
                routine=False,
                working_hours=False,
            )
        )

    def _not_moved(self, pair: PairView, error: GraphError) -> str:
        when = format_local_datetime(pair.booked_for, pair.me.tz)
        return (
            f"Outlook didn't take the change just now, so your session is still on {when}. "
            "Try Reschedule again in a few minutes."
        )

    async def _move(self, turn: Turn, pair: PairView, slot: Interval) -> None:
        now = self.ctx.clock.now()
        minutes = slot_minutes(slot)
        if pair.event_id is not None:
            moved = await graph_calendar.update_meeting(
                self.graph,
                pair.mentor.aad,
                pair.event_id,
                start=slot.start,
                end=slot.end,
                time_zone=pair.mentor.tz,
            )
            if isinstance(moved, GraphError):
                self.log_fallback(moved, pair, "move")
                await turn.send(self._not_moved(pair, moved))
                return
        with self.ctx.session() as session:
            row = session_month(session, pair.pairing_id, pair.month)
            book_month(row, slot.start, minutes, event_id=pair.event_id, join_url=pair.join_url)
            booking = open_booking(session, row.id)
            if booking is not None and booking.event_id == pair.event_id:
                set_status(
                    session, booking, BookingStatus.LIVE, now, start=slot.start, end=slot.end
                )
        await self._confirm(
            turn, pair, slot, pair.join_url, in_calendars=pair.event_id is not None, moved=True
        )

    async def cancel(self, turn: Turn, value: dict, pair: PairView) -> None:
        now = self.ctx.clock.now()
        if pair.state != SessionState.BOOKED or pair.booked is None:
            await turn.send("There's no booked session to cancel this month.")
            return
        if pair.booked.start <= now:
            await turn.send(self._started(pair))
            return
        reason = text_of(value.get("reason")) or None
        problem = too_long(f"Anything to tell {pair.partner.name}?", reason or "", CANCEL_TEXT)
        if problem is not None:
            await turn.send_paged(problem)
            return
        with self.ctx.session() as session:
            row = session_month(session, pair.pairing_id, pair.month)
            booking = open_booking(session, row.id)
            unbook_month(row)
            to_cancel = None
            if booking is not None and booking.status == BookingStatus.LIVE.value:
                set_status(session, booking, BookingStatus.CANCEL, now)
                to_cancel = (booking.id, booking.event_id)
            elif booking is not None:  # its answer was lost: the sweep finds and cancels it
                set_status(session, booking, BookingStatus.CANCEL, now)
        kept_trying = False
        if to_cancel is not None:
            kept_trying = not await self.cancel_event(
                to_cancel[0], pair.mentor.aad, to_cancel[1], cancel_comment(pair.me.name, reason)
            )
        when = format_local_datetime(pair.booked_for, pair.me.tz)
        mine = f"Cancelled your session on {when}."
        if kept_trying:
            mine += (
                " Outlook didn't answer just now, so the invitation may stay in your calendars "
                "for a while; I'll keep trying to cancel it."
            )
        elif to_cancel is not None:
            mine += " The Teams meeting is cancelled in both your calendars."
        else:
            mine += " Remember to take it out of your calendars."
        await turn.send(mine + f" {pair.partner.name} is told. Pick another time when you can:")
        offer = await self.find_times(pair, now, notice=TAP_NOTICE)
        fresh = replace(pair, state=SessionState.PLANNED, booked_for=None, event_id=None)
        await turn.send(self.offer_or_link(fresh, pair.my_reader, offer, now))
        theirs = (
            f"{pair.me.name} cancelled your mentoring session on "
            f"{format_local_datetime(pair.booked_for, pair.partner.tz)}."
        )
        if reason:
            theirs += f" They said: “{reason}”"
        key = session_cancelled_key(
            pair.pairing_id, pair.month, pair.booked_for, pair.partner.person_id
        )
        await self.outbox.send_now(
            PlannedMessage(
                pair.partner.aad,
                "session_update",
                key,
                payload=message_payload(theirs),
                routine=False,
                working_hours=False,
            )
        )

    async def cancel_event(
        self, booking_id: int, organiser: str, event_id: str, comment: str
    ) -> bool:
        """Cancel the meeting in Outlook; False if Graph did not take it (the sweep retries)."""
        now = self.ctx.clock.now()
        result = await graph_calendar.cancel_meeting(self.graph, organiser, event_id, comment)
        done = result is None or result.kind is GraphErrorKind.NOT_FOUND
        with self.ctx.session() as session:
            booking = session.get(SessionBooking, booking_id)
            if done:
                set_status(session, booking, BookingStatus.CANCELLED, now, error=None)
            else:
                set_status(session, booking, BookingStatus.CANCEL, now, error=result.log_fields())
        if not done:
            log.warning("session booking %s not cancelled yet: %s", booking_id, result.log_fields())
        return done

    def log_fallback(self, result, pair: PairView, what: str) -> None:
        if isinstance(result, GraphError) and result.kind is not GraphErrorKind.NOT_CONFIGURED:
            log.warning(
                "session %s for pairing %s month %s fell back to the Teams link: %s",
                what,
                pair.pairing_id,
                pair.month,
                result.log_fields(),
            )


def suggested_time(
    settings: Settings,
    mentor_tz: str | None,
    trainee_tz: str | None,
    booked: Sequence[Interval],
    minutes: int,
    now: datetime,
    notice: timedelta,
) -> Interval | None:
    """A time inside both people's working hours, for the scheduling link (no calendars)."""
    found = offer_times(
        Availability(mentor_tz),
        Availability(trainee_tz),
        now=now,
        notice=notice,
        configured=working_hours_of(settings),
        holidays=settings.holidays,
        booked=booked,
        minutes=minutes,
        count=1,
        default_zone=settings.default_time_zone,
    )
    return found[0] if found else None


def slot_minutes(slot: Interval) -> int:
    return int((slot.end - slot.start).total_seconds() // 60)


def cancel_comment(name: str | None, reason: str | None) -> str:
    if name is None:
        return "This Step Forward session was booked another way, so this invitation is withdrawn."
    comment = f"{name} cancelled this Step Forward mentoring session."
    return f"{comment} {reason}" if reason else comment
