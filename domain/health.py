"""How a pair is doing overall: green, amber or red, with the reasons in words.

The stall rules (`domain.stall_rules`) escalate single causes; this looks at everything at
once and says how worried a coordinator should be. The defaults, for a programme that plans
one session a month:

- **Days since the last held session** (or since pairing, before the first): a month is about
  30 days, so after 35 this month's session is late (amber, before the stall rules escalate
  at 45); after 60 a whole month has gone by without one (red).
- **Programme months over without a held session**: one is amber (leave and illness happen);
  the latest two in a row are red, as the stall rules see them.
- **Check-ins** (each person's latest answer): "not really" is amber; "I need help" is red,
  since someone asked.
- **Silence**: a person who has answered none of the bot's questions (check-ins, "did you
  meet?") for 28 days has let two check-ins (weeks 2 and 4) or a month's question pass: amber;
  42 days, six weeks and every check-in, is red. Both fall on check-in days after pairing, so
  they add few moments at which the sweep must look again.
- **Routine questions unanswered in a row** (check-ins, "did your session happen?", with no
  message or button from them since): two is amber; three is red, the point at which the
  person counts as not responding and their routine nudges pause.
- **Pulse ratings** (1–5, where a rating can be told apart by side): either side at 2 or
  below, or the two sides 2 or more apart, is amber: one of them is not getting what the
  other thinks.
- **A disputed session** (one said "we met", the other not), **an open escalation** or **an
  open release block**: amber. Coordinators already know; it is not red by itself.

Time someone paused their reminders (`pause until`, `snooze`) does not count: silence is
measured in the person's own unpaused time, and the days since the last session in time
neither of the pair was paused (`domain.pauses`), so a pause keeps a pair from going amber
on silence or on a late session.

Red wins over amber, amber over green. The reasons start with the pair's progress ("2 of 3
sessions held (1 verified)") and then every concern, red ones first. They name thresholds,
not running day counts ("no session for over 35 days"), so stored reasons stay true until the
next threshold is crossed, which is when `next_health_change` says to look again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain.cadence import (
    DEFAULT_LENGTH_MONTHS,
    month_start,
    months_completed_by,
    programme_end,
    sessions_planned_by,
)
from domain.pauses import Pause, unpaused_days, when_unpaused
from domain.sessions import SessionState, is_held
from domain.stall_rules import NEED_HELP, NOT_REALLY, normalise_answer
from domain.working_hours import to_utc


class Colour(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


# Worst last: `max` over colours by this order gives the overall one.
COLOUR_ORDER = (Colour.GREEN, Colour.AMBER, Colour.RED)


@dataclass(frozen=True)
class HealthSettings:
    amber_days_without_session: int = 35
    red_days_without_session: int = 60
    red_missed_months_in_a_row: int = 2
    amber_silent_days: int = 28
    red_silent_days: int = 42
    amber_unanswered_nudges: int = 2
    red_unanswered_nudges: int = 3
    low_pulse: int = 2  # a rating at or below this (1–5) is amber
    pulse_gap: int = 2  # the two sides this far apart or more is amber
    # Amber's re-engagement message goes at most once per pair in this many days
    # (`domain.graded_help`): about a month, one programme month's session.
    re_engage_every_days: int = 30


@dataclass(frozen=True)
class MonthSession:
    """One programme month's session, as `domain.sessions` states it."""

    month: int
    state: SessionState
    held_on: datetime | None = None


@dataclass(frozen=True)
class Side:
    """One person of the pair, as far as health goes."""

    role: str  # "trainee" / "mentor": how the reasons name them
    last_answered_at: datetime | None = None
    unanswered_nudges: int = 0  # routine questions in a row with no answer since
    check_in: str | None = None  # their latest check-in answer
    pulse: int | None = None  # their latest pulse rating, where it is known by side
    pauses: tuple[Pause, ...] = ()  # when they held their routine reminders


@dataclass(frozen=True)
class HealthInputs:
    paired_at: datetime
    trainee: Side
    mentor: Side
    length_months: int = DEFAULT_LENGTH_MONTHS
    sessions: tuple[MonthSession, ...] = ()
    open_escalations: int = 0
    release_blocks: int = 0


class Topic(StrEnum):
    """What a concern is about: to word it for one of the pair, and to know which escalation
    deals with it (`domain.graded_help`)."""

    NO_SESSION = "no_session"
    NO_FIRST_SESSION = "no_first_session"
    MISSED_MONTHS = "missed_months"
    DISPUTED = "disputed"
    NEEDS_HELP = "needs_help"
    NOT_SMOOTH = "not_smooth"
    UNANSWERED = "unanswered"
    SILENT = "silent"
    PULSE = "pulse"
    ESCALATION = "escalation"
    RELEASE_BLOCK = "release_block"


@dataclass(frozen=True)
class Concern:
    colour: Colour
    topic: Topic
    role: str | None  # the person it is about ("trainee" / "mentor"), None: the pair
    text: str  # for coordinators


@dataclass(frozen=True)
class Health:
    colour: Colour
    reasons: tuple[str, ...]
    # The concerns behind the reasons, red ones first (not compared: the reasons say it all).
    concerns: tuple[Concern, ...] = field(default=(), compare=False)

    def words(self) -> str:
        return "; ".join(self.reasons)


def _worst(colours: Iterable[Colour]) -> Colour:
    return max(colours, key=COLOUR_ORDER.index, default=Colour.GREEN)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _months_text(months: list[int]) -> str:
    if len(months) == 1:
        return f"month {months[0]}"
    return "months " + ", ".join(str(m) for m in months[:-1]) + f" and {months[-1]}"


def progress(inputs: HealthInputs, now: datetime) -> str:
    """“2 of 3 sessions held (1 verified)”."""
    planned = sessions_planned_by(inputs.paired_at, now, inputs.length_months)
    held = [s for s in inputs.sessions if is_held(s.state)]
    verified = sum(1 for s in held if s.state == SessionState.HELD_VERIFIED)
    text = f"{len(held)} of {planned} sessions held"
    return f"{text} ({verified} verified)" if verified else text


def _last_session(inputs: HealthInputs, now: datetime) -> datetime | None:
    held = [
        to_utc(s.held_on)
        for s in inputs.sessions
        if is_held(s.state) and s.held_on is not None and to_utc(s.held_on) <= now
    ]
    return max(held, default=None)


def _since_session(inputs: HealthInputs, now: datetime) -> datetime:
    return _last_session(inputs, now) or to_utc(inputs.paired_at)


def _pair_pauses(inputs: HealthInputs) -> tuple[Pause, ...]:
    """Either of the pair away: the pair cannot be expected to meet."""
    return inputs.trainee.pauses + inputs.mentor.pauses


def _silent_since(side: Side, inputs: HealthInputs) -> datetime:
    return to_utc(side.last_answered_at or inputs.paired_at)


def _pulse_concerns(inputs: HealthInputs, settings: HealthSettings) -> list[Concern]:
    concerns = []
    for side in (inputs.trainee, inputs.mentor):
        if side.pulse is not None and side.pulse <= settings.low_pulse:
            concerns.append(
                Concern(
                    Colour.AMBER,
                    Topic.PULSE,
                    side.role,
                    f"the {side.role} rated the last session {side.pulse} of 5",
                )
            )
    ratings = (inputs.trainee.pulse, inputs.mentor.pulse)
    if None not in ratings and abs(ratings[0] - ratings[1]) >= settings.pulse_gap:
        gap = abs(ratings[0] - ratings[1])
        concerns.append(
            Concern(Colour.AMBER, Topic.PULSE, None, f"the two rate their sessions {gap} apart")
        )
    return concerns


def concerns_of(
    inputs: HealthInputs, now: datetime, settings: HealthSettings | None = None
) -> list[Concern]:
    """Every concern about the pair at `now`, in the order the reasons name them within
    each colour."""
    settings = settings or HealthSettings()
    now = to_utc(now)
    found: list[Concern] = []

    def add(colour: Colour, topic: Topic, role: str | None, text: str) -> None:
        found.append(Concern(colour, topic, role, text))

    idle_days = unpaused_days(_since_session(inputs, now), now, _pair_pauses(inputs))
    before_first = _last_session(inputs, now) is None
    for limit, colour in (
        (settings.red_days_without_session, Colour.RED),
        (settings.amber_days_without_session, Colour.AMBER),
    ):
        if idle_days >= limit:
            if before_first:
                add(
                    colour,
                    Topic.NO_FIRST_SESSION,
                    None,
                    f"no session since pairing, over {limit} days ago",
                )
            else:
                add(colour, Topic.NO_SESSION, None, f"no session for over {limit} days")
            break

    completed = months_completed_by(inputs.paired_at, now, inputs.length_months)
    held_months = {s.month for s in inputs.sessions if is_held(s.state)}
    missed = [m for m in range(1, completed + 1) if m not in held_months]
    run = []
    for month in range(completed, 0, -1):
        if month in held_months:
            break
        run.insert(0, month)
    if len(run) >= settings.red_missed_months_in_a_row:
        add(Colour.RED, Topic.MISSED_MONTHS, None, f"no session in {_months_text(run)}")
    elif missed:
        add(Colour.AMBER, Topic.MISSED_MONTHS, None, f"no session in {_months_text(missed)}")

    disputed = sorted(s.month for s in inputs.sessions if s.state == SessionState.DISPUTED)
    if disputed:
        add(
            Colour.AMBER,
            Topic.DISPUTED,
            None,
            f"the two disagree whether {_months_text(disputed)}'s session happened",
        )

    for side in (inputs.trainee, inputs.mentor):
        role = side.role
        answer = normalise_answer(side.check_in) if side.check_in else None
        if answer == NEED_HELP:
            add(
                Colour.RED,
                Topic.NEEDS_HELP,
                role,
                f"the {role} asked for help at the last check-in",
            )
        elif answer == NOT_REALLY:
            add(
                Colour.AMBER,
                Topic.NOT_SMOOTH,
                role,
                f"the {role} said it is not really running smoothly",
            )
        nudges = side.unanswered_nudges
        unanswered = f"the {role} has not answered the bot's last {nudges} questions"
        if nudges >= settings.red_unanswered_nudges:
            add(Colour.RED, Topic.UNANSWERED, role, unanswered)
        elif nudges >= settings.amber_unanswered_nudges:
            add(Colour.AMBER, Topic.UNANSWERED, role, unanswered)
        silent_days = unpaused_days(_silent_since(side, inputs), now, side.pauses)
        for limit, colour in (
            (settings.red_silent_days, Colour.RED),
            (settings.amber_silent_days, Colour.AMBER),
        ):
            if silent_days >= limit:
                add(
                    colour,
                    Topic.SILENT,
                    role,
                    f"the {role} has not answered the bot for over {limit} days",
                )
                break

    found += _pulse_concerns(inputs, settings)
    if inputs.open_escalations:
        add(
            Colour.AMBER,
            Topic.ESCALATION,
            None,
            f"{_plural(inputs.open_escalations, 'open escalation')}",
        )
    if inputs.release_blocks:
        add(
            Colour.AMBER,
            Topic.RELEASE_BLOCK,
            None,
            f"{_plural(inputs.release_blocks, 'release block')} open",
        )
    return found


def health(inputs: HealthInputs, now: datetime, settings: HealthSettings | None = None) -> Health:
    """The pair's colour at `now`, with its progress and every concern in words."""
    found = concerns_of(inputs, now, settings)
    red = [c for c in found if c.colour == Colour.RED]
    amber = [c for c in found if c.colour == Colour.AMBER]
    colour = Colour.RED if red else Colour.AMBER if amber else Colour.GREEN
    ordered = (*red, *amber)
    return Health(colour, (progress(inputs, to_utc(now)), *(c.text for c in ordered)), ordered)


def next_health_change(
    inputs: HealthInputs, now: datetime, settings: HealthSettings | None = None
) -> datetime | None:
    """The first instant after `now` at which `health` could say something else on the same
    inputs (None: time alone changes nothing any more before the programme ends).

    What moves with time alone: the day thresholds after the last session and after each
    person's last answer, a held session's time coming, and each programme month starting or
    ending (the progress and the missed months)."""
    settings = settings or HealthSettings()
    now = to_utc(now)
    end = programme_end(inputs.paired_at, inputs.length_months)
    since = _since_session(inputs, now)
    points = [
        when_unpaused(since, timedelta(days=days), _pair_pauses(inputs))
        for days in (settings.amber_days_without_session, settings.red_days_without_session)
    ]
    for side in (inputs.trainee, inputs.mentor):
        silent = _silent_since(side, inputs)
        points += [
            when_unpaused(silent, timedelta(days=days), side.pauses)
            for days in (settings.amber_silent_days, settings.red_silent_days)
        ]
    points += [to_utc(s.held_on) for s in inputs.sessions if s.held_on is not None]
    points += [month_start(inputs.paired_at, k) for k in range(2, inputs.length_months + 2)]
    return min((at for at in points if now < at <= end), default=None)


COLOUR_MARKS = {Colour.GREEN: "🟢", Colour.AMBER: "🟠", Colour.RED: "🔴"}


def health_words(colour: str, reasons: Iterable[str]) -> str:
    """“🟠 amber: 2 of 3 sessions held; no session in month 1” (the colour in words too)."""
    colour = Colour(colour)
    reasons = list(reasons)
    text = f"{COLOUR_MARKS[colour]} {colour.value}"
    return f"{text}: {'; '.join(reasons)}" if reasons else text


def what_changed(
    previous_colour: str | None,
    previous_reasons: Iterable[str] | None,
    colour: str,
    reasons: Iterable[str],
) -> str:
    """What the last change of a pair's health was, for coordinators: “was amber · new: … ·
    no longer: …” (the progress line, always first, is left out)."""
    if previous_colour is None:
        return "first worked out"
    before, now = list(previous_reasons or ())[1:], list(reasons)[1:]
    parts = [f"was {previous_colour}" if previous_colour != colour else f"still {colour}"]
    new = [reason for reason in now if reason not in before]
    gone = [reason for reason in before if reason not in now]
    if new:
        parts.append("new: " + "; ".join(new))
    if gone:
        parts.append("no longer: " + "; ".join(gone))
    return " · ".join(parts)


# --- the coordinators' weekly digest -----------------------------------------------------------


@dataclass(frozen=True)
class PairColour:
    """A pair as the weekly digest sees it: who, and its health as last stored."""

    pair: str  # "Sam Taylor ↔ Adele Vance"
    colour: str
    reasons: tuple[str, ...]
    since: datetime  # when it turned this colour
    previous_colour: str | None
    changed_at: datetime


def digest_week(now: datetime, tz: str, day_starts: time) -> str | None:
    """The ISO week ("2026-W49") whose digest is due at `now`: from the start of Monday's
    working day in the coordinators' zone `tz` to the end of the week (a bot that was down on
    Monday posts it when it is back); None on Monday before the working day."""
    local = now.astimezone(ZoneInfo(tz))
    if local.weekday() == 0 and local.time() < day_starts:
        return None
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


def weekly_digest(pairs: Sequence[PairColour], active: int, now: datetime) -> str:
    """What changed in the last seven days: pairs newly red, pairs back to green, and the
    share of active pairs that are green now (pairs not worked out yet count as not green)."""
    week_ago = now - timedelta(days=7)
    new_reds = [p for p in pairs if p.colour == Colour.RED and p.since > week_ago]
    recovered = [
        p
        for p in pairs
        if p.colour == Colour.GREEN
        and p.previous_colour in (Colour.AMBER, Colour.RED)
        and p.changed_at > week_ago
    ]
    green = sum(1 for p in pairs if p.colour == Colour.GREEN)
    share = round(100 * green / active) if active else 0
    lines = [f"**Pair health this week**: {green} of {active} active pairs are green ({share}%)."]
    if new_reds:
        lines += ["", f"Turned red in the last 7 days ({len(new_reds)}):"]
        lines += [f"- **{p.pair}**: {health_words(p.colour, p.reasons)}" for p in new_reds]
    if recovered:
        lines += ["", f"Back to green in the last 7 days ({len(recovered)}):"]
        lines += [f"- **{p.pair}** (was {p.previous_colour})" for p in recovered]
    if not new_reds and not recovered:
        lines += ["", "No pair turned red and none came back to green in the last 7 days."]
    lines += ["", "Type **health** for every pair that needs attention."]
    return "\n".join(lines)
