"""Every pair's health, worked out by the sweep as time passes and the pair answers (or not),
shown to coordinators in `pairs`, `health` and the dashboard."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from bench.teams_activities import card_submit, channel_message, personal_message
from bot.dashboard.data import dashboard_data
from domain.authorisation import Role
from store.escalations import Escalation
from store.health import PairHealth
from store.models import Pairing, Person, Programme
from tests.applying import card_text
from tests.conftest import START
from tests.migration_checks import assert_migration_matches_models
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


def _texts_to(bot, aad: str, start: int) -> list[str]:
    return [
        r.text or ""
        for r in bot.connector.requests[start:]
        if r.conversation_id == f"a:personal-{aad}"
    ]


def _cards_to(bot, aad: str, start: int) -> list[dict]:
    return [
        card
        for r in bot.connector.requests[start:]
        if r.conversation_id == f"a:personal-{aad}"
        for card in r.cards
    ]


async def test_a_mentor_who_ignores_three_questions_is_paused_and_resumes_on_answering(bot, clock):
    adele = ADELE.aad_object_id
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

    # Week 2: the first check-in. Sam answers it; Adele does not.
    await _sweep(bot, clock, START + timedelta(days=14))
    await _answer_check_in(bot, SAM)
    await _sweep(bot, clock, START + timedelta(days=14, hours=1))
    assert _health(bot).colour == "green"

    # Week 4: the second check-in unanswered, four weeks without a word: amber.
    await _sweep(bot, clock, START + timedelta(days=28))
    await _sweep(bot, clock, START + timedelta(days=28, hours=1))
    amber = _health(bot)
    assert (amber.colour, amber.reasons) == (
        "amber",
        [
            "0 of 1 sessions held",
            "the mentor has not answered the bot's last 2 questions",
            "the mentor has not answered the bot for over 28 days",
        ],
    )
    listing = await _say_in_channel(bot, "health")
    assert "**Pair health**: 0 red, 1 amber, 0 green (of 1 active pairs)." in listing
    assert (
        "- **Sam Taylor ↔ Adele Vance**: 🟠 amber: 0 of 1 sessions held; the mentor has not "
        "answered the bot's last 2 questions; the mentor has not answered the bot for over 28 "
        "days · amber since 21 December 2026 · changed 21 December 2026: still amber · new: "
        "the mentor has not answered the bot's last 2 questions"
    ) in listing

    await _answer_check_in(bot, SAM)

    # Week 6's check-in, held over the holidays to Tuesday 5 January, is the third question
    # unanswered: Adele counts as not responding.
    mark = len(bot.connector.requests)
    await _sweep(bot, clock, START + timedelta(days=42))
    await _sweep(bot, clock, START + timedelta(days=43))
    await _sweep(bot, clock, START + timedelta(days=43, hours=1))
    with Session(bot.ctx.engine) as session:
        person = session.exec(select(Person).where(Person.aad_object_id == adele)).one()
        assert person.not_responding_since == START + timedelta(days=43, hours=1)
        escalations = session.exec(select(Escalation)).all()
    [escalation] = [e for e in escalations if e.cause == "not_responding"]
    assert escalation.status == "open"
    assert escalation.evidence[0]["text"] == (
        "Adele Vance (mentor) has not answered the last 3 questions (check-ins, did the "
        "session happen; nothing from them since 23 November 2026); their routine reminders "
        "are paused until they answer, and their partner has been told you will be in touch"
    )
    told = [t for t in _texts_to(bot, SAM, mark) if "haven't heard back" in t]
    assert told == [
        "I haven't heard back from your mentor, Adele Vance, for a while, so I've paused my "
        "reminders to them and asked the programme coordinators to get in touch with them. You "
        "don't need to do anything: keep going with your action plan, and type **I need "
        "help** if you'd like to talk to the coordinators yourself."
    ]
    await _answer_check_in(bot, SAM)
    red = _health(bot)
    assert red.colour == "red"
    assert "the mentor has not answered the bot's last 3 questions" in red.reasons

    # Month 3 starts (Saturday 23 January): on Monday Sam's booking card goes, Adele's waits;
    # Sam is not told again; the coordinators got the escalation card once.
    mark_paused = len(bot.connector.requests)
    for day in (44, 61, 63):
        await _sweep(bot, clock, START + timedelta(days=day, hours=1))
    assert any("book" in card_text(c) for c in _cards_to(bot, SAM, mark_paused))
    assert not _cards_to(bot, adele, mark_paused)
    assert not [t for t in _texts_to(bot, SAM, mark_paused) if "haven't heard back" in t]
    channel = [r for r in bot.connector.requests[mark:] if r.conversation_id.startswith(CHANNEL)]
    cards = [card_text(c) for r in channel for c in r.cards if "posted again" not in card_text(c)]
    [posted] = [text for text in cards if "Stalled pairing: not responding" in text]
    assert "About\nAdele Vance" in posted

    # Adele writes: she is back, and what was held for her goes again, one a day.
    await bot.post(
        personal_message(bot.connector.url, adele, "sorry, I was away", user_name=ADELE.name)
    )
    mark = len(bot.connector.requests)
    await _sweep(bot, clock, START + timedelta(days=63, hours=3))
    with Session(bot.ctx.engine) as session:
        person = session.exec(select(Person).where(Person.aad_object_id == adele)).one()
        assert person.not_responding_since is None
    assert len(_cards_to(bot, adele, mark)) == 1
    await _sweep(bot, clock, START + timedelta(days=64, hours=1))
    held = sorted(card_text(c).split("\n")[0] for c in _cards_to(bot, adele, mark))
    assert held == ["Did your session happen?", "Time to book this month's session"]
    back = _health(bot)
    assert not [r for r in back.reasons if r.startswith("the mentor")]

    with Session(bot.ctx.engine) as session:
        programme = session.exec(select(Programme)).first()
        pairing = session.exec(select(Pairing)).one()
        data = dashboard_data(session, bot.ctx.settings, programme, clock.now(), [Role.COORDINATOR])
    assert data["pairs"]["health"] == {
        str(pairing.id): {"colour": back.colour, "reasons": back.reasons}
    }


async def test_answers_bring_the_pair_back_to_green(bot, clock):
    await _programme_with_accepted_trainee(bot)
    await bot.post(channel_message(bot.connector.url, COORDINATOR, "pair sam with adele"))
    await _sweep(bot, clock, START + timedelta(minutes=5))
    await _sweep(bot, clock, START + timedelta(days=14))
    await _sweep(bot, clock, START + timedelta(days=28))
    await _sweep(bot, clock, START + timedelta(days=28, minutes=30))
    assert _health(bot).colour == "amber"  # neither has answered anything
    await _answer_check_in(bot, SAM)
    await _answer_check_in(bot, ADELE.aad_object_id)
    await _sweep(bot, clock, START + timedelta(days=28, hours=1))
    back = _health(bot)
    assert (back.colour, back.reasons, back.previous_colour) == (
        "green",
        ["0 of 1 sessions held"],
        "amber",
    )
    # Sweeping again with nothing changed leaves it as it is.
    await _sweep(bot, clock, START + timedelta(days=28, hours=3))
    assert _health(bot).changed_at == back.changed_at
    listing = await _say_in_channel(bot, "health")
    assert "No pair needs attention." in listing


def test_the_migration_makes_the_table_the_model_describes_and_goes_back(db_url, engine):
    assert_migration_matches_models(db_url, engine, {"pair_health"}, "0015")


def test_every_change_of_colour_is_kept_and_made_by_its_migration(db_url, engine):
    assert_migration_matches_models(db_url, engine, {"pair_health_change"}, "0020")


def test_the_migration_starts_each_pair_worked_out_before_it_at_its_current_colour(db_url, engine):
    from alembic import command

    from store import migrate
    from store.health import colour_changes

    command.downgrade(migrate.alembic_config(db_url), "0020")
    day = START
    with Session(engine) as session:
        pairing = _pairing_at(session, day)
        session.add(
            PairHealth(
                pairing_id=pairing.id,
                colour="amber",
                reasons=["a"],
                since=day + timedelta(days=9),
                changed_at=day + timedelta(days=9),
                previous_colour="green",
            )
        )
        session.commit()
        pairing_id = pairing.id
    migrate.upgrade(db_url)
    with Session(engine) as session:
        assert colour_changes(session, [pairing_id]) == {
            pairing_id: [(day + timedelta(days=9), "amber")]
        }


def _pairing_at(session: Session, day) -> Pairing:
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
    return pairing


def test_a_changed_health_keeps_what_it_was_and_since_when(engine):
    from datetime import UTC, datetime

    from store.health import colour_changes, health_of, record_health

    day = datetime(2026, 12, 1, 9, tzinfo=UTC)
    with Session(engine) as session:
        pairing = _pairing_at(session, day)
        assert record_health(session, pairing.id, "green", ["a"], day) is not None
        assert record_health(session, pairing.id, "green", ["a"], day + timedelta(1)) is None
        record_health(session, pairing.id, "green", ["b"], day + timedelta(2))
        record_health(session, pairing.id, "amber", ["b", "c"], day + timedelta(3))
        session.commit()
        row = health_of(session, [pairing.id, 999])[pairing.id]
        # Only changes of colour are kept (not of the reasons alone), oldest first.
        changes = colour_changes(session, [pairing.id, 999])
    assert changes == {pairing.id: [(day, "green"), (day + timedelta(3), "amber")]}
    assert (row.colour, row.reasons, row.previous_colour, row.previous_reasons) == (
        "amber",
        ["b", "c"],
        "green",
        ["b"],
    )
    assert (row.since, row.changed_at) == (day + timedelta(3), day + timedelta(3))


async def _say_to_bot(bot, aad: str, text: str) -> str:
    before = len(bot.connector.requests)
    await bot.post(personal_message(bot.connector.url, aad, text))
    replies = bot.connector.requests[before:]
    return "\n".join(r.text or "" for r in replies if r.conversation_id == f"a:personal-{aad}")


async def test_pause_until_a_date_holds_routine_reminders_and_everyone_sees_it(bot, clock):
    await _programme_with_accepted_trainee(bot)
    await bot.post(channel_message(bot.connector.url, COORDINATOR, "pair sam with adele"))
    await _sweep(bot, clock, START + timedelta(minutes=5))

    assert "Please give the day you'll be back" in await _say_to_bot(bot, SAM, "pause until soon")
    refused = await _say_to_bot(bot, SAM, "pause until 2026-11-01")
    assert "Please pick a day after today" in refused and "Nothing has changed." in refused
    said = await _say_to_bot(bot, SAM, "pause until 10 December 2026")
    assert said == (
        "OK — I'll hold routine reminders until 10 December 2026 and start again that day. "
        "Messages from the coordinators still reach you, and they can see you're away. Type "
        "**snooze off** to undo."
    )
    mine = await _say_to_bot(bot, SAM, "my programme")
    assert "Routine reminders are paused until 10 December 2026 (**snooze off** to resume)." in mine
    listing = await _say_in_channel(bot, "pairs")
    assert "⏸ Sam Taylor paused until 10 December 2026" in listing

    # The week-2 check-in waits for Sam's return; Adele's goes on the day.
    mark = len(bot.connector.requests)
    await _sweep(bot, clock, START + timedelta(days=14))
    assert _cards_to(bot, ADELE.aad_object_id, mark) and not _cards_to(bot, SAM, mark)
    await _sweep(bot, clock, START + timedelta(days=17))  # Thursday 10 December, 10:00
    assert [card_text(c).split("\n")[0] for c in _cards_to(bot, SAM, mark)] == [
        "Quick check-in: week 2"
    ]


def _digests(connector) -> list[str]:
    return [
        r.text
        for r in connector.requests
        if r.conversation_id.startswith(CHANNEL) and (r.text or "").startswith("**Pair health this")
    ]


async def test_the_weekly_digest_is_posted_once_a_week_on_monday_morning_across_restarts(
    bot, clock, settings, connector
):
    from tests.conftest import start_bot

    await _programme_with_accepted_trainee(bot)
    await bot.post(channel_message(bot.connector.url, COORDINATOR, "pair sam with adele"))
    # Monday 23 November, 10:05 London: the pair is worked out, then the week's digest goes.
    await _sweep(bot, clock, START + timedelta(minutes=5))
    await _sweep(bot, clock, START + timedelta(minutes=6))
    assert _digests(connector) == [
        "**Pair health this week**: 1 of 1 active pairs are green (100%).\n\nNo pair turned "
        "red and none came back to green in the last 7 days.\n\nType **health** for every pair "
        "that needs attention."
    ]
    await _sweep(bot, clock, START + timedelta(hours=3))
    # A restart, and sweeps through the week: still one.
    await bot.client.close()
    restarted = await start_bot(settings, clock, connector)
    try:
        for day in range(1, 7):
            await _sweep(restarted, clock, START + timedelta(days=day))
        assert len(_digests(connector)) == 1
        # The next Monday at 08:30 London it is not time yet; at 09:00 it is.
        await _sweep(restarted, clock, START + timedelta(days=7, hours=-1, minutes=-30))
        assert len(_digests(connector)) == 1
        await _sweep(restarted, clock, START + timedelta(days=7, hours=-1))
        await _sweep(restarted, clock, START + timedelta(days=7, hours=-1, minutes=1))
        assert len(_digests(connector)) == 2
    finally:
        await restarted.client.close()
