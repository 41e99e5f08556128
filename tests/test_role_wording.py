"""Every message fits its reader: a mentor is not told about "your mentor", and `my programme`
and `my feedback` answer for where the person stands (applying, offered, waiting for a pair,
paired, pairing ended, programme finished)."""

from __future__ import annotations

from datetime import timedelta

from bench.teams_activities import CHANNEL_ID, channel_card_submit, channel_message
from bot.app import ADAPTER
from store.seed import seed_demo
from tests.applying import ABOUT, Applicant, card_text, set_up_channel
from tests.conftest import COORDINATOR_AAD, START
from tests.test_pairing import ADELE, SAM, _programme_with_accepted_trainee

MENTORING = {
    "form": "mentoring",
    "experience": "Ten years of coaching new supervisors.",
    "capacity": "1",
    "areas": "confidence,interviews",
    "assessor": "no",
}


async def _offered(bot, person: Applicant, role: str) -> dict:
    """`person` applies as `role`, is shortlisted and offered a place; their offer card."""
    with bot.ctx.session() as session:
        seed_demo(session, START)
    await set_up_channel(bot)
    await person.say("apply")
    await person.submit({"form": "start", "role": role, "consent": "true"})
    await person.submit(ABOUT)
    if role == "mentor":
        await person.submit(MENTORING)
    else:
        await person.submit(
            {"form": "goals", "goals": "Lead a team.", "needs": "confidence", "availability": "Tue"}
        )
    await person.submit({"form": "equality", "skip": True})
    await person.submit({"form": "review", "choice": "submit"})
    [card_post] = [r for r in bot.connector.sent_to(CHANNEL_ID) if r.cards]
    application_id = card_post.cards[0]["actions"][0]["data"]["application_id"]
    for op, inputs in (("shortlist", {}), ("manager_support", {"support": "yes"}), ("offer", {})):
        value = {"review": op, "application_id": application_id, **inputs}
        await bot.post(channel_card_submit(bot.connector.url, COORDINATOR_AAD, value))
    return person.last_card()


async def test_a_mentors_offer_and_acceptance_speak_of_their_mentee(bot):
    mentor = Applicant(bot, "aad-new-mentor", "Morgan Mentor")
    offer = await _offered(bot, mentor, "mentor")
    text = card_text(offer)
    assert "one of about 2 hours each month with your mentee" in text
    assert "with your mentor" not in text

    await mentor.submit(offer["actions"][0]["data"])
    reply = mentor.texts()[-1]
    assert reply == (
        "Wonderful — you're in! Next, the coordinators will pair you with a mentee and I'll "
        "introduce you both here."
    )
    await mentor.say("my programme")
    assert mentor.texts()[-1] == (
        "You're accepted as a mentor on Step Forward demo programme and waiting to be paired "
        "with a mentee. The coordinators will pair you soon, and I'll introduce you both here."
    )


async def test_a_trainees_offer_and_waiting_speak_of_their_mentor(bot):
    trainee = Applicant(bot, "aad-new-trainee", "Tia Trainee")
    await trainee.say("my programme")
    assert trainee.texts()[-1] == (
        "You're not taking part in the programme yet. Type **apply** to join it as a trainee "
        "or a mentor."
    )
    offer = await _offered(bot, trainee, "trainee")
    assert "one of about 2 hours each month with your mentor" in card_text(offer)
    await trainee.say("my programme")
    assert trainee.texts()[-1] == (
        "You've been offered a place on Step Forward demo programme: accept or decline it on "
        "the offer card I sent you."
    )
    await trainee.submit(offer["actions"][0]["data"])
    assert "pair you with a mentor" in trainee.texts()[-1]
    await trainee.say("my programme")
    assert trainee.texts()[-1] == (
        "You're accepted on Step Forward demo programme and waiting to be paired with a mentor. "
        "The coordinators will pair you soon, and I'll introduce you both here."
    )


async def test_my_programme_while_applying(bot):
    with bot.ctx.session() as session:
        seed_demo(session, START)
    applicant = Applicant(bot, "aad-applicant", "Ada Applicant")
    await applicant.say("apply")
    await applicant.submit({"form": "start", "role": "mentor", "consent": "true"})
    await applicant.say("stop")
    await applicant.say("my programme")
    assert applicant.texts()[-1] == (
        "Your application is still being filled in. Type **my application** to see it. Once "
        "you're accepted and paired with a mentee, your sessions and action plan show here."
    )


async def test_my_programme_for_a_coordinator_says_where_the_pairs_are(bot):
    coordinator = Applicant(bot, COORDINATOR_AAD, "Chris Coordinator")
    await coordinator.say("my programme")
    assert "@mention me with **pairs** in the coordinator channel" in coordinator.texts()[-1]


async def test_my_programme_after_the_pairing_ended_and_after_the_programme_finished(bot, clock):
    await _programme_with_accepted_trainee(bot)
    url = bot.connector.url
    await bot.post(channel_message(url, COORDINATOR_AAD, "pair sam with adele"))
    sam, adele = Applicant(bot, SAM, "Sam Taylor"), Applicant(bot, ADELE.aad_object_id, ADELE.name)
    await bot.post(channel_message(url, COORDINATOR_AAD, "end pairing sam"))

    # Each has a closing card worded for their role.
    [told_sam] = [
        card_text(c)
        for c in bot.connector.cards(sam.conversation)
        if "has been ended" in card_text(c)
    ]
    assert "Thank you for taking part." in told_sam and "Reply here with any questions" in told_sam
    [told_adele] = [
        card_text(c)
        for c in bot.connector.cards(adele.conversation)
        if "has been ended" in card_text(c)
    ]
    assert "Thank you for the time you gave." in told_adele

    await sam.say("my programme")
    assert sam.texts()[-1] == (
        "Your pairing with Adele Vance ended on 23 November 2026. If you have any questions, "
        "type **I need help** to reach the programme coordinators."
    )
    await adele.say("my programme")
    assert adele.texts()[-1] == (
        "Your pairing with Sam Taylor ended on 23 November 2026. Thank you for the time you "
        "gave. If you have any questions, type **I need help** to reach the programme "
        "coordinators."
    )
    assert "Type apply to join" not in sam.texts()[-1] + adele.texts()[-1]

    # A new pair runs its six months and finishes.
    await bot.post(channel_message(url, COORDINATOR_AAD, "pair sam with megan"))
    clock.advance(timedelta(days=200))
    await sam.say("my programme")
    text = sam.texts()[-1]
    assert text.startswith("**Your programme with your mentor Megan Bowen has finished** ")
    assert "Thank you for taking part!" in text
    assert "book your" not in text and "I can't get released" not in text


async def test_a_repaired_trainee_hears_someone_new_is_coming(bot):
    await _programme_with_accepted_trainee(bot)
    url = bot.connector.url
    await bot.post(channel_message(url, COORDINATOR_AAD, "pair sam with adele"))
    await bot.post(channel_message(url, COORDINATOR_AAD, "re-pair sam"))
    sam = Applicant(bot, SAM, "Sam Taylor")
    await sam.say("my programme")
    assert sam.texts()[-1] == (
        "Your pairing with Adele Vance ended on 23 November 2026. The coordinators will "
        "introduce you to a new mentor soon."
    )


async def test_my_feedback_for_a_trainee_does_not_speak_of_their_mentees(bot):
    await _programme_with_accepted_trainee(bot)
    sam = Applicant(bot, SAM, "Sam Taylor")
    await sam.say("my feedback")
    reply = sam.texts()[-1]
    assert "your mentees" not in reply
    assert reply == (
        "**my feedback** shows mentors what their mentees said about their mentoring, added "
        "up. You're taking part as a trainee, so there is none about you. Your own survey "
        "answers about your mentor are anonymous: your mentor only ever sees them added up, "
        "once at least 5 answers exist."
    )


async def test_a_mentors_action_plan_and_help_lines_fit_a_mentor(bot):
    await _programme_with_accepted_trainee(bot)
    await bot.post(channel_message(bot.connector.url, COORDINATOR_AAD, "pair sam with adele"))
    adele = Applicant(bot, ADELE.aad_object_id, ADELE.name)
    await adele.say("my programme")
    text = adele.texts()[-1]
    assert "**Your mentee: Sam Taylor**" in text
    assert "Break your goal" not in text
    assert "No steps yet. Note the small steps you and Sam Taylor agree on." in text
    assert "placements" not in text
    _ = ADAPTER


async def test_cancelling_an_old_re_pair_card_does_not_say_an_ended_pairing_carries_on(bot):
    await _programme_with_accepted_trainee(bot)
    url = bot.connector.url
    await bot.post(channel_message(url, COORDINATOR_AAD, "pair sam with adele"))
    sam = Applicant(bot, SAM, "Sam Taylor")
    await sam.say("I want a different mentor")
    card = sam.last_card()
    cancel = next(a["data"] for a in card["actions"] if a["title"] == "Cancel")
    await sam.submit(cancel)
    assert sam.texts()[-1] == "OK, nothing was sent. Your pairing carries on."
    await bot.post(channel_message(url, COORDINATOR_AAD, "end pairing sam"))
    await sam.submit(cancel)
    assert sam.texts()[-1] == "OK, nothing was sent."
