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

from sqlalchemy import func
from sqlmodel import Session, select

from adaptive_cards import render_card
from bot.context import AppContext
from bot.reports.charts import sessions_chart
from domain.application_form import EQUALITY
from domain.application_review import describe, funnel_counts
from domain.cadence import sessions_planned_by
from domain.escalations import PlacementStatus, title_of
from domain.local_time import format_local_date, zone
from domain.report_rules import (
    MIN_GROUP,
    NOT_SHOWN,
    SMALL_GROUP,
    may_show,
    rate,
    shown,
    suppress_breakdown,
)
from domain.sessions import SessionCounts, facts_of, session_counts
from domain.surveys import ItemResult, Survey, load_definitions, round_title, summarise
from store.applications import applications_with_people, status_counts_by_organisation
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
from store.surveys import anonymous_answers, invitation_outcomes, invitations_of

CHECK_IN_WORDS = {"yes": "Yes", "not_really": "Not really", "need_help": "Need help"}
FUNNEL_STAGES = ("requested", "submitted", "shortlisted", "selected")
OFFERED = {PlacementStatus.HOST_AGREED, PlacementStatus.HOME_RELEASED, PlacementStatus.TAKEN_UP}
EXPORT_COLUMNS = (
    "Application",
    "Name",
    "Role",
    "Organisation",
    "Status",
    "Submitted on",
    "Line manager supports release",
    "Line manager",
    "Support recorded for",
    "Offered on",
    "Offer answered on",
    "Paired with",
    "Pairing",
    "Paired on",
    "Sessions planned so far",
    "Sessions held",
    "Sessions booked, not yet held",
    "Held: verified by Teams attendance",
    "Held: confirmed by both",
    "Held: reported by one",
    "Placements requested",
    "Placements offered",
    "Placements taken up",
    "Placements refused",
    "Release blocks",
    "Escalations",
    "Escalation causes",
    "Follow-up outcomes",
)
_SUPPORT_WORDS = {"yes": "yes", "no": "no", "pending": "being asked"}
_PAIRING_WORDS = {
    PairingStatus.ACTIVE.value: "going on",
    PairingStatus.COMPLETED.value: "finished",
    PairingStatus.DISSOLVED.value: "ended early",
}
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


def _day(at: datetime | None, tz: str) -> str:
    """The date in the coordinators' zone, as spreadsheets read it (2026-11-23)."""
    return at.astimezone(zone(tz)).date().isoformat() if at else ""


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
            pairings = programme_pairings(session, programme.id)
            months = sessions_by_month(session, pairings, now)
            sections = [
                _funnel_section(funnel_figures(session, programme.id)),
                *_equality_sections(equality_figures(session, programme.id)),
                _pairs_section(pairs_figures(session, pairings, months, now)),
                _check_in_section(check_in_figures(session, pairings)),
                *_survey_sections(survey_figures(session, programme.id, surveys)),
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
            rows = programme_records(
                session,
                programme,
                now,
                self.ctx.settings.default_time_zone,
                load_definitions(self.ctx.settings.surveys_dir).get(FOLLOW_UP),
                self.parts,
            )
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


def programme_pairings(session: Session, programme_id: int) -> list:
    """The programme's pairings, in order, as rows of what the report reads of them (id,
    people, status, start, end, length)."""
    return list(
        session.exec(
            select(
                Pairing.id,
                Pairing.trainee_person_id,
                Pairing.mentor_person_id,
                Pairing.status,
                Pairing.paired_at,
                Pairing.ended_at,
                Pairing.length_months,
            )
            .where(Pairing.programme_id == programme_id)
            .order_by(Pairing.id)
        )
    )


def _held(session: Session, pairing_ids: list[int]) -> list:
    """(pairing_id, month) of every session held."""
    if not pairing_ids:
        return []
    return list(
        session.exec(
            select(MentoringSession.pairing_id, MentoringSession.month).where(
                MentoringSession.pairing_id.in_(pairing_ids), MentoringSession.happened.is_(True)
            )
        )
    )


def session_counts_by_pairing(session: Session, pairings: list, now: datetime) -> dict:
    """Each pairing's sessions by state (planned, booked, held and how it is known)."""
    facts: dict[int, list] = {p.id: [] for p in pairings}
    if pairings:
        rows = session.exec(
            select(MentoringSession).where(MentoringSession.pairing_id.in_(list(facts)))
        )
        for row in rows:
            facts[row.pairing_id].append(facts_of(row))
    return {p.id: session_counts(_planned(p, now), facts[p.id]) for p in pairings}


def _planned(pairing, now: datetime) -> int:
    until = pairing.ended_at if pairing.ended_at and pairing.ended_at < now else now
    return sessions_planned_by(pairing.paired_at, until, pairing.length_months)


def sessions_by_month(session: Session, pairings: list, now: datetime):
    """(programme month, sessions planned, sessions achieved) across all pairings."""
    planned: Counter = Counter()
    for pairing in pairings:
        for month in range(1, _planned(pairing, now) + 1):
            planned[month] += 1
    ids = [p.id for p in pairings]
    achieved = Counter(
        dict(
            session.exec(
                select(MentoringSession.month, func.count())
                .where(MentoringSession.pairing_id.in_(ids), MentoringSession.happened.is_(True))
                .group_by(MentoringSession.month)
            ).all()
        )
        if ids
        else {}
    )
    return [(m, planned[m], achieved[m]) for m in sorted(set(planned) | set(achieved))]


# --- the report's figures: what the card shows, and the dashboard too ------------------------


@dataclass(frozen=True)
class Funnel:
    """Applications at each stage (`FUNNEL_STAGES`) by organisation, small ones suppressed:
    an organisation's value is its stage counts, or "fewer than 5" / "not shown"."""

    organisations: dict[str, dict[str, int] | str]
    all: dict[str, int]


def funnel_figures(session: Session, programme_id: int) -> Funnel:
    by_organisation = status_counts_by_organisation(session, programme_id)
    stages = {name: funnel_counts(by_organisation[name]) for name in sorted(by_organisation)}
    visible = suppress_breakdown({name: counts["requested"] for name, counts in stages.items()})
    return Funnel(
        organisations={
            name: counts if isinstance(visible[name], int) else visible[name]
            for name, counts in stages.items()
        },
        all=funnel_counts(sum(by_organisation.values(), Counter())),
    )


@dataclass(frozen=True)
class EqualityBreakdown:
    """One equality monitoring question: per answer group, applied (submitted) and accepted
    (selected), each a count or "fewer than 5" / "not shown"; and the totals."""

    question_id: str
    heading: str
    applied: dict[str, int | str]
    accepted: dict[str, int | str]
    applied_all: int
    accepted_all: int


def equality_figures(session: Session, programme_id: int) -> list[EqualityBreakdown]:
    """Applications submitted and offers accepted by each equality monitoring question, from
    the answers kept apart from the applications; small groups suppressed (and protected
    from subtraction)."""
    rows = session.exec(
        select(Application.status, EqualityMonitoring.answers)
        .outerjoin(EqualityMonitoring, EqualityMonitoring.application_id == Application.id)
        .where(Application.programme_id == programme_id)
    ).all()
    breakdowns = []
    for question in EQUALITY.questions:
        labels = dict(question.choices)
        groups: dict[str, Counter] = {label: Counter() for label in [*labels.values(), UNANSWERED]}
        for status, answers in rows:
            groups[labels.get((answers or {}).get(question.id), UNANSWERED)][status] += 1
        stages = {label: funnel_counts(statuses) for label, statuses in groups.items()}
        total = funnel_counts(sum(groups.values(), Counter()))
        breakdowns.append(
            EqualityBreakdown(
                question_id=question.id,
                heading=f"Applications by {EQUALITY_HEADINGS.get(question.id, question.label)}",
                applied=suppress_breakdown({g: c["submitted"] for g, c in stages.items()}),
                accepted=suppress_breakdown({g: c["selected"] for g, c in stages.items()}),
                applied_all=total["submitted"],
                accepted_all=total["selected"],
            )
        )
    return breakdowns


def stalled_pairings(session: Session, pairing_ids: list[int]) -> set[int]:
    """Those of the pairings with an unresolved "stalled" escalation."""
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


@dataclass(frozen=True)
class PairsFigures:
    active: int
    completed: int
    ended_early: int
    sessions_achieved: int
    sessions_planned: int
    stalled: int
    # Sessions by state: planned, booked, held (verified / confirmed / reported), disputed.
    sessions: SessionCounts


def pairs_figures(session: Session, pairings: list, months, now: datetime) -> PairsFigures:
    statuses = Counter(p.status for p in pairings)
    active = [p.id for p in pairings if p.status == PairingStatus.ACTIVE.value]
    return PairsFigures(
        active=statuses[PairingStatus.ACTIVE.value],
        completed=statuses[PairingStatus.COMPLETED.value],
        ended_early=statuses[PairingStatus.DISSOLVED.value],
        sessions_achieved=sum(m[2] for m in months),
        sessions_planned=sum(m[1] for m in months),
        stalled=len(stalled_pairings(session, active)),
        sessions=sum(session_counts_by_pairing(session, pairings, now).values(), SessionCounts()),
    )


def check_in_figures(session: Session, pairings: list) -> dict[str, int]:
    """How many check-in answers of each kind (`CHECK_IN_WORDS`' keys)."""
    ids = [p.id for p in pairings]
    answers = (
        dict(
            session.exec(
                select(CheckIn.answer, func.count())
                .where(CheckIn.pairing_id.in_(ids))
                .group_by(CheckIn.answer)
            ).all()
        )
        if ids
        else {}
    )
    return {key: answers.get(key, 0) for key in CHECK_IN_WORDS}


@dataclass(frozen=True)
class SurveyFigures:
    """One survey's response rate and, from `MIN_GROUP` answers, its results (`results` is
    None below that, and `answers` then reads "fewer than 5"). The follow-up's results are by
    round instead (`rounds`: title, answers, results or None)."""

    survey: Survey
    asked: int
    answered: int
    answers: int | str
    results: list[ItemResult] | None
    rounds: list[tuple[str, int | str, list[ItemResult] | None]]


def survey_figures(
    session: Session, programme_id: int, surveys: dict[str, Survey]
) -> list[SurveyFigures]:
    invitations: dict[str, list] = {}
    for row in invitation_outcomes(session, programme_id):
        invitations.setdefault(row.survey_id, []).append(row)
    figures = []
    for survey in surveys.values():
        asked = invitations.get(survey.id, [])
        answered = [i for i in asked if i.responded]
        if survey.anonymous:
            answer_sets = anonymous_answers(session, programme_id, survey.id)
        else:
            answer_sets = [i.answers for i in answered if i.answers]
        rounds = _follow_up_rounds(survey, answered) if survey.id == FOLLOW_UP else []
        figures.append(
            SurveyFigures(
                survey=survey,
                asked=len(asked),
                answered=len(answered),
                answers=shown(len(answer_sets)),
                results=summarise(survey, answer_sets) if may_show(len(answer_sets)) else None,
                rounds=rounds,
            )
        )
    return figures


def _follow_up_rounds(survey: Survey, answered) -> list:
    by_round: dict[str, list[dict]] = {}
    for row in answered:
        by_round.setdefault(row.round, []).append(row.answers or {})
    rounds = []
    for round_name in sorted(by_round, key=lambda r: int(r.rstrip("m"))):
        answer_sets = by_round[round_name]
        title = f"After {round_name.rstrip('m')} months"
        if not may_show(len(answer_sets)):
            rounds.append((title, shown(len(answer_sets)), None))
        else:
            rounds.append((title, len(answer_sets), summarise(survey, answer_sets)))
    return rounds


# --- the report card's sections ----------------------------------------------------------------


def _funnel_section(funnel: Funnel) -> dict:
    facts = [
        _fact(name, _stages_text(value) if isinstance(value, dict) else value)
        for name, value in funnel.organisations.items()
    ]
    facts.append(_fact("All", _stages_text(funnel.all)))
    return {"heading": "Applications by organisation", "facts": facts}


def _stages_text(stages: dict[str, int]) -> str:
    return " → ".join(f"{stages[stage]} {stage}" for stage in FUNNEL_STAGES)


def _equality_sections(breakdowns: list[EqualityBreakdown]) -> list[dict]:
    sections = []
    for breakdown in breakdowns:
        facts = [
            _fact(group, f"applied: {applied}, accepted: {breakdown.accepted[group]}")
            for group, applied in breakdown.applied.items()
        ]
        facts.append(
            _fact("All", f"applied: {breakdown.applied_all}, accepted: {breakdown.accepted_all}")
        )
        sections.append({"heading": breakdown.heading, "facts": facts})
    sections[-1]["note"] = EQUALITY_NOTE
    return sections


# How sessions stand, in the report's words, by the SessionCounts field that holds each.
SESSION_STATES = (
    ("booked", "Booked, not yet held"),
    ("verified", "Held: verified by Teams attendance"),
    ("confirmed", "Held: confirmed by both"),
    ("reported", "Held: reported by one"),
    ("disputed", "The two answers disagree"),
)


def _pairs_section(figures: PairsFigures) -> dict:
    return {
        "heading": "Pairs and sessions",
        "facts": [
            _fact("Pairs active", figures.active),
            _fact("Pairs completed", figures.completed),
            _fact("Pairs ended early", figures.ended_early),
            _fact(
                "Sessions achieved vs planned",
                rate(figures.sessions_achieved, figures.sessions_planned),
            ),
            _fact("Sessions planned so far", figures.sessions.planned),
            *(_fact(word, getattr(figures.sessions, name)) for name, word in SESSION_STATES),
            _fact("Pairs stalled now", figures.stalled),
        ],
    }


def _check_in_section(answers: dict[str, int]) -> dict:
    return {
        "heading": "Check-ins (is it running smoothly?)",
        "facts": [_fact(word, answers[key]) for key, word in CHECK_IN_WORDS.items()],
    }


def result_text(item: ItemResult) -> str | None:
    """A question's result as the report shows it: "4.2 of 5", or how many chose each."""
    if item.mean is not None:
        return f"{item.mean} of 5"
    if item.counts:
        return ", ".join(f"{label} {n}" for label, n in item.counts.items())
    return None


def _survey_sections(figures: list[SurveyFigures]) -> list[dict]:
    rates, results, outcomes = [], [], []
    for figure in figures:
        title = figure.survey.title
        rates.append(_fact(title, rate(figure.answered, figure.asked)))
        if figure.survey.id == FOLLOW_UP:
            outcomes += _follow_up_facts(figure.rounds)
            continue
        if figure.results is None:
            results.append(_fact(title, f"{figure.answers} answers so far"))
            continue
        for item in figure.results:
            text = result_text(item)
            if text is not None:
                results.append(_fact(f"{title}: {item.text}", text))
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


def _follow_up_facts(rounds) -> list[dict]:
    facts = []
    for title, answers, items in rounds:
        if items is None:
            facts.append(_fact(title, f"{answers} answers so far"))
            continue
        parts = [f"{label} {n}" for item in items for label, n in item.counts.items()]
        facts.append(_fact(f"{title} ({answers} answered)", ", ".join(parts)))
    return facts


# --- export --------------------------------------------------------------------------------


def programme_records(
    session: Session,
    programme: Programme,
    now: datetime,
    tz: str,
    follow_up: Survey | None = None,
    parts: Sequence[ReportPart] = (),
) -> list[dict]:
    """One row per application, in words: the programme's records, never anonymous survey
    answers; dates in the coordinators' zone `tz` (with the columns `parts` add)."""
    more = [(part.columns, part.values(session, programme, now)) for part in parts]
    pairings = programme_pairings(session, programme.id)
    held = Counter(row.pairing_id for row in _held(session, [p.id for p in pairings]))
    by_state = session_counts_by_pairing(session, pairings, now)
    placements = list(session.exec(select(Placement).where(Placement.programme_id == programme.id)))
    blocks = Counter(
        session.exec(
            select(ReleaseBlock.person_id).where(ReleaseBlock.programme_id == programme.id)
        ).all()
    )
    escalations = list(
        session.exec(select(Escalation).where(Escalation.programme_id == programme.id))
    )
    moves_item = next((i for i in follow_up.items if i.id == "moves"), None) if follow_up else None
    moved = dict(moves_item.choices()) if moves_item else {}
    follow_ups: dict[int, list[str]] = {}
    for invitation in invitations_of(session, programme.id):
        if invitation.survey_id == FOLLOW_UP and invitation.answers:
            moves = invitation.answers.get("moves") or []
            follow_ups.setdefault(invitation.person_id, []).append(
                f"{round_title(invitation.round)}: "
                + (", ".join(moved.get(m, m) for m in moves) or "none of these")
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
                "Application": application.id,
                "Name": person.display_name or "",
                "Role": application.role,
                "Organisation": application.organisation or "",
                "Status": describe(application.status),
                "Submitted on": _day(application.submitted_at, tz),
                "Line manager supports release": _SUPPORT_WORDS.get(
                    application.manager_support or "", ""
                ),
                "Line manager": application.manager_name or "",
                "Support recorded for": application.manager_support_on or "",
                "Offered on": _day(application.offered_at, tz),
                "Offer answered on": _day(application.answered_offer_at, tz),
                "Paired with": (partner.display_name or "") if partner else "",
                "Pairing": _PAIRING_WORDS.get(pairing.status, "") if pairing else "",
                "Paired on": _day(pairing.paired_at, tz) if pairing else "",
                "Sessions planned so far": _planned(pairing, now) if pairing else "",
                "Sessions held": held[pairing.id] if pairing else "",
                "Sessions booked, not yet held": by_state[pairing.id].booked if pairing else "",
                "Held: verified by Teams attendance": by_state[pairing.id].verified
                if pairing
                else "",
                "Held: confirmed by both": by_state[pairing.id].confirmed if pairing else "",
                "Held: reported by one": by_state[pairing.id].reported if pairing else "",
                "Placements requested": len(their_placements),
                "Placements offered": sum(1 for p in their_placements if p.status in OFFERED),
                "Placements taken up": sum(
                    1 for p in their_placements if p.status == PlacementStatus.TAKEN_UP
                ),
                "Placements refused": sum(
                    1 for p in their_placements if p.status == PlacementStatus.REFUSED
                ),
                "Release blocks": blocks[person.id],
                "Escalations": len(their_escalations),
                "Escalation causes": "; ".join(
                    f"{title_of(e.cause, paired=e.pairing_id is not None)} ({e.status})"
                    for e in their_escalations
                ),
                "Follow-up outcomes": "; ".join(follow_ups.get(person.id, [])),
            }
        )
        for columns, values in more:
            mine = values.get(person.id, {})
            rows[-1] |= {column: mine.get(column, "") for column in columns}
    return rows
