"""Pairing and sessions: coordinators pair trainees with mentors; each month the pair is offered
times both are free and books a Teams meeting in one tap (or gets the Teams scheduling link),
is reminded, and afterwards the bot knows whether the session happened (Teams attendance, or
one tap each); check-ins at weeks 2, 4 and 6; each person sees their own programme and action
plan."""

from __future__ import annotations

from adaptive_cards.submitted import card_int
from bot.commands import PERSONAL, TEAM, Command
from bot.escalations.participant_help import ParticipantHelp
from bot.events import PairingEnded, PairingEndRequested
from bot.features import Registry, Services
from bot.pairing.booking import Bookings
from bot.pairing.booking_sweep import BookingSweep
from bot.pairing.my_programme import MyProgramme, UpcomingLines
from bot.pairing.nudges import plan_pairing_nudges
from bot.pairing.pairings import Pairings
from bot.pairing.session_actions import SessionActions
from bot.pairing.verification import Verification
from bot.teams import Turn
from domain.authorisation import Action
from domain.text_limits import text_of


def register(
    registry: Registry,
    services: Services,
    *,
    help_: ParticipantHelp,
    upcoming: UpcomingLines | None = None,
) -> Pairings:
    """`upcoming`: more lines for `my programme` (the cohort events still to come)."""
    ctx = services.ctx
    pairings = Pairings(ctx, services.outbox, services.events)
    sessions = SessionActions(ctx, services.outbox, help_)
    bookings = Bookings(ctx, services.outbox, services.graph)
    booking_sweep = BookingSweep(ctx, bookings)
    verification = Verification(ctx, services.outbox, services.graph, bookings, help_)
    mine = MyProgramme(ctx, upcoming)
    registry.events.subscribe(PairingEndRequested, pairings.end_requested)
    registry.events.subscribe(PairingEnded, booking_sweep.pairing_ended)
    # Graph first (the times a month's card offers, lost bookings, attendance), then the rules.
    registry.sweep_step(booking_sweep.follow_up)
    registry.sweep_step(booking_sweep.prepare_offers)
    registry.sweep_step(verification.check_attendance)
    registry.planner(plan_pairing_nudges)

    async def my_programme(turn: Turn, _argument: str, _roles) -> None:
        await mine.show(turn)

    async def add_step(turn: Turn, argument: str, _roles) -> None:
        await mine.add_step(turn, argument)

    async def done(turn: Turn, argument: str, _roles) -> None:
        await mine.tick(turn, argument)

    async def snooze(turn: Turn, argument: str, _roles) -> None:
        await mine.snooze(turn, argument)

    async def pause_until(turn: Turn, argument: str, _roles) -> None:
        await mine.pause_until(turn, argument)

    async def pause_from_card(turn: Turn, value: dict) -> None:
        """The date picker of a card's Pause button (the re-engagement message)."""
        await mine.pause_until(turn, text_of(value.get("until")))

    async def suggest_pairs(turn: Turn, _argument: str, _roles) -> None:
        await pairings.suggest(turn)

    async def pair(turn: Turn, argument: str, _roles) -> None:
        await pairings.pair_by_name(turn, argument)

    async def pairs(turn: Turn, _argument: str, _roles) -> None:
        await turn.send_paged(pairings.listing(ctx.clock.now()))

    async def end_pairing(turn: Turn, argument: str, _roles) -> None:
        await pairings.end(turn, argument, repair=False)

    async def re_pair(turn: Turn, argument: str, _roles) -> None:
        await pairings.end(turn, argument, repair=True)

    async def confirm_pair(turn: Turn, value: dict) -> None:
        trainee, mentor = card_int(value.get("trainee")), card_int(value.get("mentor"))
        if trainee is None or mentor is None:
            await turn.send("Sorry, I couldn't read that pairing.")
            return
        await pairings.confirm(turn, trainee, mentor)

    own = (PERSONAL,)
    registry.command(
        Command("my programme", "Your pairing, sessions and next step", own, Action.VIEW_OWN),
        my_programme,
    )
    registry.command(
        Command(
            "add step",
            "add step <what>: add to your action plan",
            own,
            Action.VIEW_OWN,
            takes_argument=True,
        ),
        add_step,
    )
    registry.command(
        Command(
            "done",
            "done <number>: tick a step of your action plan",
            own,
            Action.VIEW_OWN,
            takes_argument=True,
        ),
        done,
    )
    registry.command(
        Command(
            "snooze",
            "snooze <days>: hold routine reminders (snooze off to undo)",
            own,
            Action.VIEW_OWN,
            takes_argument=True,
        ),
        snooze,
    )
    registry.command(
        Command(
            "pause until",
            "pause until <date>: hold routine reminders while you're away",
            own,
            Action.VIEW_OWN,
            takes_argument=True,
            listed=False,  # Teams' menu holds 10; `help` lists it
        ),
        pause_until,
    )
    registry.command(
        Command(
            "suggest pairs",
            "Suggest mentors for trainees without one",
            (TEAM,),
            Action.MANAGE_PAIRS,
        ),
        suggest_pairs,
    )
    registry.command(
        Command(
            "pair",
            "pair <trainee> with <mentor>",
            (TEAM,),
            Action.MANAGE_PAIRS,
            takes_argument=True,
        ),
        pair,
    )
    registry.command(
        Command(
            "pairs", "Active pairs: sessions planned, booked and held", (TEAM,), Action.MANAGE_PAIRS
        ),
        pairs,
    )
    registry.command(
        Command(
            "end pairing",
            "end pairing <trainee>",
            (TEAM,),
            Action.MANAGE_PAIRS,
            takes_argument=True,
        ),
        end_pairing,
    )
    registry.command(
        Command(
            "re-pair",
            "re-pair <trainee>: end the pairing and suggest new mentors",
            (TEAM,),
            Action.MANAGE_PAIRS,
            takes_argument=True,
            listed=False,
        ),
        re_pair,
    )
    registry.card_action(
        "pairing",
        confirm_pair,
        action=Action.MANAGE_PAIRS,
        when=lambda value: value.get("pairing") == "confirm",
    )
    registry.card_action("booking", bookings.answer)
    registry.card_action(
        "session",
        verification.answer,
        when=lambda value: value.get("session") in ("answer", "notes"),
    )
    registry.card_action("session", sessions.session_answer)
    registry.card_action("check_in", sessions.check_in)
    registry.card_action("pause_until", pause_from_card)
    return pairings
