"""The programme itself: the welcome card, the coordinator channel, the application window and
the programme dates the surveys wait for."""

from __future__ import annotations

from bot.commands import TEAM, Command
from bot.features import Registry, Services
from bot.programme.channel import CoordinatorChannel
from bot.programme.dates import ProgrammeDates
from bot.programme.welcome import Welcome
from bot.programme.window import change_window
from bot.teams import Turn
from domain.authorisation import Action


def register(registry: Registry, services: Services) -> None:
    ctx = services.ctx
    welcome = Welcome(ctx)
    channel = CoordinatorChannel(ctx)
    dates = ProgrammeDates(ctx)
    registry.welcome_card(welcome.card)

    async def window(turn: Turn, argument: str, _roles) -> None:
        await turn.send(change_window(ctx, argument, ctx.clock.now(), turn.sender.aad_object_id))

    async def programme_dates(turn: Turn, argument: str, _roles) -> None:
        await turn.send(dates.dates(argument, ctx.clock.now(), turn.sender.aad_object_id))

    registry.command(
        Command(
            "setup coordinator channel",
            "Make this channel the coordinators' channel",
            (TEAM,),
            Action.SETUP_CHANNEL,
        ),
        channel.set_up,
    )
    registry.command(
        Command(
            "window",
            "window open <date> | window close | window extend <date>",
            (TEAM,),
            Action.MANAGE_WINDOW,
            takes_argument=True,
        ),
        window,
    )
    registry.command(
        Command(
            "dates",
            "dates | dates training ends <date> | dates assessment ends <date> | "
            "dates results <date>",
            (TEAM,),
            Action.MANAGE_DATES,
            takes_argument=True,
            listed=False,
        ),
        programme_dates,
    )
