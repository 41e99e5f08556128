"""Teams meetings after the fact: who attended, and for how long.

Application permissions: `OnlineMeetings.Read.All` to find the meeting behind an event's join
link, `OnlineMeetingArtifact.Read.All` to read its attendance reports. Both also need a Teams
application access policy granted to the organiser (README says how): without it Graph
answers 403, a FORBIDDEN error, and the feature falls back to asking the people.

A report is made each time the meeting ends; someone who joined twice, or a meeting restarted,
gives several reports. Attendees are identified by their AAD object id, never by address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.graph.errors import GraphError, GraphErrorKind
from bot.graph.wire import odata_literal, parse_timestamp, path_segment

if TYPE_CHECKING:
    from bot.graph.client import GraphClient


@dataclass(frozen=True)
class OnlineMeeting:
    meeting_id: str
    join_url: str


@dataclass(frozen=True)
class AttendanceReport:
    report_id: str
    started: datetime | None
    ended: datetime | None
    participants: int | None


@dataclass(frozen=True)
class AttendanceRecord:
    aad_object_id: str | None  # None for an anonymous or external participant
    seconds: int
    role: str | None  # "Organizer", "Presenter", "Attendee" or "None"


def _meetings_path(organiser_id: str) -> str:
    return f"/users/{path_segment(organiser_id)}/onlineMeetings"


async def meeting_by_join_url(
    client: GraphClient, organiser_id: str, join_url: str
) -> OnlineMeeting | GraphError:
    """The online meeting an event's join link opens
    (`GET /users/{organiser}/onlineMeetings?$filter=JoinWebUrl eq '...'`)."""
    operation = "meetings.by_join_url"
    meetings = await client.collect(
        operation,
        _meetings_path(organiser_id),
        params={"$filter": f"JoinWebUrl eq {odata_literal(join_url)}"},
    )
    if isinstance(meetings, GraphError):
        return meetings
    for meeting in meetings:
        if isinstance(meeting.get("id"), str):
            return OnlineMeeting(meeting["id"], meeting.get("joinWebUrl") or join_url)
    return GraphError(GraphErrorKind.NOT_FOUND, operation, status=200)


async def attendance_reports(
    client: GraphClient, organiser_id: str, meeting_id: str
) -> list[AttendanceReport] | GraphError:
    """Every attendance report of the meeting, as Graph lists them."""
    reports = await client.collect(
        "meetings.attendance_reports",
        f"{_meetings_path(organiser_id)}/{path_segment(meeting_id)}/attendanceReports",
    )
    if isinstance(reports, GraphError):
        return reports
    return [
        AttendanceReport(
            report_id=report["id"],
            started=parse_timestamp(report.get("meetingStartDateTime")),
            ended=parse_timestamp(report.get("meetingEndDateTime")),
            participants=report.get("totalParticipantCount"),
        )
        for report in reports
        if isinstance(report.get("id"), str)
    ]


async def attendance_records(
    client: GraphClient, organiser_id: str, meeting_id: str, report_id: str
) -> list[AttendanceRecord] | GraphError:
    """Each participant of one report, with their total time in it."""
    records = await client.collect(
        "meetings.attendance_records",
        f"{_meetings_path(organiser_id)}/{path_segment(meeting_id)}"
        f"/attendanceReports/{path_segment(report_id)}/attendanceRecords",
    )
    if isinstance(records, GraphError):
        return records
    found = []
    for record in records:
        identity = record.get("identity")
        aad_id = identity.get("id") if isinstance(identity, dict) else None
        seconds = record.get("totalAttendanceInSeconds")
        found.append(
            AttendanceRecord(
                aad_object_id=aad_id if isinstance(aad_id, str) and aad_id else None,
                seconds=seconds if isinstance(seconds, int) and seconds > 0 else 0,
                role=record.get("role"),
            )
        )
    return found


async def attendance_seconds(
    client: GraphClient, organiser_id: str, join_url: str
) -> dict[str, int] | GraphError:
    """Seconds each participant (by AAD object id) spent in the meeting, over all its reports.

    An empty dict: the meeting has no report yet (it has not ended, or nobody joined).
    """
    meeting = await meeting_by_join_url(client, organiser_id, join_url)
    if isinstance(meeting, GraphError):
        return meeting
    reports = await attendance_reports(client, organiser_id, meeting.meeting_id)
    if isinstance(reports, GraphError):
        return reports
    totals: dict[str, int] = {}
    for report in reports:
        records = await attendance_records(
            client, organiser_id, meeting.meeting_id, report.report_id
        )
        if isinstance(records, GraphError):
            return records
        for record in records:
            if record.aad_object_id is not None:
                totals[record.aad_object_id] = totals.get(record.aad_object_id, 0) + record.seconds
    return totals
