"""Installing the bot's Teams app for a person against the fake Graph."""

from __future__ import annotations

import pytest

from bot.graph import GraphClient, GraphError, GraphErrorKind
from bot.graph.teamwork import AppInstallation, InstallOutcome, install_app, installed_app
from tests.fake_graph import APP_CATALOG_ID, APP_MANIFEST_ID, FakeGraph

MANAGER = "aad-line-manager"


@pytest.fixture
def client(graph_settings) -> GraphClient:
    return GraphClient(graph_settings)


async def test_install_for_someone_who_has_not_got_the_app(client, fake_graph: FakeGraph):
    installs: list[tuple[str, str]] = []
    fake_graph.teamwork.on_install = lambda user, app: installs.append((user, app))
    assert await installed_app(client, MANAGER) is None
    assert await install_app(client, MANAGER) is InstallOutcome.INSTALLED
    assert installs == [(MANAGER, APP_CATALOG_ID)]
    [call] = fake_graph.calls_to("install_app")
    assert call.path == f"/v1.0/users/{MANAGER}/teamwork/installedApps"
    assert call.body == {
        "teamsApp@odata.bind": f"{fake_graph.url}/v1.0/appCatalogs/teamsApps/{APP_CATALOG_ID}"
    }
    found = await installed_app(client, MANAGER)
    assert isinstance(found, AppInstallation)
    assert (found.teams_app_id, found.external_id) == (APP_CATALOG_ID, APP_MANIFEST_ID)
    assert await installed_app(client, MANAGER, external_id=APP_MANIFEST_ID) == found
    lookups = fake_graph.calls_to("installed_apps")
    assert lookups[0].query == {
        "$expand": "teamsApp",
        "$filter": f"teamsApp/id eq '{APP_CATALOG_ID}'",
    }
    assert lookups[-1].query["$filter"] == f"teamsApp/externalId eq '{APP_MANIFEST_ID}'"


async def test_other_apps_do_not_count_and_installing_twice_is_already_installed(
    client, fake_graph
):
    fake_graph.teamwork.add_catalog_app("other-app", "other-manifest", "Other")
    fake_graph.teamwork.install(MANAGER, "other-app")
    assert await installed_app(client, MANAGER) is None
    fake_graph.teamwork.install(MANAGER)
    assert await install_app(client, MANAGER) is InstallOutcome.ALREADY_INSTALLED
    assert fake_graph.teamwork.apps_of(MANAGER) == {"other-app", APP_CATALOG_ID}


async def test_an_install_repeated_after_a_lost_answer_is_already_installed(
    graph_settings, fake_graph
):
    client = GraphClient(graph_settings.model_copy(update={"graph_timeout_seconds": 0.3}))
    fake_graph.hang("install_app", act_first=True)
    assert await install_app(client, MANAGER) is InstallOutcome.ALREADY_INSTALLED
    assert len(fake_graph.calls_to("install_app")) == 2
    assert len(fake_graph.teamwork.installed[MANAGER]) == 1


@pytest.mark.parametrize(
    ("status", "kind"),
    [(403, GraphErrorKind.FORBIDDEN), (404, GraphErrorKind.NOT_FOUND)],
)
async def test_a_refused_install_is_an_error(client, fake_graph, status, kind):
    fake_graph.fail("install_app", status)
    error = await install_app(client, MANAGER)
    assert isinstance(error, GraphError) and error.kind is kind
    assert fake_graph.teamwork.apps_of(MANAGER) == set()


async def test_an_app_missing_from_the_catalog_is_not_found(client, fake_graph):
    error = await install_app(client, MANAGER, teams_app_id="not-in-catalog")
    assert isinstance(error, GraphError) and error.kind is GraphErrorKind.NOT_FOUND


async def test_without_the_catalog_id_nothing_is_asked(graph_settings, fake_graph):
    client = GraphClient(graph_settings.model_copy(update={"teams_app_catalog_id": ""}))
    for error in (await install_app(client, MANAGER), await installed_app(client, MANAGER)):
        assert isinstance(error, GraphError) and error.kind is GraphErrorKind.NOT_CONFIGURED
    assert fake_graph.calls == []
