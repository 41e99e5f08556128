"""Shared fixtures: a real SQLite file, an injected clock, the fake Bot Connector, the app."""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.fake_connector import FakeConnector
from bot.app import CTX, OUTBOX, create_app
from bot.outbox.engine import Outbox
from bot.settings import Settings
from domain.clock import FixedClock
from store import migrate
from store.engine import create_db_engine
from tests.fake_graph import FakeGraph

COORDINATOR_AAD = "aad-coordinator-1"
# A Monday morning in term time, London.
START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


POSTGRES_URL = os.environ.get("STEPFORWARD_TEST_POSTGRES_URL", "")
sqlite_only = pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite-specific behaviour")
postgres_only = pytest.mark.skipif(
    not POSTGRES_URL, reason="needs PostgreSQL: runs in the PostgreSQL pass"
)


@pytest.fixture
def db_url(tmp_path) -> Iterator[str]:
    """A fresh database: a SQLite file, or (in the PostgreSQL pass) a new database on the
    server named by STEPFORWARD_TEST_POSTGRES_URL, dropped afterwards."""
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path / 'stepforward.db'}"
        return
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


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


@pytest.fixture
def threaded_connector():
    """The fake connector on its own loop in a thread, for code that runs `asyncio.run`."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    fake = asyncio.run_coroutine_threadsafe(FakeConnector().start(), loop).result(timeout=10)
    yield fake
    asyncio.run_coroutine_threadsafe(fake.stop(), loop).result(timeout=10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=10)
    loop.close()


class BotClient:
    """The running app and helpers to post activities to it."""

    def __init__(self, client: TestClient, connector: FakeConnector) -> None:
        self.client = client
        self.connector = connector

    @property
    def ctx(self):
        return self.client.server.app[CTX]

    @property
    def outbox(self) -> Outbox:
        return self.client.server.app[OUTBOX]

    async def post(self, activity: dict, **kwargs):
        response = await self.client.post("/api/messages", json=activity, **kwargs)
        assert response.status in (200, 201), await response.text()
        return response


def use_planners(monkeypatch, *planners) -> None:
    """Every outbox sweeps with just `planners` (bots running now and bots started later)."""
    monkeypatch.setattr(Outbox, "planners", property(lambda _outbox: list(planners)))


async def start_bot(
    settings: Settings, clock: FixedClock, connector: FakeConnector, engine=None
) -> BotClient:
    app = create_app(settings, clock=clock, engine=engine)
    client = TestClient(TestServer(app))
    await client.start_server()
    return BotClient(client, connector)


@pytest.fixture
async def bot(settings, clock, connector) -> AsyncIterator[BotClient]:
    running = await start_bot(settings, clock, connector)
    yield running
    await running.client.close()


@pytest.fixture
async def fake_graph(tmp_path) -> AsyncIterator[FakeGraph]:
    """Microsoft Graph and its token service on loopback HTTPS (tests/fake_graph)."""
    fake = await FakeGraph().start(tmp_path)
    yield fake
    await fake.stop()


@pytest.fixture
def graph_settings(settings, fake_graph) -> Settings:
    """The test's settings with Graph configured to reach the fake."""
    return fake_graph.configure(settings)
