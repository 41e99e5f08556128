"""Helpers to drive the application journey through the real app, as Teams would."""

from __future__ import annotations

from bench.teams_activities import card_submit, channel_message, personal_message
from tests.conftest import COORDINATOR_AAD, BotClient

TRAINEE = "aad-trainee-1"
MENTOR = "aad-mentor-9"

ABOUT = {
    "form": "about",
    "organisation": "City Council",
    "department": "Housing",
    "grade": "Scale 5",
    "location": "Leicester",
}
GOALS = {
    "form": "goals",
    "goals": "Move into a team leader role within two years.",
    "needs": "confidence,interviews",
    "availability": "Tuesday afternoons",
}


def card_inputs(card: dict) -> dict[str, dict]:
    """Every input on a card, by id (also inside containers)."""
    found: dict[str, dict] = {}

    def walk(node):
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Input.") and "id" in node:
                found[node["id"]] = node
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(card.get("body", []))
    return found


def card_text(card: dict) -> str:
    texts: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            for key in ("text", "title", "value", "label"):
                if isinstance(node.get(key), str):
                    texts.append(node[key])
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(card)
    return "\n".join(texts)


def action_data(card: dict) -> list[dict]:
    return [a.get("data") for a in card.get("actions", []) if a.get("type") == "Action.Submit"]


class Applicant:
    def __init__(self, bot: BotClient, aad: str = TRAINEE, name: str = "Sam Taylor") -> None:
        self.bot = bot
        self.aad = aad
        self.name = name

    @property
    def conversation(self) -> str:
        return f"a:personal-{self.aad}"

    async def say(self, text: str) -> None:
        await self.bot.post(
            personal_message(self.bot.connector.url, self.aad, text, user_name=self.name)
        )

    async def submit(self, value: dict) -> None:
        await self.bot.post(
            card_submit(self.bot.connector.url, self.aad, value, user_name=self.name)
        )

    def last_card(self) -> dict:
        return self.bot.connector.cards(self.conversation)[-1]

    def texts(self) -> list[str]:
        return [text for text in self.bot.connector.texts(self.conversation) if text]

    async def fill_trainee_application(self) -> None:
        await self.say("apply")
        await self.submit({"form": "start", "role": "trainee", "consent": "true"})
        await self.submit(ABOUT)
        await self.submit(GOALS)
        await self.submit({"form": "equality", "skip": True})


async def set_up_channel(bot: BotClient) -> None:
    await bot.post(channel_message(bot.connector.url, COORDINATOR_AAD, "setup coordinator channel"))
