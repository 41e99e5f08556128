"""Dashboard data: how long the page's one request takes, and how big its answer is, as
programmes grow.

For each backend and size: `size` active pairings with their history (`bench.sweep_data`),
then what else the dashboard reads: an application for every trainee and mentor and for half
as many applicants again along the funnel, across eight organisations (one small enough to be
suppressed); equality monitoring answers for 70 % of them; an open escalation for 3 % of the
pairings (half with their card in the coordinator channel); a pulse survey after every
session held, 80 % answered. Then, median of `--repeat` after one warm-up:

- `assemble_ms`: `bot.dashboard.data.dashboard_data` for a coordinator, in one session
  (the store's reads, the report's figures, the grid, the escalations);
- `request_ms`: `GET /dashboard/api/data` with a dashboard link, through the bot's aiohttp
  app on loopback: the link and roles checked, the same assembly in a worker thread, JSON,
  gzip, the round trip;
- `payload_bytes` (JSON) and `payload_gzip_bytes` (what travels), also per 100 pairs.

    .venv/bin/python -m bench.dashboard_data --sizes 100,1000 --backends sqlite,postgresql

Prints one JSON line per measurement.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine

from bench.databases import BACKENDS, scratch_database
from bench.sweep_data import CHANNEL, analyse, generate, reset_sequences
from bot.app import create_app
from bot.context import AppContext
from bot.dashboard.data import dashboard_data
from bot.dashboard.links import DashboardLinks
from bot.settings import Settings
from domain.application_form import EQUALITY
from domain.authorisation import Role
from domain.clock import FixedClock
from domain.escalations import Cause, kind_of
from domain.keys import escalation_card_key as card_key
from domain.keys import escalation_open_key
from store.db import chunked
from store.engine import create_db_engine
from store.escalations import Escalation
from store.models import Application, EqualityMonitoring, MentoringSession, Pairing, Person
from store.outbox import OutboxMessage
from store.programmes import current_programme
from store.surveys import SurveyAnswer, SurveyInvitation

# A Wednesday mid-morning in London, as the sweep benchmark.
NOW = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)
COORDINATOR = "aad-coordinator-1"
ORGANISATIONS = (
    "City Council",
    "County Council",
    "Police Service",
    "Fire and Rescue",
    "Probation Service",
    "NHS Trust",
    "Ambulance Service",
)
SMALL_ORGANISATION = "Coroner's Office"  # a handful of people: suppressed
FUNNEL = ("started", "submitted", "shortlisted", "rejected", "withdrawn", "offered", "declined")


def settings_for(url: str) -> Settings:
    return Settings(
        _env_file=None,
        database_url=url,
        coordinators=[COORDINATOR],
        app_id="",
        scheduler_enabled=False,
        dashboard_link_secret="bench",
    )


def _organisation(person_id: int) -> str:
    return SMALL_ORGANISATION if person_id % 211 == 0 else ORGANISATIONS[person_id % 7]


def add_dashboard_data(engine: Engine, now: datetime, seed: int = 21) -> None:
    """What the dashboard reads beside the pairings: applications, equality answers, open
    escalations with their cards, pulse surveys (bulk Core inserts)."""
    rng = random.Random(seed)
    with engine.begin() as connection:
        programme_id = connection.execute(select(func.min(Pairing.programme_id))).scalar_one()
        paired = connection.execute(
            select(Pairing.id, Pairing.trainee_person_id, Pairing.mentor_person_id)
        ).all()
        people = connection.execute(select(func.max(Person.id))).scalar_one()
        applicants = len(paired) // 2
        connection.execute(
            insert(Person.__table__),
            [
                {
                    "id": people + n,
                    "aad_object_id": f"aad-applicant-{n}",
                    "display_name": f"Applicant {n}",
                    "created_at": now - timedelta(days=200),
                    "updated_at": now - timedelta(days=200),
                }
                for n in range(1, applicants + 1)
            ]
            or [{"id": people + 1, "aad_object_id": "aad-applicant-none", "created_at": now,
                 "updated_at": now}],
        )  # fmt: skip
        roles = {trainee: "trainee" for _, trainee, _ in paired}
        roles |= {mentor: "mentor" for _, _, mentor in paired}
        statuses = dict.fromkeys(roles, "accepted")
        for n in range(1, applicants + 1):
            roles[people + n] = "trainee"
            statuses[people + n] = FUNNEL[n % len(FUNNEL)]
        applications = []
        for application_id, (person_id, role) in enumerate(sorted(roles.items()), start=1):
            applications.append(
                {
                    "id": application_id,
                    "programme_id": programme_id,
                    "person_id": person_id,
                    "role": role,
                    "status": statuses[person_id],
                    "organisation": _organisation(person_id),
                    "answers": {"organisation": _organisation(person_id)},
                    "completed_sections": [],
                    "submitted_at": now - timedelta(days=220),
                    "created_at": now - timedelta(days=230),
                    "updated_at": now - timedelta(days=220),
                }
            )
        for chunk in chunked(applications, 5_000):
            connection.execute(insert(Application.__table__), chunk)
        equality = []
        for application in applications:
            if rng.random() < 0.7:
                answers = {
                    question.id: rng.choice(question.choices)[0] for question in EQUALITY.questions
                }
                equality.append(
                    {"application_id": application["id"], "answers": answers, "created_at": now}
                )
        for chunk in chunked(equality, 5_000):
            connection.execute(insert(EqualityMonitoring.__table__), chunk)

        escalations, cards = [], []
        cause = Cause.NO_RECENT_SESSION
        for pairing_id, _trainee, _mentor in paired:
            if rng.random() >= 0.03:
                continue
            opened = now - timedelta(hours=rng.uniform(1, 24 * 30))
            escalations.append(
                {
                    "programme_id": programme_id,
                    "pairing_id": pairing_id,
                    "kind": kind_of(cause).value,
                    "cause": cause.value,
                    "open_key": escalation_open_key(
                        cause.value, pairing_id=pairing_id, person_id=None
                    ),
                    "evidence": [{"at": opened.isoformat(), "text": "No session for 50 days."}],
                    "status": "open",
                    "opened_at": opened,
                    "updated_at": opened,
                }
            )
        if escalations:
            ids = connection.execute(
                insert(Escalation.__table__).returning(Escalation.__table__.c.id), escalations
            ).scalars()
            for n, escalation_id in enumerate(ids):
                if n % 2:
                    continue
                opened = escalations[n]["opened_at"]
                cards.append(
                    {
                        "idempotency_key": card_key(escalation_id),
                        "conversation_id": CHANNEL,
                        "kind": "escalation",
                        "payload": {},
                        "not_before": opened,
                        "status": "sent",
                        "attempts": 1,
                        "next_attempt_at": opened,
                        "sent_at": opened,
                        "activity_id": f"17000{escalation_id:08d}",
                        "created_at": opened,
                        "updated_at": opened,
                    }
                )
        if cards:
            connection.execute(insert(OutboxMessage.__table__), cards)

        trainee_of = {pairing_id: trainee for pairing_id, trainee, _ in paired}
        held = connection.execute(
            select(MentoringSession.pairing_id, MentoringSession.month).where(
                MentoringSession.happened.is_(True)
            )
        ).all()
        invitations, answers = [], []
        for pairing_id, month in held:
            answered = rng.random() < 0.8
            invitations.append(
                {
                    "programme_id": programme_id,
                    "survey_id": "pulse",
                    "round": f"month-{month}",
                    "subject": f"pairing-{pairing_id}:month-{month}",
                    "person_id": trainee_of[pairing_id],
                    "role": "trainee",
                    "invited_at": now - timedelta(days=10),
                    "responded_at": now - timedelta(days=9) if answered else None,
                }
            )
            if answered:
                answers.append(
                    {
                        "id": f"{rng.getrandbits(128):032x}",
                        "programme_id": programme_id,
                        "survey_id": "pulse",
                        "round": f"month-{month}",
                        "role": "trainee",
                        "answers": {"useful": rng.choice((3, 4, 4, 5, 5))},
                    }
                )
        for chunk in chunked(invitations, 5_000):
            connection.execute(insert(SurveyInvitation.__table__), chunk)
        for chunk in chunked(answers, 5_000):
            connection.execute(insert(SurveyAnswer.__table__), chunk)
    reset_sequences(engine, ("person", "application"))
    analyse(engine)


def time_assembly(ctx: AppContext, repeat: int) -> list[float]:
    timings = []
    for _ in range(repeat + 1):  # the first warms the caches up, as a running bot has them
        started = time.perf_counter()
        with ctx.session() as session:
            programme = current_programme(session, NOW)
            roles = ctx.roles(session, COORDINATOR)
            dashboard_data(session, ctx.settings, programme, NOW, roles)
        timings.append(time.perf_counter() - started)
    return timings[1:]


async def time_requests(settings: Settings, engine: Engine, repeat: int):
    """Round trips of the page's request, the answer as it travels, and its JSON."""
    app = create_app(settings, clock=FixedClock(NOW), engine=engine, run_migrations=False)
    token = DashboardLinks(settings).make(COORDINATOR, NOW).url.split("#link=", 1)[1]
    headers = {"Authorization": f"Link {token}", "Accept-Encoding": "gzip"}
    timings, wire = [], b""
    async with TestClient(TestServer(app), auto_decompress=False) as client:
        for _ in range(repeat + 1):
            started = time.perf_counter()
            response = await client.get("/dashboard/api/data", headers=headers)
            wire = await response.read()
            timings.append(time.perf_counter() - started)
            if response.status != 200:
                raise RuntimeError(f"the dashboard answered {response.status}: {wire[:200]!r}")
            if response.headers.get("Content-Encoding") != "gzip":
                raise RuntimeError("the dashboard's answer was not compressed")
    return timings[1:], wire, gzip.decompress(wire)


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def measure(backend: str, size: int, repeat: int) -> dict:
    with scratch_database(backend, f"dashboard_{size}") as url:
        settings = settings_for(url)
        engine = create_db_engine(url)
        try:
            started = time.perf_counter()
            generate(engine, size, NOW)
            add_dashboard_data(engine, NOW)
            generated = time.perf_counter() - started
            ctx = AppContext(settings, engine, FixedClock(NOW))
            assembly = time_assembly(ctx, repeat)
            requests, wire, body = asyncio.run(time_requests(settings, engine, repeat))
        finally:
            engine.dispose()
    data = json.loads(body)
    assert Role.COORDINATOR.value in data["viewer"]["roles"]
    return {
        "bench": "dashboard_data",
        "backend": backend,
        "pairings": size,
        "rows": len(data["pairs"]["rows"]),
        "escalations": len(data["escalations"]),
        "assemble_ms": _ms(statistics.median(assembly)),
        "assemble_runs_ms": [_ms(t) for t in assembly],
        "request_ms": _ms(statistics.median(requests)),
        "request_runs_ms": [_ms(t) for t in requests],
        "payload_bytes": len(body),
        "payload_gzip_bytes": len(wire),
        "payload_bytes_per_100_pairs": round(len(body) * 100 / size),
        "payload_gzip_bytes_per_100_pairs": round(len(wire) * 100 / size),
        "generate_s": round(generated, 2),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument("--backends", default="sqlite")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    for backend in args.backends.split(","):
        if backend not in BACKENDS:
            parser.error(f"backend must be one of {', '.join(BACKENDS)}")
        for size in (int(s) for s in args.sizes.split(",")):
            print(json.dumps(measure(backend, size, args.repeat)), flush=True)


if __name__ == "__main__":
    main()
