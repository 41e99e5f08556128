"""Escalations to the coordinator channel: stalled pairings found by the sweep, release blocks
and requests raised at once, the card's actions, reminders to the champion, the audit trail."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import Session, select

from bench.teams_activities import (
    CHANNEL_ID,
    card_submit,
    channel_card_submit,
    channel_message,
)
from store.escalations import Escalation, EscalationEvent, Placement, ReleaseBlock
from store.models import Pairing, Person
from store.outbox import by_key
from store.pauses import PausePeriod
from tests.applying import Applicant, card_text
from tests.conftest import COORDINATOR_AAD, START
from tests.test_pairing import ADELE, MEGAN, SAM, _programme_with_accepted_trainee

CHAMPION = "aad-champion-1"


# --- helpers ----------------------------------------------------------------------------------


async def _paired(bot):
    """Sam paired with Adele at START; the champion has talked to the bot once."""
    await _programme_with_accepted_trainee(bot)
    await bot.post(channel_message(bot.connector.url, COORDINATOR_AAD, "pair sam with adele"))
    champion = Applicant(bot, CHAMPION, "Pat Champion")
    await champion.say("hi")
    bot.connector.clear()
    return (
        Applicant(bot, SAM, "Sam Taylor"),
        Applicant(bot, ADELE.aad_object_id, ADELE.name),
        champion,
    )


async def _sweep(bot, clock, **kwargs):
    return await bot.outbox.sweep(clock.now(), **kwargs)


def _is_escalation(request) -> bool:
    return bool(request.cards) and "Escalation #" in card_text(request.cards[0])


def _posts(bot, conversation=CHANNEL_ID):
    """Escalation cards posted (not updated) to a conversation."""
    return [
        r
        for r in bot.connector.requests
        if r.method == "POST" and r.conversation_id == conversation and _is_escalation(r)
    ]


def _updates(bot, activity_id):
    return [r for r in bot.connector.requests if r.method == "PUT" and r.activity_id == activity_id]


def _escalations(bot) -> list[Escalation]:
    with Session(bot.ctx.engine) as session:
        return list(session.exec(select(Escalation).order_by(Escalation.id)))


def _events(bot, escalation_id) -> list[str]:
    with Session(bot.ctx.engine) as session:
        rows = session.exec(
            select(EscalationEvent)
            .where(EscalationEvent.escalation_id == escalation_id)
            .order_by(EscalationEvent.id)
        )
        return [row.event for row in rows]


def _activity_id(bot, escalation_id, variant="card") -> str:
    with Session(bot.ctx.engine) as session:
        return by_key(session, f"escalation:{escalation_id}:{variant}").activity_id


def _latest_card(bot, escalation_id) -> dict:
    """The card as the coordinators see it now (its latest post or in-place update)."""
    activity_id = _activity_id(bot, escalation_id)
    updates = _updates(bot, activity_id)
    if updates:
        return updates[-1].cards[0]
    [post] = [r for r in _posts(bot) if f"Escalation #{escalation_id}" in card_text(r.cards[0])]
    return post.cards[0]


def _submit_data(card: dict, title: str) -> dict:
    """The data of the Action.Submit called `title`, also inside Action.ShowCard cards."""

    def walk(actions):
        for action in actions:
            if action.get("type") == "Action.Submit" and action.get("title") == title:
                return action["data"]
            if action.get("type") == "Action.ShowCard":
                found = walk(action["card"].get("actions", []))
                if found:
                    return found
        return None

    data = walk(card.get("actions", []))
    assert data is not None, f"no {title!r} button on the card"
    return data


def _titles(card: dict) -> list[str]:
    return [a["title"] for a in card.get("actions", [])]


async def _press(bot, escalation_id, title, who=COORDINATOR_AAD, name="Chris Coordinator", **kw):
    """A coordinator presses a button on the channel card; the bot's reply text."""
    data = _submit_data(_latest_card(bot, escalation_id), title) | kw
    before = len(bot.connector.requests)
    await bot.post(
        channel_card_submit(
            bot.connector.url,
            who,
            data,
            reply_to_id=_activity_id(bot, escalation_id),
            user_name=name,
        )
    )
    replies = [
        r.text
        for r in bot.connector.requests[before:]
        if r.method == "POST" and r.conversation_id.startswith(CHANNEL_ID + ";") and r.text
    ]
    return replies[0] if replies else ""


def _pairing_id(bot) -> int:
    with Session(bot.ctx.engine) as session:
        return session.exec(select(Pairing)).one().id


# --- a pairing that stops meeting ---------------------------------------------------------


async def test_a_stalled_pairing_escalates_once_then_the_champion_hears_after_2_working_days(
    bot, clock
):
    sam, adele, champion = await _paired(bot)
    # Nothing is logged, though both keep talking to the bot (someone silent would count as
    # not responding). Day by day, nothing is escalated before 45 days...
    while clock.now() < START + timedelta(days=45):
        clock.advance(
            timedelta(days=1) if clock.now() < START + timedelta(days=44) else timedelta(hours=1)
        )
        await sam.say("my programme")
        await adele.say("my programme")
        await _sweep(bot, clock)
        assert _posts(bot) == [], clock.now()
    assert clock.now() == START + timedelta(days=45)  # Thursday 7 January 2027, 10:00

    # ... a dry run at the first moment past 45 days says what would be posted, and keeps nothing.
    clock.advance(timedelta(hours=1))
    dry = await _sweep(bot, clock, dry_run=True)
    assert [m.kind for m in dry.would_send if m.kind.startswith("escalation")] == ["escalation"]
    assert _escalations(bot) == [] and _posts(bot) == []

    # The real sweep posts exactly one stalled-pairing card, with its evidence.
    opened_at = clock.now()
    await _sweep(bot, clock)
    [post] = _posts(bot)
    text = card_text(post.cards[0])
    assert "Stalled pairing: no session for too long" in text
    assert "no session logged in the 45 days since pairing; 0 of 2 planned so far" in text
    assert "Sam Taylor (trainee) ↔ Adele Vance (mentor)" in text
    assert "Open: not acknowledged yet" in text
    assert {"Acknowledge", "Assign to me", "Add note", "Resolve", "Message", "Pairing"} == set(
        _titles(post.cards[0])
    )
    [escalation] = _escalations(bot)
    assert escalation.opened_at == opened_at and escalation.cause == "no_recent_session"

    # Unacknowledged: nothing more until 2 working days later (Monday 11 January, 11:00).
    deadline = START + timedelta(days=49, hours=1)
    while clock.now() < deadline - timedelta(hours=1):
        clock.advance(timedelta(hours=1))
        await _sweep(bot, clock)
    assert len(_posts(bot)) == 1
    assert _posts(bot, champion.conversation) == []

    clock.set(deadline)
    await _sweep(bot, clock)
    channel_posts = _posts(bot)
    assert len(channel_posts) == 2
    assert "a copy is on its way to the programme champion" in card_text(channel_posts[1].cards[0])
    [to_champion] = _posts(bot, champion.conversation)
    assert "Sent to you as the programme champion" in card_text(to_champion.cards[0])
    assert "without a coordinator acknowledging it" in to_champion.text

    # Once: two more days of sweeps post nothing else.
    for _ in range(48):
        clock.advance(timedelta(hours=1))
        await _sweep(bot, clock)
    assert len(_posts(bot)) == 2 and len(_posts(bot, champion.conversation)) == 1
    assert _events(bot, escalation.id) == ["opened", "reminded"]
    assert len(_escalations(bot)) == 1


async def test_time_a_participant_was_paused_does_not_count_towards_a_stall(bot, clock):
    sam, adele, _champion = await _paired(bot)
    await sam.say("pause until 3 December 2026")
    with Session(bot.ctx.engine) as session:
        [pause] = session.exec(select(PausePeriod)).all()
        paused = pause.ends_at - pause.starts_at
    assert timedelta(days=9) < paused < timedelta(days=11)
    stalls_at = START + timedelta(days=45) + paused
    # Both keep talking to the bot; 45 days after pairing nothing is escalated, nor just
    # before 45 days of time not paused have gone by.
    for moment in (
        *(START + timedelta(days=day) for day in range(7, 46, 7)),
        START + timedelta(days=45, hours=1),
        stalls_at - timedelta(hours=1),
    ):
        clock.set(moment)
        await sam.say("my programme")
        await adele.say("my programme")
        await _sweep(bot, clock)
        assert _posts(bot) == [], moment

    clock.set(stalls_at + timedelta(hours=1))
    await _sweep(bot, clock)
    [post] = _posts(bot)
    text = card_text(post.cards[0])
    assert "Stalled pairing: no session for too long" in text
    days = (stalls_at + timedelta(hours=1) - START).days
    assert f"no session logged in the {days} days since pairing ({paused.days} of them paused)" in (
        text
    )


async def test_acknowledging_stops_the_reminder_and_a_second_click_changes_nothing(bot, clock):
    _sam, _adele, champion = await _paired(bot)
    clock.set(START + timedelta(days=45, hours=1))
    await _sweep(bot, clock)
    [escalation] = _escalations(bot)

    clock.advance(timedelta(hours=3))
    reply = await _press(bot, escalation.id, "Acknowledge")
    assert reply == "Acknowledged by Chris Coordinator."
    card = _latest_card(bot, escalation.id)
    assert "Acknowledged by Chris Coordinator, 7 January 2027, 14:00" in card_text(card)
    assert "Acknowledge" not in _titles(card)  # updated in place: the same activity replaced
    assert _updates(bot, _activity_id(bot, escalation.id))

    # A double click on the old card says what already happened.
    data = {"escalation": "acknowledge", "escalation_id": escalation.id}
    await bot.post(channel_card_submit(bot.connector.url, COORDINATOR_AAD, data))
    assert bot.connector.texts()[-1] == (
        "Nothing changed: it was already acknowledged by Chris Coordinator on "
        "7 January 2027, 14:00."
    )

    clock.set(START + timedelta(days=52))
    await _sweep(bot, clock)
    assert len(_posts(bot)) == 1
    assert _posts(bot, champion.conversation) == []
    assert _events(bot, escalation.id) == ["opened", "acknowledged"]


async def test_the_champion_copy_keeps_private_words_out_and_the_champion_may_act(bot, clock):
    sam, _adele, champion = await _paired(bot)
    pairing = _pairing_id(bot)
    await sam.submit(
        {"check_in": "need_help", "pairing_id": pairing, "week": 2, "comment": "Bullying at work"}
    )
    [escalation] = _escalations(bot)
    assert "Bullying at work" in card_text(_latest_card(bot, escalation.id))

    clock.set(START + timedelta(days=2))  # Wednesday 10:00: two working days after Monday 10:00
    await _sweep(bot, clock)
    [to_champion] = _posts(bot, champion.conversation)
    champion_text = card_text(to_champion.cards[0])
    assert "Sam Taylor answered “need help” at the week-2 check-in" in champion_text
    assert "Bullying at work" not in str(to_champion.body)
    assert "shown to the coordinators only" in champion_text

    # The champion acknowledges from their own chat: allowed, and the channel card shows it.
    data = _submit_data(to_champion.cards[0], "Acknowledge")
    await bot.post(card_submit(bot.connector.url, CHAMPION, data, user_name="Pat Champion"))
    assert champion.texts()[-1] == "Acknowledged by Pat Champion."
    assert "Acknowledged by Pat Champion" in card_text(_latest_card(bot, escalation.id))
    champion_updates = _updates(bot, _activity_id(bot, escalation.id, "champion"))
    assert champion_updates and "Bullying at work" not in str(champion_updates[-1].body)


# --- who may act, and acting once ------------------------------------------------------------


async def test_a_participant_pressing_an_escalation_button_is_refused(bot, clock):
    sam, _adele, _champion = await _paired(bot)
    await sam.say("I need help")
    [escalation] = _escalations(bot)
    reply = await _press(bot, escalation.id, "Resolve", who=SAM, name="Sam Taylor", outcome="x")
    assert reply.startswith("Sorry, only programme coordinators can do that.")
    reply = await _press(bot, escalation.id, "Acknowledge", who=SAM, name="Sam Taylor")
    assert reply.startswith("Sorry, only programme coordinators can do that.")
    [escalation] = _escalations(bot)
    assert escalation.status == "open" and escalation.acknowledged_at is None
    assert _events(bot, escalation.id) == ["opened"]
    # And in the channel, `escalations` is for coordinators too.
    await bot.post(channel_message(bot.connector.url, SAM, "escalations"))
    assert bot.connector.texts()[-1].startswith("Sorry, only programme coordinators")


async def test_double_click_on_resolve_applies_once(bot, clock):
    sam, _adele, _champion = await _paired(bot)
    await sam.say("I can't get released")
    form = sam.last_card()
    await sam.submit(
        _submit_data(form, "Tell the coordinators")
        | {"what": "training", "by": "line_manager", "details": "Too busy, says my manager"}
    )
    [escalation] = _escalations(bot)
    data = _submit_data(_latest_card(bot, escalation.id), "Resolve") | {
        "outcome": "Spoke to the manager; released for 12 March"
    }
    activity = _activity_id(bot, escalation.id)
    clicks = [
        channel_card_submit(bot.connector.url, COORDINATOR_AAD, data, reply_to_id=activity),
        channel_card_submit(bot.connector.url, COORDINATOR_AAD, data, reply_to_id=activity),
    ]
    await asyncio.gather(*(bot.post(click) for click in clicks))
    replies = [t for t in bot.connector.texts() if t.startswith(("Resolved by", "Nothing changed"))]
    assert sorted(r.split(":")[0] for r in replies) == [
        "Nothing changed",
        "Resolved by Chris Coordinator",
    ]
    assert any("already resolved by Chris Coordinator" in r for r in replies)
    [escalation] = _escalations(bot)
    assert escalation.status == "resolved" and escalation.open_key is None
    assert _events(bot, escalation.id).count("resolved") == 1
    # The reporter hears the outcome once.
    outcomes = [t for t in sam.texts() if t.startswith("An update on what you reported")]
    assert len(outcomes) == 1
    assert "not released for training" in outcomes[0]
    assert "Outcome: Spoke to the manager; released for 12 March" in outcomes[0]
    card = _latest_card(bot, escalation.id)
    assert "Resolved by Chris Coordinator" in card_text(card) and _titles(card) == []
    # Any button of an old copy of the card now says it is resolved.
    data = {"escalation": "assign", "escalation_id": escalation.id}
    await bot.post(channel_card_submit(bot.connector.url, COORDINATOR_AAD, data))
    assert bot.connector.texts()[-1].startswith(
        "Nothing changed: this escalation was already resolved by Chris Coordinator"
    )


# --- duplicates ------------------------------------------------------------------------------


async def test_the_same_cause_adds_evidence_to_the_open_escalation_instead_of_a_new_card(
    bot, clock
):
    sam, adele, _champion = await _paired(bot)
    pairing = _pairing_id(bot)
    await sam.submit({"check_in": "need_help", "pairing_id": pairing, "week": 2})
    assert len(_posts(bot)) == 1
    [escalation] = _escalations(bot)

    clock.advance(timedelta(hours=1))
    await adele.say("I need help with my mentee's goals")
    await _sweep(bot, clock)  # the stall rule sees Sam's answer again: nothing new
    await _sweep(bot, clock)
    assert len(_posts(bot)) == 1
    [escalation] = _escalations(bot)
    assert [e["text"] for e in escalation.evidence] == [
        "Sam Taylor answered “need help” at the week-2 check-in",
        "Adele Vance asked for help (“I need help”)",
    ]
    card = card_text(_latest_card(bot, escalation.id))  # updated in place with both
    assert "Adele Vance asked for help" in card and "I need help with my mentee's goals" not in card
    assert "with my mentee's goals" in card  # her own words, for coordinators only
    assert _events(bot, escalation.id) == ["opened", "evidence"]
    assert all("mentee's goals" not in str(r.body) for r in bot.connector.sent_to(sam.conversation))

    # Resolved: the same occurrence is not raised again by the sweep; a new one opens anew.
    await _press(bot, escalation.id, "Resolve", outcome="Called them both")
    clock.advance(timedelta(hours=1))
    await _sweep(bot, clock)
    assert len(_escalations(bot)) == 1 and len(_posts(bot)) == 1
    await sam.say("I need help")
    assert len(_escalations(bot)) == 2 and len(_posts(bot)) == 2


async def test_a_nudge_that_cannot_be_delivered_escalates_the_pairing(bot, clock):
    _sam, adele, _champion = await _paired(bot)
    bot.connector.fail_next(
        403, code="ConversationBlockedByUser", conversation_id=adele.conversation
    )
    await _sweep(bot, clock)  # the month-1 booking cards: Adele's is refused
    with Session(bot.ctx.engine) as session:
        person = session.exec(select(Person).where(Person.aad_object_id == adele.aad)).one()
        assert person.unreachable_since is not None
    clock.advance(timedelta(minutes=5))
    await _sweep(bot, clock)
    [post] = _posts(bot)
    assert "Stalled pairing: can't be reached in Teams" in card_text(post.cards[0])
    assert "Adele Vance can't be reached in Teams" in card_text(post.cards[0])
    await _sweep(bot, clock)
    assert len(_posts(bot)) == 1


# --- release blocks, from each entry point ------------------------------------------------------


async def test_release_block_by_command_reaches_the_coordinators_and_the_reporter_hears(bot):
    sam, adele, _champion = await _paired(bot)
    await sam.say("I can’t get released")  # a phone's apostrophe
    form = sam.last_card()
    assert "Not released? Tell the coordinators" in card_text(form)
    await sam.submit({"release_block": "report", "what": "", "by": "hr"})
    assert sam.texts()[-1] == "Please choose what you are not released for."
    await sam.submit(
        {
            "release_block": "report",
            "what": "training",
            "by": "line_manager",
            "details": "My manager says the unit is too busy",
        }
    )
    assert sam.texts()[-1].startswith("Thanks — that has reached the programme coordinators.")
    [post] = _posts(bot)
    text = card_text(post.cards[0])
    assert "Release block: not released" in text
    assert "Sam Taylor is not released for training by their line manager" in text
    assert "My manager says the unit is too busy" in text
    assert "Line manager of Sam Taylor" in text and "unknown" in text  # Graph not configured
    assert all("too busy" not in str(r.body) for r in bot.connector.sent_to(adele.conversation))
    [escalation] = _escalations(bot)
    with Session(bot.ctx.engine) as session:
        [block] = session.exec(select(ReleaseBlock)).all()
    assert (block.released_for, block.blocked_by, block.source) == (
        "training",
        "line_manager",
        "command",
    )
    assert block.escalation_id == escalation.id and block.told_reached_at is not None

    reply = await _press(bot, escalation.id, "Resolve", outcome="HR agreed the release")
    assert reply == "Resolved by Chris Coordinator: HR agreed the release"
    assert "Outcome: HR agreed the release" in sam.texts()[-1]
    assert _events(bot, escalation.id) == ["opened", "told_reached", "resolved", "told_outcome"]


async def test_we_cant_this_month_because_not_released_is_a_release_block(bot):
    sam, adele, _champion = await _paired(bot)
    pairing = _pairing_id(bot)
    await sam.submit(
        {
            "session": "cant",
            "pairing_id": pairing,
            "month": 1,
            "why": "host_organisation",
            "reason": "The station won't cover my shift",
        }
    )
    assert sam.texts()[-1].startswith("Thanks — that has reached the programme coordinators.")
    [post] = _posts(bot)
    text = card_text(post.cards[0])
    assert "Release block: not released" in text
    assert "Sam Taylor is not released for a mentoring session by the host organisation" in text
    assert "The station won't cover my shift" in text
    assert all(
        "cover my shift" not in str(r.body) for r in bot.connector.sent_to(adele.conversation)
    )
    with Session(bot.ctx.engine) as session:
        [block] = session.exec(select(ReleaseBlock)).all()
    assert (block.released_for, block.source) == ("session", "cant_meet")


async def test_a_refused_placement_is_escalated_as_a_release_block(bot):
    sam, _adele, _champion = await _paired(bot)
    await sam.say("placements")
    assert "No requests yet" in card_text(sam.last_card())
    await sam.submit(
        {"placement": "add", "kind": "shadowing", "host": "Fire Control Room", "details": ""}
    )
    assert sam.texts()[-1].startswith("Recorded: shadowing with Fire Control Room, requested.")
    with Session(bot.ctx.engine) as session:
        [placement] = session.exec(select(Placement)).all()
    pid = placement.id
    await sam.submit({"placement": "update", "placement_id": pid, f"status_{pid}": "host_agreed"})
    assert sam.texts()[-1] == "Updated: shadowing with Fire Control Room — host agreed."
    assert _posts(bot) == []
    await sam.submit({"placement": "update", "placement_id": pid, f"status_{pid}": "refused"})
    assert sam.texts()[-1] == "Please say who refused it, then Save."
    await sam.submit(
        {
            "placement": "update",
            "placement_id": pid,
            f"status_{pid}": "refused",
            f"refused_by_{pid}": "line_manager",
            f"note_{pid}": "No cover for a week",
        }
    )
    assert sam.texts()[-1].startswith("Thanks — that has reached the programme coordinators.")
    [post] = _posts(bot)
    text = card_text(post.cards[0])
    assert "Sam Taylor is not released for shadowing by their line manager" in text
    assert "Shadowing with Fire Control Room refused: No cover for a week" in text
    with Session(bot.ctx.engine) as session:
        placement = session.get(Placement, pid)
        [block] = session.exec(select(ReleaseBlock)).all()
    assert placement.status == "refused" and placement.refused_by == "line_manager"
    assert [h["status"] for h in placement.history] == ["requested", "host_agreed", "refused"]
    assert (block.released_for, block.source, block.placement_id) == ("shadowing", "placement", pid)
    # A refused request is final.
    await sam.submit({"placement": "update", "placement_id": pid, f"status_{pid}": "taken_up"})
    assert sam.texts()[-1] == "Nothing changed: that request is already refused."


async def test_a_mentor_without_a_pairing_can_report_a_release_block(bot):
    await _paired(bot)
    megan = Applicant(bot, MEGAN.aad_object_id, MEGAN.name)
    await megan.say("I can't get released")
    await megan.submit({"release_block": "report", "what": "call_back", "by": "hr"})
    [post] = _posts(bot)
    text = card_text(post.cards[0])
    assert "Megan Bowen is not released for a call-back event by HR" in text
    assert "not paired" in text and "Pairing" not in _titles(post.cards[0])


# --- re-pair requests and the other card actions -----------------------------------------------


async def test_a_private_re_pair_request_and_re_pairing_from_the_card(bot, clock):
    sam, adele, _champion = await _paired(bot)
    await sam.say("I want a different mentor")
    card = sam.last_card()
    assert "Ask for a different mentor?" in card_text(card)
    confirm = _submit_data(card, "Ask the coordinators") | {"reason": "We never click"}
    await sam.submit(confirm)
    assert sam.texts()[-1].startswith("Thanks — I've asked the programme coordinators privately.")
    await sam.submit(confirm)
    assert sam.texts()[-1].startswith("You already asked on 23 November 2026")
    await _sweep(bot, clock)
    [post] = _posts(bot)
    text = card_text(post.cards[0])
    assert "Stalled pairing: asked to be re-paired" in text and "We never click" in text
    assert all("never click" not in str(r.body) for r in bot.connector.sent_to(adele.conversation))
    [escalation] = _escalations(bot)

    assert await _press(bot, escalation.id, "Assign to me") == "Assigned to Chris Coordinator."
    assert await _press(bot, escalation.id, "Assign to me") == (
        "Nothing changed: it is already assigned to you."
    )
    assert await _press(bot, escalation.id, "Add note", note="") == (
        "Please write the note, then Add note."
    )
    assert await _press(bot, escalation.id, "Add note", note="Calling Sam on Friday") == (
        "Note added by Chris Coordinator."
    )
    recipient = str(_escalations(bot)[0].person_id)
    reply = await _press(
        bot, escalation.id, "Send", recipient=recipient, message="Can we talk on Friday?"
    )
    assert reply == "Sent to Sam Taylor privately (Chris Coordinator)."
    assert any(
        t.startswith("A message from Chris Coordinator") and "talk on Friday" in t
        for t in sam.texts()
    )
    assert all("talk on Friday" not in t for t in adele.texts())
    card = card_text(_latest_card(bot, escalation.id))
    assert "Assigned to" in card and "Chris Coordinator" in card
    assert "note: Calling Sam on Friday" in card

    before = len(bot.connector.requests)
    await _press(bot, escalation.id, "Re-pair")
    new = bot.connector.requests[before:]
    assert any(r.text == "Ended the pairing of Sam Taylor and Adele Vance." for r in new)
    assert any(r.cards and "Mentors for Sam Taylor" in card_text(r.cards[0]) for r in new)
    ended = [
        card_text(c)
        for c in bot.connector.cards(adele.conversation)
        if "has been ended" in card_text(c)
    ]
    assert ended and "never click" not in ended[0]
    [escalation] = _escalations(bot)
    assert escalation.status == "resolved" and escalation.outcome == "Re-paired"
    with Session(bot.ctx.engine) as session:
        assert session.exec(select(Pairing)).one().status == "dissolved"
    assert _events(bot, escalation.id) == [
        "opened",
        "acknowledged",
        "assigned",
        "note",
        "messaged",
        "resolved",
        "re_paired",
    ]
    assert "Resolved by Chris Coordinator" in card_text(_latest_card(bot, escalation.id))


async def test_escalations_lists_the_open_ones_oldest_first(bot, clock):
    sam, _adele, _champion = await _paired(bot)
    await bot.post(channel_message(bot.connector.url, COORDINATOR_AAD, "escalations"))
    assert bot.connector.texts()[-1] == "No open escalations."
    await sam.say("I want a different mentor")
    await sam.submit(_submit_data(sam.last_card(), "Ask the coordinators"))
    clock.advance(timedelta(hours=2))
    megan = Applicant(bot, MEGAN.aad_object_id, MEGAN.name)
    await megan.say("I can't get released")
    await megan.submit({"release_block": "report", "what": "training", "by": "hr"})
    clock.advance(timedelta(hours=1))
    first, second = _escalations(bot)
    await _press(bot, second.id, "Acknowledge")
    await bot.post(channel_message(bot.connector.url, COORDINATOR_AAD, "escalations"))
    listing = bot.connector.texts()[-1]
    assert listing.startswith("**Open escalations** (2, oldest first)")
    lines = [line for line in listing.splitlines() if line[:2] in ("1.", "2.")]
    assert lines[0].startswith(f"1. #{first.id} Stalled pairing: asked to be re-paired")
    assert "Sam Taylor ↔ Adele Vance · open 3 hours · **not acknowledged**" in lines[0]
    assert lines[1].startswith(f"2. #{second.id} Release block: not released — Megan Bowen")
    assert "acknowledged by Chris Coordinator" in lines[1]
