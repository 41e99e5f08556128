"""Escalations as plain rules: causes and their words, what a coordinator may do to one in
which state, release blocks, and the status of shadowing/attachment/secondment requests.

Stalled pairings are decided by `domain.stall_rules`; this module adds the causes raised by
people at once (can't meet this month, not released) and the escalation's own life:
open → acknowledged → resolved, one open escalation per pairing (or person) and cause.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from domain.stall_rules import StallCause
from domain.text_limits import too_long


class Kind(StrEnum):
    STALLED = "stalled"
    RELEASE_BLOCK = "release_block"
    # Someone wrote to the coordinators outside any pairing (e.g. after it ended).
    QUESTION = "question"


class Cause(StrEnum):
    # Decided by `domain.stall_rules` on each sweep (some also raised at once).
    NO_RECENT_SESSION = StallCause.NO_RECENT_SESSION.value
    MISSED_MONTHS = StallCause.MISSED_MONTHS.value
    NEEDS_HELP = StallCause.NEEDS_HELP.value
    NOT_RUNNING_SMOOTHLY = StallCause.NOT_RUNNING_SMOOTHLY.value
    REPAIR_REQUESTED = StallCause.REPAIR_REQUESTED.value
    UNREACHABLE = StallCause.UNREACHABLE.value
    # Raised by the sweep's health rules (`bot.health`): routine nudges left unanswered.
    NOT_RESPONDING = "not_responding"
    # Raised by the sweep when the pair's health turns red (`domain.graded_help`).
    PAIR_AT_RISK = "pair_at_risk"
    # Raised at once by what someone says.
    CANT_MEET = "cant_meet"
    RELEASE_BLOCK = "release_block"
    QUESTION = "question"


CAUSE_TITLES: dict[Cause, str] = {
    Cause.NO_RECENT_SESSION: "no session for too long",
    Cause.MISSED_MONTHS: "months without a session",
    Cause.NEEDS_HELP: "asked for help",
    Cause.NOT_RUNNING_SMOOTHLY: "not running smoothly",
    Cause.REPAIR_REQUESTED: "asked to be re-paired",
    Cause.UNREACHABLE: "can't be reached in Teams",
    Cause.NOT_RESPONDING: "not responding",
    Cause.PAIR_AT_RISK: "pair at risk",
    Cause.CANT_MEET: "can't meet this month",
    Cause.RELEASE_BLOCK: "not released",
    Cause.QUESTION: "wrote to the coordinators",
}


def kind_of(cause: Cause | str) -> Kind:
    cause = Cause(cause)
    if cause == Cause.RELEASE_BLOCK:
        return Kind.RELEASE_BLOCK
    return Kind.QUESTION if cause == Cause.QUESTION else Kind.STALLED


def title_of(cause: Cause | str, *, paired: bool = True) -> str:
    """“Stalled pairing: asked for help”; for someone not paired only what happened."""
    words = CAUSE_TITLES[Cause(cause)]
    kind = kind_of(cause)
    if kind == Kind.RELEASE_BLOCK:
        return f"Release block: {words}"
    if kind == Kind.QUESTION:
        return f"Message: {words}"
    return f"Stalled pairing: {words}" if paired else words[0].upper() + words[1:]


# --- release blocks -------------------------------------------------------------------------

RELEASE_FOR: dict[str, str] = {
    "session": "a mentoring session",
    "training": "training",
    "call_back": "a call-back event",
    "group_meeting": "a group meeting",
    "shadowing": "shadowing",
    "attachment": "an attachment",
    "secondment": "a secondment",
}
RELEASE_BY: dict[str, str] = {
    "line_manager": "their line manager",
    "hr": "HR",
    "host_organisation": "the host organisation",
}

# The same, said to the person who reported it.
RELEASE_BY_YOURS: dict[str, str] = {
    "line_manager": "your line manager",
    "hr": "HR",
    "host_organisation": "the host organisation",
}


def release_evidence(who: str, what: str, by: str) -> str:
    """“Sam Taylor is not released for shadowing by their line manager”."""
    return f"{who} is not released for {RELEASE_FOR[what]} by {RELEASE_BY[by]}"


def read_release(what: object, by: object) -> tuple[str, str] | str:
    """(what, by) from a form, or a sentence saying what is missing."""
    what, by = str(what or "").strip(), str(by or "").strip()
    if what not in RELEASE_FOR:
        return "Please choose what you are not released for."
    if by not in RELEASE_BY:
        return "Please choose who is not releasing you."
    return what, by


# --- coordinator actions --------------------------------------------------------------------


class Op(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    ASSIGN = "assign"
    NOTE = "note"
    RESOLVE = "resolve"
    REPAIR = "repair"
    END_PAIRING = "end_pairing"
    MESSAGE = "message"


class Status(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


# An escalation's status, said to the person it is about.
STATUS_WORDS: dict[Status, str] = {
    Status.OPEN: "waiting for a coordinator",
    Status.ACKNOWLEDGED: "a coordinator is on it",
    Status.RESOLVED: "resolved",
}


@dataclass(frozen=True)
class State:
    """What an action needs to know about one escalation (names and times already readable)."""

    status: Status | str
    acknowledged_by: str | None = None
    acknowledged_when: str | None = None
    assigned_to_actor: bool = False
    resolved_by: str | None = None
    resolved_when: str | None = None
    outcome: str | None = None
    has_active_pairing: bool = False


def refusal(op: Op, state: State, text: str = "") -> str | None:
    """Why `op` cannot be done now (saying what already happened), or None if it can."""
    if Status(state.status) == Status.RESOLVED:
        by = f" by {state.resolved_by}" if state.resolved_by else ""
        when = f" on {state.resolved_when}" if state.resolved_when else ""
        outcome = f" Outcome: {state.outcome}" if state.outcome else ""
        return f"Nothing changed: this escalation was already resolved{by}{when}.{outcome}"
    if op == Op.ACKNOWLEDGE and Status(state.status) == Status.ACKNOWLEDGED:
        by = f" by {state.acknowledged_by}" if state.acknowledged_by else ""
        when = f" on {state.acknowledged_when}" if state.acknowledged_when else ""
        return f"Nothing changed: it was already acknowledged{by}{when}."
    if op == Op.ASSIGN and state.assigned_to_actor:
        return "Nothing changed: it is already assigned to you."
    if op in (Op.REPAIR, Op.END_PAIRING) and not state.has_active_pairing:
        return "Nothing changed: there is no active pairing to end for this escalation."
    needs_text = {
        Op.NOTE: "Please write the note, then Add note.",
        Op.RESOLVE: "Please write the outcome, then Resolve.",
        Op.MESSAGE: "Please write the message, then Send.",
    }
    if op in needs_text and not text.strip():
        return needs_text[op]
    return too_long(_TEXT_LABELS.get(op, "Your text"), text)


_TEXT_LABELS = {Op.NOTE: "Note", Op.RESOLVE: "Outcome", Op.MESSAGE: "Message"}


def open_for(duration: timedelta) -> str:
    """“3 days”, “5 hours”, “less than an hour”."""
    if duration < timedelta(hours=1):
        return "less than an hour"
    if duration < timedelta(days=1):
        hours = int(duration.total_seconds() // 3600)
        return "1 hour" if hours == 1 else f"{hours} hours"
    days = duration.days
    return "1 day" if days == 1 else f"{days} days"


# --- shadowing, attachment and secondment requests ---------------------------------------------

PLACEMENT_KINDS: dict[str, str] = {
    "shadowing": "Shadowing",
    "attachment": "Attachment",
    "secondment": "Secondment",
}


class PlacementStatus(StrEnum):
    REQUESTED = "requested"
    HOST_AGREED = "host_agreed"
    HOME_RELEASED = "home_released"
    TAKEN_UP = "taken_up"
    REFUSED = "refused"


PLACEMENT_STATUS_TITLES: dict[PlacementStatus, str] = {
    PlacementStatus.REQUESTED: "requested",
    PlacementStatus.HOST_AGREED: "host agreed",
    PlacementStatus.HOME_RELEASED: "home manager released",
    PlacementStatus.TAKEN_UP: "taken up",
    PlacementStatus.REFUSED: "refused",
}
FINAL_PLACEMENT_STATUSES = frozenset({PlacementStatus.TAKEN_UP, PlacementStatus.REFUSED})


def placement_change(current: str, new: str) -> str | None:
    """Why a request cannot move from `current` to `new`, or None if it can.

    Host agreement and home release may come in either order; taken up and refused are final.
    """
    try:
        current_status, new_status = PlacementStatus(current), PlacementStatus(new)
    except ValueError:
        return "Please choose the new status."
    if current_status in FINAL_PLACEMENT_STATUSES:
        title = PLACEMENT_STATUS_TITLES[current_status]
        return f"Nothing changed: that request is already {title}."
    if new_status == PlacementStatus.REQUESTED:
        return "Please choose the new status."
    if new_status == current_status:
        return f"Nothing changed: it is already {PLACEMENT_STATUS_TITLES[new_status]}."
    return None
