"""Line managers in the loop, as plain rules.

The bot asks a participant's line manager (found in the directory when it asks) for two
things: before an offer, whether they support the applicant's place and release for the
programme; after a release block the participant lets us raise with them, whether they can
make time in the next two weeks. This module says:

- where a request stands (`Stage`) and, when the manager could not be asked, why, in the
  coordinators' words (`NotAsked`);
- what the manager may answer, what an answer means for the application's line-manager
  support, and that a coordinator's hand-recorded yes or no wins over it;
- when to chase an unanswered request: no answer in N working days → one reminder; N more →
  the coordinators are told;
- what release the programme needs, and the release-block message;
- the monthly digest a supporting manager gets while a pairing is active: when, and which
  facts. A digest is built from `DigestFacts` only, which holds participation facts and
  nothing else: never session content, check-in or survey answers, or escalations.

Who may press a manager's buttons is the authorisation policy's (`domain.authorisation`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from domain.cadence import month_bounds, programme_end
from domain.local_time import format_day, format_local_date
from domain.working_hours import DEFAULT_HOURS, DEFAULT_ZONE, WorkingHours, add_working_days

# No answer this many working days after asking → one reminder; this many more → the
# coordinators are told (the default of STEPFORWARD_MANAGER_ANSWER_WORKING_DAYS).
ANSWER_WORKING_DAYS = 5
# How long a request waits for Teams to open a chat with a manager the app was installed for.
CHAT_WAIT_WORKING_DAYS = 1
# Looking a manager up again after Microsoft Graph failed (throttled, unavailable), until:
LOOKUP_RETRY = timedelta(minutes=15)
LOOKUP_GIVE_UP = timedelta(hours=24)
# The digest of programme month k goes this long after the month starts (its session has had
# a week to be booked), and never sooner than MIN_DIGEST_GAP after the last one.
DIGEST_DAYS_INTO_MONTH = timedelta(days=7)
MIN_DIGEST_GAP = timedelta(days=25)
# Release dates shown to a manager: the next few only.
DATES_SHOWN = 4
# Where a release request asks the manager to make time.
RELEASE_WITHIN = "the next 2 weeks"


class Purpose(StrEnum):
    SUPPORT = "support"  # before an offer: the applicant's place and release for the programme
    RELEASE = "release"  # after a release block: time in the next two weeks


class Stage(StrEnum):
    LOOKING_UP = "looking_up"  # the directory (or Teams) to be asked, again after a failure
    AWAITING_PERMISSION = "awaiting_permission"  # the participant decides whether we may ask
    WAITING_FOR_CHAT = "waiting_for_chat"  # the app is installed; Teams opens the chat
    ASKED = "asked"  # the card went (or waits in the outbox for working hours)
    ANSWERED = "answered"
    NOT_ASKED = "not_asked"  # with a `NotAsked` reason: the coordinators ask by hand
    SETTLED = "settled"  # nothing more to ask: answered by hand, or the application moved on


OPEN_STAGES = frozenset({Stage.LOOKING_UP, Stage.WAITING_FOR_CHAT, Stage.ASKED})


class NotAsked(StrEnum):
    NO_GRAPH = "no_graph"
    NO_MANAGER = "no_manager"
    LOOKUP_REFUSED = "lookup_refused"
    INSTALL_FORBIDDEN = "install_forbidden"
    INSTALL_NOT_FOUND = "install_not_found"
    NO_APP_ID = "no_app_id"
    GRAPH_FAILED = "graph_failed"
    NO_CHAT = "no_chat"
    UNREACHABLE = "unreachable"
    PARTICIPANT_DECLINED = "participant_declined"


# Why the line manager was not asked in Teams, as the coordinators' cards say it.
NOT_ASKED_WORDS: dict[NotAsked, str] = {
    NotAsked.NO_GRAPH: "Microsoft Graph is not set up, so I can't look up line managers",
    NotAsked.NO_MANAGER: "the directory shows no line manager for them",
    NotAsked.LOOKUP_REFUSED: "Microsoft Graph refused to look up their line manager (a missing "
    "permission)",
    NotAsked.INSTALL_FORBIDDEN: "Teams refused to add me for their line manager (a missing "
    "permission or an app policy)",
    NotAsked.INSTALL_NOT_FOUND: "Teams could not add me for their line manager (the app is not "
    "in the organisation's catalog, or the user was not found)",
    NotAsked.NO_APP_ID: "my app's catalog id is not set, so I can't add myself for their "
    "line manager",
    NotAsked.GRAPH_FAILED: "Microsoft Graph did not answer for a day",
    NotAsked.NO_CHAT: "Teams did not open a chat with their line manager",
    NotAsked.UNREACHABLE: "their line manager can't be reached in Teams",
    NotAsked.PARTICIPANT_DECLINED: "they asked us not to contact their line manager",
}


class Answer(StrEnum):
    SUPPORT = "support"
    CANNOT_SUPPORT = "cannot_support"
    TALK = "talk"  # would like to talk to a coordinator first; may answer later
    MAKE_TIME = "make_time"
    CANNOT_MAKE_TIME = "cannot_make_time"


ANSWERS: dict[Purpose, tuple[Answer, ...]] = {
    Purpose.SUPPORT: (Answer.SUPPORT, Answer.CANNOT_SUPPORT, Answer.TALK),
    Purpose.RELEASE: (Answer.MAKE_TIME, Answer.CANNOT_MAKE_TIME),
}
FINAL_ANSWERS = frozenset(
    {Answer.SUPPORT, Answer.CANNOT_SUPPORT, Answer.MAKE_TIME, Answer.CANNOT_MAKE_TIME}
)
# The answers that come with a reason, for the coordinators only.
WITH_REASON = frozenset({Answer.CANNOT_SUPPORT, Answer.CANNOT_MAKE_TIME})
ANSWER_WORDS: dict[Answer, str] = {
    Answer.SUPPORT: "supports it",
    Answer.CANNOT_SUPPORT: "can't support it",
    Answer.TALK: "would like to talk to a coordinator first",
    Answer.MAKE_TIME: "will make time in " + RELEASE_WITHIN,
    Answer.CANNOT_MAKE_TIME: "can't make time",
}
# The same, said to the manager.
YOUR_ANSWER_WORDS: dict[Answer, str] = {
    Answer.SUPPORT: "you support it",
    Answer.CANNOT_SUPPORT: "you can't support it",
    Answer.TALK: "you'd like to talk to a coordinator first",
    Answer.MAKE_TIME: "you'll make time in " + RELEASE_WITHIN,
    Answer.CANNOT_MAKE_TIME: "you can't make time",
}
# What an answer records as the application's line-manager support.
SUPPORT_OF: dict[Answer, str] = {
    Answer.SUPPORT: "yes",
    Answer.CANNOT_SUPPORT: "no",
    Answer.TALK: "pending",
}


class Source(StrEnum):
    """Who recorded an application's line-manager support."""

    MANAGER_IN_TEAMS = "manager_in_teams"
    COORDINATOR = "coordinator"


SOURCE_WORDS: dict[Source, str] = {
    Source.MANAGER_IN_TEAMS: "answered by the manager in Teams",
    Source.COORDINATOR: "recorded by a coordinator",
}


def read_answer(purpose: Purpose | str, value: object) -> Answer | None:
    """The manager's answer from a card, if it is one this request takes."""
    try:
        answer = Answer(str(value))
    except ValueError:
        return None
    return answer if answer in ANSWERS[Purpose(purpose)] else None


def answer_refusal(current: Answer | str | None, when: str | None) -> str | None:
    """Why a manager's answer cannot be taken (a final one was given), or None.

    "Talk to a coordinator" is not final: after the talk the manager can still answer."""
    if current is None or Answer(current) not in FINAL_ANSWERS:
        return None
    on = f" on {when}" if when else ""
    return (
        f"You already answered{on}: {YOUR_ANSWER_WORDS[Answer(current)]}. Nothing changed. If "
        "something has changed, please tell the programme coordinators."
    )


def hand_answer_stands(support: str | None, source: str | None) -> bool:
    """A coordinator's hand-recorded yes or no wins: a manager's answer in Teams then shows
    beside it on the card, and does not replace it. (A hand-recorded "pending" is no answer.)"""
    return source == Source.COORDINATOR and support in ("yes", "no")


def support_words(support: str | None, source: str | None) -> str:
    """ " — answered by the manager in Teams" after the recorded support, if known."""
    if not support or source is None:
        return ""
    try:
        return f" — {SOURCE_WORDS[Source(source)]}"
    except ValueError:
        return ""


# --- chasing an unanswered request ------------------------------------------------------------


class Step(StrEnum):
    REMIND = "remind"  # the manager, once
    TELL_COORDINATORS = "tell_coordinators"


@dataclass(frozen=True)
class Chase:
    """The next step for an unanswered request and when it is due (None: nothing more)."""

    step: Step | None
    at: datetime | None


def next_chase(
    asked_at: datetime,
    reminded_at: datetime | None,
    coordinators_told_at: datetime | None,
    tz_name: str | None,
    hours: WorkingHours = DEFAULT_HOURS,
    working_days: int = ANSWER_WORKING_DAYS,
    *,
    default_zone: str = DEFAULT_ZONE,
) -> Chase:
    """No answer `working_days` working days after asking (in the manager's zone): one
    reminder; `working_days` more after the reminder: the coordinators are told; then nothing."""
    if coordinators_told_at is not None:
        return Chase(None, None)
    if reminded_at is None:
        at = add_working_days(asked_at, working_days, tz_name, hours, default_zone=default_zone)
        return Chase(Step.REMIND, at)
    at = add_working_days(reminded_at, working_days, tz_name, hours, default_zone=default_zone)
    return Chase(Step.TELL_COORDINATORS, at)


def chat_deadline(
    since: datetime,
    tz_name: str | None,
    hours: WorkingHours = DEFAULT_HOURS,
    *,
    default_zone: str = DEFAULT_ZONE,
) -> datetime:
    """Until when a request waits for Teams to open the chat with a manager the app was added
    for (the installation event brings it, usually within seconds)."""
    return add_working_days(
        since, CHAT_WAIT_WORKING_DAYS, tz_name, hours, default_zone=default_zone
    )


def lookup_retry_at(first_tried: datetime, now: datetime) -> datetime | None:
    """When to look the manager up again after Graph failed; None: give up (not asked)."""
    if now - first_tried >= LOOKUP_GIVE_UP:
        return None
    return now + LOOKUP_RETRY


# --- what the manager is told ------------------------------------------------------------------


@dataclass(frozen=True)
class ReleaseDate:
    """A day a participant must be released for (a training day, a call-back workshop)."""

    what: str
    on: datetime  # aware UTC


def upcoming(dates: Iterable[ReleaseDate], now: datetime, limit: int = DATES_SHOWN) -> list:
    """The dates still to come, soonest first, at most `limit`."""
    return sorted((d for d in dates if d.on >= now), key=lambda d: d.on)[:limit]


def release_needs(
    length_months: int, dates: Iterable[ReleaseDate], now: datetime, tz_name: str | None
) -> list[tuple[str, str]]:
    """What release the programme needs, as (what, when) lines for a manager's card."""
    lines = [("Mentoring sessions", f"about 2 hours a month for {length_months} months")]
    lines += [(d.what, format_local_date(d.on, tz_name)) for d in upcoming(dates, now)]
    return lines


ROLE_WORDS = {"trainee": "as a mentee", "mentor": "as a mentor"}


def release_ask_text(name: str, what: str, on: date | None, agreed: bool) -> str:
    """The release-block message: "Sam Taylor could not be released for training on 3 December
    2026. You agreed to support release for the programme. Can you make time in the next 2
    weeks?" — "you agreed" only when the manager's support is recorded as yes."""
    when = f" on {format_day(on)}" if on else ""
    agreement = (
        "You agreed to support release for the programme."
        if agreed
        else "The programme asks line managers to release participants for it."
    )
    return (
        f"{name} could not be released for {what}{when}. {agreement} "
        f"Can you make time in {RELEASE_WITHIN}?"
    )


# --- the monthly digest ------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestSlot:
    month: int  # the pairing's programme month
    at: datetime  # when its digest may go


def next_digest(
    paired_at: datetime,
    length_months: int,
    *,
    not_before: datetime,
    last_sent_at: datetime | None,
) -> DigestSlot | None:
    """The next digest of a pairing: programme month k's goes DIGEST_DAYS_INTO_MONTH into the
    month, at most once a month (MIN_DIGEST_GAP after the last one, e.g. of an earlier
    pairing), not before `not_before` (the manager's answer), and only inside the month and the
    programme. None when there is none left."""
    end = programme_end(paired_at, length_months)
    for month in range(1, length_months + 1):
        start, month_end = month_bounds(paired_at, month)
        at = start + DIGEST_DAYS_INTO_MONTH
        if last_sent_at is not None:
            at = max(at, last_sent_at + MIN_DIGEST_GAP)
        at = max(at, not_before)
        if at < month_end and at < end:
            return DigestSlot(month, at)
    return None


@dataclass(frozen=True)
class DigestFacts:
    """Everything a digest may say: participation facts, nothing the participant said."""

    name: str
    programme: str
    month: int
    months: int
    session_booked: bool
    dates: tuple[ReleaseDate, ...] = ()


def digest_lines(facts: DigestFacts, now: datetime, tz_name: str | None) -> list[tuple[str, str]]:
    """The digest's facts as (title, value) lines."""
    lines = [
        ("Programme month", f"{facts.month} of {facts.months}"),
        (
            "This month's mentoring session",
            "booked" if facts.session_booked else "not booked yet",
        ),
    ]
    coming = upcoming(facts.dates, now)
    if coming:
        lines += [(d.what, format_local_date(d.on, tz_name)) for d in coming]
    else:
        lines.append(("Other dates to release them for", "none set yet"))
    return lines


# --- the coordinators' view ------------------------------------------------------------------


@dataclass(frozen=True)
class AskFacts:
    """Where one request to a line manager stands, with times already in words."""

    purpose: Purpose | str
    stage: Stage | str
    manager_name: str | None = None
    not_asked: NotAsked | str | None = None
    asked_on: str | None = None
    reminded_on: str | None = None
    coordinators_told_on: str | None = None
    answer: Answer | str | None = None
    answered_on: str | None = None
    reason: str | None = None  # the manager's, for the coordinators only


def asking_line(facts: AskFacts, *, show_reason: bool = True) -> str:
    """Where a request to the line manager stands, for a coordinators' card."""
    stage = Stage(facts.stage)
    who = facts.manager_name or "their line manager"
    if stage == Stage.NOT_ASKED:
        reason = NOT_ASKED_WORDS.get(NotAsked(facts.not_asked), "") if facts.not_asked else ""
        line = f"not asked in Teams: {reason}" if reason else "not asked in Teams"
        if facts.not_asked != NotAsked.PARTICIPANT_DECLINED:
            line += ". Please ask them yourself"
        return line + "."
    if stage == Stage.AWAITING_PERMISSION:
        return f"waiting for them to say whether I may ask {who}."
    if stage == Stage.LOOKING_UP:
        return "looking up their line manager in the directory."
    if stage == Stage.WAITING_FOR_CHAT:
        return f"{who}: I've added myself to their Teams and am waiting for the chat to open."
    if facts.answer is not None:
        answer = Answer(facts.answer)
        line = f"{who} {ANSWER_WORDS[answer]}"
        if facts.answered_on:
            line += f" (answered in Teams, {facts.answered_on})"
        if answer in WITH_REASON:
            if show_reason and facts.reason:
                line += f": “{facts.reason}”"
            elif facts.reason:
                line += " (their reason is shown to the coordinators)"
        return line + "."
    if stage == Stage.SETTLED:
        return f"asked {who} in Teams on {facts.asked_on}; answered by hand."
    line = f"asked {who} in Teams on {facts.asked_on}"
    if facts.reminded_on:
        line += f", reminded on {facts.reminded_on}"
    if facts.coordinators_told_on:
        return line + ": no answer. Please ask them yourself and record the answer."
    return line + ": no answer yet."
