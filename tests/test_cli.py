"""The `stepforward` command: migrate, sweep, and demo as a real process."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect
from sqlmodel import Session, select

from bot import cli
from bot.outbox.sweep import PlannedMessage
from bot.teams.proactive import message_payload
from store.models import Application, Programme, RoleGrant
from store.seed import DEMO_COORDINATOR_ID
from tests.conftest import use_planners
from tests.processes import free_port, start_demo, wait_until_ready


@pytest.fixture
def env_db(monkeypatch, db_url) -> str:
    monkeypatch.setenv("DATABASE_URL", db_url)
    return db_url


def test_migrate_creates_the_schema(env_db, capsys):
    assert cli.main(["migrate"]) == 0
    tables = set(inspect(create_engine(env_db)).get_table_names())
    assert {
        "programme",
        "person",
        "conversation_ref",
        "role_grant",
        "application",
        "alembic_version",
    } <= tables
    assert "up to date" in capsys.readouterr().out


def test_sweep_dry_run_prints_one_line_per_message(env_db, capsys, monkeypatch):
    def planner(_ctx, now):
        key = f"aad-1:book_session:{now:%Y-%m}"
        return [PlannedMessage("aad-1", "book_session", key, payload=message_payload("Book"))]

    use_planners(monkeypatch, planner)
    assert cli.main(["sweep", "--now", "2026-12-01T09:00:00+00:00", "--dry-run"]) == 0
    out = capsys.readouterr().out.splitlines()
    # Nobody has talked to the bot: the real sweep could not send it, and the dry run says so.
    assert out == [
        "aad-1\tbook_session\taad-1:book_session:2026-12\tunreachable"
        " 2026-12-01T09:00:00+00:00 (no conversation reference)",
        "sweep at 2026-12-01T09:00:00+00:00: would send 0 message(s); 1 would not be delivered now",
    ]


def test_sweep_with_nothing_due(env_db, capsys):
    assert cli.main(["sweep", "--now", "2026-12-01T09:00:00Z", "--dry-run"]) == 0
    assert capsys.readouterr().out.strip() == (
        "sweep at 2026-12-01T09:00:00+00:00: would send 0 message(s)"
    )


def test_sweep_refuses_a_time_without_zone(env_db, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["sweep", "--now", "2026-12-01T09:00:00", "--dry-run"])
    assert exit_info.value.code == 2
    assert "give a time zone" in capsys.readouterr().err


def test_demo_seeds_serves_and_stops_gracefully_on_sigterm(tmp_path: Path):
    port = free_port()
    process = start_demo(tmp_path, port, "--no-playground")
    try:
        wait_until_ready(process, port)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output
    assert DEMO_COORDINATOR_ID in output
    assert f"http://localhost:{port}/api/messages" in output

    database = tmp_path / "var" / "stepforward.db"
    assert database.exists()
    with Session(create_engine(f"sqlite:///{database}")) as session:
        [programme] = session.exec(select(Programme)).all()
        mentors = session.exec(select(Application).where(Application.role == "mentor")).all()
        grants = session.exec(select(RoleGrant)).all()
    assert programme.window_opens_at < programme.window_closes_at
    assert len(mentors) == 4
    assert len({m.organisation for m in mentors}) == 4
    assert {m.answers["capacity"] for m in mentors} == {1, 2}
    assert [(g.aad_object_id, g.role) for g in grants] == [(DEMO_COORDINATOR_ID, "coordinator")]
