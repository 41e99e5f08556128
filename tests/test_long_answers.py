"""Long answers are never cut: every text box says its limit, and an answer over it is refused
with a message that gives the text back (nothing is stored until it fits)."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from adaptive_cards import samples
from adaptive_cards.application_cards import form_section_card
from adaptive_cards.templating import template_names
from bot.surveys.planner import survey_card
from domain.application_form import ABOUT, GOALS
from domain.surveys import load_definitions, read_answers
from store.escalations import Escalation, Placement, ReleaseBlock
from store.models import ActionStep, CheckIn
from tests.applying import Applicant
from tests.test_card_samples import _nodes
from tests.test_escalations import _escalations, _paired, _pairing_id

LONG = "I was told I can't go because the rota is short. " * 25  # 1,225 characters


def _limits_said(card: dict) -> list[tuple[str, int, str]]:
    """(input id, maxLength, what the label and placeholder say) of every text box."""
    return [
        (
            node["id"],
            int(node["maxLength"]),
            f"{node.get('label', '')} {node.get('placeholder', '')}",
        )
        for node in _nodes(card)
        if node.get("type") == "Input.Text" and "maxLength" in node
    ]


def _says_its_limit(said: str, limit: int) -> bool:
    found = re.search(r"up to ([\d,]+) characters", said)
    return found is not None and int(found.group(1).replace(",", "")) == limit


@pytest.mark.parametrize("name", template_names())
def test_every_text_box_on_every_card_says_its_limit(name):
    for input_id, limit, said in _limits_said(samples.filled_sample(name)):
        assert _says_its_limit(said, limit), (name, input_id, said)


def test_the_application_form_and_survey_boxes_say_their_limits():
    cards = [form_section_card(ABOUT), form_section_card(GOALS)]
    cards.append(survey_card(load_definitions()["mentee_end"], "pairing-1:end"))
    boxes = [box for card in cards for box in _limits_said(card)]
    assert {input_id for input_id, _, _ in boxes} >= {"organisation", "grade", "goals", "improve"}
    for input_id, limit, said in boxes:
        assert _says_its_limit(said, limit), (input_id, said)


def _rows(bot, model) -> list:
    with Session(bot.ctx.engine) as session:
        return list(session.exec(select(model)))


def _gave_back(reply: str, label: str, limit: str = "1,000") -> bool:
    return (
        reply.startswith(f"“{label}” can be at most {limit} characters, and yours has")
        and "Nothing was saved" in reply
        and reply.endswith(f"Here is what you wrote, so nothing is lost:\n\n{LONG.strip()}")
    )


async def test_a_release_block_with_over_long_details_is_refused_and_given_back(bot):
    sam, _adele, _champion = await _paired(bot)
    await sam.submit({"release_block": "report", "what": "training", "by": "hr", "details": LONG})
    assert _gave_back(sam.texts()[-1], "Details")
    assert _rows(bot, ReleaseBlock) == [] and _escalations(bot) == []


async def test_an_over_long_check_in_comment_is_refused_and_given_back(bot):
    sam, _adele, _champion = await _paired(bot)
    value = {"check_in": "not_really", "week": 2, "pairing_id": _pairing_id(bot), "comment": LONG}
    await sam.submit(value)
    assert _gave_back(sam.texts()[-1], "Anything to add?")
    assert _rows(bot, CheckIn) == []


async def test_an_over_long_session_log_is_refused_and_given_back(bot):
    sam, _adele, _champion = await _paired(bot)
    value = {
        "session": "log",
        "pairing_id": _pairing_id(bot),
        "month": 1,
        "happened": "no",
        "steps_moved": LONG,
    }
    await sam.submit(value)
    assert _gave_back(sam.texts()[-1], "Which action-plan steps moved?")


async def test_an_over_long_placement_is_refused_and_given_back(bot):
    sam, _adele, _champion = await _paired(bot)
    await sam.submit({"placement": "add", "kind": "shadowing", "host": "Fire HQ", "details": LONG})
    assert _gave_back(sam.texts()[-1], "Details")
    await sam.submit({"placement": "add", "kind": "shadowing", "host": "x" * 201})
    assert sam.texts()[-1].startswith("“Where” can be at most 200 characters, and yours has 201.")
    assert _rows(bot, Placement) == []


async def test_help_with_over_long_words_still_reaches_the_coordinators_and_gives_them_back(bot):
    sam, _adele, _champion = await _paired(bot)
    await sam.say("I need help " + LONG)
    [escalation] = _escalations(bot)
    assert all("private" not in item for item in escalation.evidence)
    assert sam.texts()[-2].startswith("Thanks for telling me. I've let the programme")
    words = LONG.strip().rstrip(".")  # as the command reads them
    assert sam.texts()[-1].startswith(
        f"Your words were longer than 1,000 characters ({len(words):,}), so I didn't pass them on."
    )
    assert sam.texts()[-1].endswith(words)
    assert len(_rows(bot, Escalation)) == 1


async def test_an_over_long_action_plan_step_is_refused_and_given_back(bot):
    sam, _adele, _champion = await _paired(bot)
    step = "Ask my manager about the Inspector board " * 6
    await sam.say(f"add step {step}")
    assert sam.texts()[-1].startswith("“A step” can be at most 200 characters, and yours has")
    assert sam.texts()[-1].endswith(step.strip())
    assert _rows(bot, ActionStep) == []


def test_an_over_long_survey_answer_is_not_kept_cut_but_asked_again():
    survey = load_definitions()["mentee_end"]
    answers, problems = read_answers(survey, {"improve": "x" * 1001, "mentor_helpful": "4"})
    assert "improve" not in answers
    assert any("at most 1,000 characters (yours has 1,001)" in p for p in problems)


async def test_over_long_coordinator_text_is_refused_with_the_text_given_back(bot):
    from tests.test_escalation_wording import _press_on_first_post

    sam, _adele, _champion = await _paired(bot)
    await sam.say("I need help")
    [escalation] = _escalations(bot)
    before = len(bot.connector.requests)
    await _press_on_first_post(bot, escalation.id, "Add note", note=LONG)
    replies = [r.text for r in bot.connector.requests[before:] if r.text]
    assert replies and _gave_back(replies[0], "Note")


def test_the_application_form_refuses_an_over_long_answer_in_its_words():
    from domain.application_form import validate

    checked = validate(GOALS, {"goals": "x" * 1001, "needs": "confidence", "availability": "Tue"})
    assert checked.errors["goals"].endswith("can be at most 1000 characters (yours has 1001).")
    _ = Applicant


def test_a_review_reason_or_manager_name_over_its_limit_is_refused_not_cut():
    from domain.application_review import Facts, Op, decide

    refused = decide(Facts("submitted"), Op.REJECT, {"reason": LONG})
    assert not refused.allowed and refused.message.startswith("“Reason” can be at most 1,000")
    named = decide(Facts("submitted"), Op.MANAGER_SUPPORT, {"support": "yes", "manager_name": LONG})
    assert not named.allowed and named.message.startswith("“Manager's name” can be at most 120")
    dated = decide(
        Facts("submitted"),
        Op.MANAGER_SUPPORT,
        {"support": "yes", "support_date": "20 November 2026"},
    )
    assert dated.allowed and dated.changes["manager_support_on"] == "2026-11-20"
