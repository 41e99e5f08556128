"""`stepforward sweep --dry-run` lists exactly what the real sweep then sends, at any size.

The outbox holds more rows due than one dispatcher batch, among them some the dispatcher will
not send now (a second routine nudge the same day, a person the bot cannot reach), and the
planners decide new messages too; the dry run's report must match, line for line, the report
of the real sweep run next, and the connector must receive exactly the messages it listed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot import cli
from bot.outbox.dispatcher import DEFAULT_BATCH
from bot.outbox.sweep import PlannedMessage
from bot.teams.proactive import message_payload
from store import migrate
from store.conversations import upsert_conversation_ref
from store.db import session_scope
from store.engine import create_db_engine
from store.outbox import enqueue
from store.people import upsert_person
from tests.conftest import use_planners

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday, 10:00 in London
EARLIER = NOW - timedelta(hours=1)
DUE_ROWS = 250
PLANNED = 20


def chat_of(aad: str) -> str:
    return f"a:personal-{aad}"


def reachable_person(session, aad: str, connector_url: str) -> None:
    upsert_person(session, aad, EARLIER, time_zone="Europe/London")
    upsert_conversation_ref(
        session,
        conversation_id=chat_of(aad),
        conversation_type="personal",
        service_url=connector_url,
        reference={
            "channelId": "msteams",
            "serviceUrl": connector_url,
            "conversation": {"id": chat_of(aad), "conversationType": "personal"},
            "bot": {"id": "28:bot-app-id"},
            "user": {"id": f"29:{aad}", "aadObjectId": aad},
        },
        now=EARLIER,
        aad_object_id=aad,
    )


def due_row(session, aad: str, kind: str, *, routine: bool = False) -> None:
    enqueue(
        session,
        key=f"{aad}:{kind}:2026-11",
        kind=kind,
        payload=message_payload(f"{kind} for {aad}"),
        not_before=EARLIER,
        now=EARLIER,
        recipient_aad_object_id=aad,
        routine=routine,
        working_hours=routine,
    )


def seed(db_url: str, connector_url: str) -> None:
    """250 rows due: 247 plain ones, two routine nudges for one person (one may go today),
    and one row for a person the bot has no conversation with."""
    migrate.upgrade(db_url)
    engine = create_db_engine(db_url)
    with session_scope(engine) as session:
        for number in range(DUE_ROWS - 3):
            aad = f"aad-person-{number:03d}"
            reachable_person(session, aad, connector_url)
            due_row(session, aad, "offer")
        reachable_person(session, "aad-twice", connector_url)
        due_row(session, "aad-twice", "book_session", routine=True)
        due_row(session, "aad-twice", "check_in", routine=True)
        upsert_person(session, "aad-never-talked", EARLIER, time_zone="Europe/London")
        due_row(session, "aad-never-talked", "offer")
        for number in range(PLANNED):
            reachable_person(session, f"aad-planned-{number:02d}", connector_url)
    engine.dispose()


def planner(_ctx, now):
    return [
        PlannedMessage(
            f"aad-planned-{number:02d}",
            "pulse_survey",
            f"aad-planned-{number:02d}:pulse_survey:2026-11",
            payload=message_payload("How is it going?"),
            routine=False,
        )
        for number in range(PLANNED)
    ]


def test_the_dry_run_lists_every_message_the_sweep_then_sends(
    db_url, monkeypatch, capsys, threaded_connector
):
    assert DUE_ROWS > 2 * DEFAULT_BATCH
    monkeypatch.setenv("DATABASE_URL", db_url)
    seed(db_url, threaded_connector.url)
    use_planners(monkeypatch, planner)

    assert cli.main(["sweep", "--now", NOW.isoformat(), "--dry-run"]) == 0
    dry = capsys.readouterr().out.splitlines()
    assert threaded_connector.requests == []
    assert cli.main(["sweep", "--now", NOW.isoformat(), "--dry-run"]) == 0
    assert capsys.readouterr().out.splitlines() == dry, "a dry run changes nothing"

    assert cli.main(["sweep", "--now", NOW.isoformat()]) == 0
    real = capsys.readouterr().out.splitlines()

    expected_sent = DUE_ROWS - 2 + PLANNED  # all but the second nudge and the unreachable
    assert dry[-1] == (
        f"sweep at {NOW.isoformat()}: would send {expected_sent} message(s);"
        " 2 would not be delivered now"
    )
    assert real[-1] == (
        f"sweep at {NOW.isoformat()}: sent {expected_sent} message(s); 2 not delivered now"
    )
    assert dry[:-1] == real[:-1]
    assert len(dry) == expected_sent + 2 + 1
    tomorrow_9am = (NOW + timedelta(days=1)).replace(hour=9)
    assert dry[-3:-1] == [
        "aad-twice\tcheck_in\taad-twice:check_in:2026-11\tdeferred "
        f"{tomorrow_9am.isoformat()} (already had a routine nudge that day)",
        "aad-never-talked\toffer\taad-never-talked:offer:2026-11\tunreachable "
        f"{NOW.isoformat()} (no conversation reference)",
    ]

    # What the connector received is exactly what the dry run listed, each once.
    listed = [line.split("\t")[0] for line in dry[:expected_sent]]
    received = threaded_connector.per_conversation()
    assert sorted(received) == sorted(chat_of(aad) for aad in listed)
    assert set(received.values()) == {1}
