"""One app-wide pace for every instance: two pacers (two instances) on one PostgreSQL database
draw from one budget of Teams' 50 sends per second, and together never exceed it.

Time is virtual (the pacers' clocks and the budget's clock are one `SharedTime`); the budget
itself is real PostgreSQL (`store.send_grants`). SQLite keeps the budget in the process.
"""

from __future__ import annotations

import asyncio

import pytest

from bot.context import AppContext
from bot.outbox.pacing import IN_FLIGHT_RETRY_SECONDS, LocalAppBudget, Pacer, Window
from bot.outbox.shared_pace import SharedAppBudget
from store import send_grants
from tests.conftest import postgres_only, sqlite_only
from tests.test_pacing import TEAMS

APP = [Window(50, 1)]


class SharedTime:
    """A clock two instances share that moves only when someone sleeps: to the latest wake-up
    asked for, so two sleepers waiting for the same moment move it once."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        wake = self.now + seconds
        await asyncio.sleep(0)
        self.now = max(self.now, wake)

    def advance(self, seconds: float) -> None:
        self.now += seconds


def instance(engine, time: SharedTime, name: str) -> Pacer:
    budget = SharedAppBudget(engine, APP, worker=name, clock=time)
    return Pacer(TEAMS, APP, clock=time, sleep=time.sleep, app_budget=budget)


def exceeds(arrivals: list[float], window: Window) -> bool:
    arrivals = sorted(arrivals)
    return any(
        sum(1 for other in arrivals if at - window.seconds < other <= at) > window.limit
        for at in arrivals
    )


@postgres_only
async def test_two_instances_draw_from_one_app_budget(engine):
    time = SharedTime()
    first, second = instance(engine, time, "first"), instance(engine, time, "second")
    for n in range(30):
        assert await first.acquire(f"chat-{n}", max_wait=0) == 0.0
    # 30 in flight on the first instance leave the second 20, not 50.
    for n in range(30, 50):
        assert await second.acquire(f"chat-{n}", max_wait=0) == 0.0
    assert await second.acquire("chat-50", max_wait=0) == IN_FLIGHT_RETRY_SECONDS
    assert await first.acquire("chat-50", max_wait=0) == IN_FLIGHT_RETRY_SECONDS

    time.advance(0.1)
    for n in range(30):
        first.release(f"chat-{n}")
    for n in range(30, 50):
        second.release(f"chat-{n}")
    # Completed at 0.1, the 50 count in the window until 1.1.
    time.advance(0.4)
    assert await second.acquire("chat-50", max_wait=0) == pytest.approx(0.6)
    time.advance(0.6)
    assert await second.acquire("chat-50", max_wait=0) == 0.0


async def send_through(pacers: list[Pacer], time: SharedTime, count: int) -> list[float]:
    """`count` sends spread over `pacers` in turn, 20 ms on the wire each; when each arrived."""
    arrivals: list[float] = []

    async def send(pacer: Pacer, conversation: str) -> None:
        assert await pacer.acquire(conversation, max_wait=60) == 0.0
        await time.sleep(0.01)
        arrivals.append(time())  # Teams counts it when it arrives, mid-request
        await time.sleep(0.01)
        pacer.release(conversation)

    await asyncio.gather(*(send(pacers[n % len(pacers)], f"chat-{n}") for n in range(count)))
    return arrivals


@postgres_only
async def test_two_instances_sending_together_never_exceed_the_app_rate(engine):
    """300 sends, half through each instance: no second holds more than 50 arrivals, and
    together they send as fast as one instance alone with the whole budget."""
    time = SharedTime()
    started = time()
    arrivals = await send_through(
        [instance(engine, time, "first"), instance(engine, time, "second")], time, 300
    )
    assert len(arrivals) == 300
    assert not exceeds(arrivals, APP[0])
    together = max(arrivals) - started

    assert together <= await elapsed_alone(300) * 1.05


async def elapsed_alone(count: int, windows: list[Window] = APP) -> float:
    """How long one instance with its own budget takes for `count` sends (as above)."""
    time = SharedTime()
    arrivals = await send_through(
        [Pacer(TEAMS, windows, clock=time, sleep=time.sleep)], time, count
    )
    return max(arrivals) - 1_000.0


@postgres_only
async def test_one_instance_sending_alone_has_the_whole_budget(engine):
    """The leader sends a sweep's messages alone: with the budget shared it has all 50 per
    second, where an instance held to its 1/N share (25 per second) took about twice as long."""
    time = SharedTime()
    leader, _idle = instance(engine, time, "leader"), instance(engine, time, "idle")
    arrivals = await send_through([leader], time, 300)
    assert not exceeds(arrivals, APP[0])
    alone = max(arrivals) - 1_000.0
    assert alone <= await elapsed_alone(300) * 1.05
    assert alone < await elapsed_alone(300, [Window(25, 1)]) * 0.6


@postgres_only
def test_a_grant_whose_instance_died_stops_counting_after_a_while(engine):
    with engine.begin() as connection:
        send_grants.lock_and_read(connection, 1.0, 60.0, now=1_000.0)
        send_grants.grant(connection, "died", 1_000.0)
    with engine.begin() as connection:
        log = send_grants.lock_and_read(connection, 1.0, 60.0, now=1_030.0)
    assert (log.in_flight, log.completed) == (1, [])
    with engine.begin() as connection:
        log = send_grants.lock_and_read(connection, 1.0, 60.0, now=1_060.5)
    # From then on it counts as completed 60 s after its grant, and then leaves the window.
    assert (log.in_flight, log.completed) == (0, [1_060.0])
    with engine.begin() as connection:
        assert send_grants.prune(connection, 1.0, 60.0, now=1_061.5) == 1


@postgres_only
def test_instances_on_postgresql_share_the_budget(settings, engine):
    assert isinstance(AppContext(settings, engine).pacer.app, SharedAppBudget)


@sqlite_only
def test_one_instance_on_sqlite_keeps_the_budget_in_the_process(settings, engine):
    assert isinstance(AppContext(settings, engine).pacer.app, LocalAppBudget)
