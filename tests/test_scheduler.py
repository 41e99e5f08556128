"""The sweep job lives and dies with the app and asks the injected clock for "now"."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import SCHEDULER
from tests.conftest import start_bot, use_planners


async def test_scheduler_runs_sweep_at_clock_time_and_stops_with_app(
    settings, clock, connector, monkeypatch
):
    seen: list[datetime] = []
    use_planners(monkeypatch, lambda _ctx, now: seen.append(now) or [])

    running = await start_bot(settings, clock, connector)
    scheduler = running.client.server.app[SCHEDULER]
    job = scheduler.get_job("sweep")
    assert scheduler.running
    assert job.trigger.interval.total_seconds() == 60

    moved = datetime(2027, 3, 1, 9, 30, tzinfo=UTC)
    clock.set(moved)
    await job.func()
    assert seen == [moved]

    await running.client.close()
    assert not scheduler.running


async def test_a_failing_sweep_does_not_kill_the_job(settings, clock, connector, monkeypatch):
    def broken(_ctx, _now):
        raise RuntimeError("boom")

    use_planners(monkeypatch, broken)
    running = await start_bot(settings, clock, connector)
    try:
        job = running.client.server.app[SCHEDULER].get_job("sweep")
        await job.func()  # logged, not raised
        assert running.client.server.app[SCHEDULER].get_job("sweep") is not None
    finally:
        await running.client.close()
