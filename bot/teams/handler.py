"""The Bot Framework activity handler: welcomes people once, and hands every message to the
router as a `Turn` (features never see the SDK). It also runs the dialogs, whose state it keeps
in our database. Who wrote and where is remembered before the turn, with its delivery's claim
(`bot.teams.endpoint`)."""

from __future__ import annotations

from botbuilder.core import ActivityHandler, ConversationState, TurnContext
from botbuilder.dialogs import DialogSet, DialogTurnStatus
from botbuilder.schema import ChannelAccount

from bot.commands import PERSONAL, TEAM
from bot.context import AppContext
from bot.features import Registry
from bot.routing import Router
from bot.teams.activities import scope_of, sender_of
from bot.teams.conversation_memory import remembered_conversation_id
from bot.teams.dialog_storage import DatabaseStorage
from bot.teams.messenger import TeamsMessenger
from bot.teams.turn import DialogRunner, Turn
from store.conversations import forget_welcome, mark_welcomed

# Where `on_remembered_turn` keeps the sender's roles for the turn's `Turn`.
_SENDER_ROLES = "stepforward.sender_roles"


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

    async def on_remembered_turn(self, turn_context: TurnContext, granted: frozenset[str]) -> None:
        """The turn of an activity already remembered (`remember_activity`), whose sender the
        store grants `granted`: read with the sender, for this turn only, so a revoked role is
        refused at the sender's next message, on any instance (nothing is cached across
        turns)."""
        turn_context.turn_state[_SENDER_ROLES] = self.ctx.roles_granted(
            sender_of(turn_context.activity).aad_object_id, granted
        )
        await self.on_turn(turn_context)
        await self.conversation_state.save_changes(turn_context)

    # --- installation and membership -------------------------------------------------------

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        await self._welcome_once(turn_context)

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        conversation_id = remembered_conversation_id(turn_context.activity)
        if conversation_id is not None:
            with self.ctx.session() as session:
                forget_welcome(session, conversation_id)

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
        conversation_id = remembered_conversation_id(turn_context.activity)
        if conversation_id is None:
            return
        with self.ctx.session() as session:
            if not mark_welcomed(session, conversation_id, self.ctx.clock.now()):
                return
        turn = self._turn(turn_context)
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
        await self.router.on_message(self._turn(turn_context))

    def _turn(self, turn_context: TurnContext) -> Turn:
        roles = turn_context.turn_state.get(_SENDER_ROLES)
        return Turn(turn_context, self.messenger, self, sender_roles=roles)

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
