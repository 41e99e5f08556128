"""Line managers in the loop, through the real app: Microsoft Graph faked on loopback (the
manager lookup, the app's installation and the installation event Teams sends), the Bot
Connector faked, time moved by the injected clock.

Asked at shortlisting → the manager's card once the chat opens → their answer on the
coordinators' card → the offer; no answer → one reminder → the coordinators told; a refusal
blocks the offer with its reason; a coordinator's answer by hand wins; release blocks reach the
manager when the participant agrees; the monthly digest and its stop; and nothing private, and
nothing about anyone but their own report, ever reaches a manager.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from bench.teams_activities import (
    CHANNEL_ID,
    card_submit,
    channel_card_submit,
    installation_update,
    personal_message,
)
from store.managers import ManagerRequest
from store.models import CheckIn, MentoringSession, Pairing, Person, Programme
from store.outbox import OutboxMessage
from store.pairings import create_pairing
from store.people import upsert_person
from store.seed import seed_demo
from tests.applying import ABOUT, GOALS, TRAINEE, Applicant, card_text, set_up_channel
from tests.conftest import COORDINATOR_AAD, START, start_bot
from tests.fake_graph import APP_CATALOG_ID
from tests.test_application_review import _application, _submitted

MANAGER, JO = "aad-manager-jo", "Jo Manager"
OTHER_MANAGER, KIM = "aad-manager-kim", "Kim Other"
MENTOR = "aad-mentor-adele"
THREAD = f"{CHANNEL_ID};messageid=1700000000000"
# What the participant wrote or answered, and the programme's private business: none of it
# may appear on a card to a manager.
PRIVATE = (
    GOALS["goals"],
    GOALS["availability"],
    ABOUT["department"],
    ABOUT["grade"],
    "Leicester",
    "confidence",
    "Ethnic",
    "My manager keeps cancelling",  # release-block details
    "I feel stuck",  # a check-in comment
    "We talked about my promotion board",  # a session log
    "Escalation",
    "not running smoothly",
)


@pytest.fixture
async def bot(graph_settings, clock, connector):
    """The app with Microsoft Graph configured (the fake), the directory knowing Sam's
    manager."""
    running = await start_bot(graph_settings, clock, connector)
    yield running
    await running.client.close()


@pytest.fixture(autouse=True)
def directory(fake_graph):
    fake_graph.directory.add_user(MANAGER, JO, "jo.manager@contoso.example")
    fake_graph.directory.add_user(OTHER_MANAGER, KIM, "kim.other@contoso.example")
    fake_graph.directory.add_user(TRAINEE, "Sam Taylor", manager=MANAGER)
    return fake_graph.directory


def _deliver_installation_events(bot, fake_graph) -> list[asyncio.Future]:
    """Teams tells the bot it was installed a moment after Graph installs it (while the bot
    may still be waiting for Graph's answer)."""
    deliveries: list[asyncio.Future] = []

    def installed(user_id: str, _app: str) -> None:
        name = fake_graph.directory.users[user_id]["displayName"]
        activity = installation_update(bot.connector.url, user_id, user_name=name)
        deliveries.append(asyncio.ensure_future(bot.post(activity)))

    fake_graph.teamwork.on_install = installed
    return deliveries


def _request(bot) -> ManagerRequest:
    with Session(bot.ctx.engine) as session:
        return session.exec(select(ManagerRequest).order_by(ManagerRequest.id)).all()[-1]


async def _review(bot, application_id, op, card_id, **inputs) -> str:
    value = {"review": op, "application_id": application_id, **inputs}
    await bot.post(
        channel_card_submit(bot.connector.url, COORDINATOR_AAD, value, reply_to_id=card_id)
    )
    return bot.connector.texts(THREAD)[-1]


def _channel_card(bot, card_id) -> str:
    """The application card as the coordinators see it now."""
    versions = [r for r in bot.connector.requests if r.activity_id == card_id and r.cards]
    return card_text(versions[-1].cards[0])


def _posted_to(bot, aad):
    return [r for r in bot.connector.sent_to(f"a:personal-{aad}") if r.method == "POST" and r.cards]


def _texts_to(bot, aad) -> list[str]:
    return [text for text in bot.connector.texts(f"a:personal-{aad}") if text]


def _data(card: dict, title: str) -> dict:
    """The data of the button `title` (also inside a ShowCard)."""
    for action in card.get("actions", []):
        if action.get("title") == title and action["type"] == "Action.Submit":
            return action["data"]
        if action["type"] == "Action.ShowCard":
            for inner in action["card"].get("actions", []):
                if inner["type"] == "Action.Submit":
                    found = {**inner["data"]}
                    if action.get("title") == title:
                        return found
    raise AssertionError(f"no {title!r} on the card")


def _activity_id(bot, posted) -> str:
    """The id Teams gave a card the bot sent through the outbox."""
    with Session(bot.ctx.engine) as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.activity_id.isnot(None)))
        return next(
            row.activity_id
            for row in rows
            if row.payload.get("attachments")
            and row.payload["attachments"][0]["content"] == posted.cards[0]
        )


def _updates_of(bot, posted) -> list:
    activity_id = _activity_id(bot, posted)
    return [r for r in bot.connector.requests if r.method == "PUT" and r.activity_id == activity_id]


async def _press(bot, aad, name, posted, title, **inputs) -> str:
    """Someone presses a button of a card the bot posted to a manager; the bot's reply."""
    value = _data(posted.cards[0], title) | inputs
    activity = card_submit(bot.connector.url, aad, value, user_name=name)
    activity["replyToId"] = _activity_id(bot, posted)
    before = len(bot.connector.requests)
    await bot.post(activity)
    replies = [
        r.text
        for r in bot.connector.requests[before:]
        if r.method == "POST" and r.conversation_id == f"a:personal-{aad}" and r.text
    ]
    return replies[0] if replies else ""


def _nothing_private(text: str) -> None:
    for words in PRIVATE:
        assert words not in text, words


async def _sweep(bot, clock, at: datetime) -> None:
    clock.set(at)
    await bot.outbox.sweep(at)


async def _asked(bot, fake_graph) -> tuple[Applicant, int, str]:
    """Sam applied and was shortlisted; Jo was asked (the app installed for them)."""
    deliveries = _deliver_installation_events(bot, fake_graph)
    sam, app_id, card_id = await _submitted(bot)
    assert await _review(bot, app_id, "shortlist", card_id) == "Shortlisted. (Chris Coordinator)"
    await asyncio.gather(*deliveries)
    return sam, app_id, card_id


# --- asking before an offer -------------------------------------------------------------------


async def test_shortlisting_asks_the_manager_in_teams_whose_support_allows_the_offer(
    bot, fake_graph
):
    sam, app_id, card_id = await _asked(bot, fake_graph)
    # Graph: the manager looked up, the app installed for them once.
    assert [c.path for c in fake_graph.calls_to("manager")] == [f"/v1.0/users/{TRAINEE}/manager"]
    assert len(fake_graph.calls_to("install_app")) == 1
    assert fake_graph.teamwork.apps_of(MANAGER) == {APP_CATALOG_ID}

    # The manager gets one card (not the applicants' welcome): who, what, what release, why.
    [ask] = _posted_to(bot, MANAGER)
    text = card_text(ask.cards[0])
    assert "Can you support Sam Taylor's place on" in text
    assert "Sam Taylor has applied to" in text and "as a mentee" in text
    assert "about 2 hours a month for 6 months" in text
    assert "For line managers" in text and "Confidentiality" in text
    assert [a["title"] for a in ask.cards[0]["actions"]] == [
        "I support this",
        "I can't support this",
        "I'd like to talk to a coordinator",
    ]
    _nothing_private(text)

    # The applicant hears that their manager was asked; the coordinators' card says so.
    assert any("I've asked your line manager, Jo Manager" in t for t in sam.texts())
    assert "asked Jo Manager in Teams on 23 November 2026: no answer yet." in _channel_card(
        bot, card_id
    )
    refused = await _review(bot, app_id, "offer", card_id)
    assert refused.startswith("No offer without the line manager's support")

    told_sam = len(sam.texts())
    reply = await _press(bot, MANAGER, JO, ask, "I support this")
    assert reply.startswith("Thank you: recorded that you support Sam Taylor's place")
    application = _application(bot)
    assert (
        application.manager_support,
        application.manager_name,
        application.manager_support_on,
        application.manager_support_source,
    ) == ("yes", JO, "2026-11-23", "manager_in_teams")
    coordinators_see = _channel_card(bot, card_id)
    assert "yes (Jo Manager, 2026-11-23) — answered by the manager in Teams" in coordinators_see
    assert "Last: recorded line-manager support by Jo Manager" in coordinators_see
    # The manager's card now says what they answered, without buttons.
    [answered] = _updates_of(bot, ask)
    assert "You answered on 23 November 2026: you support it." in card_text(answered.cards[0])
    assert answered.cards[0]["actions"] == []
    # The applicant is not told what the manager answered.
    assert len(sam.texts()) == told_sam

    assert (await _review(bot, app_id, "offer", card_id)).startswith("Offer sent.")

    # A second press changes nothing and says what was answered.
    again = await _press(bot, MANAGER, JO, ask, "I can't support this", reason="Changed my mind")
    assert again.startswith("You already answered on 23 November 2026: you support it.")
    assert _application(bot).manager_support == "yes"


async def test_no_answer_brings_one_reminder_then_the_coordinators_are_told_on_the_card(
    bot, fake_graph, clock
):
    sam, app_id, card_id = await _asked(bot, fake_graph)
    asked_cards = len(_posted_to(bot, MANAGER))
    # Mon 23 Nov 10:00 + 5 working days = Mon 30 Nov 10:00 (the manager's zone: London).
    await _sweep(bot, clock, datetime(2026, 11, 30, 9, 59, tzinfo=UTC))
    assert len(_posted_to(bot, MANAGER)) == asked_cards
    await _sweep(bot, clock, datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    reminders = _posted_to(bot, MANAGER)[asked_cards:]
    assert len(reminders) == 1
    reminder = card_text(reminders[0].cards[0])
    assert "A reminder: I asked you this on 23 November 2026." in reminder
    _nothing_private(reminder)
    assert "reminded on 30 November 2026: no answer yet." in _channel_card(bot, card_id)

    await _sweep(bot, clock, datetime(2026, 12, 3, 10, 0, tzinfo=UTC))
    assert len(_posted_to(bot, MANAGER)) == asked_cards + 1  # one reminder only
    notices = [t for t in bot.connector.texts(CHANNEL_ID) if t and "No answer from" in t]
    assert notices == []

    # 5 more working days: the coordinators are told, in the channel and on the card.
    await _sweep(bot, clock, datetime(2026, 12, 7, 10, 0, tzinfo=UTC))
    notices = [t for t in bot.connector.texts(CHANNEL_ID) if t and "No answer from" in t]
    assert notices == [
        "No answer from Jo Manager, Sam Taylor's line manager: I asked them in Teams on 23 "
        "November 2026 whether they support Sam Taylor's application to "
        f"{_programme_name(bot)}, and reminded them on 30 November 2026. Please ask them "
        "yourself and record the answer on Sam Taylor's application card (Line manager)."
    ]
    assert "no answer. Please ask them yourself and record the answer." in _channel_card(
        bot, card_id
    )
    # Nothing more, however often the sweep runs.
    await _sweep(bot, clock, datetime(2026, 12, 21, 10, 0, tzinfo=UTC))
    assert len(_posted_to(bot, MANAGER)) == asked_cards + 1
    assert len([t for t in bot.connector.texts(CHANNEL_ID) if t and "No answer from" in t]) == 1


def _programme_name(bot) -> str:
    with Session(bot.ctx.engine) as session:
        return session.exec(select(Programme)).one().name


async def test_a_manager_who_cannot_support_blocks_the_offer_with_the_reason_on_the_card(
    bot, fake_graph
):
    sam, app_id, card_id = await _asked(bot, fake_graph)
    [ask] = _posted_to(bot, MANAGER)
    reply = await _press(
        bot, MANAGER, JO, ask, "I can't support this", reason="Audit season until March"
    )
    assert reply.startswith("Thank you for answering. I've passed it to the programme")
    application = _application(bot)
    assert (application.manager_support, application.manager_support_source) == (
        "no",
        "manager_in_teams",
    )
    card = _channel_card(bot, card_id)
    assert "no (Jo Manager, 2026-11-23) — answered by the manager in Teams" in card
    assert (
        "Jo Manager can't support it (answered in Teams, 23 November 2026): "
        "“Audit season until March”." in card
    )
    assert any(
        t and t.startswith("Jo Manager, Sam Taylor's line manager, can't support")
        for t in bot.connector.texts(CHANNEL_ID)
    )
    refused = await _review(bot, app_id, "offer", card_id)
    assert refused.startswith("No offer without the line manager's support")
    assert "(now: no)" in refused
    # The reason reaches nobody but the coordinators.
    assert all("Audit season" not in t for t in sam.texts())


async def test_talking_to_a_coordinator_first_tells_the_channel_and_the_manager_can_answer_later(
    bot, fake_graph
):
    _sam, app_id, card_id = await _asked(bot, fake_graph)
    [ask] = _posted_to(bot, MANAGER)
    reply = await _press(bot, MANAGER, JO, ask, "I'd like to talk to a coordinator")
    assert reply.startswith("Thanks: I've asked the programme coordinators to get in touch")
    assert any(
        t and t.startswith("Jo Manager (jo.manager@contoso.example), Sam Taylor's line manager")
        for t in bot.connector.texts(CHANNEL_ID)
    )
    assert _application(bot).manager_support == "pending"
    assert "would like to talk to a coordinator first" in _channel_card(bot, card_id)
    # After the talk, the same card still takes an answer.
    await _press(bot, MANAGER, JO, ask, "I support this")
    assert _application(bot).manager_support == "yes"


async def test_the_coordinators_answer_by_hand_wins_is_marked_and_stops_the_chasing(
    bot, fake_graph, clock
):
    _sam, app_id, card_id = await _asked(bot, fake_graph)
    reply = await _review(
        bot, app_id, "manager_support", card_id, support="yes", manager_name="Jo Manager"
    )
    assert reply.startswith("Line-manager support recorded: yes.")
    assert "yes (Jo Manager) — recorded by a coordinator" in _channel_card(bot, card_id)
    # No reminder: the coordinators have the answer.
    asked_cards = len(_posted_to(bot, MANAGER))
    await _sweep(bot, clock, datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    assert len(_posted_to(bot, MANAGER)) == asked_cards
    # The manager answering later does not replace the coordinators' record; it shows beside.
    [ask] = _posted_to(bot, MANAGER)
    await _press(bot, MANAGER, JO, ask, "I can't support this", reason="Short-staffed")
    application = _application(bot)
    assert (application.manager_support, application.manager_support_source) == (
        "yes",
        "coordinator",
    )
    card = _channel_card(bot, card_id)
    assert "yes (Jo Manager) — recorded by a coordinator" in card
    assert "Jo Manager can't support it" in card


# --- when the manager cannot be asked --------------------------------------------------------


@pytest.mark.parametrize(
    ("arrange", "why"),
    [
        (
            lambda fake: fake.fail("install_app", 403),
            "Teams refused to add me for their line manager (a missing permission or an app "
            "policy)",
        ),
        (
            lambda fake: fake.teamwork.catalog.clear(),
            "Teams could not add me for their line manager (the app is not in the "
            "organisation's catalog, or the user was not found)",
        ),
        (
            lambda fake: fake.directory.managers.clear(),
            "the directory shows no line manager for them",
        ),
        (
            lambda fake: fake.fail("manager", 403),
            "Microsoft Graph refused to look up their line manager (a missing permission)",
        ),
    ],
    ids=["install-403", "install-404", "no-manager", "lookup-403"],
)
async def test_when_the_manager_cannot_be_reached_the_card_says_why_and_all_works_by_hand(
    bot, fake_graph, arrange, why
):
    arrange(fake_graph)
    sam, app_id, card_id = await _asked(bot, fake_graph)
    assert _posted_to(bot, MANAGER) == []
    assert f"not asked in Teams: {why}. Please ask them yourself." in _channel_card(bot, card_id)
    assert not any("line manager" in t for t in sam.texts() if "asked your" in t)
    # As today: the coordinators record it by hand, then the offer goes.
    await _review(bot, app_id, "manager_support", card_id, support="yes", manager_name="Jo M")
    assert (await _review(bot, app_id, "offer", card_id)).startswith("Offer sent.")


async def test_a_manager_who_has_the_app_already_is_asked_at_once_without_installing(
    bot, fake_graph
):
    fake_graph.teamwork.install(MANAGER)
    await bot.post(personal_message(bot.connector.url, MANAGER, "hi", user_name=JO))
    _sam, _app_id, _card_id = await _asked(bot, fake_graph)
    assert fake_graph.calls_to("install_app") == []
    assert (
        len([r for r in _posted_to(bot, MANAGER) if "Can you support" in card_text(r.cards[0])])
        == 1
    )


async def test_installed_already_but_no_chat_waits_a_working_day_then_says_so(
    bot, fake_graph, clock
):
    fake_graph.teamwork.install(MANAGER)  # installed before the bot kept its chat
    _sam, _app_id, card_id = await _asked(bot, fake_graph)
    assert len(fake_graph.calls_to("install_app")) == 1  # answered 409: installed already
    assert "waiting for the chat to open" in _channel_card(bot, card_id)
    await _sweep(bot, clock, datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
    assert "not asked in Teams: Teams did not open a chat with their line manager" in (
        _channel_card(bot, card_id)
    )


async def test_the_installation_event_delivered_twice_sends_one_card(bot, fake_graph):
    await _asked(bot, fake_graph)
    await bot.post(installation_update(bot.connector.url, MANAGER, user_name=JO))
    assert len(_posted_to(bot, MANAGER)) == 1


# --- who may press ------------------------------------------------------------------------------


async def test_a_manager_pressing_a_button_about_someone_not_their_report_is_refused(
    bot, fake_graph, clock
):
    _sam, app_id, card_id = await _asked(bot, fake_graph)
    [ask] = _posted_to(bot, MANAGER)
    await bot.post(personal_message(bot.connector.url, OTHER_MANAGER, "hi", user_name=KIM))
    for aad, name in ((OTHER_MANAGER, KIM), (COORDINATOR_AAD, "Chris Coordinator")):
        reply = await _press(bot, aad, name, ask, "I can't support this", reason="No")
        assert reply == (
            "Sorry, this card is for the line manager it was sent to, so I can't take an "
            "answer from you. Nothing was recorded."
        )
    assert _application(bot).manager_support is None
    assert _request(bot).answer is None


# --- release blocks ---------------------------------------------------------------------------


async def _reported(bot, fake_graph, **form) -> Applicant:
    deliveries = _deliver_installation_events(bot, fake_graph)
    with bot.ctx.session() as session:
        seed_demo(session, START)
    await set_up_channel(bot)
    sam = Applicant(bot)
    await sam.say("I can't get released")
    await sam.submit(
        {
            "release_block": "report",
            "what": "training",
            "by": "line_manager",
            "details": "My manager keeps cancelling at short notice",
            "on": "2026-12-03",
            **form,
        }
    )
    await asyncio.gather(*deliveries)
    return sam


def _escalation_card(bot) -> str:
    cards = [
        r.cards[0]
        for r in bot.connector.requests
        if r.conversation_id.startswith(CHANNEL_ID)
        and r.cards
        and "Escalation #" in card_text(r.cards[0])
    ]
    return card_text(cards[-1])


async def test_a_release_block_we_may_raise_reaches_the_manager_and_their_answer_the_escalation(
    bot, fake_graph
):
    sam = await _reported(bot, fake_graph, contact_manager="yes")
    # The coordinators have the escalation at once, as ever, with the day.
    assert "Sam Taylor is not released for training by their line manager on 3 December 2026" in (
        _escalation_card(bot)
    )
    [ask] = _posted_to(bot, MANAGER)
    text = card_text(ask.cards[0])
    assert (
        "Sam Taylor could not be released for training on 3 December 2026. The programme asks "
        "line managers to release participants for it. Can you make time in the next 2 weeks?"
    ) in text
    _nothing_private(text)
    assert any(
        "your line manager, Jo Manager, whether they can make time" in t for t in sam.texts()
    )
    assert "asked Jo Manager in Teams on 23 November 2026: no answer yet." in _escalation_card(bot)

    reply = await _press(bot, MANAGER, JO, ask, "Yes, I'll make time")
    assert reply == (
        "Thank you: I've told the programme coordinators you'll make time for Sam Taylor in the "
        "next 2 weeks."
    )
    card = _escalation_card(bot)
    assert (
        "Jo Manager will make time in the next 2 weeks (answered in Teams, 23 November 2026)."
        in card
    )
    assert "line manager answered: will make time in the next 2 weeks" in card


async def test_a_release_block_without_consent_leaves_the_manager_out(bot, fake_graph):
    sam = await _reported(bot, fake_graph, contact_manager="no")
    assert _posted_to(bot, MANAGER) == []
    assert fake_graph.calls_to("install_app") == []
    assert "they asked us not to contact their line manager" in _escalation_card(bot)
    assert sam.texts()[-1].startswith("Thanks — that has reached the programme coordinators.")


async def test_a_release_block_reported_elsewhere_asks_the_participant_first(bot, fake_graph):
    # (The session card's "we can't this month" and a refused placement ask afterwards.)
    sam = await _reported(bot, fake_graph)  # the form did not ask
    question = sam.last_card()
    assert "May I ask your line manager, Jo Manager, to make time for it" in card_text(question)
    assert _posted_to(bot, MANAGER) == []
    assert "waiting for them to say whether I may ask Jo Manager." in _escalation_card(bot)
    # Someone else cannot answer for them.
    other = Applicant(bot, "aad-someone-else", "Alex Other")
    await other.submit(_data(question, "Yes, ask them"))
    assert other.texts()[-1] == "Sorry, that card isn't for you."
    await sam.submit(_data(question, "Yes, ask them"))
    [ask] = _posted_to(bot, MANAGER)
    assert "could not be released for training on 3 December 2026" in card_text(ask.cards[0])
    await _press(bot, MANAGER, JO, ask, "I can't", reason="Nobody to cover")
    card = _escalation_card(bot)
    assert (
        "Jo Manager can't make time (answered in Teams, 23 November 2026): “Nobody to cover”."
        in card
    )


# --- holding to what was agreed: the monthly digest ---------------------------------------------


async def _paired_with_supporting_manager(bot, fake_graph, clock) -> tuple[int, object]:
    sam, app_id, card_id = await _asked(bot, fake_graph)
    [ask] = _posted_to(bot, MANAGER)
    await _press(bot, MANAGER, JO, ask, "I support this")
    await _review(bot, app_id, "offer", card_id)
    await sam.submit({"offer": "accept", "application_id": app_id})
    paired_at = START + timedelta(days=2)
    clock.set(paired_at)
    with bot.ctx.session() as session:
        mentor = upsert_person(session, MENTOR, paired_at, display_name="Adele Vance")
        trainee = session.exec(select(Person).where(Person.aad_object_id == TRAINEE)).one()
        pairing = create_pairing(
            session,
            programme_id=_application(bot).programme_id,
            trainee_person_id=trainee.id,
            mentor_person_id=mentor.id,
            length_months=6,
            now=paired_at,
            confirmed_by=COORDINATOR_AAD,
        )
        # Private business of the pair, which no digest may carry.
        session.add(
            CheckIn(
                pairing_id=pairing.id,
                person_id=trainee.id,
                week=2,
                answer="not_really",
                comment="I feel stuck",
                answered_at=paired_at,
            )
        )
        session.add(
            MentoringSession(
                pairing_id=pairing.id,
                month=1,
                booking="booked",
                booked_for=paired_at + timedelta(days=3),
                steps_moved="We talked about my promotion board",
            )
        )
        pairing_id = pairing.id
    return pairing_id, paired_at


def _digests(bot) -> list:
    return [
        r
        for r in _posted_to(bot, MANAGER)
        if r.cards[0]["body"][0]["text"].endswith(": this month")
    ]


async def test_a_supporting_manager_gets_one_digest_a_month_of_facts_only_and_can_stop_it(
    bot, fake_graph, clock
):
    pairing_id, paired_at = await _paired_with_supporting_manager(bot, fake_graph, clock)
    with bot.ctx.session() as session:
        programme = session.exec(select(Programme)).one()
        programme.training_ends_at = datetime(2027, 1, 16, 0, 0, tzinfo=UTC)
        session.add(programme)

    await _sweep(bot, clock, paired_at + timedelta(days=6))
    assert _digests(bot) == []
    week_in = paired_at + timedelta(days=7)  # Wed 2 December, 10:00
    await _sweep(bot, clock, week_in)
    await _sweep(bot, clock, week_in + timedelta(hours=2))
    [first] = _digests(bot)
    text = card_text(first.cards[0])
    assert "Sam Taylor on" in text and "this month" in text
    assert "1 of 6" in text
    assert "This month's mentoring session" in text and "booked" in text
    assert "Training (last day)" in text and "15 January 2027" in text
    _nothing_private(text)
    assert [a["title"] for a in first.cards[0]["actions"]] == ["Stop these notes"]

    # Nothing more this month, one next month.
    await _sweep(bot, clock, paired_at + timedelta(days=20))
    assert len(_digests(bot)) == 1
    # Month 2 starts on 25 December: its digest is due a week in, on Friday 1 January.
    await _sweep(bot, clock, datetime(2027, 1, 1, 9, 59, tzinfo=UTC))
    assert len(_digests(bot)) == 1
    await _sweep(bot, clock, datetime(2027, 1, 1, 10, tzinfo=UTC))
    digests = _digests(bot)
    assert len(digests) == 2
    assert "2 of 6" in card_text(digests[1].cards[0])
    assert "not booked yet" in card_text(digests[1].cards[0])

    # Nobody else may stop it; the manager can, in one tap.
    refused = await _press(bot, OTHER_MANAGER, KIM, digests[1], "Stop these notes")
    assert refused.startswith("Sorry, these notes go to the line manager they were sent to")
    reply = await _press(bot, MANAGER, JO, digests[1], "Stop these notes")
    assert reply.startswith("Done: no more monthly notes about Sam Taylor.")
    await _sweep(bot, clock, datetime(2027, 2, 3, 10, tzinfo=UTC))
    assert len(_digests(bot)) == 2


async def test_no_digest_once_the_pairing_has_ended(bot, fake_graph, clock):
    pairing_id, paired_at = await _paired_with_supporting_manager(bot, fake_graph, clock)
    with bot.ctx.session() as session:
        pairing = session.get(Pairing, pairing_id)
        pairing.status = "completed"
        session.add(pairing)
    await _sweep(bot, clock, paired_at + timedelta(days=7))
    assert _digests(bot) == []


# --- the participant's own data ------------------------------------------------------------------


async def test_my_data_shows_only_that_the_manager_was_asked(bot, fake_graph):
    sam, _app_id, _card_id = await _asked(bot, fake_graph)
    [ask] = _posted_to(bot, MANAGER)
    await _press(bot, MANAGER, JO, ask, "I can't support this", reason="Audit season")
    await sam.say("my data")
    shown = "\n".join(sam.texts()[-3:])
    assert "Your line manager was asked on 23 November 2026" in shown
    assert "Audit season" not in shown and "can't support" not in shown
    assert "Line manager support:" not in shown
    # The manager's own data shows their answer, in their words.
    manager = Applicant(bot, MANAGER, JO)
    await manager.say("my data")
    assert (
        "As a line manager: asked about Sam Taylor on 23 November 2026; your answer: you "
        "can't support it — “Audit season”" in "\n".join(manager.texts())
    )


async def test_deleting_the_participants_data_takes_the_requests_and_messages_about_them(
    bot, fake_graph
):
    sam, _app_id, _card_id = await _asked(bot, fake_graph)
    await sam.say("delete my data")
    await sam.submit({"my_data": "delete_confirmed"})
    with Session(bot.ctx.engine) as session:
        assert session.exec(select(ManagerRequest)).all() == []
        keys = [row.idempotency_key for row in session.exec(select(OutboxMessage))]
    assert not any(key.startswith("manager-request:") for key in keys)


async def test_an_over_long_reason_is_refused_and_given_back(bot, fake_graph):
    _sam, _app_id, _card_id = await _asked(bot, fake_graph)
    [ask] = _posted_to(bot, MANAGER)
    words = "We are short-staffed. " * 60
    await _press(bot, MANAGER, JO, ask, "I can't support this", reason=words)
    manager = Applicant(bot, MANAGER, JO)
    assert "can be at most 1,000 characters" in manager.texts()[-1]
    assert words.strip() in manager.texts()[-1]
    with Session(bot.ctx.engine) as session:
        assert session.exec(select(ManagerRequest)).one().answer is None
