"""The bot's Teams app in a person's personal scope: is it installed, and installing it.

Installing the app for someone who has never used it lets the bot message them (a line manager,
a member of a staff group): Teams then sends the bot the installation event, which carries the
conversation to message them in. Application permission
`TeamsAppInstallation.ReadWriteSelfForUser.All` (the app may install only itself), and the app
must be published to the organisation's app catalog: its catalog id is
`STEPFORWARD_TEAMS_APP_CATALOG_ID` (not the manifest's id).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from bot.graph.errors import GraphError, GraphErrorKind
from bot.graph.wire import odata_literal, path_segment

if TYPE_CHECKING:
    from bot.graph.client import GraphClient


class InstallOutcome(StrEnum):
    INSTALLED = "installed"
    ALREADY_INSTALLED = "already_installed"


@dataclass(frozen=True)
class AppInstallation:
    installation_id: str
    teams_app_id: str | None  # the catalog id
    external_id: str | None  # the id in the app's manifest


def _installed_apps_path(user_id: str) -> str:
    return f"/users/{path_segment(user_id)}/teamwork/installedApps"


async def installed_app(
    client: GraphClient,
    user_id: str,
    *,
    teams_app_id: str | None = None,
    external_id: str | None = None,
) -> AppInstallation | None | GraphError:
    """The app's installation in the user's personal scope, or None if it is not installed.

    Found by catalog id (default: the configured one) or by the manifest's id (`external_id`).
    """
    operation = "teamwork.installed_app"
    if external_id is not None:
        condition = f"teamsApp/externalId eq {odata_literal(external_id)}"
    else:
        app_id = teams_app_id or client.settings.teams_app_catalog_id
        if not app_id:
            return GraphError(GraphErrorKind.NOT_CONFIGURED, operation, detail="no app id")
        condition = f"teamsApp/id eq {odata_literal(app_id)}"
    apps = await client.collect(
        operation,
        _installed_apps_path(user_id),
        params={"$expand": "teamsApp", "$filter": condition},
    )
    if isinstance(apps, GraphError):
        return apps
    for app in apps:
        if isinstance(app.get("id"), str):
            teams_app = app.get("teamsApp") if isinstance(app.get("teamsApp"), dict) else {}
            return AppInstallation(app["id"], teams_app.get("id"), teams_app.get("externalId"))
    return None


async def install_app(
    client: GraphClient, user_id: str, *, teams_app_id: str | None = None
) -> InstallOutcome | GraphError:
    """Install the app for the user (`POST /users/{id}/teamwork/installedApps`).

    Safe to retry: Graph answers 409 when the app is installed already, which is
    ALREADY_INSTALLED here. FORBIDDEN: the permission is missing or an app policy blocks the
    app for this user; NOT_FOUND: no such user, or the catalog id is wrong.
    """
    operation = "teamwork.install_app"
    app_id = teams_app_id or client.settings.teams_app_catalog_id
    if not app_id:
        return GraphError(GraphErrorKind.NOT_CONFIGURED, operation, detail="no app id")
    response = await client.request(
        operation,
        "POST",
        _installed_apps_path(user_id),
        json={"teamsApp@odata.bind": f"{client.base_url}/appCatalogs/teamsApps/{app_id}"},
        idempotent=True,  # a repeat answers 409
    )
    if isinstance(response, GraphError):
        if response.status == 409:
            return InstallOutcome.ALREADY_INSTALLED
        return response
    return InstallOutcome.INSTALLED
