"""The coordinators' dashboard: the programme at a glance, as a Teams tab or behind a link.

Its HTTP routes (the page, its static files, its data) and the `dashboard` command, which
answers with a short-lived link to the same page.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.commands import PERSONAL, TEAM, Command
from bot.dashboard.command import dashboard_reply
from bot.dashboard.web import routes
from bot.features import Registry, Services
from bot.reports.reports import ReportPart
from bot.teams import Turn
from domain.authorisation import Action


def register(registry: Registry, services: Services, *, parts: Sequence[ReportPart] = ()) -> None:
    """`parts`: what other features add to the report, shown on the dashboard too."""
    ctx = services.ctx
    for route in routes(ctx, parts):
        registry.route(route)

    async def dashboard(turn: Turn, _argument: str, _roles) -> None:
        await turn.send(dashboard_reply(ctx, turn.sender.aad_object_id, ctx.clock.now()))

    registry.command(
        Command(
            "dashboard",
            "A link to the programme dashboard: funnel, pairs by month, escalations, surveys",
            (PERSONAL, TEAM),
            Action.READ_REPORTS,
            listed=False,
        ),
        dashboard,
    )
