"""Running real `stepforward serve` processes against one database, for the tests of several
instances and the benchmarks: starting one, asking whether it is ready, seeding people with a
nudge due, and reading what became of the outbox."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import select

from bot.teams import message_payload
from store import migrate
from store.conversations import upsert_conversation_ref
from store.db import session_scope
from store.engine import create_db_engine
from store.outbox import OutboxMessage, enqueue
from store.people import upsert_person

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.1)


def seed_due_nudges(db_url: str, connector_url: str, count: int) -> list[str]:
    """People the bot can reach through the connector, each with one nudge due now."""
    migrate.upgrade(db_url)
    engine = create_db_engine(db_url)
    now = datetime.now(UTC)
    chats = []
    with session_scope(engine) as session:
        for number in range(count):
            aad = f"aad-person-{number:03d}"
            chat = f"a:personal-{aad}"
            reference = {
                "channelId": "msteams",
                "serviceUrl": connector_url,
                "conversation": {"id": chat, "conversationType": "personal"},
                "bot": {"id": "28:bot-app-id"},
                "user": {"id": f"29:{aad}", "aadObjectId": aad},
            }
            upsert_person(session, aad, now, time_zone="Europe/London")
            upsert_conversation_ref(
                session,
                conversation_id=chat,
                conversation_type="personal",
                service_url=connector_url,
                reference=reference,
                now=now,
                aad_object_id=aad,
            )
            enqueue(
                session,
                key=f"{aad}:offer:1",
                kind="offer",
                payload=message_payload(f"Message {number}"),
                not_before=now,
                now=now,
                recipient_aad_object_id=aad,
            )
            chats.append(chat)
    engine.dispose()
    return chats


class Instance:
    """One `stepforward serve` process with its scheduler sweeping every second."""

    def __init__(self, db_url: str, log_path: Path, port: int | None = None, **env: str) -> None:
        self.port = port or free_port()
        self.log_path = log_path
        environment = {k: v for k, v in os.environ.items() if not k.startswith("STEPFORWARD_")}
        environment |= {
            "DATABASE_URL": db_url,
            "STEPFORWARD_SWEEP_SECONDS": "1",
            "PYTHONPATH": str(ROOT),
            **env,
        }
        self._log = log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1"]
            + ["--port", str(self.port)],
            cwd=log_path.parent,
            env=environment,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def ready(self) -> bool:
        assert self.process.poll() is None, self.log_path.read_text()
        return http_status(f"http://127.0.0.1:{self.port}/readyz") == 200

    def log(self) -> str:
        return self.log_path.read_text()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def outbox_statuses(db_url: str) -> list[str]:
    engine = create_db_engine(db_url)
    with session_scope(engine) as session:
        statuses = list(session.exec(select(OutboxMessage.status)).all())
    engine.dispose()
    return statuses
