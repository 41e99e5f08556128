"""The fake calendars: busy items and working hours per mailbox, and the events organisers own.

Endpoints: "get_schedule" (POST /users/{id}/calendar/getSchedule), "create_event"
(POST /users/{id}/events), "update_event" (PATCH /users/{id}/events/{event}), "cancel_event"
(POST /users/{id}/events/{event}/cancel), "get_event" (GET /users/{id}/events/{event}),
"calendar_view" (GET /users/{id}/calendarView?startDateTime=...&endDateTime=...).

Events created here are busy in their organiser's and attendees' free/busy, get a Teams join
link (registered with the fake's meetings) and are found again by their transactionId, as
Graph does to drop a repeated creation. Tests set attendees' answers with `respond`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from aiohttp import web
from tzlocal.windows_tz import win_tz

if TYPE_CHECKING:
    from tests.fake_graph.meetings import FakeMeetings
    from tests.fake_graph.server import Call, GraphServer


def parse_wall(value: dict) -> datetime:
    """A dateTimeTimeZone as aware UTC (Windows or IANA zone names)."""
    naive = datetime.fromisoformat(value["dateTime"])
    zone = value.get("timeZone") or "UTC"
    return naive.replace(tzinfo=ZoneInfo(win_tz.get(zone, zone))).astimezone(UTC)


def utc_wall(at: datetime) -> dict:
    return {"dateTime": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": "UTC"}


@dataclass
class FakeEvent:
    event_id: str
    organiser: str  # user id
    fields: dict  # what was posted and patched, as sent
    join_url: str | None
    transaction_id: str | None
    responses: dict[str, str] = field(default_factory=dict)  # address → responseType
    cancelled: bool = False
    cancel_comment: str | None = None

    @property
    def start(self) -> datetime:
        return parse_wall(self.fields["start"])

    @property
    def end(self) -> datetime:
        return parse_wall(self.fields["end"])

    @property
    def attendees(self) -> list[str]:
        return [a["emailAddress"]["address"] for a in self.fields.get("attendees", [])]

    def as_graph(self) -> dict:
        return {
            "id": self.event_id,
            "subject": self.fields.get("subject"),
            "start": utc_wall(self.start),
            "end": utc_wall(self.end),
            "isCancelled": self.cancelled,
            "isOnlineMeeting": self.join_url is not None,
            "onlineMeetingProvider": "teamsForBusiness" if self.join_url else "unknown",
            "onlineMeeting": {"joinUrl": self.join_url} if self.join_url else None,
            "transactionId": self.transaction_id,
            "attendees": [
                {
                    "type": "required",
                    "status": {
                        "response": self.responses.get(address, "none"),
                        "time": "0001-01-01T00:00:00Z",
                    },
                    "emailAddress": {"address": address},
                }
                for address in self.attendees
            ],
        }


class FakeCalendar:
    def __init__(self, server: GraphServer, meetings: FakeMeetings, address_of) -> None:
        self.server = server
        self.meetings = meetings
        self.address_of = address_of  # user id → mail address (the fake directory's)
        # address (lower case) → [{"status", "start", "end"}] with aware datetimes
        self.busy: dict[str, list[dict]] = {}
        # address (lower case) → Graph's workingHours JSON
        self.working_hours: dict[str, dict] = {}
        # addresses getSchedule cannot read (no such mailbox)
        self.missing: set[str] = set()
        self.events: dict[str, FakeEvent] = {}
        server.route("POST", "/users/{user}/calendar/getSchedule", "get_schedule", self._schedule)
        server.route("POST", "/users/{user}/events", "create_event", self._create)
        server.route("PATCH", "/users/{user}/events/{event}", "update_event", self._update)
        server.route("POST", "/users/{user}/events/{event}/cancel", "cancel_event", self._cancel)
        server.route("GET", "/users/{user}/events/{event}", "get_event", self._get)
        server.route("GET", "/users/{user}/calendarView", "calendar_view", self._view)

    # -- what tests set and read ------------------------------------------------------------

    def add_busy(self, address: str, start: datetime, end: datetime, status: str = "busy") -> None:
        self.busy.setdefault(address.lower(), []).append(
            {"status": status, "start": start, "end": end}
        )

    def respond(self, event_id: str, address: str, response: str) -> None:
        """An attendee's answer: "accepted", "declined", "tentativelyAccepted", ..."""
        self.events[event_id].responses[address] = response

    def live_events(self) -> list[FakeEvent]:
        return [event for event in self.events.values() if not event.cancelled]

    # -- endpoints --------------------------------------------------------------------------

    def _items(self, address: str, start: datetime, end: datetime) -> list[dict]:
        items = list(self.busy.get(address.lower(), []))
        for event in self.live_events():
            people = {a.lower() for a in event.attendees}
            organiser = self.address_of(event.organiser)
            if organiser:
                people.add(organiser.lower())
            if address.lower() in people:
                items.append({"status": "busy", "start": event.start, "end": event.end})
        return [
            {
                "status": item["status"],
                "start": utc_wall(item["start"]),
                "end": utc_wall(item["end"]),
                "isPrivate": False,
            }
            for item in items
            if item["start"] < end and start < item["end"]
        ]

    async def _schedule(self, _request: web.Request, call: Call) -> web.Response:
        body = call.body or {}
        try:
            start, end = parse_wall(body["startTime"]), parse_wall(body["endTime"])
            addresses = list(body["schedules"])
        except (KeyError, TypeError, ValueError):
            return self.server.error(400, "ErrorInvalidRequest")
        value: list[dict[str, Any]] = []
        for address in addresses:
            if address.lower() in self.missing:
                value.append(
                    {
                        "scheduleId": address,
                        "error": {
                            "message": "The recipient wasn't found",
                            "responseCode": "ErrorMailRecipientNotFound",
                        },
                    }
                )
                continue
            info: dict[str, Any] = {
                "scheduleId": address,
                "availabilityView": "",
                "scheduleItems": self._items(address, start, end),
            }
            if address.lower() in self.working_hours:
                info["workingHours"] = self.working_hours[address.lower()]
            value.append(info)
        return web.json_response({"value": value})

    async def _create(self, request: web.Request, call: Call) -> web.Response:
        organiser = request.match_info["user"]
        body = call.body or {}
        transaction_id = body.get("transactionId")
        for event in self.events.values():
            if transaction_id and (event.organiser, event.transaction_id) == (
                organiser,
                transaction_id,
            ):
                return web.json_response(event.as_graph(), status=201)
        try:
            parse_wall(body["start"]), parse_wall(body["end"])
        except (KeyError, TypeError, ValueError):
            return self.server.error(400, "ErrorInvalidRequest")
        event_id = self.server.new_id("AAMkAGEv")
        join_url = None
        if body.get("isOnlineMeeting") and body.get("onlineMeetingProvider") == "teamsForBusiness":
            join_url = self.meetings.add_meeting(organiser)
        event = FakeEvent(event_id, organiser, dict(body), join_url, transaction_id)
        self.events[event_id] = event
        return web.json_response(event.as_graph(), status=201)

    def _event(self, request: web.Request) -> FakeEvent | None:
        event = self.events.get(request.match_info["event"])
        if event is None or event.organiser != request.match_info["user"]:
            return None
        return event

    async def _update(self, request: web.Request, call: Call) -> web.Response:
        event = self._event(request)
        if event is None:
            return self.server.error(404, "ErrorItemNotFound")
        event.fields.update(call.body or {})
        return web.json_response(event.as_graph())

    async def _cancel(self, request: web.Request, call: Call) -> web.Response:
        event = self._event(request)
        if event is None:
            return self.server.error(404, "ErrorItemNotFound")
        event.cancelled = True
        event.cancel_comment = (call.body or {}).get("comment")
        return web.Response(status=202)

    async def _get(self, request: web.Request, _call: Call) -> web.Response:
        event = self._event(request)
        if event is None:
            return self.server.error(404, "ErrorItemNotFound")
        return web.json_response(event.as_graph())

    async def _view(self, request: web.Request, call: Call) -> web.Response:
        user = request.match_info["user"]
        try:
            start = datetime.fromisoformat(call.query["startDateTime"])
            end = datetime.fromisoformat(call.query["endDateTime"])
        except (KeyError, ValueError):
            return self.server.error(400, "ErrorInvalidParameter")
        address = (self.address_of(user) or "").lower()
        found = [
            event.as_graph()
            for event in self.live_events()  # a cancelled event leaves the calendar
            if (event.organiser == user or address in {a.lower() for a in event.attendees})
            and event.start < end
            and start < event.end
        ]
        return self.server.page(request, found)
