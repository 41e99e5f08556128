"""What a coordinator or applicant may do to an application, given where it is.

Every decision re-checks the current state, so a card clicked twice, or after someone else
acted, changes nothing the second time and says what already happened.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

from domain.local_time import parse_date
from domain.text_limits import text_of, too_long


class Status(StrEnum):
    STARTED = "started"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"
    SHORTLISTED = "shortlisted"
    REJECTED = "rejected"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Op(StrEnum):
    SHORTLIST = "shortlist"
    REJECT = "reject"
    INTERVIEW = "interview"
    MANAGER_SUPPORT = "manager_support"
    OFFER = "offer"
    ACCEPT = "accept"
    DECLINE = "decline"
    WITHDRAW = "withdraw"


SUPPORT_CHOICES = ("yes", "no", "pending")
MANAGER_NAME_LENGTH = 120
INTERVIEW_CHOICES = ("passed", "not_passed")
REVIEWABLE = (Status.SUBMITTED, Status.SHORTLISTED)
WITHDRAWABLE = (Status.STARTED, Status.SUBMITTED, Status.SHORTLISTED)

_STATUS_WORDS = {
    Status.STARTED: "still being filled in",
    Status.SUBMITTED: "submitted and waiting for review",
    Status.WITHDRAWN: "withdrawn",
    Status.SHORTLISTED: "shortlisted",
    Status.REJECTED: "not taken forward",
    Status.OFFERED: "offered a place",
    Status.ACCEPTED: "accepted",
    Status.DECLINED: "declined",
}


def describe(status: str) -> str:
    return _STATUS_WORDS.get(Status(status), status)


@dataclass(frozen=True)
class Facts:
    status: str
    manager_support: str | None = None
    interview_outcome: str | None = None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    message: str
    status: str | None = None  # the new status, when it changes
    changes: dict = field(default_factory=dict)


def _refuse(message: str) -> Decision:
    return Decision(False, message)


def decide(facts: Facts, op: Op, args: dict | None = None) -> Decision:
    """The outcome of `op` on an application in the state `facts` (pure)."""
    args = args or {}
    status = Status(facts.status)
    if op == Op.SHORTLIST:
        if status == Status.SHORTLISTED:
            return _refuse("This application is already shortlisted.")
        if status != Status.SUBMITTED:
            return _refuse(f"This application can't be shortlisted: it is {describe(status)}.")
        return Decision(True, "Shortlisted.", Status.SHORTLISTED)
    if op == Op.REJECT:
        if status == Status.REJECTED:
            return _refuse("This application was already not taken forward.")
        if status not in REVIEWABLE:
            return _refuse(f"This application can't be turned down now: it is {describe(status)}.")
        reason = text_of(args.get("reason")) or None
        problem = too_long("Reason", reason or "")
        if problem is not None:
            return _refuse(problem)
        return Decision(True, "Not taken forward.", Status.REJECTED, {"rejection_reason": reason})
    if op == Op.INTERVIEW:
        outcome = args.get("interview_outcome")
        if outcome not in INTERVIEW_CHOICES:
            return _refuse("Please choose the interview outcome (passed or not passed).")
        if status != Status.SHORTLISTED:
            return _refuse(
                f"Interview outcomes are recorded for shortlisted applications; this one is "
                f"{describe(status)}."
            )
        if facts.interview_outcome == outcome:
            return _refuse("That interview outcome is already recorded.")
        if outcome == "not_passed":
            return Decision(
                True,
                "Interview recorded: not passed.",
                Status.REJECTED,
                {"interview_outcome": outcome},
            )
        return Decision(True, "Interview recorded: passed.", None, {"interview_outcome": outcome})
    if op == Op.MANAGER_SUPPORT:
        support = args.get("support")
        if support not in SUPPORT_CHOICES:
            return _refuse(
                "Please choose whether the line manager supports it: yes, no or pending."
            )
        if status not in REVIEWABLE:
            return _refuse(
                f"Line-manager support is recorded before an offer; this application is "
                f"{describe(status)}."
            )
        name = text_of(args.get("manager_name")) or None
        problem = too_long("Manager's name", name or "", MANAGER_NAME_LENGTH)
        if problem is not None:
            return _refuse(problem)
        typed_on = text_of(args.get("support_date"))
        day = parse_date(typed_on) if typed_on else None
        if typed_on and day is None:
            return _refuse(f"Please give the date of support like 2026-11-20 (not “{typed_on}”).")
        on = day.isoformat() if day else None
        if support == facts.manager_support and not name and not on:
            return _refuse(f"Line-manager support is already recorded as {support}.")
        return Decision(
            True,
            f"Line-manager support recorded: {support}.",
            None,
            {
                "manager_support": support,
                "manager_name": name,
                "manager_support_on": on,
                "manager_support_source": "coordinator",
            },
        )
    if op == Op.OFFER:
        if status in (Status.OFFERED, Status.ACCEPTED, Status.DECLINED):
            return _refuse(f"An offer was already made: it is {describe(status)}.")
        if status != Status.SHORTLISTED:
            return _refuse(
                f"Only shortlisted applications can get an offer; this one is {describe(status)}."
            )
        if facts.interview_outcome == "not_passed":
            return _refuse("The interview outcome is 'not passed', so no offer can be made.")
        if facts.manager_support != "yes":
            now = facts.manager_support or "not recorded"
            return _refuse(
                "No offer without the line manager's support: record it as 'yes' first "
                f"(now: {now})."
            )
        return Decision(True, "Offer sent.", Status.OFFERED)
    if op in (Op.ACCEPT, Op.DECLINE):
        if status == Status.ACCEPTED:
            return _refuse("You have already accepted this offer.")
        if status == Status.DECLINED:
            return _refuse("You have already declined this offer.")
        if status != Status.OFFERED:
            return _refuse("There is no open offer to answer.")
        new = Status.ACCEPTED if op == Op.ACCEPT else Status.DECLINED
        return Decision(True, "Offer accepted." if op == Op.ACCEPT else "Offer declined.", new)
    if op == Op.WITHDRAW:
        if status == Status.WITHDRAWN:
            return _refuse("Your application is already withdrawn.")
        if status not in WITHDRAWABLE:
            return _refuse(
                f"Your application can't be withdrawn here: it is {describe(status)}. "
                "Please talk to the programme coordinator."
            )
        return Decision(True, "Application withdrawn.", Status.WITHDRAWN)
    raise ValueError(op)


FUNNEL = (
    ("requested", None),
    ("started", (Status.STARTED,)),
    ("submitted", tuple(s for s in Status if s not in (Status.STARTED, Status.WITHDRAWN))),
    ("shortlisted", (Status.SHORTLISTED, Status.OFFERED, Status.ACCEPTED, Status.DECLINED)),
    ("selected", (Status.ACCEPTED,)),
)


def funnel_counts(statuses: Counter) -> dict[str, int]:
    """Applications at each stage of the seeds' Table 1 (a later stage counts in earlier ones)."""
    result = {}
    for stage, members in FUNNEL:
        result[stage] = (
            sum(statuses.values()) if members is None else sum(statuses[m.value] for m in members)
        )
    result["withdrawn"] = statuses[Status.WITHDRAWN.value]
    return result
