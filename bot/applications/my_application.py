"""The applicant's own view of their application: see it, change it, withdraw it."""

from __future__ import annotations

from adaptive_cards.application_cards import (
    answer_sections,
    summary_card,
    withdraw_confirmation_card,
)
from bot.applications.review import ApplicationReview
from bot.context import AppContext
from bot.teams import Turn
from dialogs.application_dialog import EDITABLE, equality_answers, window_is_open
from domain.application_review import Facts, Op, Status, decide, describe
from domain.local_time import format_closing_date
from store.applications import application_of, record_event
from store.people import get_person
from store.programmes import current_programme


class MyApplication:
    def __init__(self, ctx: AppContext, review: ApplicationReview) -> None:
        self.ctx = ctx
        self.review = review

    def _load(self, session, turn: Turn):
        now = self.ctx.clock.now()
        sender = turn.sender
        programme = current_programme(session, now)
        person = get_person(session, sender.aad_object_id) if sender.aad_object_id else None
        application = (
            application_of(session, programme.id, person.id) if programme and person else None
        )
        tz = (person.time_zone if person else None) or self.ctx.settings.default_time_zone
        return now, programme, person, application, tz

    async def show(self, turn: Turn) -> None:
        async with self.ctx.session_then_reply(turn) as (session, replies):
            now, programme, _person, application, tz = self._load(session, turn)
            if application is None:
                name = programme.name if programme else "the programme"
                replies.append(f"You haven't applied to {name}. Type **apply** to start.")
                return
            is_open = window_is_open(programme, now)
            closes = format_closing_date(programme.window_closes_at, tz)
            actions = []
            if is_open and application.status in EDITABLE:
                actions.append(("Change my answers", {"my_application": "edit"}))
            if is_open and application.status in (*EDITABLE, Status.SHORTLISTED.value):
                actions.append(("Withdraw", {"my_application": "withdraw"}))
            status_line = f"Status: {describe(application.status)}."
            if is_open and application.status in EDITABLE:
                status_line += f" You can change or withdraw it until {closes}."
            card = summary_card(
                title=f"Your application to {programme.name}",
                status_line=status_line,
                sections=answer_sections(
                    application.role,
                    application.answers,
                    equality_answers(session, application.id),
                    programme.kind,
                ),
                actions=actions,
            )
        await turn.send(card)

    async def ask_to_withdraw(self, turn: Turn) -> None:
        await turn.send(withdraw_confirmation_card())

    async def withdraw(self, turn: Turn) -> None:
        sender = turn.sender
        async with self.ctx.session_then_reply(turn) as (session, replies):
            now, programme, _person, application, _tz = self._load(session, turn)
            if application is None:
                replies.append("You have no application to withdraw.")
                return
            if not window_is_open(programme, now) and application.status != Status.STARTED:
                replies.append(
                    "The application window has closed, so please talk to the programme "
                    "coordinator about withdrawing."
                )
                return
            decision = decide(Facts(application.status), Op.WITHDRAW)
            if not decision.allowed:
                replies.append(decision.message)
                return
            had_card = application.channel_card_activity_id is not None
            application.status = decision.status
            application.updated_at = now
            session.add(application)
            record_event(session, application, now, sender.aad_object_id, "withdrawn")
            application_id = application.id
        await turn.send(
            "Your application is withdrawn. If you change your mind while the window is open, "
            "type **apply** and your answers will still be there."
        )
        if had_card:
            await self.review.application_changed(turn, application_id, "withdrawn")

    def reopen_if_withdrawn(self, turn: Turn) -> bool:
        """`apply` after withdrawing starts again from the saved answers."""
        sender = turn.sender
        with self.ctx.session() as session:
            now, programme, _person, application, _tz = self._load(session, turn)
            if (
                application is None
                or application.status != Status.WITHDRAWN.value
                or not window_is_open(programme, now)
            ):
                return False
            application.status = Status.STARTED.value
            application.updated_at = now
            session.add(application)
            record_event(session, application, now, sender.aad_object_id, "reopened")
            return True
