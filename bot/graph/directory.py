"""People in the directory: a user's line manager, a user's mail address, a group's members.

Application permissions: `User.Read.All` (a user, their manager) and `GroupMember.Read.All`
(the members of a group). The manager's name and address are for the coordinators' cards;
they are never logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.graph.errors import GraphError, GraphErrorKind
from bot.graph.wire import path_segment

if TYPE_CHECKING:
    from bot.graph.client import GraphClient

USER_TYPE = "#microsoft.graph.user"
# Graph's largest page for directory collections: fewer round trips for a big staff group.
MEMBERS_PAGE_SIZE = 999
USER_FIELDS = "id,displayName,mail,userPrincipalName,jobTitle"


@dataclass(frozen=True)
class Manager:
    name: str
    email: str | None = None
    job_title: str | None = None
    aad_object_id: str | None = None


@dataclass(frozen=True)
class DirectoryUser:
    aad_object_id: str
    name: str | None
    email: str | None  # the mail address, else the user principal name (both SMTP-shaped)


def _address(body: dict) -> str | None:
    return body.get("mail") or body.get("userPrincipalName") or None


async def _user_object(client: GraphClient, operation: str, path: str) -> dict | GraphError:
    """A user (or a manager) as Graph answers it, with the fields the bot uses."""
    response = await client.request(operation, "GET", path, params={"$select": USER_FIELDS})
    if isinstance(response, GraphError):
        return response
    return response.body if isinstance(response.body, dict) else {}


async def line_manager(client: GraphClient, aad_object_id: str) -> Manager | GraphError:
    """The user's manager (`GET /users/{id}/manager`). NOT_FOUND: no manager is recorded (or
    no such user; Graph does not tell the two apart)."""
    operation = "directory.manager"
    body = await _user_object(client, operation, f"/users/{path_segment(aad_object_id)}/manager")
    if isinstance(body, GraphError):
        return body
    if not body.get("displayName"):
        # An organisational contact or an empty record: nobody the bot could name.
        return GraphError(GraphErrorKind.NOT_FOUND, operation)
    return Manager(
        name=body["displayName"],
        email=_address(body),
        job_title=body.get("jobTitle"),
        aad_object_id=body.get("id"),
    )


async def user(client: GraphClient, aad_object_id: str) -> DirectoryUser | GraphError:
    """One user by AAD object id (`GET /users/{id}`): their mail address is what getSchedule
    and meeting invitations name them by."""
    body = await _user_object(client, "directory.user", f"/users/{path_segment(aad_object_id)}")
    if isinstance(body, GraphError):
        return body
    return DirectoryUser(
        aad_object_id=body.get("id") or aad_object_id,
        name=body.get("displayName"),
        email=_address(body),
    )


async def group_member_ids(
    client: GraphClient, group_id: str, *, transitive: bool = True
) -> list[str] | GraphError:
    """The AAD object ids of the users in a group, every page of them, in Graph's order.

    Transitive by default (`/transitiveMembers`): a staff group made of site groups reaches
    the people in them. Members that are not users (devices, contacts, nested groups
    themselves) are left out; a user in two nested groups is listed once.
    """
    relation = "transitiveMembers" if transitive else "members"
    members = await client.collect(
        "directory.group_members",
        f"/groups/{path_segment(group_id)}/{relation}",
        params={"$select": "id", "$top": str(MEMBERS_PAGE_SIZE)},
    )
    if isinstance(members, GraphError):
        return members
    ids: dict[str, None] = {}
    for member in members:
        if member.get("@odata.type") == USER_TYPE and isinstance(member.get("id"), str):
            ids.setdefault(member["id"], None)
    return list(ids)
