"""The dashboard's HTTP side: the page (and the tab's configuration page), its static files,
and the one request for its data.

`GET /dashboard/api/data` answers to either credential the page has:
`Authorization: Bearer <token>` from Teams tab single sign-on (`sso`), or
`Authorization: Link <token>` from a dashboard link (`links`). Either way the person's roles
decide, at that moment, what the answer holds (`data`); someone who may see none of it gets
403 with a sentence to show, and nothing else.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web

from bot.dashboard.data import dashboard_data, may_see_dashboard
from bot.dashboard.links import DashboardLinks, LinkRefused
from bot.dashboard.sso import SignInRefused, TabTokenValidator
from bot.reports.reports import ReportPart
from store.people import get_person
from store.programmes import current_programme

if TYPE_CHECKING:
    from bot.context import AppContext

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
NOT_FOR_YOU = (
    "This page is for programme coordinators. If you think you should be one, please ask "
    "your programme coordinator."
)
# Teams and the other Microsoft 365 hosts that may show the page as a tab.
FRAME_ANCESTORS = (
    "'self' https://teams.microsoft.com https://*.teams.microsoft.com https://*.cloud.microsoft "
    "https://*.microsoft365.com https://*.office.com https://outlook.office.com "
    "https://outlook.office365.com"
)
# Chartist sets inline styles on its SVG. Nothing is fetched from elsewhere: teams-js's attempt
# to fetch Microsoft's list of host origins is refused, so it uses the list it was built with.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; "
    f"frame-ancestors {FRAME_ANCESTORS}; base-uri 'none'; form-action 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": PAGE_POLICY,
    "Cache-Control": "no-cache",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def _refusal(status: int, message: str) -> web.Response:
    response = web.json_response({"error": message}, status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


class DashboardWeb:
    def __init__(self, ctx: AppContext, parts: Sequence[ReportPart] = ()) -> None:
        self.ctx = ctx
        # What other features add to the report: shown here too.
        self.parts = parts
        self.tokens = TabTokenValidator(ctx.settings)
        self.links = DashboardLinks(ctx.settings)

    async def to_page(self, _request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound("dashboard/")

    async def page(self, _request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC_DIR / "index.html", headers=PAGE_HEADERS)

    async def config_page(self, _request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC_DIR / "config.html", headers=PAGE_HEADERS)

    async def data(self, request: web.Request) -> web.StreamResponse:
        scheme, _, credential = request.headers.get("Authorization", "").partition(" ")
        credential = credential.strip()
        try:
            if scheme.lower() == "bearer" and credential:
                user = await asyncio.to_thread(self.tokens.check, credential)
                aad_object_id, name = user.aad_object_id, user.name
            elif scheme.lower() == "link" and credential:
                aad_object_id, name = self.links.holder(credential, self.ctx.clock.now()), None
            else:
                return _refusal(
                    401,
                    "Open this page from the Dashboard tab in Teams, or ask for a link with "
                    "**dashboard** in the coordinator channel.",
                )
        except SignInRefused as refused:
            return _refusal(refused.status, str(refused))
        except LinkRefused as refused:
            return _refusal(401, str(refused))
        # The store's work in a thread: a large programme must not hold up the event loop.
        body = await asyncio.to_thread(self._data_for, aad_object_id, name)
        if body is None:
            log.info("dashboard refused: not a coordinator")
            return _refusal(403, NOT_FOR_YOU)
        response = web.json_response(body, headers={"Cache-Control": "no-store"})
        response.enable_compression()
        return response

    def _data_for(self, aad_object_id: str, name: str | None) -> dict | None:
        now = self.ctx.clock.now()
        with self.ctx.session() as session:
            roles = self.ctx.roles(session, aad_object_id)
            if not may_see_dashboard(roles):
                return None
            person = get_person(session, aad_object_id)
            viewer = {
                "name": (person.display_name if person else None) or name,
                "roles": sorted(role.value for role in roles),
            }
            programme = current_programme(session, now)
            if programme is None:
                return {
                    "viewer": viewer,
                    "programme": None,
                    "message": "There is no programme yet, so there is nothing to show.",
                }
            data = dashboard_data(session, self.ctx.settings, programme, now, roles, self.parts)
            return {"viewer": viewer, **data}


def routes(ctx: AppContext, parts: Sequence[ReportPart] = ()) -> list[web.AbstractRouteDef]:
    """The dashboard's routes, for `app.router.add_routes`."""
    handlers = DashboardWeb(ctx, parts)
    return [
        web.get("/dashboard", handlers.to_page),
        web.get("/dashboard/", handlers.page),
        web.get("/dashboard/config", handlers.config_page),
        web.get("/dashboard/api/data", handlers.data),
        web.static("/dashboard/static", STATIC_DIR),
    ]
