"""The fake Teams app catalog and apps installed in people's personal scope.

Endpoints: "installed_apps" (GET /users/{id}/teamwork/installedApps with $expand=teamsApp and a
$filter on teamsApp/id or teamsApp/externalId), "install_app" (POST, 201; 409 when installed
already; 404 for an app not in the catalog or a user in `departed`; 403 for a user in
`app_blocked`, whom an app permission policy keeps from having the app).
`on_install(user_id, teams_app_id)` is called after each installation, e.g. for a test to
deliver the installation event to the bot.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from tests.fake_graph.server import Call, GraphServer

APP_CATALOG_ID = "0240a368-25e0-4569-8ebe-13601cb55a18"
APP_MANIFEST_ID = "cf1ba4c7-f94e-4d80-ba90-5594b641a8ee"
APP_FILTER = re.compile(
    r"^\s*teamsApp/(?P<field>id|externalId)\s+eq\s+'(?P<value>(?:[^']|'')*)'\s*$", re.IGNORECASE
)
BIND = re.compile(r"/appCatalogs/teamsApps/(?P<id>[^/]+)$")


class FakeTeamwork:
    def __init__(self, server: GraphServer) -> None:
        self.server = server
        # catalog id → {"id", "externalId", "displayName", "distributionMethod"}
        self.catalog: dict[str, dict] = {}
        # user id → {installation id: catalog id}
        self.installed: dict[str, dict[str, str]] = {}
        self.on_install: Callable[[str, str], None] | None = None
        # Users an app permission policy blocks (403), and users who left the tenant (404).
        self.app_blocked: set[str] = set()
        self.departed: set[str] = set()
        self.add_catalog_app(APP_CATALOG_ID, APP_MANIFEST_ID, "Step Forward")
        path = "/users/{user}/teamwork/installedApps"
        server.route("GET", path, "installed_apps", self._list)
        server.route("POST", path, "install_app", self._install)

    def add_catalog_app(self, catalog_id: str, manifest_id: str, name: str) -> None:
        self.catalog[catalog_id] = {
            "id": catalog_id,
            "externalId": manifest_id,
            "displayName": name,
            "distributionMethod": "organization",
        }

    def install(self, user_id: str, catalog_id: str = APP_CATALOG_ID) -> str:
        """Install an app for a user as if they had done it themselves; the installation id."""
        installation_id = self.server.new_id("NjkwM2Zh")
        self.installed.setdefault(user_id, {})[installation_id] = catalog_id
        return installation_id

    def apps_of(self, user_id: str) -> set[str]:
        return set(self.installed.get(user_id, {}).values())

    async def _list(self, request: web.Request, call: Call) -> web.Response:
        condition = call.query.get("$filter")
        match = APP_FILTER.match(condition) if condition else None
        if condition and match is None:
            return self.server.error(400, "BadRequest", "Unsupported filter")
        expand = "teamsApp" in call.query.get("$expand", "")
        found = []
        for installation_id, catalog_id in self.installed.get(
            request.match_info["user"], {}
        ).items():
            app = self.catalog.get(catalog_id, {"id": catalog_id})
            if match is not None:
                wanted = match["value"].replace("''", "'")
                if app.get("id" if match["field"].lower() == "id" else "externalId") != wanted:
                    continue
            found.append({"id": installation_id, **({"teamsApp": app} if expand else {})})
        return self.server.page(request, found)

    async def _install(self, request: web.Request, call: Call) -> web.Response:
        user = request.match_info["user"]
        bind = (call.body or {}).get("teamsApp@odata.bind", "")
        match = BIND.search(bind) if isinstance(bind, str) else None
        if match is None:
            return self.server.error(400, "BadRequest", "teamsApp@odata.bind is required")
        catalog_id = match["id"]
        if user in self.departed:
            return self.server.error(404, "Request_ResourceNotFound", "No such user")
        if user in self.app_blocked:
            return self.server.error(403, "Forbidden", "App blocked by a permission policy")
        if catalog_id not in self.catalog:
            return self.server.error(404, "NotFound", "No such app in the catalog")
        if catalog_id in self.apps_of(user):
            return self.server.error(409, "Conflict", "App is already installed")
        self.install(user, catalog_id)
        if self.on_install is not None:
            self.on_install(user, catalog_id)
        return web.Response(status=201)
