"""One process's sends in flight: bounded across every dispatch, in order per recipient, and
never paused between the sweep's batches."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest

from bot.outbox.dispatcher import DEFAULT_BATCH
from bot.outbox.send_slots import SendSlots
from store.outbox import OutboxStatus
from tests.test_proactive_delivery import outbox
from tests.test_sweep_dry_run import chat_of, due_row, reachable_person

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday, 10:00 in London
WAIT = 10  # seconds: far longer than these sends take, far shorter than a hang
TWICE = "aad-twice"


async def _until(condition, what: str) -> None:
    """Wait (on the real clock: these are sends over loopback) until `condition` holds."""
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"not reached within {WAIT} s: {what}"
        await asyncio.sleep(0.01)


async def test_no_more_than_the_limit_are_in_flight_however_many_ask():
    slots = SendSlots(3)
    in_flight, most = 0, 0
    release = asyncio.Event()

    async def send() -> None:
        nonlocal in_flight, most
        async with slots.slot():
            in_flight += 1
            most = max(most, in_flight)
            await release.wait()
            in_flight -= 1

    senders = [asyncio.create_task(send()) for _ in range(10)]
    await _until(lambda: in_flight == 3, "three in flight")
    await asyncio.sleep(0)
    assert in_flight == 3
    release.set()
    await asyncio.gather(*senders)
    assert most == 3


async def test_a_recipients_dispatches_take_turns_in_the_order_they_asked():
    slots = SendSlots(8)
    order: list[int] = []
    first_may_finish = asyncio.Event()

    async def dispatch(number: int) -> None:
        async with slots.in_order("aad-sam"):
            if number == 1:
                await first_may_finish.wait()
            order.append(number)

    dispatches = [asyncio.create_task(dispatch(n)) for n in (1, 2, 3)]
    await _until(lambda: slots.waiting_recipients == 1, "all asked")
    await asyncio.sleep(0)
    assert order == []  # the second and third wait for the first, though they could run
    first_may_finish.set()
    await asyncio.gather(*dispatches)
    assert order == [1, 2, 3]
    assert slots.waiting_recipients == 0


def test_a_slot_count_below_one_is_refused():
    with pytest.raises(ValueError, match="at least one"):
        SendSlots(0)


async def test_the_next_batch_sends_while_the_first_still_waits_for_teams(bot, connector):
    """250 due: batch one's first send is held by Teams. Batch two is claimed and sent
    meanwhile (the sweep does not wait for a batch to finish before claiming the next); the
    person with a message at the end of batch one and one at the start of batch two gets them
    in order; and the process never has more than its slots in flight."""
    held = "aad-person-000"
    with bot.ctx.session() as session:
        for number in range(DEFAULT_BATCH - 1):
            aad = f"aad-person-{number:03d}"
            reachable_person(session, aad, connector.url)
            due_row(session, aad, "offer")
        reachable_person(session, TWICE, connector.url)
        due_row(session, TWICE, "offer")  # the last of batch one
        due_row(session, TWICE, "reminder")  # the first of batch two
        for number in range(DEFAULT_BATCH - 1, 2 * DEFAULT_BATCH + 48):
            aad = f"aad-person-{number:03d}"
            reachable_person(session, aad, connector.url)
            due_row(session, aad, "offer")
    gates = [connector.gate(chat_of(held)), connector.gate(chat_of(TWICE))]
    bot.ctx.clock.set(NOW)
    sweep = asyncio.create_task(bot.outbox.sweep(NOW))
    try:
        # Batch one's 98 other people, and batch two's 99 beyond the second message held
        # behind the first: only a batch claimed before batch one finished gets there.
        await _until(lambda: len(connector.requests) >= 2 * DEFAULT_BATCH - 3, "batch two sent")
        assert not sweep.done()
        assert connector.sent_to(chat_of(TWICE)) == []
        assert connector.sent_to(chat_of(held)) == []
    finally:
        for gate in gates:
            gate.opened.set()
    result = await asyncio.wait_for(sweep, WAIT)

    numbered = 2 * DEFAULT_BATCH + 48
    assert len(result.sent) == numbered + 2  # and two for aad-twice
    assert sorted(connector.per_conversation().values())[-2:] == [1, 2]
    assert [r.body["text"] for r in connector.sent_to(chat_of(TWICE))] == [
        f"offer for {TWICE}",
        f"reminder for {TWICE}",
    ]
    assert {row.status for row in outbox(bot)} == {OutboxStatus.SENT}
    assert connector.max_in_flight <= bot.ctx.send_slots.limit
    # Results come in claim order.
    ids = [r.message_id for r in result.dispatched]
    assert ids == sorted(ids)
