"""Answering a message: from the tables features registered (`bot.features.Registry`) to the
handler that answers it.

In order: a card button (the first card route whose key is in the submitted data), a command
(typed, or named by a button's `action`), the dialog in progress (a form being filled in), and
otherwise a kind "I didn't understand". Who may do what is checked here, before any handler
runs, with the authorisation policy in `domain.authorisation`.
"""

from __future__ import annotations

import logging

from bot.commands import PERSONAL, TEAM, Command, ParsedCommand, commands_for, parse
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
        parsed = parse(text, turn.scope, self._commands) if text else None
        if parsed is not None:
            await self._run(turn, parsed)
            return
        if await turn.resume_dialog():
            return
        await turn.send(
            "Sorry, I didn't understand that. Type **help** to see what I can do."
            if value is None
            else "That card has expired. Type **help** to see what I can do."
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
        with self.ctx.session() as session:
            roles = self.ctx.roles(session, turn.sender.aad_object_id)
        if may(roles, action):
            return roles
        log.info("refused action=%s", action)
        await turn.send(
            "Sorry, only programme coordinators can do that. If you think you should be "
            "one, please ask your programme coordinator."
        )
        return None

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
