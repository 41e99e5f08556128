"""Escalations and participants' help: what reaches the coordinator channel at once (I need
help, release blocks, re-pair requests, refused placements) or when the sweep finds a pairing
stalled; the card, the coordinators' actions on it and its re-post to the champion."""

from __future__ import annotations

from bot.commands import PERSONAL, TEAM, Command
from bot.escalations.escalations import Escalations
from bot.escalations.participant_help import ParticipantHelp
from bot.escalations.planner import plan_escalations
from bot.escalations.replies import ReplyForwarding
from bot.events import PairingEnded
from bot.features import Registry, Services
from bot.teams import Turn
from domain.authorisation import Action


def register(registry: Registry, services: Services) -> ParticipantHelp:
    """Returns the participants' help, through which other features raise escalations."""
    ctx = services.ctx
    escalations = Escalations(
        ctx, services.outbox, services.messenger, services.graph, services.events
    )
    help_ = ParticipantHelp(ctx, escalations)
    replies = ReplyForwarding(ctx, services.outbox, escalations)
    registry.free_text_handler(replies.forward)
    registry.events.subscribe(PairingEnded, escalations.pairing_ended)
    registry.planner(plan_escalations)

    async def need_help(turn: Turn, argument: str, _roles) -> None:
        await help_.need_help(turn, argument)

    async def cant_get_released(turn: Turn, argument: str, _roles) -> None:
        await help_.ask_release(turn, argument)

    async def different_mentor(turn: Turn, argument: str, _roles) -> None:
        await help_.ask_repair(turn, argument)

    async def placements(turn: Turn, _argument: str, _roles) -> None:
        await help_.show_placements(turn)

    async def listing(turn: Turn, _argument: str, _roles) -> None:
        await turn.send_paged(escalations.listing(ctx.clock.now()))

    own = (PERSONAL,)
    registry.command(
        Command(
            "I need help",
            "Tell the coordinators privately (add a few words if you like)",
            own,
            Action.VIEW_OWN,
            takes_argument=True,
        ),
        need_help,
    )
    registry.command(
        Command(
            "I can't get released",
            "Not released for a session, training or placement? Tell the coordinators",
            own,
            Action.VIEW_OWN,
            takes_argument=True,
        ),
        cant_get_released,
    )
    registry.command(
        Command(
            "I want a different mentor",
            "Ask the coordinators privately to be re-paired",
            own,
            Action.VIEW_OWN,
            takes_argument=True,
        ),
        different_mentor,
    )
    registry.command(
        Command(
            "placements",
            "Your shadowing, attachment and secondment requests",
            own,
            Action.VIEW_OWN,
            listed=False,
        ),
        placements,
    )
    registry.command(
        Command(
            "escalations", "Open escalations, oldest first", (TEAM,), Action.HANDLE_ESCALATIONS
        ),
        listing,
    )
    registry.card_action("escalation", escalations.act, action=Action.HANDLE_ESCALATIONS)
    registry.card_action("release_block", help_.release_form_answer)
    registry.card_action("repair_request", help_.repair_answer)
    registry.card_action("placement", help_.placement_answer)
    return help_
