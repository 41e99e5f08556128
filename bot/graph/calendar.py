"""Outlook calendars: free/busy with working hours, and Teams meetings in the organiser's calendar.

Application permissions: `Calendars.Read` for free/busy (`getSchedule`), `Calendars.ReadWrite`
to create, change, cancel, read and list (`calendarView`) the organiser's events. Mailboxes are
named by their SMTP address in getSchedule and in invitations (`directory.user` gives a
person's address); those addresses are never logged. Times go to Graph in the organiser's zone
(so Outlook shows them there) and come back in UTC (`Prefer: outlook.timezone="UTC"`).

Creating an event is a POST that a retry could repeat: each creation carries a `transactionId`
the caller derives from what is being booked (e.g. the booking's id), and Graph drops a second
creation with the same transactionId. Keep the id stable across the caller's own retries too (a
restart between the request and the answer): a new id would book the pair twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from bot.graph.errors import GraphError, GraphErrorKind
from bot.graph.wire import (
    date_time_time_zone,
    iana_zone,
    parse_date_time_time_zone,
    path_segment,
)
from domain.free_slots import Interval, merge
from domain.working_hours import WorkingHours

if TYPE_CHECKING:
    from bot.graph.client import GraphClient, GraphResponse

PREFER_UTC = {"Prefer": 'outlook.timezone="UTC"'}
# Statuses during which a person cannot be booked. "workingElsewhere" and "free" do not block;
# "unknown" does, since nobody can say the person is free.
BUSY_STATUSES = frozenset({"busy", "tentative", "oof", "unknown"})
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
AVAILABILITY_VIEW_MINUTES = 15
EVENT_FIELDS = "id,start,end,isCancelled,attendees,onlineMeeting,transactionId"


class Response(StrEnum):
    """An attendee's answer to an invitation, as Graph's responseType names it."""

    NONE = "none"
    ORGANIZER = "organizer"
    TENTATIVELY_ACCEPTED = "tentativelyAccepted"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    NOT_RESPONDED = "notResponded"


RESPONSES = {response.value.lower(): response for response in Response}


@dataclass(frozen=True)
class MailboxHours:
    """The working hours a person keeps in Outlook; `time_zone` is None for a custom zone."""

    hours: WorkingHours
    time_zone: str | None


@dataclass(frozen=True)
class Schedule:
    address: str  # the mailbox asked about, as the caller gave it
    busy: tuple[Interval, ...]  # merged, in UTC
    working_hours: MailboxHours | None
    error_code: str | None = None  # Graph could not read this mailbox: its busy times unknown


@dataclass(frozen=True)
class Attendee:
    email: str
    name: str | None = None


@dataclass(frozen=True)
class AttendeeResponse:
    email: str
    response: Response


@dataclass(frozen=True)
class CalendarEvent:
    event_id: str
    start: datetime | None
    end: datetime | None
    cancelled: bool
    join_url: str | None  # the Teams meeting's join link
    responses: tuple[AttendeeResponse, ...] = ()
    transaction_id: str | None = None  # the one it was created with, if Graph says


def _utc_wall(at: datetime) -> dict:
    return {"dateTime": at.astimezone(UTC).replace(tzinfo=None).isoformat(), "timeZone": "UTC"}


def _mailbox_hours(value: Any) -> MailboxHours | None:
    if not isinstance(value, dict):
        return None
    days = value.get("daysOfWeek")
    zone = value.get("timeZone")
    try:
        weekdays = frozenset(DAYS.index(day.lower()) for day in days or ())
        hours = WorkingHours(
            time.fromisoformat(value["startTime"]),
            time.fromisoformat(value["endTime"]),
            weekdays,
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        return None  # no days, night shifts (end before start) or an unreadable time
    name = zone.get("name") if isinstance(zone, dict) else None
    return MailboxHours(hours, iana_zone(name) if isinstance(name, str) else None)


def _schedule(address: str, info: dict) -> Schedule:
    error = info.get("error")
    if isinstance(error, dict):
        return Schedule(address, (), None, error.get("responseCode") or "unknown")
    busy = []
    for item in info.get("scheduleItems") or ():
        if not isinstance(item, dict) or str(item.get("status")).lower() not in BUSY_STATUSES:
            continue
        start = parse_date_time_time_zone(item.get("start"))
        end = parse_date_time_time_zone(item.get("end"))
        if start is not None and end is not None and start < end:
            busy.append(Interval(start, end))
    return Schedule(address, tuple(merge(busy)), _mailbox_hours(info.get("workingHours")))


async def schedules(
    client: GraphClient,
    organiser_id: str,
    addresses: Sequence[str],
    start: datetime,
    end: datetime,
) -> list[Schedule] | GraphError:
    """Busy times and Outlook working hours of each mailbox in [start, end), in the order asked
    (`POST /users/{organiser}/calendar/getSchedule`). A mailbox Graph could not read comes back
    with its `error_code` set and no busy times: treat it as unknown, not as free."""
    operation = "calendar.get_schedule"
    response = await client.request(
        operation,
        "POST",
        f"/users/{path_segment(organiser_id)}/calendar/getSchedule",
        json={
            "schedules": list(addresses),
            "startTime": _utc_wall(start),
            "endTime": _utc_wall(end),
            "availabilityViewInterval": AVAILABILITY_VIEW_MINUTES,
        },
        headers=PREFER_UTC,
        idempotent=True,  # it only reads
    )
    if isinstance(response, GraphError):
        return response
    body = response.body if isinstance(response.body, dict) else {}
    answers = {
        str(info.get("scheduleId", "")).lower(): info
        for info in body.get("value") or ()
        if isinstance(info, dict)
    }
    return [
        _schedule(address, answers[address.lower()])
        if address.lower() in answers
        else Schedule(address, (), None, "notReturned")
        for address in addresses
    ]


def _event(response: GraphResponse | GraphError, operation: str) -> CalendarEvent | GraphError:
    """The event in Graph's answer (errors pass through)."""
    if isinstance(response, GraphError):
        return response
    event = _read_event(response.body)
    if event is None:
        return GraphError(GraphErrorKind.UNAVAILABLE, operation, detail="unreadable answer")
    return event


def _read_event(body: Any) -> CalendarEvent | None:
    if not isinstance(body, dict) or not isinstance(body.get("id"), str):
        return None
    responses = []
    for attendee in body.get("attendees") or ():
        address = (attendee.get("emailAddress") or {}).get("address")
        answer = str((attendee.get("status") or {}).get("response") or "none")
        if isinstance(address, str):
            responses.append(
                AttendeeResponse(address, RESPONSES.get(answer.lower(), Response.NONE))
            )
    meeting = body.get("onlineMeeting")
    join_url = meeting.get("joinUrl") if isinstance(meeting, dict) else None
    transaction_id = body.get("transactionId")
    return CalendarEvent(
        event_id=body["id"],
        start=parse_date_time_time_zone(body.get("start")),
        end=parse_date_time_time_zone(body.get("end")),
        cancelled=bool(body.get("isCancelled")),
        join_url=join_url if isinstance(join_url, str) and join_url else None,
        responses=tuple(responses),
        transaction_id=transaction_id if isinstance(transaction_id, str) else None,
    )


def _event_path(organiser_id: str, event_id: str) -> str:
    return f"/users/{path_segment(organiser_id)}/events/{path_segment(event_id)}"


def _attendees(attendees: Sequence[Attendee]) -> list[dict]:
    return [
        {
            "emailAddress": {"address": a.email, **({"name": a.name} if a.name else {})},
            "type": "required",
        }
        for a in attendees
    ]


async def create_meeting(
    client: GraphClient,
    organiser_id: str,
    *,
    subject: str,
    body_html: str,
    start: datetime,
    end: datetime,
    time_zone: str | None,
    attendees: Sequence[Attendee],
    transaction_id: str,
) -> CalendarEvent | GraphError:
    """A Teams meeting in the organiser's calendar; Outlook invites the attendees
    (`POST /users/{organiser}/events`). `time_zone` is the organiser's IANA zone.

    `transaction_id` makes the creation safe to retry (see the module docstring): derive it from
    the booking, never from the clock. New times are proposed through the bot, so attendees are
    not offered Outlook's "propose new time". The join link is normally in the answer; if not,
    `get_meeting` later has it.
    """
    if not transaction_id:
        raise ValueError("an event needs a transaction id derived from what is booked")
    response = await client.request(
        "calendar.create_event",
        "POST",
        f"/users/{path_segment(organiser_id)}/events",
        json={
            "subject": subject,
            "body": {"contentType": "HTML", "content": body_html},
            "start": date_time_time_zone(start, time_zone),
            "end": date_time_time_zone(end, time_zone),
            "attendees": _attendees(attendees),
            "allowNewTimeProposals": False,
            "isOnlineMeeting": True,
            "onlineMeetingProvider": "teamsForBusiness",
            "transactionId": transaction_id,
        },
        headers=PREFER_UTC,
        idempotent=True,  # Graph drops a repeated creation with the same transactionId
    )
    return _event(response, "calendar.create_event")


async def update_meeting(
    client: GraphClient,
    organiser_id: str,
    event_id: str,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    time_zone: str | None = None,
    subject: str | None = None,
    body_html: str | None = None,
    attendees: Sequence[Attendee] | None = None,
) -> CalendarEvent | GraphError:
    """Change what is given (`PATCH /users/{organiser}/events/{id}`): a new time, subject, body
    or attendee list. Outlook sends the attendees the update."""
    changes: dict[str, Any] = {}
    if start is not None:
        changes["start"] = date_time_time_zone(start, time_zone)
    if end is not None:
        changes["end"] = date_time_time_zone(end, time_zone)
    if subject is not None:
        changes["subject"] = subject
    if body_html is not None:
        changes["body"] = {"contentType": "HTML", "content": body_html}
    if attendees is not None:
        changes["attendees"] = _attendees(attendees)
    response = await client.request(
        "calendar.update_event",
        "PATCH",
        _event_path(organiser_id, event_id),
        json=changes,
        headers=PREFER_UTC,
    )
    return _event(response, "calendar.update_event")


async def cancel_meeting(
    client: GraphClient, organiser_id: str, event_id: str, comment: str
) -> None | GraphError:
    """Cancel the event and tell the attendees why (`POST .../events/{id}/cancel`).

    Safe to retry: a cancelled event is not cancelled twice. NOT_FOUND means the event is gone
    already (cancelled or deleted by the organiser): the caller can take it as cancelled.
    """
    response = await client.request(
        "calendar.cancel_event",
        "POST",
        f"{_event_path(organiser_id, event_id)}/cancel",
        json={"comment": comment},
        idempotent=True,
    )
    return response if isinstance(response, GraphError) else None


async def get_meeting(
    client: GraphClient, organiser_id: str, event_id: str
) -> CalendarEvent | GraphError:
    """The event as it stands: its time, whether it was cancelled, each attendee's answer and
    the join link (`GET /users/{organiser}/events/{id}`)."""
    response = await client.request(
        "calendar.get_event",
        "GET",
        _event_path(organiser_id, event_id),
        params={"$select": EVENT_FIELDS},
        headers=PREFER_UTC,
    )
    return _event(response, "calendar.get_event")


async def events_between(
    client: GraphClient, organiser_id: str, start: datetime, end: datetime
) -> list[CalendarEvent] | GraphError:
    """The events in the organiser's calendar that overlap [start, end), with the transactionId
    each was created with (`GET /users/{organiser}/calendarView`): how a booking whose answer
    was lost is found again."""
    operation = "calendar.calendar_view"
    items = await client.collect(
        operation,
        f"/users/{path_segment(organiser_id)}/calendarView",
        params={
            "startDateTime": _utc_wall(start)["dateTime"] + "Z",
            "endDateTime": _utc_wall(end)["dateTime"] + "Z",
            "$select": EVENT_FIELDS,
        },
        headers=PREFER_UTC,
    )
    if isinstance(items, GraphError):
        return items
    return [event for event in map(_read_event, items) if event is not None]
