"""Every coordinator action, tried by a participant: refused, and nothing changed.

The commands come from the bot's command table and the card actions from the coordinators'
card templates, so a new coordinator command or button is covered without editing this test.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

import adaptive_cards
from bench.teams_activities import CHANNEL_ID, channel_card_submit, channel_message
from bot.assembly import command_table
from bot.commands import TEAM
from bot.settings import Settings
from domain.authorisation import COORDINATOR_ONLY
from store.seed import seed_demo
from tests.conftest import START

PARTICIPANT = "aad-trainee-sam"
REFUSAL = "only programme coordinators can do that"
# Cards the bot posts for coordinators; every button on them is a coordinator action.
COORDINATOR_CARDS = ("application_review.json", "escalation.json", "mentor_suggestions.json")
# Ignored when comparing: a record that the delivery itself arrived.
BOOKKEEPING = {"processed_activity"}

ARGUMENTS = {
    "pair": "Sam Taylor with Priya Shah",
    "end pairing": "Sam Taylor",
    "re-pair": "Sam Taylor",
    "window": "close",
}

COORDINATOR_COMMANDS = [
    c for c in command_table(Settings(_env_file=None)) if c.action in COORDINATOR_ONLY
]


def _submit_values(node) -> list[dict]:
    if isinstance(node, dict):
        found = [node["data"]] if node.get("type") == "Action.Submit" else []
        return found + [v for value in node.values() for v in _submit_values(value)]
    if isinstance(node, list):
        return [v for item in node for v in _submit_values(item)]
    return []


def _filled(value: dict) -> dict:
    """A template's button data with its `${...}` placeholders as real-looking ids."""
    return {
        key: 1 if isinstance(v, str) and re.fullmatch(r"\$\{.*\}", v) else v
        for key, v in value.items()
    }


def coordinator_card_values() -> list[dict]:
    folder = Path(adaptive_cards.__file__).parent / "templates"
    return [
        _filled(value)
        for name in COORDINATOR_CARDS
        for value in _submit_values(json.loads((folder / name).read_text()))
    ]


def snapshot(engine) -> dict[str, list]:
    with engine.connect() as connection:
        return {
            table: sorted(map(repr, connection.execute(text(f'SELECT * FROM "{table}"')).all()))
            for table in inspect(engine).get_table_names()
            if table not in BOOKKEEPING
        }


@pytest.fixture
async def seeded(bot):
    with bot.ctx.session() as session:
        seed_demo(session, START)
    # The participant has talked to the bot before (their records exist).
    await bot.post(channel_message(bot.connector.url, PARTICIPANT, "help", user_name="Sam"))
    bot.connector.clear()
    return bot


def test_the_lists_are_complete():
    keys = {next(iter(value)) for value in coordinator_card_values()}
    assert keys == {"review", "pairing", "escalation"}
    assert {c.name for c in COORDINATOR_COMMANDS} >= {"applications", "pairs", "escalations"}
    assert all(TEAM in c.scopes for c in COORDINATOR_COMMANDS)


@pytest.mark.parametrize("command", COORDINATOR_COMMANDS, ids=lambda c: c.name)
async def test_a_participant_is_refused_every_coordinator_command(seeded, command):
    before = snapshot(seeded.ctx.engine)
    said = f"{command.name} {ARGUMENTS.get(command.name, '')}".strip()
    await seeded.post(channel_message(seeded.connector.url, PARTICIPANT, said, user_name="Sam"))
    [reply] = seeded.connector.sent_to(f"{CHANNEL_ID};messageid=1700000000000")
    assert REFUSAL in reply.text
    assert snapshot(seeded.ctx.engine) == before


@pytest.mark.parametrize("value", coordinator_card_values(), ids=lambda v: json.dumps(v))
async def test_a_participant_is_refused_every_coordinator_button(seeded, value):
    before = snapshot(seeded.ctx.engine)
    await seeded.post(
        channel_card_submit(seeded.connector.url, PARTICIPANT, value, user_name="Sam")
    )
    [reply] = seeded.connector.requests
    assert REFUSAL in reply.text
    assert seeded.connector.cards() == []
    assert snapshot(seeded.ctx.engine) == before
