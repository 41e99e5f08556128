"""`dates` in the coordinator channel: the programme dates the surveys wait for.

`dates` shows them; `dates training ends <date>`, `dates assessment ends <date>` and
`dates results <date>` set them (see `domain.programme_dates`). The next sweep acts on them.
The training ends with the last day of the programme's training events (`bot.cohort_events`);
a typed `dates training ends` overrides that until `dates training ends clear`.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.context import AppContext
from bot.outbox.planned import recipient_time_zone
from domain.cohort_events import training_ends_at
from domain.local_time import (
    end_of_local_day,
    format_closing_date,
    format_local_date,
    start_of_local_day,
)
from domain.programme_dates import (
    ASSESSMENT_ENDS,
    PROMOTION_ONLY,
    RESULTS,
    TRAINING_ENDS,
    problem_with,
    read_change,
)
from store.cohort_events import last_training_days
from store.models import Programme, ProgrammeKind
from store.programmes import current_programme

log = logging.getLogger(__name__)

USAGE = (
    "Please say **dates** to see them, or **dates training ends <date>**, "
    "**dates assessment ends <date>** or **dates results <date>** "
    "(dates like 2027-01-31 or 31 January 2027)."
)
ABOUT = {
    TRAINING_ENDS: ("Training ends", "the post-training evaluation goes once that day is over"),
    ASSESSMENT_ENDS: ("Assessment ends", "the end survey goes once that day is over"),
    RESULTS: ("Results published", "the end survey closes when that day starts"),
}


def _promotion_support(programme: Programme) -> bool:
    return programme.kind == ProgrammeKind.PROMOTION_SUPPORT.value


def _shown(field: str, at: datetime | None, tz: str) -> str:
    if at is None:
        return "not set"
    return format_local_date(at, tz) if field == RESULTS else format_closing_date(at, tz)


def _training_line(programme: Programme, tz: str, last_training_day) -> str:
    """The training's end: typed (an override), else the last training day's, else not set."""
    title, effect = ABOUT[TRAINING_ENDS]
    at = training_ends_at(programme.training_ends_at, last_training_day)
    if programme.training_ends_at is not None:
        source = "set with **dates training ends**; **dates training ends clear** goes back to "
        source += "the training days"
    elif at is not None:
        source = "the last training day"
    else:
        return (
            f"- {title}: not set ({effect}: add the training with **new event**, or give a date "
            "with **dates training ends <date>**)"
        )
    return f"- {title}: {_shown(TRAINING_ENDS, at, tz)} ({source}; {effect})"


def dates_text(programme: Programme, tz: str, last_training_day=None) -> str:
    """The dates as they stand; `last_training_day`: the end of the last training event's last
    day, with its zone (None: no training event)."""
    lines = [f"**Programme dates for {programme.name}**"]
    lines.append(_training_line(programme, tz, last_training_day))
    fields = list(PROMOTION_ONLY) if _promotion_support(programme) else []
    for field in fields:
        title, effect = ABOUT[field]
        lines.append(f"- {title}: {_shown(field, getattr(programme, field), tz)} ({effect})")
    if not _promotion_support(programme):
        lines.append("- End survey: at the end of each pairing")
    return "\n".join(lines)


class ProgrammeDates:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def dates(self, argument: str, now: datetime, actor_aad: str | None) -> str:
        with self.ctx.session() as session:
            programme = current_programme(session, now)
            if programme is None:
                return "There is no programme yet."
            tz = recipient_time_zone(session, self.ctx.settings, actor_aad)
            training = last_training_days(session, [programme.id]).get(programme.id)
            if not argument.strip():
                return dates_text(programme, tz, training)
            change = read_change(argument)
            if change is None:
                return USAGE
            if change.field == TRAINING_ENDS and change.typed.lower() in ("clear", "none"):
                programme.training_ends_at = None
                session.add(programme)
                session.flush()
                return f"Done.\n\n{dates_text(programme, tz, training)}"
            if change.day is None:
                example = f"**dates {change.words} 2027-01-31** (or 31 January 2027)"
                if not change.typed:
                    return f"Please give a date, e.g. {example}."
                return (
                    f"Sorry, I couldn't read “{change.typed}” as a date. "
                    f"Please write it like {example}."
                )
            if change.field in PROMOTION_ONLY and not _promotion_support(programme):
                return (
                    f"{programme.name} is not a promotion-support programme: its end survey "
                    "goes at the end of each pairing, so there is no assessment or results "
                    "date to set."
                )
            at = (
                start_of_local_day(change.day, tz)
                if change.field == RESULTS
                else end_of_local_day(change.day, tz)
            )
            dates = {f: getattr(programme, f) for f in PROMOTION_ONLY} | {change.field: at}
            problem = problem_with(dates[ASSESSMENT_ENDS], dates[RESULTS])
            if problem is not None:
                return f"{problem} Nothing was changed.\n\n{dates_text(programme, tz, training)}"
            setattr(programme, change.field, at)
            session.add(programme)
            session.flush()
            log.info("programme date set programme_id=%s field=%s", programme.id, change.field)
            return f"Done.\n\n{dates_text(programme, tz, training)}"
