"""Nudges from rule to Teams: the real app, the outbox on SQLite, the fake connector, a clock.

A planner (`use_planners`) decides what is due; sweeps at clock times write
the outbox and send through the app's CloudAdapter to the FakeConnector on loopback. Nobody
sleeps: time moves by setting the clock.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta

import pytest
from botbuilder.schema import ChannelAccount, ConversationAccount, ConversationReference
from botframework.connector.auth._connector_factory_impl import _ConnectorFactoryImpl
from sqlmodel import Session, select

from bench.teams_activities import CHANNEL_ID, channel_message, personal_message
from bot import cli
from bot.app import ADAPTER
from bot.outbox.planned import enqueue_planned
from bot.outbox.send_slots import SendSlots
from bot.outbox.sweep import PlannedMessage
from bot.teams.proactive import message_payload
from store import migrate
from store.conversations import upsert_conversation_ref
from store.db import session_scope
from store.engine import create_db_engine
from store.outbox import OutboxMessage, OutboxStatus, claim_due
from store.people import get_person, unreachable_people, upsert_person
from tests.conftest import COORDINATOR_AAD, START, start_bot, use_planners

SAM = "aad-trainee-sam"
ALEX = "aad-mentor-alex"
SAM_CHAT = f"a:personal-{SAM}"
MONDAY_EVENING = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
TUESDAY_9AM = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # London is on GMT in November


@pytest.fixture
def settings(settings):
    # Sweeps are run by the tests at chosen times, not by the scheduler's timer.
    return settings.model_copy(update={"scheduler_enabled": False})


def nudge(recipient: str = SAM, kind: str = "book_session", period: str = "2026-11", **kw):
    return PlannedMessage(
        recipient,
        kind,
        f"{recipient}:{kind}:{period}",
        payload=message_payload(
            f"Time to book your {kind.replace('_', ' ')}",
            cards=[{"type": "AdaptiveCard", "version": "1.5", "body": []}],
        ),
        **kw,
    )


def plan(monkeypatch, *messages: PlannedMessage, due_at: datetime | None = None) -> None:
    """Register a rule that decides `messages` are due from `due_at` on."""

    def planner(_ctx, now):
        return list(messages) if due_at is None or now >= due_at else []

    use_planners(monkeypatch, planner)


async def say_hello(bot, user: str = SAM, tz: str | None = "Europe/London") -> None:
    """Talk to the bot first, as a real user would: that stores the conversation reference."""
    await bot.post(personal_message(bot.connector.url, user, "hello", local_timezone=tz))
    bot.connector.clear()


async def sweep_at(bot, at: datetime, **kw):
    bot.ctx.clock.set(at)
    return await bot.outbox.sweep(at, **kw)


def outbox(bot) -> list[OutboxMessage]:
    with Session(bot.ctx.engine) as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all())


async def test_a_nudge_due_outside_working_hours_goes_at_the_next_allowed_time(
    bot, connector, monkeypatch
):
    await say_hello(bot)
    plan(monkeypatch, nudge(), due_at=MONDAY_EVENING)

    result = await sweep_at(bot, MONDAY_EVENING)
    assert result.sent == []
    assert [m.key for m in result.held] == [f"{SAM}:book_session:2026-11"]
    [row] = outbox(bot)
    assert row.status == OutboxStatus.PENDING and row.not_before == TUESDAY_9AM

    for at in (MONDAY_EVENING + timedelta(hours=3), TUESDAY_9AM - timedelta(minutes=1)):
        assert (await sweep_at(bot, at)).sent == []
    assert connector.requests == []

    result = await sweep_at(bot, TUESDAY_9AM)
    assert [m.line() for m in result.sent] == [f"{SAM}\tbook_session\t{SAM}:book_session:2026-11"]
    [delivered] = connector.sent_to(SAM_CHAT)
    assert delivered.text == "Time to book your book session"
    assert delivered.cards == [{"type": "AdaptiveCard", "version": "1.5", "body": []}]
    [row] = outbox(bot)
    assert row.status == OutboxStatus.SENT and row.sent_at == TUESDAY_9AM
    assert row.activity_id and row.attempts == 1

    await sweep_at(bot, TUESDAY_9AM + timedelta(hours=1))
    assert len(connector.requests) == 1


async def test_the_recipients_own_time_zone_decides(bot, connector, monkeypatch):
    await say_hello(bot, tz="America/Toronto")  # 18:00 UTC is 13:00 there
    plan(monkeypatch, nudge())
    result = await sweep_at(bot, MONDAY_EVENING)
    assert len(result.sent) == 1 and len(connector.sent_to(SAM_CHAT)) == 1


async def test_two_sweeps_at_the_same_time_send_once(bot, connector, monkeypatch):
    await say_hello(bot)
    plan(monkeypatch, nudge())
    at = START
    bot.ctx.clock.set(at)
    first, second = await asyncio.gather(
        bot.outbox.sweep(at, worker_id="instance-a"),
        bot.outbox.sweep(at, worker_id="instance-b"),
    )
    assert len(first.sent) + len(second.sent) == 1
    assert len(connector.sent_to(SAM_CHAT)) == 1
    assert len(outbox(bot)) == 1


async def test_a_restart_between_decided_and_sent_sends_once(
    settings, clock, connector, monkeypatch
):
    plan(monkeypatch, nudge())
    first = await start_bot(settings, clock, connector)
    await say_hello(first)
    held = await sweep_at(first, MONDAY_EVENING)  # decided, held for the morning
    assert [m.not_before for m in held.held] == [TUESDAY_9AM]
    await first.client.close()

    second = await start_bot(settings, clock, connector)  # same SQLite file
    try:
        await sweep_at(second, MONDAY_EVENING + timedelta(minutes=1))
        assert connector.requests == []
        await sweep_at(second, TUESDAY_9AM)
        await sweep_at(second, TUESDAY_9AM + timedelta(minutes=1))
    finally:
        await second.client.close()
    assert len(connector.sent_to(SAM_CHAT)) == 1
    assert [row.status for row in outbox(second)] == [OutboxStatus.SENT]


async def test_a_sender_that_crashed_holding_a_claim_is_taken_over_after_its_lease(
    settings, clock, connector, monkeypatch
):
    plan(monkeypatch, nudge())
    first = await start_bot(settings, clock, connector)
    await say_hello(first)
    # An instance decides the nudge and claims its row, then dies before sending it.
    with first.ctx.session() as session:
        enqueue_planned(session, first.ctx.settings, nudge(), START)
    with first.ctx.session() as session:
        [claimed] = claim_due(session, START, 10, "crashed-instance", timedelta(minutes=5))
    await first.client.close()

    second = await start_bot(settings, clock, connector)
    try:
        assert (await sweep_at(second, START + timedelta(minutes=1))).sent == []
        assert connector.requests == []
        result = await sweep_at(second, START + timedelta(minutes=5))
        assert [m.key for m in result.sent] == [claimed.idempotency_key]
        await sweep_at(second, START + timedelta(minutes=15))
    finally:
        await second.client.close()
    assert len(connector.sent_to(SAM_CHAT)) == 1


async def test_throttled_429_waits_for_retry_after_then_sends_once(bot, connector, monkeypatch):
    await say_hello(bot)
    plan(monkeypatch, nudge())
    connector.fail_next(429, retry_after="7")

    result = await sweep_at(bot, START)
    assert result.sent == []
    [outcome] = result.dispatched
    assert (outcome.outcome, outcome.status, outcome.at) == (
        "retry",
        429,
        START + timedelta(seconds=7),
    )
    [row] = outbox(bot)
    assert row.status == OutboxStatus.PENDING
    assert row.next_attempt_at == START + timedelta(seconds=7)
    assert row.attempts == 1 and row.last_error.startswith("429")
    assert len(connector.rejected) == 1 and connector.requests == []

    assert (await sweep_at(bot, START + timedelta(seconds=6))).sent == []
    assert len(connector.rejected) == 1

    result = await sweep_at(bot, START + timedelta(seconds=7))
    assert len(result.sent) == 1
    await sweep_at(bot, START + timedelta(minutes=1))
    assert len(connector.sent_to(SAM_CHAT)) == 1
    # The failed turn did not make the adapter apologise to the user.
    assert connector.rejected[0].text == "Time to book your book session"


async def test_after_a_429_the_rest_of_the_batch_waits_too(bot, connector, monkeypatch):
    # One conversation at a time, so that the 429 comes before the second send starts.
    bot.ctx.send_slots = SendSlots(1)
    await say_hello(bot)
    await say_hello(bot, ALEX)
    plan(monkeypatch, nudge(SAM), nudge(ALEX))
    connector.fail_next(429, retry_after="30")
    result = await sweep_at(bot, START)
    assert [r.outcome for r in result.dispatched] == ["retry", "deferred"]
    assert len(connector.rejected) == 1 and connector.requests == []
    assert {row.next_attempt_at for row in outbox(bot)} == {START + timedelta(seconds=30)}
    assert [row.attempts for row in outbox(bot)] == [1, 0]
    result = await sweep_at(bot, START + timedelta(seconds=30))
    assert len(result.sent) == 2


async def test_the_outcome_is_written_before_anything_else_once_teams_answers(
    bot, connector, monkeypatch
):
    """The only moment a killed instance can send a message twice is between Teams accepting
    it and its row saying so: by the time the pacer hears the send completed, the row is
    already `sent`."""
    await say_hello(bot)
    plan(monkeypatch, nudge())
    pacer = bot.ctx.pacer
    seen_at_release: list[str] = []

    class Observed(type(pacer)):
        def release(self, conversation_id: str) -> None:
            seen_at_release.extend(row.status for row in outbox(bot))
            super().release(conversation_id)

    pacer.__class__ = Observed
    result = await sweep_at(bot, START)
    assert len(result.sent) == 1
    assert seen_at_release == [OutboxStatus.SENT]


async def test_forbidden_403_marks_the_person_unreachable_and_stops(bot, connector, monkeypatch):
    await say_hello(bot)
    plan(monkeypatch, nudge())
    connector.fail_next(403, code="ConversationBlockedByUser")

    result = await sweep_at(bot, START)
    assert [(r.outcome, r.status) for r in result.dispatched] == [("unreachable", 403)]
    [row] = outbox(bot)
    assert row.status == OutboxStatus.UNREACHABLE and "ConversationBlockedByUser" in row.last_error
    with Session(bot.ctx.engine) as session:
        assert get_person(session, SAM).unreachable_since == START
        assert [p.aad_object_id for p in unreachable_people(session)] == [SAM]

    # No retry; and later messages to them are not attempted.
    plan(monkeypatch, nudge(), nudge(kind="check_in", period="week-2", routine=False))
    await sweep_at(bot, START + timedelta(days=1))
    assert len(connector.rejected) == 1 and connector.requests == []
    assert [row.status for row in outbox(bot)] == [OutboxStatus.UNREACHABLE] * 2

    # They add the bot back and talk to it: reachable again.
    await say_hello(bot)
    with Session(bot.ctx.engine) as session:
        assert get_person(session, SAM).unreachable_since is None


async def test_server_errors_are_retried_with_backoff_then_delivered(bot, connector, monkeypatch):
    await say_hello(bot)
    plan(monkeypatch, nudge())
    connector.fail_next(503, times=2)
    base = timedelta(seconds=bot.ctx.settings.outbox_retry_base_seconds)

    await sweep_at(bot, START)
    [row] = outbox(bot)
    first_retry = row.next_attempt_at
    assert START + base / 2 <= first_retry <= START + base

    await sweep_at(bot, first_retry)
    [row] = outbox(bot)
    second_retry = row.next_attempt_at
    assert first_retry + base <= second_retry <= first_retry + 2 * base
    assert row.attempts == 2 and row.status == OutboxStatus.PENDING

    result = await sweep_at(bot, second_retry)
    assert len(result.sent) == 1
    [row] = outbox(bot)
    assert row.status == OutboxStatus.SENT and row.attempts == 3 and row.last_error is None
    assert len(connector.rejected) == 2 and len(connector.sent_to(SAM_CHAT)) == 1


async def test_a_message_that_keeps_failing_is_marked_failed(bot, connector, monkeypatch):
    bot.ctx.settings.outbox_max_attempts = 2
    await say_hello(bot)
    plan(monkeypatch, nudge())
    connector.fail_next(502, times=5)
    await sweep_at(bot, START)
    [row] = outbox(bot)
    result = await sweep_at(bot, row.next_attempt_at)
    assert [r.outcome for r in result.dispatched] == ["failed"]
    await sweep_at(bot, START + timedelta(days=1))
    [row] = outbox(bot)
    assert row.status == OutboxStatus.FAILED and row.attempts == 2
    assert len(connector.rejected) == 2


async def test_another_client_error_fails_without_retry(bot, connector, monkeypatch):
    await say_hello(bot)
    plan(monkeypatch, nudge())
    connector.fail_next(400, code="BadArgument")
    await sweep_at(bot, START)
    await sweep_at(bot, START + timedelta(days=1))
    [row] = outbox(bot)
    assert row.status == OutboxStatus.FAILED and len(connector.rejected) == 1


async def test_no_stored_conversation_means_unreachable(bot, connector, monkeypatch):
    plan(monkeypatch, nudge("aad-never-talked"))
    result = await sweep_at(bot, START)
    assert [(r.outcome, r.error) for r in result.dispatched] == [
        ("unreachable", "no conversation reference")
    ]
    with Session(bot.ctx.engine) as session:
        assert get_person(session, "aad-never-talked").unreachable_since == START
    assert connector.requests == connector.rejected == []


async def test_at_most_one_routine_nudge_per_person_per_day(bot, connector, monkeypatch):
    await say_hello(bot)
    await say_hello(bot, ALEX)
    booking, survey = nudge(kind="book_session"), nudge(kind="pulse_survey")
    reply = nudge(kind="offer_reminder", routine=False)
    plan(monkeypatch, booking, survey, reply, nudge(ALEX))

    result = await sweep_at(bot, START)
    assert sorted(m.key for m in result.sent) == sorted(
        [booking.key, reply.key, f"{ALEX}:book_session:2026-11"]
    )
    assert [(m.key, m.not_before) for m in result.held] == [(survey.key, TUESDAY_9AM)]
    assert connector.texts(SAM_CHAT) == [
        "Time to book your book session",
        "Time to book your offer reminder",
    ]

    await sweep_at(bot, START + timedelta(hours=6))
    assert len(connector.sent_to(SAM_CHAT)) == 2
    result = await sweep_at(bot, TUESDAY_9AM)
    assert [m.key for m in result.sent] == [survey.key]
    assert connector.texts(SAM_CHAT)[-1] == "Time to book your pulse survey"


async def test_the_cap_holds_when_the_second_nudge_is_decided_later_the_same_day(
    bot, connector, monkeypatch
):
    await say_hello(bot)
    plan(monkeypatch, nudge(kind="book_session"))
    await sweep_at(bot, START)
    plan(monkeypatch, nudge(kind="book_session"), nudge(kind="pulse_survey"))
    result = await sweep_at(bot, START + timedelta(hours=2))
    assert result.sent == [] and [m.not_before for m in result.held] == [TUESDAY_9AM]


async def test_a_missed_window_sends_at_the_next_allowed_time(bot, connector, monkeypatch):
    """Decided for Tuesday 09:00; nobody swept until Tuesday 20:00: it goes Wednesday 09:00."""
    await say_hello(bot)
    plan(monkeypatch, nudge())
    await sweep_at(bot, MONDAY_EVENING)
    result = await sweep_at(bot, TUESDAY_9AM + timedelta(hours=11))
    assert result.sent == []
    assert [(r.outcome, r.at) for r in result.dispatched] == [
        ("deferred", TUESDAY_9AM + timedelta(days=1))
    ]
    result = await sweep_at(bot, TUESDAY_9AM + timedelta(days=1))
    assert len(result.sent) == 1 and len(connector.sent_to(SAM_CHAT)) == 1


async def test_dry_run_writes_nothing_and_sends_nothing(bot, connector, monkeypatch):
    await say_hello(bot)
    plan(monkeypatch, nudge(), nudge(kind="pulse_survey"))
    result = await sweep_at(bot, START, dry_run=True)
    assert outbox(bot) == [] and connector.requests == []
    assert result.report().splitlines() == [
        f"{SAM}\tbook_session\t{SAM}:book_session:2026-11",
        f"{SAM}\tpulse_survey\t{SAM}:pulse_survey:2026-11\theld until 2026-11-24T09:00:00+00:00",
        "sweep at 2026-11-23T10:00:00+00:00: would send 1 message(s); 1 held for an allowed time",
    ]


async def test_immediate_messages_go_through_the_same_outbox(bot, connector):
    """A channel post (an escalation, say) goes at once, also at night, and only once."""
    await bot.post(channel_message(connector.url, COORDINATOR_AAD, "help"))
    await say_hello(bot)
    bot.ctx.clock.set(MONDAY_EVENING)
    alert = PlannedMessage(
        CHANNEL_ID,
        "escalation",
        "pairing-7:stalled:2026-11",
        payload=message_payload("A pairing has stalled"),
        routine=False,
        to_channel=True,
    )
    result = await bot.outbox.send_now(alert)
    assert result.outcome == "sent"
    assert await bot.outbox.send_now(alert) is None
    assert connector.texts(CHANNEL_ID) == ["A pairing has stalled"]

    # A reply to a person that should respect working hours waits for the sweep.
    reply = nudge(kind="offer", routine=False, working_hours=True)
    assert await bot.outbox.send_now(reply) is None
    assert (await bot.outbox.dispatch_due(TUESDAY_9AM))[0].outcome == "sent"
    assert connector.texts(SAM_CHAT) == ["Time to book your offer"]


def test_the_sweep_command_sends_through_the_outbox_once(
    db_url, monkeypatch, capsys, threaded_connector
):
    monkeypatch.setenv("DATABASE_URL", db_url)
    migrate.upgrade(db_url)
    engine = create_db_engine(db_url)
    reference = ConversationReference(
        channel_id="msteams",
        service_url=threaded_connector.url,
        conversation=ConversationAccount(id=SAM_CHAT, conversation_type="personal"),
        bot=ChannelAccount(id="28:bot-app-id"),
        user=ChannelAccount(id=f"29:{SAM}", aad_object_id=SAM),
    )
    with session_scope(engine) as session:
        upsert_person(session, SAM, START, time_zone="Europe/London")
        upsert_conversation_ref(
            session,
            conversation_id=SAM_CHAT,
            conversation_type="personal",
            service_url=threaded_connector.url,
            reference=reference.serialize(),
            now=START,
            aad_object_id=SAM,
        )
    engine.dispose()
    plan(monkeypatch, nudge())

    assert cli.main(["sweep", "--now", "2026-11-23T10:00:00+00:00"]) == 0
    assert cli.main(["sweep", "--now", "2026-11-23T10:01:00+00:00"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{SAM}\tbook_session\t{SAM}:book_session:2026-11",
        "sweep at 2026-11-23T10:00:00+00:00: sent 1 message(s)",
        "sweep at 2026-11-23T10:01:00+00:00: sent 0 message(s)",
    ]
    assert threaded_connector.texts(SAM_CHAT) == ["Time to book your book session"]


async def test_configured_holidays_and_working_day_are_respected(
    settings, clock, connector, monkeypatch
):
    holiday = settings.model_copy(
        update={"holidays": [TUESDAY_9AM.date()], "workday_start": time(10, 0)}
    )
    bot = await start_bot(holiday, clock, connector)
    try:
        await say_hello(bot)
        plan(monkeypatch, nudge(), due_at=MONDAY_EVENING)
        result = await sweep_at(bot, MONDAY_EVENING)
        wednesday_10am = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
        assert [m.not_before for m in result.held] == [wednesday_10am]
        assert (await sweep_at(bot, TUESDAY_9AM + timedelta(hours=2))).sent == []
        assert len((await sweep_at(bot, wednesday_10am)).sent) == 1
    finally:
        await bot.client.close()


def test_holidays_and_hours_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("STEPFORWARD_HOLIDAYS", "2026-12-25, 2026-12-28")
    monkeypatch.setenv("STEPFORWARD_WORKDAY_START", "08:30")
    from bot.settings import Settings, working_hours_of

    hours = working_hours_of(Settings(_env_file=None))
    assert hours.holidays == {date(2026, 12, 25), date(2026, 12, 28)}
    assert hours.start == time(8, 30) and hours.end == time(17, 0)


async def test_turns_and_proactive_sends_reuse_one_connector_client(bot, connector, monkeypatch):
    """Building a Bot Connector client per message cost more CPU than sending it."""
    adapter = bot.client.server.app[ADAPTER]
    auth = adapter.bot_framework_authentication
    built = []
    sdk_create = _ConnectorFactoryImpl.create

    async def counting_create(self, service_url, audience=None):
        built.append(service_url)
        return await sdk_create(self, service_url, audience)

    monkeypatch.setattr(_ConnectorFactoryImpl, "create", counting_create)
    await say_hello(bot)
    await say_hello(bot, user=ALEX)
    plan(monkeypatch, nudge(), nudge(ALEX))
    result = await sweep_at(bot, START)
    assert len(result.sent) == 2
    assert len(connector.sent_to(SAM_CHAT)) == 1
    assert len(connector.sent_to(f"a:personal-{ALEX}")) == 1
    # Two inbound turns and two proactive sends, all to one service URL: one client built,
    # by the first turn, and used by all four.
    assert built == [connector.url]
    assert auth.connector_clients == 1
