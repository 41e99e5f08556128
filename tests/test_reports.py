"""`report` and `export` in the coordinator channel, against a hand-computed programme;
`my data` and `delete my data` in personal chat."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlmodel import Session, SQLModel, select

from bench.teams_activities import CHANNEL_ID, card_submit, channel_message, personal_message
from bot.cohort_events import EventRecords
from bot.endings.report import EndingsReport
from bot.reports.reports import EXPORT_COLUMNS
from store.escalations import Escalation, Placement, ReleaseBlock
from store.models import Application, CheckIn, EqualityMonitoring, MentoringSession, Pairing
from store.people import upsert_person
from store.seed import DEMO_MENTORS, seed_demo
from store.shared_files import SharedFile
from store.surveys import invite, record_response
from tests.applying import card_text, set_up_channel
from tests.conftest import COORDINATOR_AAD, START

MEGAN, ADELE = DEMO_MENTORS[0], DEMO_MENTORS[1]
# City Council trainees (accepted, accepted, shortlisted, submitted, started), one Police one.
TRAINEES = [
    ("aad-t1", "Tara One", "City Council", "accepted"),
    ("aad-t2", "Tom Two", "City Council", "accepted"),
    ("aad-t3", "Tia Three", "City Council", "shortlisted"),
    ("aad-t4", "Theo Four", "City Council", "submitted"),
    ("aad-t5", "Tess Five", "City Council", "started"),
    ("aad-t6", "Tim Six", "Police Service", "submitted"),
]


def seed_programme(ctx) -> dict:
    """The fixture the expected numbers below are worked out from by hand."""
    with ctx.session() as session:
        programme = seed_demo(session, START)  # + 4 accepted mentors, one per organisation
        people = {}
        for aad, name, organisation, status in TRAINEES:
            person = upsert_person(session, aad, START, display_name=name)
            people[aad] = person
            application = Application(
                programme_id=programme.id,
                person_id=person.id,
                role="trainee",
                status=status,
                organisation=organisation,
                answers={"organisation": organisation, "goals": f"{name} wants to lead"},
                manager_support="yes" if status == "accepted" else None,
                manager_name="Martha Manager" if aad == "aad-t1" else None,
                submitted_at=START - timedelta(days=30) if status != "started" else None,
                created_at=START,
                updated_at=START,
            )
            session.add(application)
            session.flush()
            if aad == "aad-t1":
                session.add(
                    EqualityMonitoring(
                        application_id=application.id, answers={"ethnicity": "x"}, created_at=START
                    )
                )
        megan = upsert_person(session, MEGAN.aad_object_id, START)
        adele = upsert_person(session, ADELE.aad_object_id, START)
        # Pair 1: 3 months started, 2 sessions held. Pair 2: 1 month started, none held.
        p1 = Pairing(
            programme_id=programme.id,
            trainee_person_id=people["aad-t1"].id,
            mentor_person_id=megan.id,
            paired_at=START - timedelta(days=75),
        )
        p2 = Pairing(
            programme_id=programme.id,
            trainee_person_id=people["aad-t2"].id,
            mentor_person_id=adele.id,
            paired_at=START - timedelta(days=10),
        )
        session.add_all([p1, p2])
        session.flush()
        for month, happened in ((1, True), (2, True), (3, False)):
            session.add(
                MentoringSession(
                    pairing_id=p1.id,
                    month=month,
                    happened=happened,
                    held_as="reported" if happened else None,
                    trainee_answer="met" if happened else "did_not_happen",
                    logged_at=START,
                    logged_by=str(people["aad-t1"].id),
                    steps_moved="Tara's CV" if happened else None,
                )
            )
        for person_id, week, answer in (
            (people["aad-t1"].id, 2, "yes"),
            (megan.id, 2, "yes"),
            (people["aad-t1"].id, 4, "need_help"),
        ):
            session.add(
                CheckIn(
                    pairing_id=p1.id,
                    person_id=person_id,
                    week=week,
                    answer=answer,
                    comment="Tara finds it hard" if answer == "need_help" else None,
                    answered_at=START,
                )
            )
        session.add(
            Escalation(
                programme_id=programme.id,
                pairing_id=p2.id,
                kind="stalled",
                cause="no_recent_session",
                open_key=f"pairing:{p2.id}:no_recent_session",
                evidence=[{"text": "no session yet", "ref": "x"}],
                opened_at=START,
                updated_at=START,
            )
        )
        for kind, status in (("shadowing", "taken_up"), ("secondment", "refused")):
            session.add(
                Placement(
                    person_id=people["aad-t1"].id,
                    pairing_id=p1.id,
                    programme_id=programme.id,
                    kind=kind,
                    host="Fire HQ",
                    details="Tara at Fire HQ",
                    status=status,
                    created_at=START,
                    updated_at=START,
                )
            )
        session.add(
            ReleaseBlock(
                person_id=people["aad-t1"].id,
                pairing_id=p1.id,
                programme_id=programme.id,
                released_for="secondment",
                blocked_by="line_manager",
                details="Martha said no",
                source="placement",
                reported_at=START,
            )
        )
        # Mentee end survey: 6 asked, 5 answered (satisfied 5, 4, 4, 3, 5: mean 4.2).
        trainee_ids = [people[aad].id for aad, *_ in TRAINEES]
        for n, person_id in enumerate(trainee_ids):
            row = invite(
                session,
                programme_id=programme.id,
                survey_id="mentee_end",
                round_="end",
                subject=f"pairing-{p1.id}:end",
                person_id=person_id,
                role="trainee",
                now=START,
            )
            if n < 5:
                answers = {"satisfied": [5, 4, 4, 3, 5][n], "confidence": 4, "mentor_helpful": 4}
                answers |= {"met_goals": "yes", "recommend": "yes" if n else "no"}
                record_response(session, row, answers, anonymous=True, now=START)
        # Mentor end survey: 2 asked and answered (too few to show results).
        for person in (megan, adele):
            row = invite(
                session,
                programme_id=programme.id,
                survey_id="mentor_end",
                round_="end",
                subject=f"pairing-{p1.id}:end",
                person_id=person.id,
                role="mentor",
                now=START,
            )
            record_response(session, row, {"satisfied": 5}, anonymous=True, now=START)
        # Follow-up at 3 months: 5 named answers.
        moves = [["promotion"], ["promotion", "new_skills"], ["new_skills"], ["new_skills"], []]
        for n, person_id in enumerate(trainee_ids[:5]):
            row = invite(
                session,
                programme_id=programme.id,
                survey_id="follow_up",
                round_="3m",
                subject=f"pairing-{p1.id}:3m",
                person_id=person_id,
                role="trainee",
                now=START,
            )
            answers = {"in_touch": "yes" if n < 4 else "no"}
            if moves[n]:
                answers["moves"] = moves[n]
            record_response(session, row, answers, anonymous=False, now=START)
        return {"p1": p1.id, "p2": p2.id}


async def _channel(bot, text, who=COORDINATOR_AAD):
    before = len(bot.connector.requests)
    await bot.post(channel_message(bot.connector.url, who, text))
    return [r for r in bot.connector.requests[before:] if r.conversation_id.startswith(CHANNEL_ID)]


async def report_card(bot) -> dict:
    [reply] = await _channel(bot, "report")
    [card] = reply.cards
    return card


def _facts(card) -> dict[str, str]:
    facts = {}
    for section in card["body"]:
        if section.get("type") != "Container":
            continue
        heading = section["items"][0]["text"]
        for fact in section["items"][1]["facts"]:
            facts[f"{heading} / {fact['title']}"] = fact["value"]
    return facts


EXPECTED = {
    "Applications by organisation / City Council": (
        "6 requested → 5 submitted → 4 shortlisted → 3 selected"
    ),
    "Applications by organisation / Police Service": "fewer than 5",
    "Applications by organisation / Fire and Rescue": "fewer than 5",
    "Applications by organisation / Probation Service": "fewer than 5",
    "Applications by organisation / All": "10 requested → 9 submitted → 7 shortlisted → 6 selected",
    "Pairs and sessions / Sessions achieved vs planned": "2 of 4 (50%)",
    "Pairs and sessions / Sessions planned so far": "4",
    "Pairs and sessions / Booked, not yet held": "0",
    "Pairs and sessions / Held: verified by Teams attendance": "0",
    "Pairs and sessions / Held: confirmed by both": "0",
    "Pairs and sessions / Held: reported by one": "2",
    "Pairs and sessions / Pairs stalled now": "1",
    "Check-ins (is it running smoothly?) / Yes": "2",
    "Check-ins (is it running smoothly?) / Not really": "0",
    "Check-ins (is it running smoothly?) / Need help": "1",
    "Survey response rates / End of the programme: your view": "5 of 6 (83%)",
    "Survey response rates / End of the programme: mentors' view": "2 of 2 (100%)",
    "Survey response rates / Quick pulse": "none sent",
    "Survey results / End of the programme: your view: Overall, how satisfied are you with "
    "the programme?": "4.2 of 5",
    "Survey results / End of the programme: your view: Would you recommend it to a "
    "colleague?": "Yes 4, No 1",
    "Survey results / End of the programme: mentors' view": "fewer than 5 answers so far",
    "Follow-up outcomes / After 3 months (5 answered)": (
        "been promoted 2, made a lateral move 0, acted up 0, gained new skills or "
        "qualifications 3, left the organisation 0, Yes 4, No 1"
    ),
}


async def test_report_numbers_match_the_hand_computed_programme(bot):
    seed_programme(bot.ctx)
    await set_up_channel(bot)
    card = await report_card(bot)
    facts = _facts(card)
    for key, value in EXPECTED.items():
        assert facts[key] == value, key
    assert facts["Pairs and sessions / Pairs active"] == "2"
    # The chart: a PNG behind an unguessable link that expires.
    [image] = [e for e in card["body"] if e.get("type") == "Image"]
    assert image["url"].startswith("http://127.0.0.1:3978/files/")
    path = image["url"].removeprefix("http://127.0.0.1:3978")
    response = await bot.client.get(path)
    assert response.status == 200 and response.content_type == "image/png"
    assert (await response.read()).startswith(b"\x89PNG")
    assert len(path.rsplit("/", 1)[1]) >= 40
    assert (await bot.client.get("/files/not-a-token")).status == 404
    bot.ctx.clock.advance(timedelta(hours=24))
    assert (await bot.client.get(path)).status == 410


async def test_export_is_a_csv_of_the_programme_records(bot):
    seed_programme(bot.ctx)
    await set_up_channel(bot)
    [reply] = await _channel(bot, "export")
    [card] = reply.cards
    [action] = card["actions"]
    assert action["type"] == "Action.OpenUrl"
    response = await bot.client.get(action["url"].removeprefix("http://127.0.0.1:3978"))
    assert response.status == 200 and response.content_type == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="programme-')
    rows = list(csv.DictReader(io.StringIO(await response.text())))
    assert tuple(rows[0]) == (*EXPORT_COLUMNS, *EventRecords.columns, *EndingsReport.columns)
    assert len(rows) == 10
    tara = next(r for r in rows if r["Name"] == "Tara One")
    assert {k: tara[k] for k in EXPORT_COLUMNS if k not in ("Application",)} == {
        "Name": "Tara One",
        "Role": "trainee",
        "Organisation": "City Council",
        "Status": "accepted",
        "Submitted on": "2026-10-24",
        "Line manager supports release": "yes",
        "Line manager": "Martha Manager",
        "Support recorded for": "",
        "Offered on": "",
        "Offer answered on": "",
        "Paired with": "Megan Bowen",
        "Pairing": "going on",
        "Paired on": "2026-09-09",
        "Sessions planned so far": "3",
        "Sessions held": "2",
        "Sessions booked, not yet held": "0",
        "Held: verified by Teams attendance": "0",
        "Held: confirmed by both": "0",
        "Held: reported by one": "2",
        "Placements requested": "2",
        "Placements offered": "1",
        "Placements taken up": "1",
        "Placements refused": "1",
        "Release blocks": "1",
        "Escalations": "0",
        "Escalation causes": "",
        "Follow-up outcomes": "3 months after the programme: been promoted",
    }
    theo = next(r for r in rows if r["Name"] == "Theo Four")
    assert theo["Status"] == "submitted and waiting for review"
    tom = next(r for r in rows if r["Name"] == "Tom Two")
    assert tom["Escalations"] == "1"
    assert tom["Escalation causes"] == "Stalled pairing: no session for too long (open)"
    for row in rows:  # no codes: statuses and outcomes in words
        assert not {"dissolved", "active", "3m", "new_skills"} & set(" ".join(row.values()).split())
    # Never anonymous survey answers: no satisfaction, recommendation or usefulness column.
    assert not {"satisfied", "recommend", "useful"} & set(rows[0])


async def test_a_participant_cannot_run_report_or_export_and_nothing_changes(bot):
    seed_programme(bot.ctx)
    await set_up_channel(bot)
    for command in ("report", "export"):
        [reply] = await _channel(bot, command, who="aad-t3")
        assert reply.text.startswith("Sorry, only programme coordinators can do that")
        assert not reply.cards
    with Session(bot.ctx.engine) as session:
        assert session.exec(select(SharedFile)).all() == []


def _all_stored_text(engine) -> str:
    with Session(engine) as session:
        dump = []
        for table in SQLModel.metadata.sorted_tables:
            for row in session.connection().execute(table.select()):
                dump.append(repr(tuple(row)))
    return "\n".join(dump)


async def test_my_data_shows_it_and_delete_my_data_keeps_the_totals(bot):
    ids = seed_programme(bot.ctx)
    await set_up_channel(bot)
    url = bot.connector.url
    await bot.post(personal_message(url, "aad-t1", "my data", user_name="Tara One"))
    shown = "\n".join(bot.connector.texts("a:personal-aad-t1"))
    for value in ("Tara One", "Tara One wants to lead", "Tara finds it hard", "Ethnic group: x"):
        assert value in shown
    assert all(len(t.encode()) <= 80_000 for t in bot.connector.texts("a:personal-aad-t1"))
    [before] = (await _channel(bot, "report"))[0].cards

    await bot.post(personal_message(url, "aad-t1", "delete my data", user_name="Tara One"))
    confirm = bot.connector.cards("a:personal-aad-t1")[-1]
    assert "Delete your data?" in card_text(confirm)
    await bot.post(card_submit(url, "aad-t1", confirm["actions"][0]["data"], user_name="Tara One"))
    assert bot.connector.texts("a:personal-aad-t1")[-1].startswith("Done: your data has been")

    [after] = (await _channel(bot, "report"))[0].cards
    changed = {k for k in _facts(before) if _facts(before)[k] != _facts(after).get(k)}
    # Her pairing ended (nobody is left to nudge); every other total is the same.
    assert changed == {
        "Pairs and sessions / Pairs active",
        "Pairs and sessions / Pairs ended early",
    }
    assert _facts(after)["Pairs and sessions / Pairs ended early"] == "1"
    assert _facts(after)["Pairs and sessions / Sessions achieved vs planned"] == "2 of 4 (50%)"
    stored = _all_stored_text(bot.ctx.engine)
    for value in ("aad-t1", "Tara", "Martha", "ethnicity", "Fire HQ"):
        assert value not in stored, value
    with Session(bot.ctx.engine) as session:
        assert session.get(Pairing, ids["p1"]).status == "dissolved"
        assert len(session.exec(select(CheckIn)).all()) == 3
