"""The cohort's shared events as plain rules: training days, call-back workshops and group
meetings; who is invited, what a coordinator's form says, when the reminders fall due, which
notice each invited person needs after a change, attendance and its defaults, and who is
flagged for missing the training or the call-backs.

An event has one or more days (a three-day course is one event of three days), the same start
and end time each day, on the wall clock of the zone it was created in. Everything here is
pure: instants are aware UTC, zones are IANA names, the caller brings the facts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from domain.local_time import end_of_local_day, parse_date
from domain.nudge_policy import Urgency
from domain.working_hours import (
    DEFAULT_HOURS,
    WorkingHours,
    add_working_days,
    local_date,
    local_time_to_utc,
    next_working_time,
    previous_working_day,
    start_of_working_day,
)


class EventKind(StrEnum):
    TRAINING = "training"
    CALL_BACK = "call_back"
    GROUP_MEETING = "group_meeting"


KIND_TITLES: dict[EventKind, str] = {
    EventKind.TRAINING: "Training",
    EventKind.CALL_BACK: "Call-back workshop",
    EventKind.GROUP_MEETING: "Group meeting",
}
# What a participant who is not released for it is not released for (`domain.escalations`).
RELEASE_FOR_KIND: dict[EventKind, str] = {
    EventKind.TRAINING: "training",
    EventKind.CALL_BACK: "call_back",
    EventKind.GROUP_MEETING: "group_meeting",
}


def why_it_matters(kind: EventKind | str, role: str) -> str:
    """One sentence for the invitation: why this event is worth the time, to this reader."""
    kind = EventKind(kind)
    if kind == EventKind.TRAINING:
        if role == "mentor":
            return (
                "The training prepares you for mentoring on this programme, and it's where you "
                "meet the trainees and the other mentors."
            )
        return (
            "The training is the foundation of the programme: it prepares you for what comes "
            "next, and it's where you meet your cohort and the mentors."
        )
    if kind == EventKind.CALL_BACK:
        return (
            "The call-back workshop brings the cohort back together to share how it's going, "
            "learn from each other and plan the next steps."
        )
    return (
        "A chance for mentors and trainees to share experience and widen your network across "
        "the organisations in the programme."
    )


class Audience(StrEnum):
    BOTH = "both"
    TRAINEES = "trainees"
    MENTORS = "mentors"


AUDIENCE_TITLES: dict[Audience, str] = {
    Audience.BOTH: "Trainees and mentors",
    Audience.TRAINEES: "Trainees",
    Audience.MENTORS: "Mentors",
}
_ROLES: dict[Audience, frozenset[str]] = {
    Audience.BOTH: frozenset({"trainee", "mentor"}),
    Audience.TRAINEES: frozenset({"trainee"}),
    Audience.MENTORS: frozenset({"mentor"}),
}


def is_invited(audience: Audience | str, role: str) -> bool:
    """Whether an accepted participant in `role` is invited to an event for `audience`."""
    return role in _ROLES[Audience(audience)]


class Answer(StrEnum):
    YES = "yes"
    NO = "no"


class Reason(StrEnum):
    NOT_RELEASED = "not_released"
    CLASH = "clash"
    LEAVE = "leave"
    OTHER = "other"


REASON_TITLES: dict[Reason, str] = {
    Reason.NOT_RELEASED: "My manager hasn't released me",
    Reason.CLASH: "It clashes with something I can't move",
    Reason.LEAVE: "I'm on leave",
    Reason.OTHER: "Another reason",
}
# How a reason reads in a sentence about the person ("can't come: on leave").
REASON_WORDS: dict[Reason, str] = {
    Reason.NOT_RELEASED: "not released by their manager",
    Reason.CLASH: "a clash",
    Reason.LEAVE: "on leave",
    Reason.OTHER: "another reason",
}


class Attendance(StrEnum):
    ATTENDED = "attended"
    PART = "part"  # came late, left early, missed a day of a course
    ABSENT = "absent"


ATTENDANCE_TITLES: dict[Attendance, str] = {
    Attendance.ATTENDED: "Attended",
    Attendance.PART: "Part",
    Attendance.ABSENT: "Absent",
}


# --- the coordinators' form ------------------------------------------------------------------

MAX_DAYS = 5
MAX_TITLE = 120
MAX_PLACE = 200
MAX_LINK = 1000
DAY_FIELDS = tuple(f"day_{n}" for n in range(1, MAX_DAYS + 1))


@dataclass(frozen=True)
class Draft:
    """An event as a coordinator's form describes it (times on the wall clock of `time_zone`)."""

    kind: EventKind
    title: str
    days: tuple[date, ...]
    start: time
    end: time
    place: str | None
    online: bool
    link: str | None
    audience: Audience

    def instants(self, time_zone: str) -> list[tuple[datetime, datetime]]:
        return day_instants(self.days, self.start, self.end, time_zone)


def day_instants(
    days: Iterable[date], start: time, end: time, time_zone: str
) -> list[tuple[datetime, datetime]]:
    """Each day's (start, end) in UTC, for wall-clock times in `time_zone`, in day order."""
    return [
        (local_time_to_utc(day, start, time_zone), local_time_to_utc(day, end, time_zone))
        for day in sorted(days)
    ]


def _time(value: object) -> time | None:
    text = str(value or "").strip()
    try:
        return time.fromisoformat(text[:5]) if text else None
    except ValueError:
        return None


def read_form(values: Mapping, today: date) -> Draft | list[str]:
    """The event a form describes, or what is missing or wrong (sentences for the coordinator).

    `today` is the coordinator's local date: no day may be before it.
    """
    problems: list[str] = []
    try:
        kind = EventKind(str(values.get("kind") or ""))
    except ValueError:
        kind = None
        problems.append("Choose what kind of event it is.")
    title = " ".join(str(values.get("title") or "").split())
    if len(title) > MAX_TITLE:
        problems.append(f"The title can be at most {MAX_TITLE} characters (it has {len(title)}).")
    if not title and kind is not None:
        title = KIND_TITLES[kind]
    days: set[date] = set()
    unreadable = []
    for field in DAY_FIELDS:
        text = str(values.get(field) or "").strip()
        if not text:
            continue
        day = parse_date(text)
        if day is None:
            unreadable.append(text)
        else:
            days.add(day)
    if unreadable:
        problems.append(f"I couldn't read {', '.join(unreadable)} as a date.")
    elif not days:
        problems.append("Give the date of the first day.")
    elif min(days) < today:
        problems.append("Every day must be today or later.")
    start, end = _time(values.get("start")), _time(values.get("end"))
    if start is None or end is None:
        problems.append("Give the start and end time as HH:MM, e.g. 09:30.")
    elif not start < end:
        problems.append("The end time must be after the start time.")
    place = " ".join(str(values.get("place") or "").split()) or None
    if place is not None and len(place) > MAX_PLACE:
        problems.append(f"Where can be at most {MAX_PLACE} characters (it has {len(place)}).")
    online = str(values.get("online") or "").lower() == "true"
    link = str(values.get("link") or "").strip() or None
    if link is not None and len(link) > MAX_LINK:
        problems.append(f"The meeting link can be at most {MAX_LINK:,} characters.")
    elif link is not None and not link.lower().startswith("https://"):
        problems.append("A meeting link starts with https://.")
    if link is not None:
        online = True
    if place is None and not online:
        problems.append("Say where it is, or tick Online.")
    try:
        audience = Audience(str(values.get("audience") or Audience.BOTH.value))
    except ValueError:
        audience = None
        problems.append("Choose who is invited.")
    if problems:
        return problems
    return Draft(
        kind=kind,
        title=title,
        days=tuple(sorted(days)),
        start=start,
        end=end,
        place=place,
        online=online,
        link=link,
        audience=audience,
    )


# --- when messages go -------------------------------------------------------------------------

ANSWER_REMINDER_WORKING_DAYS = 5
# A change or cancellation waits for the person's working hours unless the event would start
# less than this long after they begin.
NOTICE_LEAD = timedelta(hours=2)
# After an event, how long its follow-ups (attended? cards, the call-back pulse) are still sent.
FOLLOW_UP_FOR = timedelta(days=14)


class EventMessage(StrEnum):
    INVITATION = "event_invitation"
    CHANGE = "event_change"
    CANCELLED = "event_cancelled"
    ANSWER_REMINDER = "event_answer_reminder"
    DAY_BEFORE = "event_day_before"
    ATTENDED_CHECK = "event_attended_check"
    PULSE = "event_pulse"


def urgency_of(message: EventMessage | str) -> Urgency:
    """How each message waits under the nudge policy (`domain.nudge_policy`).

    What the coordinators send (invitation, change, cancellation) and the reminder the working
    day before wait for the person's working hours but are not routine: they go even on a day
    that already had a routine nudge, and a snooze does not hold them. The reminder to answer
    and the call-back pulse are routine nudges (one a day, snooze)."""
    message = EventMessage(message)
    if message in (EventMessage.ANSWER_REMINDER, EventMessage.PULSE):
        return Urgency.ROUTINE
    return Urgency.ESCALATION


def day_before_reminder_at(
    first_start: datetime, tz: str | None, hours: WorkingHours = DEFAULT_HOURS
) -> datetime:
    """When the reminder goes: the start of the person's working day before the event's first
    day (Friday 09:00 for a Monday event), in their zone."""
    day = local_date(first_start, tz)
    return start_of_working_day(previous_working_day(day, hours), tz, hours)


def day_before_reminder_wanted(
    invited_at: datetime,
    first_start: datetime,
    tz: str | None,
    hours: WorkingHours = DEFAULT_HOURS,
) -> bool:
    """No reminder when the invitation itself arrives on that working day or later."""
    return day_before_reminder_at(first_start, tz, hours) > next_working_time(invited_at, tz, hours)


def answer_reminder_at(
    invited_at: datetime,
    first_start: datetime,
    tz: str | None,
    hours: WorkingHours = DEFAULT_HOURS,
) -> datetime | None:
    """When an unanswered invitation gets its one reminder: 5 working days after it was sent;
    None when that would not come before the reminder the day before (which asks too)."""
    at = add_working_days(invited_at, ANSWER_REMINDER_WORKING_DAYS, tz, hours)
    return at if at < day_before_reminder_at(first_start, tz, hours) else None


def notice_waits_for_working_hours(
    now: datetime, starts_at: datetime, tz: str | None, hours: WorkingHours = DEFAULT_HOURS
) -> bool:
    """Whether a change or cancellation may wait for the person's working hours: not when the
    event would begin too soon after their day starts for the news to be of use."""
    return next_working_time(now, tz, hours) + NOTICE_LEAD <= starts_at


# --- notices after a change -------------------------------------------------------------------


class Notice(StrEnum):
    INVITATION = "invitation"
    CHANGE = "change"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Told:
    """The latest version of an event a person was sent a notice about, and whether a notice
    about the event has reached them (sent, not merely queued)."""

    version: int
    sent: bool


def notice_due(
    *, version: int, cancelled: bool, started: bool, ended: bool, told: Told | None
) -> Notice | None:
    """The notice an invited person needs now, so that each invitation, change and
    cancellation reaches them once.

    Someone never told gets the invitation (until the event starts). Someone told about an
    older version gets the change if a notice reached them, else the invitation as it now
    stands (the queued one is no longer wanted). After a cancellation only those a notice
    reached hear of it."""
    if cancelled:
        return Notice.CANCELLED if told is not None and told.sent else None
    if told is None:
        return None if started else Notice.INVITATION
    if told.version >= version or ended:
        return None
    if told.sent:
        return Notice.CHANGE
    return None if started else Notice.INVITATION


def answers_stand(
    old: Iterable[tuple[datetime, datetime]], new: Iterable[tuple[datetime, datetime]]
) -> bool:
    """Whether people's answers still hold after a change: only if the days and times did not
    change (a new room or title keeps them; a new date asks everyone again)."""
    return sorted(old) == sorted(new)


# --- attendance -------------------------------------------------------------------------------


def card_default(answer: str | None, self_report: str | None) -> Attendance:
    """What the coordinators' attendance card proposes for one person: what they said after
    the event, else what they answered to the invitation (no answer: absent)."""
    if self_report:
        return Attendance(self_report)
    return Attendance.ATTENDED if answer == Answer.YES else Attendance.ABSENT


def recorded_attendance(
    mark: str | None, self_report: str | None, answer: str | None
) -> Attendance | None:
    """Attendance as the records hold it once the event is over: the coordinators' word wins,
    then the person's own; someone who said they couldn't come is absent; else unknown."""
    if mark:
        return Attendance(mark)
    if self_report:
        return Attendance(self_report)
    return Attendance.ABSENT if answer == Answer.NO else None


def attended(attendance: Attendance | str | None) -> bool:
    """Whether they were there (all of it or part)."""
    return attendance in (Attendance.ATTENDED, Attendance.PART)


class Flag(StrEnum):
    MISSED_TRAINING = "missed_training"
    MISSED_CALL_BACKS = "missed_call_backs"


FLAG_WORDS: dict[Flag, str] = {
    Flag.MISSED_TRAINING: "missed the training",
    Flag.MISSED_CALL_BACKS: "missed both call-back workshops",
}
CALL_BACKS_FOR_FLAG = 2


@dataclass(frozen=True)
class PastEvent:
    """One event that is over, for one invited person: its kind and their attendance."""

    kind: EventKind | str
    attendance: Attendance | str | None


def flags(past: Iterable[PastEvent]) -> set[Flag]:
    """What the coordinators are told about one participant: absent from every training event
    they were invited to, or from every call-back workshop once at least two are over.
    Unknown attendance (not recorded yet) never flags."""
    by_kind: dict[EventKind, list] = {}
    for event in past:
        by_kind.setdefault(EventKind(event.kind), []).append(event.attendance)
    found: set[Flag] = set()
    training = by_kind.get(EventKind.TRAINING, [])
    if training and all(a == Attendance.ABSENT for a in training):
        found.add(Flag.MISSED_TRAINING)
    call_backs = by_kind.get(EventKind.CALL_BACK, [])
    if len(call_backs) >= CALL_BACKS_FOR_FLAG and all(a == Attendance.ABSENT for a in call_backs):
        found.add(Flag.MISSED_CALL_BACKS)
    return found


# --- reports ----------------------------------------------------------------------------------

INVITED, ACCEPTED, ATTENDED = "invited", "accepted", "attended"


@dataclass(frozen=True)
class Invitee:
    """One invited person as a report counts them."""

    organisation: str
    answer: str | None
    attendance: Attendance | str | None


def counts_by_organisation(invitees: Iterable[Invitee]) -> dict[str, Counter]:
    """Invited / accepted (said they'd come) / attended (all or part), per organisation."""
    counts: dict[str, Counter] = {}
    for invitee in invitees:
        row = counts.setdefault(invitee.organisation, Counter())
        row[INVITED] += 1
        row[ACCEPTED] += invitee.answer == Answer.YES
        row[ATTENDED] += attended(invitee.attendance)
    return counts


# --- the post-training evaluation ---------------------------------------------------------------


def training_ends_at(
    typed: datetime | None, last_training_day: tuple[datetime, str] | None
) -> datetime | None:
    """When the training is over for the post-training evaluation: the date a coordinator typed
    (`dates training ends`) overrides; else the end of the last training day, as a local day
    in the zone the event was set in; None while neither is known."""
    if typed is not None:
        return typed
    if last_training_day is None:
        return None
    ends_at, tz = last_training_day
    return end_of_local_day(local_date(ends_at, tz), tz)
