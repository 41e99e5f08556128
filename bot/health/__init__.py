"""Relationship health: every pair's colour (green, amber, red) with its reasons, worked out
by the sweep when what it depends on changes (`domain.health`, stored in `store.health`), and
the coordinators' `health` command listing the pairs that need attention, and their weekly
digest on Monday morning; graded help as a pair's health gets worse (amber: a re-engagement
message to each of the pair; red: a "pair at risk" escalation)."""

from __future__ import annotations

from bot.commands import TEAM, Command
from bot.features import Registry, Services
from bot.health.digest import plan_health_digest
from bot.health.graded_help import re_engagement_still_wanted
from bot.health.listing import health_listing
from bot.health.planner import plan_health
from bot.teams import Turn
from domain.authorisation import Action
from domain.keys import RE_ENGAGEMENT


def register(registry: Registry, services: Services) -> None:
    """After the escalations feature: the health counts the escalations a sweep raised."""
    ctx = services.ctx
    registry.planner(plan_health)
    registry.planner(plan_health_digest)
    registry.still_wanted_check((RE_ENGAGEMENT,), re_engagement_still_wanted)

    async def health(turn: Turn, _argument: str, _roles) -> None:
        await turn.send_paged(health_listing(ctx, ctx.clock.now()))

    registry.command(
        Command(
            "health",
            "Pairs that need attention: red, then amber, with what changed",
            (TEAM,),
            Action.MANAGE_PAIRS,
            listed=False,  # Teams' menu holds 10; `help` lists it
        ),
        health,
    )
