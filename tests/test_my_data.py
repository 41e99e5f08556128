"""`my data` read as a person would write it, and `delete my data` answered from what is held."""

from __future__ import annotations

from sqlmodel import Session, select

from bench.teams_activities import personal_message
from store.models import Pairing
from store.people import get_person
from store.surveys import invite, record_response, subject_of
from tests.applying import Applicant, card_text
from tests.conftest import START
from tests.test_escalations import _paired
from tests.test_pairing import SAM


async def test_my_data_works_for_someone_who_asked_for_help_without_words(bot, clock):
    sam, _adele, _champion = await _paired(bot)
    await sam.say("I need help")
    await sam.say("I can't get released")
    await sam.submit({"release_block": "report", "what": "training", "by": "line_manager"})

    await sam.say("my data")
    shown = "\n".join(sam.texts()[-3:])
    assert "something went wrong" not in shown
    assert "What Step Forward holds about you" in shown


async def test_my_data_works_for_someone_not_paired_who_asked_for_help(bot):
    newcomer = Applicant(bot, "aad-newcomer", "Nia Newcomer")
    await newcomer.say("I need help")
    await newcomer.say("my data")
    assert "something went wrong" not in newcomer.texts()[-1]
    assert "What Step Forward holds about you" in newcomer.texts()[-1]


def _card_titles(card: dict) -> list[str]:
    return [action["title"] for action in card.get("actions", [])]


async def _delete_cards(person: Applicant, count: int) -> list[dict]:
    for _ in range(count):
        await person.say("delete my data")
    cards = [
        c
        for c in person.bot.connector.cards(person.conversation)
        if "Delete your data?" in card_text(c)
    ]
    return cards[-count:]


def _pairing_id(bot) -> int:
    with Session(bot.ctx.engine) as session:
        return session.exec(select(Pairing)).one().id


async def test_my_data_reads_in_words_with_dates_in_the_persons_zone(bot, clock):
    sam, _adele, _champion = await _paired(bot)
    pairing_id = _pairing_id(bot)
    with bot.ctx.session() as session:
        person = get_person(session, SAM)
        row = invite(
            session,
            programme_id=1,
            survey_id="follow_up",
            round_="3m",
            subject=subject_of(pairing_id, "3m"),
            person_id=person.id,
            role="trainee",
            now=START,
        )
        answers = {"moves": ["promotion", "new_skills"], "in_touch": "yes"}
        record_response(session, row, answers, anonymous=False, now=START)
    await sam.submit(
        {"check_in": "not_really", "week": 2, "pairing_id": pairing_id, "comment": "Busy month"}
    )
    await sam.submit(
        {"release_block": "report", "what": "training", "by": "line_manager", "details": "Rota"}
    )
    await sam.submit({"placement": "add", "kind": "shadowing", "host": "Fire HQ"})
    await sam.say("I need help with my rota")

    # 10:00 UTC on 23 November is already 24 November in Kiritimati (UTC+14).
    await bot.post(
        personal_message(
            bot.connector.url,
            SAM,
            "my data",
            user_name="Sam Taylor",
            local_timezone="Pacific/Kiritimati",
        )
    )
    shown = sam.texts()[-1]
    for words in (
        "Time zone: Pacific/Kiritimati",
        "**Your application to Step Forward demo programme** (as a trainee)",
        "- Status: accepted",
        "- What would you like to develop?: Confidence, Interviews",
        "**Your pairing with Adele Vance** (your mentor)",
        "- Paired on 24 November 2026; going on",
        "- Check-in at week 2: Not really — “Busy month”",
        "- 24 November 2026: you reported you were not released for training by your line "
        "manager — “Rota”",
        "- Shadowing with Fire HQ: requested (since 24 November 2026)",
        "- 24 November 2026, raised with the programme coordinators: asked for help (waiting for "
        "a coordinator) — you said: “with my rota”",
        "- Follow-up: where has your career gone? (3 months after the programme): answered 24 "
        "November 2026",
        "Since the programme, have you… (tick all that apply): been promoted, gained new skills",
        "Are you still in touch with your mentor?: Yes",
    ):
        assert words in shown, words
    for code in (
        "{",
        "[",
        "release_block",
        "needs_help",
        "line_manager",
        "not_really",
        "follow_up",
        "3m",
        "(acknowledged)",
        "by line_manager",
        "Teams id: aad",
    ):
        assert code not in shown, code


async def test_keep_on_an_older_delete_card_answers_from_what_is_held_now(bot):
    sam, _adele, _champion = await _paired(bot)
    older, newer = await _delete_cards(sam, 2)
    keep = older["actions"][1]
    assert keep["title"] == "No, keep it"

    await sam.submit(keep["data"])
    assert sam.texts()[-1] == (
        "OK — nothing was deleted: your data is kept. Type **delete my data** if you change "
        "your mind."
    )

    await sam.submit(newer["actions"][0]["data"])
    assert sam.texts()[-1].startswith("Done: your data has been deleted.")
    await sam.submit(keep["data"])
    reply = sam.texts()[-1]
    assert "Nothing was deleted" not in reply
    assert "nothing was deleted" not in reply
    assert reply == (
        "I hold nothing about you now apart from your name and this chat, which I need to "
        "answer you. Type **my data** to see it, or **delete my data** to remove it."
    )
