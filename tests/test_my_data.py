"""`my data` read as a person would write it, and `delete my data` answered from what is held."""

from __future__ import annotations

from tests.applying import Applicant, card_text
from tests.test_escalations import _paired


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
    cards = [c for c in person.bot.connector.cards(person.conversation) if "Delete your data?"
             in card_text(c)]
    return cards[-count:]
