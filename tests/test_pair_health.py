"""Every pair's health, worked out by the sweep as time passes and the pair answers (or not),
shown to coordinators in `pairs`, `health` and the dashboard."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from bench.teams_activities import card_submit, channel_message
from bot.dashboard.data import dashboard_data
from domain.authorisation import Role
from store.health import PairHealth
from store.models import Pairing, Programme
from tests.applying import card_text
from tests.conftest import START
from tests.test_pairing import ADELE, SAM, _programme_with_accepted_trainee

CHANNEL = "19:coordinators@thread.tacv2"
COORDINATOR = "aad-coordinator-1"


async def _say_in_channel(bot, text: str) -> str:
    before = len(bot.connector.requests)
    await bot.post(channel_message(bot.connector.url, COORDINATOR, text))
    replies = bot.connector.requests[before:]
    return "\n".join(r.text or "" for r in replies if r.conversation_id.startswith(CHANNEL))


def _health(bot) -> PairHealth | None:
    with Session(bot.ctx.engine) as session:
        return session.exec(select(PairHealth)).first()


async def _sweep(bot, clock, at) -> None:
    clock.set(at)
    await bot.outbox.sweep(clock.now())


async def _answer_check_in(bot, aad: str) -> None:
    card = next(
        c for c in reversed(bot.connector.cards(f"a:personal-{aad}")) if "check-in" in card_text(c)
    )
    yes = [a for a in card["actions"] if a["type"] == "Action.Submit"][0]
    await bot.post(card_submit(bot.connector.url, aad, yes["data"]))


async def test_a_silent_mentor_turns_the_pair_amber_then_red_and_coordinators_see_why(bot, clock):
    await _programme_with_accepted_trainee(bot)
    await bot.post(channel_message(bot.connector.url, COORDINATOR, "pair sam with adele"))
    await _sweep(bot, clock, START + timedelta(minutes=5))
    first = _health(bot)
    assert (first.colour, first.reasons, first.previous_colour) == (
        "green",
        ["0 of 1 sessions held"],
        None,
    )
    listing = await _say_in_channel(bot, "pairs")
    assert "health 🟢 green: 0 of 1 sessions held" in listing

    # Week 2: Sam answers the check-in; Adele does not.
    await _sweep(bot, clock, START + timedelta(days=14))
    await _answer_check_in(bot, SAM)
    await _sweep(bot, clock, START + timedelta(days=14, hours=1))
    assert _health(bot).colour == "green"

    # 28 days without a word from the mentor: amber, from the sweep at that moment.
    await _sweep(bot, clock, START + timedelta(days=28, minutes=1))
    amber = _health(bot)
    assert amber.colour == "amber"
    assert amber.reasons == [
        "0 of 1 sessions held",
        "the mentor has not answered the bot for over 28 days",
    ]
    assert amber.since == START + timedelta(days=28, minutes=1)
    # Sweeping again with nothing changed leaves it as it is.
    await _sweep(bot, clock, START + timedelta(days=28, hours=2))
    assert _health(bot).changed_at == amber.changed_at

    listing = await _say_in_channel(bot, "health")
    assert "**Pair health**: 0 red, 1 amber, 0 green (of 1 active pairs)." in listing
    assert (
        "- **Sam Taylor ↔ Adele Vance**: 🟠 amber: 0 of 1 sessions held; the mentor has not "
        "answered the bot for over 28 days · amber since 21 December 2026 · changed 21 "
        "December 2026: was green · new: the mentor has not answered the bot for over 28 days"
    ) in listing

    # Six weeks: red, and the reasons say everything that is wrong.
    await _sweep(bot, clock, START + timedelta(days=42, minutes=1))
    red = _health(bot)
    assert red.colour == "red"
    assert red.reasons == [
        "0 of 2 sessions held",
        "the mentor has not answered the bot for over 42 days",
        "no session since pairing, over 35 days ago",
        "no session in month 1",
        "the trainee has not answered the bot for over 28 days",
    ]
    assert red.previous_colour == "amber"
    listing = await _say_in_channel(bot, "health")
    assert "1 red, 0 amber" in listing and "was amber · new:" in listing

    with Session(bot.ctx.engine) as session:
        programme = session.exec(select(Programme)).first()
        pairing = session.exec(select(Pairing)).one()
        data = dashboard_data(session, bot.ctx.settings, programme, clock.now(), [Role.COORDINATOR])
    assert data["pairs"]["health"] == {str(pairing.id): {"colour": "red", "reasons": red.reasons}}


async def test_an_answer_brings_the_pair_back_to_green(bot, clock):
    await _programme_with_accepted_trainee(bot)
    await bot.post(channel_message(bot.connector.url, COORDINATOR, "pair sam with adele"))
    await _sweep(bot, clock, START + timedelta(days=14))
    await _sweep(bot, clock, START + timedelta(days=28, minutes=1))
    assert _health(bot).colour == "amber"  # neither has answered anything
    await _answer_check_in(bot, SAM)
    await _answer_check_in(bot, ADELE.aad_object_id)
    await _sweep(bot, clock, START + timedelta(days=28, hours=1))
    back = _health(bot)
    assert (back.colour, back.previous_colour) == ("green", "amber")
    listing = await _say_in_channel(bot, "health")
    assert "No pair needs attention." in listing


def test_the_migration_makes_the_table_the_model_describes_and_goes_back(db_url, engine):
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    from store import migrate

    with engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert [d for d in diffs if "pair_health" in repr(d)] == []
    command.downgrade(migrate.alembic_config(db_url), "0015")
    migrate.upgrade(db_url)


def test_a_changed_health_keeps_what_it_was_and_since_when(engine):
    from datetime import UTC, datetime

    from store.health import health_of, record_health
    from store.models import Person

    day = datetime(2026, 12, 1, 9, tzinfo=UTC)
    with Session(engine) as session:
        people = [Person(aad_object_id=f"aad-{n}", created_at=day, updated_at=day) for n in (1, 2)]
        programme = Programme(name="P", window_opens_at=day, window_closes_at=day, created_at=day)
        session.add_all([*people, programme])
        session.flush()
        pairing = Pairing(
            programme_id=programme.id,
            trainee_person_id=people[0].id,
            mentor_person_id=people[1].id,
            paired_at=day,
        )
        session.add(pairing)
        session.flush()
        assert record_health(session, pairing.id, "green", ["a"], day) is not None
        assert record_health(session, pairing.id, "green", ["a"], day + timedelta(1)) is None
        record_health(session, pairing.id, "green", ["b"], day + timedelta(2))
        record_health(session, pairing.id, "amber", ["b", "c"], day + timedelta(3))
        session.commit()
        row = health_of(session, [pairing.id, 999])[pairing.id]
    assert (row.colour, row.reasons, row.previous_colour, row.previous_reasons) == (
        "amber",
        ["b", "c"],
        "green",
        ["b"],
    )
    assert (row.since, row.changed_at) == (day + timedelta(3), day + timedelta(3))
