"""A command the bot understands, and reading one from what a person typed.

Features register their commands (`bot.features.Registry.command`); the router reads them
with `parse`, `help` lists them, and the app manifest's command menus are made from them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from domain.authorisation import Action

PERSONAL = "personal"
TEAM = "team"


@dataclass(frozen=True)
class Command:
    name: str
    description: str
    scopes: tuple[str, ...]
    action: Action
    takes_argument: bool = False
    # Shown in Teams' command menu (the manifest holds at most 10 per scope); an unlisted
    # command is understood all the same and `help` shows it.
    listed: bool = True

    @property
    def key(self) -> str:
        """The command's words, lower case, joined by underscores (a card button can name a
        command by its key: `{"action": "my_programme"}`)."""
        return re.sub(r"[^a-z0-9]+", "_", self.name.lower()).strip("_")


_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class ParsedCommand:
    command: Command
    argument: str


def parse(text: str | None, scope: str, commands: Iterable[Command]) -> ParsedCommand | None:
    """Match the longest command name the text starts with, for the conversation's scope.

    The argument keeps the person's own capitals (names, action-plan steps). Curly
    apostrophes (as phones type them) read as straight ones.
    """
    original = _WHITESPACE.sub(" ", (text or "").strip()).rstrip(" .!?")
    original = original.replace("\u2019", "'").replace("\u2018", "'")
    said = original.lower()
    for command in sorted(commands, key=lambda c: len(c.name), reverse=True):
        if scope not in command.scopes:
            continue
        name = command.name.lower()
        if said == name or (command.takes_argument and said.startswith(name + " ")):
            return ParsedCommand(command, original[len(name) :].strip())
    return None


def commands_for(commands: Iterable[Command], scope: str) -> list[Command]:
    return [command for command in commands if scope in command.scopes]
