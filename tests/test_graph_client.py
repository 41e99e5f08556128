"""The Graph transport against the fake Graph: the token, each kind of error, retries, paging."""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr

from bot.graph import GraphClient, GraphError, GraphErrorKind, GraphResponse
from bot.graph.directory import group_member_ids, line_manager
from tests.fake_graph import TOKEN, FakeGraph, Sleeps

USER = "aad-user-1"
MANAGER_PATH = f"/users/{USER}/manager"


@pytest.fixture
def graph(fake_graph: FakeGraph) -> FakeGraph:
    fake_graph.directory.add_user("aad-boss", "Jane Manager", "jane.manager@contoso.example")
    fake_graph.directory.add_user(USER, "Sam Taylor", "sam@contoso.example", manager="aad-boss")
    return fake_graph


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def client(graph_settings, sleeps) -> GraphClient:
    return GraphClient(
        graph_settings.model_copy(update={"graph_retry_base_seconds": 1.0}), sleep=sleeps
    )


@pytest.fixture
def impatient(graph_settings, sleeps) -> GraphClient:
    """A client whose requests time out after 0.3 s (for endpoints the fake leaves hanging)."""
    return GraphClient(
        graph_settings.model_copy(update={"graph_timeout_seconds": 0.3}), sleep=sleeps
    )


async def _get(client: GraphClient) -> GraphResponse | GraphError:
    return await client.request("test.manager", "GET", MANAGER_PATH)


# --- the token ---------------------------------------------------------------------------------


async def test_one_client_credentials_token_serves_every_request(client, graph):
    for _ in range(3):
        response = await _get(client)
        assert isinstance(response, GraphResponse) and response.status == 200
    assert len(graph.token_requests) == 1
    [form] = graph.token_requests
    assert form["grant_type"] == "client_credentials"
    assert form["scope"].split() == [f"{graph.url}/.default"]
    assert len(graph.calls_to("manager")) == 3


async def test_refused_credentials_are_unauthorised_and_not_retried(graph_settings, graph, sleeps):
    client = GraphClient(
        graph_settings.model_copy(update={"graph_client_secret": SecretStr("wrong")}), sleep=sleeps
    )
    error = await _get(client)
    assert isinstance(error, GraphError)
    assert (error.kind, error.code) == (GraphErrorKind.UNAUTHORISED, "invalid_client")
    assert len(graph.token_requests) == 1 and graph.calls == [] and sleeps.waits == []


async def test_a_token_service_that_cannot_be_reached_is_unavailable_after_the_tries(
    graph_settings, graph, sleeps
):
    client = GraphClient(
        graph_settings.model_copy(update={"graph_authority_host": "https://127.0.0.1:9"}),
        sleep=sleeps,
    )
    error = await _get(client)
    assert isinstance(error, GraphError) and error.kind is GraphErrorKind.UNAVAILABLE
    assert error.detail and error.detail.startswith("token ")
    assert len(sleeps.waits) == 2  # three tries in all
    assert graph.calls == []


async def test_a_token_service_in_trouble_is_unavailable_and_not_hammered(client, graph, sleeps):
    graph.fail("token", 503)
    error = await _get(client)
    assert isinstance(error, GraphError) and error.kind is GraphErrorKind.UNAVAILABLE
    # msal holds a 5xx from the token service for a while instead of asking again.
    assert len(graph.token_requests) == 1 and graph.calls == []


async def test_a_token_request_that_times_out_is_tried_again(impatient, graph, sleeps):
    graph.hang("token")
    response = await _get(impatient)
    assert isinstance(response, GraphResponse) and response.status == 200
    assert len(graph.token_requests) == 2 and len(sleeps.waits) == 1


async def test_without_configuration_nothing_is_requested(settings, graph):
    error = await GraphClient(settings).request("test.manager", "GET", MANAGER_PATH)
    assert isinstance(error, GraphError) and error.kind is GraphErrorKind.NOT_CONFIGURED
    assert graph.token_requests == [] and graph.calls == []


# --- each kind of error ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (401, GraphErrorKind.UNAUTHORISED),
        (403, GraphErrorKind.FORBIDDEN),
        (404, GraphErrorKind.NOT_FOUND),
        (400, GraphErrorKind.REJECTED),
        (409, GraphErrorKind.REJECTED),
    ],
)
async def test_client_errors_are_classified_and_never_retried(client, graph, sleeps, status, kind):
    graph.fail("manager", status, times=None)
    error = await _get(client)
    assert isinstance(error, GraphError)
    assert (error.kind, error.status, error.operation) == (kind, status, "test.manager")
    assert error.code and error.request_id and error.request_id.startswith("req-")
    assert len(graph.calls_to("manager")) == 1 and sleeps.waits == []


async def test_a_throttled_call_waits_as_long_as_graph_asks_then_succeeds(client, graph, sleeps):
    graph.fail("manager", 429, retry_after=2)
    response = await _get(client)
    assert isinstance(response, GraphResponse) and response.body["displayName"] == "Jane Manager"
    assert sleeps.waits == [2.0]
    assert len(graph.calls_to("manager")) == 2


async def test_throttled_on_every_try_gives_throttled_with_retry_after(client, graph, sleeps):
    graph.fail("manager", 429, retry_after=3, times=None)
    error = await _get(client)
    assert isinstance(error, GraphError)
    assert (error.kind, error.retry_after) == (GraphErrorKind.THROTTLED, 3.0)
    assert sleeps.waits == [3.0, 3.0] and len(graph.calls_to("manager")) == 3


async def test_a_retry_after_longer_than_the_cap_ends_the_tries_at_once(client, graph, sleeps):
    graph.fail("manager", 429, retry_after=120)
    error = await _get(client)
    assert isinstance(error, GraphError)
    assert (error.kind, error.retry_after) == (GraphErrorKind.THROTTLED, 120.0)
    assert sleeps.waits == [] and len(graph.calls_to("manager")) == 1


async def test_two_unavailable_answers_then_success_back_off_exponentially(client, graph, sleeps):
    graph.fail("manager", 503, times=2)
    response = await _get(client)
    assert isinstance(response, GraphResponse) and response.status == 200
    assert len(graph.calls_to("manager")) == 3
    first, second = sleeps.waits
    assert 1.0 <= first <= 2.0 and 2.0 <= second <= 3.0  # 1 s, then 2 s, each + up to 1 s


async def test_unavailable_on_every_try_gives_unavailable(client, graph, sleeps):
    graph.fail("manager", 500, times=None)
    error = await _get(client)
    assert isinstance(error, GraphError)
    assert (error.kind, error.status) == (GraphErrorKind.UNAVAILABLE, 500)
    assert len(graph.calls_to("manager")) == 3 and len(sleeps.waits) == 2


async def test_a_timeout_is_unavailable_and_a_read_is_tried_again(impatient, graph):
    graph.hang("manager")
    response = await _get(impatient)
    assert isinstance(response, GraphResponse) and response.status == 200
    assert len(graph.calls_to("manager")) == 2
    graph.hang("manager", times=None)
    error = await _get(impatient)
    assert isinstance(error, GraphError)
    assert (error.kind, error.detail, error.maybe_acted) == (
        GraphErrorKind.UNAVAILABLE,
        "timeout",
        True,
    )


async def test_a_post_that_may_have_acted_is_not_repeated_unless_it_is_idempotent(client, graph):
    draft = {
        "start": {"dateTime": "2026-11-24T14:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2026-11-24T16:00:00", "timeZone": "UTC"},
    }
    graph.fail("create_event", 503, act_first=True)
    error = await client.request("test.post", "POST", f"/users/{USER}/events", json=draft)
    assert isinstance(error, GraphError) and error.maybe_acted
    assert len(graph.calls_to("create_event")) == 1  # not repeated: Graph may have created it
    assert len(graph.calendar.events) == 1
    graph.fail("create_event", 429, retry_after=1)
    created = await client.request("test.post", "POST", f"/users/{USER}/events", json=draft)
    assert isinstance(created, GraphResponse) and created.status == 201  # 429: nothing was done
    assert len(graph.calls_to("create_event")) == 3


async def test_a_link_to_another_host_is_refused_without_sending_the_token(client, graph):
    error = await client.request("test.link", "GET", "https://elsewhere.example/v1.0/users")
    assert isinstance(error, GraphError) and error.detail == "foreign link"
    assert graph.calls == []


async def test_logs_carry_ids_and_codes_never_names_addresses_or_tokens(client, graph, caplog):
    caplog.set_level(logging.INFO, logger="bot.graph")
    graph.fail("manager", 403, code="Authorization_RequestDenied")
    error = await line_manager(client, USER)
    assert isinstance(error, GraphError) and error.kind is GraphErrorKind.FORBIDDEN
    assert "op=directory.manager kind=forbidden status=403" in caplog.text
    assert "code=Authorization_RequestDenied" in caplog.text
    manager = await line_manager(client, USER)
    assert manager.name == "Jane Manager"  # type: ignore[union-attr]
    for secret in ("Jane", "Sam", "@contoso.example", TOKEN, "graph-client-secret"):
        assert secret not in caplog.text


# --- paging ------------------------------------------------------------------------------------


async def test_a_collection_is_read_page_after_page(graph_settings, graph):
    graph.page_size = 100
    graph.directory.groups["all-staff"] = [f"aad-{n:03d}" for n in range(250)]
    members = await group_member_ids(GraphClient(graph_settings), "all-staff")
    assert members == [f"aad-{n:03d}" for n in range(250)]
    calls = graph.calls_to("group_members")
    assert len(calls) == 3
    assert calls[0].query == {"$select": "id", "$top": "999"}
    assert [c.query.get("$skiptoken") for c in calls] == [None, "100", "200"]
    assert all(c.query["$top"] == "999" for c in calls)  # the link keeps the query
    assert len(graph.token_requests) == 1


async def test_a_failure_on_a_later_page_gives_the_error_not_half_a_list(graph_settings, graph):
    graph.page_size = 2
    graph.directory.groups["g"] = ["a", "b", "c", "d", "e"]
    graph.fail("group_members", 403, after=1)
    error = await group_member_ids(GraphClient(graph_settings), "g")
    assert isinstance(error, GraphError) and error.kind is GraphErrorKind.FORBIDDEN
    assert [c.query.get("$skiptoken") for c in graph.calls_to("group_members")] == [None, "2"]
