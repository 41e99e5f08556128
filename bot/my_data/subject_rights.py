"""`my data` (everything stored about the person, in words) and `delete my data`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from sqlalchemy import or_
from sqlmodel import Session, select

from adaptive_cards import render_card
from adaptive_cards.application_cards import answer_sections
from bot.context import AppContext
from bot.events import PairingEnded
from bot.features import Events
from bot.surveys.mentor_feedback import feedback_lines
from bot.teams import Turn
from domain.application_review import describe
from domain.escalations import (
    CAUSE_TITLES,
    PLACEMENT_KINDS,
    PLACEMENT_STATUS_TITLES,
    RELEASE_BY_YOURS,
    RELEASE_FOR,
    STATUS_WORDS,
    Cause,
    PlacementStatus,
    Status,
)
from domain.local_time import format_local_date, format_local_datetime, parse_date
from domain.managers import YOUR_ANSWER_WORDS, Answer
from domain.sessions import ANSWER_WORDS
from domain.sessions import Answer as SessionAnswer
from domain.stall_rules import CHECK_IN_ANSWERS
from domain.surveys import Survey, answers_in_words, load_definitions, round_title
from store.erasure import erase_person
from store.escalations import Escalation, Placement, ReleaseBlock, RepairRequest
from store.managers import requests_about, requests_to
from store.models import (
    ActionStep,
    Application,
    CheckIn,
    ConversationRef,
    EqualityMonitoring,
    Pairing,
    PairingStatus,
    Person,
    Programme,
)
from store.outbox import OutboxStatus, by_key
from store.pairings import active_pairings_of, sessions_of
from store.pauses import periods_of
from store.people import get_person, roles_of
from store.re_engagements import re_engagements_of
from store.surveys import SurveyInvitation

log = logging.getLogger(__name__)

_ROLE_WORDS = {"coordinator": "programme coordinator", "champion": "programme champion"}
_SUPPORT_WORDS = {
    "yes": "supports your release",
    "no": "does not support your release",
    "pending": "being asked",
}
_INTERVIEW_WORDS = {"passed": "passed", "not_passed": "not passed"}

# What another feature holds about a person, as readable lines: (session, person, zone) -> lines.
DataSection = Callable[[Session, Person, str], list[str]]


def _quoted(text: str | None) -> str:
    return f" — “{text}”" if text else ""


def _session_lines(session: Session, pairing: Pairing, person: Person, tz: str) -> list[str]:
    """Each month's session: when it was booked and what the person said about it (never what
    the other person said)."""
    lines = []
    for row in sessions_of(session, pairing.id):
        mine = row.trainee_answer if person.id == pairing.trainee_person_id else row.mentor_answer
        facts = []
        if row.booking == "booked" and row.booked_for is not None:
            facts.append(f"booked for {format_local_datetime(row.booked_for, tz)}")
        if row.held_as == "verified":
            facts.append("held, seen in the Teams meeting's attendance")
        if mine is not None:
            facts.append(f"you said: {ANSWER_WORDS[SessionAnswer(mine)]}")
        if facts:
            lines.append(f"- Month {row.month} session: {'; '.join(facts)}")
    return lines


def _about_you(session: Session, person: Person, day) -> list[str]:
    lines = [
        "**What Step Forward holds about you**",
        "",
        f"- Name: {person.display_name or '—'}",
        f"- Your Microsoft Teams account id: {person.aad_object_id}",
        f"- Time zone: {person.time_zone or 'not known yet'}",
        f"- First talked to me: {day(person.created_at)}",
    ]
    roles = sorted(roles_of(session, person.aad_object_id))
    if roles:
        lines.append(f"- Roles: {', '.join(_ROLE_WORDS.get(r, r) for r in roles)}")
    chats = session.exec(
        select(ConversationRef.id).where(ConversationRef.aad_object_id == person.aad_object_id)
    ).all()
    lines.append(f"- Chats I can reach you in: {len(chats)}")
    return lines


def _applications(session: Session, person: Person, day) -> list[list[str]]:
    sections = []
    # Line managers asked in Teams appear only as having been asked, and when.
    asked = requests_about(session, person.id)
    asked_about = {request.application_id: request for request in asked}
    for application in session.exec(select(Application).where(Application.person_id == person.id)):
        programme = session.get(Programme, application.programme_id)
        kind = programme.kind if programme else "mentoring"
        lines = [
            f"**Your application to {programme.name if programme else 'a programme'}** "
            f"(as a {application.role})",
            f"- Status: {describe(application.status)}",
        ]
        if application.submitted_at:
            lines.append(f"- Submitted: {day(application.submitted_at)}")
        if application.consent_at:
            lines.append(f"- Privacy notice agreed: {day(application.consent_at)}")
        equality = session.exec(
            select(EqualityMonitoring).where(EqualityMonitoring.application_id == application.id)
        ).first()
        for shown in answer_sections(
            application.role, application.answers, equality.answers if equality else None, kind
        ):
            if shown["id"] == "equality" and equality is None:
                lines.append("- Equality monitoring questions: not answered")
            elif shown["id"] == "equality":
                lines.append("- Equality monitoring answers (kept apart from your application):")
                lines += [f"  - {f['title']}: {f['value']}" for f in shown["facts"]]
            else:
                lines += [f"- {f['title']}: {f['value']}" for f in shown["facts"]]
        request = asked_about.get(application.id)
        if request is not None and request.asked_at is not None:
            lines.append(f"- Your line manager was asked on {day(request.asked_at)}")
        elif application.manager_support:
            support = _SUPPORT_WORDS.get(application.manager_support, "recorded")
            named = application.manager_name or "not named"
            on = parse_date(application.manager_support_on or "")
            when = f", recorded for {on.day} {on:%B %Y}" if on else ""
            lines.append(f"- Your line manager ({named}): {support}{when}")
        if application.interview_outcome:
            outcome = _INTERVIEW_WORDS.get(application.interview_outcome, "recorded")
            lines.append(f"- Interview: {outcome}")
        if application.rejection_reason:
            lines.append(f"- Reason given for the decision: {application.rejection_reason}")
        sections.append(lines)
    answered = [
        f"- As a line manager: asked about {report.display_name if report else '—'} on "
        f"{day(request.asked_at)}; your answer: "
        + (YOUR_ANSWER_WORDS[Answer(request.answer)] if request.answer else "no answer")
        + (f" — “{request.reason}”" if request.reason else "")
        for request in requests_to(session, person.aad_object_id)
        for report in [session.get(Person, request.person_id)]
    ]
    if answered:
        sections.append(["**What you were asked as a line manager**", *answered])
    return sections


_RE_ENGAGEMENT_OUTCOMES = {
    OutboxStatus.SENT.value: "sent",
    OutboxStatus.CANCELLED.value: "not sent in the end (things were back on track first)",
    OutboxStatus.PENDING.value: "waiting for your working hours",
}


def _re_engagement_lines(session: Session, pairing: Pairing, person: Person, day) -> list[str]:
    """The messages offering help when the pairing had gone quiet (`bot.health`)."""
    lines = []
    for row in re_engagements_of(session, person.id):
        if row.pairing_id != pairing.id:
            continue
        message = by_key(session, row.outbox_key)
        outcome = _RE_ENGAGEMENT_OUTCOMES.get(message.status if message else "", "not delivered")
        lines.append(
            f"- {day(row.decided_at)}: a message offering help to get your sessions going "
            f"again (book a session, ask for help, pause): {outcome}"
        )
    return lines


def _pairings(session: Session, person: Person, day, tz: str) -> list[list[str]]:
    sections = []
    pairings = session.exec(
        select(Pairing).where(
            or_(Pairing.trainee_person_id == person.id, Pairing.mentor_person_id == person.id)
        )
    ).all()
    for pairing in pairings:
        is_trainee = pairing.trainee_person_id == person.id
        other = session.get(
            Person, pairing.mentor_person_id if is_trainee else pairing.trainee_person_id
        )
        state = {
            PairingStatus.ACTIVE.value: "going on",
            PairingStatus.COMPLETED.value: f"finished {day(pairing.ended_at)}",
            PairingStatus.DISSOLVED.value: f"ended early, {day(pairing.ended_at)}",
        }.get(pairing.status, "ended")
        lines = [
            f"**Your pairing with {other.display_name if other else 'someone'}** "
            f"(your {'mentor' if is_trainee else 'mentee'})",
            f"- Paired on {day(pairing.paired_at)}; {state}",
        ]
        lines += _session_lines(session, pairing, person, tz)
        lines += _re_engagement_lines(session, pairing, person, day)
        sections.append(lines)
    return sections


def _said_and_done(session: Session, person: Person, day) -> list[str]:
    """Check-ins, the action plan, placements and what reached the coordinators."""
    lines = []
    for check_in in session.exec(select(CheckIn).where(CheckIn.person_id == person.id)):
        answer = CHECK_IN_ANSWERS.get(check_in.answer, check_in.answer)
        lines.append(f"- Check-in at week {check_in.week}: {answer}{_quoted(check_in.comment)}")
    for pause in periods_of(session, person.id):
        lines.append(
            f"- You paused routine reminders from {day(pause.starts_at)} to {day(pause.ends_at)}"
        )
    for step in session.exec(select(ActionStep).where(ActionStep.person_id == person.id)):
        lines.append(f"- Action plan step: {step.text}{' (done)' if step.done_at else ''}")
    for placement in session.exec(select(Placement).where(Placement.person_id == person.id)):
        status = PlacementStatus(placement.status)
        refused_by = (
            f" by {RELEASE_BY_YOURS[placement.refused_by]}"
            if status == PlacementStatus.REFUSED and placement.refused_by in RELEASE_BY_YOURS
            else ""
        )
        lines.append(
            f"- {PLACEMENT_KINDS.get(placement.kind, 'Placement')} with {placement.host}: "
            f"{PLACEMENT_STATUS_TITLES[status]}{refused_by} (since {day(placement.updated_at)})"
            + _quoted(placement.details)
        )
    for block in session.exec(select(ReleaseBlock).where(ReleaseBlock.person_id == person.id)):
        lines.append(
            f"- {day(block.reported_at)}: you reported you were not released for "
            f"{RELEASE_FOR.get(block.released_for, 'something')} by "
            f"{RELEASE_BY_YOURS.get(block.blocked_by, 'someone')}" + _quoted(block.details)
        )
    for request in session.exec(select(RepairRequest).where(RepairRequest.person_id == person.id)):
        lines.append(
            f"- {day(request.requested_at)}: you asked to be re-paired" + _quoted(request.reason)
        )
    for escalation in session.exec(select(Escalation).where(Escalation.person_id == person.id)):
        said = [
            item.get("private")
            for item in escalation.evidence
            if item.get("by") == person.aad_object_id and item.get("private")
        ]
        status = STATUS_WORDS.get(Status(escalation.status), escalation.status)
        lines.append(
            f"- {day(escalation.opened_at)}, raised with the programme coordinators: "
            f"{CAUSE_TITLES[Cause(escalation.cause)]} ({status})"
            + (f" — you said: {' / '.join(f'“{s}”' for s in said)}" if said else "")
        )
    return lines


def _surveys(session: Session, person: Person, day, surveys: dict[str, Survey]) -> list[str]:
    invitations = session.exec(
        select(SurveyInvitation).where(SurveyInvitation.person_id == person.id)
    ).all()
    if not invitations:
        return []
    lines = ["**Surveys**"]
    for invitation in invitations:
        survey = surveys.get(invitation.survey_id)
        title = survey.title if survey else "A survey"
        answered = (
            f"answered {day(invitation.responded_at)}"
            if invitation.responded_at
            else "not answered"
        )
        lines.append(f"- {title} ({round_title(invitation.round)}): {answered}")
        if invitation.answers and survey is not None:
            lines += [
                f"  - {question}: {answer}"
                for question, answer in answers_in_words(survey, invitation.answers)
            ]
    return lines


def data_sections(
    session: Session, person: Person, tz: str, surveys: dict[str, Survey]
) -> list[list[str]]:
    """Everything stored about the person, in sections of readable lines; the first section
    (who they are and where the bot can reach them) is always there."""

    def day(at):
        return format_local_date(at, tz) if at else "—"

    sections = [_about_you(session, person, day)]
    sections += _applications(session, person, day)
    sections += _pairings(session, person, day, tz)
    said = _said_and_done(session, person, day)
    if said:
        sections.append(["**What you told me**", *said])
    answered = _surveys(session, person, day, surveys)
    if answered:
        sections.append(answered)
    feedback = feedback_lines(session, person, surveys)
    if feedback:
        sections.append(feedback)
    return sections


def data_lines(
    session: Session,
    person: Person,
    tz: str,
    surveys: dict[str, Survey],
    sections: Sequence[DataSection] = (),
) -> list[str]:
    """Everything stored about the person, one readable line per fact (with what the other
    features' `sections` hold)."""
    lines: list[str] = []
    for section in data_sections(session, person, tz, surveys):
        lines += [*section, ""]
    for section in sections:
        more = section(session, person, tz)
        if more:
            lines += [*more, ""]
    lines.append(
        "Answers to anonymous surveys are stored with nothing that links them to you, so they "
        "cannot be shown here (or picked out to delete). Type **delete my data** to have "
        "your data deleted."
    )
    return lines


class MyData:
    def __init__(
        self, ctx: AppContext, events: Events, sections: Sequence[DataSection] = ()
    ) -> None:
        self.ctx = ctx
        # Told of each pairing that ends because the person left.
        self.events = events
        self.sections = sections

    async def show(self, turn: Turn) -> None:
        aad = turn.sender.aad_object_id or ""
        async with self.ctx.session_then_reply(turn) as (session, replies):
            person = get_person(session, aad)
            if person is None:
                replies.append("I hold nothing about you.")
                return
            tz = person.time_zone or self.ctx.settings.default_time_zone
            surveys = load_definitions(self.ctx.settings.surveys_dir)
            lines = data_lines(session, person, tz, surveys, self.sections)
        await turn.send_paged("\n".join(lines))

    async def ask_to_delete(self, turn: Turn) -> None:
        await turn.send(render_card("delete_my_data"))

    async def answer(self, turn: Turn, value: dict) -> None:
        if value.get("my_data") != "delete_confirmed":
            await turn.send(self._kept(turn.sender.aad_object_id or ""))
            return
        aad = turn.sender.aad_object_id or ""
        ended: list[int] = []
        with self.ctx.session() as session:
            person = get_person(session, aad)
            if person is not None:
                ended = [pairing.id for pairing in active_pairings_of(session, person.id)]
                erase_person(session, person, self.ctx.clock.now())
                log.info("person erased person_id=%s", person.id)
        await turn.send(
            "Done: your data has been deleted. Only counts that cannot identify you remain. "
            "If you message me again, I will start afresh."
        )
        for pairing_id in ended:
            # They left: their partner gets a closing card, the coordinators hear of it.
            await self.events.publish(PairingEnded(turn, pairing_id, False, None))

    def _kept(self, aad: str) -> str:
        """“Keep it”, answered from what is held now (the card may predate a deletion)."""
        with self.ctx.session() as session:
            person = get_person(session, aad)
            tz = self.ctx.settings.default_time_zone
            held = person is not None and len(data_sections(session, person, tz, {})) > 1
        if held:
            return (
                "OK — nothing was deleted: your data is kept. Type **delete my data** if you "
                "change your mind."
            )
        return (
            "I hold nothing about you now apart from your name and this chat, which I need to "
            "answer you. Type **my data** to see it, or **delete my data** to remove it."
        )
