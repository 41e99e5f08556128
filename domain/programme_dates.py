"""The programme dates the surveys wait for, as coordinators type them (`dates ...`).

- training ends <date>: the post-training evaluation goes once that day is over;
- assessment ends <date>: a promotion-support programme's end survey goes once that day is
  over (instead of at the end of the pairing);
- results <date>: from the start of that day the end survey is closed (answered before anyone
  knows the result), so results must come at least a day after the assessment ends.

Pure: reading the command and checking the dates; instants are worked out by the caller in the
coordinator's zone (`end_of_local_day`, `start_of_local_day`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from domain.local_time import parse_date

TRAINING_ENDS = "training_ends_at"
ASSESSMENT_ENDS = "assessment_ends_at"
RESULTS = "results_at"
# What a coordinator types -> the programme's column.
WORDS = {
    "training ends": TRAINING_ENDS,
    "assessment ends": ASSESSMENT_ENDS,
    "results": RESULTS,
}
# Dates only a promotion-support programme has.
PROMOTION_ONLY = (ASSESSMENT_ENDS, RESULTS)


@dataclass(frozen=True)
class DateChange:
    field: str  # one of the columns above
    day: date | None  # None: the words were right but the date could not be read
    words: str  # "training ends"
    typed: str  # what followed them


def read_change(argument: str) -> DateChange | None:
    """`training ends 31 January 2027` -> DateChange(TRAINING_ENDS, 2027-01-31); None when the
    argument names none of the dates."""
    said = " ".join(argument.split())
    lowered = said.lower()
    for words, field in WORDS.items():
        if lowered == words or lowered.startswith(words + " "):
            rest = said[len(words) :].strip()
            if rest.lower().startswith("on "):
                rest = rest[3:].strip()
            return DateChange(field, parse_date(rest) if rest else None, words, rest)
    return None


def problem_with(assessment_ends_at: datetime | None, results_at: datetime | None) -> str | None:
    """Why a promotion-support programme's assessment and results dates cannot stand, or None."""
    if assessment_ends_at is None or results_at is None:
        return None
    if results_at < assessment_ends_at:
        return "Results can't be published before the assessment ends."
    if results_at == assessment_ends_at:
        return (
            "That leaves no day between the end of the assessment and the results, and the "
            "end survey goes in between."
        )
    return None
