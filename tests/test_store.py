"""The store on a real SQLite file: migrations, WAL, aware UTC datetimes, idempotent upserts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import event, text
from sqlalchemy.exc import StatementError
from sqlmodel import Session, select

from store import migrate
from store.conversations import personal_ref, upsert_conversation_ref
from store.db import session_scope
from store.models import Person, Programme
from store.people import get_person, grant_role, roles_of, upsert_person
from store.programmes import current_programme
from store.seed import seed_demo
from tests.conftest import sqlite_only

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@sqlite_only
def test_sqlite_runs_in_wal_mode_without_an_fsync_per_commit(engine):
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL


def test_migrations_are_repeatable_and_reach_head(db_url, engine):
    migrate.upgrade(db_url)
    head = ScriptDirectory.from_config(migrate.alembic_config(db_url)).get_current_head()
    with engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert version == head


def test_datetimes_come_back_aware_utc(engine):
    paris = timezone(timedelta(hours=1))
    with session_scope(engine) as session:
        upsert_person(session, "aad-1", datetime(2026, 11, 23, 11, 0, tzinfo=paris))
    with Session(engine) as session:
        person = session.exec(select(Person)).one()
    assert person.created_at == NOW
    assert person.created_at.tzinfo == UTC


def test_naive_datetimes_are_refused(engine):
    with pytest.raises(StatementError, match="naive datetime"), session_scope(engine) as session:
        upsert_person(session, "aad-1", datetime(2026, 11, 23, 10, 0))


def test_upsert_person_keeps_one_row_and_clears_unreachable(engine):
    with session_scope(engine) as session:
        person = upsert_person(session, "aad-1", NOW, display_name="Sam", time_zone="Europe/London")
        person.unreachable_since = NOW
    with session_scope(engine) as session:
        upsert_person(session, "aad-1", NOW + timedelta(days=1))
    with Session(engine) as session:
        person = get_person(session, "aad-1")
        assert session.exec(select(Person)).all() == [person]
    assert person.display_name == "Sam" and person.time_zone == "Europe/London"
    assert person.unreachable_since is None
    assert person.updated_at == NOW + timedelta(days=1)


def test_an_unchanged_message_writes_nothing_until_the_timestamp_is_an_hour_old(engine):
    """Every message refreshes its sender and conversation; most change nothing."""
    writes = []

    @event.listens_for(engine, "before_cursor_execute")
    def record(_conn, _cursor, statement, *_):
        if statement.lstrip().upper().startswith(("UPDATE", "INSERT")):
            writes.append(statement.split()[1].lower())

    def message(at, **person):
        with session_scope(engine) as session:
            upsert_person(session, "aad-1", at, display_name="Sam", **person)
            upsert_conversation_ref(
                session,
                conversation_id="a:personal-1",
                conversation_type="personal",
                service_url="https://smba.example/",
                reference={"conversation": {"id": "a:personal-1"}},
                now=at,
                aad_object_id="aad-1",
            )

    message(NOW)
    assert writes == ["into", "into"]
    writes.clear()
    message(NOW + timedelta(minutes=59))
    assert writes == []
    message(NOW + timedelta(minutes=59), time_zone="Europe/London")  # a change: written at once
    assert writes == ["pairing", "person"]  # (a zone change also resets the sweep's moments)
    writes.clear()
    message(NOW + timedelta(minutes=61))  # the conversation's timestamp is an hour old
    assert writes == ["conversation_ref"]
    with Session(engine) as session:
        person = get_person(session, "aad-1")
        ref = personal_ref(session, "aad-1")
    assert person.updated_at == NOW + timedelta(minutes=59) and person.time_zone == "Europe/London"
    assert ref.updated_at == NOW + timedelta(minutes=61)


def test_role_grants_are_unique(engine):
    with session_scope(engine) as session:
        grant_role(session, "aad-1", "coordinator", NOW)
        grant_role(session, "aad-1", "coordinator", NOW)
        grant_role(session, "aad-1", "champion", NOW)
    with Session(engine) as session:
        assert roles_of(session, "aad-1") == {"coordinator", "champion"}


def test_seed_demo_is_idempotent_and_window_open(engine):
    with session_scope(engine) as session:
        first = seed_demo(session, NOW)
    with session_scope(engine) as session:
        second = seed_demo(session, NOW + timedelta(days=1))
        assert current_programme(session, NOW + timedelta(days=1)).id == first.id
    assert first.id == second.id
    with Session(engine) as session:
        assert len(session.exec(select(Programme)).all()) == 1


def test_seed_demo_reopens_an_expired_demo_window(engine):
    with session_scope(engine) as session:
        seed_demo(session, NOW)
    later = NOW + timedelta(days=90)
    with session_scope(engine) as session:
        programme = seed_demo(session, later)
    assert programme.window_opens_at < later < programme.window_closes_at
