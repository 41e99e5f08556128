"""Directory lookups against the fake Graph: a manager, a user's address, a group's members."""

from __future__ import annotations

import pytest

from bot.graph import GraphClient, GraphError, GraphErrorKind, Manager
from bot.graph.directory import DirectoryUser, group_member_ids, line_manager, user
from tests.fake_graph import FakeGraph


@pytest.fixture
def client(graph_settings) -> GraphClient:
    return GraphClient(graph_settings)


@pytest.fixture
def graph(fake_graph: FakeGraph) -> FakeGraph:
    d = fake_graph.directory
    d.add_user("aad-boss", "Jane Manager", "jane@contoso.example", job_title="Station Manager")
    d.add_user("aad-sam", "Sam Taylor", "sam@contoso.example", manager="aad-boss")
    d.add_user("aad-kim", "Kim Lee", None)  # no mailbox: only a user principal name
    return fake_graph


async def test_the_line_manager_with_their_id_for_reaching_them(client, graph):
    assert await line_manager(client, "aad-sam") == Manager(
        "Jane Manager", "jane@contoso.example", "Station Manager", "aad-boss"
    )
    [call] = graph.calls_to("manager")
    assert call.path == "/v1.0/users/aad-sam/manager"
    assert call.query["$select"] == "id,displayName,mail,userPrincipalName,jobTitle"


async def test_no_manager_is_not_found_and_the_old_lookup_says_unknown(client, graph):
    error = await line_manager(client, "aad-kim")
    assert isinstance(error, GraphError) and error.kind is GraphErrorKind.NOT_FOUND
    assert await client.manager_of("aad-kim") is None
    assert await client.manager_of(None) is None
    assert await client.manager_of("aad-sam") == Manager(
        "Jane Manager", "jane@contoso.example", "Station Manager", "aad-boss"
    )


async def test_a_user_by_id_with_their_address(client, graph):
    assert await user(client, "aad-sam") == DirectoryUser(
        "aad-sam", "Sam Taylor", "sam@contoso.example"
    )
    assert await user(client, "aad-kim") == DirectoryUser(
        "aad-kim", "Kim Lee", "aad-kim@contoso.example"
    )
    missing = await user(client, "aad-nobody")
    assert isinstance(missing, GraphError) and missing.kind is GraphErrorKind.NOT_FOUND


async def test_ids_with_odd_characters_stay_one_path_segment(client, graph):
    graph.directory.add_user("odd/id+=", "Odd", "odd@contoso.example")
    found = await user(client, "odd/id+=")
    assert isinstance(found, DirectoryUser) and found.email == "odd@contoso.example"


async def test_group_members_are_users_only_every_page_and_nested_groups_included(client, graph):
    graph.page_size = 2
    d = graph.directory
    d.devices.add("device-1")
    d.groups["site-north"] = ["aad-n1", "aad-n2", "aad-shared"]
    d.groups["all-staff"] = ["aad-a1", "device-1", "site-north", "aad-shared", "aad-a2"]
    members = await group_member_ids(client, "all-staff")
    assert members == ["aad-a1", "aad-shared", "aad-a2", "aad-n1", "aad-n2"]
    assert len(graph.calls_to("group_members")) == 4  # 7 objects, 2 a page
    assert graph.calls_to("group_members")[0].path == "/v1.0/groups/all-staff/transitiveMembers"
    direct = await group_member_ids(client, "all-staff", transitive=False)
    assert direct == ["aad-a1", "aad-shared", "aad-a2"]
    assert graph.calls_to("group_members")[-1].path == "/v1.0/groups/all-staff/members"


async def test_an_unknown_group_or_a_missing_permission_is_an_error_not_an_empty_group(
    client, graph
):
    unknown = await group_member_ids(client, "no-such-group")
    assert isinstance(unknown, GraphError) and unknown.kind is GraphErrorKind.NOT_FOUND
    graph.directory.groups["g"] = ["aad-sam"]
    graph.fail("group_members", 403)
    forbidden = await group_member_ids(client, "g")
    assert isinstance(forbidden, GraphError) and forbidden.kind is GraphErrorKind.FORBIDDEN
    assert await group_member_ids(client, "g") == ["aad-sam"]
