"""A month's session from plan to held: its state, what counts as held, and the two answers.

planned (its programme month has started) → booked (a time is in the calendar) → held, known in
one of three ways: **verified** (Teams' attendance report shows both there long enough, see
`domain.verification`), **confirmed** (both said "we met") or **reported** (one said so and the
other has not answered). Two answers that disagree are a dispute, shown to the coordinators;
"it didn't happen" with no "we met" is not held. Rules that count sessions (reports, the stall
rules) count held ones, never what was only booked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain.free_slots import DEFAULT_SESSION_MINUTES

TRAINEE, MENTOR = 0, 1  # `who` in the pair, as `domain.cadence` numbers them


class SessionState(StrEnum):
    PLANNED = "planned"
    BOOKED = "booked"
    HELD_VERIFIED = "held_verified"
    HELD_CONFIRMED = "held_confirmed"
    HELD_REPORTED = "held_reported"
    NOT_HELD = "not_held"
    DISPUTED = "disputed"


HELD_STATES = frozenset(
    {SessionState.HELD_VERIFIED, SessionState.HELD_CONFIRMED, SessionState.HELD_REPORTED}
)
# How a held session is known, as stored with it and shown to coordinators.
HELD_AS = {
    SessionState.HELD_VERIFIED: "verified",
    SessionState.HELD_CONFIRMED: "confirmed",
    SessionState.HELD_REPORTED: "reported",
}


class Answer(StrEnum):
    """What one of the pair said about the month's session."""

    MET = "met"
    RESCHEDULED = "rescheduled"
    CANCELLED_BY_MENTOR = "cancelled_by_mentor"
    CANCELLED_BY_TRAINEE = "cancelled_by_trainee"
    NOT_RELEASED = "not_released"
    DID_NOT_HAPPEN = "did_not_happen"  # no reason given


ANSWER_WORDS = {
    Answer.MET: "we met",
    Answer.RESCHEDULED: "it didn't happen: rescheduled",
    Answer.CANCELLED_BY_MENTOR: "it didn't happen: cancelled by the mentor",
    Answer.CANCELLED_BY_TRAINEE: "it didn't happen: cancelled by the trainee",
    Answer.NOT_RELEASED: "it didn't happen: not released",
    Answer.DID_NOT_HAPPEN: "it didn't happen",
}


class Attendance(StrEnum):
    """What the check after a booked Teams meeting found (see `domain.verification`)."""

    VERIFIED = "verified"  # both present for at least the minimum
    ABSENT = "absent"  # one (or both) not there long enough, or no report at all
    DECLINED = "declined"  # one of the pair declined the invitation
    CANCELLED = "cancelled"  # the meeting was cancelled in Outlook
    UNKNOWN = "unknown"  # Graph could not tell (no permission, no such meeting)


@dataclass(frozen=True)
class SessionFacts:
    """One programme month of a pair, as far as its state goes."""

    booked: bool = False
    attendance: str | None = None
    trainee_answer: str | None = None
    mentor_answer: str | None = None

    def answer_of(self, who: int) -> str | None:
        return self.trainee_answer if who == TRAINEE else self.mentor_answer


def facts_of(row) -> SessionFacts:
    """The facts of a stored month row (anything with `booking`, `attendance` and the two
    answers)."""
    return SessionFacts(
        booked=row.booking == "booked" and row.booked_for is not None,
        attendance=row.attendance,
        trainee_answer=row.trainee_answer,
        mentor_answer=row.mentor_answer,
    )


def session_state(facts: SessionFacts) -> SessionState:
    """The month's state: attendance verified wins; then the two answers; then the booking."""
    if facts.attendance == Attendance.VERIFIED:
        return SessionState.HELD_VERIFIED
    answers = [a for a in (facts.trainee_answer, facts.mentor_answer) if a is not None]
    met = [a == Answer.MET for a in answers]
    if len(answers) == 2 and all(met):
        return SessionState.HELD_CONFIRMED
    if any(met) and not all(met):
        return SessionState.DISPUTED
    if any(met):
        return SessionState.HELD_REPORTED
    if answers:
        return SessionState.NOT_HELD
    return SessionState.BOOKED if facts.booked else SessionState.PLANNED


def is_held(state: SessionState) -> bool:
    return state in HELD_STATES


def is_settled_for(facts: SessionFacts, who: int) -> bool:
    """Nothing more to ask this person about the month: verified, or they have answered."""
    return facts.attendance == Attendance.VERIFIED or facts.answer_of(who) is not None


def disagreement(facts: SessionFacts) -> bool:
    return session_state(facts) == SessionState.DISPUTED


def session_end(booked_for: datetime, minutes: int | None) -> datetime:
    """When a booked session ends (a session booked without a length lasts the default)."""
    return booked_for + timedelta(minutes=minutes or DEFAULT_SESSION_MINUTES)


@dataclass(frozen=True)
class SessionCounts:
    """A pair's (or a programme's) sessions by state, as coordinators see them."""

    planned: int = 0  # programme months started
    booked: int = 0  # booked, not yet known held
    verified: int = 0
    confirmed: int = 0
    reported: int = 0
    disputed: int = 0

    @property
    def held(self) -> int:
        return self.verified + self.confirmed + self.reported

    def __add__(self, other: SessionCounts) -> SessionCounts:
        return SessionCounts(
            *(getattr(self, name) + getattr(other, name) for name in self.__dataclass_fields__)
        )


def session_counts(planned: int, months: Iterable[SessionFacts]) -> SessionCounts:
    """Counts of the months' states; `planned` is how many programme months have started."""
    states = [session_state(facts) for facts in months]
    return SessionCounts(
        planned=planned,
        booked=states.count(SessionState.BOOKED),
        verified=states.count(SessionState.HELD_VERIFIED),
        confirmed=states.count(SessionState.HELD_CONFIRMED),
        reported=states.count(SessionState.HELD_REPORTED),
        disputed=states.count(SessionState.DISPUTED),
    )
