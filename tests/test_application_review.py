"""The coordinators' review in the channel, up to an accepted offer."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from bench.teams_activities import CHANNEL_ID, channel_card_submit, channel_message
from store.models import Application, ApplicationEvent, Person, Programme
from store.seed import seed_demo
from tests.applying import TRAINEE, Applicant, action_data, card_text, set_up_channel
from tests.conftest import COORDINATOR_AAD, START


async def _submitted(bot) -> tuple[Applicant, int, str]:
    with bot.ctx.session() as session:
        seed_demo(session, START)
    await set_up_channel(bot)
    sam = Applicant(bot)
    await sam.fill_trainee_application()
    await sam.submit({"form": "review", "choice": "submit"})
    [card_post] = [r for r in bot.connector.sent_to(CHANNEL_ID) if r.cards]
    application = _application(bot)
    return sam, application.id, card_post.activity_id or application.channel_card_activity_id


def _application(bot) -> Application:
    with Session(bot.ctx.engine) as session:
        return session.exec(
            select(Application)
            .join(Person, Person.id == Application.person_id)
            .where(Person.aad_object_id == TRAINEE)
        ).one()


async def _review(bot, application_id, op, card_id, who=COORDINATOR_AAD, **inputs):
    value = {"review": op, "application_id": application_id, **inputs}
    await bot.post(channel_card_submit(bot.connector.url, who, value, reply_to_id=card_id))
    return bot.connector.texts(f"{CHANNEL_ID};messageid=1700000000000")[-1]


async def test_shortlist_twice_applies_once_and_says_what_happened(bot):
    _sam, app_id, card_id = await _submitted(bot)
    first = await _review(bot, app_id, "shortlist", card_id)
    assert first == "Shortlisted. (Chris Coordinator)"
    second = await _review(bot, app_id, "shortlist", card_id)
    assert second.startswith("This application is already shortlisted. Nothing changed:")
    assert "Chris Coordinator shortlisted on 23 November 2026, 10:00" in second
    with Session(bot.ctx.engine) as session:
        events = [e.event for e in session.exec(select(ApplicationEvent))]
    assert events.count("shortlist") == 1
    updates = [r for r in bot.connector.requests if r.method == "PUT"]
    # The card shows the shortlisting, then why the line manager was not asked in Teams (no
    # Microsoft Graph here); the second press changed nothing.
    assert len(updates) == 2 and {update.activity_id for update in updates} == {card_id}
    assert "shortlisted" in card_text(updates[0].body)
    assert "Microsoft Graph is not set up" in card_text(updates[1].body)


async def test_non_coordinator_pressing_review_action_is_refused(bot):
    _sam, app_id, card_id = await _submitted(bot)
    reply = await _review(bot, app_id, "shortlist", card_id, who="aad-nosy-colleague")
    assert reply.startswith("Sorry, only programme coordinators can do that.")
    assert _application(bot).status == "submitted"


async def test_no_offer_without_line_manager_support_then_full_offer_flow(bot):
    sam, app_id, card_id = await _submitted(bot)
    await _review(bot, app_id, "shortlist", card_id)
    refused = await _review(bot, app_id, "offer", card_id)
    assert refused.startswith("No offer without the line manager's support")
    assert "(now: not recorded)" in refused
    assert _application(bot).status == "shortlisted"

    await _review(bot, app_id, "manager_support", card_id, support="pending")
    refused = await _review(bot, app_id, "offer", card_id)
    assert "(now: pending)" in refused

    await _review(bot, app_id, "interview", card_id, interview_outcome="passed")
    reply = await _review(
        bot,
        app_id,
        "manager_support",
        card_id,
        support="yes",
        manager_name="Pat Lee",
        support_date="2026-11-20",
    )
    assert reply.startswith("Line-manager support recorded: yes.")
    assert (await _review(bot, app_id, "offer", card_id)).startswith("Offer sent.")
    application = _application(bot)
    assert application.status == "offered"
    assert (application.manager_support, application.manager_name) == ("yes", "Pat Lee")
    assert application.interview_outcome == "passed"

    offer = sam.last_card()
    assert "You're offered a place" in card_text(offer)
    assert {"offer": "accept", "application_id": app_id} in action_data(offer)

    await sam.submit({"offer": "accept", "application_id": app_id})
    assert "you're in" in sam.texts()[-1]
    assert _application(bot).status == "accepted"
    assert "Sam Taylor accepted the offer." in bot.connector.texts(CHANNEL_ID)

    await sam.submit({"offer": "decline", "application_id": app_id})
    assert sam.texts()[-1] == "You have already accepted this offer."
    assert _application(bot).status == "accepted"


async def test_someone_else_cannot_answer_an_offer(bot):
    sam, app_id, card_id = await _submitted(bot)
    await _review(bot, app_id, "shortlist", card_id)
    await _review(bot, app_id, "manager_support", card_id, support="yes")
    await _review(bot, app_id, "offer", card_id)
    other = Applicant(bot, "aad-someone-else", "Alex Other")
    await other.submit({"offer": "accept", "application_id": app_id})
    assert other.texts()[-1] == "Sorry, that offer isn't yours to answer."
    assert _application(bot).status == "offered"


async def test_reject_keeps_the_reason_private(bot):
    sam, app_id, card_id = await _submitted(bot)
    reply = await _review(bot, app_id, "reject", card_id, reason="Applied to wrong scheme")
    assert reply.startswith("Not taken forward.")
    application = _application(bot)
    assert application.status == "rejected"
    assert application.rejection_reason == "Applied to wrong scheme"
    assert all("wrong scheme" not in text for text in sam.texts())
    again = await _review(bot, app_id, "shortlist", card_id)
    assert "can't be shortlisted: it is not taken forward" in again


async def test_interview_not_passed_ends_the_application(bot):
    _sam, app_id, card_id = await _submitted(bot)
    await _review(bot, app_id, "shortlist", card_id)
    await _review(bot, app_id, "interview", card_id, interview_outcome="not_passed")
    assert _application(bot).status == "rejected"


async def test_applications_command_counts_by_organisation_and_stage(bot):
    _sam, app_id, card_id = await _submitted(bot)
    await _review(bot, app_id, "shortlist", card_id)
    starter = Applicant(bot, "aad-starter", "Jo Starter")
    await starter.say("apply")
    await starter.submit({"form": "start", "role": "trainee", "consent": "true"})
    await bot.post(channel_message(bot.connector.url, COORDINATOR_AAD, "applications"))
    report = bot.connector.texts()[-1]
    trainees, mentors = report.split("**Mentors**")
    assert (
        "- **City Council**: requested 1 · started 0 · submitted 1 · shortlisted 1 · "
        "selected 0 · withdrawn 0" in trainees
    )
    assert "- **Not yet given**: requested 1 · started 1 · submitted 0" in trainees
    assert "- **All**: requested 2 · started 1 · submitted 1 · shortlisted 1" in trainees
    # the demo's four accepted mentors count as selected in their organisations
    assert (
        "- **Police Service**: requested 1 · started 0 · submitted 1 · shortlisted 1 · "
        "selected 1" in mentors
    )
    assert "0 waiting for review." in report


async def test_participant_cannot_list_applications(bot):
    await _submitted(bot)
    await bot.post(channel_message(bot.connector.url, TRAINEE, "applications"))
    assert bot.connector.texts()[-1].startswith("Sorry, only programme coordinators")


async def test_window_extend_close_and_reopen(bot, clock):
    await _submitted(bot)

    async def say(text):
        await bot.post(channel_message(bot.connector.url, COORDINATOR_AAD, text))
        return bot.connector.texts()[-1]

    assert (await say("window extend 31 January 2027")).endswith("open until 31 January 2027.")
    with Session(bot.ctx.engine) as session:
        programme = session.exec(select(Programme)).one()
    assert programme.window_closes_at.isoformat() == "2027-02-01T00:00:00+00:00"
    assert "Please give a date" in await say("window extend soon")
    assert "already passed" in await say("window extend 2020-01-01")
    assert (await say("window close")).endswith("are now closed.")
    sam = Applicant(bot, "aad-late", "Late Comer")
    await sam.say("apply")
    assert "closed on 23 November 2026" in sam.texts()[-1]
    clock.advance(timedelta(days=1))
    assert (await say("window open 2027-03-01")).endswith("open until 1 March 2027.")
    await sam.say("apply")
    assert "role" in str(sam.last_card())


async def test_an_offer_that_does_not_reach_the_applicant_is_not_called_sent(bot):
    sam, app_id, card_id = await _submitted(bot)
    await _review(bot, app_id, "shortlist", card_id)
    await _review(bot, app_id, "manager_support", card_id, support="yes")
    bot.connector.fail_next(403, code="BotDisabledByAdmin", conversation_id=sam.conversation)
    reply = await _review(bot, app_id, "offer", card_id)
    assert not reply.startswith("Offer sent.")
    assert reply == (
        "The offer is recorded, but it has not reached the applicant yet: I can't reach them "
        "in Teams (they may have removed the bot). (Chris Coordinator)"
    )
