"""What every part of the running bot shares: settings, database, clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.outbox.pacing import Pacer
from bot.outbox.send_slots import SendSlots
from bot.outbox.shared_pace import SharedAppBudget
from bot.settings import Settings
from domain.authorisation import Role, roles_for
from domain.clock import Clock, SystemClock
from store.db import session_scope
from store.people import roles_of

if TYPE_CHECKING:
    from bot.teams import Reply, Turn


@dataclass
class AppContext:
    settings: Settings
    engine: Engine
    clock: Clock = field(default_factory=SystemClock)
    # Paces this process's proactive sends under Teams' limits (shared by every dispatch); on
    # PostgreSQL the app-wide limit is one budget for every instance (`SharedAppBudget`).
    pacer: Pacer | None = None
    # This process's sends in flight, at most `dispatch_concurrency` (and never more than the
    # app's rate limit allows at once), across every dispatch.
    send_slots: SendSlots | None = None

    def __post_init__(self) -> None:
        if self.pacer is None:
            shared = self.engine.dialect.name == "postgresql"
            self.pacer = Pacer(
                self.settings.teams_conversation_limits,
                self.settings.teams_app_limits,
                app_budget=(
                    SharedAppBudget(self.engine, self.settings.teams_app_limits) if shared else None
                ),
            )
        if self.send_slots is None:
            ceiling = self.pacer.app_ceiling
            concurrency = self.settings.dispatch_concurrency
            self.send_slots = SendSlots(min(concurrency, ceiling) if ceiling else concurrency)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self.engine) as session:
            yield session

    @asynccontextmanager
    async def session_then_reply(self, turn: Turn) -> AsyncIterator[tuple[Session, list[Reply]]]:
        """A session for a handler's database work and a list for the replies it decides on.

        The block must not await. When it ends (a `return` inside it too) the session commits
        and closes, and only then are the replies sent, in order: a turn never holds a pooled
        connection while it waits for Teams. If the block raises, it rolls back and nothing
        is sent.
        """
        replies: list[Reply] = []
        with self.session() as session:
            yield session, replies
        for reply in replies:
            await turn.send(reply)

    def roles(self, session: Session, aad_object_id: str | None) -> frozenset[Role]:
        granted = roles_of(session, aad_object_id) if aad_object_id else set()
        return self.roles_granted(aad_object_id, granted)

    def roles_granted(self, aad_object_id: str | None, granted: Iterable[str]) -> frozenset[Role]:
        """Their roles, from configuration and `granted` (the roles the store grants them)."""
        return roles_for(
            aad_object_id,
            configured_coordinators=self.settings.coordinators,
            configured_champion=self.settings.champion or None,
            granted=granted,
        )
