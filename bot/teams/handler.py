"""The Bot Framework activity handler: remembers who wrote and where, welcomes people once, and
hands every message to the router as a `Turn` (features never see the SDK). It also runs the
dialogs, whose state it keeps in our database."""

from __future__ import annotations

from botbuilder.core import ActivityHandler, ConversationState, TurnContext
from botbuilder.dialogs import DialogSet, DialogTurnStatus
from botbuilder.schema import ChannelAccount

from bot.commands import PERSONAL, TEAM
from bot.context import AppContext
from bot.features import Registry
from bot.routing import Router
from bot.teams.activities import scope_of
from bot.teams.conversation_memory import remember_activity
from bot.teams.dialog_storage import DatabaseStorage
from bot.teams.messenger import TeamsMessenger
from bot.teams.turn import DialogRunner, Turn


class TeamsHandler(ActivityHandler, DialogRunner):
    def __init__(
        self,
        ctx: AppContext,
        messenger: TeamsMessenger,
        registry: Registry,
        router: Router,
    ) -> None:
        self.ctx = ctx
        self.messenger = messenger
        self.registry = registry
        self.router = router
        self.conversation_state = ConversationState(DatabaseStorage(ctx))
        self.dialogs = DialogSet(self.conversation_state.create_property("DialogState"))
        for dialog in registry.dialogs:
            self.dialogs.add(dialog)

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
        turn = Turn(turn_context, self.messenger, self)
        if turn.scope == TEAM:
            await turn.send(
                "Hello, I'm Step Forward, the mentoring programme's assistant. A programme "
                "coordinator can @mention me with **setup coordinator channel** to receive "
                "applications and alerts here."
            )
            return
        for greet in self.registry.first_contacts:
            if await greet(turn):
                return
        if self.registry.welcome is not None:
            await turn.send(await self.registry.welcome(turn))

    # --- messages --------------------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await self.router.on_message(Turn(turn_context, self.messenger, self))

    # --- dialogs (`DialogRunner`) ----------------------------------------------------------

    async def begin(self, context: TurnContext, dialog_id: str, options: dict) -> None:
        dialog_context = await self.dialogs.create_context(context)
        await dialog_context.cancel_all_dialogs()
        await dialog_context.begin_dialog(dialog_id, options)

    async def in_progress(self, context: TurnContext) -> str | None:
        dialog_context = await self.dialogs.create_context(context)
        active = dialog_context.active_dialog
        return active.id if active is not None else None

    async def resume(self, context: TurnContext) -> bool:
        dialog_context = await self.dialogs.create_context(context)
        result = await dialog_context.continue_dialog()
        return result.status != DialogTurnStatus.Empty
