"""Surveys go out through the nudge engine by moving the clock: each exactly once, in working
hours, at most two reminders, none after an answer; anonymous answers cannot be joined to
anyone on the stored rows."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta

from sqlalchemy import inspect
from sqlmodel import Session, select

from bench.teams_activities import card_submit, channel_message
from bot.surveys.planner import plan_surveys
from domain.cadence import add_months
from domain.surveys import load_definitions
from domain.working_hours import is_working_time
from store.models import MentoringSession, Pairing, Person
from store.outbox import OutboxMessage, OutboxStatus
from store.surveys import SurveyAnswer, SurveyInvitation
from tests.applying import action_data, card_inputs, card_text
from tests.conftest import POSTGRES_URL, START, use_planners
from tests.test_pairing import ADELE, SAM, _programme_with_accepted_trainee

TITLES = {
    "Quick pulse": "pulse",
    "End of the programme: your view": "mentee_end",
    "End of the programme: mentors' view": "mentor_end",
    "After the training: how do you rate yourself?": "training_evaluation",
}


async def _paired_near_the_end(bot, monkeypatch):
    """Sam and Adele, paired so their 6 months end a day after START, month 1 logged."""
    use_planners(monkeypatch, plan_surveys)
    await _programme_with_accepted_trainee(bot)
    await bot.post(channel_message(bot.connector.url, "aad-coordinator-1", "pair sam with adele"))
    with bot.ctx.session() as session:
        pairing = session.exec(select(Pairing)).one()
        pairing.paired_at = add_months(START + timedelta(days=1), -6)
        session.add(pairing)
        session.add(
            MentoringSession(
                pairing_id=pairing.id, month=1, happened=True, held_on=START, logged_at=START
            )
        )
    bot.connector.clear()


def reminders_to(engine, aad: str) -> list[OutboxMessage]:
    """The survey reminders in the outbox for one person, whatever became of them."""
    with Session(engine) as session:
        return list(
            session.exec(
                select(OutboxMessage).where(
                    OutboxMessage.recipient_aad_object_id == aad,
                    OutboxMessage.kind == "survey_reminder",
                )
            )
        )


def survey_of(card: dict) -> str | None:
    return TITLES.get(card["body"][0]["text"])


async def test_surveys_exactly_once_in_working_hours_with_at_most_two_reminders(
    bot, clock, monkeypatch
):
    await _paired_near_the_end(bot, monkeypatch)
    bot.connector.clock = clock
    seen = 0
    while clock.now() < START + timedelta(days=40):
        await bot.outbox.sweep(clock.now())
        await bot.outbox.sweep(clock.now())  # twice: still once
        for request in bot.connector.requests[seen:]:
            [card] = request.cards or [None]
            who = request.conversation_id.removeprefix("a:personal-")
            if card is None or who != ADELE.aad_object_id:
                continue
            # Adele answers everything at once; Sam never does.
            if survey_of(card) == "pulse":
                await bot.post(card_submit(bot.connector.url, who, action_data(card)[4]))
            else:
                values = {i: "4" for i in card_inputs(card)}
                values |= {"time_released": "yes", "mentor_again": "no", "improve": ""}
                await bot.post(card_submit(bot.connector.url, who, action_data(card)[0] | values))
        seen = len(bot.connector.requests)
        clock.advance(timedelta(hours=3))

    surveys = [
        (r.conversation_id.removeprefix("a:personal-"), survey_of(r.cards[0]), r)
        for r in bot.connector.requests
        if r.cards and survey_of(r.cards[0])
    ]
    counts = Counter((who, name) for who, name, _r in surveys)
    assert counts == {
        (SAM, "pulse"): 1,  # one tap, no reminders
        (ADELE.aad_object_id, "pulse"): 1,
        (SAM, "mentee_end"): 3,  # the survey and two reminders, never a third
        (ADELE.aad_object_id, "mentor_end"): 1,  # answered: no reminder
    }
    assert all(is_working_time(r.at, "Europe/London") for _w, _n, r in surveys)
    sam_end = [r.at for who, name, r in surveys if (who, name) == (SAM, "mentee_end")]
    assert sam_end[1] - sam_end[0] >= timedelta(days=7)
    assert "reminder" in card_text([r for _w, n, r in surveys if n == "mentee_end"][1].cards[0])
    thanks = bot.connector.texts(f"a:personal-{ADELE.aad_object_id}")
    assert (
        thanks.count("Thank you! Your answers are anonymous: they are kept apart from your name.")
        == 2
    )


async def test_anonymous_answers_have_no_join_path_to_people(bot, clock, monkeypatch):
    await _paired_near_the_end(bot, monkeypatch)
    clock.advance(timedelta(days=2))
    for _ in range(3):  # one routine nudge a day: pulse, then the end surveys
        await bot.outbox.sweep(clock.now())
        clock.advance(timedelta(days=1))
    cards = {
        (r.conversation_id.removeprefix("a:personal-"), survey_of(r.cards[0])): r.cards[0]
        for r in bot.connector.requests
        if r.cards
    }
    url = bot.connector.url
    await bot.post(card_submit(url, SAM, action_data(cards[(SAM, "pulse")])[2]))
    end = cards[(SAM, "mentee_end")]
    values = {"satisfied": "5", "confidence": "4", "mentor_helpful": "5", "met_goals": "yes"}
    await bot.post(card_submit(url, SAM, action_data(end)[0] | values))  # one missing
    assert "recommend it to a colleague" in bot.connector.texts()[-1]
    await bot.post(card_submit(url, SAM, action_data(end)[0] | values | {"recommend": "yes"}))
    await bot.post(card_submit(url, SAM, action_data(end)[0] | values | {"recommend": "no"}))
    assert bot.connector.texts()[-1] == "You've already answered this one — thank you!"
    await bot.post(
        card_submit(url, ADELE.aad_object_id, action_data(cards[(ADELE.aad_object_id, "pulse")])[3])
    )

    with Session(bot.ctx.engine) as session:
        answers = session.exec(select(SurveyAnswer)).all()
        invitations = session.exec(select(SurveyInvitation)).all()
        people = session.exec(select(Person)).all()
        columns = {c["name"] for c in inspect(session.connection()).get_columns("survey_answer")}
        foreign = inspect(session.connection()).get_foreign_keys("survey_answer")
        if not POSTGRES_URL:
            # No hidden row number that orders the answers as they were written.
            rowid = (
                session.connection()
                .exec_driver_sql("SELECT sql FROM sqlite_master WHERE name='survey_answer'")
                .scalar()
            )
            assert "WITHOUT ROWID" in rowid
    assert columns == {"id", "programme_id", "survey_id", "round", "role", "answers"}
    assert foreign == []
    assert sorted((a.survey_id, a.round, a.role) for a in answers) == [
        ("mentee_end", "end", "trainee"),
        ("pulse", "month-1", "mentor"),
        ("pulse", "month-1", "trainee"),
    ]
    assert all(uuid.UUID(hex=a.id).version == 4 for a in answers)
    identifying = {str(p.id) for p in people} | {p.aad_object_id for p in people}
    identifying |= {p.display_name for p in people if p.display_name}
    identifying |= {str(i.id) for i in invitations} | {i.subject for i in invitations}
    surveys = load_definitions()
    for answer in answers:
        assert answer.id not in identifying
        # Only the survey's own questions: nothing else rides along with the answers.
        assert set(answer.answers) <= set(surveys[answer.survey_id].answer_ids())
    # Who answered is known (it stops reminders), but not what they said.
    responded = {(i.survey_id, i.person_id) for i in invitations if i.responded_at}
    assert len(responded) == 3
    assert all(i.answers is None for i in invitations)


async def test_a_reminder_queued_before_the_answer_is_cancelled_at_send_time(
    bot, clock, monkeypatch
):
    await _paired_near_the_end(bot, monkeypatch)
    bot.connector.clock = clock
    # Monday: the pulses; Tuesday: the end surveys (the pairing ends Tuesday 10:00).
    await bot.outbox.sweep(clock.now())
    clock.advance(timedelta(days=1, minutes=1))
    await bot.outbox.sweep(clock.now())
    [sam_end] = [
        c for c in bot.connector.cards(f"a:personal-{SAM}") if survey_of(c) == "mentee_end"
    ]

    # A week on, in the evening: the reminders are decided and wait for the morning.
    clock.advance(timedelta(days=7, hours=10))  # Tuesday 20:01
    result = await bot.outbox.sweep(clock.now())
    assert sorted(m.recipient for m in result.held) == sorted([SAM, ADELE.aad_object_id])
    # Sam answers the first card that evening.
    values = {i: "4" for i in card_inputs(sam_end)} | {"met_goals": "yes", "recommend": "yes"}
    await bot.post(card_submit(bot.connector.url, SAM, action_data(sam_end)[0] | values))
    before = len(bot.connector.requests)

    clock.advance(timedelta(hours=13))  # Wednesday 09:01
    result = await bot.outbox.sweep(clock.now())
    outcomes = {(r.recipient, r.outcome) for r in result.dispatched}
    assert outcomes == {(SAM, "cancelled"), (ADELE.aad_object_id, "sent")}
    sent = bot.connector.requests[before:]
    assert [r.conversation_id.removeprefix("a:personal-") for r in sent] == [ADELE.aad_object_id]
    [row] = reminders_to(bot.ctx.engine, SAM)
    assert row.status == OutboxStatus.CANCELLED and row.sent_at is None
    # Nothing more for Sam, ever: later sweeps neither send it nor plan another.
    clock.advance(timedelta(days=10))
    await bot.outbox.sweep(clock.now())
    sams = bot.connector.cards(f"a:personal-{SAM}")
    assert [survey_of(card) for card in sams] == ["pulse", "mentee_end"]
