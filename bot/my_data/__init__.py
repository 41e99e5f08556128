"""A person's rights over their data: `my data` shows everything held about them, readable;
`delete my data` erases what identifies them (after they confirm)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.commands import PERSONAL, Command
from bot.features import Registry, Services
from bot.my_data.subject_rights import DataSection, MyData
from bot.teams import Turn
from domain.authorisation import Action


def register(
    registry: Registry, services: Services, *, sections: Sequence[DataSection] = ()
) -> None:
    """`sections`: what other features hold about a person, as lines (the cohort events)."""
    my_data = MyData(services.ctx, services.events, sections)

    async def show(turn: Turn, _argument: str, _roles) -> None:
        await my_data.show(turn)

    async def ask_to_delete(turn: Turn, _argument: str, _roles) -> None:
        await my_data.ask_to_delete(turn)

    registry.command(
        Command(
            "my data",
            "Everything the programme holds about you",
            (PERSONAL,),
            Action.VIEW_OWN,
            listed=False,
        ),
        show,
    )
    registry.command(
        Command(
            "delete my data",
            "Ask for your data to be deleted",
            (PERSONAL,),
            Action.VIEW_OWN,
            listed=False,
        ),
        ask_to_delete,
    )
    registry.card_action("my_data", my_data.answer)
