"""The optional Microsoft Graph lookup of a participant's line manager, against the fake token
service and Graph on loopback HTTPS (tests/fake_graph: msal insists on https; its authority is
pointed there with instance discovery and authority validation off, so nothing leaves the
machine)."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from bench.teams_activities import CHANNEL_ID, card_submit
from bot.graph import GraphClient, Manager
from bot.settings import Settings
from tests.applying import card_text
from tests.conftest import start_bot
from tests.fake_graph import FakeGraph
from tests.test_pairing import SAM, _programme_with_accepted_trainee


@pytest.fixture
def graph(fake_graph) -> FakeGraph:
    fake_graph.directory.managers[SAM] = {
        "displayName": "Jane Manager",
        "mail": "jane.manager@contoso.example",
        "jobTitle": "Station Manager",
    }
    return fake_graph


def _configured(settings: Settings, graph: FakeGraph, **overrides) -> Settings:
    return graph.configure(settings, **overrides)


def _manager_lookups(graph: FakeGraph) -> list[str]:
    return [call.path.split("/")[3] for call in graph.calls_to("manager")]


async def test_manager_lookup_with_a_cached_client_credentials_token(settings, graph):
    client = GraphClient(_configured(settings, graph))
    assert await client.manager_of(SAM) == Manager(
        "Jane Manager", "jane.manager@contoso.example", "Station Manager"
    )
    assert await client.manager_of(SAM) is not None
    assert len(graph.token_requests) == 1  # msal's token cache served the second lookup
    assert graph.token_requests[0]["grant_type"] == "client_credentials"
    assert f"{graph.url}/.default" in graph.token_requests[0]["scope"].split()
    assert _manager_lookups(graph) == [SAM, SAM]


async def test_no_manager_graph_errors_and_no_configuration_are_unknown(settings, graph):
    client = GraphClient(_configured(settings, graph))
    assert await client.manager_of("aad-nobody") is None  # 404: no manager in the directory
    graph.fail("manager", 503, times=None)
    assert await client.manager_of(SAM) is None
    graph.clear_failures()
    refused = GraphClient(_configured(settings, graph, graph_client_secret=SecretStr("wrong")))
    assert await refused.manager_of(SAM) is None
    unreachable = GraphClient(
        _configured(settings, graph, graph_authority_host="https://127.0.0.1:9")
    )
    assert await unreachable.manager_of(SAM) is None
    before = (len(graph.token_requests), len(graph.calls))
    assert await GraphClient(settings).manager_of(SAM) is None  # not configured: no request
    assert not GraphClient(settings).configured
    assert (len(graph.token_requests), len(graph.calls)) == before


async def _report_release(bot) -> dict:
    await _programme_with_accepted_trainee(bot)
    await bot.post(
        card_submit(
            bot.connector.url,
            SAM,
            {"release_block": "report", "what": "secondment", "by": "line_manager"},
            user_name="Sam Taylor",
        )
    )
    [card] = [c for c in bot.connector.cards(CHANNEL_ID) if "Escalation #" in card_text(c)]
    return card


async def test_the_release_block_card_names_the_line_manager_from_graph(
    settings, clock, connector, graph
):
    bot = await start_bot(_configured(settings, graph), clock, connector)
    try:
        card = await _report_release(bot)
        text = card_text(card)
        assert "Line manager of Sam Taylor" in text
        assert "Jane Manager (jane.manager@contoso.example)" in text
        assert "reached the programme coordinators" in bot.connector.texts(f"a:personal-{SAM}")[-1]
    finally:
        await bot.client.close()


async def test_when_graph_fails_the_card_says_unknown_and_the_participant_sees_no_error(
    settings, clock, connector, graph
):
    graph.fail("manager", 500, times=None)
    bot = await start_bot(_configured(settings, graph), clock, connector)
    try:
        card = await _report_release(bot)
        [fact_set] = [item for item in card["body"] if item["type"] == "FactSet"]
        facts = {f["title"]: f["value"] for f in fact_set["facts"]}
        assert facts["Line manager of Sam Taylor"] == "unknown"
        reply = bot.connector.texts(f"a:personal-{SAM}")[-1]
        assert reply.startswith("Thanks — that has reached the programme coordinators.")
    finally:
        await bot.client.close()
