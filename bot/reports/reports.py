"""The coordinators' `report` card (with its chart) and `export` of the programme records.

Numbers come from the store; what may be shown follows `domain.report_rules` (groups under 5
suppressed, survey results only from 5 answers). Charts and the CSV are served by the bot at
an unguessable link that expires (`store.shared_files`, `GET /files/{token}`).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlmodel import Session, select

from adaptive_cards import render_card
from bot.context import AppContext
from bot.reports.charts import sessions_chart
from domain.application_form import EQUALITY
from domain.application_review import funnel_counts
from domain.cadence import sessions_planned_by
from domain.escalations import PlacementStatus, title_of
from domain.local_time import format_local_date
from domain.report_rules import (
    MIN_GROUP,
    NOT_SHOWN,
    SMALL_GROUP,
    may_show,
    rate,
    shown,
    suppress_breakdown,
)
from domain.surveys import Survey, load_definitions, summarise
from store.applications import applications_with_people
from store.escalations import Escalation, Placement, ReleaseBlock
from store.models import (
    Application,
    CheckIn,
    EqualityMonitoring,
    MentoringSession,
    Pairing,
    PairingStatus,
    Person,
    Programme,
)
from store.programmes import current_programme
from store.shared_files import share_file
from store.surveys import anonymous_answers, invitations_of

CHECK_IN_WORDS = {"yes": "Yes", "not_really": "Not really", "need_help": "Need help"}
FUNNEL_STAGES = ("requested", "submitted", "shortlisted", "selected")
OFFERED = {PlacementStatus.HOST_AGREED, PlacementStatus.HOME_RELEASED, PlacementStatus.TAKEN_UP}
EXPORT_COLUMNS = (
    "application_id",
    "name",
    "role",
    "organisation",
    "status",
    "submitted_on",
    "manager_support",
    "manager_name",
    "manager_support_on",
    "offered_on",
    "offer_answered_on",
    "paired_with",
    "pairing_status",
    "paired_on",
    "sessions_planned",
    "sessions_achieved",
    "placements_requested",
    "placements_offered",
    "placements_taken_up",
    "placements_refused",
    "release_blocks",
    "escalations",
    "escalation_causes",
    "follow_up_outcomes",
)
FOLLOW_UP = "follow_up"
UNANSWERED = "Not answered"
EQUALITY_HEADINGS = {
    "ethnicity": "ethnic group",
    "gender": "gender",
    "disability": "disability",
    "age_band": "age",
}
EQUALITY_NOTE = (
    f"From the optional equality monitoring answers (trainees and mentors; applied = "
    f"submitted). Groups smaller than {MIN_GROUP} show as “{SMALL_GROUP}”; where only one "
    f"group would be hidden, the next smallest shows as “{NOT_SHOWN}” so it can't be worked "
    "out from the total."
)


def _fact(title: str, value) -> dict:
    return {"title": title, "value": str(value)}


def _day(at: datetime | None) -> str:
    return at.date().isoformat() if at else ""


@dataclass(frozen=True)
class Link:
    url: str
    expires_at: datetime


class ReportPart(Protocol):
    """What another feature adds: report sections, and export columns with each person's
    values (by person id)."""

    columns: tuple[str, ...]

    def sections(self, session: Session, programme: Programme, now: datetime) -> list[dict]: ...

    def values(self, session: Session, programme: Programme, now: datetime) -> dict[int, dict]: ...


class Reports:
    def __init__(self, ctx: AppContext, parts: Sequence[ReportPart] = ()) -> None:
        self.ctx = ctx
        self.parts = parts

    def _link(self, session: Session, filename: str, content_type: str, body: bytes) -> Link:
        now = self.ctx.clock.now()
        expires = now + timedelta(hours=self.ctx.settings.link_hours)
        row = share_file(
            session,
            filename=filename,
            content_type=content_type,
            body=body,
            now=now,
            expires_at=expires,
        )
        return Link(f"{self.ctx.settings.public_url.rstrip('/')}/files/{row.token}", expires)

    # --- report --------------------------------------------------------------------------

    def report_card(self) -> dict | str:
        now = self.ctx.clock.now()
        surveys = load_definitions(self.ctx.settings.surveys_dir)
        with self.ctx.session() as session:
            programme = current_programme(session, now)
            if programme is None:
                return "There is no programme yet, so there is nothing to report."
            pairings = _pairings(session, programme.id)
            months = _sessions_by_month(session, pairings, now)
            sections = [
                _funnel_section(session, programme.id),
                *_equality_sections(session, programme.id),
                _pairs_section(session, pairings, months),
                _check_in_section(session, pairings),
                *_survey_sections(session, programme.id, surveys),
            ]
            for part in self.parts:
                sections += part.sections(session, programme, now)
            data = {
                "title": f"Report: {programme.name}",
                "subtitle": f"As of {format_local_date(now, self.ctx.settings.default_time_zone)}"
                ". Groups smaller than 5 show as “fewer than 5”.",
                "sections": sections,
            }
            if months:
                link = self._link(session, "sessions.png", "image/png", sessions_chart(months))
                data["chart_url"] = link.url
                data["chart_alt"] = "Sessions achieved vs planned per programme month"
        return render_card("report", data)

    # --- export --------------------------------------------------------------------------

    def export_card(self) -> dict | str:
        now = self.ctx.clock.now()
        with self.ctx.session() as session:
            programme = current_programme(session, now)
            if programme is None:
                return "There is no programme yet, so there is nothing to export."
            rows = programme_records(session, programme, now, self.parts)
            columns = [*EXPORT_COLUMNS, *(c for part in self.parts for c in part.columns)]
            body = io.StringIO()
            writer = csv.DictWriter(body, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
            filename = f"programme-records-{now:%Y-%m-%d}.csv"
            link = self._link(session, filename, "text/csv", body.getvalue().encode("utf-8"))
        tz = self.ctx.settings.default_time_zone
        return render_card(
            "download",
            {
                "title": f"Programme records: {programme.name}",
                "text": f"{len(rows)} applications, one row each: application, manager support "
                "and permissions, pairing and sessions, placements, release blocks and "
                "escalations, follow-up outcomes, attendance at the programme's events. "
                "Anonymous survey answers are never in it. "
                f"The link works until {format_local_date(link.expires_at, tz)} and only for "
                "those who have it.",
                "filename": filename,
                "url": link.url,
            },
        )


def _pairings(session: Session, programme_id: int) -> list[Pairing]:
    return list(
        session.exec(
            select(Pairing).where(Pairing.programme_id == programme_id).order_by(Pairing.id)
        )
    )


def _held(session: Session, pairing_ids: list[int]) -> list[MentoringSession]:
    if not pairing_ids:
        return []
    return list(
        session.exec(
            select(MentoringSession).where(
                MentoringSession.pairing_id.in_(pairing_ids), MentoringSession.happened.is_(True)
            )
        )
    )


def _planned(pairing: Pairing, now: datetime) -> int:
    until = pairing.ended_at if pairing.ended_at and pairing.ended_at < now else now
    return sessions_planned_by(pairing.paired_at, until, pairing.length_months)


def _sessions_by_month(session: Session, pairings: list[Pairing], now: datetime):
    """(programme month, sessions planned, sessions achieved) across all pairings."""
    planned: Counter = Counter()
    for pairing in pairings:
        for month in range(1, _planned(pairing, now) + 1):
            planned[month] += 1
    achieved = Counter(row.month for row in _held(session, [p.id for p in pairings]))
    return [(m, planned[m], achieved[m]) for m in sorted(set(planned) | set(achieved))]


def _funnel_section(session: Session, programme_id: int) -> dict:
    by_organisation: dict[str, Counter] = {}
    for application, _person in applications_with_people(session, programme_id):
        name = application.organisation or "Not yet given"
        by_organisation.setdefault(name, Counter())[application.status] += 1
    stages = {name: funnel_counts(by_organisation[name]) for name in sorted(by_organisation)}
    visible = suppress_breakdown({name: counts["requested"] for name, counts in stages.items()})
    facts = [
        _fact(name, _stages_text(counts) if isinstance(visible[name], int) else visible[name])
        for name, counts in stages.items()
    ]
    facts.append(
        _fact("All", _stages_text(funnel_counts(sum(by_organisation.values(), Counter()))))
    )
    return {"heading": "Applications by organisation", "facts": facts}


def _stages_text(stages: dict[str, int]) -> str:
    return " → ".join(f"{stages[stage]} {stage}" for stage in FUNNEL_STAGES)


def _equality_sections(session: Session, programme_id: int) -> list[dict]:
    """Applications submitted and offers accepted by each equality monitoring question, from
    the answers kept apart from the applications; small groups suppressed (and protected
    from subtraction)."""
    rows = session.exec(
        select(Application.status, EqualityMonitoring.answers)
        .outerjoin(EqualityMonitoring, EqualityMonitoring.application_id == Application.id)
        .where(Application.programme_id == programme_id)
    ).all()
    sections = []
    for question in EQUALITY.questions:
        labels = dict(question.choices)
        groups: dict[str, Counter] = {label: Counter() for label in [*labels.values(), UNANSWERED]}
        for status, answers in rows:
            groups[labels.get((answers or {}).get(question.id), UNANSWERED)][status] += 1
        stages = {label: funnel_counts(statuses) for label, statuses in groups.items()}
        applied = suppress_breakdown({g: counts["submitted"] for g, counts in stages.items()})
        accepted = suppress_breakdown({g: counts["selected"] for g, counts in stages.items()})
        total = funnel_counts(sum(groups.values(), Counter()))
        facts = [_fact(g, f"applied: {applied[g]}, accepted: {accepted[g]}") for g in groups]
        facts.append(_fact("All", f"applied: {total['submitted']}, accepted: {total['selected']}"))
        heading = EQUALITY_HEADINGS.get(question.id, question.label)
        sections.append({"heading": f"Applications by {heading}", "facts": facts})
    sections[-1]["note"] = EQUALITY_NOTE
    return sections


def _stalled_pairings(session: Session, pairing_ids: list[int]) -> set[int]:
    if not pairing_ids:
        return set()
    rows = session.exec(
        select(Escalation.pairing_id).where(
            Escalation.pairing_id.in_(pairing_ids),
            Escalation.kind == "stalled",
            Escalation.status != "resolved",
        )
    )
    return set(rows.all())


def _pairs_section(session: Session, pairings: list[Pairing], months) -> dict:
    statuses = Counter(p.status for p in pairings)
    active = [p.id for p in pairings if p.status == PairingStatus.ACTIVE.value]
    planned = sum(m[1] for m in months)
    achieved = sum(m[2] for m in months)
    return {
        "heading": "Pairs and sessions",
        "facts": [
            _fact("Pairs active", statuses[PairingStatus.ACTIVE.value]),
            _fact("Pairs completed", statuses[PairingStatus.COMPLETED.value]),
            _fact("Pairs ended early", statuses[PairingStatus.DISSOLVED.value]),
            _fact("Sessions achieved vs planned", rate(achieved, planned)),
            _fact("Pairs stalled now", len(_stalled_pairings(session, active))),
        ],
    }


def _check_in_section(session: Session, pairings: list[Pairing]) -> dict:
    ids = [p.id for p in pairings]
    answers = (
        Counter(session.exec(select(CheckIn.answer).where(CheckIn.pairing_id.in_(ids))).all())
        if ids
        else Counter()
    )
    return {
        "heading": "Check-ins (is it running smoothly?)",
        "facts": [_fact(word, answers[key]) for key, word in CHECK_IN_WORDS.items()],
    }


def _survey_sections(session: Session, programme_id: int, surveys: dict[str, Survey]):
    invitations = invitations_of(session, programme_id)
    rates, results, outcomes = [], [], []
    for survey in surveys.values():
        asked = [i for i in invitations if i.survey_id == survey.id]
        answered = [i for i in asked if i.responded_at is not None]
        rates.append(_fact(survey.title, rate(len(answered), len(asked))))
        if survey.anonymous:
            answer_sets = anonymous_answers(session, programme_id, survey.id)
        else:
            answer_sets = [i.answers for i in answered if i.answers]
        if survey.id == FOLLOW_UP:
            outcomes += _follow_up_facts(survey, answered)
            continue
        if not may_show(len(answer_sets)):
            results.append(_fact(survey.title, f"{shown(len(answer_sets))} answers so far"))
            continue
        for item in summarise(survey, answer_sets):
            if item.mean is not None:
                results.append(_fact(f"{survey.title}: {item.text}", f"{item.mean} of 5"))
            elif item.counts:
                counts = ", ".join(f"{label} {n}" for label, n in item.counts.items())
                results.append(_fact(f"{survey.title}: {item.text}", counts))
    sections = [
        {"heading": "Survey response rates", "facts": rates},
        {
            "heading": "Survey results",
            "facts": results,
            "note": "Averages on a scale of 1 to 5; shown once at least 5 people have answered.",
        },
    ]
    if outcomes:
        sections.append({"heading": "Follow-up outcomes", "facts": outcomes})
    return sections


def _follow_up_facts(survey: Survey, answered) -> list[dict]:
    facts = []
    by_round: dict[str, list[dict]] = {}
    for row in answered:
        by_round.setdefault(row.round, []).append(row.answers or {})
    for round_name in sorted(by_round, key=lambda r: int(r.rstrip("m"))):
        answer_sets = by_round[round_name]
        title = f"After {round_name.rstrip('m')} months"
        if not may_show(len(answer_sets)):
            facts.append(_fact(title, f"{shown(len(answer_sets))} answers so far"))
            continue
        parts = []
        for item in summarise(survey, answer_sets):
            parts += [f"{label} {n}" for label, n in item.counts.items()]
        facts.append(_fact(f"{title} ({len(answer_sets)} answered)", ", ".join(parts)))
    return facts


# --- export --------------------------------------------------------------------------------


def programme_records(
    session: Session, programme: Programme, now: datetime, parts: Sequence[ReportPart] = ()
) -> list[dict]:
    """One row per application: the programme's records, never anonymous survey answers
    (with the columns `parts` add)."""
    more = [(part.columns, part.values(session, programme, now)) for part in parts]
    pairings = _pairings(session, programme.id)
    held = Counter(row.pairing_id for row in _held(session, [p.id for p in pairings]))
    placements = list(session.exec(select(Placement).where(Placement.programme_id == programme.id)))
    blocks = Counter(
        session.exec(
            select(ReleaseBlock.person_id).where(ReleaseBlock.programme_id == programme.id)
        ).all()
    )
    escalations = list(
        session.exec(select(Escalation).where(Escalation.programme_id == programme.id))
    )
    follow_ups: dict[int, list[str]] = {}
    for invitation in invitations_of(session, programme.id):
        if invitation.survey_id == FOLLOW_UP and invitation.answers:
            moves = invitation.answers.get("moves") or ["none"]
            follow_ups.setdefault(invitation.person_id, []).append(
                f"{invitation.round}: {' '.join(moves)}"
            )
    rows = []
    for application, person in applications_with_people(session, programme.id):
        mine = [p for p in pairings if person.id in (p.trainee_person_id, p.mentor_person_id)]
        pairing = mine[-1] if mine else None
        partner = None
        if pairing is not None:
            other = (
                pairing.mentor_person_id
                if pairing.trainee_person_id == person.id
                else pairing.trainee_person_id
            )
            partner = session.get(Person, other)
        their_placements = [p for p in placements if p.person_id == person.id]
        their_escalations = [
            e
            for e in escalations
            if e.person_id == person.id or (e.pairing_id and e.pairing_id in {p.id for p in mine})
        ]
        rows.append(
            {
                "application_id": application.id,
                "name": person.display_name or "",
                "role": application.role,
                "organisation": application.organisation or "",
                "status": application.status,
                "submitted_on": _day(application.submitted_at),
                "manager_support": application.manager_support or "",
                "manager_name": application.manager_name or "",
                "manager_support_on": application.manager_support_on or "",
                "offered_on": _day(application.offered_at),
                "offer_answered_on": _day(application.answered_offer_at),
                "paired_with": (partner.display_name or "") if partner else "",
                "pairing_status": pairing.status if pairing else "",
                "paired_on": _day(pairing.paired_at) if pairing else "",
                "sessions_planned": _planned(pairing, now) if pairing else "",
                "sessions_achieved": held[pairing.id] if pairing else "",
                "placements_requested": len(their_placements),
                "placements_offered": sum(1 for p in their_placements if p.status in OFFERED),
                "placements_taken_up": sum(
                    1 for p in their_placements if p.status == PlacementStatus.TAKEN_UP
                ),
                "placements_refused": sum(
                    1 for p in their_placements if p.status == PlacementStatus.REFUSED
                ),
                "release_blocks": blocks[person.id],
                "escalations": len(their_escalations),
                "escalation_causes": "; ".join(
                    f"{title_of(e.cause)} ({e.status})" for e in their_escalations
                ),
                "follow_up_outcomes": "; ".join(follow_ups.get(person.id, [])),
            }
        )
        for columns, values in more:
            mine = values.get(person.id, {})
            rows[-1] |= {column: mine.get(column, "") for column in columns}
    return rows
