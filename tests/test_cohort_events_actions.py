"""The cohort events' single actions through the real app: who may manage them, the form's
checks and a second press, answering (not released once, a changed date, a cancelled event),
attendance in a person's own words and the coordinators', Teams meetings through the fake
Graph, `my programme`, `my data`, `dates` and the line managers' list of dates."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, select

from bench.teams_activities import personal_message
from store.cohort_events import (
    CohortEvent,
    CohortEventInvitation,
    invitation_of,
    told_about,
    upcoming_dates_of,
)
from store.escalations import ReleaseBlock
from store.models import Application
from store.outbox import OutboxMessage
from store.people import get_person, upsert_person
from tests.applying import action_data, card_inputs, card_text
from tests.cohort_events_steps import (
    ADELE,
    AVA,
    CALL_BACK_1,
    PRIYA,
    SAM,
    TRAINING,
    answer_value,
    cards_to,
    channel_says,
    create_event,
    heading,
    person_presses,
    press,
    set_up_programme,
)
from tests.conftest import COORDINATOR_AAD, START, start_bot

ORGANISER_MAIL = "chris.coordinator@contoso.example"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _invitation(connector, aad: str, title_part: str) -> dict:
    [card] = [c for _, c in cards_to(connector, aad, "You're invited") if title_part in heading(c)]
    return card


async def test_only_coordinators_create_change_or_record_attendance(bot):
    await set_up_programme(bot)
    await create_event(bot, TRAINING)
    refused = "Sorry, only programme coordinators can do that."
    # Sam in the coordinator channel (a participant, not a coordinator).
    for text in ("new event", "events"):
        [reply] = await channel_says(bot, text, who=SAM)
        assert reply.text.startswith(refused)
    for value in (
        {"cohort_event": "save", "form_id": "f-1"} | TRAINING,
        {"cohort_event": "save", "event_id": "1", "version": "1"} | TRAINING | {"title": "Mine"},
        {"cohort_event": "cancel", "event_id": "1"},
        {"cohort_event": "attendance", "event_id": "1", "mark_1": "absent"},
    ):
        [reply] = await press(bot, value, who=SAM)
        assert reply.text.startswith(refused)
    with Session(bot.ctx.engine) as session:
        [event] = session.exec(select(CohortEvent)).all()
        rows = session.exec(select(CohortEventInvitation)).all()
    assert (event.title, event.status, event.version) == (TRAINING["title"], "scheduled", 1)
    assert all(row.attendance is None for row in rows)


async def test_the_form_says_what_is_wrong_and_a_second_press_creates_nothing(bot):
    await set_up_programme(bot)
    [form] = [c for r in await channel_says(bot, "new event call-back") for c in r.cards]
    assert card_inputs(form)["kind"]["value"] == "call_back"
    [save] = action_data(form)
    [reply] = await press(
        bot, save | {"kind": "call_back", "day_1": "2026-11-20", "start": "13:00"}
    )
    assert reply.text == (
        "Nearly there — please fix these on the form and save again:\n\n"
        "- Every day must be today or later.\n"
        "- Give the start and end time as HH:MM, e.g. 09:30.\n"
        "- Say where it is, or tick Online."
    )
    [created] = await press(bot, save | CALL_BACK_1)
    assert created.text.startswith("Created #1: Call-back workshop “First call-back”")
    [again] = await press(bot, save | CALL_BACK_1)
    assert again.text == "That form already created #1 Call-back workshop “First call-back”. " + (
        "Type **events** to see it."
    )
    with Session(bot.ctx.engine) as session:
        assert len(session.exec(select(CohortEvent)).all()) == 1

    [listing] = await channel_says(bot, "events")
    text = card_text(listing.cards[0])
    assert "#1 Call-back workshop “First call-back”" in text
    assert "12 January 2027, 13:00–16:00" in text
    assert "10 invited: 0 coming, 0 can't come, 10 not answered" in text


async def test_not_released_raises_one_release_block_and_the_coordinators_act_before_the_day(
    settings, clock, connector
):
    bot = await start_bot(settings, clock, connector)
    await set_up_programme(bot)
    await create_event(bot, TRAINING)
    clock.set(utc(2026, 11, 23, 15))  # Priya's invitation goes at 09:00 in New York
    await bot.outbox.sweep(clock.now())
    card = _invitation(connector, PRIYA, "training")
    said = await person_presses(bot, PRIYA, answer_value(card, "no", "not_released"))
    assert said[0] == (
        "You're down as not coming to the training “Step Forward training course” on 8, 9 and "
        "10 December 2026, because your manager hasn't released you."
    )
    assert said[1].startswith("Thanks — that has reached the programme coordinators.")
    again = await person_presses(bot, PRIYA, answer_value(card, "no", "not_released"))
    assert again == [said[0] + " The coordinators already have this."]
    with Session(bot.ctx.engine) as session:
        [block] = session.exec(select(ReleaseBlock)).all()
    assert (block.released_for, block.blocked_by, block.source) == (
        "training",
        "line_manager",
        "event",
    )
    [escalation] = [
        c
        for c in connector.cards("19:coordinators@thread.tacv2")
        if "Release block" in card_text(c)
    ]
    assert "Priya Shah is not released for training by their line manager" in card_text(escalation)
    # She changes her mind: the block stays with the coordinators; nothing new is raised.
    assert (await person_presses(bot, PRIYA, answer_value(card, "yes")))[0].startswith(
        "Thanks — you're"
    )
    with Session(bot.ctx.engine) as session:
        assert len(session.exec(select(ReleaseBlock)).all()) == 1
    await bot.client.close()


async def test_answers_to_a_changed_date_a_cancelled_or_started_event_are_explained(bot):
    await set_up_programme(bot)
    await create_event(bot, TRAINING)
    old = _invitation(bot.connector, SAM, "training")
    # A new date: the answers are asked again, and an old card is not taken as an answer.
    [form] = [c for r in await press(bot, {"cohort_event": "edit", "event_id": 1}) for c in r.cards]
    inputs = {i: v.get("value", "") for i, v in card_inputs(form).items()}
    [changed] = await press(bot, action_data(form)[0] | inputs | {"day_3": "2026-12-11"})
    assert "the dates or times changed, so they are asked again" in changed.text
    said = await person_presses(bot, SAM, answer_value(old, "yes"))
    assert said == ["The dates or times have changed since that card. Here it is as it stands now:"]
    [(_, change)] = cards_to(bot.connector, SAM, "Changed:")
    assert "Day 3\nFriday 11 December 2026, 09:30–16:30" in card_text(change)
    assert "Please tell me again whether you can come." in card_text(change)
    assert (await person_presses(bot, SAM, answer_value(change, "yes")))[0].endswith(
        "8, 9 and 11 December 2026. I'll remind you the working day before."
    )
    # The form sent before that change saves nothing.
    stale, fresh = await press(bot, action_data(form)[0] | inputs | {"title": "Too late"})
    assert stale.text.startswith("Someone changed this event after that form was sent")
    assert card_inputs(fresh.cards[0])["day_3"]["value"] == "2026-12-11"
    # Who is invited can widen, not narrow.
    [narrow] = await press(
        bot, action_data(form)[0] | inputs | {"version": "2", "audience": "trainees"}
    )
    assert "who is invited can only widen" in narrow.text

    await press(bot, {"cohort_event": "cancel", "event_id": 1})
    said = await person_presses(bot, SAM, answer_value(change, "yes"))
    assert said == [
        "Training “Step Forward training course” was cancelled, so there's nothing to answer."
    ]


async def test_participants_say_they_attended_and_the_coordinators_word_wins(
    settings, clock, connector
):
    bot = await start_bot(settings, clock, connector)
    await set_up_programme(bot)
    await create_event(bot, CALL_BACK_1)
    await person_presses(bot, AVA, answer_value(_invitation(connector, AVA, "call-back"), "yes"))
    clock.set(utc(2027, 1, 12, 16))  # the call-back has just ended
    await bot.outbox.sweep(clock.now())
    [(_, check)] = cards_to(connector, AVA, "Were you at")
    assert heading(check) == "Were you at the call-back workshop “First call-back”?"
    [part] = [a["data"] for a in check["actions"] if a["title"] == "Part of it"]
    assert await person_presses(bot, AVA, part) == [
        "Thanks — noted that you were there for part of it."
    ]

    # The card posted at the end was drawn before she answered; asked for now, it has her word.
    [posted] = [
        c
        for c in connector.cards("19:coordinators@thread.tacv2")
        if heading(c).startswith("Attendance:")
    ]
    [card] = [
        c
        for r in await press(bot, {"cohort_event": "attendance_card", "event_id": 1})
        for c in r.cards
    ]
    assert heading(card) == heading(posted)
    marks = {i: v["value"] for i, v in card_inputs(card).items()}
    with Session(bot.ctx.engine) as session:
        ava = invitation_of(session, 1, get_person(session, AVA).id)
    assert marks[f"mark_{ava.id}"] == "part"  # her own word is the card's default
    [recorded] = await press(bot, action_data(card)[0] | marks | {f"mark_{ava.id}": "attended"})
    assert recorded.text.startswith(
        "Attendance recorded for #1 Call-back workshop “First call-back”: "
    )
    assert await person_presses(bot, AVA, part) == [
        "Thanks — noted that you were there for part of it. The coordinators' register says "
        "“attended”; if that's wrong, type **I need help** and tell them."
    ]
    with Session(bot.ctx.engine) as session:
        row = session.get(CohortEventInvitation, ava.id)
    assert (row.attendance, row.self_report) == ("attended", "part")

    # She was there, so the call-back's one-tap pulse comes to her (answered once).
    await bot.outbox.sweep(clock.now())
    [(_, pulse)] = [(r, c) for r, c in cards_to(connector, AVA, "After the call-back workshop")]
    four = next(a["data"] for a in pulse["actions"] if a["title"].startswith("4"))
    assert await person_presses(bot, AVA, four) == [
        "Thank you! Your answers are anonymous: they are kept apart from your name."
    ]
    assert await person_presses(bot, AVA, four) == ["You've already answered this one — thank you!"]
    await bot.client.close()


async def test_an_online_event_is_a_teams_meeting_per_day_in_the_coordinators_calendar(
    graph_settings, clock, connector, fake_graph
):
    fake_graph.directory.add_user(COORDINATOR_AAD, "Chris Coordinator", ORGANISER_MAIL)
    bot = await start_bot(graph_settings, clock, connector)
    await set_up_programme(bot)
    online = TRAINING | {"place": "", "online": "true"}
    reply = await create_event(bot, online)
    assert "Each day is a Teams meeting in your Outlook calendar" in reply
    meetings = fake_graph.calendar.live_events()
    assert len(meetings) == 3
    assert {m.organiser for m in meetings} == {COORDINATOR_AAD}
    assert all(m.attendees == [] for m in meetings)  # answers come through the bot
    card = _invitation(connector, SAM, "training")
    joins = [a for s in card["body"] if s.get("type") == "ActionSet" for a in s["actions"]]
    assert [a["url"] for a in joins] == [m.join_url for m in meetings]
    assert [a["title"] for a in joins] == ["Join day 1", "Join day 2", "Join day 3"]

    # A new title renames the meetings; a new date cancels them and books new ones;
    # cancelling the event cancels those.
    [form] = [c for r in await press(bot, {"cohort_event": "edit", "event_id": 1}) for c in r.cards]
    inputs = {i: v.get("value", "") for i, v in card_inputs(form).items()}
    await press(bot, action_data(form)[0] | inputs | {"title": "Leadership course"})
    assert {m.fields["subject"] for m in meetings} == {"Leadership course"}
    assert all(not m.cancelled for m in meetings)
    [form] = [c for r in await press(bot, {"cohort_event": "edit", "event_id": 1}) for c in r.cards]
    inputs = {i: v.get("value", "") for i, v in card_inputs(form).items()}
    await press(bot, action_data(form)[0] | inputs | {"day_3": "2026-12-11"})
    assert all(m.cancelled for m in meetings)
    assert len(fake_graph.calendar.live_events()) == 3
    [cancelled] = await press(bot, {"cohort_event": "cancel", "event_id": 1})
    assert cancelled.text.endswith("Its Teams meetings are cancelled.")
    assert fake_graph.calendar.live_events() == []
    await bot.client.close()


async def test_without_a_meeting_the_event_is_still_online_and_the_coordinator_is_told_why(
    graph_settings, clock, connector, fake_graph
):
    bot = await start_bot(graph_settings, clock, connector)
    await set_up_programme(bot)
    fake_graph.fail("create_event", 403)
    reply = await create_event(bot, CALL_BACK_1)
    assert "I couldn't create the Teams meeting: Microsoft Graph refused" in reply
    assert "Online (no joining link yet)" in card_text(_invitation(connector, SAM, "call-back"))
    await bot.client.close()


async def test_my_programme_my_data_and_the_dates_show_the_events(bot):
    await set_up_programme(bot)
    await create_event(bot, TRAINING)
    await create_event(bot, CALL_BACK_1)
    await person_presses(bot, SAM, answer_value(_invitation(bot.connector, SAM, "training"), "yes"))
    before = len(bot.connector.requests)
    await bot.post(personal_message(bot.connector.url, SAM, "my programme"))
    text = "\n".join(r.text for r in bot.connector.requests[before:])
    assert (
        "**Coming up**\n"
        "- Training “Step Forward training course”: 8, 9 and 10 December 2026, 09:30–16:30 — "
        "you said: I'll be there.\n"
        "- Call-back workshop “First call-back”: 12 January 2027, 13:00–16:00 — please answer "
        "the invitation I sent you."
    ) in text
    before = len(bot.connector.requests)
    await bot.post(personal_message(bot.connector.url, ADELE, "my data", user_name="Adele Vance"))
    text = "\n".join(r.text for r in bot.connector.requests[before:])
    assert "**Programme events**" in text
    assert "- Training “Step Forward training course”, 8, 9 and 10 December 2026: invited " in text
    assert "your answer: none" in text

    [dates] = await channel_says(bot, "dates")
    assert "Training ends: 10 December 2026 (the last training day;" in dates.text
    [typed] = await channel_says(bot, "dates training ends 2026-12-18")
    assert "Training ends: 18 December 2026 (set with **dates training ends**" in typed.text
    [cleared] = await channel_says(bot, "dates training ends clear")
    assert "Training ends: 10 December 2026 (the last training day;" in cleared.text


async def test_a_participants_upcoming_event_dates_for_their_line_manager(bot):
    await set_up_programme(bot)
    await create_event(bot, TRAINING)
    await create_event(bot, CALL_BACK_1)
    await press(bot, {"cohort_event": "cancel", "event_id": 2})
    with Session(bot.ctx.engine) as session:
        sam = get_person(session, SAM)
        dates = upcoming_dates_of(session, sam.id, START)
        later = upcoming_dates_of(session, sam.id, utc(2026, 12, 9, 17))
        told = told_about(session, session.get(CohortEvent, 1))
    assert [(d.kind, d.starts_at) for d in dates] == [
        ("training", utc(2026, 12, 8, 9, 30)),
        ("training", utc(2026, 12, 9, 9, 30)),
        ("training", utc(2026, 12, 10, 9, 30)),
    ]
    assert [d.starts_at for d in later] == [utc(2026, 12, 10, 9, 30)]
    assert told[sam.id].version == 1 and told[sam.id].sent


async def test_nobody_is_invited_or_told_once_their_data_is_erased(settings, clock, connector):
    bot = await start_bot(settings, clock, connector)
    await set_up_programme(bot)
    await create_event(bot, TRAINING)
    await person_presses(bot, SAM, {"my_data": "delete_confirmed"})
    clock.set(utc(2026, 11, 24, 10))
    await bot.outbox.sweep(clock.now())  # what was sent to them is gone with their data
    await press(bot, {"cohort_event": "cancel", "event_id": 1})
    with Session(bot.ctx.engine) as session:
        rows = session.exec(select(OutboxMessage)).all()
    assert not [r for r in rows if (r.recipient_aad_object_id or "").startswith("erased-")]
    await bot.client.close()


async def test_the_coordinator_hears_who_the_invitations_cannot_reach(bot):
    await set_up_programme(bot)
    with bot.ctx.session() as session:
        zoe = upsert_person(session, "aad-trainee-zoe", START, display_name="Zoe King")
        session.add(
            Application(
                programme_id=1,
                person_id=zoe.id,
                role="trainee",
                status="accepted",
                organisation="City Council",
                created_at=START,
                updated_at=START,
            )
        )
    reply = await create_event(bot, TRAINING)
    assert "Invitations are going to 11 people (7 trainees and 4 mentors)" in reply
    assert "I can't reach Zoe King in Teams (they haven't talked to me" in reply
