"""The expression-of-interest journey: consent and role, the sections for that role, review.

The store is the source of truth: every finished section is saved at once, and the next
question is always worked out from what is saved. So a person who leaves, or a bot restart,
carries on at the same step, and `apply` again simply continues.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from botbuilder.dialogs import (
    ComponentDialog,
    DialogTurnResult,
    WaterfallDialog,
    WaterfallStepContext,
)
from sqlmodel import select

from adaptive_cards.application_cards import answer_sections, withdraw_confirmation_card
from bot.context import AppContext
from bot.teams import Turn
from bot.teams.activities import Sender, card_message, sender_of
from dialogs.form_drafts import FormDrafts
from dialogs.form_prompt import FormPrompt
from dialogs.review_prompt import ReviewPrompt
from domain.application_form import EQUALITY, REVIEW, START, next_section, sections_for
from domain.application_review import Status, describe
from domain.local_time import format_closing_date, format_local_date
from store.applications import application_of, record_event, save_section, start_application
from store.models import Application, EqualityMonitoring, Programme
from store.people import get_person, upsert_person
from store.programmes import current_programme

LOOP = "application.loop"
EDITABLE = (Status.STARTED.value, Status.SUBMITTED.value)

# Called after a submitted application changes: (turn, application id, event name).
ChangeListener = Callable[[Turn, int, str], Awaitable[None]]


def window_is_open(programme: Programme, now) -> bool:
    return programme.window_opens_at <= now < programme.window_closes_at


def closed_message(programme: Programme | None, now, tz: str) -> str:
    if programme is None:
        return "There is no mentoring programme open for applications right now."
    if now < programme.window_opens_at:
        opens = format_local_date(programme.window_opens_at, tz)
        return f"Applications for {programme.name} open on {opens}. I'll be here then."
    closed = format_closing_date(programme.window_closes_at, tz)
    upcoming = programme.next_window_note or "The next window has not been announced yet."
    return f"Applications for {programme.name} closed on {closed}. {upcoming}"


@dataclass(frozen=True)
class NextQuestion:
    """The loop's next step: refused (and why), the review card, or a form's options."""

    refusal: str = ""
    review_card: dict | None = None
    form_options: dict | None = None
    resuming: bool = False  # some sections were saved earlier


@dataclass(frozen=True)
class Saved:
    """What saving a step did: refused (and why), or the application it saved."""

    refusal: str = ""
    application_id: int | None = None
    submitted: bool = False  # the application is (now) submitted
    thanks: str = ""  # what to tell the applicant when this step submitted it


def equality_answers(session, application_id: int) -> dict | None:
    row = session.exec(
        select(EqualityMonitoring).where(EqualityMonitoring.application_id == application_id)
    ).first()
    return row.answers if row else None


class ApplicationDialog(ComponentDialog):
    def __init__(self, ctx: AppContext, on_change: ChangeListener) -> None:
        super().__init__("application")
        self.ctx = ctx
        self.on_change = on_change
        self.add_dialog(FormPrompt("form", FormDrafts(ctx)))
        self.add_dialog(ReviewPrompt("review"))
        self.add_dialog(WaterfallDialog(LOOP, [self._ask_next, self._save]))
        self.initial_dialog_id = LOOP

    def _tz(self, session, aad: str | None) -> str:
        person = get_person(session, aad) if aad else None
        return (person.time_zone if person else None) or self.ctx.settings.default_time_zone

    def _open_programme(self, session, aad: str | None, now) -> tuple[Programme | None, str, str]:
        """The current programme, the person's zone, and why applying is closed (or "")."""
        programme = current_programme(session, now)
        tz = self._tz(session, aad)
        if programme is None or not window_is_open(programme, now):
            return programme, tz, closed_message(programme, now, tz)
        return programme, tz, ""

    async def _ask_next(self, step: WaterfallStepContext) -> DialogTurnResult:
        options = dict(step.options or {})
        sender = sender_of(step.context.activity)
        ask = self._next_question(sender.aad_object_id, options)
        if ask.refusal:
            await step.context.send_activity(ask.refusal)
            return await step.end_dialog()
        if ask.review_card is not None:
            return await step.begin_dialog("review", ask.review_card)
        if options.get("welcome_back") and ask.resuming:
            await step.context.send_activity(
                "Welcome back! Let's continue where you left off — your earlier answers are saved."
            )
        return await step.begin_dialog("form", ask.form_options)

    def _next_question(self, aad: str | None, options: dict) -> NextQuestion:
        """What to show next, worked out from what is saved."""
        now = self.ctx.clock.now()
        with self.ctx.session() as session:
            programme, tz, closed = self._open_programme(session, aad, now)
            if closed:
                return NextQuestion(refusal=closed)
            person = get_person(session, aad)
            application = application_of(session, programme.id, person.id) if person else None
            if application is not None and application.status not in EDITABLE:
                status = describe(application.status)
                return NextQuestion(
                    refusal=f"Your application to {programme.name} is {status}, so it can't be "
                    "changed here. Type **my application** to see it."
                )
            role = application.role if application else None
            completed = set(application.completed_sections) if application else set()
            if options.get("edit") and application is None:
                return NextQuestion(
                    refusal="You haven't applied yet, so there is nothing to change. Type "
                    "**apply** to start."
                )
            target = options.get("edit") or next_section(role, completed)
            sections = [s.id for s in sections_for(role)] if role else [START.id]
            if target not in (*sections, REVIEW):  # a card from elsewhere, or made up
                target = next_section(role, completed)
            if target == REVIEW:
                return NextQuestion(
                    review_card=self._summary_options(session, programme, application, now, tz)
                )
            values = {}
            if application is not None:
                values = (
                    equality_answers(session, application.id) or {}
                    if target == EQUALITY.id
                    else {**application.answers, "role": application.role, "consent": True}
                )
            steps = max(len(sections), len(sections_for("trainee")))
            return NextQuestion(
                form_options={
                    "section": target,
                    "values": values,
                    "step": sections.index(target) + 1 if target in sections else 1,
                    "steps": steps,
                    "programme_kind": programme.kind,
                    "next_title": "Save" if options.get("edit") else "Next",
                },
                resuming=bool(completed),
            )

    def _summary_options(self, session, programme, application: Application, now, tz) -> dict:
        submitted = application.status == Status.SUBMITTED.value
        closes = format_closing_date(programme.window_closes_at, tz)
        editable = [s for s in sections_for(application.role) if s.id != START.id]
        actions = (
            [] if submitted else [("Submit my application", {"form": "review", "choice": "submit"})]
        )
        if submitted:
            actions.append(("Done", {"form": "review", "choice": "done"}))
        actions += [
            (f"Change: {s.title.split(' (')[0]}", {"form": "review", "choice": f"edit:{s.id}"})
            for s in editable
        ]
        actions.append(("Withdraw", {"form": "review", "choice": "withdraw"}))
        return {
            "title": f"Your application to {programme.name}",
            "status_line": (
                f"Submitted — you can change it until {closes}."
                if submitted
                else f"Please check your answers, then submit (by {closes})."
            ),
            "sections": answer_sections(
                application.role,
                application.answers,
                equality_answers(session, application.id),
                programme.kind,
            ),
            "actions": actions,
        }

    async def _save(self, step: WaterfallStepContext) -> DialogTurnResult:
        result = dict(step.result or {})
        if result.get("stopped"):
            await step.context.send_activity(
                "No problem — your answers so far are saved. Type **apply** whenever you want "
                "to carry on."
            )
            return await step.end_dialog()
        saved = self._store(sender_of(step.context.activity), result)
        if saved.refusal:
            await step.context.send_activity(saved.refusal)
            return await step.end_dialog()
        if result["section"] == REVIEW:
            return await self._after_review(step, saved)
        if saved.submitted:
            await self.on_change(Turn.of(step.context), saved.application_id, "updated")
        return await step.replace_dialog(LOOP, {})

    def _store(self, sender: Sender, result: dict) -> Saved:
        """Save a finished section, or submit the application from the review card."""
        now = self.ctx.clock.now()
        with self.ctx.session() as session:
            programme, tz, closed = self._open_programme(session, sender.aad_object_id, now)
            if closed:
                return Saved(refusal=closed)
            person = upsert_person(
                session,
                sender.aad_object_id,
                now,
                tenant_id=sender.tenant_id,
                display_name=sender.name,
            )
            application = application_of(session, programme.id, person.id)
            if application is not None and application.status not in EDITABLE:
                status = describe(application.status)
                return Saved(refusal=f"Your application is {status}, so it can't be changed.")
            if result["section"] == REVIEW:
                if result["choice"] != "submit":
                    return Saved()
                return self._submit(session, sender, programme, application, tz, now)
            values = result["values"]
            if result["section"] == START.id:
                if application is None:
                    application = start_application(
                        session, programme.id, person.id, values["role"], now, sender.aad_object_id
                    )
                elif application.role != values["role"]:
                    record_event(
                        session,
                        application,
                        now,
                        sender.aad_object_id,
                        "role_changed",
                        f"{application.role}->{values['role']}",
                    )
                    application.role = values["role"]
                    application.updated_at = now
                    session.add(application)
            else:
                save_section(session, application, result["section"], values, now)
            return Saved(
                application_id=application.id,
                submitted=application.status == Status.SUBMITTED.value,
            )

    @staticmethod
    def _submit(session, sender: Sender, programme, application: Application, tz, now) -> Saved:
        application.status = Status.SUBMITTED.value
        application.submitted_at = now
        application.updated_at = now
        session.add(application)
        record_event(session, application, now, sender.aad_object_id, "submitted")
        closes = format_closing_date(programme.window_closes_at, tz)
        return Saved(
            application_id=application.id,
            submitted=True,
            thanks=f"Thank you — your application to {programme.name} is in.\n\n"
            f"What happens next: the coordinators review applications after the window closes "
            f"on {closes}. Before any offer they will check with your line manager that you can "
            "be released for sessions. I'll message you here with any news.\n\n"
            f"Until {closes} you can see, change or withdraw it: type **my application**.",
        )

    async def _after_review(self, step, saved: Saved) -> DialogTurnResult:
        choice = step.result["choice"]
        if choice.startswith("edit:"):
            return await step.replace_dialog(LOOP, {"edit": choice.removeprefix("edit:")})
        if choice == "withdraw":
            await step.context.send_activity(card_message(withdraw_confirmation_card()))
            return await step.end_dialog()
        if choice == "done":
            await step.context.send_activity("Thanks — your changes are saved.")
            return await step.end_dialog()
        if choice != "submit":
            return await step.replace_dialog(LOOP, {})
        await step.context.send_activity(saved.thanks)
        await self.on_change(Turn.of(step.context), saved.application_id, "submitted")
        return await step.end_dialog()
