"""A good ending for every pairing: closing cards to both, the closing check, the
coordinators told of an early ending, and the report's figures about endings."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlmodel import Session, select

from bench.teams_activities import CHANNEL_ID, card_submit, channel_message, personal_message
from bot.endings.programme_end import plan_programme_ends
from domain.cadence import programme_end
from domain.endings import EndReason
from store.endings import ClosingCheck
from store.health import record_health
from store.models import Pairing
from store.pairings import create_pairing, end_pairing, session_month
from store.people import upsert_person
from store.seed import DEMO_MENTORS, seed_demo
from tests.applying import action_data, card_inputs, card_text, set_up_channel
from tests.conftest import COORDINATOR_AAD, start_bot, use_planners
from tests.test_pairing import ADELE, SAM, _programme_with_accepted_trainee
from tests.test_reports import _facts, report_card

CLOSING_MARK = "What you achieved together"
ADELE_AAD = ADELE.aad_object_id


def closing_cards(bot, aad: str) -> list[dict]:
    return [c for c in bot.connector.cards(f"a:personal-{aad}") if CLOSING_MARK in card_text(c)]


def channel_texts(bot) -> list[str]:
    return [
        r.text or "" for r in bot.connector.requests if r.conversation_id.startswith(CHANNEL_ID)
    ]


async def say_in_channel(bot, text: str) -> None:
    await bot.post(channel_message(bot.connector.url, COORDINATOR_AAD, text))


async def paired_sam_and_adele(bot) -> int:
    await _programme_with_accepted_trainee(bot)
    await say_in_channel(bot, "pair sam with adele")
    with Session(bot.ctx.engine) as session:
        [pairing] = session.exec(select(Pairing)).all()
    bot.connector.clear()
    return pairing.id


def submit(card: dict, **answers) -> dict:
    [data] = action_data(card)
    return data | answers


async def test_an_early_end_pairing_sends_both_closing_cards_and_tells_the_channel(bot, clock):
    pairing_id = await paired_sam_and_adele(bot)
    clock.advance(timedelta(days=20))
    await say_in_channel(bot, "end pairing sam")

    [sam_card] = closing_cards(bot, SAM)
    [adele_card] = closing_cards(bot, ADELE_AAD)
    sam_text, adele_text = card_text(sam_card), card_text(adele_card)
    assert "Adele Vance (your mentor) has been ended by the programme coordinators" in sam_text
    assert "Sam Taylor (your mentee)" in adele_text
    assert "Sessions held" in sam_text and "0 of 1 planned" in sam_text
    # What happens next: how to be paired again; no survey is promised (surveys follow
    # pairings that run to the programme's end).
    assert "paired with a new mentor: reply here" in sam_text
    assert "survey" not in sam_text and "survey" not in adele_text
    assert "stay an accepted mentor" in adele_text
    inputs = card_inputs(sam_card)
    assert set(inputs) == {"helped", "goals_met", "stay_in_touch", "words"}
    assert "up to 1,000 characters" in inputs["words"]["label"]

    [post] = [t for t in channel_texts(bot) if "ended early" in t]
    assert "Sam Taylor ↔ Adele Vance" in post and "programme month 1" in post
    assert "Reason: ended by the coordinators" in post

    # The closing check: refused kindly when too long (the text comes back), then stored once.
    url = bot.connector.url
    long_words = "x" * 1001
    await bot.post(
        card_submit(
            url,
            SAM,
            submit(
                sam_card,
                helped="somewhat",
                goals_met="partly",
                stay_in_touch="yes",
                words=long_words,
            ),
        )
    )
    assert long_words in bot.connector.texts(f"a:personal-{SAM}")[-1]
    await bot.post(card_submit(url, SAM, submit(sam_card, helped="somewhat")))
    assert "Please answer" in bot.connector.texts(f"a:personal-{SAM}")[-1]
    answers = dict(helped="somewhat", goals_met="partly", stay_in_touch="yes", words="Thanks!")
    await bot.post(card_submit(url, SAM, submit(sam_card, **answers)))
    assert "closing check is saved" in bot.connector.texts(f"a:personal-{SAM}")[-1]
    await bot.post(card_submit(url, SAM, submit(sam_card, **answers | {"helped": "a_lot"})))
    assert "already received" in bot.connector.texts(f"a:personal-{SAM}")[-1]
    with Session(bot.ctx.engine) as session:
        [row] = session.exec(select(ClosingCheck)).all()
    assert (row.pairing_id, row.helped, row.goals_met, row.stay_in_touch, row.words) == (
        pairing_id,
        "somewhat",
        "partly",
        True,
        "Thanks!",
    )
    # Adele cannot answer Sam's check (nor anyone who was not in the pairing).
    await bot.post(card_submit(url, "aad-stranger", submit(sam_card, **answers)))
    assert "isn't about a pairing of yours" in bot.connector.texts("a:personal-aad-stranger")[-1]

    facts = _facts(await report_card(bot))
    early = "Early endings (before programme month 3) / "
    assert facts[early + "Early endings"] == "1"
    assert facts[early + "Reason: ended by the coordinators"] == "fewer than 5"

    await bot.post(personal_message(url, SAM, "my data"))
    shown = "\n".join(bot.connector.texts(f"a:personal-{SAM}")[-3:])
    assert "Your closing checks" in shown and "Did the mentoring help you? Somewhat" in shown
    assert "“Thanks!”" in shown


async def test_re_pair_tells_the_trainee_someone_new_comes(bot, clock):
    pairing_id = await paired_sam_and_adele(bot)
    # Sam asked the coordinators privately first: only they see the words again.
    request = {"repair_request": "confirm", "pairing_id": pairing_id, "reason": "We never click"}
    await bot.post(card_submit(bot.connector.url, SAM, request))
    await say_in_channel(bot, "re-pair sam")
    [sam_card] = closing_cards(bot, SAM)
    assert "introduce you to someone new" in card_text(sam_card)
    assert len(closing_cards(bot, ADELE_AAD)) == 1
    [post] = [t for t in channel_texts(bot) if "ended early" in t]
    assert "Reason: ended by the coordinators to re-pair the trainee" in post
    assert "Sam Taylor asked privately to be re-paired on" in post
    assert "“We never click”" in post
    assert "never click" not in card_text(closing_cards(bot, ADELE_AAD)[0])

    # The export says why the pairing ended and that it was early.
    before = len(bot.connector.requests)
    await say_in_channel(bot, "export")
    [card] = [c for r in bot.connector.requests[before:] for c in r.cards]
    [action] = card["actions"]
    response = await bot.client.get(action["url"].removeprefix("http://127.0.0.1:3978"))
    rows = list(csv.DictReader(io.StringIO(await response.text())))
    [sam] = [row for row in rows if row["Name"] == "Sam Taylor"]
    assert sam["Pairing ended because"] == "ended by the coordinators to re-pair the trainee"
    assert sam["Ended before month 3"] == "yes"


async def test_someone_who_leaves_gets_nothing_and_their_partner_is_not_told_why(bot, clock):
    await paired_sam_and_adele(bot)
    await bot.post(personal_message(bot.connector.url, SAM, "delete my data"))
    await bot.post(card_submit(bot.connector.url, SAM, {"my_data": "delete_confirmed"}))

    assert closing_cards(bot, SAM) == []
    [adele_card] = closing_cards(bot, ADELE_AAD)
    text = card_text(adele_card)
    assert "ended early" in text and "Sam" not in text and "delete" not in text
    [post] = [t for t in channel_texts(bot) if "ended early" in t]
    assert "Reason: a participant left the programme" in post
    await bot.post(personal_message(bot.connector.url, ADELE_AAD, "my programme"))
    told = bot.connector.texts(f"a:personal-{ADELE_AAD}")[-1]
    assert told.startswith("Your pairing with your mentee ended on")
    with Session(bot.ctx.engine) as session:
        [pairing] = session.exec(select(Pairing)).all()
    assert (pairing.status, pairing.end_reason) == ("dissolved", "left the programme")


async def test_deleting_my_data_removes_my_closing_check(bot, clock):
    await paired_sam_and_adele(bot)
    await say_in_channel(bot, "end pairing sam")
    [sam_card] = closing_cards(bot, SAM)
    answers = dict(helped="a_lot", goals_met="met", stay_in_touch="no", words="Private words")
    await bot.post(card_submit(bot.connector.url, SAM, submit(sam_card, **answers)))
    await bot.post(card_submit(bot.connector.url, SAM, {"my_data": "delete_confirmed"}))
    with Session(bot.ctx.engine) as session:
        assert session.exec(select(ClosingCheck)).all() == []


async def test_programme_end_sends_both_cards_once_across_a_restart(
    settings, clock, connector, monkeypatch
):
    use_planners(monkeypatch, plan_programme_ends)
    bot = await start_bot(settings, clock, connector)
    pairing_id = await paired_sam_and_adele(bot)
    with Session(bot.ctx.engine) as session:
        pairing = session.get(Pairing, pairing_id)
        end = programme_end(pairing.paired_at, pairing.length_months)
    await bot.outbox.sweep(end - timedelta(hours=1))
    assert closing_cards(bot, SAM) == []
    # The end falls on a Sunday: the cards wait for Monday's working hours.
    monday = end + timedelta(days=1)
    assert monday.weekday() == 0
    clock.set(monday)
    await bot.outbox.sweep(monday)
    [sam_card] = closing_cards(bot, SAM)
    [adele_card] = closing_cards(bot, ADELE_AAD)
    sam_text, adele_text = card_text(sam_card), card_text(adele_card)
    assert "Adele Vance (your mentor) has reached the end of the programme" in sam_text
    assert "Sam Taylor (your mentee)" in adele_text
    # The surveys each will get, as the survey definitions say: the follow-ups are the
    # trainee's only.
    assert "end-of-programme survey" in sam_text and "end-of-programme survey" in adele_text
    assert "follow-up survey 3, 6 and 12 months after" in sam_text
    assert "follow-up" not in adele_text
    assert not [t for t in channel_texts(bot) if "ended early" in t]
    # The closing check can be answered once the programme has ended.
    answers = dict(helped="a_lot", goals_met="met", stay_in_touch="yes")
    await bot.post(card_submit(bot.connector.url, SAM, submit(sam_card, **answers)))
    assert "closing check is saved" in bot.connector.texts(f"a:personal-{SAM}")[-1]

    await bot.client.close()  # a restart: new app, same database
    bot = await start_bot(settings, clock, connector)
    for hours in (1, 25, 49):
        clock.set(monday + timedelta(hours=hours))
        await bot.outbox.sweep(clock.now())
    assert len(closing_cards(bot, SAM)) == 1 and len(closing_cards(bot, ADELE_AAD)) == 1
    await bot.client.close()


def seed_report_programme(ctx, early: int) -> None:
    """Three pairs in programme month 3 and `early` pairs re-paired in their first week.

    A: green all along, sessions held in months 1 and 2 (the first 4 days after pairing).
    B: red since day 40 (green before), a session held in month 1 (day 10). C: no health
    worked out, nothing held. Early endings: no health, nothing held.
    """
    now = ctx.clock.now()
    paired = now - timedelta(days=70)
    with ctx.session() as session:
        programme = seed_demo(session, now)
        mentor = upsert_person(session, DEMO_MENTORS[0].aad_object_id, now)
        pairs = []
        for n in range(3 + early):
            trainee = upsert_person(session, f"aad-report-{n}", now, display_name=f"T{n}")
            pairing = create_pairing(
                session,
                programme_id=programme.id,
                trainee_person_id=trainee.id,
                mentor_person_id=mentor.id,
                length_months=6,
                now=paired,
                confirmed_by=None,
            )
            pairs.append(pairing)
        a, b, _c, *ended = pairs
        for pairing, month, day in ((a, 1, 4), (a, 2, 35), (b, 1, 10)):
            row = session_month(session, pairing.id, month)
            row.happened, row.held_on = True, paired + timedelta(days=day)
            session.add(row)
        # As the sweep records it: A green from the start; B green, then red from day 40.
        record_health(session, a.id, "green", [], paired)
        record_health(session, b.id, "green", [], paired)
        record_health(session, b.id, "red", ["no session"], paired + timedelta(days=40))
        for pairing in ended:
            end_pairing(session, pairing, paired + timedelta(days=5), "dissolved", EndReason.REPAIR)


async def report_facts(bot) -> dict[str, str]:
    return _facts(await report_card(bot))


async def test_the_report_shows_green_and_held_shares_the_median_and_early_endings(bot):
    seed_report_programme(bot.ctx, early=4)
    await set_up_channel(bot)
    facts = await report_facts(bot)
    month = "Pairs green and sessions held, by programme month / "
    assert facts[month + "Target"] == ("≥75% of pairs with a held session in each programme month")
    assert facts[month + "Month 1"] == (
        "green 2 of 2 (100%); held a session 2 of 7 (29%) — below target"
    )
    assert facts[month + "Month 2"] == (
        "green 1 of 2 (50%); held a session 1 of 3 (33%) — below target"
    )
    assert facts[month + "Month 3"] == (
        "green 1 of 2 (50%); held a session 0 of 3 (0%) — below target"
    )
    assert facts[month + "Median days from pairing to first held session"] == "7"
    early = "Early endings (before programme month 3) / "
    assert facts[early + "Early endings"] == "4"
    assert facts[early + "Reason: ended by the coordinators to re-pair the trainee"] == (
        "fewer than 5"
    )


async def test_five_early_endings_of_one_reason_are_shown(bot):
    seed_report_programme(bot.ctx, early=5)
    await set_up_channel(bot)
    facts = await report_facts(bot)
    early = "Early endings (before programme month 3) / "
    assert facts[early + "Reason: ended by the coordinators to re-pair the trainee"] == "5"
