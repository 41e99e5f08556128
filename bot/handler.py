"""The activity handler: Teams traffic in, replies out. Routing only; rules live in domain/."""

from __future__ import annotations

import logging

from botbuilder.core import ActivityHandler, CardFactory, MessageFactory, TurnContext
from botbuilder.schema import ChannelAccount

from adaptive_cards import render_card
from bot.commands import PERSONAL, TEAM, Command, commands_for, parse
from bot.context import AppContext
from bot.conversation_memory import remember_activity
from bot.teams import command_text, scope_of, sender_of
from domain.authorisation import COORDINATOR_ONLY, may
from store.programmes import current_programme

log = logging.getLogger(__name__)

CARD_ACTIONS = {"apply": "apply", "my_programme": "my programme", "help": "help"}


def card_message(card: dict):
    return MessageFactory.attachment(CardFactory.adaptive_card(card))


class StepForwardBot(ActivityHandler):
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    async def on_turn(self, turn_context: TurnContext) -> None:
        with self.ctx.session() as session:
            remember_activity(session, turn_context.activity, self.ctx.clock.now())
        await super().on_turn(turn_context)

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
        if scope_of(turn_context.activity) == TEAM:
            await turn_context.send_activity(
                "Hello, I'm Step Forward, the mentoring programme's assistant. A programme "
                "coordinator can @mention me with **setup coordinator channel** to receive "
                "applications and alerts here."
            )
            return
        await turn_context.send_activity(card_message(self._welcome_card(programme, now)))

    def _welcome_card(self, programme, now) -> dict:
        data = {
            "intro": "I help you take part in a mentoring programme: apply, meet your mentor "
            "each month, and get help quickly if something gets in the way.",
        }
        if programme is not None:
            is_open = programme.window_opens_at <= now < programme.window_closes_at
            data["programme_name"] = programme.name
            data["programme_line"] = (
                f"{programme.name}: applications are open until "
                f"{programme.window_closes_at:%d %B %Y}."
                if is_open
                else f"{programme.name}: applications are closed at the moment."
            )
        return render_card("welcome", data)

    # --- messages --------------------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        text = command_text(activity)
        if not text and isinstance(activity.value, dict):
            text = CARD_ACTIONS.get(str(activity.value.get("action")), "")
        scope = scope_of(activity)
        parsed = parse(text, scope)
        if parsed is None:
            await turn_context.send_activity(
                "Sorry, I didn't understand that. Type **help** to see what I can do."
            )
            return
        command = parsed.command
        sender = sender_of(activity)
        with self.ctx.session() as session:
            roles = self.ctx.roles(session, sender.aad_object_id)
        if not may(roles, command.action):
            log.info("refused action=%s", command.action)
            await turn_context.send_activity(
                "Sorry, only programme coordinators can do that. If you think you should be "
                "one, please ask your programme coordinator."
            )
            return
        handler = getattr(self, f"_do_{command.action.value}")
        await handler(turn_context, parsed.argument, roles)

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
        now = self.ctx.clock.now()
        with self.ctx.session() as session:
            programme = current_programme(session, now)
        if programme is None:
            await turn_context.send_activity(
                "There is no mentoring programme open for applications right now."
            )
            return
        if not programme.window_opens_at <= now < programme.window_closes_at:
            await turn_context.send_activity(
                f"Applications for {programme.name} are closed at the moment."
            )
            return
        await turn_context.send_activity(
            f"Applications for {programme.name} are open until "
            f"{programme.window_closes_at:%d %B %Y}."
        )

    async def _do_view_own(self, turn_context: TurnContext, _argument: str, _roles) -> None:
        await turn_context.send_activity(
            "You're not paired with anyone yet. Type **apply** to join the programme."
        )

    async def _do_setup_channel(self, turn_context: TurnContext, _argument: str, _roles) -> None:
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
