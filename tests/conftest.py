"""Shared fixtures: a real SQLite file, an injected clock, the fake Bot Connector, the app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import CTX, create_app
from bot.settings import Settings
from domain.clock import FixedClock
from store import migrate
from store.db import create_db_engine
from tests.fake_connector import FakeConnector

COORDINATOR_AAD = "aad-coordinator-1"
# A Monday morning in term time, London.
START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture
def db_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'stepforward.db'}"


@pytest.fixture
def engine(db_url):
    """A migrated database on a real SQLite file."""
    migrate.upgrade(db_url)
    engine = create_db_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def settings(db_url) -> Settings:
    return Settings(
        _env_file=None,
        database_url=db_url,
        coordinators=[COORDINATOR_AAD],
        champion="aad-champion-1",
        app_id="",
    )


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    fake = await FakeConnector().start()
    yield fake
    await fake.stop()


class BotClient:
    """The running app and helpers to post activities to it."""

    def __init__(self, client: TestClient, connector: FakeConnector) -> None:
        self.client = client
        self.connector = connector

    @property
    def ctx(self):
        return self.client.server.app[CTX]

    async def post(self, activity: dict, **kwargs):
        response = await self.client.post("/api/messages", json=activity, **kwargs)
        assert response.status in (200, 201), await response.text()
        return response


async def start_bot(settings: Settings, clock: FixedClock, connector: FakeConnector) -> BotClient:
    app = create_app(settings, clock=clock)
    client = TestClient(TestServer(app))
    await client.start_server()
    return BotClient(client, connector)


@pytest.fixture
async def bot(settings, clock, connector) -> AsyncIterator[BotClient]:
    running = await start_bot(settings, clock, connector)
    yield running
    await running.client.close()
