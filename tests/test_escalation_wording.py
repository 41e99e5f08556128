"""What an escalation card says: a title that fits who it is about, and a re-post that says
only what happened (sent to the champion, on its way, or nobody else to tell)."""

from __future__ import annotations

from datetime import timedelta

from bench.teams_activities import channel_card_submit
from store.seed import seed_demo
from tests.applying import Applicant, card_text, set_up_channel
from tests.conftest import COORDINATOR_AAD, START, start_bot
from tests.test_escalations import (
    _activity_id,
    _escalations,
    _paired,
    _posts,
    _submit_data,
    _sweep,
    _updates,
)


async def _press_on_first_post(bot, escalation_id, title, **typed):
    data = _submit_data(_posts(bot)[0].cards[0], title) | typed
    reply_to = _activity_id(bot, escalation_id)
    await bot.post(
        channel_card_submit(bot.connector.url, COORDINATOR_AAD, data, reply_to_id=reply_to)
    )


async def test_someone_not_paired_who_asks_for_help_is_not_a_stalled_pairing(bot):
    with bot.ctx.session() as session:
        seed_demo(session, START)
    await set_up_channel(bot)
    newcomer = Applicant(bot, "aad-newcomer", "Nia Newcomer")
    await newcomer.say("I need help")
    [post] = _posts(bot)
    text = card_text(post.cards[0])
    assert "Stalled pairing" not in text
    assert "⚠️ Asked for help" in text
    assert "not paired" in text
    assert post.body.get("summary") == "Asked for help"


async def test_a_paired_persons_help_request_is_still_titled_as_their_pairing(bot):
    sam, _adele, _champion = await _paired(bot)
    await sam.say("I need help")
    [post] = _posts(bot)
    assert "⚠️ Stalled pairing: asked for help" in card_text(post.cards[0])


async def test_the_repost_says_the_champion_copy_is_on_its_way_then_that_it_was_sent(bot, clock):
    _sam, _adele, champion = await _paired(bot)
    clock.set(START + timedelta(days=45, hours=1))
    await _sweep(bot, clock)
    [escalation] = _escalations(bot)
    clock.set(START + timedelta(days=49, hours=1))
    await _sweep(bot, clock)
    repost = _posts(bot)[1].cards[0]
    assert (
        "Still not acknowledged after 2 working days: posted again; a copy is on its way to "
        "the programme champion." in card_text(repost)
    )
    assert _posts(bot, champion.conversation)

    await _press_on_first_post(bot, escalation.id, "Acknowledge")
    updated = card_text(_updates(bot, _activity_id(bot, escalation.id, "repost"))[-1].cards[0])
    assert "2 working days: posted again and sent to the programme champion." in updated
    assert "unacknowledged: posted again and sent to the programme champion" in updated


async def test_without_a_champion_the_repost_says_nobody_else_was_told(settings, clock, connector):
    bot = await start_bot(settings.model_copy(update={"champion": ""}), clock, connector)
    try:
        await _paired(bot)
        clock.set(START + timedelta(days=45, hours=1))
        await _sweep(bot, clock)
        [escalation] = _escalations(bot)
        clock.set(START + timedelta(days=49, hours=1))
        await _sweep(bot, clock)
        text = card_text(_posts(bot)[1].cards[0])
        assert "champion" in text
        assert "sent to the programme champion" not in text
        assert "on its way" not in text
        assert (
            "Still not acknowledged after 2 working days: posted again. No programme champion "
            "is configured, so nobody else has been told." in text
        )
        await _press_on_first_post(bot, escalation.id, "Add note", note="Calling them today")
        history = card_text(_updates(bot, _activity_id(bot, escalation.id))[-1].cards[0])
        assert "Step Forward: unacknowledged: posted again (no programme champion is " in history
        assert "sent to the champion" not in history
    finally:
        await bot.client.close()


async def test_before_the_coordinators_have_a_channel_help_is_recorded_not_said_to_be_told(bot):
    with bot.ctx.session() as session:
        seed_demo(session, START)
    newcomer = Applicant(bot, "aad-newcomer", "Nia Newcomer")
    await newcomer.say("I need help")
    reply = newcomer.texts()[-1]
    assert "I've let the programme coordinators know" not in reply
    assert reply.startswith(
        "Thanks for telling me. I've recorded it for the programme coordinators and it goes to "
        "them as soon as I can post it;"
    )
    await set_up_channel(bot)
    await newcomer.say("I need help")
    assert newcomer.texts()[-1].startswith("Thanks for telling me. I've let the programme")
