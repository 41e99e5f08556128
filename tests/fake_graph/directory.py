"""The fake directory: users, their managers, and groups (nested groups, devices, paging).

Endpoints: "user" (GET /users/{id}), "manager" (GET /users/{id}/manager), "group_members"
(GET /groups/{id}/members and /transitiveMembers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from tests.fake_graph.server import Call, GraphServer

USER = "#microsoft.graph.user"
GROUP = "#microsoft.graph.group"
DEVICE = "#microsoft.graph.device"


class FakeDirectory:
    def __init__(self, server: GraphServer) -> None:
        self.server = server
        # id → {"displayName", "mail", "userPrincipalName", "jobTitle"}
        self.users: dict[str, dict] = {}
        # user id → the manager's JSON (as Graph answers it), or the manager's user id
        self.managers: dict[str, dict | str] = {}
        # group id → member ids: users, devices, or other groups (nested)
        self.groups: dict[str, list[str]] = {}
        self.devices: set[str] = set()
        server.route("GET", "/users/{user}", "user", self._user)
        server.route("GET", "/users/{user}/manager", "manager", self._manager)
        server.route("GET", "/groups/{group}/members", "group_members", self._members)
        server.route("GET", "/groups/{group}/transitiveMembers", "group_members", self._transitive)

    def add_user(
        self,
        user_id: str,
        name: str,
        mail: str | None = None,
        *,
        job_title: str | None = None,
        manager: str | None = None,
    ) -> str:
        self.users[user_id] = {
            "id": user_id,
            "displayName": name,
            "mail": mail,
            "userPrincipalName": mail or f"{user_id}@contoso.example",
            "jobTitle": job_title,
        }
        if manager is not None:
            self.managers[user_id] = manager
        return user_id

    def address_of(self, user_id: str) -> str | None:
        user = self.users.get(user_id)
        return (user.get("mail") or user.get("userPrincipalName")) if user else None

    async def _user(self, request: web.Request, _call: Call) -> web.Response:
        user = self.users.get(request.match_info["user"])
        if user is None:
            return self.server.error(404, "Request_ResourceNotFound")
        return web.json_response(user)

    async def _manager(self, request: web.Request, _call: Call) -> web.Response:
        manager = self.managers.get(request.match_info["user"])
        if isinstance(manager, str):
            manager = self.users.get(manager)
        if manager is None:
            return self.server.error(404, "Request_ResourceNotFound")
        return web.json_response(manager)

    def _member(self, member_id: str) -> dict:
        kind = GROUP if member_id in self.groups else DEVICE if member_id in self.devices else USER
        return {"@odata.type": kind, "id": member_id}

    async def _members(self, request: web.Request, _call: Call) -> web.Response:
        group = request.match_info["group"]
        if group not in self.groups:
            return self.server.error(404, "Request_ResourceNotFound")
        return self.server.page(request, [self._member(m) for m in self.groups[group]])

    async def _transitive(self, request: web.Request, _call: Call) -> web.Response:
        group = request.match_info["group"]
        if group not in self.groups:
            return self.server.error(404, "Request_ResourceNotFound")
        seen: dict[str, None] = {}
        pending = list(self.groups[group])
        while pending:
            member = pending.pop(0)
            if member in seen:
                continue
            seen[member] = None
            pending.extend(self.groups.get(member, ()))
        return self.server.page(request, [self._member(m) for m in seen])
