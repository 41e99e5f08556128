"""Several instances on one PostgreSQL database: real `stepforward serve` processes, both with
their schedulers running, send every due nudge exactly once, also when one is killed mid-way.

These run real processes on the real clock (the only way to show it), so they wait for
outcomes with deadlines; they run in the PostgreSQL pass.
"""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.engine import make_url

from bench.instances import (
    Instance,
    free_port,
    outbox_statuses,
    seed_due_nudges,
    wait_until,
)
from bot.app import create_app
from store.outbox import OutboxStatus
from tests.conftest import postgres_only

pytestmark = postgres_only


@pytest.fixture
def instances(tmp_path) -> Iterator[Callable[..., Instance]]:
    started: list[Instance] = []

    def start(db_url: str, name: str, **env: str) -> Instance:
        instance = Instance(db_url, tmp_path / f"{name}.log", **env)
        started.append(instance)
        return instance

    yield start
    for instance in started:
        instance.stop()


def test_two_instances_send_every_nudge_exactly_once(db_url, threaded_connector, instances):
    chats = seed_due_nudges(db_url, threaded_connector.url, 60)
    first = instances(db_url, "first")
    second = instances(db_url, "second")
    wait_until(lambda: first.ready() and second.ready(), "both instances are ready")

    wait_until(lambda: len(threaded_connector.requests) >= len(chats), "every nudge was delivered")
    time.sleep(3)  # three more sweep intervals of both instances: nothing more may arrive

    counts = threaded_connector.per_conversation()
    assert {chat: counts[chat] for chat in chats} == dict.fromkeys(chats, 1)
    assert len(threaded_connector.requests) == len(chats)
    assert set(outbox_statuses(db_url)) == {OutboxStatus.SENT}
    # Both ran schedulers; exactly one led the sweeps.
    leaders = [i for i in (first, second) if "scheduler leadership taken" in i.log()]
    assert len(leaders) == 1
    assert all("several instances" in i.log() for i in (first, second))


def test_a_killed_instance_loses_nothing_and_duplicates_nothing(
    db_url, threaded_connector, instances
):
    chats = seed_due_nudges(db_url, threaded_connector.url, 30)
    # The connector accepts ten sends and then stalls: the leader is mid-way through its batch,
    # its eleventh send outstanding (not accepted), twenty rows claimed under its lease.
    threaded_connector.hold_after = 10
    slow = {"STEPFORWARD_DISPATCH_CONCURRENCY": "1", "STEPFORWARD_OUTBOX_LEASE_SECONDS": "6"}
    first = instances(db_url, "first", **slow)
    wait_until(lambda: threaded_connector.holding == 1, "the leader is mid-way")
    second = instances(db_url, "second", **slow)
    wait_until(second.ready, "the second instance is ready")
    assert len(threaded_connector.requests) == 10

    first.process.send_signal(signal.SIGKILL)
    first.process.wait(timeout=10)
    threaded_connector.release_held()  # the stalled send is answered 503 to nobody

    wait_until(lambda: len(threaded_connector.requests) >= len(chats), "the rest was delivered", 40)
    time.sleep(2)
    counts = threaded_connector.per_conversation()
    assert {chat: counts[chat] for chat in chats} == dict.fromkeys(chats, 1)
    assert set(outbox_statuses(db_url)) == {OutboxStatus.SENT}
    assert "scheduler leadership taken" in second.log()


class Cuttable:
    """A TCP relay to the database that can be cut (the database is unreachable) and mended.

    It runs on its own event loop in a thread, as a network would: the app's database calls
    block their caller.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

    def _run(self, coroutine) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    def open(self) -> None:
        async def start() -> None:
            self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)

        self._run(start())

    def cut(self) -> None:
        async def stop() -> None:
            if self._server is not None:
                self._server.close()
                await self._server.wait_closed()
            for writer in list(self._writers):
                writer.close()
            self._writers.clear()

        self._run(stop())

    def close(self) -> None:
        self.cut()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    async def _relay(self, reader, writer) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        self._writers |= {writer, upstream_writer}

        async def pipe(source, sink) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                sink.close()

        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))


async def test_readyz_answers_503_while_the_database_is_unreachable_and_recovers(db_url, settings):
    url = make_url(db_url)
    relay = Cuttable(url.host or "127.0.0.1", url.port or 5432)
    relay.open()
    relayed = url.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
    app: web.Application = create_app(
        settings.model_copy(update={"database_url": relayed, "scheduler_enabled": False})
    )
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        assert (await client.get("/readyz")).status == 200
        relay.cut()
        response = await client.get("/readyz")
        assert response.status == 503
        assert (await response.json())["database"] == "unreachable"
        relay.open()  # the database is back: nobody restarts the bot
        response = await client.get("/readyz")
        assert response.status == 200, await response.text()
    finally:
        await client.close()
        relay.close()
