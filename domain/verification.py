"""Whether a booked Teams meeting took place, from what Microsoft Graph says afterwards.

After the session's end the bot reads the event (was it cancelled, did anyone decline) and the
meeting's attendance reports (seconds each person was in it). Both of the pair present for at
least `MIN_PRESENT` verifies the session, with the shorter of the two times as its length.
Otherwise the pair is asked. Reports appear some minutes after a meeting ends, so the first
look is `FIRST_LOOK_AFTER` the end, then every `LOOK_AGAIN_AFTER` until `GIVE_UP_AFTER`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.sessions import Attendance

MIN_PRESENT = timedelta(minutes=15)
FIRST_LOOK_AFTER = timedelta(minutes=15)
LOOK_AGAIN_AFTER = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(hours=24)


@dataclass(frozen=True)
class AttendanceFacts:
    """What Graph says about one booked session."""

    cancelled: bool = False
    declined: bool = False  # either of the pair declined the invitation
    trainee_seconds: int = 0
    mentor_seconds: int = 0
    has_report: bool = False  # at least one attendance report exists


@dataclass(frozen=True)
class Verdict:
    attendance: Attendance | None  # None: nothing to say yet, look again later
    minutes: int | None = None  # the verified session's length


def verdict(facts: AttendanceFacts, *, final: bool = False) -> Verdict:
    """What the facts say. `final`: the last look (no report by now means nobody was there)."""
    shortest = min(facts.trainee_seconds, facts.mentor_seconds)
    if shortest >= MIN_PRESENT.total_seconds():
        return Verdict(Attendance.VERIFIED, shortest // 60)
    if facts.cancelled:
        return Verdict(Attendance.CANCELLED)
    if facts.declined:
        return Verdict(Attendance.DECLINED)
    if facts.has_report or final:
        return Verdict(Attendance.ABSENT)
    return Verdict(None)


def first_look(session_end: datetime) -> datetime:
    return session_end + FIRST_LOOK_AFTER


def is_last_look(session_end: datetime, now: datetime) -> bool:
    return now >= session_end + GIVE_UP_AFTER


def settled_by(session_end: datetime) -> datetime:
    """The latest the check gives its answer (after that the pair is asked in any case)."""
    return session_end + GIVE_UP_AFTER
