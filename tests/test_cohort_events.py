"""The cohort's shared events through the real app, by moving the clock: a programme with a
3-day training course, two call-back workshops and a group meeting; invitations, answers,
reminders, a change and a cancellation, attendance, flags, the post-training survey, the
call-back pulse, and the report and export."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import datetime, timedelta

from sqlmodel import Session, select

from store.cohort_events import CohortEventInvitation
from store.escalations import Escalation, ReleaseBlock
from store.outbox import enqueue, mark_sent
from store.seed import DEMO_MENTORS
from tests.applying import action_data, card_inputs, card_text
from tests.cohort_events_steps import (
    ADELE,
    AVA,
    BEN,
    CALL_BACK_1,
    CALL_BACK_2,
    CHANNEL,
    CHLOE,
    DAN,
    EVERYONE,
    GROUP_MEETING,
    LONDON,
    NEW_YORK,
    PRIYA,
    SAM,
    TRAINING,
    answer_value,
    cards_to,
    channel_says,
    create_event,
    heading,
    mark_input,
    person_presses,
    personal,
    press,
    set_up_programme,
    title_of,
    utc,
    working_hours,
)
from tests.conftest import START, start_bot


async def test_a_programme_of_events_from_invitation_to_attendance(settings, clock, connector):
    connector.clock = clock
    bot = await start_bot(settings, clock, connector)
    await set_up_programme(bot)

    # --- the coordinator creates the four events ---------------------------------------------
    created = await create_event(bot, TRAINING)
    assert created.startswith(
        "Created #1: Training “Step Forward training course” — 8, 9 and 10 December 2026, "
        "09:30–16:30 (Europe/London); Room 1, County Hall. Invitations are going to 10 people "
        "(6 trainees and 4 mentors): now, or for anyone outside their working hours, when "
        "their day starts."
    )
    assert "online (no joining link yet)" in (await create_event(bot, CALL_BACK_1)).lower()
    await create_event(bot, GROUP_MEETING)
    await create_event(bot, CALL_BACK_2)

    # It is 10:00 in London: Londoners have their invitations; Priya's (05:00 in New York)
    # waits for her working day.
    assert len(cards_to(connector, SAM, "You're invited")) == 4
    assert cards_to(connector, PRIYA, "You're invited") == []
    [(_, sams)] = [
        (r, c) for r, c in cards_to(connector, SAM, "You're invited") if "training" in heading(c)
    ]
    text = card_text(sams)
    assert "Tuesday 8 December 2026, 09:30–16:30" in text and "Day 3" in text
    assert "Times are in your time zone (Europe/London)" in text
    assert "the foundation of the programme" in text

    # --- answers ------------------------------------------------------------------------------
    plan = {  # (person, event title) -> answer
        (SAM, "Step Forward training course"): ("yes", None),
        (AVA, "Step Forward training course"): ("yes", None),
        (BEN, "Step Forward training course"): ("yes", None),
        (CHLOE, "Step Forward training course"): ("no", "clash"),
        (PRIYA, "Step Forward training course"): ("no", "not_released"),
        (DEMO_MENTORS[0].aad_object_id, "Step Forward training course"): ("yes", None),
        (ADELE, "Step Forward training course"): ("yes", None),
    }
    for aad in EVERYONE:  # everyone comes to the call-backs but Priya
        plan[(aad, "First call-back")] = ("yes", None) if aad != PRIYA else ("no", "not_released")
        plan[(aad, "Second call-back")] = ("yes", None) if aad != PRIYA else ("no", "leave")
    answered: set = set()
    replies: dict = {}

    async def answer_new(requests) -> None:
        for request in requests:
            who = request.conversation_id.removeprefix("a:personal-")
            for card in request.cards:
                if not heading(card).startswith(("You're invited", "Changed")):
                    continue
                title = title_of(card)
                if (who, title) in plan and (who, title) not in answered:
                    answer, reason = plan[(who, title)]
                    answered.add((who, title))
                    replies[(who, title)] = await person_presses(
                        bot, who, answer_value(card, answer, reason)
                    )

    await answer_new(list(connector.requests))
    assert replies[(SAM, "Step Forward training course")] == [
        "Thanks — you're down as coming to the training “Step Forward training course” on "
        "8, 9 and 10 December 2026. I'll remind you the working day before."
    ]
    # The card Sam answered now shows his answer (replaced in place).
    updates = [r.cards[0] for r in personal(connector, SAM) if r.method == "PUT"]
    [training_now] = [c for c in updates if "training" in heading(c)]
    assert heading(training_now) == "Training “Step Forward training course”: I'll be there"
    assert "Your answer: I'll be there." in card_text(training_now)

    # A routine nudge to Sam on the day the reminder is due (from another rule): the reminder
    # the day before is not routine, so it goes that day all the same.
    with bot.ctx.session() as session:
        row, _ = enqueue(
            session,
            key="test:routine:sam:2026-12-07",
            kind="book_session",
            payload={"type": "message", "text": "A routine nudge"},
            not_before=utc(2026, 12, 7, 9),
            now=START,
            recipient_aad_object_id=SAM,
            routine=True,
        )
        mark_sent(session, row.id, utc(2026, 12, 7, 9), activity_id="activity-x")

    # --- the clock moves: hourly sweeps to mid-February, on weekdays from 07:00 to 20:00 UTC
    # (nothing is due at night or at weekends in London or New York) -------------------------
    seen = len(connector.requests)
    changed, cancelled, recorded_training = False, False, False
    end = utc(2027, 2, 12, 12)
    while clock.now() < end:
        clock.advance(timedelta(hours=1))
        now = clock.now()
        if now.weekday() >= 5 or not 7 <= now.hour <= 20:
            continue
        if not changed and now >= utc(2026, 12, 14, 10):
            # A new room for the first call-back: everyone told hears once; answers stand.
            [form] = [
                c
                for r in await press(bot, {"cohort_event": "edit", "event_id": 2})
                for c in r.cards
            ]
            inputs = {i: v.get("value", "") for i, v in card_inputs(form).items()}
            [reply] = await press(bot, action_data(form)[0] | inputs | {"place": "Room 4"})
            assert "their answers stand" in reply.text
            changed = True
        if not cancelled and now >= utc(2027, 1, 5, 10):
            [reply] = await press(
                bot, {"cohort_event": "cancel", "event_id": 3, "note_3": "Moved to the spring."}
            )
            assert reply.text == (
                "Cancelled #3: Group meeting “Winter group meeting”. The 10 people who had "
                "heard of it are being told, once."
            )
            [again] = await press(bot, {"cohort_event": "cancel", "event_id": 3})
            assert "was cancelled" in again.text
            cancelled = True
        await bot.outbox.sweep(now)
        new = connector.requests[seen:]
        seen = len(connector.requests)
        await answer_new(new)
        for request in new:
            who = request.conversation_id.removeprefix("a:personal-")
            for card in request.cards:
                if heading(card).startswith("Quick check-in") and who == SAM:
                    # Sam answers the programme's questions: someone who answered none would
                    # count as not responding, and their routine reminders would wait.
                    [fine] = [a["data"] for a in card["actions"] if a["title"] == "Yes"]
                    await person_presses(bot, SAM, fine)
                if heading(card).startswith("Were you at") and who == AVA:
                    [attended] = [a["data"] for a in card["actions"] if a["title"] == "I attended"]
                    await person_presses(bot, AVA, attended)
                if heading(card).startswith("Attendance:"):
                    marks = {i: v["value"] for i, v in card_inputs(card).items()}
                    [record] = action_data(card)
                    if "training" in heading(card):
                        # Ben left early; Dan came without answering.
                        marks |= {
                            mark_input(bot, 1, BEN): "part",
                            mark_input(bot, 1, DAN): "attended",
                        }
                        recorded_training = True
                    await press(bot, record | marks)
        seen = len(connector.requests)

    # --- invitations once each; Priya's in her working hours -----------------------------------
    for aad in EVERYONE:
        invitations = cards_to(connector, aad, "You're invited")
        assert len(invitations) == 4, aad
        zone = NEW_YORK if aad == PRIYA else LONDON
        assert all(working_hours(r.at, zone) for r, _ in invitations if r.at is not None)
    [(priya_invite, _), *_] = cards_to(connector, PRIYA, "You're invited")
    assert priya_invite.at == utc(2026, 11, 23, 14)  # 09:00 in New York

    # --- "not released": one release block, escalated before the day ---------------------------
    with Session(bot.ctx.engine) as session:
        blocks = session.exec(select(ReleaseBlock)).all()
        escalations = session.exec(
            select(Escalation).where(Escalation.cause == "release_block")
        ).all()
    assert [(b.released_for, b.blocked_by, b.source) for b in blocks] == [
        ("training", "line_manager", "event"),
        ("call_back", "line_manager", "event"),
    ]
    assert len(escalations) == 1  # one open escalation for Priya; the second is its evidence
    cards = [card_text(c) for c in connector.cards(CHANNEL) if "Release block" in card_text(c)]
    assert "Priya Shah is not released for training by their line manager (Training " in cards[0]

    # --- the day-before reminders: once, the working day before, in working hours -------------
    reminders = Counter()
    for aad in EVERYONE:
        zone = NEW_YORK if aad == PRIYA else LONDON
        for request, card in cards_to(connector, aad, "Reminder:"):
            title = title_of(card)
            reminders[(aad, title)] += 1
            assert working_hours(request.at, zone), (aad, request.at)
            first = {
                "Step Forward training course": utc(2026, 12, 8, 9, 30),
                "First call-back": utc(2027, 1, 12, 13),
                "Second call-back": utc(2027, 2, 9, 13),
            }[title]
            assert (first.astimezone(zone).date() - request.at.astimezone(zone).date()).days == 1
    training_reminded = {
        aad for (aad, title) in reminders if title == "Step Forward training course"
    }
    assert training_reminded == set(EVERYONE) - {CHLOE, PRIYA}  # not those who can't come
    assert set(reminders.values()) == {1}
    assert not any(title == "Winter group meeting" for _, title in reminders)  # cancelled
    # Sam's came on the day he had already had a routine nudge.
    [(sams_reminder, _)] = [
        (r, c) for r, c in cards_to(connector, SAM, "Reminder:") if "training" in heading(c)
    ]
    assert sams_reminder.at.date() == datetime(2026, 12, 7).date()

    # One reminder to answer, to those who didn't (5 working days on).
    [(dans, _)] = [
        (r, c) for r, c in cards_to(connector, DAN, "Can you come?") if "training" in heading(c)
    ]
    assert dans.at >= utc(2026, 11, 30, 10)
    assert cards_to(connector, SAM, "Can you come? Training") == []
    per_event = Counter(
        title_of(c) for aad in EVERYONE for _, c in cards_to(connector, aad, "Can you come?")
    )
    assert max(per_event.values()) <= len(EVERYONE)

    # --- the change and the cancellation reached everyone once ---------------------------------
    for aad in EVERYONE:
        changes = cards_to(connector, aad, "Changed:")
        assert len(changes) == 1 and "Room 4" in card_text(changes[0][1]), aad
        told = [r for r in personal(connector, aad) if r.text.startswith("Cancelled:")]
        assert len(told) == 1, aad
        assert "“Moved to the spring.”" in told[0].text

    # --- attendance, flags and the post-training survey -----------------------------------------
    assert recorded_training
    with Session(bot.ctx.engine) as session:
        rows = session.exec(
            select(CohortEventInvitation).where(CohortEventInvitation.event_id == 1)
        ).all()
    attendance = {r.person_id: r.attendance for r in rows}
    assert Counter(attendance.values()) == {"attended": 5, "part": 1, "absent": 4}
    flags = [r.text for r in connector.requests if r.conversation_id.startswith(CHANNEL)]
    missed_training = [t for t in flags if "missed the training" in t]
    assert len(missed_training) == 4
    assert any(
        t.startswith("**Priya Shah** (trainee, Police Service) missed the training")
        for t in missed_training
    )
    missed_both = [t for t in flags if "missed both call-back workshops" in t]
    assert len(missed_both) == 1 and "Priya Shah" in missed_both[0]

    surveys = [
        r for r in personal(connector, SAM) for c in r.cards if "After the training" in card_text(c)
    ]
    assert len(surveys) == 3  # the survey and its two weekly reminders
    assert surveys[0].at >= utc(2026, 12, 11)  # after the last training day, not before
    assert working_hours(surveys[0].at, LONDON)

    # The call-back pulse: to those who were there, once.
    pulses = Counter(
        r.conversation_id
        for r in connector.requests
        for c in r.cards
        if "After the call-back workshop" in card_text(c)
    )
    assert pulses[f"a:personal-{SAM}"] == 2 and pulses[f"a:personal-{PRIYA}"] == 0

    # --- the report and the export -------------------------------------------------------------
    [report] = await channel_says(bot, "report")
    text = card_text(report.cards[0])
    assert "Training “Step Forward training course”: 8, 9 and 10 December 2026" in text
    assert "invited 6, said yes 4, attended 5" in text  # City Council: 5 trainees, Megan
    assert "fewer than 5" in text
    assert "invited 10, said yes 5, attended 6" in text  # all
    assert "Missed the training\n4" in text

    [export] = await channel_says(bot, "export")
    [link] = export.cards[0]["actions"]
    response = await bot.client.get(link["url"].removeprefix("http://127.0.0.1:3978"))
    records = {row["Name"]: row for row in csv.DictReader(io.StringIO(await response.text()))}
    assert records["Sam Taylor"]["Training attended"] == "attended"
    assert records["Ben Clarke"]["Training attended"] == "part"
    assert records["Priya Shah"]["Call-backs attended"] == "absent; absent"
    assert records["Priya Shah"]["Group meetings attended"] == ""  # it was cancelled
    await bot.client.close()
