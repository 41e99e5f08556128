"""Every card template has sample data; filled, it is a Teams-ready Adaptive Card 1.5."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adaptive_cards import samples
from adaptive_cards.templating import template_names

MAX_CARD_BYTES = 80 * 1024


def _nodes(node):
    """Every dict in a card, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list):
        for item in node:
            yield from _nodes(item)


def execute_actions_without_fallback(card: dict) -> list[str]:
    """Titles of Action.Execute actions that clients without Universal Actions cannot press."""

    def covered(action: dict) -> bool:
        fallback = action.get("fallback")
        return isinstance(fallback, dict) and fallback.get("type") == "Action.Submit"

    return [
        node.get("title", "?")
        for node in _nodes(card)
        if node.get("type") == "Action.Execute" and not covered(node)
    ]


def test_every_template_has_sample_data_and_every_sample_a_template():
    assert samples.sample_names() == template_names()


@pytest.mark.parametrize("name", template_names())
def test_filled_sample_is_a_complete_card_1_5_under_80_kb(name):
    card = samples.filled_sample(name)
    text = json.dumps(card, ensure_ascii=False)
    assert card["type"] == "AdaptiveCard"
    assert card["version"] == "1.5"
    assert len(text.encode()) < MAX_CARD_BYTES
    assert "${" not in text, "the sample data leaves an expression unfilled"
    assert execute_actions_without_fallback(card) == []


def test_the_fallback_check_flags_an_execute_action_without_a_submit_fallback():
    card = {
        "type": "AdaptiveCard",
        "actions": [
            {"type": "Action.Execute", "title": "Bare"},
            {
                "type": "Action.Execute",
                "title": "Covered",
                "fallback": {"type": "Action.Submit", "title": "Covered"},
            },
            {
                "type": "Action.ShowCard",
                "card": {"actions": [{"type": "Action.Execute", "title": "Nested"}]},
            },
        ],
    }
    assert execute_actions_without_fallback(card) == ["Bare", "Nested"]


def test_cards_use_action_submit_throughout():
    """Teams bots receive Action.Submit as a message; see adaptive_cards/README.md."""
    for name in template_names():
        kinds = {n["type"] for n in _nodes(samples.filled_sample(name)) if "type" in n}
        assert "Action.Execute" not in kinds, name


def test_write_filled_samples_writes_one_card_per_template(tmp_path: Path):
    written = samples.write_filled_samples(tmp_path / "out")
    assert sorted(p.stem for p in written) == template_names()
    welcome = json.loads((tmp_path / "out" / "welcome.json").read_text("utf-8"))
    assert welcome == samples.filled_sample("welcome")
    assert "Step Forward demo programme" in json.dumps(welcome)


def test_a_template_without_sample_data_stops_the_previews(tmp_path: Path, monkeypatch, capsys):
    partial = tmp_path / "samples"
    partial.mkdir()
    (partial / "welcome.json").write_text("{}", "utf-8")
    monkeypatch.setattr(samples, "SAMPLES_DIR", partial)
    assert samples.main([str(tmp_path / "out")]) == 1
    assert "check_in" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
