"""The booking cards, filled for one reader: three times to pick, the Teams scheduling link when
the bot cannot book, the confirmation with the join link, "did your session happen?" and the
notes card of a verified session. Every time is in the reader's own zone; the words follow who
reads (the mentor organises the meeting, the trainee is invited)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import quote, urlencode

from adaptive_cards import render_card
from domain.free_slots import Interval
from domain.local_time import (
    format_local_date,
    format_local_datetime,
    format_local_span,
    format_local_start,
    zone,
)
from domain.local_time import format_local_long_span as long_span
from domain.sessions import Attendance
from domain.text_limits import limit_words

SUBJECT = "Step Forward mentoring session"
CANCEL_TEXT = 500  # a word to the partner with a cancellation
TEAMS_NEW_MEETING = "https://teams.microsoft.com/l/meeting/new"


@dataclass(frozen=True)
class Reader:
    """Who a card is for: their zone, their role in the pair, and the two names."""

    tz: str
    is_mentor: bool
    partner_name: str
    mentor_name: str

    @property
    def zone_note(self) -> str:
        return f"your time zone, {self.tz}"


class LinkReason(StrEnum):
    """Why a card offers the Teams scheduling link instead of booking."""

    NO_CALENDARS = "no_calendars"  # Graph is not set up
    CALENDARS_FAILED = "calendars_failed"  # Graph could not read or book
    UNCONFIRMED = "unconfirmed"  # Graph did not answer a booking: it may have made it
    NO_TIMES = "no_times"  # nobody free in the next 14 days
    TIMES_PASSED = "times_passed"  # the card waited so long its times have passed


def session_body(month: int, months: int) -> str:
    """What the meeting invitation says (never check-in or survey answers)."""
    return (
        f"Your monthly Step Forward mentoring session (month {month} of {months}). Before you "
        "meet, look over your action plan: type “my programme” in your chat with Step Forward."
    )


def teams_meeting_link(
    *,
    start: datetime,
    end: datetime,
    attendees: Sequence[str] = (),
    subject: str = SUBJECT,
    content: str = "",
) -> str:
    """A Teams "schedule a meeting" deep link with the meeting filled in."""
    params = {"subject": subject}
    if attendees:
        params["attendees"] = ",".join(attendees)
    params["startTime"] = start.isoformat()
    params["endTime"] = end.isoformat()
    if content:
        params["content"] = content
    return f"{TEAMS_NEW_MEETING}?{urlencode(params, quote_via=quote)}"


def _length_words(minutes: int) -> str:
    return "1 hour" if minutes == 60 else "about 2 hours"


def offer_card(
    reader: Reader,
    *,
    pairing_id: int,
    month: int,
    months: int,
    slots: Sequence[Interval],
    length: int,
    action: str = "book",
    first: bool = True,
) -> dict:
    """Times to pick. `action`: "book" a new session or "move" the booked one."""
    moving = action == "move"
    if moving:
        title = "Pick a new time"
    elif first:
        title = "Time to book this month's session"
    else:
        title = "A few more times"
    if moving:
        how = "One tap moves the Teams meeting; you both get the updated invitation."
    elif reader.is_mentor:
        how = (
            f"One tap books a Teams meeting in your calendar with {reader.partner_name} "
            "invited. I only see when you're busy, never what's in your calendars."
        )
    else:
        how = (
            f"One tap books a Teams meeting in {reader.mentor_name}'s calendar with you both "
            "invited. I only see when you're busy, never what's in your calendars."
        )
    return render_card(
        "book_session",
        {
            "title": title,
            "intro": f"Month {month} of {months} with {reader.partner_name}. These times suit "
            f"you both ({reader.zone_note}); pick how long, then a time:",
            "pairing_id": pairing_id,
            "month": month,
            "action": action,
            "slots": [
                {
                    "title": format_local_start(s.start, reader.tz),
                    "start": s.start.isoformat(),
                }
                for s in slots
            ],
            "length": str(length),
            "after": slots[-1].start.isoformat(),
            "how": how,
            "cant": not moving,
        },
    )


def link_card(
    reader: Reader,
    *,
    pairing_id: int,
    month: int,
    months: int,
    reason: LinkReason,
    suggested: Interval | None,
    length: int,
    attendees: Sequence[str] = (),
    retry: bool = False,
    cant: bool = True,
) -> dict:
    """The Teams scheduling link (with a suggested time) and "I've booked it"."""
    invite = (
        f"{reader.partner_name} is on the invitation."
        if attendees
        else f"Add {reader.partner_name} to the invitation."
    )
    when = (
        f"{format_local_span(suggested.start, suggested.end, reader.tz)} ({reader.zone_note})"
        if suggested
        else None
    )
    if reason == LinkReason.UNCONFIRMED:
        note = (
            "Outlook didn't answer in time, so I can't tell yet whether the meeting was made. "
            "If it was, I'll tell you both within a few minutes. If you'd rather not wait, "
            "schedule it in Teams yourself."
        )
    elif reason == LinkReason.NO_TIMES:
        note = (
            "I couldn't find a time in the next 14 days when you're both free in your working "
            "hours. Arrange one between you and schedule it in Teams."
        )
    elif reason == LinkReason.TIMES_PASSED:
        note = (
            "The times I found for you have passed. Find new ones, or schedule it in Teams "
            "yourselves."
        )
    elif reason == LinkReason.CALENDARS_FAILED:
        note = "I couldn't book it in your calendars just now, so here's the Teams link instead."
    else:
        note = "Pick a time that suits you both and schedule it in Teams."
    if when:
        note += (
            f" Suggested: {when}, inside both your working hours; the link fills it in and "
            "you can change it."
        )
    start = suggested.start if suggested else None
    end = suggested.end if suggested else None
    link = (
        teams_meeting_link(
            start=start, end=end, attendees=attendees, content=session_body(month, months)
        )
        if start and end
        else TEAMS_NEW_MEETING
    )
    local = start.astimezone(zone(reader.tz)) if start else None
    return render_card(
        "book_session_link",
        {
            "title": "Time to book this month's session",
            "intro": f"Month {month} of {months} with {reader.partner_name}, "
            f"{_length_words(length)}.",
            "note": f"{note} {invite}",
            "link": link,
            "date": local.date().isoformat() if local else "",
            "time": f"{local:%H:%M}" if local else "14:00",
            "length": str(length),
            "pairing_id": pairing_id,
            "month": month,
            "retry": retry,
            "cant": cant,
        },
    )


def booked_card(
    reader: Reader,
    *,
    pairing_id: int,
    month: int,
    start: datetime,
    end: datetime,
    join_url: str | None,
    in_calendars: bool,
    moved: bool = False,
    by: str | None = None,
) -> dict:
    """The confirmation: the time in the reader's zone, the join link, Reschedule and Cancel.
    `by`: the partner's name when they booked it (None: the reader did)."""
    verb = "Moved" if moved else "Booked"
    if in_calendars and reader.is_mentor:
        where = f"It's a Teams meeting in your calendar and {reader.partner_name} is invited."
    elif in_calendars:
        where = f"It's a Teams meeting in both your calendars ({reader.mentor_name} organises it)."
    else:
        where = "Make sure it's in both your calendars."
    text = f"{where} I'll remind you the working day before, and afterwards ask how it went."
    if by:
        text = f"{by} {verb.lower()} it. {text}"
    return render_card(
        "session_booked",
        {
            "title": f"{verb}: your mentoring session with {reader.partner_name}",
            "when": f"{long_span(start, end, reader.tz)} ({reader.zone_note})",
            "text": text,
            "join_url": join_url or "",
            "cancel_label": f"Anything to tell {reader.partner_name}? "
            f"(optional, {limit_words(CANCEL_TEXT)})",
            "pairing_id": pairing_id,
            "month": month,
        },
    )


def why_choices(reader: Reader) -> list[dict]:
    """The reasons for "It didn't happen", worded for the reader."""
    mine, theirs = (
        ("cancelled_by_mentor", "cancelled_by_trainee")
        if reader.is_mentor
        else ("cancelled_by_trainee", "cancelled_by_mentor")
    )
    partner = "My mentee" if reader.is_mentor else "My mentor"
    return [
        {"title": "We rescheduled", "value": "rescheduled"},
        {"title": f"{partner} cancelled", "value": theirs},
        {"title": "I cancelled", "value": mine},
        {"title": "I wasn't released by my line manager", "value": "line_manager"},
        {"title": "I wasn't released by HR", "value": "hr"},
        {"title": "I wasn't released by the host organisation", "value": "host_organisation"},
    ]


def check_card(
    reader: Reader,
    *,
    pairing_id: int,
    month: int,
    months: int,
    booked_for: datetime | None,
    attendance: str | None = None,
) -> dict:
    """The question "Did your session happen?": one tap each."""
    text = f"Month {month} of {months} with {reader.partner_name}"
    if booked_for is not None:
        text += f", booked for {format_local_datetime(booked_for, reader.tz)} ({reader.zone_note})"
    text += "."
    if attendance in (Attendance.ABSENT, Attendance.DECLINED, Attendance.CANCELLED):
        text += " I couldn't confirm from Teams that you both joined the meeting."
    text += f" One tap is enough; {reader.partner_name} is asked too."
    return render_card(
        "log_session",
        {
            "text": text,
            "why_choices": why_choices(reader),
            "pairing_id": pairing_id,
            "month": month,
        },
    )


def duration_words(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def notes_card(
    reader: Reader,
    *,
    pairing_id: int,
    month: int,
    held_on: datetime | None,
    minutes: int | None,
    verified: bool = True,
) -> dict:
    """Notes and a next step, both optional: after Teams verified a session (nothing to fill
    in), or after "We met"."""
    if verified:
        held = f"Held on {format_local_date(held_on, reader.tz)} " if held_on else "Held "
        length = f", {duration_words(minutes)}" if minutes else ""
        title = f"Month {month}'s session is logged"
        text = (
            f"{held}with {reader.partner_name}{length}: Teams saw you both in the meeting, so "
            "there's nothing to fill in. Add notes or a next step if you like."
        )
    else:
        title = "Anything to note?"
        text = "If you like, note what moved and add a next step to your action plan."
    return render_card(
        "session_notes",
        {"title": title, "text": text, "pairing_id": pairing_id, "month": month},
    )
