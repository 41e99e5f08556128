"""Erasing a person on request: identifiable rows removed or anonymised, counts kept.

What makes up the programme's totals stays as a de-identified row (the application's role,
organisation and status; the pairing and why it ended, as a category; whether sessions
happened; check-in answers; that a survey was answered; answers to event invitations and
attendance). Everything that says who they are or what they said goes: their name and Teams
ids, application answers and notes, equality monitoring answers, closing checks, free text
(check-in comments, action steps, release and placement details, reasons), conversation
references, dialog state, role grants, messages to them, requests to their line manager (and,
as someone's line manager, their name and words on requests to them), when they paused their
reminders, the help messages decided for them and, for a mentor, the tally of feedback about
their mentoring. An active pairing ends (as ended early, because they left): nobody is left to
nudge.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, or_, update
from sqlmodel import Session, select

from domain.endings import EndReason
from store.announcements import forget_announced
from store.bookings import SessionBooking
from store.endings import forget_closing_checks
from store.escalations import Escalation, EscalationEvent, Placement, ReleaseBlock, RepairRequest
from store.managers import erase_requests
from store.models import (
    ActionStep,
    Application,
    ApplicationEvent,
    CheckIn,
    ConversationRef,
    DialogStateRecord,
    EqualityMonitoring,
    MentoringSession,
    Pairing,
    PairingStatus,
    Person,
    RoleGrant,
)
from store.outbox import OutboxMessage
from store.pairings import end_pairing
from store.pauses import forget_pauses
from store.processed_activities import ProcessedActivity
from store.re_engagements import forget_re_engagements
from store.replies import forget_invitations
from store.surveys import forget_mentor_tally

ERASED_NAME = "Former participant"
# An erased person's Teams id is replaced by this prefix and a random part.
ERASED_ID_PREFIX = "erased-"


def is_erased(person: Person) -> bool:
    return person.aad_object_id.startswith(ERASED_ID_PREFIX)


def erase_person(session: Session, person: Person, now: datetime) -> None:
    aad = person.aad_object_id
    pairing_ids = list(
        session.exec(
            select(Pairing.id).where(
                or_(Pairing.trainee_person_id == person.id, Pairing.mentor_person_id == person.id)
            )
        ).all()
    )
    applications = session.exec(select(Application).where(Application.person_id == person.id))
    for application in applications:
        session.execute(
            delete(EqualityMonitoring).where(EqualityMonitoring.application_id == application.id)
        )
        session.execute(
            update(ApplicationEvent)
            .where(ApplicationEvent.application_id == application.id)
            .values(detail=None)
        )
        application.answers = {}
        application.notes = None
        application.rejection_reason = None
        application.manager_name = None
        application.manager_support_on = None
        application.channel_card_activity_id = None
        application.updated_at = now
        session.add(application)
    session.execute(
        update(ApplicationEvent)
        .where(ApplicationEvent.actor_aad_object_id == aad)
        .values(actor_aad_object_id=None)
    )
    session.execute(update(CheckIn).where(CheckIn.person_id == person.id).values(comment=None))
    session.execute(delete(ActionStep).where(ActionStep.person_id == person.id))
    if pairing_ids:
        session.execute(
            update(MentoringSession)
            .where(
                MentoringSession.pairing_id.in_(pairing_ids),
                MentoringSession.logged_by == str(person.id),
            )
            .values(steps_moved=None, blocking=None, cant_reason=None)
        )
        for pairing in list(session.exec(select(Pairing).where(Pairing.id.in_(pairing_ids)))):
            if pairing.status == PairingStatus.ACTIVE.value:
                # No more nudges to someone who has left; counted as ended early. The reason
                # kept is a category (`EndReason`), never anyone's words.
                end_pairing(session, pairing, now, PairingStatus.DISSOLVED.value, EndReason.LEFT)
    session.execute(
        update(ReleaseBlock)
        .where(ReleaseBlock.person_id == person.id)
        .values(details=None, manager_name=None, manager_email=None)
    )
    session.execute(
        update(RepairRequest).where(RepairRequest.person_id == person.id).values(reason=None)
    )
    for placement in session.exec(select(Placement).where(Placement.person_id == person.id)):
        placement.details = None
        placement.host = "(erased)"
        placement.history = [{k: v for k, v in h.items() if k != "note"} for h in placement.history]
        session.add(placement)
    _erase_from_escalations(session, person, pairing_ids)
    erase_requests(session, person.id, aad)
    forget_announced(session, aad)
    session.execute(
        update(EscalationEvent)
        .where(EscalationEvent.actor_aad_object_id == aad)
        .values(actor_aad_object_id=None)
    )
    conversations = session.exec(
        select(ConversationRef.conversation_id).where(ConversationRef.aad_object_id == aad)
    ).all()
    for conversation_id in conversations:
        session.execute(
            delete(DialogStateRecord).where(DialogStateRecord.key.contains(conversation_id))
        )
        # Their chat's id, kept to recognise a repeated delivery, leads back to them.
        session.execute(
            delete(ProcessedActivity).where(ProcessedActivity.conversation_id == conversation_id)
        )
    session.execute(delete(ConversationRef).where(ConversationRef.aad_object_id == aad))
    session.execute(delete(RoleGrant).where(RoleGrant.aad_object_id == aad))
    session.execute(delete(OutboxMessage).where(OutboxMessage.recipient_aad_object_id == aad))
    # The Teams meetings booked for them: who asked, and the mentor's id as organiser.
    session.execute(
        update(SessionBooking)
        .where(SessionBooking.requested_by == person.id)
        .values(requested_by=None)
    )
    session.execute(
        update(SessionBooking)
        .where(SessionBooking.organiser_aad_object_id == aad)
        .values(organiser_aad_object_id=ERASED_NAME, event_id=None, join_url=None)
    )
    # What their mentees said about them, added up: about them, so it goes with them. The
    # anonymous answers it was counted from stay (the programme's totals do not change).
    forget_mentor_tally(session, person.id)
    forget_invitations(session, person.id)
    forget_pauses(session, person.id)
    forget_re_engagements(session, person.id)
    forget_closing_checks(session, person.id)
    person.aad_object_id = f"{ERASED_ID_PREFIX}{uuid.uuid4().hex}"
    person.tenant_id = None
    person.display_name = ERASED_NAME
    person.time_zone = None
    person.snoozed_until = None
    person.unreachable_since = None
    person.updated_at = now
    session.add(person)
    session.flush()


def _erase_from_escalations(session: Session, person: Person, pairing_ids: list[int]) -> None:
    """Their own words and name go from the evidence of escalations about them or their pair."""
    query = select(Escalation).where(Escalation.person_id == person.id)
    if pairing_ids:
        query = select(Escalation).where(
            or_(Escalation.person_id == person.id, Escalation.pairing_id.in_(pairing_ids))
        )
    name = person.display_name
    for escalation in session.exec(query):
        evidence = []
        for item in escalation.evidence:
            item = dict(item)
            if item.get("by") == person.aad_object_id:
                item.pop("private", None)
                item.pop("by", None)
            if name and name in item.get("text", ""):
                item["text"] = item["text"].replace(name, ERASED_NAME)
            evidence.append(item)
        escalation.evidence = evidence
        session.add(escalation)
