"""One incoming activity as the features see it: who sent it, where, what they said or pressed,
and how to answer.

Features take a `Turn`, never botbuilder's `TurnContext`, so they do not depend on the Bot
Framework SDK: a reply is text or an Adaptive Card (a filled template, a dict), and messages
sent later go through the outbox with `Turn.messenger` behind it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botbuilder.core import TurnContext

from bot.teams.activities import (
    Sender,
    card_message,
    command_text,
    conversation_id_of,
    scope_of,
    sender_of,
)
from bot.teams.paging import numbered_pages
from domain.authorisation import Role

if TYPE_CHECKING:
    from bot.teams.messenger import TeamsMessenger

# Where the handler keeps the turn's `Turn`, so dialogs (which get the SDK's context) can
# hand features the same object.
_TURN_STATE_KEY = "stepforward.turn"

# A reply: text (Markdown as Teams renders it) or one Adaptive Card.
Reply = str | dict


class DialogRunner:
    """Starts and continues the bot's dialogs on a turn (implemented by the handler)."""

    async def begin(self, context: TurnContext, dialog_id: str, options: dict) -> None:
        raise NotImplementedError

    async def resume(self, context: TurnContext) -> bool:
        raise NotImplementedError

    async def in_progress(self, context: TurnContext) -> str | None:
        raise NotImplementedError


class Turn:
    def __init__(
        self,
        context: TurnContext,
        messenger: TeamsMessenger,
        dialogs: DialogRunner | None = None,
        *,
        sender_roles: frozenset[Role] | None = None,
    ) -> None:
        self._context = context
        self.messenger = messenger
        self._dialogs = dialogs
        # The sender's roles as read at the start of this turn (None: not read).
        self.sender_roles = sender_roles
        self.sender: Sender = sender_of(context.activity)
        self.scope: str = scope_of(context.activity)
        context.turn_state[_TURN_STATE_KEY] = self

    @classmethod
    def of(cls, context: TurnContext) -> Turn:
        """The `Turn` the handler made for this SDK context (dialogs use it)."""
        return context.turn_state[_TURN_STATE_KEY]

    # --- what came in ---------------------------------------------------------------------------

    @property
    def text(self) -> str:
        """What the person typed, without the bot's @mention."""
        return command_text(self._context.activity)

    @property
    def value(self) -> dict | None:
        """The data of a card button pressed, if this is one."""
        value = self._context.activity.value
        return value if isinstance(value, dict) else None

    @property
    def replied_to_id(self) -> str | None:
        """The id of the bot's message whose button was pressed (to update that card)."""
        return self._context.activity.reply_to_id

    @property
    def conversation_id(self) -> str | None:
        """Where this came from: a personal chat, or a channel (without its thread part)."""
        return conversation_id_of(self._context.activity)

    @property
    def is_channel(self) -> bool:
        conversation = self._context.activity.conversation
        return getattr(conversation, "conversation_type", None) == "channel"

    def conversation_reference(self) -> dict:
        """This conversation, stored form: lets a message here be sent or changed later."""
        return TurnContext.get_conversation_reference(self._context.activity).serialize()

    # --- answering ------------------------------------------------------------------------------

    async def send(self, reply: Reply) -> str | None:
        """Reply in this conversation; the id of the message sent."""
        activity = card_message(reply) if isinstance(reply, dict) else reply
        response = await self._context.send_activity(activity)
        return response.id if response else None

    async def send_all(self, replies: list[Reply]) -> None:
        for reply in replies:
            await self.send(reply)

    async def send_paged(self, text: str) -> None:
        """Reply with `text`, in as many messages as its size needs (see `bot.teams.paging`)."""
        for page in numbered_pages(text):
            await self.send(page)

    # --- dialogs --------------------------------------------------------------------------------

    async def begin_dialog(self, dialog_id: str, options: dict[str, Any]) -> None:
        """Start a dialog (a multi-step form), replacing any in progress."""
        if self._dialogs is None:
            raise RuntimeError("this turn has no dialogs")
        await self._dialogs.begin(self._context, dialog_id, options)

    async def dialog_in_progress(self) -> str | None:
        """The id of the dialog this conversation is in, if any."""
        if self._dialogs is None:
            return None
        return await self._dialogs.in_progress(self._context)

    async def resume_dialog(self) -> bool:
        """Give the turn to the dialog in progress; False when there is none."""
        if self._dialogs is None:
            return False
        return await self._dialogs.resume(self._context)
