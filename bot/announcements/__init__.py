"""Announcing a programme's application window in Teams: coordinators compose it from the
channel (the bot drafts the text), a second coordinator approves it, and it goes to chosen
channels (one post) and to every member of chosen staff groups (a personal message each, the
app installed for them first), with Apply, Tell me more and Not for me; people who started an
application are reminded before the close; `announcements` shows whom each reached, by
organisation, and `announce again` sends to the organisations it missed.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from bot.announcements import reminder
from bot.announcements.answers import AnnouncementAnswers
from bot.announcements.composing import Composing
from bot.announcements.delivery import KIND, POST_KIND, AnnouncementDelivery, still_wanted
from bot.announcements.reach import ReachReport
from bot.announcements.records import data_lines
from bot.commands import TEAM, Command
from bot.features import CommandHandler, Registry, Services
from bot.teams import Turn
from domain.authorisation import Action
from store.models import Person


def register(
    registry: Registry, services: Services, *, apply: CommandHandler
) -> Callable[[Session, Person, str], list[str]]:
    """`apply`: the applications feature's `apply` command, which Apply on a card starts.
    Returns what the announcements add to `my data`."""
    ctx = services.ctx
    composing = Composing(ctx, services.graph)
    delivery = AnnouncementDelivery(ctx, services.outbox, services.graph)
    answers = AnnouncementAnswers(ctx, services.outbox, apply)
    reach = ReachReport(ctx, composing)
    registry.sweep_step(delivery.step)
    registry.planner(reminder.plan_reminders)
    registry.still_wanted_check((KIND, POST_KIND), still_wanted)
    registry.still_wanted_check((reminder.KIND,), reminder.still_wanted)
    registry.first_contact(delivery.greet)

    coordinator_actions = {
        "preview": composing.preview,
        "approve": composing.approve,
        "cancel": composing.cancel,
    }

    async def coordinator_action(turn: Turn, value: dict) -> None:
        action = coordinator_actions.get(str(value.get("announcement")))
        if action is None:
            await turn.send("Sorry, I couldn't read that. Type **announcements** to see them.")
            return
        await action(turn, value)

    async def announcements(turn: Turn, _argument: str, _roles) -> None:
        await turn.send_paged(reach.report(turn.sender.aad_object_id))

    registry.command(
        Command(
            "announce",
            "announce [programme]: tell staff in channels and staff groups that applications "
            "are open",
            (TEAM,),
            Action.ANNOUNCE,
            takes_argument=True,
            listed=False,  # Teams' menu holds 10; `help` lists it
        ),
        composing.form,
    )
    registry.command(
        Command(
            "announce again",
            "announce again <number>: send an announcement to the organisations it missed",
            (TEAM,),
            Action.ANNOUNCE,
            takes_argument=True,
            listed=False,
        ),
        reach.again,
    )
    registry.command(
        Command(
            "announcements",
            "Announcements and whom they reached, by organisation",
            (TEAM,),
            Action.ANNOUNCE,
            listed=False,
        ),
        announcements,
    )
    registry.card_action("announcement", coordinator_action, action=Action.ANNOUNCE)
    # Anyone the announcement reached may press these; the handler answers for the presser.
    registry.card_action("announced", answers.answer)
    return data_lines
