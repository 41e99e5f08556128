"""A confirmed pair (Sam Taylor, trainee; Adele Vance, mentor) on a bot whose Microsoft Graph is
the fake on loopback, and helpers to read and press the booking cards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from bench.teams_activities import channel_message
from domain.clock import FixedClock
from store.bookings import SessionBooking
from store.models import MentoringSession, Pairing
from tests.applying import Applicant, card_text
from tests.conftest import COORDINATOR_AAD, BotClient, start_bot
from tests.fake_graph import FakeGraph
from tests.test_pairing import ADELE, SAM, _programme_with_accepted_trainee

SAM_MAIL, ADELE_MAIL = "sam.taylor@contoso.example", "adele.vance@contoso.example"
CHANNEL = "19:coordinators@thread.tacv2"


@dataclass
class Pair:
    bot: BotClient
    graph: FakeGraph
    clock: FixedClock
    sam: Applicant
    adele: Applicant

    async def sweep(self, at: datetime | None = None):
        if at is not None:
            self.clock.set(at)
        return await self.bot.outbox.sweep(self.clock.now())

    async def say_in_channel(self, text: str) -> str:
        before = len(self.bot.connector.requests)
        await self.bot.post(channel_message(self.bot.connector.url, COORDINATOR_AAD, text))
        replies = [
            r for r in self.bot.connector.requests[before:] if r.conversation_id.startswith(CHANNEL)
        ]
        return "\n".join(r.text or "" for r in replies)

    def month(self, month: int = 1) -> MentoringSession:
        with Session(self.bot.ctx.engine) as session:
            return session.exec(
                select(MentoringSession).where(MentoringSession.month == month)
            ).one()

    def bookings(self) -> list[SessionBooking]:
        with Session(self.bot.ctx.engine) as session:
            return list(session.exec(select(SessionBooking).order_by(SessionBooking.id)))

    @property
    def pairing_id(self) -> int:
        with Session(self.bot.ctx.engine) as session:
            return session.exec(select(Pairing)).one().id


async def paired(settings, clock, connector, graph: FakeGraph | None) -> Pair:
    """Sam and Adele paired at `clock.now()`; their mailboxes in the fake directory."""
    if graph is not None:
        graph.directory.add_user(SAM, "Sam Taylor", SAM_MAIL)
        graph.directory.add_user(ADELE.aad_object_id, ADELE.name, ADELE_MAIL)
    connector.clock = clock
    bot = await start_bot(settings, clock, connector)
    await _programme_with_accepted_trainee(bot)
    await bot.post(channel_message(connector.url, COORDINATOR_AAD, "pair sam with adele"))
    return Pair(
        bot,
        graph,  # type: ignore[arg-type]
        clock,
        Applicant(bot, SAM, "Sam Taylor"),
        Applicant(bot, ADELE.aad_object_id, ADELE.name),
    )


def nodes(card: dict):
    """Every dict in a card, depth first (ShowCards' cards included)."""
    if isinstance(card, dict):
        yield card
        children = card.values()
    elif isinstance(card, list):
        children = card
    else:
        return
    for child in children:
        yield from nodes(child)


def submits(card: dict) -> list[tuple[str, dict]]:
    """(title, data) of every Action.Submit on a card, shown or behind a ShowCard, in order."""
    return [
        (node.get("title", ""), node.get("data") or {})
        for node in nodes(card)
        if node.get("type") == "Action.Submit"
    ]


def press(card: dict, title: str, **inputs) -> dict:
    """What Teams sends when `title` is pressed: the button's data, the card's inputs with
    their initial values (unless the button takes none) and `inputs` as filled in."""
    buttons = [
        n for n in nodes(card) if n.get("type") == "Action.Submit" and n.get("title") == title
    ]
    assert buttons, f"no button {title!r} on the card: {[t for t, _ in submits(card)]}"
    values = {
        node["id"]: str(node["value"])
        for node in nodes(card)
        if str(node.get("type", "")).startswith("Input.") and node.get("value") not in (None, "")
    }
    if buttons[0].get("associatedInputs") == "none":
        values = {}
    return values | inputs | (buttons[0].get("data") or {})


def slot_titles(card: dict) -> list[str]:
    return [t for t, data in submits(card) if data.get("booking") in ("book", "move")]


def links(card: dict) -> dict[str, str]:
    """Action.OpenUrl buttons: title → url."""
    return {n["title"]: n["url"] for n in nodes(card) if n.get("type") == "Action.OpenUrl"}


def cards_titled(person: Applicant, text: str) -> list[dict]:
    return [c for c in person.bot.connector.cards(person.conversation) if text in card_text(c)]
