"""Steps of the cohort events' tests: a programme of accepted trainees (one in New York) and
the demo mentors, the coordinator's form and buttons, people pressing their cards."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bench.teams_activities import (
    CHANNEL_ID,
    card_submit,
    channel_card_submit,
    channel_message,
    personal_message,
)
from store.cohort_events import invitation_of
from store.models import Application
from store.people import get_person, upsert_person
from store.seed import DEMO_MENTORS, seed_demo
from tests.applying import action_data, set_up_channel
from tests.conftest import COORDINATOR_AAD, START

LONDON, NEW_YORK = ZoneInfo("Europe/London"), ZoneInfo("America/New_York")
SAM, PRIYA = "aad-trainee-sam", "aad-trainee-priya"
TRAINEES = {
    SAM: ("Sam Taylor", "City Council", "Europe/London"),
    "aad-trainee-ava": ("Ava Brown", "City Council", "Europe/London"),
    "aad-trainee-ben": ("Ben Clarke", "City Council", "Europe/London"),
    "aad-trainee-chloe": ("Chloe Davies", "City Council", "Europe/London"),
    "aad-trainee-dan": ("Dan Evans", "City Council", "Europe/London"),
    PRIYA: ("Priya Shah", "Police Service", "America/New_York"),
}
MENTORS = {m.aad_object_id: (m.name, m.organisation, "Europe/London") for m in DEMO_MENTORS}
EVERYONE = TRAINEES | MENTORS
AVA, BEN, CHLOE, DAN = "aad-trainee-ava", "aad-trainee-ben", "aad-trainee-chloe", "aad-trainee-dan"
ADELE = DEMO_MENTORS[1].aad_object_id
CHANNEL = CHANNEL_ID

TRAINING = {
    "kind": "training",
    "title": "Step Forward training course",
    "day_1": "2026-12-08",
    "day_2": "2026-12-09",
    "day_3": "2026-12-10",
    "start": "09:30",
    "end": "16:30",
    "place": "Room 1, County Hall",
    "online": "false",
    "audience": "both",
}
CALL_BACK_1 = {
    "kind": "call_back",
    "title": "First call-back",
    "day_1": "2027-01-12",
    "start": "13:00",
    "end": "16:00",
    "place": "",
    "online": "true",
    "audience": "both",
}
GROUP_MEETING = {
    "kind": "group_meeting",
    "title": "Winter group meeting",
    "day_1": "2027-01-19",
    "start": "10:00",
    "end": "12:00",
    "place": "The Atrium, Police HQ",
    "online": "false",
    "audience": "both",
}
CALL_BACK_2 = CALL_BACK_1 | {"title": "Second call-back", "day_1": "2027-02-09"}


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


async def set_up_programme(bot) -> None:
    """The demo programme's four mentors and six accepted trainees (one in New York), each
    having talked to the bot once; the coordinator channel set up; Sam paired with Adele."""
    with bot.ctx.session() as session:
        programme = seed_demo(session, START)
        for aad, (name, organisation, _tz) in TRAINEES.items():
            person = upsert_person(session, aad, START, display_name=name)
            session.add(
                Application(
                    programme_id=programme.id,
                    person_id=person.id,
                    role="trainee",
                    status="accepted",
                    organisation=organisation,
                    answers={"organisation": organisation, "location": "Leicester"},
                    created_at=START,
                    updated_at=START,
                )
            )
    await set_up_channel(bot)
    for aad, (name, _organisation, tz) in EVERYONE.items():
        await bot.post(
            personal_message(bot.connector.url, aad, "hi", user_name=name, local_timezone=tz)
        )
    await channel_says(bot, "pair sam with adele")
    bot.connector.clear()


async def channel_says(bot, text: str, who: str = COORDINATOR_AAD):
    before = len(bot.connector.requests)
    await bot.post(channel_message(bot.connector.url, who, text))
    return [r for r in bot.connector.requests[before:] if r.conversation_id.startswith(CHANNEL)]


async def press(bot, value: dict, who: str = COORDINATOR_AAD):
    before = len(bot.connector.requests)
    await bot.post(channel_card_submit(bot.connector.url, who, value))
    return [r for r in bot.connector.requests[before:] if r.conversation_id.startswith(CHANNEL)]


async def create_event(bot, values: dict) -> str:
    """The coordinator fills in the `new event` form and saves it; the bot's reply."""
    [form] = [c for r in await channel_says(bot, "new event") for c in r.cards]
    [save] = action_data(form)
    assert save["cohort_event"] == "save" and save["form_id"]
    [reply] = await press(bot, save | values)
    return reply.text


async def person_presses(bot, aad: str, value: dict) -> list[str]:
    """A person presses a button on a card the bot sent them; the bot's answers."""
    before = len(bot.connector.requests)
    name, _organisation, tz = EVERYONE[aad]
    activity = card_submit(bot.connector.url, aad, value, user_name=name, local_timezone=tz)
    await bot.post(activity | {"replyToId": "activity-card"})
    return [r.text for r in bot.connector.requests[before:] if r.text]


def personal(connector, aad: str):
    return [r for r in connector.requests if r.conversation_id == f"a:personal-{aad}"]


def heading(card: dict) -> str:
    return card["body"][0]["text"]


def cards_to(connector, aad: str, starts: str) -> list:
    return [
        (r, card)
        for r in personal(connector, aad)
        if r.method == "POST"
        for card in r.cards
        if heading(card).startswith(starts)
    ]


def answer_value(card: dict, answer: str, reason: str | None = None) -> dict:
    if answer == "yes":
        [data] = [a["data"] for a in card["actions"] if a.get("title") == "I'll be there"]
        return data
    [show] = [a for a in card["actions"] if a.get("title") == "I can't come"]
    return show["card"]["actions"][0]["data"] | {"reason": reason}


def title_of(card: dict) -> str:
    """The event's title in a card's heading ("Reminder: Training “X” tomorrow" -> "X")."""
    return heading(card).split("“")[-1].rstrip("” ").split("”")[0]


def mark_input(bot, event_id: int, aad: str) -> str:
    """The attendance card's input for one person."""
    with Session(bot.ctx.engine) as session:
        row = invitation_of(session, event_id, get_person(session, aad).id)
    return f"mark_{row.id}"


def working_hours(at: datetime, zone: ZoneInfo) -> bool:
    """09:00-17:00, Monday to Friday, on the wall clock of `zone`."""
    local = at.astimezone(zone)
    return local.weekday() < 5 and 9 <= local.hour < 17
