"""The dashboard page's data: one JSON document, read from the store in one transaction.

What the `report` card also shows comes from the same functions (`bot.reports`), so the two
cannot disagree. Every breakdown is suppressed here, on the server, by `domain.report_rules`:
a group too small to show arrives as "fewer than 5" (or "not shown", when it would let a
hidden one be worked out from the total), never as its number. Escalations carry the bot's
evidence only, never a participant's own words.

The pairs grid is compact (a few KB per hundred pairs): rows are arrays in the order of
`columns`; organisations and mentors are lists the rows point into; each pair's months are a
string, one letter per programme month (`month_states` maps letters to `MonthState`s). A
pair's health, as the sweep last worked it out (`store.health`), is in `health` by pair id as
{"colour": "red" | "amber" | "green", "reasons": [...]}; pairs without an entry are not known
yet.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from urllib.parse import quote, urlencode

from sqlalchemy import or_
from sqlmodel import Session, select

from bot.reports.reports import (
    CHECK_IN_WORDS,
    EQUALITY_NOTE,
    FOLLOW_UP,
    FUNNEL_STAGES,
    SESSION_STATES,
    ReportPart,
    check_in_figures,
    equality_figures,
    funnel_figures,
    pairs_figures,
    programme_pairings,
    result_text,
    sessions_by_month,
    survey_figures,
)
from bot.settings import Settings
from domain.authorisation import Action, Role, may
from domain.escalations import Status, open_for, title_of
from domain.keys import escalation_card_key as card_key
from domain.month_states import MonthFacts, MonthState, month_states
from domain.report_rules import MIN_GROUP, NOT_SHOWN, SMALL_GROUP, rate
from domain.surveys import ItemResult, load_definitions
from store.conversations import ref_by_conversation
from store.escalations import Escalation, unresolved
from store.health import health_of
from store.models import Application, MentoringSession, Pairing, Person, Programme
from store.outbox import OutboxMessage

MONTH_LETTERS = {
    MonthState.VERIFIED: "v",
    MonthState.HELD: "h",
    MonthState.BOOKED: "b",
    MonthState.MISSED: "m",
    MonthState.DUE: "d",
    MonthState.UPCOMING: "u",
    MonthState.ENDED: "x",
}
# What each part of the page needs the viewer to be allowed (`domain.authorisation`).
SECTIONS_BY_ACTION = {
    Action.READ_REPORTS: (
        "funnel",
        "sessions",
        "pairs_summary",
        "check_ins",
        "surveys",
        "equality",
        "more",
    ),
    Action.MANAGE_PAIRS: ("pairs",),
    Action.HANDLE_ESCALATIONS: ("escalations",),
}
PAIR_COLUMNS = ("id", "trainee", "organisation", "mentor", "status", "paired_on", "months")
TEAMS_MESSAGE_LINK = "https://teams.microsoft.com/l/message"


def may_see_dashboard(roles: Iterable[Role]) -> bool:
    return any(may(roles, action) for action in SECTIONS_BY_ACTION)


def dashboard_data(
    session: Session,
    settings: Settings,
    programme: Programme,
    now: datetime,
    roles: Iterable[Role],
    parts: Sequence[ReportPart] = (),
) -> dict:
    """Every section the viewer's roles allow (the others are null): the report's figures
    (`read_reports`, with the sections other features add to the report, `parts`, under
    "more"), the pairs grid (`manage_pairs`) and the open escalations
    (`handle_escalations`)."""
    pairings = programme_pairings(session, programme.id)
    data = {
        "programme": {
            "name": programme.name,
            "kind": programme.kind,
            "length_months": programme.length_months,
        },
        "as_of": now.isoformat(),
        "suppression": {"min_group": MIN_GROUP, "small": SMALL_GROUP, "not_shown": NOT_SHOWN},
        **dict.fromkeys(name for names in SECTIONS_BY_ACTION.values() for name in names),
    }
    if may(roles, Action.READ_REPORTS):
        months = sessions_by_month(session, pairings, now)
        pairs = pairs_figures(session, pairings, months, now)
        check_ins = check_in_figures(session, pairings)
        data["funnel"] = _funnel(session, programme.id)
        data["sessions"] = {
            "months": [list(month) for month in months],
            "planned": pairs.sessions_planned,
            "achieved": pairs.sessions_achieved,
            "rate": rate(pairs.sessions_achieved, pairs.sessions_planned),
            "so_far": pairs.sessions.planned,
            "states": [[word, getattr(pairs.sessions, name)] for name, word in SESSION_STATES],
        }
        data["pairs_summary"] = {
            "active": pairs.active,
            "completed": pairs.completed,
            "ended_early": pairs.ended_early,
            "stalled": pairs.stalled,
        }
        data["check_ins"] = [[word, check_ins[key]] for key, word in CHECK_IN_WORDS.items()]
        data["surveys"] = _surveys(session, settings, programme.id)
        data["equality"] = _equality(session, programme.id)
        data["more"] = [
            {"heading": section["heading"], "facts": section["facts"], "note": section.get("note")}
            for part in parts
            for section in part.sections(session, programme, now)
        ]
    if may(roles, Action.MANAGE_PAIRS):
        data["pairs"] = _pairs_grid(session, programme, pairings, now)
    if may(roles, Action.HANDLE_ESCALATIONS):
        data["escalations"] = _escalations(session, programme, pairings, now)
    return data


def _funnel(session: Session, programme_id: int) -> dict:
    funnel = funnel_figures(session, programme_id)
    organisations = []
    for name, value in funnel.organisations.items():
        if isinstance(value, dict):
            organisations.append({"name": name, "counts": [value[s] for s in FUNNEL_STAGES]})
        else:
            organisations.append({"name": name, "hidden": value})
    return {
        "stages": list(FUNNEL_STAGES),
        "organisations": organisations,
        "all": [funnel.all[stage] for stage in FUNNEL_STAGES],
    }


def _pairs_grid(
    session: Session, programme: Programme, pairings: list[Pairing], now: datetime
) -> dict:
    in_programme = Pairing.programme_id == programme.id
    names = dict(
        session.exec(
            select(Person.id, Person.display_name).where(
                or_(
                    Person.id.in_(select(Pairing.trainee_person_id).where(in_programme)),
                    Person.id.in_(select(Pairing.mentor_person_id).where(in_programme)),
                )
            )
        ).all()
    )
    organisation_of = dict(
        session.exec(
            select(Application.person_id, Application.organisation).where(
                Application.programme_id == programme.id
            )
        ).all()
    )
    facts: dict[int, dict[int, MonthFacts]] = defaultdict(dict)
    rows = session.exec(
        select(
            MentoringSession.pairing_id,
            MentoringSession.month,
            MentoringSession.happened,
            MentoringSession.booking,
        )
        .join(Pairing, Pairing.id == MentoringSession.pairing_id)
        .where(in_programme)
    )
    for pairing_id, month, happened, booking in rows:
        facts[pairing_id][month] = MonthFacts(held=happened is True, booked=booking == "booked")

    organisations: dict[str, int] = {}
    mentors: dict[int, int] = {}
    mentor_list: list[list] = []

    def organisation_index(person_id: int) -> int | None:
        name = organisation_of.get(person_id)
        return organisations.setdefault(name, len(organisations)) if name else None

    grid = []
    for pairing in pairings:
        mentor = pairing.mentor_person_id
        if mentor not in mentors:
            mentors[mentor] = len(mentor_list)
            mentor_list.append([names.get(mentor) or "?", organisation_index(mentor)])
        states = month_states(
            pairing.paired_at, pairing.length_months, now, facts[pairing.id], pairing.ended_at
        )
        grid.append(
            [
                pairing.id,
                names.get(pairing.trainee_person_id) or "?",
                organisation_index(pairing.trainee_person_id),
                mentors[mentor],
                pairing.status,
                pairing.paired_at.date().isoformat(),
                "".join(MONTH_LETTERS[state] for state in states),
            ]
        )
    return {
        "month_states": {letter: state.value for state, letter in MONTH_LETTERS.items()},
        "organisations": list(organisations),
        "mentors": mentor_list,
        "columns": list(PAIR_COLUMNS),
        "rows": grid,
        "health": {
            str(pairing_id): {"colour": row.colour, "reasons": list(row.reasons)}
            for pairing_id, row in health_of(session, (p.id for p in pairings)).items()
        },
    }


def message_link(conversation_id: str, message_id: str, tenant_id: str | None) -> str:
    """A Teams deep link that opens a channel post (the bot's card) in its conversation."""
    channel = conversation_id.split(";")[0]
    query = {"parentMessageId": message_id}
    if tenant_id:
        query["tenantId"] = tenant_id
    return f"{TEAMS_MESSAGE_LINK}/{quote(channel, safe=':@.')}/{message_id}?{urlencode(query)}"


def _escalations(
    session: Session, programme: Programme, pairings: list[Pairing], now: datetime
) -> list[dict]:
    escalations: list[Escalation] = unresolved(session, programme.id)
    if not escalations:
        return []
    by_id = {pairing.id: pairing for pairing in pairings}
    person_ids = {e.person_id for e in escalations if e.person_id}
    for escalation in escalations:
        pairing = by_id.get(escalation.pairing_id)
        if pairing is not None:
            person_ids |= {pairing.trainee_person_id, pairing.mentor_person_id}
    names = dict(
        session.exec(select(Person.id, Person.display_name).where(Person.id.in_(person_ids))).all()
    )
    actors = {e.assigned_to for e in escalations} | {e.acknowledged_by for e in escalations}
    actor_names = dict(
        session.exec(
            select(Person.aad_object_id, Person.display_name).where(
                Person.aad_object_id.in_(actors - {None})
            )
        ).all()
    )
    posts = dict(
        session.exec(
            select(OutboxMessage.idempotency_key, OutboxMessage.activity_id).where(
                OutboxMessage.idempotency_key.in_([card_key(e.id) for e in escalations])
            )
        ).all()
    )
    channel = programme.coordinator_conversation_id
    channel_ref = ref_by_conversation(session, channel) if channel else None
    tenant = channel_ref.tenant_id if channel_ref else None

    def actor(aad: str | None) -> str | None:
        return (actor_names.get(aad) or "a coordinator") if aad else None

    listed = []
    for escalation in escalations:
        pairing = by_id.get(escalation.pairing_id)
        if pairing is not None:
            who = " ↔ ".join(
                names.get(p) or "?" for p in (pairing.trainee_person_id, pairing.mentor_person_id)
            )
        else:
            who = names.get(escalation.person_id) or "—"
        acknowledged = escalation.status == Status.ACKNOWLEDGED.value
        message_id = posts.get(card_key(escalation.id))
        listed.append(
            {
                "id": escalation.id,
                "title": title_of(escalation.cause),
                "who": who,
                "pair_id": escalation.pairing_id,
                "opened_at": escalation.opened_at.isoformat(),
                "age": open_for(now - escalation.opened_at),
                "acknowledged_by": actor(escalation.acknowledged_by) if acknowledged else None,
                "assigned_to": actor(escalation.assigned_to),
                "latest": escalation.evidence[-1].get("text", "") if escalation.evidence else "",
                "link": message_link(channel, message_id, tenant)
                if channel and message_id
                else None,
            }
        )
    return listed


def _results(items: list[ItemResult] | None) -> list[dict] | None:
    if items is None:
        return None
    results = []
    for item in items:
        if item.mean is not None:
            results.append({"text": item.text, "mean": item.mean, "shown": result_text(item)})
        elif item.counts:
            results.append(
                {"text": item.text, "counts": list(item.counts.items()), "shown": result_text(item)}
            )
    return results


def _surveys(session: Session, settings: Settings, programme_id: int) -> list[dict]:
    figures = survey_figures(session, programme_id, load_definitions(settings.surveys_dir))
    surveys = []
    for figure in figures:
        entry = {
            "id": figure.survey.id,
            "title": figure.survey.title,
            "asked": figure.asked,
            "answered": figure.answered,
            "rate": rate(figure.answered, figure.asked),
            "answers": figure.answers,
        }
        if figure.survey.id == FOLLOW_UP:
            entry["rounds"] = [
                {"title": title, "answers": answers, "results": _results(items)}
                for title, answers, items in figure.rounds
            ]
        else:
            entry["results"] = _results(figure.results)
        surveys.append(entry)
    return surveys


def _equality(session: Session, programme_id: int) -> dict:
    return {
        "questions": [
            {
                "id": breakdown.question_id,
                "heading": breakdown.heading,
                "groups": [
                    [group, applied, breakdown.accepted[group]]
                    for group, applied in breakdown.applied.items()
                ],
                "all": [breakdown.applied_all, breakdown.accepted_all],
            }
            for breakdown in equality_figures(session, programme_id)
        ],
        "note": EQUALITY_NOTE,
    }
