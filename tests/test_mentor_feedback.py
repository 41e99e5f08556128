"""`my feedback`: a mentor sees what mentees said about the mentoring only added up, and only
from 5 answers; the stored rows link no answer to the mentor; `my data` shows the tally and
`delete my data` removes it."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlmodel import Session, select

from bench.teams_activities import card_submit, channel_message, personal_message
from store.models import Pairing, Person
from store.surveys import MentorFeedbackTally, SurveyAnswer, invite, subject_of
from tests.conftest import POSTGRES_URL, START
from tests.test_pairing import ADELE, SAM, _programme_with_accepted_trainee

# Sam's pulse answers about the sessions with Adele, months 1 to 5.
SAM_SAYS = ["4", "5", "3", "4", "5"]


async def _paired(bot) -> Pairing:
    await _programme_with_accepted_trainee(bot)
    await bot.post(channel_message(bot.connector.url, "aad-coordinator-1", "pair sam with adele"))
    with bot.ctx.session() as session:
        pairing = session.exec(select(Pairing)).one()
        for month in range(1, 6):
            for person_id, role in (
                (pairing.trainee_person_id, "trainee"),
                (pairing.mentor_person_id, "mentor"),
            ):
                invite(
                    session,
                    programme_id=pairing.programme_id,
                    survey_id="pulse",
                    round_=f"month-{month}",
                    subject=subject_of(pairing.id, f"month-{month}"),
                    person_id=person_id,
                    role=role,
                    now=START,
                )
        session.expunge(pairing)
    return pairing


async def _tap_pulse(bot, who: str, pairing: Pairing, month: int, value: str) -> None:
    subject = subject_of(pairing.id, f"month-{month}")
    await bot.post(
        card_submit(
            bot.connector.url, who, {"survey": "pulse", "subject": subject, "useful": value}
        )
    )


async def _say(bot, who: str, text: str, name: str) -> str:
    before = len(bot.connector.texts(f"a:personal-{who}"))
    await bot.post(personal_message(bot.connector.url, who, text, user_name=name))
    return "\n".join(bot.connector.texts(f"a:personal-{who}")[before:])


async def test_feedback_shows_only_from_five_answers_and_links_no_answer_to_the_mentor(bot):
    pairing = await _paired(bot)
    adele = ADELE.aad_object_id
    # Adele's own pulse answers are about the session, not feedback about her: never tallied.
    for month in range(1, 6):
        await _tap_pulse(bot, adele, pairing, month, "1")
    for month, value in enumerate(SAM_SAYS[:4], 1):
        await _tap_pulse(bot, SAM, pairing, month, value)

    at_four = await _say(bot, adele, "my feedback", ADELE.name)
    assert "Quick pulse: How useful was the session? fewer than 5 answers so far" in at_four
    assert "shown once at least 5 answers exist" in at_four
    assert "average" not in at_four

    await _tap_pulse(bot, SAM, pairing, 5, SAM_SAYS[4])
    at_five = await _say(bot, adele, "my feedback", ADELE.name)
    assert (
        "Quick pulse: How useful was the session? average 4.2 of 5, 5 answers "
        "(1: 0, 2: 0, 3: 1, 4: 2, 5: 2)"
    ) in at_five
    # Sam has no feedback about mentoring (he is not anyone's mentor).
    assert "as a trainee, so there is none about you" in await _say(bot, SAM, "my feedback", "Sam")

    with Session(bot.ctx.engine) as session:
        connection = session.connection()
        answer_columns = {c["name"] for c in inspect(connection).get_columns("survey_answer")}
        tally_columns = {
            c["name"] for c in inspect(connection).get_columns("mentor_feedback_tally")
        }
        answers = session.exec(select(SurveyAnswer)).all()
        tallies = session.exec(select(MentorFeedbackTally)).all()
        mentor = session.get(Person, pairing.mentor_person_id)
        if not POSTGRES_URL:
            sql = connection.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name='mentor_feedback_tally'"
            ).scalar()
            assert "WITHOUT ROWID" in sql  # no row number giving the order answers came in
    # Individual answers carry no mentor, pairing or person: the same columns as before.
    assert answer_columns == {"id", "programme_id", "survey_id", "round", "role", "answers"}
    for answer in answers:
        assert set(answer.answers) == {"useful"}  # nothing rides along with the answer
        assert mentor.aad_object_id not in {answer.id, answer.round, answer.role}
    assert len(answers) == 10
    # The tally: counts only, no answer id, round or time.
    assert tally_columns == {"mentor_person_id", "survey_id", "item_id", "value", "count"}
    assert sorted((t.mentor_person_id, t.item_id, t.value, t.count) for t in tallies) == [
        (mentor.id, "useful", "3", 1),
        (mentor.id, "useful", "4", 2),
        (mentor.id, "useful", "5", 2),
    ]


async def test_my_data_shows_the_tally_and_delete_my_data_removes_it(bot):
    pairing = await _paired(bot)
    adele = ADELE.aad_object_id
    for month, value in enumerate(SAM_SAYS, 1):
        await _tap_pulse(bot, SAM, pairing, month, value)
    mine = await _say(bot, adele, "my data", ADELE.name)
    assert "**Feedback about your mentoring**" in mine
    assert "average 4.2 of 5, 5 answers" in mine
    assert "Feedback about your mentoring" not in await _say(bot, SAM, "my data", "Sam Taylor")

    await bot.post(
        card_submit(bot.connector.url, adele, {"my_data": "delete_confirmed"}, user_name="Adele")
    )
    with Session(bot.ctx.engine) as session:
        assert session.exec(select(MentorFeedbackTally)).all() == []
        # The anonymous answers stay: the programme's totals do not change.
        assert len(session.exec(select(SurveyAnswer)).all()) == 5
