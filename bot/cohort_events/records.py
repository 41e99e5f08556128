"""What the events add to other features' views, passed to them by `bot.assembly`: the person's
upcoming events in `my programme`, their events and attendance in `my data`, per-event counts
by organisation and the missed-training flags in the coordinators' `report`, and attendance
columns in the CSV `export`."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlmodel import Session

from bot.cohort_events.cards import answer_words, dates_text, label, local_dates, when_text
from domain.cohort_events import (
    ACCEPTED,
    ATTENDANCE_TITLES,
    ATTENDED,
    INVITED,
    EventKind,
    Flag,
    Invitee,
    PastEvent,
    attended,
    counts_by_organisation,
    flags,
    recorded_attendance,
)
from domain.local_time import format_local_date
from domain.report_rules import suppress_breakdown
from store.cohort_events import (
    CohortEvent,
    EventStatus,
    days_by_event,
    events_of,
    invitations_by_event,
    invitations_of_person,
    organisations,
)
from store.models import Person, Programme

NOT_GIVEN = "Not yet given"
NOT_RECORDED = "not recorded"
_SAID = {
    "attended": "you were there",
    "part": "you were there for part of it",
    "absent": "you couldn't be there",
}


def _fact(title: str, value) -> dict:
    return {"title": title, "value": str(value)}


class EventRecords:
    # The export's attendance columns (events that are over; "not recorded" until known).
    columns = ("Training attended", "Call-backs attended", "Group meetings attended")

    # --- my programme / my data -----------------------------------------------------------------

    @staticmethod
    def my_programme_lines(session: Session, person: Person, tz: str, now: datetime) -> list[str]:
        """The person's events still to come, each with their answer."""
        mine = [
            (row, event)
            for row, event in invitations_of_person(session, person.id)
            if event.status == EventStatus.SCHEDULED.value
        ]
        days = days_by_event(session, [event.id for _, event in mine])
        coming = [
            (days[event.id][0].starts_at, row, event)
            for row, event in mine
            if days.get(event.id) and days[event.id][-1].ends_at > now
        ]
        if not coming:
            return []
        lines = ["", "**Coming up**"]
        for _start, row, event in sorted(coming, key=lambda item: item[0]):
            said = answer_words(row)
            answer = f"you said: {said}" if said else "please answer the invitation I sent you"
            lines.append(f"- {label(event)}: {when_text(days[event.id], tz)} — {answer}.")
        return lines

    @staticmethod
    def data_lines(session: Session, person: Person, tz: str) -> list[str]:
        """Every event the person was invited to: their answer, their own word afterwards and
        the coordinators' register."""
        mine = invitations_of_person(session, person.id)
        if not mine:
            return []
        days = days_by_event(session, [event.id for _, event in mine])
        lines = ["", "**Programme events**"]
        for row, event in mine:
            when = (
                dates_text(local_dates(days.get(event.id, []), tz)) if days.get(event.id) else "—"
            )
            cancelled = " (cancelled)" if event.status == EventStatus.CANCELLED.value else ""
            parts = [
                f"invited {format_local_date(row.invited_at, tz)}",
                f"your answer: {answer_words(row) or 'none'}",
            ]
            if row.self_report:
                parts.append(f"you told me {_SAID[row.self_report]}")
            if row.attendance:
                parts.append(
                    "the coordinators' register: " + ATTENDANCE_TITLES[row.attendance].lower()
                )
            lines.append(f"- {label(event)}, {when}{cancelled}: {'; '.join(parts)}")
        return lines

    # --- report and export -------------------------------------------------------------------

    @staticmethod
    def _events(session: Session, programme: Programme):
        events = events_of(session, programme.id)
        ids = [event.id for event in events]
        return events, days_by_event(session, ids), invitations_by_event(session, ids)

    def sections(self, session: Session, programme: Programme, now: datetime) -> list[dict]:
        """Per event: invited / said yes / attended by organisation (small groups suppressed,
        as every breakdown); then how many missed the training or both call-backs."""
        events, days, invitations = self._events(session, programme)
        of = organisations(session, programme.id)
        sections = []
        past: dict[int, list[PastEvent]] = {}
        for event in events:
            event_days = days.get(event.id, [])
            if not event_days:
                continue
            over = event_days[-1].ends_at <= now
            rows = invitations.get(event.id, [])
            invitees = []
            for row in rows:
                attendance = recorded_attendance(row.attendance, row.self_report, row.answer)
                invitees.append(Invitee(of.get(row.person_id) or NOT_GIVEN, row.answer, attendance))
                if over:
                    past.setdefault(row.person_id, []).append(PastEvent(event.kind, attendance))
            sections.append(self._event_section(event, event_days, invitees, over))
        if past:
            missed = Counter(flag for events_ in past.values() for flag in flags(events_))
            sections.append(
                {
                    "heading": "Missed training or call-backs",
                    "facts": [
                        _fact("Missed the training", missed[Flag.MISSED_TRAINING]),
                        _fact("Missed both call-back workshops", missed[Flag.MISSED_CALL_BACKS]),
                    ],
                    "note": "Each person is named to this channel once, when it is recorded.",
                }
            )
        return sections

    @staticmethod
    def _event_section(event: CohortEvent, days, invitees: list[Invitee], over: bool) -> dict:
        counts = counts_by_organisation(invitees)
        visible = suppress_breakdown({name: c[INVITED] for name, c in counts.items()})

        def text(c: Counter) -> str:
            shown = f"invited {c[INVITED]}, said yes {c[ACCEPTED]}"
            return shown + (f", attended {c[ATTENDED]}" if over else "")

        facts = [
            _fact(name, text(counts[name]) if isinstance(visible[name], int) else visible[name])
            for name in sorted(counts)
        ]
        facts.append(_fact("All", text(sum(counts.values(), Counter()))))
        return {
            "heading": f"{label(event)}: {dates_text(local_dates(days, event.time_zone))}",
            "facts": facts,
            "note": "Attended counts all or part, as recorded."
            if over
            else "Still to come: attendance is recorded after it.",
        }

    def values(self, session: Session, programme: Programme, now: datetime) -> dict[int, dict]:
        """Per person: training and call-back attendance (events that are over, in order), and
        how many group meetings they attended of those they were invited to."""
        events, days, invitations = self._events(session, programme)
        found: dict[int, dict[str, list]] = {}
        over = [e for e in events if days.get(e.id) and days[e.id][-1].ends_at <= now]
        for event in sorted(over, key=lambda e: days[e.id][0].starts_at):
            for row in invitations.get(event.id, []):
                attendance = recorded_attendance(row.attendance, row.self_report, row.answer)
                found.setdefault(row.person_id, {}).setdefault(event.kind, []).append(attendance)
        values = {}
        for person_id, kinds in found.items():
            meetings = kinds.get(EventKind.GROUP_MEETING.value, [])
            values[person_id] = {
                "Training attended": _words(kinds.get(EventKind.TRAINING.value, [])),
                "Call-backs attended": _words(kinds.get(EventKind.CALL_BACK.value, [])),
                "Group meetings attended": f"{sum(attended(a) for a in meetings)} "
                f"of {len(meetings)}"
                if meetings
                else "",
            }
        return values


def _words(attendances: list) -> str:
    return "; ".join(a.value if a else NOT_RECORDED for a in attendances)
