"""How a pairing ends, and what each person and the coordinators are told about it.

Every ending has a reason category (`EndReason`): the programme's end, or an early ending by
the coordinators (`end pairing`, `re-pair`) or because someone left the programme (asked for
their data to be deleted). An ending before programme month 3 is early in the sense the
coordinators must always see (`is_early`). The closing card's words depend on the reader's role
and on the kind of ending; a partner of someone who left is never told why.

The closing check (did it help, goals met, stay in touch, optional words) is read here from
what the card submits (`read_closing_check`), and the report's figures about endings are
worked out here from plain data.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.cadence import add_months, month_bounds
from domain.surveys import Survey
from domain.text_limits import LONG_TEXT, text_of, too_long

# An ending before this programme month starts is an early ending the coordinators see.
EARLY_BEFORE_MONTH = 3
CLOSING_WORDS_LIMIT = LONG_TEXT
# The report's target for sessions held in each programme month.
HELD_TARGET_PERCENT = 75
HELD_TARGET = f"≥{HELD_TARGET_PERCENT}% of pairs with a held session in each programme month"


class EndReason(StrEnum):
    PROGRAMME_END = "programme end"
    REPAIR = "re-pair"
    COORDINATOR = "ended by coordinator"
    LEFT = "left the programme"


# What the coordinators read for each reason (in their channel and in the report).
REASON_WORDS = {
    EndReason.PROGRAMME_END: "the programme came to its end",
    EndReason.REPAIR: "ended by the coordinators to re-pair the trainee",
    EndReason.COORDINATOR: "ended by the coordinators",
    EndReason.LEFT: "a participant left the programme (asked for their data to be deleted)",
}


def reason_of(stored: str | None) -> EndReason | None:
    """The reason category of a stored `end_reason` (None: unknown or not ended)."""
    try:
        return EndReason(stored) if stored else None
    except ValueError:
        return None


def is_early(paired_at: datetime, ended_at: datetime) -> bool:
    """Ended before programme month 3 began."""
    return ended_at < add_months(paired_at, EARLY_BEFORE_MONTH - 1)


def early_ending(paired_at: datetime, ended_at: datetime | None, stored: str | None) -> bool:
    """An ending the coordinators must see: any reason but the programme's end, before
    programme month 3."""
    reason = reason_of(stored)
    return (
        ended_at is not None
        and reason is not None
        and reason != EndReason.PROGRAMME_END
        and is_early(paired_at, ended_at)
    )


# --- the closing card --------------------------------------------------------------------------


@dataclass(frozen=True)
class ClosingWords:
    title: str
    intro: str
    next_steps: tuple[str, ...]


def months_words(months: tuple[int, ...]) -> str:
    """(3, 6, 12) as "3, 6 and 12"."""
    if len(months) == 1:
        return str(months[0])
    return ", ".join(str(m) for m in months[:-1]) + f" and {months[-1]}"


def surveys_after_end(surveys: Iterable[Survey], role: str) -> tuple[bool, tuple[int, ...]]:
    """Whether `role` gets an end-of-programme survey, and the months of their follow-ups."""
    mine = [s for s in surveys if s.trigger == "programme_end" and role in s.audience]
    follow_ups = sorted({month for s in mine for month in s.months})
    return any(not s.months for s in mine), tuple(follow_ups)


def closing_words(
    role: str,
    partner_name: str,
    reason: EndReason,
    *,
    end_survey: bool = False,
    follow_up_months: tuple[int, ...] = (),
) -> ClosingWords:
    """The closing card's words for a trainee or a mentor (`role`), by the kind of ending.

    `end_survey` and `follow_up_months`: the surveys this reader will get after the programme's
    end (none after an early ending: the surveys follow pairings that run to the end). The
    partner of someone who left reads only that it ended early, never why (nor a name that is
    no longer held).
    """
    partner = "mentor" if role == "trainee" else "mentee"
    surveys = []
    if end_survey:
        surveys.append(
            "An end-of-programme survey comes separately; your answers help the next cohort."
        )
    if follow_up_months:
        surveys.append(
            f"I'll send you a short follow-up survey {months_words(follow_up_months)} months "
            "after the programme's end about how your career has moved; each takes a minute."
        )
    thanks = "taking part." if role == "trainee" else "the time you gave."
    if reason == EndReason.PROGRAMME_END:
        return ClosingWords(
            "Your mentoring programme has come to its end",
            f"Your mentoring with {partner_name} (your {partner}) has reached the end of the "
            f"programme. Thank you for {thanks}",
            tuple(surveys),
        )
    if reason == EndReason.LEFT:
        intro = f"Your mentoring pairing with your {partner} has ended early."
    else:
        intro = (
            f"Your mentoring pairing with {partner_name} (your {partner}) has been ended by the "
            "programme coordinators."
        )
    if role == "trainee":
        again = (
            "They will introduce you to someone new soon."
            if reason == EndReason.REPAIR
            else "You can be paired with a new mentor: reply here to ask the coordinators for one."
        )
    else:
        again = (
            "You stay an accepted mentor: the coordinators may pair you with another trainee; "
            "reply here to say whether you'd like that."
        )
    return ClosingWords(
        "Your mentoring pairing has ended",
        f"{intro} Thank you for {thanks}",
        (again, *surveys, "Reply here with any questions: the coordinators read it."),
    )


# --- the closing check -------------------------------------------------------------------------

HELPED = {"a_lot": "Yes, a lot", "somewhat": "Somewhat", "not_really": "Not really"}
GOALS_MET = {"met": "Yes", "partly": "Partly", "not_met": "Not yet"}
STAY_IN_TOUCH = {"yes": "Yes", "no": "No"}
CLOSING_QUESTIONS = {
    "helped": ("Did the mentoring help you?", HELPED),
    "goals_met": ("Did you meet the goals you set?", GOALS_MET),
    "stay_in_touch": ("Will you stay in touch?", STAY_IN_TOUCH),
}
WORDS_LABEL = "Anything you'd like to add"


@dataclass(frozen=True)
class ClosingAnswers:
    helped: str
    goals_met: str
    stay_in_touch: bool
    words: str | None


def read_closing_check(value: Mapping[str, object]) -> tuple[ClosingAnswers | None, str | None]:
    """The answers a closing card submitted, or (None, a kind message saying what to fix; an
    over-long text is given back)."""
    chosen = {key: text_of(value.get(key)) for key in CLOSING_QUESTIONS}
    missing = [
        question
        for key, (question, choices) in CLOSING_QUESTIONS.items()
        if chosen[key] not in choices
    ]
    if missing:
        return None, "Please answer " + " and ".join(
            f"“{q}”" for q in missing
        ) + " and send it again."
    words = text_of(value.get("words"))
    refusal = too_long(WORDS_LABEL, words, CLOSING_WORDS_LIMIT)
    if refusal:
        return None, refusal
    return (
        ClosingAnswers(
            chosen["helped"], chosen["goals_met"], chosen["stay_in_touch"] == "yes", words or None
        ),
        None,
    )


def closing_answer_lines(answers: ClosingAnswers) -> list[str]:
    """The answers in words, one line each (what `my data` shows)."""
    lines = [
        f"{CLOSING_QUESTIONS['helped'][0]} {HELPED.get(answers.helped, answers.helped)}",
        f"{CLOSING_QUESTIONS['goals_met'][0]} "
        f"{GOALS_MET.get(answers.goals_met, answers.goals_met)}",
        f"{CLOSING_QUESTIONS['stay_in_touch'][0]} {'Yes' if answers.stay_in_touch else 'No'}",
    ]
    if answers.words:
        lines.append(f"{WORDS_LABEL}: “{answers.words}”")
    return lines


# --- the report's figures ----------------------------------------------------------------------


@dataclass(frozen=True)
class ColourHistory:
    """A pair's changes of health as (since, colour), oldest first. Before the first change
    its colour is not known (its health had not been worked out yet)."""

    changes: tuple[tuple[datetime, str], ...]


def colour_at(history: ColourHistory, at: datetime) -> str | None:
    colour = None
    for since, changed_to in history.changes:
        if since > at:
            break
        colour = changed_to
    return colour


@dataclass(frozen=True)
class PairMonths:
    """What the report reads of one pairing: when it began and ended, its length, its stored
    health and the programme months in which a session was held."""

    paired_at: datetime
    length_months: int
    ended_at: datetime | None
    health: ColourHistory | None
    held_months: frozenset[int] = frozenset()


@dataclass(frozen=True)
class MonthShare:
    month: int
    green: int
    known: int  # pairs in the month with a known colour
    held: int
    pairs: int  # pairs in the month


def _months_reached(pair: PairMonths, now: datetime) -> range:
    until = pair.ended_at if pair.ended_at is not None and pair.ended_at < now else now
    months = 0
    for month in range(1, pair.length_months + 1):
        start, _end = month_bounds(pair.paired_at, month)
        if start >= until:
            break
        months = month
    return range(1, months + 1)


def shares_by_month(pairs: Iterable[PairMonths], now: datetime) -> list[MonthShare]:
    """For each programme month any pair has reached: how many pairs were green (their colour
    at the month's end, or now while it lasts) among those whose colour is known, and how many
    held a session that month."""
    green: Counter = Counter()
    known: Counter = Counter()
    held: Counter = Counter()
    total: Counter = Counter()
    for pair in pairs:
        for month in _months_reached(pair, now):
            _start, end = month_bounds(pair.paired_at, month)
            total[month] += 1
            held[month] += month in pair.held_months
            at = min(end, now, pair.ended_at or end)
            colour = colour_at(pair.health, at) if pair.health else None
            if colour is not None:
                known[month] += 1
                green[month] += colour == "green"
    return [
        MonthShare(month, green[month], known[month], held[month], total[month])
        for month in sorted(total)
    ]


def median_days_to_first_session(
    pairs: Iterable[tuple[datetime, datetime | None]],
) -> float | None:
    """The median days from pairing to the first held session, over pairs that held one."""
    days = [
        (first - paired).total_seconds() / 86400 for paired, first in pairs if first is not None
    ]
    return round(statistics.median(days), 1) if days else None


def early_endings_by_reason(
    endings: Iterable[tuple[datetime, datetime | None, str | None]],
) -> dict[str, int]:
    """Early endings (paired, ended, stored reason) counted by reason, in the coordinators'
    words, in the order of `EndReason`."""
    counts: Counter = Counter()
    for paired_at, ended_at, stored in endings:
        reason = reason_of(stored)
        if (
            reason is not None
            and reason != EndReason.PROGRAMME_END
            and is_early(paired_at, ended_at)
        ):
            counts[reason] += 1
    return {REASON_WORDS[r]: counts[r] for r in EndReason if counts[r]}
