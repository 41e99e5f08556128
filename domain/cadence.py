"""The programme schedule of a confirmed pair: monthly sessions, check-ins and their reminders.

Programme month k (1..N) starts k-1 calendar months after the pairing, computed from the
pairing instant each time (so 31 January gives 29 February, then 31 March: the day is clamped to
the month's length, never carried over). Month arithmetic is done on the UTC instant; the
sender moves whatever falls outside someone's working hours to their next working time.
"""

from __future__ import annotations

import calendar
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain.free_slots import DEFAULT_SESSION_MINUTES
from domain.keys import month_period, reminder_period, week_period
from domain.sessions import (
    Attendance,
    SessionFacts,
    SessionState,
    facts_of,
    is_settled_for,
    session_end,
    session_state,
)
from domain.verification import settled_by
from domain.working_hours import (
    DEFAULT_HOURS,
    DEFAULT_ZONE,
    WorkingHours,
    local_date,
    previous_working_day,
    start_of_working_day,
    to_utc,
)

DEFAULT_LENGTH_MONTHS = 6
ALLOWED_LENGTHS = (6, 12)
CHECK_IN_WEEKS = (2, 4, 6)
FOLLOW_UP_MONTHS = (3, 6, 12)
# A session lasts about 2 hours: ask for the log once a booked session should be over.
SESSION_LENGTH = timedelta(minutes=DEFAULT_SESSION_MINUTES)


class ItemKind(StrEnum):
    BOOK_SESSION = "book_session"
    SESSION_REMINDER = "session_reminder"
    LOG_REQUEST = "log_request"
    SESSION_NOTES = "session_notes"  # a session verified by attendance: add notes and steps
    CHECK_IN = "check_in"
    END_SURVEY = "end_survey"
    FOLLOW_UP = "follow_up"


@dataclass(frozen=True)
class PlannedItem:
    """One thing the bot should do for a pair. `period` goes into idempotency keys."""

    kind: ItemKind
    due: datetime
    period: str  # "month-3", "week-2", "end", "follow-up-6"
    month: int | None = None  # the programme month, for month items
    week: int | None = None  # the week after pairing, for check-ins


def check_length(length_months: int) -> int:
    if length_months not in ALLOWED_LENGTHS:
        allowed = " or ".join(str(n) for n in ALLOWED_LENGTHS)
        raise ValueError(f"programme length must be {allowed} months, not {length_months!r}")
    return length_months


def add_months(at: datetime, months: int) -> datetime:
    """`at` moved by whole calendar months, the day clamped to the target month's last day."""
    index = at.year * 12 + (at.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    day = at.day
    if day > 28:
        day = min(day, calendar.monthrange(year, month)[1])
    return at.replace(year=year, month=month, day=day)


def month_start(paired_at: datetime, month: int) -> datetime:
    """When programme month `month` (1-based) starts."""
    if month < 1:
        raise ValueError("programme months are numbered from 1")
    return add_months(to_utc(paired_at), month - 1)


def month_bounds(paired_at: datetime, month: int) -> tuple[datetime, datetime]:
    """Programme month `month` as [start, end) in UTC; its end is the next month's start."""
    return month_start(paired_at, month), month_start(paired_at, month + 1)


def programme_end(paired_at: datetime, length_months: int = DEFAULT_LENGTH_MONTHS) -> datetime:
    return month_start(paired_at, check_length(length_months) + 1)


def programme_month(
    paired_at: datetime, at: datetime, length_months: int = DEFAULT_LENGTH_MONTHS
) -> int | None:
    """The programme month `at` falls in (1..N), or None before the pairing or after the end."""
    started = sessions_planned_by(paired_at, at, length_months)
    if started == 0 or to_utc(at) >= programme_end(paired_at, length_months):
        return None
    return started


def schedule(paired_at: datetime, length_months: int = DEFAULT_LENGTH_MONTHS) -> list[PlannedItem]:
    """The planned prompts of a pairing, in due order.

    A "book your session" prompt at the start of each programme month, and the check-ins at 2,
    4 and 6 weeks after pairing. Reminders and log requests depend on what gets booked, so they
    come from `session_reminder_due` and `log_request_due`.
    """
    check_length(length_months)
    paired_at = to_utc(paired_at)
    items = [
        PlannedItem(ItemKind.BOOK_SESSION, month_start(paired_at, k), month_period(k), month=k)
        for k in range(1, length_months + 1)
    ]
    items += [
        PlannedItem(ItemKind.CHECK_IN, paired_at + timedelta(weeks=w), week_period(w), week=w)
        for w in CHECK_IN_WEEKS
    ]
    return sorted(items, key=lambda item: (item.due, item.kind != ItemKind.BOOK_SESSION))


def sessions_planned_by(
    paired_at: datetime, at: datetime, length_months: int = DEFAULT_LENGTH_MONTHS
) -> int:
    """How many monthly sessions are planned by `at`: the programme months started (0..N)."""
    check_length(length_months)
    paired_at, at = to_utc(paired_at), to_utc(at)
    started = 0
    for k in range(1, length_months + 1):
        if month_start(paired_at, k) > at:
            break
        started = k
    return started


def months_completed_by(
    paired_at: datetime, at: datetime, length_months: int = DEFAULT_LENGTH_MONTHS
) -> int:
    """How many programme months are over by `at` (0..N)."""
    check_length(length_months)
    at = to_utc(at)
    return sum(1 for k in range(1, length_months + 1) if month_start(paired_at, k + 1) <= at)


def end_items(paired_at: datetime, length_months: int = DEFAULT_LENGTH_MONTHS) -> list[PlannedItem]:
    """The end survey at the programme's end, and follow-ups 3, 6 and 12 months after it.

    For promotion-support schemes the end survey waits for the assessment instead (the caller
    knows that date); this is the default.
    """
    end = programme_end(paired_at, length_months)
    return [PlannedItem(ItemKind.END_SURVEY, end, "end")] + [
        PlannedItem(ItemKind.FOLLOW_UP, add_months(end, m), f"follow-up-{m}")
        for m in FOLLOW_UP_MONTHS
    ]


def session_reminder_due(
    session_at_utc: datetime,
    tz_name: str | None,
    hours: WorkingHours = DEFAULT_HOURS,
    *,
    default_zone: str = DEFAULT_ZONE,
) -> datetime:
    """Start of the working day before the booked session's date, in the person's zone.

    A session on Monday is reminded on Friday at 09:00 (holidays skipped). The result may be in
    the past when a session is booked at short notice: the sender then sends it straight away,
    as long as the session has not started.
    """
    booked_day = local_date(session_at_utc, tz_name, default_zone=default_zone)
    day = previous_working_day(booked_day, hours)
    return start_of_working_day(day, tz_name, hours, default_zone=default_zone)


def log_request_due(
    paired_at: datetime,
    month: int,
    booked_for: datetime | None = None,
    length_months: int = DEFAULT_LENGTH_MONTHS,
) -> datetime:
    """When to ask the pair to log programme month `month`'s session.

    Once a booked session should be over (booked time + SESSION_LENGTH); if nothing was booked,
    at the end of that programme month.
    """
    if not 1 <= month <= check_length(length_months):
        raise ValueError(f"month must be 1..{length_months}, not {month}")
    if booked_for is not None:
        return to_utc(booked_for) + SESSION_LENGTH
    return month_bounds(paired_at, month)[1]


@dataclass(frozen=True)
class NudgeWindow:
    """A nudge the rules send to one of the pair while `start <= now < end`.

    `who` is 0 for the trainee and 1 for the mentor; `period` goes into the idempotency key.
    """

    kind: ItemKind
    period: str
    who: int
    start: datetime
    end: datetime
    month: int | None = None
    week: int | None = None
    booked_for: datetime | None = None  # reminders and log requests of a booked session


def nudge_windows(
    paired_at: datetime,
    length_months: int,
    sessions: Iterable,
    answered: Collection[tuple[int, int]],
    zones: tuple[str, str],
    now: datetime,
    *,
    check_in_latest: timedelta,
    log_request_latest: timedelta,
    hours: WorkingHours = DEFAULT_HOURS,
) -> list[NudgeWindow]:
    """Every nudge window of a pair that has not closed by `now`, in the order they are sent.

    `sessions`: the pair's month rows (anything with `month`, `booking`, `booked_for`,
    `booked_minutes`, `event_id`, `attendance` and the two answers, see
    `domain.sessions.facts_of`); `answered`: (who, week) of the check-ins answered; `zones`:
    the trainee's and the mentor's time zones (for reminders). A month's booking prompt runs
    for the month unless a session is booked, declined or answered for; each check-in for
    `check_in_latest` from its week; once a month has started, the reminder of a booked
    session from `session_reminder_due` (in the configured `hours`) until the session, and
    the request to say whether it happened from the session's end (without a booking: the
    month's end) for `log_request_latest`, to each person until they answer. A Teams meeting
    booked through Graph is checked after it (`domain.verification`): the request waits for
    that check; a session it verifies gets a notes card instead. Windows already closed are
    left out.
    """
    paired_at, now = to_utc(paired_at), to_utc(now)
    check_length(length_months)
    starts = [add_months(paired_at, k) for k in range(length_months + 1)]
    months = {row.month: row for row in sessions}
    first: list[tuple[tuple, NudgeWindow]] = []
    facts = {k: facts_of(row) for k, row in months.items()}
    for k in range(1, length_months + 1):
        row = months.get(k)
        if row is not None and (
            row.booking in ("booked", "cant") or session_state(facts[k]) != SessionState.PLANNED
        ):
            continue
        start, end = starts[k - 1], starts[k]
        for who in (0, 1):
            window = NudgeWindow(ItemKind.BOOK_SESSION, month_period(k), who, start, end, month=k)
            first.append(((start, False), window))
    for week in CHECK_IN_WEEKS:
        due = paired_at + timedelta(weeks=week)
        for who in (0, 1):
            if (who, week) not in answered:
                window = NudgeWindow(
                    ItemKind.CHECK_IN, week_period(week), who, due, due + check_in_latest, week=week
                )
                first.append(((due, True), window))
    # The schedule's order: by due time, a month's booking prompt before a check-in.
    windows = [window for _key, window in sorted(first, key=lambda pair: pair[0])]
    for k in range(1, length_months + 1):
        row = months.get(k)
        month = facts.get(k, SessionFacts())
        start = starts[k - 1]
        booked_for = row.booked_for if row is not None and month.booked else None
        if booked_for is not None and booked_for > now:
            for who in (0, 1):
                reminder = max(start, session_reminder_due(booked_for, zones[who], hours))
                period = reminder_period(k, booked_for)
                windows.append(
                    NudgeWindow(
                        ItemKind.SESSION_REMINDER,
                        period,
                        who,
                        reminder,
                        booked_for,
                        month=k,
                        booked_for=booked_for,
                    )
                )
        end = starts[k]
        if booked_for is not None:
            end = session_end(to_utc(booked_for), row.booked_minutes)
        if month.attendance == Attendance.VERIFIED:
            for who in (0, 1):
                windows.append(
                    NudgeWindow(
                        ItemKind.SESSION_NOTES,
                        month_period(k),
                        who,
                        max(start, end),
                        end + log_request_latest,
                        month=k,
                        booked_for=booked_for,
                    )
                )
            continue
        # A Teams meeting is checked after it ends; the pair is asked once the check is done
        # (the check resets the moment) or, at the latest, when it gives up.
        waits = booked_for is not None and row.event_id is not None and month.attendance is None
        due = settled_by(end) if waits else end
        for who in (0, 1):
            if is_settled_for(month, who):
                continue
            windows.append(
                NudgeWindow(
                    ItemKind.LOG_REQUEST,
                    month_period(k),
                    who,
                    max(start, due),
                    due + log_request_latest,
                    month=k,
                    booked_for=booked_for,
                )
            )
    return [window for window in windows if window.end > now and window.start < window.end]


def open_at(windows: Iterable[NudgeWindow], now: datetime) -> list[NudgeWindow]:
    """The windows open at `now`, in order."""
    return [window for window in windows if window.start <= now < window.end]


def next_change(windows: Iterable[NudgeWindow], now: datetime) -> datetime | None:
    """The first instant after `now` at which a window opens or closes (None: none will)."""
    return min(
        (at for window in windows for at in (window.start, window.end) if at > now),
        default=None,
    )
