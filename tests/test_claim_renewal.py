"""A claimed row waits (behind a slow send to the same person, for a send slot) and its lease
runs out; another instance claims it meanwhile. Only that instance sends it."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.outbox.dispatcher import CLAIM_LOST, DEFERRED
from store.outbox import OutboxStatus
from tests.conftest import start_bot
from tests.test_proactive_delivery import outbox
from tests.test_send_slots import NOW, WAIT, _until
from tests.test_sweep_dry_run import chat_of, due_row, reachable_person

SAM = "aad-trainee-sam"
LEASE = timedelta(seconds=10)


async def test_a_row_claimed_again_after_its_lease_ran_out_is_sent_by_the_new_claimant_only(
    bot, connector, settings, clock
):
    other = await start_bot(settings, clock, connector)  # a second instance, the same database
    try:
        with bot.ctx.session() as session:
            reachable_person(session, SAM, connector.url)
            due_row(session, SAM, "offer")
            due_row(session, SAM, "reminder")
        gate = connector.gate(chat_of(SAM))
        clock.set(NOW)
        # The first instance claims both and sends the offer, which Teams holds unanswered.
        first = asyncio.create_task(bot.outbox.dispatch_due(NOW, "instance-a", lease=LEASE))
        await asyncio.wait_for(gate.reached.wait(), WAIT)

        # Its lease runs out; the second instance claims both rows and sends the offer too.
        later = NOW + LEASE + timedelta(seconds=1)
        clock.set(later)
        second = asyncio.create_task(other.outbox.dispatch_due(later, "instance-b", lease=LEASE))
        await _until(lambda: connector.in_flight == 2, "the second instance's send")
        gate.opened.set()
        by_first = await asyncio.wait_for(first, WAIT)
        by_second = await asyncio.wait_for(second, WAIT)
    finally:
        await other.client.close()

    texts = [request.body["text"] for request in connector.sent_to(chat_of(SAM))]
    # The offer was in flight at the first instance when its lease ran out: the one window
    # the dispatcher states (Teams cannot be asked what it received). The reminder had not
    # been sent yet: the first instance finds its claim gone and leaves it to the second.
    assert sorted(texts) == [f"offer for {SAM}", f"offer for {SAM}", f"reminder for {SAM}"]
    assert [(r.kind, r.outcome) for r in by_first] == [
        ("offer", "sent"),
        ("reminder", DEFERRED),
    ]
    assert by_first[1].error == CLAIM_LOST
    assert [(r.kind, r.outcome) for r in by_second] == [("offer", "sent"), ("reminder", "sent")]
    assert {row.status for row in outbox(bot)} == {OutboxStatus.SENT}


async def test_a_claim_still_held_is_renewed_and_the_row_sent(bot, connector, clock):
    """However long a row waited, if nobody else claimed it, it is still this sender's."""
    with bot.ctx.session() as session:
        reachable_person(session, SAM, connector.url)
        due_row(session, SAM, "offer")
    clock.set(NOW + timedelta(minutes=5))  # long past the lease the claim was taken with
    [result] = await bot.outbox.dispatch_due(NOW, "instance-a", lease=LEASE)
    assert result.outcome == "sent"
    assert [r.body["text"] for r in connector.sent_to(chat_of(SAM))] == [f"offer for {SAM}"]
