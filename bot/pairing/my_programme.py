"""A participant's own programme: their pair, sessions achieved vs planned, the next step,
their action plan (small steps they add and tick), and snoozing routine reminders."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.context import AppContext
from bot.outbox.planned import recipient_time_zone
from bot.participants import sender_and_pairing, sender_person
from bot.teams import Turn
from domain.cadence import month_bounds, programme_month, sessions_planned_by
from domain.local_time import format_local_date, format_local_datetime
from store.models import Person
from store.pairings import add_step, pair_people, sessions_of, steps_of

# More lines another feature adds (the person's events still to come): (session, person, zone,
# now) -> lines.
UpcomingLines = Callable[[Session, Person, str, datetime], list[str]]
MAX_SNOOZE_DAYS = 30
MAX_STEP_LENGTH = 200


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
                tz = recipient_time_zone(session, self.ctx.settings, me.aad_object_id)
                coming = self.upcoming(session, me, tz, now)
            if pairing is None:
                replies.append(
                    "You're not paired with anyone yet. Type **apply** to join the programme, "
                    "or **my application** to see where your application is."
                    + ("\n" + "\n".join(coming) if coming else "")
                )
                return
            tz = recipient_time_zone(session, self.ctx.settings, me.aad_object_id)
            trainee, mentor = pair_people(session, pairing)
            partner, role = (mentor, "mentor") if me.id == trainee.id else (trainee, "mentee")
            rows = {r.month: r for r in sessions_of(session, pairing.id)}
            held = sum(1 for r in rows.values() if r.happened)
            planned = sessions_planned_by(pairing.paired_at, now, pairing.length_months)
            steps = steps_of(session, pairing.id, me.id)
            lines = [
                f"**Your {role}: {partner.display_name}** "
                f"(since {format_local_date(pairing.paired_at, tz)})",
                f"Sessions: {held} of {planned} planned so far ({pairing.length_months} in all).",
                f"Next: {self._next_step(pairing, rows, now, tz)}",
                "",
                "**Your action plan**",
            ]
            lines += [
                f"{n}. {'✅' if step.done_at else '⬜'} {step.text}"
                for n, step in enumerate(steps, start=1)
            ] or ["No steps yet. Break your goal into small steps you can take this month."]
            lines += coming
            lines += [
                "",
                "Add a step: **add step <what>** · tick one: **done <number>**",
                "Something in the way? **I need help** · **I can't get released** · "
                "shadowing and secondments: **placements**",
            ]
        await turn.send("\n".join(lines))

    @staticmethod
    def _next_step(pairing, rows, now, tz) -> str:
        month = programme_month(pairing.paired_at, now, pairing.length_months)
        if month is None:
            return "your programme has finished — thank you!"
        row = rows.get(month)
        if row is not None and row.logged_at is not None:
            if month == pairing.length_months:
                return "all sessions are done — well done!"
            starts, _ = month_bounds(pairing.paired_at, month + 1)
            starts_on = format_local_date(starts, tz)
            return f"month {month} is logged; month {month + 1} starts {starts_on}."
        if row is not None and row.booking == "booked" and row.booked_for:
            if row.booked_for > now:
                return f"your session on {format_local_datetime(row.booked_for, tz)}."
            return f"log your month-{month} session (I'll send you the form)."
        if row is not None and row.booking == "cant":
            return "the coordinators know you can't meet this month and will be in touch."
        return f"book your month-{month} session (use the card I sent you)."

    async def add_step(self, turn: Turn, text: str) -> None:
        text = " ".join(text.split())
        if not text:
            await turn.send("Please say what the step is, e.g. **add step update my CV**.")
            return
        if len(text) > MAX_STEP_LENGTH:
            await turn.send(f"Please keep a step under {MAX_STEP_LENGTH} characters.")
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
            me.snoozed_until = now + timedelta(days=days)
            session.add(me)
            tz = recipient_time_zone(session, self.ctx.settings, me.aad_object_id)
            until = format_local_date(me.snoozed_until, tz)
        await turn.send(
            f"OK — I'll hold routine reminders until {until}. Messages from the coordinators "
            "still reach you. Type **snooze off** to undo."
        )
