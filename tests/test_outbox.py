"""The outbox table on a real SQLite file, and the pure parts of proactive delivery."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlmodel import Session, select

from bot.outbox.backoff import backoff_delay
from bot.teams.proactive import (
    Outcome,
    classify_error,
    message_payload,
    parse_retry_after,
)
from domain.working_hours import is_working_time, local_day_bounds
from domain.working_hours import next_working_time as next_allowed_time
from store.db import session_scope
from store.outbox import (
    OutboxMessage,
    OutboxStatus,
    claim_due,
    enqueue,
    mark_sent,
    reschedule,
    routine_times_from,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # Monday
LEASE = timedelta(minutes=5)


def _enqueue(session, key="aad-1:book_session:2026-11", text="Book your session", **kw):
    values = {
        "key": key,
        "kind": "book_session",
        "payload": message_payload(text),
        "not_before": NOW,
        "now": NOW,
        "recipient_aad_object_id": "aad-1",
        "routine": True,
    } | kw
    return enqueue(session, **values)


def test_enqueue_is_idempotent_on_the_key(engine):
    with session_scope(engine) as session:
        first, created = _enqueue(session)
        assert created
    with session_scope(engine) as session:
        again, created_again = _enqueue(
            session, text="Something else", not_before=NOW + timedelta(days=3)
        )
    assert not created_again
    assert again.id == first.id
    assert again.payload["text"] == "Book your session"
    assert again.not_before == NOW
    with Session(engine) as session:
        assert len(session.exec(select(OutboxMessage)).all()) == 1


def test_enqueue_needs_exactly_one_recipient(engine):
    with pytest.raises(ValueError), session_scope(engine) as session:
        _enqueue(session, conversation_id="19:channel")


def test_a_claim_is_exclusive_until_its_lease_expires(engine):
    with session_scope(engine) as session:
        row, _ = _enqueue(session)
    with session_scope(engine) as session:
        assert [r.id for r in claim_due(session, NOW, 10, "worker-a", LEASE)] == [row.id]
    with session_scope(engine) as session:
        assert claim_due(session, NOW, 10, "worker-b", LEASE) == []
        assert claim_due(session, NOW + LEASE - timedelta(seconds=1), 10, "worker-b", LEASE) == []
    # worker-a died holding the claim: it expires and someone else may take the row.
    with session_scope(engine) as session:
        [taken] = claim_due(session, NOW + LEASE, 10, "worker-b", LEASE)
        assert taken.claimed_by == "worker-b"
        mark_sent(session, taken, NOW + LEASE)
    with session_scope(engine) as session:
        assert claim_due(session, NOW + timedelta(days=1), 10, "worker-c", LEASE) == []
        sent = session.get(OutboxMessage, row.id)
    assert sent.status == OutboxStatus.SENT
    assert sent.attempts == 1 and sent.claimed_by is None


def test_claims_take_only_due_rows_in_order_and_respect_the_limit(engine):
    with session_scope(engine) as session:
        later, _ = _enqueue(session, key="k-later", not_before=NOW + timedelta(hours=1))
        second, _ = _enqueue(session, key="k-second", not_before=NOW - timedelta(minutes=1))
        first, _ = _enqueue(session, key="k-first", not_before=NOW - timedelta(minutes=2))
    with session_scope(engine) as session:
        assert [r.id for r in claim_due(session, NOW, 1, "w", LEASE)] == [first.id]
        assert [r.id for r in claim_due(session, NOW, 10, "w", LEASE)] == [second.id]
        mark_sent(session, first, NOW)
        reschedule(session, second, NOW + timedelta(hours=2), "503", now=NOW)
    with session_scope(engine) as session:
        due_later = claim_due(session, NOW + timedelta(hours=1), 10, "w", LEASE)
        assert [r.id for r in due_later] == [later.id]
        mark_sent(session, later, NOW + timedelta(hours=1))
        [retried] = claim_due(session, NOW + timedelta(hours=2), 10, "w", LEASE)
    assert retried.id == second.id and retried.attempts == 1 and retried.last_error == "503"


def test_routine_times_are_the_routine_messages_sent_or_booked_from_a_moment_on(engine):
    day_start, day_end = NOW.replace(hour=0), NOW.replace(hour=0) + timedelta(days=1)
    tomorrow = NOW + timedelta(days=1)
    with session_scope(engine) as session:
        routine, _ = _enqueue(session, key="routine")
        reply, _ = _enqueue(session, key="reply", routine=False)
        booked, _ = _enqueue(session, key="booked", not_before=tomorrow)
        mark_sent(session, routine, NOW)
        mark_sent(session, reply, NOW)
    with Session(engine) as session:
        assert routine_times_from(session, "aad-1", day_start) == [NOW, tomorrow]
        assert routine_times_from(session, "aad-1", day_start, sent_only=True) == [NOW]
        assert routine_times_from(session, "aad-1", day_start, exclude_id=routine.id) == [tomorrow]
        assert routine_times_from(session, "aad-1", day_end) == [tomorrow]
        assert routine_times_from(session, "aad-2", day_start) == []


# --- pure parts ---------------------------------------------------------------------------------


def test_working_hours_in_the_recipients_zone():
    monday_evening = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
    assert not is_working_time(monday_evening, "Europe/London")
    assert next_allowed_time(monday_evening, "Europe/London") == datetime(
        2026, 11, 24, 9, 0, tzinfo=UTC
    )
    # 18:00 UTC is 13:00 in Toronto: inside their working day.
    assert next_allowed_time(monday_evening, "America/Toronto") == monday_evening
    friday_evening = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
    assert next_allowed_time(friday_evening, "Europe/London") == datetime(
        2026, 11, 30, 9, 0, tzinfo=UTC
    )
    # Summer time: 09:00 in London is 08:00 UTC.
    assert next_allowed_time(datetime(2027, 6, 1, 5, 0, tzinfo=UTC), "Europe/London") == (
        datetime(2027, 6, 1, 8, 0, tzinfo=UTC)
    )
    assert local_day_bounds(datetime(2027, 6, 1, 23, 30, tzinfo=UTC), "Europe/London") == (
        datetime(2027, 6, 1, 23, 0, tzinfo=UTC),
        datetime(2027, 6, 2, 23, 0, tzinfo=UTC),
    )


def test_backoff_grows_with_jitter_and_is_capped():
    base, cap = timedelta(seconds=30), timedelta(minutes=10)
    assert backoff_delay(1, base=base, cap=cap, rng=lambda: 0.0) == timedelta(seconds=15)
    assert backoff_delay(1, base=base, cap=cap, rng=lambda: 1.0) == timedelta(seconds=30)
    assert backoff_delay(3, base=base, cap=cap, rng=lambda: 0.5) == timedelta(seconds=90)
    assert backoff_delay(30, base=base, cap=cap, rng=lambda: 1.0) == cap


def test_retry_after_as_seconds_or_http_date():
    assert parse_retry_after("7", NOW) == timedelta(seconds=7)
    assert parse_retry_after("Mon, 23 Nov 2026 10:01:00 GMT", NOW) == timedelta(seconds=60)
    assert parse_retry_after("0", NOW) == timedelta(seconds=1)
    assert parse_retry_after("soon", NOW) is None
    assert parse_retry_after(None, NOW) is None


def _http_error(status: int, code: str | None = None, retry_after: str | None = None):
    body = {"error": {"code": code or "Error", "message": "x"}}
    response = SimpleNamespace(
        status_code=status,
        headers={"Retry-After": retry_after} if retry_after else {},
        text=json.dumps(body),
    )
    error = Exception("connector said no")
    error.response = response
    return error


@pytest.mark.parametrize(
    ("status", "code", "outcome"),
    [
        (429, None, Outcome.RETRY),
        (412, None, Outcome.RETRY),
        (502, None, Outcome.RETRY),
        (503, None, Outcome.RETRY),
        (504, None, Outcome.RETRY),
        (403, "ConversationBlockedByUser", Outcome.UNREACHABLE),
        (403, "BotNotInConversationRoster", Outcome.UNREACHABLE),
        (403, "BotDisabledByAdmin", Outcome.UNREACHABLE),
        (403, "MessageWritesBlocked", Outcome.UNREACHABLE),
        (404, "ConversationNotFound", Outcome.UNREACHABLE),
        (403, "NotEnoughPermissions", Outcome.FAILED),
        (400, "BadArgument", Outcome.FAILED),
        (413, None, Outcome.FAILED),
    ],
)
def test_connector_errors_are_classified(status, code, outcome):
    assert classify_error(_http_error(status, code), NOW).outcome == outcome


def test_a_forbidden_with_sub_code_message_writes_blocked_is_unreachable():
    error = _http_error(403, "Forbidden")
    error.response.text = '{"error": {"code": "Forbidden", "subCode": "MessageWritesBlocked"}}'
    assert classify_error(error, NOW).outcome == Outcome.UNREACHABLE


def test_throttling_carries_retry_after_and_network_errors_are_retried():
    throttled = classify_error(_http_error(429, retry_after="7"), NOW)
    assert throttled.retry_after == timedelta(seconds=7)
    assert classify_error(ConnectionRefusedError(), NOW).outcome == Outcome.RETRY
    assert classify_error(TimeoutError(), NOW).outcome == Outcome.RETRY
