"""Reports for the coordinators: the `report` card with its chart, and the `export` of the
programme records (both behind expiring links)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.commands import TEAM, Command
from bot.features import Registry, Services
from bot.reports.reports import ReportPart, Reports
from bot.teams import Turn
from domain.authorisation import Action


def register(registry: Registry, services: Services, *, parts: Sequence[ReportPart] = ()) -> None:
    """`parts`: what other features add to the report and the export (the cohort events)."""
    reports = Reports(services.ctx, parts)

    async def report(turn: Turn, _argument: str, _roles) -> None:
        await turn.send(reports.report_card())

    async def export(turn: Turn, _argument: str, _roles) -> None:
        await turn.send(reports.export_card())

    registry.command(
        Command(
            "report",
            "How the programme is going: funnel, sessions, check-ins, surveys, outcomes",
            (TEAM,),
            Action.READ_REPORTS,
        ),
        report,
    )
    registry.command(
        Command(
            "export",
            "Download the programme records as a CSV file",
            (TEAM,),
            Action.READ_REPORTS,
            listed=False,
        ),
        export,
    )
