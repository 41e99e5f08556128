"""What the events' cards and messages say, for each reader: the coordinators' form, list and
attendance card (times in the event's zone), and each invited person's invitation, reminders
and "were you there?" (times in their own zone)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime

from adaptive_cards import render_card
from domain.cohort_events import (
    AUDIENCE_TITLES,
    DAY_FIELDS,
    KIND_TITLES,
    REASON_TITLES,
    REASON_WORDS,
    Answer,
    Attendance,
    Audience,
    EventKind,
    Reason,
    card_default,
    recorded_attendance,
    why_it_matters,
)
from domain.local_time import zone
from domain.wording import joined
from store.cohort_events import CohortEvent, CohortEventDay, CohortEventInvitation, EventStatus
from store.models import Person

FORM_KIND_TITLES = {
    EventKind.TRAINING: "Training day(s)",
    EventKind.CALL_BACK: "Call-back workshop",
    EventKind.GROUP_MEETING: "Group meeting",
}


def local_dates(days: Sequence[CohortEventDay], tz: str) -> list[date]:
    return [day.starts_at.astimezone(zone(tz)).date() for day in days]


def dates_text(dates: Sequence[date]) -> str:
    """ "3, 4 and 5 March 2027"; "28 February and 1 March 2027"; "3 March 2027"."""
    groups: list[tuple[tuple[int, int], list[int]]] = []
    for day in sorted(dates):
        if groups and groups[-1][0] == (day.year, day.month):
            groups[-1][1].append(day.day)
        else:
            groups.append(((day.year, day.month), [day.day]))
    parts = []
    for n, ((year, month), numbers) in enumerate(groups):
        shown_year = n == len(groups) - 1 or groups[n + 1][0][0] != year
        name = date(year, month, 1).strftime("%B")
        parts.append(
            f"{joined([str(d) for d in numbers])} {name}" + (f" {year}" if shown_year else "")
        )
    return joined(parts)


def _hours(start: datetime, end: datetime, tz: str) -> str:
    local = zone(tz)
    return f"{start.astimezone(local):%H:%M}–{end.astimezone(local):%H:%M}"


def when_text(days: Sequence[CohortEventDay], tz: str) -> str:
    """The dates and, when every day keeps the same hours, the hours: "3, 4 and 5 March 2027,
    09:30–16:30"."""
    hours = {_hours(day.starts_at, day.ends_at, tz) for day in days}
    text = dates_text(local_dates(days, tz))
    return f"{text}, {hours.pop()}" if len(hours) == 1 else text


def day_facts(days: Sequence[CohortEventDay], tz: str) -> list[dict]:
    """One fact per day: "Wednesday 3 March 2027, 09:30–16:30"."""
    local = zone(tz)
    facts = []
    for n, day in enumerate(days, start=1):
        start = day.starts_at.astimezone(local)
        value = f"{start:%A} {start.day} {start:%B %Y}, {_hours(day.starts_at, day.ends_at, tz)}"
        facts.append({"title": "When" if len(days) == 1 else f"Day {n}", "value": value})
    return facts


def label(event: CohortEvent) -> str:
    """ "Training “Step Forward training”", or just "Call-back workshop"."""
    kind = KIND_TITLES[EventKind(event.kind)]
    return kind if event.title == kind else f"{kind} “{event.title}”"


def the_event(event: CohortEvent) -> str:
    """The event in a sentence: "the training “Step Forward training”"."""
    kind = KIND_TITLES[EventKind(event.kind)].lower()
    return (
        f"the {kind}"
        if event.title == KIND_TITLES[EventKind(event.kind)]
        else (f"the {kind} “{event.title}”")
    )


def joins(event: CohortEvent, days: Sequence[CohortEventDay]) -> list[dict]:
    """The Join buttons: the pasted link, or each day's Teams meeting."""
    if event.link:
        return [{"title": "Join online", "url": event.link}]
    links = [day.join_url for day in days if day.join_url]
    if len(set(links)) == 1:
        return [{"title": "Join the Teams meeting", "url": links[0]}]
    return [
        {"title": f"Join day {n}", "url": day.join_url}
        for n, day in enumerate(days, start=1)
        if day.join_url
    ]


def where_text(event: CohortEvent, days: Sequence[CohortEventDay]) -> str:
    online = None
    if event.online:
        online = (
            "online (Teams meeting: use the Join button)"
            if joins(event, days)
            else "online (no joining link yet)"
        )
    if event.place and online:
        return f"{event.place}, and {online}"
    if event.place:
        return event.place
    return (online or "")[:1].upper() + (online or "")[1:]


def answer_words(row: CohortEventInvitation) -> str | None:
    """The person's answer as they would say it, or None before they answer."""
    if row.answer == Answer.YES:
        return "I'll be there"
    if row.answer == Answer.NO:
        reason = REASON_TITLES.get(Reason(row.reason)) if row.reason else None
        return "I can't come" + (f" ({reason[0].lower()}{reason[1:]})" if reason else "")
    return None


def invitation_card(
    event: CohortEvent,
    days: Sequence[CohortEventDay],
    row: CohortEventInvitation,
    tz: str,
    *,
    heading: str,
    intro: str,
    ask: bool = True,
) -> dict:
    said = answer_words(row)
    links = joins(event, days)
    return render_card(
        "event_invitation",
        {
            "heading": heading,
            "intro": intro,
            "days": day_facts(days, tz),
            "where": where_text(event, days),
            "why": why_it_matters(event.kind, row.role),
            "has_answer": said is not None,
            "answer_line": f"Your answer: {said}." if said else "",
            "ask": ask,
            "has_joins": bool(links),
            "joins": links,
            "event_id": event.id,
            "schedule": event.schedule_version,
            "reasons": [{"title": title, "value": value} for value, title in REASON_TITLES.items()],
        },
    )


def invitation_intro(event: CohortEvent, days: Sequence[CohortEventDay], tz: str) -> str:
    length = f" ({len(days)} days)" if len(days) > 1 else ""
    return (
        f"The programme coordinators invite you to {the_event(event)}{length}. Times are in "
        f"your time zone ({tz}). Please tell me whether you can come."
    )


def attended_card(event: CohortEvent, days: Sequence[CohortEventDay], tz: str) -> dict:
    return render_card(
        "event_attended",
        {
            "heading": f"Were you at {the_event(event)}?",
            "when": when_text(days, tz),
            "event_id": event.id,
        },
    )


def form_card(
    values: dict,
    *,
    heading: str,
    intro: str,
    submit_title: str,
    zone_name: str,
    graph_configured: bool,
    event_id: int | str = "",
    version: int | str = "",
    form_id: str = "",
) -> dict:
    """The create / change form, filled with `values` (the inputs' ids)."""
    link_note = (
        "Online without a link: when you save, I create a Teams meeting for each day in your "
        "Outlook calendar and send everyone its Join link."
        if graph_configured
        else "Online without a link: people see “online (no joining link yet)” until you "
        "paste one here."
    )
    days = [
        {
            "id": field,
            "label": "First day" if n == 0 else f"Day {n + 1} (if it runs over several days)",
            "required": n == 0,
            "value": values.get(field, ""),
        }
        for n, field in enumerate(DAY_FIELDS)
    ]
    return render_card(
        "event_form",
        {
            "heading": heading,
            "intro": intro,
            "kind": values.get("kind", EventKind.TRAINING.value),
            "kind_choices": [{"title": t, "value": k.value} for k, t in FORM_KIND_TITLES.items()],
            "title": values.get("title", ""),
            "days": days,
            "zone": zone_name,
            "start": values.get("start", "09:30"),
            "end": values.get("end", "16:30"),
            "place": values.get("place", ""),
            "online": values.get("online", "false"),
            "link": values.get("link", ""),
            "link_note": link_note,
            "audience": values.get("audience", Audience.BOTH.value),
            "audience_choices": [
                {"title": t, "value": a.value} for a, t in AUDIENCE_TITLES.items()
            ],
            "submit_title": submit_title,
            "event_id": event_id,
            "version": version,
            "form_id": form_id,
        },
    )


def form_values(event: CohortEvent, days: Sequence[CohortEventDay]) -> dict:
    """An event as its form's inputs (to change it)."""
    local = zone(event.time_zone)
    values = {
        "kind": event.kind,
        "title": event.title,
        "start": f"{days[0].starts_at.astimezone(local):%H:%M}" if days else "09:30",
        "end": f"{days[0].ends_at.astimezone(local):%H:%M}" if days else "16:30",
        "place": event.place or "",
        "online": "true" if event.online else "false",
        "link": event.link or "",
        "audience": event.audience,
    }
    for field, day in zip(DAY_FIELDS, local_dates(days, event.time_zone), strict=False):
        values[field] = day.isoformat()
    return values


def answers_line(rows: Sequence[CohortEventInvitation], ended: bool) -> str:
    """ "12 invited: 8 coming, 2 can't come, 2 not answered" (and attendance once over)."""
    if not rows:
        return "Nobody invited yet: no accepted participants for this audience."
    answers = Counter(row.answer for row in rows)
    line = (
        f"{len(rows)} invited: {answers[Answer.YES.value]} coming, "
        f"{answers[Answer.NO.value]} can't come, {answers[None]} not answered"
    )
    if ended:
        recorded = Counter(
            recorded_attendance(row.attendance, row.self_report, row.answer) for row in rows
        )
        line += (
            f" · attendance: {recorded[Attendance.ATTENDED]} attended, "
            f"{recorded[Attendance.PART]} part, {recorded[Attendance.ABSENT]} absent"
        )
        if recorded[None]:
            line += f", {recorded[None]} not recorded"
    return line


def list_card(
    heading: str,
    intro: str,
    events: Sequence[tuple[CohortEvent, list[CohortEventDay], list[CohortEventInvitation]]],
    now: datetime,
) -> dict:
    shown = []
    for event, days, rows in events:
        cancelled = event.status == EventStatus.CANCELLED.value
        started = bool(days) and days[0].starts_at <= now
        ended = bool(days) and days[-1].ends_at <= now
        shown.append(
            {
                "id": event.id,
                "title": f"#{event.id} {label(event)}" + (" — cancelled" if cancelled else ""),
                "when": when_text(days, event.time_zone),
                "where": where_text(event, days),
                "answers": f"{AUDIENCE_TITLES[Audience(event.audience)]}. "
                + answers_line(rows, ended),
                "changeable": not cancelled and not ended,
                "started": started and not cancelled,
            }
        )
    return render_card("event_list", {"heading": heading, "intro": intro, "events": shown})


def _said(row: CohortEventInvitation) -> str:
    if row.self_report:
        return {
            Attendance.ATTENDED: "told me they attended",
            Attendance.PART: "told me they were there for part of it",
            Attendance.ABSENT: "told me they couldn't be there",
        }[Attendance(row.self_report)]
    if row.answer == Answer.NO and row.reason:
        return f"said they couldn't come ({REASON_WORDS[Reason(row.reason)]})"
    return ""


def attendance_card(
    event: CohortEvent,
    days: Sequence[CohortEventDay],
    people: Sequence[tuple[CohortEventInvitation, Person, str | None]],
) -> dict:
    """The coordinators' register: everyone invited, grouped by their answer, each with what
    the card proposes (their own word, else their answer); a recorded mark shows as it is."""
    groups = {
        Answer.YES: ("Said they'd come", []),
        None: ("Didn't answer", []),
        Answer.NO: ("Said they couldn't come", []),
    }
    for row, person, organisation in people:
        detail = " · ".join(part for part in (row.role, organisation, _said(row)) if part)
        value = row.attendance or card_default(row.answer, row.self_report)
        groups[Answer(row.answer) if row.answer else None][1].append(
            {
                "name": person.display_name or "Someone",
                "detail": detail,
                "input_id": f"mark_{row.id}",
                "value": Attendance(value).value,
            }
        )
    return render_card(
        "event_attendance",
        {
            "heading": f"Attendance: {label(event)}",
            "when": f"{when_text(days, event.time_zone)} ({event.time_zone})",
            "intro": "Each person starts from what they told me (their answer to the "
            "invitation, or what they said afterwards). Change anyone who differs, then "
            "Record attendance: your record is the one kept. You can record again to correct it.",
            "groups": [
                {"title": title, "people": people} for title, people in groups.values() if people
            ],
            "event_id": event.id,
        },
    )
