"""`dates` in the coordinator channel: the programme dates the surveys wait for.

`dates` shows them; `dates training ends <date>`, `dates assessment ends <date>` and
`dates results <date>` set them (see `domain.programme_dates`). The next sweep acts on them.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.context import AppContext
from bot.outbox.planned import recipient_time_zone
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


def dates_text(programme: Programme, tz: str) -> str:
    fields = [TRAINING_ENDS]
    if _promotion_support(programme):
        fields += list(PROMOTION_ONLY)
    lines = [f"**Programme dates for {programme.name}**"]
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
            if not argument.strip():
                return dates_text(programme, tz)
            change = read_change(argument)
            if change is None:
                return USAGE
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
                return f"{problem} Nothing was changed.\n\n{dates_text(programme, tz)}"
            setattr(programme, change.field, at)
            session.add(programme)
            session.flush()
            log.info("programme date set programme_id=%s field=%s", programme.id, change.field)
            return f"Done.\n\n{dates_text(programme, tz)}"
