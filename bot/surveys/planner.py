"""The sweep's survey rules: send each survey round to whom it is for, remind at most twice.

For every pairing (active or completed) whose moment has come and every survey definition,
`domain.surveys` says which rounds are due, and when the next one opens, reminds or closes;
each person in the survey's audience who has not answered gets the survey, then up to two
reminders a week apart, each with its own idempotency key (who, which survey, which pairing
and round, which sending), so each goes exactly once. Surveys are routine nudges: working
hours, one routine nudge a day, snooze.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlmodel import Session, select

from adaptive_cards import render_card
from bot.context import AppContext
from bot.outbox.planned import PLANNING_DRY_RUN, PlannedMessage, sweep_pass
from bot.teams import message_payload
from domain.cohort_events import training_ends_at
from domain.keys import nudge_key, read_pairing_nudge_key
from domain.surveys import (
    MAX_TEXT,
    PairingFacts,
    Survey,
    load_definitions,
    next_round_change,
    reminder_due,
    rounds_of,
)
from domain.text_limits import limit_words
from store.cohort_events import last_training_days
from store.db import chunked
from store.models import Pairing, PairingStatus, Programme, ProgrammeKind
from store.outbox import OutboxMessage
from store.pairings import sessions_of
from store.people import get_person
from store.surveys import (
    invitation,
    invitations_about,
    invite,
    subject_of,
)
from store.sweep_reads import pairings_with_people, sessions_by_pairing


def survey_card(survey: Survey, subject: str, sending: int = 0) -> dict:
    """The survey as a card: one tap for a single rating, else a short form."""
    questions = []
    for item in survey.items:
        for answer_id in item.answer_ids():
            label = item.text
            if item.kind == "text":
                label += f" ({limit_words(MAX_TEXT)})"
            if item.before_after:
                label += " — before the training" if answer_id.endswith("_before") else " — now"
            questions.append(
                {
                    "input_id": answer_id,
                    "label": label,
                    "is_choice": item.kind != "text",
                    "is_text": item.kind == "text",
                    "multiple": item.multiple,
                    "required": not item.optional,
                    "choices": [{"title": t, "value": v} for v, t in item.choices()],
                }
            )
    base = {"survey": survey.id, "subject": subject}
    data = {"title": survey.title, "intro": survey.intro, "reminder": sending > 0}
    if survey.one_tap:
        [item] = survey.items
        low, high = item.labels
        words = {1: low, 5: high}
        data["taps"] = [
            {"title": f"{n} {words.get(n, '')}".strip(), "data": base | {item.id: str(n)}}
            for n in range(1, 6)
        ]
    else:
        data |= {"questions": questions, "has_form": True, "submit": base}
    return render_card("survey", data)


def _facts(pairing, programme: Programme, sessions, last_training_day=None) -> PairingFacts:
    """The survey rules' facts about a pairing, from its row, programme and session rows, and
    the end of the programme's last training day (with its zone), if there is one."""
    return PairingFacts(
        paired_at=pairing.paired_at,
        length_months=pairing.length_months,
        sessions_logged={
            row.month: row.logged_at for row in sessions if row.happened and row.logged_at
        },
        training_ends_at=training_ends_at(programme.training_ends_at, last_training_day),
        promotion_support=programme.kind == ProgrammeKind.PROMOTION_SUPPORT.value,
        assessment_ends_at=programme.assessment_ends_at,
        results_at=programme.results_at,
    )


SURVEY, REMINDER = "survey", "survey_reminder"
SURVEY_KINDS = (SURVEY, REMINDER)
_KEY_KIND = "survey-"
_REMINDER_SUFFIX = re.compile(r"-r[0-9]+$")


def survey_key(aad: str, survey_id: str, pairing_id: int, round_name: str, sending: int) -> str:
    """The idempotency key of one sending (0: the survey, 1..2: reminders)."""
    period = round_name if sending == 0 else f"{round_name}-r{sending}"
    return nudge_key(aad, f"{_KEY_KIND}{survey_id}", period, pairing_id=pairing_id)


def _read_key(key: str) -> tuple[str, int, str] | None:
    """(survey id, pairing id, round) from a `survey_key`; None for any other key."""
    read = read_pairing_nudge_key(key)
    if read is None or not read[1].startswith(_KEY_KIND):
        return None
    _aad, kind, pairing_id, period = read
    return kind.removeprefix(_KEY_KIND), pairing_id, _REMINDER_SUFFIX.sub("", period)


def survey_still_wanted(ctx: AppContext, session: Session, row: OutboxMessage, now) -> bool:
    """At send time: not if the person has answered meanwhile or the round has closed (e.g.
    a promotion-support end survey once results are out). Unknown keys are sent."""
    read = _read_key(row.idempotency_key)
    person = get_person(session, row.recipient_aad_object_id or "")
    if read is None or person is None:
        return True
    survey_id, pairing_id, round_name = read
    asked = invitation(session, survey_id, subject_of(pairing_id, round_name), person.id)
    if asked is not None and asked.responded_at is not None:
        return False
    survey = load_definitions(ctx.settings.surveys_dir).get(survey_id)
    pairing = session.get(Pairing, pairing_id)
    if survey is None or pairing is None:
        return True
    programme = session.get(Programme, pairing.programme_id)
    training = last_training_days(session, [programme.id]).get(programme.id)
    facts = _facts(pairing, programme, sessions_of(session, pairing.id), training)
    rounds = {r.name: r for r in rounds_of(survey, facts)}
    round_ = rounds.get(round_name)
    return round_ is not None and now < round_.closes


def plan_surveys(ctx: AppContext, now: datetime) -> list[PlannedMessage]:
    """The survey sendings due at `now` to those who have not answered, over the pairings of
    this sweep's pass that are not dissolved (read in chunks), in pairing order."""
    surveys = load_definitions(ctx.settings.surveys_dir)
    messages: list[PlannedMessage] = []
    with ctx.session() as session:
        due = sweep_pass(session, now)
        programmes = {p.id: p for p in session.exec(select(Programme))}
        training = last_training_days(session, programmes)
        for chunk in chunked(due.ids):
            sessions = sessions_by_pairing(session, chunk)
            sendings = []
            for pairing, trainee, mentor in pairings_with_people(session, chunk):
                if pairing.status == PairingStatus.DISSOLVED.value:
                    due.look_again(pairing.id, None)
                    continue
                programme = programmes[pairing.programme_id]
                facts = _facts(
                    pairing, programme, sessions.get(pairing.id, ()), training.get(programme.id)
                )
                due.look_again(pairing.id, next_round_change(surveys.values(), facts, now))
                people = {"trainee": trainee, "mentor": mentor}
                for survey in surveys.values():
                    for round_ in rounds_of(survey, facts):
                        sending = reminder_due(survey, round_, now)
                        if sending is not None:
                            sendings.append((pairing, people, survey, round_, sending))
            asked = invitations_about(
                session, ((s.id, subject_of(p.id, r.name)) for p, _, s, r, _ in sendings)
            )
            for pairing, people, survey, round_, sending in sendings:
                subject = subject_of(pairing.id, round_.name)
                for role in survey.audience:
                    person = people[role]
                    known = (survey.id, subject, person.id)
                    if asked.get(known) is not None:
                        continue  # answered
                    if known not in asked:
                        invite(
                            session,
                            programme_id=pairing.programme_id,
                            survey_id=survey.id,
                            round_=round_.name,
                            subject=subject,
                            person_id=person.id,
                            role=role,
                            now=now,
                        )
                        asked[known] = None
                    messages.append(
                        PlannedMessage(
                            person.aad_object_id,
                            SURVEY if sending == 0 else REMINDER,
                            survey_key(
                                person.aad_object_id, survey.id, pairing.id, round_.name, sending
                            ),
                            payload=message_payload(cards=[survey_card(survey, subject, sending)]),
                            routine=True,
                        )
                    )
        if PLANNING_DRY_RUN.get():
            session.rollback()
    return messages
