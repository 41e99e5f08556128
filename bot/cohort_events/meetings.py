"""Teams meetings for online events, through Microsoft Graph when it is configured.

Whose calendar: the coordinator who creates the event is the organiser. Each day of the event
is a Teams meeting in their Outlook calendar (`bot.graph.calendar.create_meeting`), so they can
let people in from the lobby, see it in Teams and move it there too; later changes and a
cancellation, by any coordinator, act on those same meetings (the event keeps its organiser).
The meetings have no Outlook attendees: invitations, answers and reminders go through the bot
(one place to answer, and no one's mail address is needed); the Join link is on the bot's cards.

Each creation carries a transaction id derived from what is booked (the form, or the event and
its new version, and the day), so a repeated attempt books nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from bot.graph import GraphClient, GraphError, GraphErrorKind
from bot.graph.calendar import CalendarEvent, cancel_meeting, create_meeting, update_meeting

log = logging.getLogger(__name__)

Meeting = tuple[str, str | None]  # (Graph event id, join link)


def _body(title: str) -> str:
    return (
        f"<p>{title}: an event of the Step Forward programme. Invitations and answers go "
        "through the Step Forward bot in Teams.</p>"
    )


def trouble(error: GraphError) -> str:
    """Why a meeting could not be made, for the coordinator."""
    if error.kind in (GraphErrorKind.FORBIDDEN, GraphErrorKind.UNAUTHORISED):
        return "Microsoft Graph refused (is Calendars.ReadWrite granted to the app?)"
    if error.kind == GraphErrorKind.NOT_FOUND:
        return "Microsoft Graph couldn't find your calendar"
    return "Microsoft Graph didn't answer in time"


async def create_meetings(
    graph: GraphClient,
    organiser: str,
    title: str,
    days: Sequence[tuple[datetime, datetime]],
    time_zone: str,
    transaction: str,
) -> list[Meeting] | GraphError:
    """One Teams meeting per day in the organiser's calendar; on an error, those already made
    are cancelled and the error returned."""
    made: list[Meeting] = []
    for n, (start, end) in enumerate(days, start=1):
        result = await create_meeting(
            graph,
            organiser,
            subject=title,
            body_html=_body(title),
            start=start,
            end=end,
            time_zone=time_zone,
            attendees=[],
            transaction_id=f"{transaction}-day-{n}",
        )
        if isinstance(result, GraphError):
            log.warning("event meeting not created %s", result.log_fields())
            await cancel_meetings(graph, organiser, [m for m, _ in made], "Not needed after all")
            return result
        made.append(_meeting(result))
    return made


def _meeting(event: CalendarEvent) -> Meeting:
    return event.event_id, event.join_url


async def cancel_meetings(
    graph: GraphClient, organiser: str | None, meeting_ids: Sequence[str], comment: str
) -> bool:
    """Cancel the meetings (already gone counts as cancelled); whether all of them went."""
    done = True
    for meeting_id in meeting_ids:
        if not organiser:
            return False
        result = await cancel_meeting(graph, organiser, meeting_id, comment)
        if isinstance(result, GraphError) and result.kind != GraphErrorKind.NOT_FOUND:
            log.warning("event meeting not cancelled %s", result.log_fields())
            done = False
    return done


async def rename_meetings(
    graph: GraphClient, organiser: str | None, meeting_ids: Sequence[str], title: str
) -> None:
    """A new title on the meetings (their times and links stay)."""
    for meeting_id in meeting_ids:
        if not organiser:
            return
        result = await update_meeting(
            graph, organiser, meeting_id, subject=title, body_html=_body(title)
        )
        if isinstance(result, GraphError):
            log.warning("event meeting not renamed %s", result.log_fields())
