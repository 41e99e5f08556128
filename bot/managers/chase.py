"""What the sweep does for requests to line managers, once it has sent what was due.

For each request whose `next_look_at` has come: look the manager up again (Graph failed
before); give up waiting for a chat Teams never opened; chase an unanswered support request
(one reminder after N working days, then the coordinators told after N more; nothing once a
coordinator has recorded a yes or no by hand or the application has moved on); and send a
supporting manager their monthly digest while the report is paired. Each message has its own
key, so a sweep repeated (or run on two instances) sends it once.

This runs after the sweep (`SweepFinished`) rather than as a planner because it calls
Microsoft Graph and changes cards in place, which planners cannot.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlmodel import Session

from adaptive_cards.submitted import card_int
from bot.context import AppContext
from bot.events import SweepFinished
from bot.managers.asking import ManagerAsking
from bot.managers.cards import digest_card
from bot.managers.dates import release_dates
from bot.outbox.engine import Outbox
from bot.outbox.planned import PlannedMessage, recipient_time_zone
from bot.settings import working_hours_of
from bot.teams import Turn, message_payload
from domain.application_review import REVIEWABLE, Status
from domain.cadence import programme_month
from domain.keys import manager_digest_key, manager_reminder_key, read_manager_request_key
from domain.local_time import format_local_date
from domain.managers import (
    Answer,
    DigestFacts,
    NotAsked,
    Purpose,
    Stage,
    Step,
    digest_lines,
    hand_answer_stands,
    next_chase,
    next_digest,
)
from store.managers import ManagerRequest, requests_due
from store.models import Application, Pairing, Person, Programme
from store.outbox import OutboxMessage
from store.pairings import active_pairing_of, sessions_of

log = logging.getLogger(__name__)

REMINDER_KIND = "manager_reminder"
DIGEST_KIND = "manager_digest"
# While a supporter's report is not paired yet (offer, acceptance, pairing), look once a day.
UNPAIRED_LOOK = timedelta(days=1)
STILL_PAIRING = (Status.SHORTLISTED.value, Status.OFFERED.value, Status.ACCEPTED.value)


def booked_this_month(session: Session, pairing: Pairing, month: int) -> bool:
    """Whether the pairing's session of programme month `month` is booked (or was held)."""
    return any(
        row.month == month and (row.booking == "booked" or row.happened)
        for row in sessions_of(session, pairing.id)
    )


def _support_stands(session: Session, request: ManagerRequest) -> bool:
    """A support request still worth chasing: the application is under review and no
    coordinator has recorded a yes or no by hand."""
    application = session.get(Application, request.application_id)
    return (
        application is not None
        and application.status in REVIEWABLE
        and not hand_answer_stands(application.manager_support, application.manager_support_source)
    )


class ManagerChase:
    def __init__(self, ctx: AppContext, outbox: Outbox, asking: ManagerAsking) -> None:
        self.ctx = ctx
        self.outbox = outbox
        self.asking = asking

    def _tz(self, session: Session, aad: str | None) -> str:
        return recipient_time_zone(session, self.ctx.settings, aad)

    async def swept(self, finished: SweepFinished) -> None:
        with self.ctx.session() as session:
            due = [request.id for request in requests_due(session, finished.at)]
        for request_id in due:
            try:
                await self._look_at(request_id, finished.at)
            except Exception:
                log.exception("line manager request not looked at request_id=%s", request_id)

    def _look_again(self, request_id: int, at: datetime | None) -> None:
        with self.ctx.session() as session:
            request = session.get(ManagerRequest, request_id)
            request.next_look_at = at
            session.add(request)

    async def _look_at(self, request_id: int, now: datetime) -> None:
        with self.ctx.session() as session:
            request = session.get(ManagerRequest, request_id)
            stage, purpose, answer = Stage(request.stage), request.purpose, request.answer
        if stage == Stage.LOOKING_UP:
            await self.asking.ask(request_id)
        elif stage == Stage.WAITING_FOR_CHAT:
            if not await self.asking.send_if_chat(request_id):
                with self.ctx.session() as session:
                    request = session.get(ManagerRequest, request_id)
                    request.stage = Stage.NOT_ASKED.value
                    request.not_asked = NotAsked.NO_CHAT.value
                    request.next_look_at = None
                    session.add(request)
                await self.asking.after(request_id)
        elif stage == Stage.ASKED and purpose == Purpose.SUPPORT.value:
            await self._chase(request_id, now)
        elif answer == Answer.SUPPORT.value:
            await self._digest(request_id, now)
        else:
            self._look_again(request_id, None)

    # --- chasing an unanswered support request --------------------------------------------

    async def _chase(self, request_id: int, now: datetime) -> None:
        settings = self.ctx.settings
        message: PlannedMessage | None = None
        step: Step | None = None
        with self.ctx.session() as session:
            request = session.get(ManagerRequest, request_id)
            if not _support_stands(session, request):
                request.stage = Stage.SETTLED.value
                request.next_look_at = None
                session.add(request)
                settled = True
            else:
                settled = False
                tz = self._tz(session, request.manager_aad_object_id)
                chase = next_chase(
                    request.asked_at,
                    request.reminded_at,
                    request.coordinators_told_at,
                    tz,
                    working_hours_of(settings),
                    settings.manager_answer_working_days,
                    default_zone=settings.default_time_zone,
                )
                if chase.step is None or chase.at > now:
                    request.next_look_at = chase.at
                    session.add(request)
                else:
                    step = chase.step
                    message = (
                        self._reminder(session, request, now, tz)
                        if step == Step.REMIND
                        else self._no_answer(session, request, tz)
                    )
        if settled:
            await self.asking.after(request_id)
            return
        if step is None:
            return
        if message is not None:
            await self.outbox.send_now(message)
        with self.ctx.session() as session:
            request = session.get(ManagerRequest, request_id)
            if step == Step.REMIND:
                request.reminded_at = now
                request.next_look_at = next_chase(
                    request.asked_at,
                    now,
                    None,
                    self._tz(session, request.manager_aad_object_id),
                    working_hours_of(settings),
                    settings.manager_answer_working_days,
                    default_zone=settings.default_time_zone,
                ).at
            else:
                request.coordinators_told_at = now
                request.next_look_at = None
            session.add(request)
        log.info("line manager request chased request_id=%s step=%s", request_id, step.value)
        await self.asking.after(request_id)

    def _reminder(
        self, session: Session, request: ManagerRequest, now: datetime, tz: str
    ) -> PlannedMessage:
        asked_on = format_local_date(request.asked_at, tz)
        card = self.asking.ask_card(
            session, request, now, banner=f"A reminder: I asked you this on {asked_on}."
        )
        name = session.get(Person, request.person_id).display_name or "your report"
        return PlannedMessage(
            request.manager_aad_object_id,
            REMINDER_KIND,
            manager_reminder_key(request.id),
            payload=message_payload(cards=[card], summary=f"A reminder about {name}"),
            routine=True,
        )

    def _no_answer(self, session: Session, request: ManagerRequest, tz: str):
        name = session.get(Person, request.person_id).display_name or "An applicant"
        programme = session.get(Programme, request.programme_id)
        manager = request.manager_name or "their line manager"
        text = (
            f"No answer from {manager}, {name}'s line manager: I asked them in Teams on "
            f"{format_local_date(request.asked_at, tz)} whether they support {name}'s "
            f"application to {programme.name}, and reminded them on "
            f"{format_local_date(request.reminded_at, tz)}. Please ask them yourself and "
            f"record the answer on {name}'s application card (Line manager)."
        )
        return self.asking.channel_notice(session, request, "no-answer", text)

    # --- the monthly digest ---------------------------------------------------------------------

    def digest(
        self, session: Session, request: ManagerRequest, pairing: Pairing, now: datetime
    ) -> dict:
        """The digest card as it stands at `now` (the facts of `DigestFacts` and no others)."""
        person = session.get(Person, request.person_id)
        programme = session.get(Programme, pairing.programme_id)
        month = programme_month(pairing.paired_at, now, pairing.length_months) or 1
        facts = DigestFacts(
            name=person.display_name or "Your report",
            programme=programme.name,
            month=month,
            months=pairing.length_months,
            session_booked=booked_this_month(session, pairing, month),
            dates=tuple(release_dates(session, programme)),
        )
        tz = self._tz(session, request.manager_aad_object_id)
        return digest_card(
            request_id=request.id,
            name=facts.name,
            programme=facts.programme,
            facts=digest_lines(facts, now, tz),
            stopped=request.digest_stopped_at is not None,
        )

    async def _digest(self, request_id: int, now: datetime) -> None:
        message: PlannedMessage | None = None
        with self.ctx.session() as session:
            request = session.get(ManagerRequest, request_id)
            if request.digest_stopped_at is not None or request.manager_aad_object_id is None:
                request.next_look_at = None
                session.add(request)
                return
            pairing = active_pairing_of(session, request.person_id)
            if pairing is None:
                application = session.get(Application, request.application_id)
                waiting = application is not None and application.status in STILL_PAIRING
                request.next_look_at = now + UNPAIRED_LOOK if waiting else None
                session.add(request)
                return
            slot = next_digest(
                pairing.paired_at,
                pairing.length_months,
                not_before=request.answered_at,
                last_sent_at=request.last_digest_at,
            )
            if slot is None or slot.at > now:
                request.next_look_at = slot.at if slot else None
                session.add(request)
                return
            card = self.digest(session, request, pairing, now)
            message = PlannedMessage(
                request.manager_aad_object_id,
                DIGEST_KIND,
                manager_digest_key(request.id, pairing.id, slot.month),
                payload=message_payload(cards=[card], summary="This month's note"),
                routine=True,
            )
            paired_at, length = pairing.paired_at, pairing.length_months
        await self.outbox.send_now(message)
        with self.ctx.session() as session:
            request = session.get(ManagerRequest, request_id)
            request.last_digest_at = now
            following = next_digest(paired_at, length, not_before=now, last_sent_at=now)
            request.next_look_at = following.at if following else None
            session.add(request)
        log.info("line manager digest request_id=%s", request_id)

    async def stop_digest(self, turn: Turn, value: dict) -> None:
        """The manager pressed "Stop these notes"."""
        now = self.ctx.clock.now()
        request_id = card_int(value.get("manager_request"))
        card = None
        async with self.ctx.session_then_reply(turn) as (session, replies):
            request = session.get(ManagerRequest, request_id) if request_id else None
            if not self.asking.may_answer(turn, request):
                replies.append(
                    "Sorry, these notes go to the line manager they were sent to, so I can't "
                    "stop them for you. Nothing changed."
                )
                return
            name = session.get(Person, request.person_id).display_name or "your report"
            if request.digest_stopped_at is not None:
                replies.append(f"You've already stopped the notes about {name}.")
                return
            request.digest_stopped_at = now
            request.next_look_at = None
            session.add(request)
            pairing = active_pairing_of(session, request.person_id)
            if pairing is not None:
                card = self.digest(session, request, pairing, now)
            replies.append(
                f"Done: no more monthly notes about {name}. The programme coordinators may "
                "still contact you if something comes up."
            )
        if card is not None and turn.replied_to_id:
            try:
                await turn.messenger.update(turn.conversation_reference(), turn.replied_to_id, card)
            except Exception:
                log.warning("could not refresh the digest card request_id=%s", request_id)

    # --- "still wanted?" when a held message is about to go ---------------------------------

    @staticmethod
    def still_wanted(ctx: AppContext, session: Session, row: OutboxMessage, now) -> bool:
        """A manager's card, reminder or digest still makes sense at send time."""
        request_id = read_manager_request_key(row.idempotency_key)
        request = session.get(ManagerRequest, request_id) if request_id else None
        if request is None or request.manager_aad_object_id is None:
            return False
        if row.kind == DIGEST_KIND:
            return (
                request.digest_stopped_at is None
                and active_pairing_of(session, request.person_id) is not None
            )
        if request.answer is not None or request.stage in (
            Stage.SETTLED.value,
            Stage.NOT_ASKED.value,
        ):
            return False
        return request.purpose != Purpose.SUPPORT.value or _support_stands(session, request)
