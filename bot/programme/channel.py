"""`setup coordinator channel`: the channel that receives applications, escalations and
reports."""

from __future__ import annotations

from bot.context import AppContext
from bot.teams import Turn
from store.programmes import current_programme


class CoordinatorChannel:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    async def set_up(self, turn: Turn, _argument: str, _roles) -> None:
        if not turn.is_channel:
            await turn.send(
                "Please run **setup coordinator channel** in the team channel you want to use."
            )
            return
        now = self.ctx.clock.now()
        async with self.ctx.session_then_reply(turn) as (session, replies):
            programme = current_programme(session, now)
            if programme is None:
                replies.append("There is no programme yet, so there is nothing to set up.")
                return
            programme.coordinator_conversation_id = turn.conversation_id
            session.add(programme)
            replies.append(
                f"Done: this channel is now the coordinator channel for {programme.name}. "
                "Applications, escalations and reports will be posted here."
            )
