"""The activity handler: Teams traffic in, replies out. Routing only; rules live in domain/."""

from __future__ import annotations

import logging

from botbuilder.core import (
    ActivityHandler,
    ConversationState,
    TurnContext,
)
from botbuilder.dialogs import DialogSet, DialogTurnStatus
from botbuilder.schema import ChannelAccount

from adaptive_cards import render_card
from bot.application_review import ApplicationReview
from bot.commands import PERSONAL, TEAM, Command, commands_for, parse
from bot.context import AppContext
from bot.conversation_memory import remember_activity
from bot.dashboard import dashboard_reply
from bot.dialog_storage import DatabaseStorage
from bot.escalations import Escalations
from bot.mentor_feedback import MentorFeedback
from bot.my_application import MyApplication
from bot.my_data import MyData
from bot.my_programme import MyProgramme
from bot.paging import send_paged
from bot.pairing import Pairings
from bot.participant_help import ParticipantHelp
from bot.programme_dates import ProgrammeDates
from bot.reports import Reports
from bot.sender import sender_person
from bot.session_actions import SessionActions
from bot.survey_answers import SurveyAnswers
from bot.teams import card_message, command_text, scope_of, sender_of
from dialogs.application_dialog import ApplicationDialog, closed_message, window_is_open
from domain.authorisation import COORDINATOR_ONLY, Action, Role, may
from domain.local_time import format_closing_date
from store.programmes import current_programme

log = logging.getLogger(__name__)

CARD_ACTIONS = {"apply": "apply", "my_programme": "my programme", "help": "help"}


class StepForwardBot(ActivityHandler):
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.conversation_state = ConversationState(DatabaseStorage(ctx))
        self.dialogs = DialogSet(self.conversation_state.create_property("DialogState"))
        self.review = ApplicationReview(ctx)
        self.my_application = MyApplication(ctx, self.review)
        self.escalations = Escalations(ctx)
        self.pairings = Pairings(ctx, on_ended=self.escalations.pairing_ended)
        self.escalations.pairings = self.pairings
        self.help = ParticipantHelp(ctx, self.escalations)
        self.sessions = SessionActions(ctx, self.help)
        self.my_programme = MyProgramme(ctx)
        self.survey_answers = SurveyAnswers(ctx)
        self.reports = Reports(ctx)
        self.my_data = MyData(ctx)
        self.programme_dates = ProgrammeDates(ctx)
        self.mentor_feedback = MentorFeedback(ctx)
        self.dialogs.add(ApplicationDialog(ctx, self.review.application_changed))

    async def on_turn(self, turn_context: TurnContext) -> None:
        with self.ctx.session() as session:
            remember_activity(session, turn_context.activity, self.ctx.clock.now())
        await super().on_turn(turn_context)
        await self.conversation_state.save_changes(turn_context)

    # --- installation and membership -------------------------------------------------------

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        await self._welcome_once(turn_context)

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        with self.ctx.session() as session:
            ref = remember_activity(session, turn_context.activity, self.ctx.clock.now())
            if ref is not None:
                ref.welcomed_at = None

    async def on_members_added_activity(
        self, members_added: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        if (
            any(member.id == bot_id for member in members_added)
            or scope_of(turn_context.activity) == PERSONAL
        ):
            await self._welcome_once(turn_context)

    async def _welcome_once(self, turn_context: TurnContext) -> None:
        """One welcome per conversation, however many install/update events Teams sends."""
        now = self.ctx.clock.now()
        with self.ctx.session() as session:
            ref = remember_activity(session, turn_context.activity, now)
            if ref is None or ref.welcomed_at is not None:
                return
            ref.welcomed_at = now
            programme = current_programme(session, now)
            person = sender_person(session, turn_context.activity)
            tz = (person.time_zone if person else None) or self.ctx.settings.default_time_zone
        if scope_of(turn_context.activity) == TEAM:
            await turn_context.send_activity(
                "Hello, I'm Step Forward, the mentoring programme's assistant. A programme "
                "coordinator can @mention me with **setup coordinator channel** to receive "
                "applications and alerts here."
            )
            return
        await turn_context.send_activity(card_message(self._welcome_card(programme, now, tz)))

    def _welcome_card(self, programme, now, tz: str) -> dict:
        data = {
            "intro": "I help you take part in a mentoring programme: apply, meet your mentor "
            "each month, and get help quickly if something gets in the way.",
        }
        if programme is not None:
            data["programme_name"] = programme.name
            data["programme_line"] = (
                f"{programme.name}: applications are open until "
                f"{format_closing_date(programme.window_closes_at, tz)}."
                if window_is_open(programme, now)
                else closed_message(programme, now, tz)
            )
        return render_card("welcome", data)

    # --- messages --------------------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        text = command_text(activity)
        value = activity.value if isinstance(activity.value, dict) else None
        if value is not None and await self._on_card_action(turn_context, value):
            return
        if not text and value is not None:
            text = CARD_ACTIONS.get(str(value.get("action")), "")
        parsed = parse(text, scope_of(activity)) if text else None
        if parsed is not None:
            await self._run_command(turn_context, parsed.command, parsed.argument)
            return
        dialog_context = await self.dialogs.create_context(turn_context)
        result = await dialog_context.continue_dialog()
        if result.status == DialogTurnStatus.Empty:
            await turn_context.send_activity(
                "Sorry, I didn't understand that. Type **help** to see what I can do."
                if value is None
                else "That card has expired. Type **help** to see what I can do."
            )

    async def _on_card_action(self, turn_context: TurnContext, value: dict) -> bool:
        """Buttons that act on records rather than answer a form. True when handled."""
        if "review" in value:
            if await self._allowed(turn_context, Action.REVIEW_APPLICATIONS):
                await self.review.act(turn_context, value)
            return True
        if value.get("pairing") == "confirm":
            if await self._allowed(turn_context, Action.MANAGE_PAIRS):
                try:
                    trainee, mentor = int(value["trainee"]), int(value["mentor"])
                except (KeyError, TypeError, ValueError):
                    await turn_context.send_activity("Sorry, I couldn't read that pairing.")
                    return True
                await self.pairings.confirm(turn_context, trainee, mentor)
            return True
        if "escalation" in value:
            if await self._allowed(turn_context, Action.HANDLE_ESCALATIONS):
                await self.escalations.act(turn_context, value)
            return True
        if "release_block" in value:
            await self.help.release_form_answer(turn_context, value)
            return True
        if "repair_request" in value:
            await self.help.repair_answer(turn_context, value)
            return True
        if "placement" in value:
            await self.help.placement_answer(turn_context, value)
            return True
        if "session" in value:
            await self.sessions.session_answer(turn_context, value)
            return True
        if "check_in" in value:
            await self.sessions.check_in(turn_context, value)
            return True
        if "survey" in value:
            await self.survey_answers.answer(turn_context, value)
            return True
        if "my_data" in value:
            await self.my_data.answer(turn_context, value)
            return True
        if "offer" in value:
            await self.review.answer_offer(turn_context, value)
            return True
        choice = value.get("my_application")
        if choice == "edit":
            await self._start_application(turn_context, {"edit": "review"})
        elif choice == "withdraw":
            await self.my_application.ask_to_withdraw(turn_context)
        elif choice == "withdraw_confirmed":
            await self.my_application.withdraw(turn_context)
        elif choice == "view":
            await self.my_application.show(turn_context)
        else:
            return False
        return True

    async def _allowed(self, turn_context: TurnContext, action: Action) -> bool:
        return await self._roles_if_allowed(turn_context, action) is not None

    async def _roles_if_allowed(
        self, turn_context: TurnContext, action: Action
    ) -> frozenset[Role] | None:
        """The sender's roles if they may do `action`; else None, and they are told why not."""
        sender = sender_of(turn_context.activity)
        with self.ctx.session() as session:
            roles = self.ctx.roles(session, sender.aad_object_id)
        if may(roles, action):
            return roles
        log.info("refused action=%s", action)
        await turn_context.send_activity(
            "Sorry, only programme coordinators can do that. If you think you should be "
            "one, please ask your programme coordinator."
        )
        return None

    async def _run_command(self, turn_context: TurnContext, command: Command, argument: str):
        roles = await self._roles_if_allowed(turn_context, command.action)
        if roles is not None:
            await getattr(self, f"_do_{command.key}")(turn_context, argument, roles)

    async def _start_application(self, turn_context: TurnContext, options: dict) -> None:
        dialog_context = await self.dialogs.create_context(turn_context)
        await dialog_context.cancel_all_dialogs()
        await dialog_context.begin_dialog("application", options)

    async def _do_help(self, turn_context: TurnContext, _argument: str, roles) -> None:
        scope = scope_of(turn_context.activity)
        visible: list[Command] = [
            c
            for c in commands_for(scope)
            if c.action not in COORDINATOR_ONLY or may(roles, c.action)
        ]
        lines = [f"- **{c.name}**: {c.description}" for c in visible]
        where = "in this channel (mention me first)" if scope == TEAM else "here"
        await turn_context.send_activity(
            f"Here is what you can ask me {where}:\n\n" + "\n".join(lines)
        )

    async def _do_apply(self, turn_context: TurnContext, _argument: str, _roles) -> None:
        reopened = self.my_application.reopen_if_withdrawn(turn_context)
        if reopened:
            await turn_context.send_activity(
                "Welcome back — your application is open again with your earlier answers."
            )
        await self._start_application(turn_context, {"welcome_back": not reopened})

    async def _do_my_application(self, turn_context: TurnContext, _argument: str, _roles):
        await self.my_application.show(turn_context)

    async def _do_my_programme(self, turn_context: TurnContext, _argument: str, _roles):
        await self.my_programme.show(turn_context)

    async def _do_add_step(self, turn_context: TurnContext, argument: str, _roles) -> None:
        await self.my_programme.add_step(turn_context, argument)

    async def _do_done(self, turn_context: TurnContext, argument: str, _roles) -> None:
        await self.my_programme.tick(turn_context, argument)

    async def _do_snooze(self, turn_context: TurnContext, argument: str, _roles) -> None:
        await self.my_programme.snooze(turn_context, argument)

    async def _do_i_need_help(self, turn_context: TurnContext, argument: str, _roles) -> None:
        await self.help.need_help(turn_context, argument)

    async def _do_i_can_t_get_released(self, turn_context: TurnContext, argument: str, _roles):
        await self.help.ask_release(turn_context, argument)

    async def _do_i_want_a_different_mentor(self, turn_context: TurnContext, argument: str, _r):
        await self.help.ask_repair(turn_context, argument)

    async def _do_placements(self, turn_context: TurnContext, _argument: str, _roles) -> None:
        await self.help.show_placements(turn_context)

    async def _do_escalations(self, turn_context: TurnContext, _argument: str, _roles) -> None:
        await send_paged(turn_context, self.escalations.listing(self.ctx.clock.now()))

    async def _do_my_data(self, turn_context: TurnContext, _argument: str, _roles) -> None:
        await self.my_data.show(turn_context)

    async def _do_my_feedback(self, turn_context: TurnContext, _argument: str, _roles):
        await self.mentor_feedback.show(turn_context)

    async def _do_delete_my_data(self, turn_context: TurnContext, _argument: str, _roles):
        await self.my_data.ask_to_delete(turn_context)

    async def _do_report(self, turn_context: TurnContext, _argument: str, _roles) -> None:
        await self._send_card_or_text(turn_context, self.reports.report_card())

    async def _do_export(self, turn_context: TurnContext, _argument: str, _roles) -> None:
        await self._send_card_or_text(turn_context, self.reports.export_card())

    async def _do_dashboard(self, turn_context: TurnContext, _argument: str, _roles) -> None:
        sender = sender_of(turn_context.activity)
        reply = dashboard_reply(self.ctx, sender.aad_object_id, self.ctx.clock.now())
        await self._send_card_or_text(turn_context, reply)

    async def _send_card_or_text(self, turn_context: TurnContext, reply: dict | str) -> None:
        await turn_context.send_activity(reply if isinstance(reply, str) else card_message(reply))

    async def _do_applications(self, turn_context: TurnContext, _argument: str, _roles) -> None:
        await send_paged(turn_context, self.review.applications_report(self.ctx.clock.now()))

    async def _do_suggest_pairs(self, turn_context: TurnContext, _argument: str, _roles):
        await self.pairings.suggest(turn_context)

    async def _do_pair(self, turn_context: TurnContext, argument: str, _roles) -> None:
        await self.pairings.pair_by_name(turn_context, argument)

    async def _do_pairs(self, turn_context: TurnContext, _argument: str, _roles) -> None:
        await send_paged(turn_context, self.pairings.listing(self.ctx.clock.now()))

    async def _do_end_pairing(self, turn_context: TurnContext, argument: str, _roles) -> None:
        await self.pairings.end(turn_context, argument, repair=False)

    async def _do_re_pair(self, turn_context: TurnContext, argument: str, _roles) -> None:
        await self.pairings.end(turn_context, argument, repair=True)

    async def _do_window(self, turn_context: TurnContext, argument: str, _roles) -> None:
        sender = sender_of(turn_context.activity)
        await turn_context.send_activity(
            self.review.window(argument, self.ctx.clock.now(), sender.aad_object_id)
        )

    async def _do_dates(self, turn_context: TurnContext, argument: str, _roles) -> None:
        sender = sender_of(turn_context.activity)
        await turn_context.send_activity(
            self.programme_dates.dates(argument, self.ctx.clock.now(), sender.aad_object_id)
        )

    async def _do_setup_coordinator_channel(
        self, turn_context: TurnContext, _argument: str, _roles
    ) -> None:
        activity = turn_context.activity
        if activity.conversation.conversation_type != "channel":
            await turn_context.send_activity(
                "Please run **setup coordinator channel** in the team channel you want to use."
            )
            return
        now = self.ctx.clock.now()
        with self.ctx.session() as session:
            ref = remember_activity(session, activity, now)
            programme = current_programme(session, now)
            if programme is None:
                reply = "There is no programme yet, so there is nothing to set up."
            else:
                programme.coordinator_conversation_id = ref.conversation_id
                session.add(programme)
                reply = (
                    f"Done: this channel is now the coordinator channel for {programme.name}. "
                    "Applications, escalations and reports will be posted here."
                )
        await turn_context.send_activity(reply)
