"""Pacing under Teams' rate limits: the rule, the pacer over moved time, and a fan-out through
the real app to a fake connector that enforces the published limits itself.

Time here is virtual: the pacer's clock and sleep, and the connector's clock, are one
`VirtualTime` that moves when the pacer sleeps. Nobody waits for real.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from botbuilder.schema import ChannelAccount, ConversationAccount, ConversationReference

from bot.outbox.pacing import IN_FLIGHT_RETRY_SECONDS, Pacer, Window, pacing_delay
from bot.outbox.send_slots import SendSlots
from bot.outbox.sweep import PlannedMessage
from bot.settings import Settings
from store.conversations import upsert_conversation_ref
from store.outbox import OutboxStatus
from store.people import upsert_person
from tests.conftest import START
from tests.test_proactive_delivery import nudge, outbox, plan

TEAMS = [Window(7, 1), Window(8, 2), Window(60, 30), Window(1800, 3600)]
APP = [Window(50, 1)]
CHANNEL = "19:coordinators@thread.tacv2"


class VirtualTime:
    """A monotonic clock that moves only when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)

    def advance(self, seconds: float) -> None:
        self.now += seconds


# --- the rule ---------------------------------------------------------------------------------


def test_a_send_may_go_while_every_window_has_room():
    assert pacing_delay([], 0, TEAMS, 0.0) == 0.0
    assert pacing_delay([0.0] * 6, 0, TEAMS, 0.0) == 0.0


def test_the_eighth_send_in_a_second_waits_for_the_first_to_leave_the_window():
    sent = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
    assert pacing_delay(sent, 0, TEAMS, 0.7) == pytest.approx(0.3)
    assert pacing_delay(sent, 0, TEAMS, 1.0) == 0.0


def test_eight_per_two_seconds_binds_after_seven_per_second():
    sent = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 1.2]
    # Seven in the last second leave room, but eight in two seconds do not: wait for 0.0 + 2.
    assert pacing_delay(sent, 0, TEAMS, 1.3) == pytest.approx(0.7)


def test_sixty_per_thirty_seconds_and_the_hourly_limit():
    sent = [i * 0.25 for i in range(60)]  # 60 sends in 15 s, 4 per second
    assert pacing_delay(sent, 0, TEAMS, 15.0) == pytest.approx(15.0)
    hour = [i * 2.0 for i in range(1800)]  # 1800 sends, one every 2 s
    assert pacing_delay(hour, 0, TEAMS, 3599.0) == pytest.approx(1.0)


def test_sends_in_flight_count_in_every_window():
    assert pacing_delay([0.0] * 45, 4, APP, 0.5) == 0.0
    assert pacing_delay([0.0] * 45, 5, APP, 0.5) == pytest.approx(0.5)
    # Nothing completed can make room when sends in flight fill the window.
    assert pacing_delay([], 50, APP, 0.0) is None


def test_limits_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("STEPFORWARD_TEAMS_CONVERSATION_LIMITS", "3/1, 100/60")
    monkeypatch.setenv("STEPFORWARD_TEAMS_APP_LIMITS", "20/1")
    settings = Settings(_env_file=None)
    assert settings.teams_conversation_limits == [Window(3, 1), Window(100, 60)]
    assert settings.teams_app_limits == [Window(20, 1)]
    monkeypatch.delenv("STEPFORWARD_TEAMS_CONVERSATION_LIMITS")
    assert Settings(_env_file=None).teams_conversation_limits == TEAMS
    with pytest.raises(ValueError):
        Window.parse("0/1")


# --- the pacer over moved time -------------------------------------------------------------------


def _exceeds(times: list[float], windows: list[Window]) -> bool:
    return any(
        sum(1 for other in times if at - window.seconds < other <= at) > window.limit
        for at in times
        for window in windows
    )


async def test_the_pacer_spreads_many_sends_to_one_conversation_over_every_window():
    time = VirtualTime()
    pacer = Pacer(TEAMS, APP, clock=time, sleep=time.sleep)
    granted: list[float] = []
    for _ in range(130):
        assert await pacer.acquire("chat", max_wait=3600) == 0.0
        granted.append(time())
        pacer.release("chat")
    assert not _exceeds(granted, TEAMS)
    # 60 per 30 s binds: the 61st and the 121st open the next windows.
    assert granted[60] >= granted[0] + 30 and granted[120] >= granted[60] + 30


async def test_a_wait_longer_than_allowed_is_returned_not_slept():
    time = VirtualTime()
    pacer = Pacer(TEAMS, APP, clock=time, sleep=time.sleep)
    for _ in range(7):
        assert await pacer.acquire("chat", max_wait=0) == 0.0
        pacer.release("chat")
    assert await pacer.acquire("chat", max_wait=0.5) == pytest.approx(1.0)
    assert time() == 0.0
    # Other conversations are not held up by a busy one.
    assert await pacer.acquire("another chat", max_wait=0) == 0.0


async def test_concurrent_senders_share_the_app_ceiling():
    time = VirtualTime()
    pacer = Pacer(TEAMS, APP, clock=time, sleep=time.sleep)
    granted: list[float] = []

    async def send(conversation: str) -> None:
        assert await pacer.acquire(conversation, max_wait=60) == 0.0
        await asyncio.sleep(0)  # the request is on the wire
        granted.append(time())
        pacer.release(conversation)

    await asyncio.gather(*(send(f"chat-{i}") for i in range(49)))
    await asyncio.gather(*(send(f"chat-{i}") for i in range(49, 200)))
    assert len(granted) == 200
    assert not _exceeds(sorted(granted), APP)


async def test_a_sender_held_by_sends_in_flight_wakes_when_one_completes():
    time = VirtualTime()
    pacer = Pacer(TEAMS, [Window(2, 1)], clock=time, sleep=time.sleep)
    assert await pacer.acquire("chat-a", max_wait=60) == 0.0
    assert await pacer.acquire("chat-b", max_wait=60) == 0.0
    waiting = asyncio.create_task(pacer.acquire("chat-c", max_wait=60))
    for _ in range(5):
        await asyncio.sleep(0)
    # Both app slots are in flight: it waits without looking again and again (time stands).
    assert not waiting.done() and time() == 0.0
    pacer.release("chat-a")
    # Woken at once; the completed send then keeps the 2-per-second window for one second.
    assert await waiting == 0.0
    assert time() == pytest.approx(1.0)


async def test_a_sender_that_may_not_wait_for_sends_in_flight_is_told_to_come_back_soon():
    time = VirtualTime()
    pacer = Pacer(TEAMS, [Window(1, 1)], clock=time, sleep=time.sleep)
    assert await pacer.acquire("chat-a", max_wait=0) == 0.0
    assert await pacer.acquire("chat-b", max_wait=0) == IN_FLIGHT_RETRY_SECONDS
    assert time() == 0.0


# --- through the app, to a connector that enforces the limits ----------------------------------


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"scheduler_enabled": False})


def _reachable(ctx, connector, recipient: str, *, channel: bool = False) -> None:
    """Store a person (or channel) the bot can send to, as if they had talked to it."""
    conversation_id = recipient if channel else f"a:personal-{recipient}"
    reference = ConversationReference(
        channel_id="msteams",
        service_url=connector.url,
        conversation=ConversationAccount(
            id=conversation_id, conversation_type="channel" if channel else "personal"
        ),
        bot=ChannelAccount(id="28:bot-app-id"),
        user=None if channel else ChannelAccount(id=f"29:{recipient}", aad_object_id=recipient),
    )
    with ctx.session() as session:
        if not channel:
            upsert_person(session, recipient, START, time_zone="Europe/London")
        upsert_conversation_ref(
            session,
            conversation_id=conversation_id,
            conversation_type="channel" if channel else "personal",
            service_url=connector.url,
            reference=reference.serialize(),
            now=START,
            aad_object_id=None if channel else recipient,
        )


def _channel_post(number: int) -> PlannedMessage:
    message = nudge(CHANNEL, "escalation", f"{number:03d}")
    return PlannedMessage(
        CHANNEL, "escalation", message.key, payload=message.payload, routine=False, to_channel=True
    )


async def _sweep_until_done(bot, time: VirtualTime, expected: int) -> int:
    """Sweep every 30 s (clock and virtual time) until the outbox is empty; return sweeps."""
    for sweeps in range(1, 30):
        at = START + timedelta(seconds=30 * (sweeps - 1))
        bot.ctx.clock.set(at)
        time.now = max(time.now, 30.0 * (sweeps - 1))
        await bot.outbox.sweep(at)
        if sum(bot.connector.per_conversation().values()) >= expected:
            return sweeps
    raise AssertionError("the outbox did not empty")


async def _fan_out(bot, monkeypatch, people: int, posts: int) -> VirtualTime:
    time = VirtualTime()
    bot.ctx.pacer = Pacer(
        bot.ctx.settings.teams_conversation_limits,
        bot.ctx.settings.teams_app_limits,
        clock=time,
        sleep=time.sleep,
    )
    bot.connector.enforce_limits(clock=time)
    recipients = [f"aad-person-{i:03d}" for i in range(people)]
    for recipient in recipients:
        _reachable(bot.ctx, bot.connector, recipient)
    _reachable(bot.ctx, bot.connector, CHANNEL, channel=True)
    plan(
        monkeypatch,
        *(nudge(recipient) for recipient in recipients),
        *(_channel_post(number) for number in range(posts)),
    )
    return time


async def test_a_fan_out_and_a_busy_conversation_get_no_429(bot, connector, monkeypatch):
    people, posts = 150, 70
    time = await _fan_out(bot, monkeypatch, people, posts)

    sweeps = await _sweep_until_done(bot, time, people + posts)

    assert sum(connector.throttled.values()) == 0 and connector.rejected == []
    counts = connector.per_conversation()
    assert counts[CHANNEL] == posts
    assert all(counts[f"a:personal-aad-person-{i:03d}"] == 1 for i in range(people))
    assert sum(counts.values()) == people + posts
    assert {row.status for row in outbox(bot)} == {OutboxStatus.SENT}
    # The busy channel needed more than one sweep: 60 per 30 s is the binding limit.
    assert sweeps >= 2


async def test_without_pacing_the_same_load_is_throttled(bot, connector, monkeypatch):
    """The control: the connector really enforces the limits, so pacing is what avoids 429s."""
    no_limits = bot.ctx.settings.model_copy(
        update={
            "teams_conversation_limits": [Window(10_000, 1)],
            "teams_app_limits": [Window(10_000, 1)],
            # As many conversations at once as the fan-out has, so the busy channel is sent
            # to before the app's own limit throttles the batch.
            "dispatch_concurrency": 100,
        }
    )
    bot.ctx.settings = no_limits
    bot.ctx.send_slots = SendSlots(no_limits.dispatch_concurrency)
    await _fan_out(bot, monkeypatch, 60, 20)
    await bot.outbox.sweep(START)
    assert connector.throttled[CHANNEL] > 0
