"""Answering a message: from the tables features registered (`bot.features.Registry`) to the
handler that answers it.

In order: a card button (the first card route whose key is in the submitted data), a command
(typed, named by a button's `action`, or a polite variant: "my programme please"), the dialog
in progress (a form being filled in), a reply the bot invited (the features' free-text
handlers), and otherwise a kind answer: hello and thanks, where a command works when it is
used in the wrong place, the closest command for a near miss. Who may do what is checked here,
before any handler runs, with the authorisation policy in `domain.authorisation`.
"""

from __future__ import annotations

import logging

from bot.commands import (
    PERSONAL,
    TEAM,
    Command,
    ParsedCommand,
    Reading,
    commands_for,
    read,
)
from bot.context import AppContext
from bot.features import Registry
from bot.teams import Turn
from domain.authorisation import COORDINATOR_ONLY, Action, Role, may

log = logging.getLogger(__name__)

HELP = Command("help", "What I can do for you", (PERSONAL, TEAM), Action.HELP)


class Router:
    def __init__(self, ctx: AppContext, registry: Registry) -> None:
        self.ctx = ctx
        self.registry = registry

    @property
    def _commands(self) -> list[Command]:
        return [route.command for route in self.registry.commands]

    async def on_message(self, turn: Turn) -> None:
        value = turn.value
        if value is not None:
            route = next((r for r in self.registry.card_routes if r.matches(value)), None)
            if route is not None:
                if route.action is None or await self._allowed(turn, route.action):
                    await route.handler(turn, value)
                return
        text = turn.text
        if not text and value is not None:
            text = self._command_named(value.get("action"))
        reading = read(text, turn.scope, self._commands) if text else None
        if reading is not None and reading.kind == "command":
            await self._run(turn, reading.parsed)
            return
        if await turn.resume_dialog():
            return
        if reading is not None and reading.kind == "near" and len(text.split()) <= 4:
            await self._answer(turn, reading)  # a mistyped command, not words for someone
            return
        for handler in self.registry.free_text:
            if await handler(turn):
                return
        if reading is None:
            await turn.send("That card has expired. Type **help** to see what I can do.")
            return
        await self._answer(turn, reading)

    async def _answer(self, turn: Turn, reading: Reading) -> None:
        """A kind answer to what is not a command: what to say, or where it works."""
        here = "" if turn.scope == PERSONAL else " (mention me first)"
        if reading.kind == "greeting":
            name = (turn.sender.name or "").split(" ")[0]
            await turn.send(
                f"Hello{' ' + name if name else ''}! I'm Step Forward, the mentoring "
                f"programme's assistant. Type **help**{here} to see what I can do."
            )
        elif reading.kind == "thanks":
            await turn.send("You're welcome!")
        elif reading.kind == "elsewhere":
            await turn.send(await self._where_it_works(turn, reading.command))
        elif reading.kind == "near":
            await turn.send(
                f"Did you mean **{reading.command.name}**? Type **help**{here} to see "
                "everything I can do."
            )
        else:
            await turn.send(
                f"Sorry, I didn't understand that. Type **help**{here} to see what I can do."
            )

    async def _where_it_works(self, turn: Turn, command: Command) -> str:
        roles = self._sender_roles(turn)
        if command.action in COORDINATOR_ONLY and not may(roles, command.action):
            return (
                f"**{command.name}** is for the programme coordinators, in their channel. "
                "Type **help** to see what I can do for you."
            )
        if TEAM in command.scopes:
            return (
                f"**{command.name}** works in the programme's coordinator channel: @mention me "
                f"there with **{command.name}**."
            )
        return (
            f"**{command.name}** works in your personal chat with me: open Step Forward in "
            "your Teams chats and type it there."
        )

    def _command_named(self, key: object) -> str:
        """The command a card button names by its key (e.g. `{"action": "my_programme"}`)."""
        return next((c.name for c in self._commands if c.key == key), "")

    async def _run(self, turn: Turn, parsed: ParsedCommand) -> None:
        roles = await self._roles_if_allowed(turn, parsed.command.action)
        if roles is None:
            return
        route = next(r for r in self.registry.commands if r.command == parsed.command)
        await route.handler(turn, parsed.argument, roles)

    async def _allowed(self, turn: Turn, action: Action) -> bool:
        return await self._roles_if_allowed(turn, action) is not None

    async def _roles_if_allowed(self, turn: Turn, action: Action) -> frozenset[Role] | None:
        """The sender's roles if they may do `action`; else None, and they are told why not."""
        roles = self._sender_roles(turn)
        if may(roles, action):
            return roles
        log.info("refused action=%s", action)
        await turn.send(
            "Sorry, only programme coordinators can do that. If you think you should be "
            "one, please ask your programme coordinator."
        )
        return None

    def _sender_roles(self, turn: Turn) -> frozenset[Role]:
        """The roles the handler read with the sender at the start of the turn (else now)."""
        if turn.sender_roles is not None:
            return turn.sender_roles
        with self.ctx.session() as session:
            return self.ctx.roles(session, turn.sender.aad_object_id)

    async def help(self, turn: Turn, _argument: str, roles: frozenset[Role]) -> None:
        """`help`: what the person may ask here (personal chat or a channel)."""
        visible = [
            c
            for c in commands_for(self._commands, turn.scope)
            if c.action not in COORDINATOR_ONLY or may(roles, c.action)
        ]
        lines = [f"- **{c.name}**: {c.description}" for c in visible]
        where = "in this channel (mention me first)" if turn.scope == TEAM else "here"
        await turn.send(f"Here is what you can ask me {where}:\n\n" + "\n".join(lines))
