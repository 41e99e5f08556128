"""Announcing the application window, through the real app: the coordinators' form, preview and
approval in the channel; delivery to a channel and two staff groups (members paged from the
fake Graph, the app installed for each member, the installation event Teams sends); the fake
Bot Connector answering 403 blocked and 503; a restart mid-send; Apply, Tell me more and Not for
me on the card; the reminder before the close; the reach report by organisation; sending again.
Time moves by the injected clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from bench.teams_activities import (
    CHANNEL_ID,
    card_submit,
    channel_card_submit,
    channel_message,
    installation_update,
    personal_message,
)
from store.announcements import Announcement, AnnouncementRecipient
from store.models import Application, Programme
from store.outbox import OutboxMessage
from store.people import upsert_person
from store.seed import DEMO_COORDINATOR_ID, seed_demo
from tests.applying import ABOUT, GOALS, action_data, card_inputs, card_text, set_up_channel
from tests.conftest import COORDINATOR_AAD, START, start_bot

GENERAL = "19:general@thread.tacv2"
COUNCIL = ["aad-ana", "aad-ben", "aad-cara", "aad-dev", "aad-eli", "aad-fay"]
POLICE = ["aad-ben", "aad-hal", "aad-ivy", "aad-kim", "aad-lee", "aad-max"]
APP_BLOCKED = {"aad-hal", "aad-kim", "aad-max"}
DEPARTED = {"aad-ivy", "aad-lee"}
TALKED_BEFORE = ["aad-ana", "aad-ben", "aad-cara"]
MONDAY_EVENING = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
TUESDAY_MORNING = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _name(aad: str) -> str:
    return aad.removeprefix("aad-").title() + " Person"


def _chat(aad: str) -> str:
    return f"a:personal-{aad}"


@pytest.fixture
async def bot(graph_settings, clock, connector):
    running = await start_bot(graph_settings, clock, connector)
    yield running
    await running.client.close()


@pytest.fixture(autouse=True)
def groups(fake_graph):
    fake_graph.page_size = 2  # every group comes in several pages
    fake_graph.directory.groups["g-council"] = list(COUNCIL)
    fake_graph.directory.groups["g-police"] = list(POLICE)
    fake_graph.teamwork.app_blocked |= APP_BLOCKED
    fake_graph.teamwork.departed |= DEPARTED
    for aad in {*COUNCIL, *POLICE} - DEPARTED:
        fake_graph.directory.add_user(aad, _name(aad))


def _teams_opens_chats(bot, fake_graph) -> list[asyncio.Future]:
    """Teams tells the bot it was installed a moment after Graph installs it."""
    deliveries: list[asyncio.Future] = []

    def installed(user_id: str, _app: str) -> None:
        activity = installation_update(bot.connector.url, user_id, user_name=_name(user_id))
        deliveries.append(asyncio.ensure_future(bot.post(activity)))

    fake_graph.teamwork.on_install = installed
    return deliveries


async def _set_up(bot) -> None:
    with bot.ctx.session() as session:
        seed_demo(session, START)  # two coordinators: the configured one and the demo's
    await set_up_channel(bot)
    await bot.post(channel_message(bot.connector.url, "aad-ana", "hello", channel_id=GENERAL))
    for aad in TALKED_BEFORE:
        await bot.post(personal_message(bot.connector.url, aad, "hi", user_name=_name(aad)))
    bot.connector.clear()


async def _in_channel(bot, activity) -> list:
    before = len(bot.connector.requests)
    await bot.post(activity)
    return bot.connector.requests[before:]


def _card_of(requests) -> dict:
    return next(card for request in requests for card in request.cards)


def _texts(requests) -> list[str]:
    return [request.text for request in requests if request.text]


async def _compose(bot, **overrides) -> dict:
    """`announce`, then Preview with the drafted text, the General channel and both groups;
    the preview card."""
    form = _card_of(
        await _in_channel(bot, channel_message(bot.connector.url, COORDINATOR_AAD, "announce"))
    )
    [preview] = action_data(form)
    inputs = card_inputs(form)
    value = {
        **preview,
        "text": inputs["text"]["value"],
        "image_url": "",
        "channels": GENERAL,
        "groups": "g-council, City Council\ng-police, Police Service",
        **overrides,
    }
    return _card_of(
        await _in_channel(bot, channel_card_submit(bot.connector.url, COORDINATOR_AAD, value))
    )


async def _approve(bot, preview: dict, who: str = DEMO_COORDINATOR_ID) -> list[str]:
    [approve, _cancel] = action_data(preview)
    return _texts(
        await _in_channel(bot, channel_card_submit(bot.connector.url, who, approve, user_name="Al"))
    )


async def _sweep(bot, clock, at: datetime, deliveries=()) -> None:
    clock.set(at)
    await bot.outbox.sweep(at)
    if deliveries:
        await asyncio.gather(*deliveries)


def _announcement_cards(bot, aad: str) -> list[dict]:
    return [
        card
        for card in bot.connector.cards(_chat(aad))
        if any(d.get("announced") == "apply" for d in action_data(card))
    ]


def _recipients(bot) -> dict[str, tuple[str, str | None]]:
    with Session(bot.ctx.engine) as session:
        rows = session.exec(select(AnnouncementRecipient)).all()
    return {row.aad_object_id: (row.delivery, row.unreached) for row in rows}


async def test_the_form_drafts_the_text_from_the_programme(bot):
    await _set_up(bot)
    form = _card_of(
        await _in_channel(bot, channel_message(bot.connector.url, COORDINATOR_AAD, "announce"))
    )
    inputs = card_inputs(form)
    text = inputs["text"]["value"]
    assert "Step Forward" in text and "until 21 December 2026" in text
    assert "don't need your line manager's permission" in text
    assert inputs["text"]["maxLength"] == 1000
    assert [c["value"] for c in inputs["channels"]["choices"]] == [GENERAL]  # not their own
    assert "groups" in inputs  # Graph is configured


async def test_a_non_coordinator_can_neither_compose_nor_approve(bot):
    await _set_up(bot)
    replies = _texts(
        await _in_channel(bot, channel_message(bot.connector.url, "aad-ana", "announce"))
    )
    assert replies == [
        "Sorry, only programme coordinators can do that. If you think you should be one, "
        "please ask your programme coordinator."
    ]
    preview = await _compose(bot)
    [refused] = await _approve(bot, preview, who="aad-ana")
    assert refused.startswith("Sorry, only programme coordinators can do that.")
    with Session(bot.ctx.engine) as session:
        assert session.exec(select(Announcement)).one().status == "awaiting_approval"


async def test_the_composer_cannot_approve_their_own_when_another_coordinator_exists(bot):
    await _set_up(bot)
    preview = await _compose(bot)
    assert "Another coordinator approves it" in card_text(preview)
    [refused] = await _approve(bot, preview, who=COORDINATOR_AAD)
    assert refused.startswith("Another coordinator needs to approve this")
    [approved] = await _approve(bot, preview)
    assert approved.startswith("Approved. It goes out with my next round")
    with Session(bot.ctx.engine) as session:
        announcement = session.exec(select(Announcement)).one()
    assert (announcement.status, announcement.approved_by) == ("sending", DEMO_COORDINATOR_ID)


async def test_the_only_coordinator_confirms_their_own(settings, clock, connector):
    running = await start_bot(settings, clock, connector)
    try:
        with running.ctx.session() as session:
            session.add(
                Programme(
                    name="Solo programme",
                    window_opens_at=START,
                    window_closes_at=datetime(2026, 12, 18, tzinfo=UTC),
                    created_at=START,
                )
            )
        await set_up_channel(running)
        await running.post(channel_message(connector.url, "aad-ana", "hi", channel_id=GENERAL))
        preview = await _compose(running, groups="")
        assert "the programme's only coordinator" in card_text(preview)
        [confirmed] = await _approve(running, preview, who=COORDINATOR_AAD)
        assert confirmed.startswith("Approved.")
    finally:
        await running.client.close()


async def test_an_over_long_text_is_refused_and_given_back(bot):
    await _set_up(bot)
    long = "Apply now. " * 100
    before = len(bot.connector.requests)
    form = _card_of(
        await _in_channel(bot, channel_message(bot.connector.url, COORDINATOR_AAD, "announce"))
    )
    [preview] = action_data(form)
    replies = _texts(
        await _in_channel(
            bot,
            channel_card_submit(
                bot.connector.url, COORDINATOR_AAD, {**preview, "text": long, "channels": GENERAL}
            ),
        )
    )
    assert replies[-1].startswith("“What it says” can be at most 1,000 characters")
    assert replies[-1].endswith(long.strip())
    assert len(bot.connector.requests) > before
    with Session(bot.ctx.engine) as session:
        assert session.exec(select(Announcement)).all() == []


async def test_two_groups_and_a_channel_each_person_once_in_working_hours_across_a_restart(
    bot, clock, fake_graph, graph_settings, connector
):
    await _set_up(bot)
    deliveries = _teams_opens_chats(bot, fake_graph)
    clock.set(MONDAY_EVENING)
    await _approve(bot, await _compose(bot))

    # Monday 18:00: the channel post goes at once; people wait for their working hours.
    await _sweep(bot, clock, MONDAY_EVENING, deliveries)
    [post] = bot.connector.cards(GENERAL)
    assert {d["announced"] for d in action_data(post)} == {"apply", "more", "not_for_me"}
    for aad in {*COUNCIL, *POLICE}:
        assert _announcement_cards(bot, aad) == []
    # Both groups were read page by page, and the app installed for those without it.
    member_reads = fake_graph.calls_to("group_members")
    assert len(member_reads) == 3 + 3  # six members each, two to a page
    installed_for = {call.path.split("/")[3] for call in fake_graph.calls_to("install_app")}
    assert installed_for == {"aad-dev", "aad-eli", "aad-fay"} | APP_BLOCKED | DEPARTED
    assert _recipients(bot)["aad-hal"] == ("not_reached", "app_not_allowed")
    assert _recipients(bot)["aad-ivy"] == ("not_reached", "left")

    # Tuesday 09:00: Cara blocked the bot (403); Teams throttles one send (429) and fails two
    # (503): they wait to be tried again.
    bot.connector.fail_next(403, code="BotDisabledByAdmin", conversation_id=_chat("aad-cara"))
    bot.connector.fail_next(429, retry_after="60", conversation_id=_chat("aad-dev"))
    bot.connector.fail_next(503, times=2)
    await _sweep(bot, clock, TUESDAY_MORNING)
    sent_first = {aad for aad in COUNCIL if _announcement_cards(bot, aad)}
    assert 1 <= len(sent_first) < 5 and "aad-dev" not in sent_first

    # The bot restarts mid-send: the new process carries on, and nobody gets it twice.
    await bot.client.close()
    restarted = await start_bot(graph_settings, clock, connector)
    try:
        for minute in (10, 30):
            await _sweep(restarted, clock, TUESDAY_MORNING.replace(minute=minute))
        for aad in ("aad-ana", "aad-ben", "aad-dev", "aad-eli", "aad-fay"):
            assert len(_announcement_cards(restarted, aad)) == 1, aad
        assert _announcement_cards(restarted, "aad-cara") == []
        assert len(restarted.connector.cards(GENERAL)) == 1
        recipients = _recipients(restarted)
        assert recipients["aad-cara"] == ("not_reached", "blocked")
        assert recipients["aad-ana"] == ("delivered", None)
        with Session(restarted.ctx.engine) as session:
            assert session.exec(select(Announcement)).one().status == "sent"
            keys = [row.idempotency_key for row in session.exec(select(OutboxMessage))]
        assert len(keys) == len(set(keys))
    finally:
        await restarted.client.close()


async def _delivered(bot, clock, fake_graph, *, blocked: tuple[str, ...] = ()) -> int:
    """An announcement composed, approved and delivered on Tuesday morning (to people who
    have not blocked the bot); its id."""
    await _set_up(bot)
    for aad in blocked:
        bot.connector.fail_next(403, code="BotDisabledByAdmin", conversation_id=_chat(aad))
    deliveries = _teams_opens_chats(bot, fake_graph)
    clock.set(TUESDAY_MORNING)
    await _approve(bot, await _compose(bot))
    await _sweep(bot, clock, TUESDAY_MORNING, deliveries)
    await _sweep(bot, clock, TUESDAY_MORNING.replace(minute=5))
    with Session(bot.ctx.engine) as session:
        return session.exec(select(Announcement)).one().id


async def _press(bot, aad: str, announcement_id: int, choice: str) -> list[str]:
    before = len(bot.connector.requests)
    await bot.post(
        card_submit(
            bot.connector.url,
            aad,
            {"announced": choice, "announcement_id": announcement_id},
            user_name=_name(aad),
        )
    )
    return bot.connector.requests[before:]


async def test_apply_on_the_card_starts_the_form_for_the_announced_programme(
    bot, clock, fake_graph
):
    announcement_id = await _delivered(bot, clock, fake_graph)
    replies = await _press(bot, "aad-ana", announcement_id, "apply")
    form = _card_of(replies)
    assert {"role", "consent"} <= set(card_inputs(form))
    await bot.post(
        card_submit(
            bot.connector.url,
            "aad-ana",
            {"form": "start", "role": "trainee", "consent": "true"},
            user_name=_name("aad-ana"),
        )
    )
    with Session(bot.ctx.engine) as session:
        programme = session.exec(select(Programme)).one()
        [application] = session.exec(select(Application).where(Application.role == "trainee"))
        row = session.exec(
            select(AnnouncementRecipient).where(AnnouncementRecipient.aad_object_id == "aad-ana")
        ).one()
    assert application.programme_id == programme.id and application.status == "started"
    assert row.pressed_apply_at == TUESDAY_MORNING.replace(minute=5)


async def test_tell_me_more_gives_eligibility_commitment_dates_and_privacy(bot, clock, fake_graph):
    announcement_id = await _delivered(bot, clock, fake_graph)
    [more] = _texts(await _press(bot, "aad-dev", announcement_id, "more"))
    for words in ("Who can apply", "What it asks of you", "21 December 2026", "Privacy"):
        assert words in more


async def _start_application(bot, aad: str, submit: bool = False) -> None:
    async def say(value):
        await bot.post(card_submit(bot.connector.url, aad, value, user_name=_name(aad)))

    await bot.post(personal_message(bot.connector.url, aad, "apply", user_name=_name(aad)))
    await say({"form": "start", "role": "trainee", "consent": "true"})
    if submit:
        await say(ABOUT)
        await say(GOALS)
        await say({"form": "equality", "skip": True})
        await say({"form": "review", "choice": "submit"})


def _reminded(bot, aad: str) -> bool:
    return any("saved but not sent yet" in text for text in bot.connector.texts(_chat(aad)))


async def test_the_reminder_goes_to_who_started_never_not_for_me_never_submitters(
    bot, clock, fake_graph
):
    announcement_id = await _delivered(bot, clock, fake_graph)
    await _start_application(bot, "aad-ana")
    await _start_application(bot, "aad-ben")
    await _start_application(bot, "aad-fay", submit=True)
    [understood] = _texts(await _press(bot, "aad-ben", announcement_id, "not_for_me"))
    assert understood.startswith("Understood: I won't send you more about")
    with Session(bot.ctx.engine) as session:
        assert session.exec(select(Application)).all()  # fay's was submitted
        fay = session.exec(select(Application).where(Application.submitted_at.is_not(None))).all()
    assert len(fay) >= 1

    # The window closes on Monday 21 December: three working days before is
    # Wednesday 16 December; on the 15th nobody is reminded.
    await _sweep(bot, clock, datetime(2026, 12, 15, 10, tzinfo=UTC))
    assert not _reminded(bot, "aad-ana")
    await _sweep(bot, clock, datetime(2026, 12, 16, 9, 30, tzinfo=UTC))
    await _sweep(bot, clock, datetime(2026, 12, 17, 9, 30, tzinfo=UTC))
    assert [_reminded(bot, aad) for aad in ("aad-ana", "aad-ben", "aad-fay")] == [
        True,
        False,
        False,
    ]
    reminders = [t for t in bot.connector.texts(_chat("aad-ana")) if "saved but not" in t]
    assert len(reminders) == 1


async def test_the_reach_report_counts_what_happened_by_organisation(bot, clock, fake_graph):
    announcement_id = await _delivered(bot, clock, fake_graph, blocked=("aad-cara",))
    await _press(bot, "aad-ana", announcement_id, "apply")
    await _start_application(bot, "aad-ana")
    await _start_application(bot, "aad-fay", submit=True)
    await _press(bot, "aad-fay", announcement_id, "apply")

    [report] = _texts(
        await _in_channel(bot, channel_message(bot.connector.url, COORDINATOR_AAD, "announcements"))
    )
    assert f"**Announcement {announcement_id}**" in report and "sent)" in report
    assert "- Channel" in report and ": posted" in report
    assert (
        "- **City Council** (6 people): 6 sent, 5 delivered, 1 could not be reached "
        "(1 blocked or removed the app); 2 pressed Apply, 2 started, 1 submitted"
    ) in report
    assert (
        "- **Police Service** (5 people): 0 sent, 0 delivered, 5 could not be reached "
        "(3 the app is not allowed for them, 2 left the organisation); 0 pressed Apply, "
        "0 started, 0 submitted"
    ) in report
    assert "Not reached at all: Police Service" in report

    # Sending again: the form comes back with the Police group alone, for approval again.
    again = f"announce again {announcement_id}"
    replies = await _in_channel(bot, channel_message(bot.connector.url, COORDINATOR_AAD, again))
    form = _card_of(replies)
    assert card_inputs(form)["groups"]["value"] == "g-police, Police Service"
    assert [d.get("again_of") for d in action_data(form)] == [announcement_id]


async def test_a_small_organisation_is_not_shown_on_its_own(bot, clock, fake_graph):
    fake_graph.directory.groups["g-fire"] = ["aad-zed", "aad-yan"]
    for aad in ("aad-zed", "aad-yan"):
        fake_graph.directory.add_user(aad, _name(aad))
    await _set_up(bot)
    deliveries = _teams_opens_chats(bot, fake_graph)
    clock.set(TUESDAY_MORNING)
    await _approve(bot, await _compose(bot, groups="g-fire, Fire Service"))
    await _sweep(bot, clock, TUESDAY_MORNING, deliveries)
    [report] = _texts(
        await _in_channel(bot, channel_message(bot.connector.url, COORDINATOR_AAD, "announcements"))
    )
    assert "Fire Service" not in report
    assert "**Smaller organisations together**: fewer than 5 people, so not shown" in report


async def test_someone_who_said_not_for_me_gets_no_later_announcement(bot, clock, fake_graph):
    announcement_id = await _delivered(bot, clock, fake_graph)
    await _press(bot, "aad-ana", announcement_id, "not_for_me")
    with bot.ctx.session() as session:
        upsert_person(session, "aad-ana", TUESDAY_MORNING)
    await _approve(bot, await _compose(bot, groups="g-council, City Council", channels=""))
    await _sweep(bot, clock, TUESDAY_MORNING.replace(hour=10))
    assert len(_announcement_cards(bot, "aad-ana")) == 1  # the first one only
    assert len(_announcement_cards(bot, "aad-dev")) == 2
    with Session(bot.ctx.engine) as session:
        second = session.exec(select(Announcement).order_by(Announcement.id.desc())).first()
        row = session.exec(
            select(AnnouncementRecipient).where(
                AnnouncementRecipient.announcement_id == second.id,
                AnnouncementRecipient.aad_object_id == "aad-ana",
            )
        ).one()
    assert (row.delivery, row.unreached) == ("not_reached", "not_for_me")


async def test_apply_pressed_on_the_channel_post_answers_in_the_personal_chat(
    bot, clock, fake_graph
):
    announcement_id = await _delivered(bot, clock, fake_graph)
    before = len(bot.connector.cards(_chat("aad-ana")))
    replies = await _in_channel(
        bot,
        channel_card_submit(
            bot.connector.url,
            "aad-ana",
            {"announced": "apply", "announcement_id": announcement_id},
            user_name="Ana Person",
        ),
    )
    assert not any(r.conversation_id.startswith(CHANNEL_ID) for r in replies)
    assert len(bot.connector.cards(_chat("aad-ana"))) == before + 1
    assert "press **Apply** here" in bot.connector.texts(_chat("aad-ana"))[-1]


async def test_the_report_says_who_waits_for_working_hours_and_claims_nothing_sent(
    bot, clock, fake_graph
):
    await _set_up(bot)
    deliveries = _teams_opens_chats(bot, fake_graph)
    clock.set(MONDAY_EVENING)
    await _approve(bot, await _compose(bot, groups="g-council, City Council"))
    await _sweep(bot, clock, MONDAY_EVENING, deliveries)
    [report] = _texts(
        await _in_channel(bot, channel_message(bot.connector.url, COORDINATOR_AAD, "announcements"))
    )
    assert "18:00, sending)" in report
    assert (
        "- **City Council** (6 people): 0 sent, 0 delivered, 6 waiting for their working hours, "
        "0 could not be reached"
    ) in report
    assert "Not reached at all" not in report


async def test_a_closed_window_is_not_announced(bot, clock):
    await _set_up(bot)
    await bot.post(channel_message(bot.connector.url, COORDINATOR_AAD, "window close"))
    [reply] = _texts(
        await _in_channel(bot, channel_message(bot.connector.url, COORDINATOR_AAD, "announce"))
    )
    assert reply.startswith("Applications for Step Forward demo programme are not open now")


async def test_someone_who_has_the_app_but_no_chat_is_waited_for_then_counted_once(
    bot, clock, fake_graph
):
    """Graph answers 409 (installed already); Teams never opens the chat: after 2 working days
    the person counts as not reached, and the app is not installed for them again."""
    fake_graph.teamwork.install("aad-dev")
    await _set_up(bot)
    clock.set(TUESDAY_MORNING)
    await _approve(bot, await _compose(bot, groups="g-council, City Council"))
    await _sweep(bot, clock, TUESDAY_MORNING)
    assert _recipients(bot)["aad-dev"] == ("installing", None)
    for day in (25, 26, 27, 30):
        await _sweep(bot, clock, datetime(2026, 11, day, 10, tzinfo=UTC))
    assert _recipients(bot)["aad-dev"] == ("not_reached", "no_chat")
    dev_installs = [c for c in fake_graph.calls_to("install_app") if "aad-dev" in c.path]
    assert len(dev_installs) == 1
    with Session(bot.ctx.engine) as session:
        assert session.exec(select(Announcement)).one().status == "sent"


async def test_someone_the_bot_already_knows_it_cannot_reach_is_not_tried_and_is_counted(
    bot, clock, fake_graph
):
    """Eli removed or blocked the bot earlier (Teams answered 403 to an earlier message): no
    send is attempted, the app is not pushed on them again, and the report counts them."""
    from store.people import mark_unreachable

    await _set_up(bot)
    await bot.post(personal_message(bot.connector.url, "aad-eli", "hi", user_name="Eli"))
    with bot.ctx.session() as session:
        mark_unreachable(session, "aad-eli", START)
    bot.connector.clear()
    clock.set(TUESDAY_MORNING)
    await _approve(bot, await _compose(bot, groups="g-council, City Council", channels=""))
    await _sweep(bot, clock, TUESDAY_MORNING)
    await _sweep(bot, clock, TUESDAY_MORNING.replace(minute=5))
    assert bot.connector.sent_to(_chat("aad-eli")) == []
    assert not [c for c in fake_graph.calls_to("install_app") if "aad-eli" in c.path]
    assert _recipients(bot)["aad-eli"] == ("not_reached", "blocked")


async def test_an_announcement_still_being_sent_is_not_sent_again(bot, clock, fake_graph):
    await _set_up(bot)
    clock.set(MONDAY_EVENING)
    await _approve(bot, await _compose(bot))
    await _sweep(bot, clock, MONDAY_EVENING)
    again = channel_message(bot.connector.url, COORDINATOR_AAD, "announce again 1")
    [reply] = _texts(await _in_channel(bot, again))
    assert reply.startswith("Announcement 1 is sending: once it has been sent")


async def test_someone_who_already_applied_is_not_asked_to_apply_and_is_counted(
    bot, clock, fake_graph
):
    await _set_up(bot)
    with bot.ctx.session() as session:
        programme = session.exec(select(Programme)).first()
        ben = upsert_person(session, "aad-ben", START)
        session.add(
            Application(
                programme_id=programme.id,
                person_id=ben.id,
                role="mentor",
                status="accepted",
                created_at=START,
                updated_at=START,
            )
        )
    deliveries = _teams_opens_chats(bot, fake_graph)
    clock.set(TUESDAY_MORNING)
    await _approve(bot, await _compose(bot, groups="g-council, City Council", channels=""))
    await _sweep(bot, clock, TUESDAY_MORNING, deliveries)
    await _sweep(bot, clock, TUESDAY_MORNING.replace(minute=30))
    assert _announcement_cards(bot, "aad-ben") == []
    assert len(_announcement_cards(bot, "aad-ana")) == 1
    assert _recipients(bot)["aad-ben"] == ("not_reached", "applied")
    report = "\n".join(
        _texts(
            await _in_channel(
                bot, channel_message(bot.connector.url, COORDINATOR_AAD, "announcements")
            )
        )
        + [card_text(c) for r in bot.connector.requests[-3:] for c in r.cards]
    )
    assert "had already applied, so it was not sent" in report
