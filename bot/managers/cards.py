"""The cards a line manager gets (and the participant's "may I ask them?"), from plain data.

A manager is busy and is not a participant: each card says who it is about, exactly what is
asked and why, and what they will and will not hear. Nothing a participant wrote, and nothing
from their application but their name and role, ever goes on a manager's card.
"""

from __future__ import annotations

from datetime import date

from adaptive_cards import render_card
from domain.local_time import format_day
from domain.managers import ROLE_WORDS, YOUR_ANSWER_WORDS, Answer


def _facts(lines: list[tuple[str, str]]) -> list[dict]:
    return [{"title": title, "value": value} for title, value in lines]


def answered_line(answer: Answer | str, when: str) -> str:
    return f"You answered on {when}: {YOUR_ANSWER_WORDS[Answer(answer)]}."


def support_card(
    *,
    request_id: int,
    name: str,
    role: str,
    programme: str,
    length_months: int,
    needs: list[tuple[str, str]],
    answered: str = "",
    open_: bool = True,
    can_talk: bool = True,
    banner: str = "",
) -> dict:
    """Asks the manager whether they support `name`'s place and release (before an offer).

    `answered` says what they answered; `open_`: the answer buttons are still there (after
    "talk to a coordinator" they are, to answer after the talk)."""
    as_role = f" {ROLE_WORDS[role]}" if role in ROLE_WORDS else ""
    return render_card(
        "manager_support",
        {
            "request_id": request_id,
            "title": f"Can you support {name}'s place on {programme}?",
            "banner": banner,
            "intro": (
                f"{name} has applied to {programme}{as_role}, and the programme coordinators "
                "are considering their application. Before anyone is offered a place, I ask "
                "their line manager whether they support it and will release them for it. The "
                f"directory shows you as {name}'s line manager."
            ),
            "needs": _facts(needs),
            "about": (
                f"{programme} is a mentoring programme: a mentee and a mentor meet for about "
                f"2 hours a month, in working time, for {length_months} months."
            ),
            "asked": (
                "What we ask of you: release for the sessions and dates above. If you support "
                "it, I'll send you a short note once a month while they are paired, with the "
                "dates to release them for. You can stop it at any time."
            ),
            "confidentiality": (
                f"Confidentiality: what {name} discusses with their mentor stays between them. "
                "You only hear dates and whether this month's session is booked. Your answer "
                "goes to the programme coordinators only."
            ),
            "answered": answered,
            "open": open_,
            "can_talk": open_ and can_talk,
        },
    )


def release_card(*, request_id: int, name: str, ask: str, answered: str = "") -> dict:
    """Asks the manager to make time after `name` could not be released."""
    return render_card(
        "manager_release",
        {
            "request_id": request_id,
            "title": f"Can you make time for {name}?",
            "ask": ask,
            "note": (
                f"{name} agreed that I ask you. Your answer goes to the programme coordinators, "
                "who are helping with it."
            ),
            "answered": answered,
            "open": not answered,
        },
    )


def digest_card(
    *,
    request_id: int,
    name: str,
    programme: str,
    facts: list[tuple[str, str]],
    stopped: bool = False,
) -> dict:
    """The monthly note to a supporting manager: participation facts, nothing else."""
    note = (
        "You stopped these notes."
        if stopped
        else f"You get this once a month because you support {name}'s place on {programme}. "
        "It never says what they discuss with their mentor."
    )
    return render_card(
        "manager_digest",
        {
            "request_id": request_id,
            "title": f"{name} on {programme}: this month",
            "facts": _facts(facts),
            "note": note,
            "open": not stopped,
        },
    )


def permission_card(*, release_block_id: int, manager_name: str, what: str, on: date | None):
    """Asks a participant who reported a release block whether their manager may be asked."""
    when = f" on {format_day(on)}" if on else ""
    return render_card(
        "manager_permission",
        {
            "release_block_id": release_block_id,
            "question": (
                f"May I ask your line manager, {manager_name}, to make time for it in the next "
                f"2 weeks? They would see only that you couldn't be released for {what}{when}: "
                "nothing you wrote."
            ),
        },
    )
