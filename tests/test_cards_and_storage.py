"""Card templating and the database-backed dialog storage."""

from __future__ import annotations

import json

import pytest

from adaptive_cards.templating import render_card, template_names
from bot.context import AppContext
from bot.teams.dialog_storage import DatabaseStorage
from store import migrate
from store.dialog_state import StaleWrite
from store.engine import create_db_engine


def test_every_template_is_adaptive_card_1_5_under_80_kb():
    assert {"welcome", "form_section", "application_summary", "application_review", "offer"} <= set(
        template_names()
    )
    for name in template_names():
        card = render_card(name, {})
        assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
        assert len(json.dumps(card).encode()) < 80 * 1024


def test_templating_repeats_drops_and_types_values():
    card = render_card(
        "application_summary",
        {
            "title": "T <&> “quoted”",
            "status_line": "S",
            "sections": [{"title": "A", "facts": [{"title": "k", "value": "v"}]}],
            "actions": [{"title": "Go", "data": {"n": 1}}],
        },
    )
    assert card["body"][0]["text"] == "T <&> “quoted”"
    assert len(card["body"]) == 3  # the empty note is dropped
    assert card["body"][2]["items"][1]["facts"] == [{"title": "k", "value": "v"}]
    assert card["actions"] == [{"type": "Action.Submit", "title": "Go", "data": {"n": 1}}]
    assert "${" not in json.dumps(card)


@pytest.fixture
def storage(db_url, settings, clock):
    migrate.upgrade(db_url)
    return DatabaseStorage(
        AppContext(settings=settings, engine=create_db_engine(db_url), clock=clock)
    )


async def test_storage_round_trip_and_optimistic_concurrency(storage):
    await storage.write({"conv/1": {"stack": [1, 2], "name": "x"}})
    item = (await storage.read(["conv/1", "missing"]))["conv/1"]
    assert item["stack"] == [1, 2] and item["e_tag"] == "1"

    stale = dict(item)
    item["stack"].append(3)
    await storage.write({"conv/1": item})
    assert item["e_tag"] == "2"  # the same turn can save again
    with pytest.raises(StaleWrite):
        await storage.write({"conv/1": stale})
    await storage.write({"conv/1": stale | {"e_tag": "*"}})  # "*" overwrites

    await storage.delete(["conv/1"])
    assert await storage.read(["conv/1"]) == {}
