"""Generated programme data for the sweep benchmark, written with bulk Core inserts.

`generate(engine, pairings, now)` fills a migrated database with one programme, its people
and `pairings` active pairings paired uniformly over the six months before `now`, with the
sessions, check-ins and re-pair requests a real programme would have by then: most pairs book
and log most months, most people answer most check-ins, a few ask for help or a new partner.
Deterministic for a given seed, so runs compare like with like.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from domain.cadence import CHECK_IN_WEEKS, month_bounds
from store.escalations import RepairRequest
from store.models import (
    CheckIn,
    ConversationRef,
    MentoringSession,
    Pairing,
    Person,
    Programme,
)

CHUNK = 5_000
CHANNEL = "19:coordinators@thread.tacv2"
LENGTH_MONTHS = 6


def flush(connection, table, rows: list[dict]) -> None:
    if rows:
        connection.execute(insert(table), rows)
        rows.clear()


def generate(engine: Engine, pairings: int, now: datetime, seed: int = 8) -> None:
    """Write `pairings` active pairings (and their people and history) as of `now`."""
    rng = random.Random(seed)
    span = timedelta(days=182)
    with engine.begin() as connection:
        programme_id = connection.execute(
            insert(Programme.__table__).returning(Programme.__table__.c.id),
            {
                "name": "Benchmark programme",
                "kind": "mentoring",
                "length_months": LENGTH_MONTHS,
                "window_opens_at": now - timedelta(days=400),
                "window_closes_at": now - timedelta(days=200),
                "coordinator_conversation_id": CHANNEL,
                "created_at": now - timedelta(days=400),
            },
        ).scalar_one()
        connection.execute(
            insert(ConversationRef.__table__),
            {
                "conversation_id": CHANNEL,
                "conversation_type": "channel",
                "service_url": "http://127.0.0.1:9/",
                "team_id": "19:team@thread.tacv2",
                "reference": {"conversation": {"id": CHANNEL}, "serviceUrl": "http://127.0.0.1:9/"},
                "updated_at": now - timedelta(days=400),
            },
        )
        mentors = max(1, (pairings + 1) // 2)  # two trainees each; the last may have one
        people: list[dict] = []
        for index in range(pairings + mentors):
            role = "trainee" if index < pairings else "mentor"
            people.append(
                {
                    "id": index + 1,
                    "aad_object_id": f"aad-{role}-{index + 1}",
                    "display_name": f"Person {index + 1}",
                    "time_zone": "Europe/London" if index % 10 else None,
                    "unreachable_since": now - timedelta(days=3) if index % 997 == 0 else None,
                    "created_at": now - span,
                    "updated_at": now - span,
                }
            )
            if len(people) >= CHUNK:
                flush(connection, Person.__table__, people)
        flush(connection, Person.__table__, people)

        pairing_rows, session_rows, check_in_rows, repair_rows = [], [], [], []
        for index in range(pairings):
            pairing_id = index + 1
            trainee, mentor = index + 1, pairings + 1 + index // 2
            paired_at = now - timedelta(seconds=rng.randrange(int(span.total_seconds())))
            pairing_rows.append(
                {
                    "id": pairing_id,
                    "programme_id": programme_id,
                    "trainee_person_id": trainee,
                    "mentor_person_id": mentor,
                    "status": "active",
                    "length_months": LENGTH_MONTHS,
                    "paired_at": paired_at,
                    "confirmed_by": "aad-coordinator-1",
                }
            )
            engaged = rng.random() < 0.85  # the rest drift and stall
            for month in range(1, LENGTH_MONTHS + 1):
                start, end = month_bounds(paired_at, month)
                booked_on = start + timedelta(days=rng.uniform(1, 8))
                if booked_on > now or not (engaged and rng.random() < 0.85):
                    continue
                booked_for = start + timedelta(days=rng.uniform(9, 26), hours=1)
                logged_at = booked_for + timedelta(days=rng.uniform(0.2, 5))
                logged = logged_at <= now and rng.random() < 0.9
                session_rows.append(
                    {
                        "pairing_id": pairing_id,
                        "month": month,
                        "booking": "booked",
                        "booked_for": booked_for,
                        "happened": True if logged else None,
                        "held_on": booked_for if logged else None,
                        "minutes": 120 if logged else None,
                        "logged_by": f"aad-trainee-{trainee}" if logged else None,
                        "logged_at": logged_at if logged else None,
                        # Both said "we met".
                        "trainee_answer": "met" if logged else None,
                        "trainee_answered_at": logged_at if logged else None,
                        "mentor_answer": "met" if logged else None,
                        "mentor_answered_at": logged_at if logged else None,
                        "held_as": "confirmed" if logged else None,
                    }
                )
            for week in CHECK_IN_WEEKS:
                for person_id in (trainee, mentor):
                    answered_at = paired_at + timedelta(weeks=week, days=rng.uniform(0, 4))
                    if answered_at > now or rng.random() > 0.8:
                        continue
                    roll = rng.random()
                    answer = "need_help" if roll < 0.01 else "not_really" if roll < 0.06 else "yes"
                    check_in_rows.append(
                        {
                            "pairing_id": pairing_id,
                            "person_id": person_id,
                            "week": week,
                            "answer": answer,
                            "comment": None,
                            "answered_at": answered_at,
                        }
                    )
            if rng.random() < 0.005:
                repair_rows.append(
                    {
                        "pairing_id": pairing_id,
                        "person_id": trainee,
                        "reason": None,
                        "requested_at": now - timedelta(days=rng.uniform(0, 20)),
                    }
                )
            if len(pairing_rows) >= CHUNK:
                _flush_all(connection, pairing_rows, session_rows, check_in_rows, repair_rows)
        _flush_all(connection, pairing_rows, session_rows, check_in_rows, repair_rows)
    reset_sequences(engine, ("person", "pairing"))
    analyse(engine)


def reset_sequences(engine: Engine, tables) -> None:
    """After rows were written with explicit ids: PostgreSQL's id sequences continue after
    the largest (SQLite takes the largest id + 1 by itself)."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as connection:
        for table in tables:
            connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )


def analyse(engine: Engine) -> None:
    """Fresh planner statistics, as autovacuum (PostgreSQL) would gather after bulk writes."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    else:
        with engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")


def _flush_all(connection, pairing_rows, session_rows, check_in_rows, repair_rows) -> None:
    flush(connection, Pairing.__table__, pairing_rows)
    flush(connection, MentoringSession.__table__, session_rows)
    flush(connection, CheckIn.__table__, check_in_rows)
    flush(connection, RepairRequest.__table__, repair_rows)
