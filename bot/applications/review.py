"""The coordinators' side of applications: channel cards, review actions, offers, the window."""

from __future__ import annotations

import logging
from collections import Counter

from sqlmodel import Session

from adaptive_cards.application_cards import offer_card, review_card
from adaptive_cards.submitted import card_int
from bot.context import AppContext
from bot.events import ApplicationChanged, ApplicationShortlisted
from bot.features import Events
from bot.outbox.engine import Outbox
from bot.outbox.planned import PlannedMessage
from bot.teams import TeamsMessenger, Turn, message_payload
from domain.application_form import ABOUT, GOALS, MENTORING, answer_title, role_choices
from domain.application_review import (
    Decision,
    Facts,
    Op,
    Status,
    decide,
    describe,
    funnel_counts,
)
from domain.keys import (
    application_card_key,
    application_decision_key,
    application_event_key,
    application_offer_key,
)
from domain.local_time import (
    format_local_datetime,
)
from domain.managers import asking_line, support_words
from domain.participation import partner_role
from store.applications import (
    applications_with_people,
    events_of,
    record_event,
    status_counts_by_organisation,
)
from store.conversations import personal_ref, ref_by_conversation
from store.managers import ask_facts, support_request_of
from store.models import Application, ConversationRef, Person, Programme
from store.outbox import OutboxStatus, by_key
from store.people import get_person
from store.programmes import current_programme

log = logging.getLogger(__name__)

OPEN_STATUSES = (Status.SUBMITTED.value, Status.SHORTLISTED.value)
_PAST = {
    "shortlist": "shortlisted",
    "reject": "turned down",
    "interview": "recorded the interview",
    "manager_support": "recorded line-manager support",
    "offer": "made the offer",
    "submitted": "submitted",
    "updated": "updated",
    "withdrawn": "withdrawn",
    "accept": "accepted the offer",
    "decline": "declined the offer",
}


def _name(session: Session, aad: str | None) -> str:
    person = get_person(session, aad) if aad else None
    return (person.display_name if person and person.display_name else None) or "someone"


def _last_action(session: Session, application: Application, tz: str) -> str:
    events = events_of(session, application.id)
    if not events:
        return ""
    last = events[-1]
    who = _name(session, last.actor_aad_object_id)
    return (
        f"Last: {_PAST.get(last.event, last.event)} by {who}, {format_local_datetime(last.at, tz)}"
    )


def review_card_for(
    session: Session, application: Application, person: Person, programme: Programme, tz: str
) -> dict:
    """The coordinator's card: answers (never equality monitoring) and the review so far."""
    answers = application.answers
    shown = [ABOUT, GOALS if application.role == "trainee" else MENTORING]
    facts = [
        (q.label, answer_title(q, answers.get(q.id), programme.kind))
        for sec in shown
        for q in sec.questions
        if answers.get(q.id) not in (None, "", [])
    ]
    role_title = {v: t.split(":")[0] for v, t in role_choices(programme.kind)}.get(
        application.role, application.role
    )
    support = application.manager_support or "not recorded"
    if application.manager_name:
        support += f" ({application.manager_name}"
        support += f", {application.manager_support_on})" if application.manager_support_on else ")"
    support += support_words(application.manager_support, application.manager_support_source)
    review_facts = [
        ("Status", describe(application.status)),
        ("Line manager support", support),
        ("Interview", (application.interview_outcome or "not recorded").replace("_", " ")),
    ]
    asked = support_request_of(session, application.id) if application.id else None
    if asked is not None:
        review_facts.append(("Line manager in Teams", asking_line(ask_facts(asked, tz))))
    if application.rejection_reason:
        review_facts.append(("Reason (private)", application.rejection_reason))
    return review_card(
        application_id=application.id,
        title=f"Application: {person.display_name or 'applicant'}",
        subtitle=f"{role_title} · {programme.name}",
        facts=facts,
        review_facts=review_facts,
        last_action=_last_action(session, application, tz),
        open_for_review=application.status in OPEN_STATUSES,
    )


def coordinator_channel(session: Session, programme: Programme) -> ConversationRef | None:
    """Where the programme's applications are reviewed, if a channel is set up."""
    if not programme.coordinator_conversation_id:
        return None
    return ref_by_conversation(session, programme.coordinator_conversation_id)


class ApplicationReview:
    """Coordinator actions and the channel posts that keep coordinators informed."""

    def __init__(
        self,
        ctx: AppContext,
        outbox: Outbox,
        messenger: TeamsMessenger | None = None,
        events: Events | None = None,
    ) -> None:
        self.ctx = ctx
        self.outbox = outbox
        self.messenger = messenger
        self.events = events

    @property
    def _tz(self) -> str:
        return self.ctx.settings.default_time_zone

    async def _post(
        self,
        turn: Turn,
        recipient: str,
        kind: str,
        key: str,
        *,
        text: str | None = None,
        card: dict | None = None,
        to_channel: bool = False,
    ) -> str | None:
        """Send through the outbox (durable, once per key); the sent activity's id, if sent."""
        message = PlannedMessage(
            recipient,
            kind,
            key,
            payload=message_payload(text, cards=[card] if card else ()),
            routine=False,
            to_channel=to_channel,
            working_hours=False,
        )
        await self.outbox.send_now(message)
        with self.ctx.session() as session:
            row = by_key(session, key)
            return row.activity_id if row else None

    async def _refresh_card(self, turn: Turn, reference: dict, card_id: str, card: dict):
        """Show the new state on the channel card; a failure only leaves the old card showing."""
        try:
            await turn.messenger.update(reference, card_id, card)
        except Exception:
            log.warning("could not refresh the application card activity=%s", card_id)

    async def application_changed(self, turn: Turn, application_id: int, event: str) -> None:
        """Post a newly submitted application to the channel, or refresh its card there."""
        with self.ctx.session() as session:
            application = session.get(Application, application_id)
            programme = session.get(Programme, application.programme_id)
            person = session.get(Person, application.person_id)
            channel = coordinator_channel(session, programme)
            if channel is None:
                log.warning("no coordinator channel for programme=%s", programme.id)
                return
            card = review_card_for(session, application, person, programme, self._tz)
            card_id = application.channel_card_activity_id
            name = person.display_name or "An applicant"
            last_event = events_of(session, application_id)[-1].id
        if card_id and event != "submitted":
            await self._refresh_card(turn, channel.reference, card_id, card)
            if event == "withdrawn":
                await self._post(
                    turn,
                    channel.conversation_id,
                    "application_notice",
                    application_event_key(application_id, last_event),
                    text=f"{name} withdrew their application.",
                    to_channel=True,
                )
            return
        new_id = await self._post(
            turn,
            channel.conversation_id,
            "application_card",
            application_card_key(application_id, last_event),
            card=card,
            to_channel=True,
        )
        with self.ctx.session() as session:
            application = session.get(Application, application_id)
            application.channel_card_activity_id = new_id
            session.add(application)

    async def act(self, turn: Turn, value: dict) -> None:
        """A review button on an application card was pressed (roles already checked)."""
        actor = turn.sender
        now = self.ctx.clock.now()
        try:
            op = Op(str(value.get("review")))
            application_id = int(value.get("application_id"))
        except (ValueError, TypeError, OverflowError):
            await turn.send("Sorry, I couldn't read that action. Please try again.")
            return
        if op not in (Op.SHORTLIST, Op.REJECT, Op.INTERVIEW, Op.MANAGER_SUPPORT, Op.OFFER):
            await turn.send("Sorry, that isn't a review action.")
            return
        async with self.ctx.session_then_reply(turn) as (session, replies):
            application = session.get(Application, application_id)
            if application is None:
                replies.append("I can't find that application any more.")
                return
            facts = Facts(
                application.status, application.manager_support, application.interview_outcome
            )
            decision = decide(facts, op, value)
            if not decision.allowed:
                replies.append(self._refusal(session, application, op, decision))
                return
            if (
                op == Op.OFFER
                and personal_ref(session, session.get(Person, application.person_id).aad_object_id)
                is None
            ):
                replies.append(
                    "I can't reach this applicant in Teams any more, so the offer was not sent."
                )
                return
            self._apply(session, application, decision, now)
            record_event(
                session,
                application,
                now,
                actor.aad_object_id,
                op.value,
                self._event_detail(op, value),
            )
            person = session.get(Person, application.person_id)
            programme = session.get(Programme, application.programme_id)
            card = review_card_for(session, application, person, programme, self._tz)
            card_id = turn.replied_to_id or application.channel_card_activity_id
            applicant_aad = person.aad_object_id
            offer = self._offer(application, programme) if op == Op.OFFER else None
        if card_id:
            here = turn.conversation_reference()
            await self._refresh_card(turn, here, card_id, card)
        who = actor.name or "a coordinator"
        reply = f"{decision.message} ({who})"
        if offer is not None:
            key = application_offer_key(application_id)
            await self._post(turn, applicant_aad, "offer", key, card=offer)
            with self.ctx.session() as session:
                row = by_key(session, key)
                if row is None or row.status != OutboxStatus.SENT.value:
                    reply = (
                        "The offer is recorded, but it has not reached the applicant yet: "
                        + (
                            "I can't reach them in Teams (they may have removed the bot)."
                            if row is not None and row.status != OutboxStatus.PENDING.value
                            else "it goes as soon as Teams accepts it."
                        )
                        + f" ({who})"
                    )
        await turn.send(reply)
        if op == Op.SHORTLIST and self.events is not None:
            await self.events.publish(ApplicationShortlisted(application_id, actor.aad_object_id))

    async def refresh(self, changed: ApplicationChanged) -> None:
        """Show an application's channel card as it stands, after a change made elsewhere."""
        with self.ctx.session() as session:
            application = session.get(Application, changed.application_id)
            if application is None or not application.channel_card_activity_id:
                return
            programme = session.get(Programme, application.programme_id)
            person = session.get(Person, application.person_id)
            channel = coordinator_channel(session, programme)
            card = review_card_for(session, application, person, programme, self._tz)
            card_id = application.channel_card_activity_id
        if channel is None or self.messenger is None:
            return
        try:
            await self.messenger.update(channel.reference, card_id, card)
        except Exception:
            log.warning("could not refresh the application card activity=%s", card_id)

    def _refusal(self, session, application: Application, op: Op, decision: Decision) -> str:
        earlier = [e for e in events_of(session, application.id) if e.event == op.value]
        if earlier:
            last = earlier[-1]
            return (
                f"{decision.message} Nothing changed: {_name(session, last.actor_aad_object_id)} "
                f"{_PAST[op.value]} on {format_local_datetime(last.at, self._tz)}."
            )
        return f"{decision.message} Nothing changed."

    @staticmethod
    def _apply(session, application: Application, decision: Decision, now) -> None:
        for key, value in decision.changes.items():
            setattr(application, key, value)
        if decision.status is not None:
            application.status = decision.status
            if decision.status == Status.OFFERED:
                application.offered_at = now
        application.updated_at = now
        session.add(application)

    @staticmethod
    def _event_detail(op: Op, value: dict) -> str | None:
        if op == Op.INTERVIEW:
            return str(value.get("interview_outcome"))
        if op == Op.MANAGER_SUPPORT:
            return str(value.get("support"))
        return None  # a rejection reason stays on the application only

    def _offer(self, application: Application, programme: Programme) -> dict:
        return offer_card(
            application_id=application.id,
            intro=(
                f"Good news: you're offered a place on {programme.name}. Your line manager has "
                "agreed to support your release for the sessions."
            ),
            facts=[
                ("Programme", programme.name),
                ("Length", f"{programme.length_months} months"),
                (
                    "Sessions",
                    f"one of about 2 hours each month with your {partner_role(application.role)}",
                ),
                ("Check-ins", "short ones at 2, 4 and 6 weeks"),
            ],
        )

    async def answer_offer(self, turn: Turn, value: dict) -> None:
        """The applicant pressed Accept or Decline on their offer card."""
        sender = turn.sender
        now = self.ctx.clock.now()
        op = Op.ACCEPT if value.get("offer") == "accept" else Op.DECLINE
        application_id = card_int(value.get("application_id"))
        if application_id is None:
            await turn.send("Sorry, I couldn't read that answer.")
            return
        async with self.ctx.session_then_reply(turn) as (session, replies):
            application = session.get(Application, application_id)
            person = session.get(Person, application.person_id) if application else None
            if person is None or person.aad_object_id != sender.aad_object_id:
                replies.append("Sorry, that offer isn't yours to answer.")
                return
            decision = decide(Facts(application.status), op)
            if not decision.allowed:
                replies.append(decision.message)
                return
            application.status = decision.status
            application.answered_offer_at = now
            application.updated_at = now
            session.add(application)
            record_event(session, application, now, sender.aad_object_id, op.value)
            programme = session.get(Programme, application.programme_id)
            channel = (
                ref_by_conversation(session, programme.coordinator_conversation_id)
                if programme.coordinator_conversation_id
                else None
            )
            name = person.display_name or "The applicant"
            partner = partner_role(application.role)
            card = review_card_for(session, application, person, programme, self._tz)
            card_id = application.channel_card_activity_id
        if op == Op.ACCEPT:
            await turn.send(
                f"Wonderful — you're in! Next, the coordinators will pair you with a {partner} "
                "and I'll introduce you both here."
            )
        else:
            await turn.send(
                "Thanks for letting us know. You're welcome to apply again in a future window."
            )
        if channel is not None:
            verb = "accepted" if op == Op.ACCEPT else "declined"
            await self._post(
                turn,
                channel.conversation_id,
                "application_notice",
                application_decision_key(application_id, op.value),
                text=f"{name} {verb} the offer.",
                to_channel=True,
            )
            if card_id:
                await self._refresh_card(turn, channel.reference, card_id, card)

    # --- channel commands --------------------------------------------------------------------

    def applications_report(self, now) -> str:
        with self.ctx.session() as session:
            programme = current_programme(session, now)
            if programme is None:
                return "There is no programme yet."
            by_role = {
                role: status_counts_by_organisation(session, programme.id, role)
                for role in ("trainee", "mentor")
            }
            waiting = sum(
                1
                for a, _ in applications_with_people(session, programme.id)
                if a.status == Status.SUBMITTED.value
            )
        return funnel_text(programme.name, by_role, waiting)


def funnel_text(programme_name: str, by_role: dict[str, dict[str, Counter]], waiting: int) -> str:
    if not any(by_role.values()):
        return f"No applications to {programme_name} yet."
    lines = [f"**Applications to {programme_name}**"]
    for role, counts in by_role.items():
        if not counts:
            continue
        lines += ["", f"**{role.capitalize()}s**"]
        total: Counter = Counter()
        for organisation in sorted(counts):
            total.update(counts[organisation])
            lines.append(f"- **{organisation}**: {_stages(counts[organisation])}")
        lines.append(f"- **All**: {_stages(total)}")
    lines += ["", f"{waiting} waiting for review."]
    return "\n".join(lines)


def _stages(statuses: Counter) -> str:
    return " · ".join(f"{stage} {count}" for stage, count in funnel_counts(statuses).items())
