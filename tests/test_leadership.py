"""At most one instance leads the scheduler's sweeps: a PostgreSQL advisory lock; SQLite is one
instance and says so."""

from __future__ import annotations

import logging

from bot.outbox.leadership import SchedulerLeadership
from tests.conftest import postgres_only, sqlite_only


@sqlite_only
def test_sqlite_is_a_single_instance_that_always_leads_and_says_so(engine, caplog):
    leadership = SchedulerLeadership(engine)
    with caplog.at_level(logging.INFO, logger="bot.outbox.leadership"):
        leadership.announce()
    assert "SQLite, single instance only" in caplog.text
    assert leadership.try_lead() and leadership.is_leader


@postgres_only
def test_one_leader_at_a_time_and_the_next_takes_over(engine):
    first, second = SchedulerLeadership(engine), SchedulerLeadership(engine)
    try:
        assert first.try_lead()
        assert not second.try_lead() and not second.is_leader
        assert first.try_lead()  # still leading: its connection holds the lock
        first.release()
        assert second.try_lead()
        assert not first.try_lead()
    finally:
        first.release()
        second.release()


@postgres_only
def test_a_leader_whose_connection_died_steps_down(engine):
    first, second = SchedulerLeadership(engine), SchedulerLeadership(engine)
    try:
        assert first.try_lead()
        # The server ends the leader's session (a network cut, a failover): the lock goes with it.
        with engine.connect() as admin:
            admin.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
            admin.commit()
        assert second.try_lead()
        assert not first.try_lead()
    finally:
        first.release()
        second.release()
