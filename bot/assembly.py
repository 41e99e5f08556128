"""The one place the bot is put together: the features, in order, on one registry, with the
outbox engine and the router that use what they registered."""

from __future__ import annotations

from dataclasses import dataclass

from bot import (
    announcements,
    applications,
    cohort_events,
    dashboard,
    endings,
    escalations,
    health,
    managers,
    my_data,
    pairing,
    programme,
    reports,
    surveys,
)
from bot.commands import Command
from bot.context import AppContext
from bot.features import Registry, Services
from bot.graph import GraphClient
from bot.outbox.engine import Outbox
from bot.outbox.sweep import Planner
from bot.routing import HELP, Router
from bot.settings import Settings
from bot.surveys.planner import survey_card
from bot.teams import TeamsMessenger


@dataclass(frozen=True)
class Assembly:
    registry: Registry
    outbox: Outbox
    router: Router


def assemble(
    ctx: AppContext, messenger: TeamsMessenger | None, graph: GraphClient | None = None
) -> Assembly:
    """Every feature registered on one registry. Without a `messenger` the result can plan
    (a dry-run sweep, the command table) but not send."""
    registry = Registry()
    outbox = Outbox(ctx, messenger, registry)
    services = Services(
        ctx=ctx,
        outbox=outbox,
        messenger=messenger,
        graph=graph or GraphClient(ctx.settings),
        events=registry.events,
    )
    router = Router(ctx, registry)
    registry.command(HELP, router.help)
    programme.register(registry, services)
    apply = applications.register(registry, services)
    help_ = escalations.register(registry, services)
    events = cohort_events.register(
        registry, services, report_release=help_.report_release, survey_card=survey_card
    )
    pairing.register(registry, services, help_=help_, upcoming=events.my_programme_lines)
    health.register(registry, services)
    managers.register(registry, services, refresh_escalation=help_.escalations.refresh)
    # After the line managers: someone the app was installed for hears about a request first;
    # a waiting announcement then goes with the next sweep.
    announcement_lines = announcements.register(registry, services, apply=apply)
    surveys.register(registry, services)
    closings, endings_report = endings.register(registry, services)
    report_parts = (events, endings_report)
    reports.register(registry, services, parts=report_parts)
    my_data.register(
        registry,
        services,
        sections=(events.data_lines, announcement_lines, closings.data_lines),
    )
    dashboard.register(registry, services, parts=report_parts)
    return Assembly(registry, outbox, router)


def planners(ctx: AppContext) -> list[Planner]:
    """The sweep's planners, as the running bot's features register them."""
    return list(assemble(ctx, None).registry.planners)


def command_table(settings: Settings) -> list[Command]:
    """The commands the bot registers, in order (for the app manifest's menus)."""
    ctx = AppContext(settings=settings, engine=settings.create_engine())
    try:
        return [route.command for route in assemble(ctx, None).registry.commands]
    finally:
        ctx.engine.dispose()
