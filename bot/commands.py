"""The commands the bot understands, in one table (the app manifest's command lists match it)."""

from __future__ import annotations

import re
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
        """The handler method suffix: the command's words, lower case, joined by underscores."""
        return re.sub(r"[^a-z0-9]+", "_", self.name.lower()).strip("_")


COMMANDS: tuple[Command, ...] = (
    Command("help", "What I can do for you", (PERSONAL, TEAM), Action.HELP),
    Command("apply", "Apply to the mentoring programme", (PERSONAL,), Action.APPLY),
    Command(
        "my application", "See, change or withdraw your application", (PERSONAL,), Action.VIEW_OWN
    ),
    Command("my programme", "Your pairing, sessions and next step", (PERSONAL,), Action.VIEW_OWN),
    Command(
        "add step",
        "add step <what>: add to your action plan",
        (PERSONAL,),
        Action.VIEW_OWN,
        takes_argument=True,
    ),
    Command(
        "done",
        "done <number>: tick a step of your action plan",
        (PERSONAL,),
        Action.VIEW_OWN,
        takes_argument=True,
    ),
    Command(
        "snooze",
        "snooze <days>: hold routine reminders (snooze off to undo)",
        (PERSONAL,),
        Action.VIEW_OWN,
        takes_argument=True,
    ),
    Command(
        "I need help",
        "Tell the coordinators privately (add a few words if you like)",
        (PERSONAL,),
        Action.VIEW_OWN,
        takes_argument=True,
    ),
    Command(
        "I can't get released",
        "Not released for a session, training or placement? Tell the coordinators",
        (PERSONAL,),
        Action.VIEW_OWN,
        takes_argument=True,
    ),
    Command(
        "I want a different mentor",
        "Ask the coordinators privately to be re-paired",
        (PERSONAL,),
        Action.VIEW_OWN,
        takes_argument=True,
    ),
    Command(
        "placements",
        "Your shadowing, attachment and secondment requests",
        (PERSONAL,),
        Action.VIEW_OWN,
        listed=False,
    ),
    Command(
        "my data",
        "Everything the programme holds about you",
        (PERSONAL,),
        Action.VIEW_OWN,
        listed=False,
    ),
    Command(
        "my feedback",
        "Mentors: what mentees said about your mentoring, added up (from 5 answers)",
        (PERSONAL,),
        Action.VIEW_OWN,
        listed=False,
    ),
    Command(
        "delete my data",
        "Ask for your data to be deleted",
        (PERSONAL,),
        Action.VIEW_OWN,
        listed=False,
    ),
    Command(
        "setup coordinator channel",
        "Make this channel the coordinators' channel",
        (TEAM,),
        Action.SETUP_CHANNEL,
    ),
    Command(
        "applications",
        "Applications by organisation and stage",
        (TEAM,),
        Action.REVIEW_APPLICATIONS,
    ),
    Command(
        "suggest pairs", "Suggest mentors for trainees without one", (TEAM,), Action.MANAGE_PAIRS
    ),
    Command(
        "pair", "pair <trainee> with <mentor>", (TEAM,), Action.MANAGE_PAIRS, takes_argument=True
    ),
    Command("pairs", "Active pairs: sessions achieved vs planned", (TEAM,), Action.MANAGE_PAIRS),
    Command(
        "end pairing", "end pairing <trainee>", (TEAM,), Action.MANAGE_PAIRS, takes_argument=True
    ),
    Command(
        "re-pair",
        "re-pair <trainee>: end the pairing and suggest new mentors",
        (TEAM,),
        Action.MANAGE_PAIRS,
        takes_argument=True,
        listed=False,
    ),
    Command(
        "window",
        "window open <date> | window close | window extend <date>",
        (TEAM,),
        Action.MANAGE_WINDOW,
        takes_argument=True,
    ),
    Command(
        "dates",
        "dates | dates training ends <date> | dates assessment ends <date> | dates results <date>",
        (TEAM,),
        Action.MANAGE_DATES,
        takes_argument=True,
        listed=False,
    ),
    Command(
        "escalations",
        "Open escalations, oldest first",
        (TEAM,),
        Action.HANDLE_ESCALATIONS,
    ),
    Command(
        "report",
        "How the programme is going: funnel, sessions, check-ins, surveys, outcomes",
        (TEAM,),
        Action.READ_REPORTS,
    ),
    Command(
        "export",
        "Download the programme records as a CSV file",
        (TEAM,),
        Action.READ_REPORTS,
        listed=False,
    ),
    Command(
        "dashboard",
        "A link to the programme dashboard: funnel, pairs by month, escalations, surveys",
        (PERSONAL, TEAM),
        Action.READ_REPORTS,
        listed=False,
    ),
)

_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class ParsedCommand:
    command: Command
    argument: str


def parse(text: str | None, scope: str) -> ParsedCommand | None:
    """Match the longest command name the text starts with, for the conversation's scope.

    The argument keeps the person's own capitals (names, action-plan steps). Curly
    apostrophes (as phones type them) read as straight ones.
    """
    original = _WHITESPACE.sub(" ", (text or "").strip()).rstrip(" .!?")
    original = original.replace("\u2019", "'").replace("\u2018", "'")
    said = original.lower()
    for command in sorted(COMMANDS, key=lambda c: len(c.name), reverse=True):
        if scope not in command.scopes:
            continue
        name = command.name.lower()
        if said == name or (command.takes_argument and said.startswith(name + " ")):
            return ParsedCommand(command, original[len(name) :].strip())
    return None


def commands_for(scope: str) -> list[Command]:
    return [command for command in COMMANDS if scope in command.scopes]
