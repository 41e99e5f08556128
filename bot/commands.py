"""A command the bot understands, and reading one from what a person typed.

Features register their commands (`bot.features.Registry.command`); the router reads them
with `parse`, `help` lists them, and the app manifest's command menus are made from them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
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


# --- reading what a person typed that is not exactly a command ----------------------------------

GREETINGS = frozenset(
    {
        "hi",
        "hello",
        "hey",
        "hiya",
        "hi there",
        "hello there",
        "morning",
        "good morning",
        "good afternoon",
        "good evening",
    }
)
THANKS = frozenset(
    {
        "thanks",
        "thank you",
        "thank you very much",
        "thanks a lot",
        "many thanks",
        "cheers",
        "thx",
        "ta",
        "great thanks",
        "ok thanks",
        "ok thank you",
    }
)
_POLITE_START = re.compile(
    r"^(?:please|pls|kindly|can you|could you|would you|can i|could i|may i|i'd like to|"
    r"i would like to|i want to see|show me)\s+",
    re.IGNORECASE,
)
_POLITE_END = re.compile(r"\s+(?:please|pls|thanks|thank you)$", re.IGNORECASE)
_PUNCTUATION = re.compile(r"[^\w\s'-]+")
# How alike a near miss must be to a command's name to suggest it.
NEAR_MISS = 0.8


@dataclass(frozen=True)
class Reading:
    """What a message means when it is not a command as typed: `kind` is "command" (a polite
    or punctuated variant, `parsed` set), "greeting", "thanks", "elsewhere" (a command of the
    other scope: `command`), "near" (a near miss of `command`) or "unknown"."""

    kind: str
    parsed: ParsedCommand | None = None
    command: Command | None = None


def plain_words(text: str) -> str:
    """The text without polite words, punctuation and extra spaces (capitals kept)."""
    plain = _PUNCTUATION.sub(" ", text.replace("\u2019", "'").replace("\u2018", "'"))
    plain = _WHITESPACE.sub(" ", plain).strip()
    while True:
        shorter = _POLITE_END.sub("", _POLITE_START.sub("", plain)).strip()
        if shorter == plain:
            return plain
        plain = shorter


def read(text: str, scope: str, commands: Sequence[Command]) -> Reading:
    """What `text` most likely asks for, in `scope` (see `Reading`)."""
    parsed = parse(text, scope, commands)
    if parsed is not None:
        return Reading("command", parsed)
    plain = plain_words(text)
    said = plain.lower()
    if said in GREETINGS:
        return Reading("greeting")
    if said in THANKS:
        return Reading("thanks")
    parsed = parse(plain, scope, commands)
    if parsed is None and said.split(" ", 1)[0] == "help":  # "help me", "help please"
        parsed = parse("help", scope, commands)
    if parsed is not None:
        return Reading("command", parsed)
    elsewhere = [c for c in commands if scope not in c.scopes]
    found = parse(plain, next(iter(elsewhere[0].scopes)), elsewhere) if elsewhere else None
    if found is not None:
        return Reading("elsewhere", command=found.command)
    near = _near_miss(said, commands_for(commands, scope))
    return Reading("near", command=near) if near is not None else Reading("unknown")


def _near_miss(said: str, commands: Sequence[Command]) -> Command | None:
    """The command whose name `said` (or its first words) is closest to, if close enough."""
    best, best_ratio = None, NEAR_MISS
    for command in commands:
        name = command.name.lower()
        head = " ".join(said.split(" ")[: len(name.split(" "))])
        for candidate in {said, head}:
            ratio = difflib.SequenceMatcher(None, candidate, name).ratio()
            if ratio >= best_ratio:
                best, best_ratio = command, ratio
    return best
