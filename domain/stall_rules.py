"""When a pairing has stalled, and when an escalation has waited too long.

`stall_causes` looks at plain facts about one active pairing and returns every current cause
with evidence a coordinator can read, and a `ref` naming the occurrence (the last session date,
the check-in, the request), which stays the same from one sweep to the next. The caller keeps
one open escalation per pairing and cause, and can use `ref` not to raise again an occurrence
a coordinator has already resolved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain.cadence import (
    DEFAULT_LENGTH_MONTHS,
    month_start,
    months_completed_by,
    programme_month,
    sessions_planned_by,
)
from domain.keys import check_in_occurrence, dated_occurrence
from domain.pauses import Pause, unpaused_time, when_unpaused
from domain.working_hours import (
    DEFAULT_HOURS,
    DEFAULT_ZONE,
    WorkingHours,
    add_working_days,
    to_utc,
)

DEFAULT_NO_SESSION_DAYS = 45
DEFAULT_ESCALATION_WORKING_DAYS = 2
YES, NOT_REALLY, NEED_HELP = "yes", "not_really", "need_help"
# A check-in answer as the person saw it on the card.
CHECK_IN_ANSWERS = {YES: "Yes", NOT_REALLY: "Not really", NEED_HELP: "I need help"}


class StallCause(StrEnum):
    NO_RECENT_SESSION = "no_recent_session"
    MISSED_MONTHS = "missed_months"
    NEEDS_HELP = "needs_help"
    NOT_RUNNING_SMOOTHLY = "not_running_smoothly"
    REPAIR_REQUESTED = "repair_requested"
    UNREACHABLE = "unreachable"


@dataclass(frozen=True)
class StallSettings:
    no_session_days: int = DEFAULT_NO_SESSION_DAYS
    missed_months_in_a_row: int = 2
    not_really_in_a_row: int = 2


@dataclass(frozen=True)
class LoggedSession:
    """A session logged as held. `month` is the programme month it was logged for, if known;
    otherwise the month `held_on` falls in is used."""

    held_on: datetime
    month: int | None = None


@dataclass(frozen=True)
class CheckInAnswer:
    person_id: int | str
    week: int
    answer: str  # yes / not_really / need_help
    answered_at: datetime
    person_name: str | None = None


@dataclass(frozen=True)
class PersonEvent:
    """Something about one participant since a time: a re-pair request, or unreachability."""

    person_id: int | str
    since: datetime
    person_name: str | None = None


@dataclass(frozen=True)
class PairingFacts:
    paired_at: datetime
    length_months: int = DEFAULT_LENGTH_MONTHS
    sessions: tuple[LoggedSession, ...] = ()
    check_ins: tuple[CheckInAnswer, ...] = ()
    repair_requests: tuple[PersonEvent, ...] = ()  # open requests only
    unreachable: tuple[PersonEvent, ...] = ()  # participants a nudge could not reach
    # When either of the pair held their routine reminders: the pair cannot be expected to
    # meet then, so that time does not count towards "no session for too long".
    pauses: tuple[Pause, ...] = ()


@dataclass(frozen=True)
class Stall:
    cause: StallCause
    evidence: str
    ref: str


def normalise_answer(answer: str) -> str:
    """Read "Not really", "not-really" and "not_really" as the same answer."""
    return "_".join(answer.strip().lower().replace("-", " ").split())


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def _ago(then: datetime, now: datetime) -> str:
    days = (now - then).days
    return "today" if days <= 0 else f"{_days(days)} ago"


def _for(then: datetime, now: datetime) -> str:
    days = (now - then).days
    return "since today" if days <= 0 else f"for {_days(days)}"


def _who(person_id: int | str, name: str | None) -> str:
    return name.strip() if name and name.strip() else f"person {person_id}"


def _months_text(months: list[int]) -> str:
    if len(months) == 2:
        return f"months {months[0]} and {months[1]}"
    return f"months {months[0]}–{months[-1]}"


def stall_causes(
    facts: PairingFacts, now: datetime, settings: StallSettings | None = None
) -> list[Stall]:
    """Every current reason to escalate this pairing, in StallCause order."""
    settings = settings or StallSettings()
    now = to_utc(now)
    paired_at = to_utc(facts.paired_at)
    length = facts.length_months
    held = [s for s in facts.sessions if to_utc(s.held_on) <= now]
    planned = sessions_planned_by(paired_at, now, length)
    progress = f"{len(held)} of {planned} planned so far"
    stalls: list[Stall] = []

    # 1. Nothing logged for too long after the pairing or the last session, not counting
    # time either of the pair was paused.
    last = max((to_utc(s.held_on) for s in held), default=None)
    since = last or paired_at
    idle = unpaused_time(since, now, facts.pauses)
    if idle > timedelta(days=settings.no_session_days):
        elapsed = (now - since).days
        what = (
            f"last session {_days(elapsed)} ago"
            if last
            else f"no session logged in the {_days(elapsed)} since pairing"
        )
        paused = elapsed - idle.days
        if paused > 0:
            what += f" ({paused} of them paused)"
        stalls.append(
            Stall(
                StallCause.NO_RECENT_SESSION,
                f"{what}; {progress}",
                f"{'last-session' if last else 'paired'}-{since.date().isoformat()}",
            )
        )

    # 2. The latest completed programme months, consecutively, without a session.
    completed = months_completed_by(paired_at, now, length)
    with_session = set()
    for s in held:
        month = s.month or programme_month(paired_at, s.held_on, length)
        if month:
            with_session.add(month)
    run = []
    for month in range(completed, 0, -1):
        if month in with_session:
            break
        run.insert(0, month)
    if len(run) >= settings.missed_months_in_a_row:
        stalls.append(
            Stall(
                StallCause.MISSED_MONTHS,
                f"no session in programme {_months_text(run)}; {progress}",
                f"from-month-{run[0]}",
            )
        )

    # 3 and 4. Check-ins: the latest answers of each person.
    by_person: dict[int | str, list[CheckInAnswer]] = {}
    for answer in sorted(facts.check_ins, key=lambda a: (to_utc(a.answered_at), a.week)):
        if to_utc(answer.answered_at) <= now:
            by_person.setdefault(answer.person_id, []).append(answer)
    for person_id, answers in by_person.items():
        latest = answers[-1]
        who = _who(person_id, latest.person_name)
        if normalise_answer(latest.answer) == NEED_HELP:
            stalls.append(
                Stall(
                    StallCause.NEEDS_HELP,
                    f"{who} answered “need help” at the week-{latest.week} check-in "
                    f"({_ago(to_utc(latest.answered_at), now)})",
                    check_in_occurrence(person_id, latest.week),
                )
            )
            continue
        streak = answers[-settings.not_really_in_a_row :]
        if len(streak) == settings.not_really_in_a_row and all(
            normalise_answer(a.answer) == NOT_REALLY for a in streak
        ):
            weeks = " and ".join(f"week {a.week}" for a in streak)
            stalls.append(
                Stall(
                    StallCause.NOT_RUNNING_SMOOTHLY,
                    f"{who} answered “not really” {len(streak)} times in a row ({weeks})",
                    check_in_occurrence(person_id, latest.week),
                )
            )

    # 5. Open re-pair requests.
    for request in facts.repair_requests:
        at = to_utc(request.since)
        stalls.append(
            Stall(
                StallCause.REPAIR_REQUESTED,
                f"{_who(request.person_id, request.person_name)} asked to be re-paired "
                f"{_ago(at, now)}",
                dated_occurrence(request.person_id, at.date()),
            )
        )

    # 6. A participant the bot cannot reach in Teams.
    for gone in facts.unreachable:
        at = to_utc(gone.since)
        stalls.append(
            Stall(
                StallCause.UNREACHABLE,
                f"{_who(gone.person_id, gone.person_name)} can't be reached in Teams "
                f"(messages failing {_for(at, now)})",
                dated_occurrence(gone.person_id, at.date()),
            )
        )
    order = list(StallCause)
    return sorted(stalls, key=lambda stall: order.index(stall.cause))


# The smallest step of stored time: a rule `x > threshold` first holds this long after it.
_TICK = timedelta(microseconds=1)


def next_stall_change(
    facts: PairingFacts, now: datetime, settings: StallSettings | None = None
) -> datetime | None:
    """The first instant after `now` at which `stall_causes` could give another cause or ref
    on the same facts (None: time alone changes nothing any more).

    What moves with time alone: a session or answer counting once its time has come, the
    quiet period running out after the pairing or the last session (later by any time paused
    in it, a pause still running included), each programme month
    completing, and the programme's end (after which the sweep stops looking). Everything
    else changes only when the facts do.
    """
    settings = settings or StallSettings()
    now = to_utc(now)
    paired_at = to_utc(facts.paired_at)
    points = [to_utc(s.held_on) for s in facts.sessions]
    points += [to_utc(a.answered_at) for a in facts.check_ins]
    held = [to_utc(s.held_on) for s in facts.sessions if to_utc(s.held_on) <= now]
    quiet = timedelta(days=settings.no_session_days)
    points.append(when_unpaused(max(held, default=paired_at), quiet, facts.pauses) + _TICK)
    points += [month_start(paired_at, k) for k in range(2, facts.length_months + 2)]
    return min((at for at in points if at > now), default=None)


def escalation_deadline(
    created_at: datetime,
    tz_name: str | None,
    hours: WorkingHours = DEFAULT_HOURS,
    working_days: int = DEFAULT_ESCALATION_WORKING_DAYS,
    *,
    default_zone: str = DEFAULT_ZONE,
) -> datetime:
    """When an unacknowledged escalation is posted again and sent to the champion."""
    return add_working_days(created_at, working_days, tz_name, hours, default_zone=default_zone)


def escalation_is_overdue(
    created_at: datetime,
    acknowledged_at: datetime | None,
    now: datetime,
    tz_name: str | None,
    hours: WorkingHours = DEFAULT_HOURS,
    working_days: int = DEFAULT_ESCALATION_WORKING_DAYS,
    *,
    default_zone: str = DEFAULT_ZONE,
) -> bool:
    """Unacknowledged for `working_days` working days (in the coordinators' zone and hours)."""
    if acknowledged_at is not None and to_utc(acknowledged_at) <= to_utc(now):
        return False
    deadline = escalation_deadline(
        created_at, tz_name, hours, working_days, default_zone=default_zone
    )
    return to_utc(now) >= deadline
