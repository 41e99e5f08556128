"""A participant's own programme: their pair, sessions achieved vs planned, the next step,
their action plan (small steps they add and tick), and snoozing or pausing routine reminders."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.context import AppContext
from bot.outbox.planned import recipient_time_zone, time_zone_of
from bot.pairing.nudges import nudge_row
from bot.participants import sender_and_pairing, sender_person
from bot.teams import Turn
from domain.application_review import Status, describe
from domain.authorisation import Role
from domain.cadence import (
    ItemKind,
    month_bounds,
    programme_end,
    programme_month,
    sessions_planned_by,
)
from domain.endings import EndReason
from domain.keys import month_period
from domain.local_time import (
    format_day,
    format_local_date,
    format_local_datetime,
    parse_date,
    start_of_local_day,
)
from domain.participation import Standing, partner_role, standing
from domain.pauses import is_paused
from domain.sessions import SessionState, facts_of, is_held, session_state
from domain.text_limits import SHORT_TEXT, too_long
from store.applications import application_of
from store.erasure import is_erased
from store.models import PairingStatus, Person
from store.moments import facts_changed
from store.outbox import OutboxStatus, by_key
from store.pairings import add_step, latest_pairing_of, pair_people, sessions_of, steps_of
from store.pauses import end_pause, hold_reminders
from store.programmes import current_programme

# More lines another feature adds (the person's events still to come): (session, person, zone,
# now) -> lines.
UpcomingLines = Callable[[Session, Person, str, datetime], list[str]]
MAX_SNOOZE_DAYS = 30
MAX_PAUSE_DAYS = 180
MAX_STEP_LENGTH = SHORT_TEXT


class MyProgramme:
    def __init__(self, ctx: AppContext, upcoming: UpcomingLines | None = None) -> None:
        self.ctx = ctx
        self.upcoming = upcoming

    async def show(self, turn: Turn) -> None:
        now = self.ctx.clock.now()
        async with self.ctx.session_then_reply(turn) as (session, replies):
            me, pairing = sender_and_pairing(session, turn.sender)
            coming = []
            if me is not None and self.upcoming is not None:
                coming = self.upcoming(session, me, time_zone_of(me, self.ctx.settings), now)
            if me is None or pairing is None:
                text = self._not_paired(session, me, now)
                replies.append(text + ("\n" + "\n".join(coming) if coming else ""))
                return
            lines = self._paired(session, me, pairing, now, coming)
        await turn.send("\n".join(lines))

    def _paired(self, session, me, pairing, now, coming: list[str]) -> list[str]:
        tz = time_zone_of(me, self.ctx.settings)
        trainee, mentor = pair_people(session, pairing)
        is_trainee = me.id == trainee.id
        partner, role = (mentor, "mentor") if is_trainee else (trainee, "mentee")
        rows = {r.month: r for r in sessions_of(session, pairing.id)}
        held = sum(1 for r in rows.values() if r.happened)
        planned = sessions_planned_by(pairing.paired_at, now, pairing.length_months)
        steps = [
            f"{n}. {'✅' if step.done_at else '⬜'} {step.text}"
            for n, step in enumerate(steps_of(session, pairing.id, me.id), start=1)
        ]
        since = format_local_date(pairing.paired_at, tz)
        if programme_month(pairing.paired_at, now, pairing.length_months) is None:
            ended = format_local_date(
                programme_end(pairing.paired_at, pairing.length_months) - timedelta(seconds=1), tz
            )
            return [
                f"**Your programme with your {role} {partner.display_name} has finished** "
                f"({since} to {ended})",
                f"Sessions held: {held} of {pairing.length_months}.",
                "Thank you for taking part!" if is_trainee else "Thank you for the time you gave!",
                "",
                "**Your action plan**",
                *(steps or ["No steps were added."]),
            ]
        lines = [
            f"**Your {role}: {partner.display_name}** (since {since})",
            f"Sessions: {held} of {planned} planned so far ({pairing.length_months} in all).",
            f"Next: {self._next_step(session, me, pairing, rows, now, tz)}",
            "",
            "**Your action plan**",
        ]
        lines += steps or [
            "No steps yet. Break your goal into small steps you can take this month."
            if is_trainee
            else f"No steps yet. Note the small steps you and {partner.display_name} agree on."
        ]
        lines += coming
        if is_paused(me.snoozed_until, now):
            lines += [
                "",
                f"Routine reminders are paused until "
                f"{format_local_date(me.snoozed_until, tz)} (**snooze off** to resume).",
            ]
        lines += [
            "",
            "Add a step: **add step <what>** · tick one: **done <number>**",
            "Something in the way? **I need help** · **I can't get released**"
            + (" · shadowing and secondments: **placements**" if is_trainee else ""),
        ]
        return lines

    async def pause_until(self, turn: Turn, argument: str) -> None:
        """Hold routine reminders until a date (someone going on leave); they start again on
        that day, in the person's zone."""
        now = self.ctx.clock.now()
        async with self.ctx.session_then_reply(turn) as (session, replies):
            me = sender_person(session, turn.sender)
            if me is None:
                return
            tz = recipient_time_zone(session, self.ctx.settings, me.aad_object_id)
            day = parse_date(argument)
            if day is None:
                replies.append(
                    "Please give the day you'll be back, e.g. **pause until 15 January 2027** "
                    "or **pause until 2027-01-15**."
                )
                return
            back = start_of_local_day(day, tz)
            if back <= now or back > now + timedelta(days=MAX_PAUSE_DAYS):
                replies.append(
                    f"Please pick a day after today and at most {MAX_PAUSE_DAYS} days away. "
                    "Nothing has changed."
                )
                return
            hold_reminders(session, me, now, back)
            replies.append(
                f"OK — I'll hold routine reminders until {format_day(day)} and start again "
                "that day. Messages from the coordinators still reach you, and they can see "
                "you're away. Type **snooze off** to undo."
            )

    def _not_paired(self, session, me, now) -> str:
        """What someone without an active pairing is told, for where they stand."""
        programme = current_programme(session, now)
        application = application_of(session, programme.id, me.id) if programme and me else None
        latest = latest_pairing_of(session, me.id) if me else None
        ended = latest is not None and latest.status == PairingStatus.DISSOLVED.value
        where = standing(application.status if application else None, ended_early=ended)
        role = application.role if application else None
        if ended:
            role = "trainee" if latest.trainee_person_id == me.id else "mentor"
        partner = partner_role(role)
        if where == Standing.ENDED:
            tz = recipient_time_zone(session, self.ctx.settings, me.aad_object_id)
            other_id = latest.mentor_person_id if role == "trainee" else latest.trainee_person_id
            other = session.get(Person, other_id)
            # Someone who left is not named (nor is why they went).
            with_whom = f"your {partner}" if is_erased(other) else other.display_name
            said = (
                f"Your pairing with {with_whom} ended on "
                f"{format_local_date(latest.ended_at, tz)}."
            )
            accepted = application is not None and application.status == Status.ACCEPTED.value
            if role == "trainee" and latest.end_reason == EndReason.REPAIR and accepted:
                return f"{said} The coordinators will introduce you to a new mentor soon."
            thanks = " Thank you for the time you gave." if role == "mentor" else ""
            return (
                f"{said}{thanks} If you have any questions, type **I need help** to reach the "
                "programme coordinators."
            )
        if where == Standing.WAITING:
            as_what = " as a mentor" if role == "mentor" else ""
            return (
                f"You're accepted{as_what} on {programme.name} and waiting to be paired with a "
                f"{partner}. The coordinators will pair you soon, and I'll introduce you both "
                "here."
            )
        if where == Standing.OFFERED:
            offer = by_key(session, f"application:{application.id}:offer")
            offered = f"You've been offered a place on {programme.name}"
            if offer is not None and offer.status == OutboxStatus.SENT.value:
                return f"{offered}: accept or decline it on the offer card I sent you."
            if offer is not None and offer.status == OutboxStatus.PENDING.value:
                return f"{offered}: the offer card is on its way to you."
            return (
                f"{offered}, but the offer card has not reached you. Type **I need help** and "
                "the coordinators will sort it out."
            )
        if where == Standing.APPLYING:
            return (
                f"Your application is {describe(application.status)}. Type **my application** "
                f"to see it. Once you're accepted and paired with a {partner}, your sessions "
                "and action plan show here."
            )
        if where == Standing.NOT_TAKING_PART:
            again = (
                "Type **apply** to apply again while applications are open."
                if application.status == Status.WITHDRAWN.value
                else "You're welcome to apply in a future window."
            )
            return (
                f"Your application to {programme.name} is {describe(application.status)}. {again}"
            )
        if me is not None and Role.COORDINATOR in self.ctx.roles(session, me.aad_object_id):
            return (
                "You're a programme coordinator, not a trainee or mentor in the programme. To "
                "see everyone's pairs, @mention me with **pairs** in the coordinator channel."
            )
        return (
            "You're not taking part in the programme yet. Type **apply** to join it as a trainee "
            "or a mentor."
        )

    @staticmethod
    def _next_step(session, me, pairing, rows, now, tz) -> str:
        month = programme_month(pairing.paired_at, now, pairing.length_months)
        if month is None:
            return "your programme has finished — thank you!"
        row = rows.get(month)
        state = session_state(facts_of(row)) if row is not None else SessionState.PLANNED
        if row is not None and (
            row.logged_at is not None or is_held(state) or state == SessionState.DISPUTED
        ):
            if month == pairing.length_months:
                return "all sessions are done — well done!"
            starts, _ = month_bounds(pairing.paired_at, month + 1)
            starts_on = format_local_date(starts, tz)
            return f"month {month} is logged; month {month + 1} starts {starts_on}."
        if state == SessionState.BOOKED:
            if row.booked_for > now:
                return f"your session on {format_local_datetime(row.booked_for, tz)}."
            form = nudge_row(session, me, ItemKind.LOG_REQUEST, month_period(month), pairing)
            return (
                f"tell me whether your month-{month} session happened "
                f"({_card_words(form, 'the card', tz)})."
            )
        if state == SessionState.NOT_HELD:
            card = nudge_row(session, me, ItemKind.BOOK_SESSION, month_period(month), pairing)
            cards = _card_words(card, "the booking card", tz)
            return f"book another time for month {month} ({cards})."
        if row is not None and row.booking == "cant":
            return "the coordinators know you can't meet this month and will be in touch."
        card = nudge_row(session, me, ItemKind.BOOK_SESSION, month_period(month), pairing)
        if card is not None and card.status == OutboxStatus.PENDING.value:
            when = format_local_datetime(card.next_attempt_at, tz)
            return f"book your month-{month} session: I'll send you a card to book it on {when}."
        if card is not None and card.status == OutboxStatus.SENT.value:
            return f"book your month-{month} session (use the card I sent you)."
        return f"book your month-{month} session with your {_partner_role(me, pairing)}."

    async def add_step(self, turn: Turn, text: str) -> None:
        text = " ".join(text.split())
        if not text:
            await turn.send("Please say what the step is, e.g. **add step update my CV**.")
            return
        problem = too_long("A step", text, MAX_STEP_LENGTH)
        if problem is not None:
            await turn.send_paged(problem)
            return
        async with self.ctx.session_then_reply(turn) as (session, replies):
            me, pairing = sender_and_pairing(session, turn.sender)
            if pairing is None:
                replies.append("Your action plan starts once you're paired.")
                return
            add_step(session, pairing.id, me.id, text, self.ctx.clock.now())
            count = len(steps_of(session, pairing.id, me.id))
        await turn.send(f"Added step {count}: {text}")

    async def tick(self, turn: Turn, argument: str) -> None:
        async with self.ctx.session_then_reply(turn) as (session, replies):
            me, pairing = sender_and_pairing(session, turn.sender)
            if pairing is None:
                replies.append("Your action plan starts once you're paired.")
                return
            steps = steps_of(session, pairing.id, me.id)
            try:
                step = steps[int(argument) - 1] if int(argument) >= 1 else None
            except (ValueError, IndexError):
                step = None
            if step is None:
                replies.append(
                    f"Please give a step number from 1 to {len(steps)}, e.g. **done 1**."
                    if steps
                    else "You have no steps yet: **add step <what>**."
                )
                return
            if step.done_at is not None:
                replies.append(f"Step {argument} is already ticked.")
                return
            step.done_at = self.ctx.clock.now()
            session.add(step)
            text = step.text
        await turn.send(f"Ticked: {text}. Nice one!")

    async def snooze(self, turn: Turn, argument: str) -> None:
        now = self.ctx.clock.now()
        async with self.ctx.session_then_reply(turn) as (session, replies):
            me = sender_person(session, turn.sender)
            if me is None:
                return
            if argument.lower() in ("off", "0", "stop"):
                me.snoozed_until = None
                session.add(me)
                end_pause(session, me.id, now)
                facts_changed(session, person_ids=[me.id])
                replies.append("Reminders are back on.")
                return
            try:
                days = int(argument.split()[0]) if argument else 0
            except ValueError:
                days = 0
            if not 1 <= days <= MAX_SNOOZE_DAYS:
                replies.append(
                    f"Please say for how many days, from 1 to {MAX_SNOOZE_DAYS}: e.g. **snooze 7**."
                )
                return
            hold_reminders(session, me, now, now + timedelta(days=days))
            tz = recipient_time_zone(session, self.ctx.settings, me.aad_object_id)
            until = format_local_date(me.snoozed_until, tz)
        await turn.send(
            f"OK — I'll hold routine reminders until {until}. Messages from the coordinators "
            "still reach you. Type **snooze off** to undo."
        )


def _partner_role(me, pairing) -> str:
    return "mentor" if me.id == pairing.trainee_person_id else "mentee"


def _card_words(row, what: str, tz: str) -> str:
    """How to refer to a nudge card: only as sent once it was (it may wait for working hours)."""
    if row is not None and row.status == OutboxStatus.SENT.value:
        return f"use {what} I sent you"
    if row is not None and row.status == OutboxStatus.PENDING.value:
        return f"I'll send you {what} on {format_local_datetime(row.next_attempt_at, tz)}"
    return f"I'll send you {what}"
