"""Applying in personal chat, driven through the real app with Teams-shaped activities."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from bench.teams_activities import CHANNEL_ID
from store.models import Application, ApplicationEvent, EqualityMonitoring, Person
from store.seed import seed_demo
from tests.applying import (
    ABOUT,
    GOALS,
    MENTOR,
    Applicant,
    action_data,
    card_inputs,
    card_text,
    set_up_channel,
)
from tests.conftest import START, start_bot


def _applications(bot) -> list[Application]:
    with Session(bot.ctx.engine) as session:
        query = select(Application).where(Application.role != "mentor").order_by(Application.id)
        return list(session.exec(query))


async def _ready(bot):
    with bot.ctx.session() as session:
        seed_demo(session, START)
    await set_up_channel(bot)
    bot.connector.clear()


async def test_trainee_applies_from_hi_to_submitted(bot):
    await _ready(bot)
    sam = Applicant(bot)
    await sam.say("apply")

    first = sam.last_card()
    assert set(card_inputs(first)) == {"role", "consent"}
    assert "You do not need your line manager's permission to apply" in card_text(first)
    assert "consulted before any offer" in card_text(first)
    assert _applications(bot) == []  # nothing stored before consent

    await sam.submit({"form": "start", "role": "trainee", "consent": "true"})
    [application] = _applications(bot)
    assert application.status == "started" and application.consent_at == START
    assert set(card_inputs(sam.last_card())) == {"organisation", "department", "grade", "location"}

    await sam.submit(ABOUT)
    assert set(card_inputs(sam.last_card())) == {
        "goals",
        "needs",
        "promotion_process",
        "availability",
    }
    await sam.submit(GOALS)
    equality = sam.last_card()
    assert "optional" in card_text(equality)
    assert {"form": "equality", "skip": True} in action_data(equality)
    await sam.submit({"form": "equality", "ethnicity": "black", "gender": "prefer_not_to_say"})

    review = sam.last_card()
    assert "Move into a team leader role" in card_text(review)
    assert "Confidence, Interviews" in card_text(review)
    await sam.submit({"form": "review", "choice": "submit"})

    assert "your application to Step Forward demo programme is in" in sam.texts()[-1]
    assert "check with your line manager" in sam.texts()[-1]
    [application] = _applications(bot)
    assert application.status == "submitted" and application.submitted_at == START
    assert application.organisation == "City Council"
    assert application.answers["needs"] == ["confidence", "interviews"]
    assert "ethnicity" not in application.answers
    with Session(bot.ctx.engine) as session:
        stored = session.exec(select(EqualityMonitoring)).one()
        events = [e.event for e in session.exec(select(ApplicationEvent))]
    assert stored.answers == {"ethnicity": "black", "gender": "prefer_not_to_say"}
    assert stored.application_id == application.id
    assert events == ["started", "submitted"]

    [posted] = bot.connector.cards(CHANNEL_ID)
    assert "Application: Sam Taylor" in card_text(posted)
    assert "City Council" in card_text(posted)
    assert "Ethnic" not in card_text(posted) and "black" not in card_text(posted).lower()
    assert application.channel_card_activity_id is not None

    await sam.say("my application")
    assert "submitted and waiting for review" in card_text(sam.last_card())


async def test_mentor_applies_and_assessor_needs_the_process(bot):
    await _ready(bot)
    mo = Applicant(bot, MENTOR, "Mo Khan")
    await mo.say("apply")
    await mo.submit({"form": "start", "role": "mentor", "consent": "true"})
    await mo.submit(ABOUT | {"organisation": "Police Service"})
    assert set(card_inputs(mo.last_card())) == {
        "experience",
        "capacity",
        "areas",
        "assessor",
        "assessor_process",
    }
    mentoring = {
        "form": "mentoring",
        "experience": "Coached 4 sergeants",
        "capacity": "2",
        "areas": "interviews,leadership",
        "assessor": "yes",
    }
    await mo.submit(mentoring)
    assert "Please say which promotion process you assess." in card_text(mo.last_card())
    await mo.submit(mentoring | {"assessor_process": "2027 Inspector promotion"})
    await mo.submit({"form": "equality", "skip": True})
    await mo.submit({"form": "review", "choice": "submit"})
    with Session(bot.ctx.engine) as session:
        application = session.exec(
            select(Application)
            .join(Person, Person.id == Application.person_id)
            .where(Person.aad_object_id == MENTOR)
        ).one()
    assert application.role == "mentor" and application.status == "submitted"
    assert application.answers["capacity"] == "2"
    assert application.answers["assessor_process"] == "2027 Inspector promotion"


async def test_invalid_answers_are_re_asked_with_a_clear_message(bot):
    await _ready(bot)
    sam = Applicant(bot)
    await sam.say("apply")
    await sam.submit({"form": "start", "role": "trainee"})  # consent not ticked
    assert "Please tick the box to agree" in card_text(sam.last_card())
    assert _applications(bot) == []

    await sam.submit({"form": "start", "role": "astronaut", "consent": "true"})
    assert "Please pick one of the options" in card_text(sam.last_card())

    await sam.submit({"form": "start", "role": "trainee", "consent": "true"})
    await sam.submit(ABOUT | {"organisation": "  ", "grade": "x" * 81})
    assert sam.texts()[-1].startswith("Thanks — a few answers need another look")
    again = sam.last_card()
    text = card_text(again)
    assert "Please answer “Organisation or agency”." in text
    assert "can be at most 80 characters (yours has 81)" in text
    assert card_inputs(again)["location"]["value"] == "Leicester"  # kept what was typed
    [application] = _applications(bot)
    assert application.answers == {}

    await sam.say("what now?")
    assert "Please fill in the form above" in sam.texts()[-1]


async def test_leaving_midway_and_resuming_after_a_restart(settings, clock, connector):
    first = await start_bot(settings, clock, connector)
    await _ready(first)
    sam = Applicant(first)
    await sam.say("apply")
    await sam.submit({"form": "start", "role": "trainee", "consent": "true"})
    await sam.submit(ABOUT)
    await first.client.close()

    # A new app object on the same SQLite file: the pending goals card still works...
    second = await start_bot(settings, clock, connector)
    sam = Applicant(second)
    await sam.submit(GOALS)
    assert "Equality monitoring" in card_text(sam.last_card())
    await second.client.close()

    # ...and after another restart, "apply" continues where the person left off.
    third = await start_bot(settings, clock, connector)
    sam = Applicant(third)
    await sam.say("apply")
    assert "Welcome back! Let's continue where you left off" in sam.texts()[-1]
    assert "Equality monitoring" in card_text(sam.last_card())
    await sam.submit({"form": "equality", "skip": True})
    await sam.submit({"form": "review", "choice": "submit"})
    [application] = _applications(third)
    assert application.status == "submitted"
    assert application.answers["location"] == "Leicester"
    await third.client.close()


async def test_stop_keeps_answers(bot):
    await _ready(bot)
    sam = Applicant(bot)
    await sam.say("apply")
    await sam.submit({"form": "start", "role": "trainee", "consent": "true"})
    await sam.say("stop")
    assert "your answers so far are saved" in sam.texts()[-1]
    await sam.say("apply")
    assert set(card_inputs(sam.last_card())) == {"organisation", "department", "grade", "location"}


async def test_edit_an_answer_from_the_summary(bot):
    await _ready(bot)
    sam = Applicant(bot)
    await sam.fill_trainee_application()
    assert {"form": "review", "choice": "edit:about"} in action_data(sam.last_card())
    await sam.submit({"form": "review", "choice": "edit:about"})
    about = sam.last_card()
    assert card_inputs(about)["organisation"]["value"] == "City Council"
    assert [a["title"] for a in about["actions"]] == ["Save"]
    await sam.submit(ABOUT | {"location": "Loughborough"})
    review = sam.last_card()
    assert "Loughborough" in card_text(review)
    await sam.submit({"form": "review", "choice": "submit"})
    [application] = _applications(bot)
    assert application.answers["location"] == "Loughborough"


async def test_change_after_submitting_updates_the_coordinators_card(bot):
    await _ready(bot)
    sam = Applicant(bot)
    await sam.fill_trainee_application()
    await sam.submit({"form": "review", "choice": "submit"})
    await sam.submit({"my_application": "edit"})
    await sam.submit({"form": "review", "choice": "edit:about"})
    await sam.submit(ABOUT | {"department": "Planning"})
    updates = [r for r in bot.connector.requests if r.method == "PUT"]
    assert len(updates) == 1 and "Planning" in card_text(updates[0].body)


async def test_withdraw_then_apply_again(bot):
    await _ready(bot)
    sam = Applicant(bot)
    await sam.fill_trainee_application()
    await sam.submit({"form": "review", "choice": "submit"})
    await sam.say("my application")
    assert {"my_application": "withdraw"} in action_data(sam.last_card())
    await sam.submit({"my_application": "withdraw"})
    await sam.submit({"my_application": "withdraw_confirmed"})
    assert "Your application is withdrawn" in sam.texts()[-1]
    [application] = _applications(bot)
    assert application.status == "withdrawn"
    assert "Sam Taylor withdrew their application." in bot.connector.texts(CHANNEL_ID)

    await sam.submit({"my_application": "withdraw_confirmed"})
    assert sam.texts()[-1] == "Your application is already withdrawn."

    await sam.say("apply")
    assert "open again with your earlier answers" in sam.texts()[-1]
    assert "Please check your answers" in card_text(sam.last_card())
    assert len(_applications(bot)) == 1  # one application per person per programme


async def test_applying_twice_resumes_the_same_application(bot):
    await _ready(bot)
    sam = Applicant(bot)
    await sam.fill_trainee_application()
    await sam.submit({"form": "review", "choice": "submit"})
    await sam.say("apply")
    assert "Submitted — you can change it until" in card_text(sam.last_card())
    assert len(_applications(bot)) == 1


async def test_window_closed(bot, clock):
    await _ready(bot)
    sam = Applicant(bot)
    await sam.say("apply")
    await sam.submit({"form": "start", "role": "trainee", "consent": "true"})
    clock.advance(timedelta(days=40))
    await sam.submit(ABOUT)
    assert sam.texts()[-1].startswith("Applications for Step Forward demo programme closed on")
    await sam.say("apply")
    assert "The next window has not been announced yet." in sam.texts()[-1]
    await sam.say("my application")
    card = sam.last_card()
    assert "still being filled in" in card_text(card)
    assert action_data(card) == []


async def test_help_mid_application_keeps_the_form_going(bot):
    await _ready(bot)
    sam = Applicant(bot)
    await sam.say("apply")
    await sam.submit({"form": "start", "role": "trainee", "consent": "true"})
    await sam.say("help")
    assert "**my application**" in sam.texts()[-1]
    await sam.submit(ABOUT)
    assert "goals" in card_inputs(sam.last_card())


async def test_submit_clicked_twice_posts_one_application(bot):
    await _ready(bot)
    sam = Applicant(bot)
    await sam.fill_trainee_application()
    await sam.submit({"form": "review", "choice": "submit"})
    await sam.submit({"form": "review", "choice": "submit"})
    assert len(bot.connector.cards(CHANNEL_ID)) == 1
    assert sam.texts()[-1] == "That card has expired. Type **help** to see what I can do."
    [application] = _applications(bot)
    assert application.status == "submitted"


async def test_after_a_validation_error_apply_brings_the_step_back_with_what_was_typed(bot):
    await _ready(bot)
    sam = Applicant(bot)
    await sam.say("apply")
    await sam.submit({"form": "start", "role": "trainee", "consent": "true"})
    long_grade = "Senior practitioner, " * 5  # over the 80 characters allowed
    await sam.submit(ABOUT | {"grade": long_grade})
    assert sam.texts()[-1].startswith("Thanks — a few answers need another look")

    await sam.say("apply")
    assert "your earlier answers are saved" in sam.texts()[-1]
    inputs = card_inputs(sam.last_card())
    assert inputs["organisation"]["value"] == "City Council"
    assert inputs["location"]["value"] == "Leicester"
    assert inputs["grade"]["value"] == long_grade  # kept in full, not cut
    assert "can be at most 80 characters" in card_text(sam.last_card())

    await sam.submit(ABOUT)
    assert "What you want from the scheme" in card_text(sam.last_card())
    await sam.say("stop")
    await sam.say("apply")
    assert "What you want from the scheme" in card_text(sam.last_card())
    await sam.submit({"form": "goals"})
    await sam.say("apply")
    # Only the step with the error comes back with a draft; the saved step stays saved.
    [application] = _applications(bot)
    assert application.answers["grade"] == "Scale 5"
