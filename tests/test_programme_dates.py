"""`dates` in the coordinator channel sets the dates the surveys wait for; moving the clock, the
post-training evaluation and a promotion-support programme's end survey then go out."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bench.teams_activities import channel_message, personal_message
from bot.surveys.planner import plan_surveys
from domain.working_hours import is_working_time
from store.models import Programme, ProgrammeKind
from store.outbox import OutboxStatus
from tests.conftest import COORDINATOR_AAD, START, use_planners
from tests.test_pairing import ADELE, SAM, _programme_with_accepted_trainee
from tests.test_surveys import reminders_to, survey_of


async def _say(bot, text: str, who: str = COORDINATOR_AAD) -> str:
    await bot.post(channel_message(bot.connector.url, who, text))
    return bot.connector.texts()[-1]


async def _paired(bot, monkeypatch, *, promotion_support: bool = False) -> None:
    use_planners(monkeypatch, plan_surveys)
    await _programme_with_accepted_trainee(bot)
    if promotion_support:
        with bot.ctx.session() as session:
            programme = session.exec(select(Programme)).one()
            programme.kind = ProgrammeKind.PROMOTION_SUPPORT.value
            session.add(programme)
    await _say(bot, "pair sam with adele")
    bot.connector.clear()


async def _sweep_until(bot, clock, until: datetime) -> list[tuple[str, str, datetime]]:
    """Sweep every 3 hours (twice each time) until `until`: (who, survey, when sent)."""
    bot.connector.clock = clock
    while clock.now() < until:
        await bot.outbox.sweep(clock.now())
        await bot.outbox.sweep(clock.now())
        clock.advance(timedelta(hours=3))
    return [
        (r.conversation_id.removeprefix("a:personal-"), survey_of(r.cards[0]), r.at)
        for r in bot.connector.requests
        if r.cards and survey_of(r.cards[0])
    ]


async def test_training_end_date_from_teams_sends_the_evaluation_once_in_working_hours(
    bot, clock, monkeypatch
):
    await _paired(bot, monkeypatch)
    assert "Training ends: not set" in await _say(bot, "dates")
    # Nothing is sent while the date is unknown.
    assert await _sweep_until(bot, clock, START + timedelta(days=1)) == []

    reply = await _say(bot, "dates training ends 25 November 2026")
    assert reply.startswith("Done.") and "Training ends: 25 November 2026" in reply
    with bot.ctx.session() as session:
        programme = session.exec(select(Programme)).one()
        assert programme.training_ends_at == datetime(2026, 11, 26, tzinfo=UTC)
    sent = await _sweep_until(bot, clock, START + timedelta(days=6))

    assert [(who, name) for who, name, _at in sent] == [(SAM, "training_evaluation")]
    [(_who, _name, at)] = sent
    assert at >= datetime(2026, 11, 26, tzinfo=UTC)
    assert is_working_time(at, "Europe/London")


async def test_promotion_support_end_survey_after_the_assessment_and_not_after_results(
    bot, clock, monkeypatch
):
    await _paired(bot, monkeypatch, promotion_support=True)
    assert "Results published: 7 December 2026" in await _say(bot, "dates results 2026-12-07")
    # Kindly refused: results before the assessment ends; nothing changes.
    reply = await _say(bot, "dates assessment ends 2026-12-10")
    assert reply.startswith("Results can't be published before the assessment ends.")
    assert "Assessment ends: not set" in reply
    # No survey while the assessment date is unknown.
    assert await _sweep_until(bot, clock, START + timedelta(days=2)) == []

    reply = await _say(bot, "dates assessment ends 25 November 2026")
    assert "Assessment ends: 25 November 2026" in reply
    assessment_ends = datetime(2026, 11, 26, tzinfo=UTC)
    results = datetime(2026, 12, 7, tzinfo=UTC)
    sent = await _sweep_until(bot, clock, START + timedelta(days=30))

    counts = Counter((who, name) for who, name, _at in sent)
    # The survey and the first reminder (a week later); the second would be after results.
    assert counts == {(SAM, "mentee_end"): 2, (ADELE.aad_object_id, "mentor_end"): 2}
    assert all(assessment_ends <= at < results for _w, _n, at in sent)
    assert all(is_working_time(at, "Europe/London") for _w, _n, at in sent)


async def test_dates_explains_what_it_cannot_read_and_is_for_coordinators_only(bot, monkeypatch):
    await _paired(bot, monkeypatch)
    assert "couldn't read “soon” as a date" in await _say(bot, "dates training ends soon")
    assert (await _say(bot, "dates training ends")).startswith("Please give a date, e.g.")
    assert (await _say(bot, "dates holidays 2027-01-01")).startswith("Please say **dates**")
    assert "not a promotion-support programme" in await _say(bot, "dates results 2027-01-01")
    refused = await _say(bot, "dates training ends 2027-01-01", who=SAM)
    assert refused.startswith("Sorry, only programme coordinators can do that")
    with bot.ctx.session() as session:
        programme = session.exec(select(Programme)).one()
        assert programme.training_ends_at is None and programme.results_at is None


async def test_a_reminder_held_past_results_day_is_cancelled_not_sent(bot, clock, monkeypatch):
    await _paired(bot, monkeypatch, promotion_support=True)
    await _say(bot, "dates assessment ends 25 November 2026")
    await _say(bot, "dates results 7 December 2026")
    sent = await _sweep_until(bot, clock, datetime(2026, 12, 2, 12, tzinfo=UTC))
    assert (SAM, "mentee_end") in {(who, name) for who, name, _at in sent}
    # Sam snoozes for a week: his reminder (due 3 December) waits until after results day.
    await bot.post(personal_message(bot.connector.url, SAM, "snooze 7", user_name="Sam Taylor"))
    await _sweep_until(bot, clock, datetime(2026, 12, 14, tzinfo=UTC))
    [reminder] = reminders_to(bot.ctx.engine, SAM)
    assert reminder.status == OutboxStatus.CANCELLED and reminder.sent_at is None
    sams = [name for who, name, _at in await _sweep_until(bot, clock, clock.now()) if who == SAM]
    assert sams == ["mentee_end"]
