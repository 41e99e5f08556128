"""The nudge policy in `domain.nudge_policy` is the one that runs: with the working day set to
10:00–15:00, the sweep's planner, the dispatcher and the session reminder all keep to it (the
default day, 09:00–17:00, would have sent each of these messages earlier or later)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlmodel import Session, select

from bench.teams_activities import card_submit, channel_message, personal_message
from bot.outbox.planned import PlannedMessage
from bot.teams import message_payload
from store.db import session_scope
from store.models import Pairing
from store.outbox import OutboxMessage, OutboxStatus, enqueue
from tests.applying import card_text
from tests.conftest import COORDINATOR_AAD, start_bot, use_planners
from tests.test_pairing import ADELE, SAM, _programme_with_accepted_trainee

# November: London is on UTC.
TUESDAY = datetime(2026, 11, 24, tzinfo=UTC)


def _short_day(settings):
    return settings.model_copy(update={"workday_start": time(10), "workday_end": time(15)})


def _at(day: datetime, hour: int, minute: int = 0) -> datetime:
    return day.replace(hour=hour, minute=minute)


async def test_planner_and_dispatcher_keep_to_the_configured_working_day(
    settings, clock, connector, monkeypatch
):
    key = f"{SAM}:book_session:2026-11"
    use_planners(
        monkeypatch,
        lambda _ctx, _now: [
            PlannedMessage(SAM, "book_session", key, payload=message_payload("Book it"))
        ],
    )
    bot = await start_bot(_short_day(settings), clock, connector)
    try:
        await bot.post(personal_message(connector.url, SAM, "hello"))
        connector.clear()

        # The planner: due at 09:30, held until the working day starts at 10:00.
        clock.set(_at(TUESDAY, 9, 30))
        result = await bot.outbox.sweep(clock.now())
        assert result.sent == [] and [m.not_before for m in result.held] == [_at(TUESDAY, 10)]
        assert len((await bot.outbox.sweep(_at(TUESDAY, 10))).sent) == 1

        # The dispatcher: a message left due at 14:00 and found at 15:30 waits for tomorrow.
        use_planners(monkeypatch)
        with session_scope(bot.ctx.engine) as session:
            enqueue(
                session,
                key="aad-trainee-sam:escalation_update:1",
                kind="escalation_update",
                payload=message_payload("An update"),
                not_before=_at(TUESDAY, 14),
                now=_at(TUESDAY, 14),
                recipient_aad_object_id=SAM,
                routine=False,
                working_hours=True,
            )
        clock.set(_at(TUESDAY, 15, 30))
        [deferred] = (await bot.outbox.sweep(clock.now())).dispatched
        assert deferred.outcome == "deferred" and deferred.error == "outside working hours"
        assert deferred.at == _at(TUESDAY + timedelta(days=1), 10)
        clock.set(_at(TUESDAY + timedelta(days=1), 10))
        assert len((await bot.outbox.sweep(clock.now())).sent) == 1
    finally:
        await bot.client.close()


async def test_the_session_reminder_keeps_to_the_configured_working_day(settings, clock, connector):
    bot = await start_bot(_short_day(settings), clock, connector)
    try:
        await _programme_with_accepted_trainee(bot)
        await bot.post(channel_message(connector.url, COORDINATOR_AAD, "pair sam with adele"))
        await bot.outbox.sweep(clock.now())
        [book] = [
            card
            for card in connector.cards(f"a:personal-{SAM}")
            if "book this month" in card_text(card)
        ]
        submit = next(a for a in book["actions"] if a["type"] == "Action.Submit")
        # Booked for Thursday 14:00: reminded on Wednesday when the working day starts.
        booking = submit["data"] | {"date": "2026-11-26", "time": "14:00"}
        await bot.post(card_submit(connector.url, SAM, booking))
        wednesday = TUESDAY + timedelta(days=1)
        for at in (_at(wednesday, 9), _at(wednesday, 9, 59)):
            clock.set(at)
            await bot.outbox.sweep(at)
        assert not _reminders(bot)
        clock.set(_at(wednesday, 10))
        await bot.outbox.sweep(clock.now())
        reminders = _reminders(bot)
        assert {row.recipient_aad_object_id for row in reminders} == {SAM, ADELE.aad_object_id}
        assert {row.sent_at for row in reminders} == {_at(wednesday, 10)}
        with Session(bot.ctx.engine) as session:
            assert session.exec(select(Pairing)).one().status == "active"
    finally:
        await bot.client.close()


def _reminders(bot) -> list[OutboxMessage]:
    with Session(bot.ctx.engine) as session:
        return list(
            session.exec(
                select(OutboxMessage).where(
                    OutboxMessage.kind == "session_reminder",
                    OutboxMessage.status == OutboxStatus.SENT.value,
                )
            )
        )
