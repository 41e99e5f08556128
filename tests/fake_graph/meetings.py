"""The fake online meetings: found by join link, with attendance reports tests write.

Endpoints: "online_meetings" (GET /users/{id}/onlineMeetings?$filter=JoinWebUrl eq '...'),
"attendance_reports" (GET .../onlineMeetings/{meeting}/attendanceReports), "attendance_records"
(GET .../attendanceReports/{report}/attendanceRecords). Only the organiser's id finds a meeting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from tests.fake_graph.server import Call, GraphServer

JOIN_FILTER = re.compile(r"^\s*JoinWebUrl\s+eq\s+'(?P<url>(?:[^']|'')*)'\s*$", re.IGNORECASE)


@dataclass
class FakeMeeting:
    meeting_id: str
    organiser: str
    join_url: str
    reports: list[dict] = field(default_factory=list)


class FakeMeetings:
    def __init__(self, server: GraphServer) -> None:
        self.server = server
        self.meetings: dict[str, FakeMeeting] = {}
        base = "/users/{user}/onlineMeetings"
        server.route("GET", base, "online_meetings", self._find)
        server.route(
            "GET", base + "/{meeting}/attendanceReports", "attendance_reports", self._reports
        )
        server.route(
            "GET",
            base + "/{meeting}/attendanceReports/{report}/attendanceRecords",
            "attendance_records",
            self._records,
        )

    def add_meeting(self, organiser: str) -> str:
        """A Teams meeting organised by `organiser`; its join link."""
        meeting_id = self.server.new_id("MSpkYzE3")
        join_url = (
            "https://teams.microsoft.com/l/meetup-join/"
            f"19%3ameeting_{meeting_id.rstrip('=')}%40thread.v2/0"
            f"?context=%7b%22Tid%22%3a%22contoso%22%2c%22Oid%22%3a%22{organiser}%22%7d"
        )
        self.meetings[meeting_id] = FakeMeeting(meeting_id, organiser, join_url)
        return join_url

    def by_join_url(self, join_url: str) -> FakeMeeting:
        return next(m for m in self.meetings.values() if m.join_url == join_url)

    def add_report(
        self,
        join_url: str,
        started: datetime,
        attendance: dict[str | None, int],
        *,
        ended: datetime | None = None,
    ) -> str:
        """An attendance report: seconds attended per participant's AAD id (None: a guest)."""
        meeting = self.by_join_url(join_url)
        report_id = f"report-{len(meeting.reports) + 1}"
        meeting.reports.append(
            {
                "id": report_id,
                "totalParticipantCount": len(attendance),
                "meetingStartDateTime": started.isoformat().replace("+00:00", "Z"),
                "meetingEndDateTime": (ended or started + timedelta(hours=2))
                .isoformat()
                .replace("+00:00", "Z"),
                "attendanceRecords": [
                    {
                        "emailAddress": f"{aad_id or 'guest'}@contoso.example",
                        "totalAttendanceInSeconds": seconds,
                        "role": "Organizer" if aad_id == meeting.organiser else "Attendee",
                        "identity": {"id": aad_id, "displayName": "someone", "tenantId": None},
                        "attendanceIntervals": [
                            {
                                "joinDateTime": started.isoformat().replace("+00:00", "Z"),
                                "leaveDateTime": (started + timedelta(seconds=seconds))
                                .isoformat()
                                .replace("+00:00", "Z"),
                                "durationInSeconds": seconds,
                            }
                        ],
                    }
                    for aad_id, seconds in attendance.items()
                ],
            }
        )
        return report_id

    def _meeting(self, request: web.Request) -> FakeMeeting | None:
        meeting = self.meetings.get(request.match_info["meeting"])
        if meeting is None or meeting.organiser != request.match_info["user"]:
            return None
        return meeting

    async def _find(self, request: web.Request, call: Call) -> web.Response:
        match = JOIN_FILTER.match(call.query.get("$filter", ""))
        if match is None:
            return self.server.error(400, "BadRequest", "Filter on JoinWebUrl is required")
        url = match["url"].replace("''", "'")
        found = [
            {"id": m.meeting_id, "joinWebUrl": m.join_url, "subject": None}
            for m in self.meetings.values()
            if m.join_url == url and m.organiser == request.match_info["user"]
        ]
        return web.json_response({"value": found})

    async def _reports(self, request: web.Request, _call: Call) -> web.Response:
        meeting = self._meeting(request)
        if meeting is None:
            return self.server.error(404, "NotFound")
        return self.server.page(
            request, [{**report, "attendanceRecords": []} for report in meeting.reports]
        )

    async def _records(self, request: web.Request, _call: Call) -> web.Response:
        meeting = self._meeting(request)
        report = next(
            (
                r
                for r in (meeting.reports if meeting else [])
                if r["id"] == request.match_info["report"]
            ),
            None,
        )
        if report is None:
            return self.server.error(404, "NotFound")
        return self.server.page(request, report["attendanceRecords"])
