"""What a feature adds to the bot, registered once: its commands, card actions, dialogs, sweep
planners and steps, "still wanted?" checks and HTTP routes, and the events features tell each other.

A feature is a package under `bot/` with a `register(registry, services, ...)` function
(`bot.assembly` calls them all, in order). The router (`bot.routing`) answers turns from the
tables collected here, and the outbox engine (`bot.outbox`) runs the planners and checks.
Features never set each other's attributes: one that needs another gets a call passed in to
its `register`, or listens for an event.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.commands import Command
from domain.authorisation import Action, Role

if TYPE_CHECKING:
    from bot.context import AppContext
    from bot.graph import GraphClient
    from bot.outbox.dispatcher import StillWanted
    from bot.outbox.engine import Outbox
    from bot.outbox.sweep import Planner
    from bot.teams import TeamsMessenger, Turn

log = logging.getLogger(__name__)

# A command's handler: the turn, the words after the command, and the sender's roles.
CommandHandler = Callable[["Turn", str, frozenset[Role]], Awaitable[None]]
# A card button's handler: the turn and the card's submitted data.
CardHandler = Callable[["Turn", dict], Awaitable[None]]
# An async step a sweep runs before its planners (e.g. reading Microsoft Graph), storing facts
# the planners then read; a dry run skips it.
SweepStep = Callable[["AppContext", datetime], Awaitable[None]]


@dataclass(frozen=True)
class CommandRoute:
    command: Command
    handler: CommandHandler


@dataclass(frozen=True)
class CardRoute:
    """A card button: chosen when `key` is in the submitted data (and `when` agrees).

    `action`: who may press it, checked before the handler runs (None: the handler itself
    checks that the person is the one the card is for)."""

    key: str
    handler: CardHandler
    action: Action | None = None
    when: Callable[[dict], bool] | None = None

    def matches(self, value: dict) -> bool:
        return self.key in value and (self.when is None or self.when(value))


class Events:
    """Features telling each other what happened (in-process, awaited in order)."""

    def __init__(self) -> None:
        self._handlers: dict[type, list[Callable[[Any], Awaitable[None]]]] = {}

    def subscribe(self, event_type: type, handler: Callable[[Any], Awaitable[None]]) -> None:
        self._handlers.setdefault(event_type, []).append(handler)

    async def publish(self, event: object) -> None:
        for handler in self._handlers.get(type(event), []):
            await handler(event)


@dataclass
class Registry:
    commands: list[CommandRoute] = field(default_factory=list)
    card_routes: list[CardRoute] = field(default_factory=list)
    # Dialogs (botbuilder dialogs from `dialogs/`), added to the handler's dialog set.
    dialogs: list[Any] = field(default_factory=list)
    planners: list[Planner] = field(default_factory=list)
    sweep_steps: list[SweepStep] = field(default_factory=list)
    still_wanted: dict[str, StillWanted] = field(default_factory=dict)
    routes: list[web.RouteDef] = field(default_factory=list)
    events: Events = field(default_factory=Events)
    # Asked, in order, about a message nothing else understood; True: handled (e.g. a reply
    # the bot invited, which goes to the coordinators).
    free_text: list[Callable[[Turn], Awaitable[bool]]] = field(default_factory=list)
    # The first card a person gets in a personal chat (one feature provides it).
    welcome: Callable[[Turn], Awaitable[dict | str]] | None = None
    # Features with something waiting for a person the bot was just installed for: the first
    # that answers True has greeted them itself, and the welcome card is not sent.
    first_contacts: list[Callable[[Turn], Awaitable[bool]]] = field(default_factory=list)

    def command(self, command: Command, handler: CommandHandler) -> None:
        if any(route.command.name == command.name for route in self.commands):
            raise ValueError(f"command {command.name!r} registered twice")
        self.commands.append(CommandRoute(command, handler))

    def card_action(
        self,
        key: str,
        handler: CardHandler,
        *,
        action: Action | None = None,
        when: Callable[[dict], bool] | None = None,
    ) -> None:
        self.card_routes.append(CardRoute(key, handler, action, when))

    def dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog)

    def planner(self, planner: Planner) -> None:
        self.planners.append(planner)

    def sweep_step(self, step: SweepStep) -> None:
        self.sweep_steps.append(step)

    def still_wanted_check(self, kinds, check: StillWanted) -> None:
        for kind in kinds:
            if kind in self.still_wanted:
                raise ValueError(f"a still-wanted check for {kind!r} exists already")
            self.still_wanted[kind] = check

    def route(self, route: web.RouteDef) -> None:
        self.routes.append(route)

    def free_text_handler(self, handler: Callable[[Turn], Awaitable[bool]]) -> None:
        self.free_text.append(handler)

    def welcome_card(self, provider: Callable[[Turn], Awaitable[dict | str]]) -> None:
        self.welcome = provider

    def first_contact(self, greet: Callable[[Turn], Awaitable[bool]]) -> None:
        self.first_contacts.append(greet)


@dataclass(frozen=True)
class Services:
    """What the running bot gives every feature."""

    ctx: AppContext
    outbox: Outbox
    messenger: TeamsMessenger | None
    graph: GraphClient
    events: Events
