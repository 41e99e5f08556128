"""Announcing a programme's application window: who may compose, approve and send it, the text
the bot drafts, what became of each person it was for, the reach by organisation, and when the
reminder to finish an application goes.

Pure: no Teams, no database. The caller reads the facts (the programme, the coordinators, each
recipient's delivery and application) and stores what these rules decide.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.report_rules import MIN_GROUP, NOT_SHOWN, suppress_breakdown
from domain.working_hours import (
    DEFAULT_HOURS,
    WorkingHours,
    local_date,
    previous_working_day,
    start_of_working_day,
)

MAX_TEXT = 1000  # the announcement's text, as the form card says
MAX_IMAGE_URL = 500
# Organisations with fewer people than this are not shown on their own (special-category data:
# a small group's counts could point at a person).
SMALLEST_SHOWN = MIN_GROUP
SMALLER_ORGANISATIONS = "Smaller organisations together"
NO_ORGANISATION = "Organisation not known"
# The reminder to finish a started application goes this many working days before the close.
REMINDER_WORKING_DAYS = 3

KIND_OFFERS = {
    "mentoring": "a mentor from a more senior grade for {months} months: about 2 hours a "
    "month, a session each month and a small action plan",
    "reverse": "{months} months of reverse mentoring: you mentor a senior leader about your "
    "experience, about 2 hours a month",
    "promotion_support": "{months} months of support toward promotion: a mentor, practice for "
    "assessment and about 2 hours a month",
}


class Status(StrEnum):
    DRAFT = "draft"  # being composed
    AWAITING_APPROVAL = "awaiting_approval"  # previewed; a second coordinator must approve
    SENDING = "sending"  # approved: the bot is reaching its audiences
    SENT = "sent"  # every audience read and every person decided
    CANCELLED = "cancelled"


class AudienceKind(StrEnum):
    CHANNEL = "channel"  # a Teams channel where the app is installed: one post
    GROUP = "group"  # an Entra group: one personal message per member


class Delivery(StrEnum):
    """Where one person stands. The outbox row (by the person's key) says sent or not."""

    WAITING = "waiting"  # not yet asked for a chat
    INSTALLING = "installing"  # the app was installed for them; waiting for the chat
    QUEUED = "queued"  # in the outbox: it goes in their working hours
    DELIVERED = "delivered"
    NOT_REACHED = "not_reached"  # see `Unreached`


class Unreached(StrEnum):
    """Why a person was not reached; never tried again for this announcement."""

    BLOCKED = "blocked"  # Teams: the bot is blocked or removed
    LEFT = "left"  # no such user any more (left the organisation)
    APP_NOT_ALLOWED = "app_not_allowed"  # the app may not be installed for them
    NO_CHAT = "no_chat"  # installed, but Teams never opened the chat
    NOT_FOR_ME = "not_for_me"  # said "not for me" to this programme earlier
    APPLIED = "applied"  # already has an application to this programme: not sent
    NOT_SET_UP = "not_set_up"  # the app's catalog id is not configured: nobody can be added
    FAILED = "failed"  # Teams (or Graph) kept failing


# Not reached although the message was handed to Teams (Teams refused or kept failing).
SENT_BUT_REFUSED = frozenset({Unreached.BLOCKED.value, Unreached.FAILED.value})

UNREACHED_WORDS = {
    Unreached.BLOCKED: "blocked or removed the app",
    Unreached.LEFT: "left the organisation",
    Unreached.APP_NOT_ALLOWED: "the app is not allowed for them",
    Unreached.NO_CHAT: "no chat opened after installing",
    Unreached.NOT_FOR_ME: "said “not for me” earlier",
    Unreached.APPLIED: "had already applied, so it was not sent",
    Unreached.NOT_SET_UP: "the app could not be installed for them (no app catalog id set)",
    Unreached.FAILED: "Teams or Microsoft Graph kept failing",
}


# --- who may ---------------------------------------------------------------------------------


def approval_refusal(
    status: str, composer: str, approver: str, coordinators: Iterable[str]
) -> str | None:
    """Why `approver` may not approve the announcement now (None: they may).

    A second coordinator approves; the composer may confirm it only when the programme has
    exactly one coordinator (nobody else could).
    """
    if status != Status.AWAITING_APPROVAL:
        return "This announcement is not waiting for approval any more."
    others = set(coordinators) - {composer}
    if approver == composer and others:
        return (
            "Another coordinator needs to approve this before it goes: you composed it. "
            "They'll find it in this channel."
        )
    return None


def needs_second_coordinator(composer: str, coordinators: Iterable[str]) -> bool:
    return bool(set(coordinators) - {composer})


# --- the text the bot drafts ----------------------------------------------------------------


@dataclass(frozen=True)
class ProgrammeFacts:
    name: str
    kind: str
    length_months: int
    closes_on: str  # the closing date as the coordinator reads it


def draft_text(programme: ProgrammeFacts) -> str:
    """A first text for the announcement, for the coordinator to change: who may apply, what
    it offers, the closing date and that no line manager's permission is needed to apply."""
    offer = KIND_OFFERS.get(programme.kind, KIND_OFFERS["mentoring"]).format(
        months=programme.length_months
    )
    return (
        f"Applications for {programme.name} are open until {programme.closes_on}. "
        "It is for staff from groups under-represented in senior roles (for example Black, "
        "Asian and minority ethnic, disabled or LGBT+ staff) who want to progress. "
        f"It offers {offer}. "
        "You don't need your line manager's permission to apply: press Apply to start; it "
        "takes about 10 minutes and you can save and come back."
    )


def text_refusal(text: str) -> str | None:
    if not text.strip():
        return "The announcement needs some text: write it, or keep the draft."
    return None


# --- the reach report -------------------------------------------------------------------------


@dataclass(frozen=True)
class RecipientFacts:
    """One person an announcement was for, as the report reads them."""

    organisation: str | None
    delivery: str  # Delivery
    unreached: str | None = None  # Unreached, when NOT_REACHED
    pressed_apply: bool = False
    started: bool = False  # an application to the programme exists (any stage)
    submitted: bool = False  # it was submitted


@dataclass
class Reach:
    organisation: str
    people: int = 0
    sent: int = 0  # handed to Teams (delivered, or refused by Teams: blocked, failing)
    delivered: int = 0
    waiting: int = 0  # in the outbox, waiting for their working hours
    unreached: dict[str, int] = field(default_factory=dict)
    pressed_apply: int = 0
    started: int = 0
    submitted: int = 0
    suppressed: bool = False  # fewer than SMALLEST_SHOWN people: counts not shown
    # Shown people, hidden counts: the only other row hidden could be worked out from the total.
    hidden_for_total: bool = False

    @property
    def not_reached(self) -> int:
        return sum(self.unreached.values())

    def add(self, person: RecipientFacts) -> None:
        self.people += 1
        if person.delivery == Delivery.DELIVERED:
            self.delivered += 1
            self.sent += 1
        if person.delivery == Delivery.QUEUED:
            self.waiting += 1
        if person.delivery == Delivery.NOT_REACHED:
            why = person.unreached or Unreached.FAILED.value
            self.unreached[why] = self.unreached.get(why, 0) + 1
            self.sent += why in SENT_BUT_REFUSED
        self.pressed_apply += person.pressed_apply
        self.started += person.started
        self.submitted += person.submitted

    def merge(self, other: Reach) -> None:
        self.people += other.people
        self.sent += other.sent
        self.delivered += other.delivered
        self.waiting += other.waiting
        for why, count in other.unreached.items():
            self.unreached[why] = self.unreached.get(why, 0) + count
        self.pressed_apply += other.pressed_apply
        self.started += other.started
        self.submitted += other.submitted


def reach_by_organisation(people: Iterable[RecipientFacts]) -> list[Reach]:
    """The reach, one row per organisation with at least `SMALLEST_SHOWN` people (largest
    first), then the smaller ones pooled in one row, whose counts are suppressed too if the
    pool is itself smaller than `SMALLEST_SHOWN`. The totals are shown, so when that pool is
    the only row hidden, the smallest other row's counts are hidden as well."""
    rows: dict[str, Reach] = {}
    for person in people:
        name = (person.organisation or "").strip() or NO_ORGANISATION
        rows.setdefault(name, Reach(name)).add(person)
    shown = sorted(
        (row for row in rows.values() if row.people >= SMALLEST_SHOWN),
        key=lambda row: (-row.people, row.organisation),
    )
    small = [row for row in rows.values() if row.people < SMALLEST_SHOWN]
    if small:
        pooled = Reach(SMALLER_ORGANISATIONS)
        for row in small:
            pooled.merge(row)
        pooled.suppressed = pooled.people < SMALLEST_SHOWN
        shown.append(pooled)
    shown_as = suppress_breakdown({row.organisation: row.people for row in shown}, SMALLEST_SHOWN)
    for row in shown:
        row.hidden_for_total = shown_as[row.organisation] == NOT_SHOWN
    return shown


def organisations_not_reached(people: Iterable[RecipientFacts]) -> list[str]:
    """Organisations nobody in which was reached (every person in them not reached), by name.

    These are whom "send again" offers; a named organisation does not reveal a count."""
    reached: dict[str, bool] = {}
    for person in people:
        name = (person.organisation or "").strip()
        if not name:
            continue
        got = person.delivery in (Delivery.QUEUED, Delivery.DELIVERED)
        reached[name] = reached.get(name, False) or got
    return sorted(name for name, got in reached.items() if not got)


# --- the reminder ------------------------------------------------------------------------------


def reminder_at(
    closes_at: datetime,
    tz_name: str | None,
    hours: WorkingHours = DEFAULT_HOURS,
    *,
    working_days: int = REMINDER_WORKING_DAYS,
) -> datetime:
    """When the reminder to finish an application goes: the start of the working day
    `working_days` working days before the day the window closes (in the person's zone)."""
    day = local_date(closes_at, tz_name)
    for _ in range(working_days):
        day = previous_working_day(day, hours)
    return start_of_working_day(day, tz_name, hours)


def wants_reminder(*, started: bool, submitted: bool, not_for_me: bool) -> bool:
    """Only people who started an application and have not submitted it, and never anyone
    who said "not for me"."""
    return started and not submitted and not not_for_me


# --- the form ------------------------------------------------------------------------------------

MAX_GROUPS_TEXT = 2000


@dataclass(frozen=True)
class GroupLine:
    group_id: str
    organisation: str


def read_groups(text: str) -> tuple[list[GroupLine], list[str]]:
    """The staff groups typed on the form, one per line: "<group id>, <organisation>".

    Returns the groups (each id once) and the lines that could not be read, as typed."""
    groups: dict[str, GroupLine] = {}
    unread: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        group_id, _, organisation = (part.strip() for part in line.partition(","))
        if not group_id or not organisation or any(c.isspace() or c in "/?#" for c in group_id):
            unread.append(line)
            continue
        groups.setdefault(group_id, GroupLine(group_id, organisation))
    return list(groups.values()), unread


def image_refusal(url: str) -> str | None:
    if url and not url.lower().startswith("https://"):
        return (
            "The image needs to be a web address starting with https:// (or leave it empty). "
            "Nothing was saved: please change it and press Preview again."
        )
    return None
