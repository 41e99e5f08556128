"""Cards of the application journey, filled from plain data (no store or Teams types)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from adaptive_cards.templating import render_card
from domain.application_form import (
    EQUALITY,
    Kind,
    Section,
    answer_title,
    question_choices,
    sections_for,
)
from domain.text_limits import limit_words


def form_section_card(
    section: Section,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    step: int = 1,
    steps: int = 1,
    programme_kind: str = "mentoring",
    next_title: str = "Next",
) -> dict:
    values = values or {}
    errors = errors or {}
    questions = []
    for question in section.questions:
        value = values.get(question.id)
        if isinstance(value, list):
            value = ",".join(value)
        elif value is True:
            value = "true"
        questions.append(
            {
                "id": question.id,
                "label": question.label + _label_note(question),
                "required": question.required,
                "required_message": f"Please answer “{question.label}”",
                "max_length": question.max_length,
                "placeholder": question.placeholder,
                "value": "" if value is None else str(value),
                "is_text": question.kind in (Kind.TEXT, Kind.LONG_TEXT),
                "is_long": question.kind == Kind.LONG_TEXT,
                "is_choice": question.kind == Kind.CHOICE,
                "is_multi": question.kind == Kind.MULTI,
                "is_consent": question.kind == Kind.CONSENT,
                "choices": [
                    {"title": title, "value": choice}
                    for choice, title in question_choices(question, programme_kind)
                ],
                "error": errors.get(question.id, ""),
            }
        )
    return render_card(
        "form_section",
        {
            "title": section.title,
            "step_line": f"Step {step} of {steps}",
            "intro": section.intro,
            "error_text": "Some answers need another look:" if errors else "",
            "questions": questions,
            "form": section.id,
            "skippable": section.optional,
            "next_title": next_title,
        },
    )


def _label_note(question) -> str:
    """“(optional, up to 1,000 characters)”: what a reader needs to know beside the box."""
    notes = [] if question.required else ["optional"]
    if question.kind in (Kind.TEXT, Kind.LONG_TEXT):
        notes.append(limit_words(question.max_length))
    return f" ({', '.join(notes)})" if notes else ""


def answer_sections(
    role: str,
    answers: dict[str, Any],
    equality: dict[str, Any] | None,
    programme_kind: str = "mentoring",
) -> list[dict]:
    """The applicant's answers grouped by section, as titles and readable values."""
    result = []
    for section in sections_for(role):
        if section.id == "start":
            continue
        source = (equality or {}) if section.id == EQUALITY.id else answers
        if section.id == EQUALITY.id and not equality:
            facts = [{"title": "Answers", "value": "Skipped"}]
        else:
            facts = [
                {"title": q.label, "value": answer_title(q, source.get(q.id), programme_kind)}
                for q in section.questions
            ]
        result.append({"id": section.id, "title": section.title, "facts": facts})
    return result


def summary_card(
    *,
    title: str,
    status_line: str,
    sections: list[dict],
    actions: Iterable[tuple[str, dict]] = (),
    note: str = "",
) -> dict:
    return render_card(
        "application_summary",
        {
            "title": title,
            "status_line": status_line,
            "note": note,
            "sections": sections,
            "actions": [{"title": t, "data": d} for t, d in actions],
        },
    )


def withdraw_confirmation_card() -> dict:
    return summary_card(
        title="Withdraw your application?",
        status_line="You can apply again while the window is open.",
        sections=[],
        actions=[
            ("Yes, withdraw it", {"my_application": "withdraw_confirmed"}),
            ("No, keep it", {"my_application": "view"}),
        ],
    )


def review_card(
    *,
    application_id: int,
    title: str,
    subtitle: str,
    facts: list[tuple[str, str]],
    review_facts: list[tuple[str, str]],
    last_action: str,
    open_for_review: bool,
) -> dict:
    return render_card(
        "application_review",
        {
            "application_id": application_id,
            "title": title,
            "subtitle": subtitle,
            "facts": [{"title": t, "value": v} for t, v in facts],
            "review_facts": [{"title": t, "value": v} for t, v in review_facts],
            "last_action": last_action,
            "open": open_for_review,
        },
    )


def offer_card(*, application_id: int, intro: str, facts: list[tuple[str, str]]) -> dict:
    return render_card(
        "offer",
        {
            "application_id": application_id,
            "intro": intro,
            "facts": [{"title": t, "value": v} for t, v in facts],
        },
    )
