"""`my data` (everything stored about the person, readable) and `delete my data`."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence

from sqlalchemy import or_
from sqlmodel import Session, select

from adaptive_cards import render_card
from bot.context import AppContext
from bot.surveys.mentor_feedback import feedback_lines
from bot.teams import Turn
from domain.local_time import format_local_date
from domain.surveys import Survey, load_definitions
from store.erasure import erase_person
from store.escalations import Escalation, Placement, ReleaseBlock, RepairRequest
from store.models import (
    ActionStep,
    Application,
    CheckIn,
    ConversationRef,
    EqualityMonitoring,
    Pairing,
    Person,
)
from store.people import get_person, roles_of
from store.surveys import SurveyInvitation

log = logging.getLogger(__name__)

# What another feature holds about a person, as readable lines: (session, person, zone) -> lines.
DataSection = Callable[[Session, Person, str], list[str]]


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def data_lines(
    session: Session,
    person: Person,
    tz: str,
    surveys: dict[str, Survey],
    sections: Sequence[DataSection] = (),
) -> list[str]:
    """Everything stored about the person, one readable line per fact."""

    def day(at):
        return format_local_date(at, tz) if at else "—"

    lines = [
        "**What Step Forward holds about you**",
        "",
        f"- Name: {person.display_name or '—'}; Teams id: {person.aad_object_id}; "
        f"time zone: {person.time_zone or '—'}; first seen {day(person.created_at)}",
    ]
    roles = sorted(roles_of(session, person.aad_object_id))
    if roles:
        lines.append(f"- Roles: {', '.join(roles)}")
    chats = session.exec(
        select(ConversationRef).where(ConversationRef.aad_object_id == person.aad_object_id)
    ).all()
    lines.append(f"- Chats the bot can reach you in: {len(chats)}")
    for application in session.exec(select(Application).where(Application.person_id == person.id)):
        lines += [
            "",
            f"**Application #{application.id}** ({application.role}, {application.status})",
            f"- Organisation: {application.organisation or '—'}; submitted "
            f"{day(application.submitted_at)}; consent given {day(application.consent_at)}",
            f"- Your answers: {_json(application.answers)}",
            f"- Line manager support: {application.manager_support or '—'}"
            f" ({application.manager_name or 'manager not named'})",
        ]
        if application.rejection_reason:
            lines.append(f"- Reason given for the decision: {application.rejection_reason}")
        equality = session.exec(
            select(EqualityMonitoring).where(EqualityMonitoring.application_id == application.id)
        ).first()
        if equality is not None:
            lines.append(f"- Equality monitoring answers (kept apart): {_json(equality.answers)}")
    pairings = session.exec(
        select(Pairing).where(
            or_(Pairing.trainee_person_id == person.id, Pairing.mentor_person_id == person.id)
        )
    ).all()
    for pairing in pairings:
        other_id = (
            pairing.mentor_person_id
            if pairing.trainee_person_id == person.id
            else pairing.trainee_person_id
        )
        other = session.get(Person, other_id)
        lines += [
            "",
            f"**Pairing #{pairing.id}** with {other.display_name if other else '—'}: "
            f"{pairing.status}, from {day(pairing.paired_at)}",
        ]
    for check_in in session.exec(select(CheckIn).where(CheckIn.person_id == person.id)):
        comment = f" — “{check_in.comment}”" if check_in.comment else ""
        lines.append(f"- Check-in week {check_in.week}: {check_in.answer}{comment}")
    for step in session.exec(select(ActionStep).where(ActionStep.person_id == person.id)):
        lines.append(f"- Action step: {step.text}{' (done)' if step.done_at else ''}")
    for placement in session.exec(select(Placement).where(Placement.person_id == person.id)):
        lines.append(
            f"- Placement: {placement.kind} at {placement.host}, {placement.status}"
            + (f" — {placement.details}" if placement.details else "")
        )
    for block in session.exec(select(ReleaseBlock).where(ReleaseBlock.person_id == person.id)):
        lines.append(
            f"- Not released for {block.released_for} by {block.blocked_by} "
            f"({day(block.reported_at)})" + (f" — {block.details}" if block.details else "")
        )
    for request in session.exec(select(RepairRequest).where(RepairRequest.person_id == person.id)):
        lines.append(
            f"- Asked to be re-paired ({day(request.requested_at)})"
            + (f" — {request.reason}" if request.reason else "")
        )
    for escalation in session.exec(select(Escalation).where(Escalation.person_id == person.id)):
        said = [i["private"] for i in escalation.evidence if i.get("by") == person.aad_object_id]
        lines.append(
            f"- Raised with the coordinators: {escalation.cause} ({escalation.status})"
            + (f" — you said: {' / '.join(s for s in said if s)}" if any(said) else "")
        )
    invitations = session.exec(
        select(SurveyInvitation).where(SurveyInvitation.person_id == person.id)
    ).all()
    if invitations:
        lines += ["", "**Surveys**"]
    for invitation in invitations:
        answered = "not answered"
        if invitation.responded_at:
            answered = f"answered {day(invitation.responded_at)}"
        given = f": {_json(invitation.answers)}" if invitation.answers else ""
        lines.append(f"- {invitation.survey_id} ({invitation.round}): {answered}{given}")
    feedback = feedback_lines(session, person, surveys)
    if feedback:
        lines += ["", *feedback]
    for section in sections:
        lines += section(session, person, tz)
    lines += [
        "",
        "Answers to anonymous surveys are stored with nothing that links them to you, so they "
        "cannot be shown here (or picked out to delete). Type **delete my data** to have "
        "your data deleted.",
    ]
    return lines


class MyData:
    def __init__(self, ctx: AppContext, sections: Sequence[DataSection] = ()) -> None:
        self.ctx = ctx
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
            await turn.send("Nothing was deleted.")
            return
        aad = turn.sender.aad_object_id or ""
        with self.ctx.session() as session:
            person = get_person(session, aad)
            if person is not None:
                erase_person(session, person, self.ctx.clock.now())
                log.info("person erased person_id=%s", person.id)
        await turn.send(
            "Done: your data has been deleted. Only counts that cannot identify you remain. "
            "If you message me again, I will start afresh."
        )
