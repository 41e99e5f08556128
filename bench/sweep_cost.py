"""Sweep cost: how long one scheduler sweep takes to decide what is due, as programmes grow.

For each backend and size: generate `size` active pairings (see `bench.sweep_data`), bring
the outbox and escalations to a steady state (a real sweep a minute earlier decided and
"sent" everything then due), then time the planners as a sweep runs them (`dry_run`: what a
sweep would decide at `now`, nothing kept), and once each an hour and a day later (a sweep
catching up). Prints one JSON line per measurement.

    .venv/bin/python -m bench.sweep_cost --sizes 10000,100000 --backends sqlite,postgresql

With `--replicate K` the steady state is built at `size / K` pairings and copied K times
(`bench.replicate`); the sweeps are timed on the original first, and the copies must decide
exactly K times what it did.

    .venv/bin/python -m bench.sweep_cost --sizes 1000000 --replicate 10
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import UTC, datetime, timedelta
from unittest.mock import patch

from sqlalchemy import insert

from bench.databases import BACKENDS, scratch_database
from bench.replicate import replicate as replicate_steady_state
from bench.sweep_data import analyse, generate
from bot.assembly import planners
from bot.context import AppContext
from bot.outbox.sweep import plan, record_pass
from bot.settings import Settings
from domain.clock import FixedClock
from store.db import CHUNK, chunked
from store.engine import create_db_engine
from store.escalations import glance_query
from store.next_sweep import due_for_sweep_query
from store.outbox import OutboxMessage, existing_keys
from store.sweep_reads import sessions_by_pairing_query

# A Wednesday mid-morning in London.
NOW = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)


def settings_for(url: str) -> Settings:
    return Settings(
        _env_file=None,
        database_url=url,
        coordinators=["aad-coordinator-1"],
        champion="aad-champion-1",
        app_id="",
        scheduler_enabled=False,
    )


def _mark_sent(engine, planned, at: datetime) -> None:
    """Record a sweep's decisions as already sent, as the outbox holds them after a sweep."""
    table = OutboxMessage.__table__
    rows, seen = [], set()
    for message in planned:
        if message.key in seen:
            continue
        seen.add(message.key)
        rows.append(
            {
                "idempotency_key": message.key,
                "recipient_aad_object_id": None if message.to_channel else message.recipient,
                "conversation_id": message.recipient if message.to_channel else None,
                "kind": message.kind,
                "routine": message.routine,
                "working_hours": bool(message.working_hours),
                "payload": message.payload or {},
                "not_before": at,
                "status": "sent",
                "attempts": 1,
                "next_attempt_at": at,
                "sent_at": at,
                "created_at": at,
                "updated_at": at,
            }
        )
    with engine.begin() as connection:
        for chunk in chunked(rows, 5_000):
            connection.execute(insert(table), chunk)


def steady_state(ctx: AppContext, now: datetime) -> int:
    """Run the planners for real a minute before `now`, mark all they decided as sent and
    store when to look at each pairing and escalation again, as a real sweep does.

    The activities are not serialised here (an empty payload instead): a sweep reads the
    outbox's keys only, and serialising every message of a first sweep is most of its time.
    """
    before = now - timedelta(minutes=1)
    # The SDK's Activity is reached through the Teams package, where messages are made.
    with patch("bot.teams.proactive.Activity.serialize", lambda _activity: {}):
        planned, pass_ = plan(ctx, planners(ctx), before)
    _mark_sent(ctx.engine, planned, before)
    record_pass(ctx, pass_)
    # The first sweep rewrote every pairing's moment: statistics as the server would have
    # them a minute later (with those generated, PostgreSQL scans the table for the few due).
    analyse(ctx.engine)
    return len(planned)


def time_sweep(ctx: AppContext, now: datetime, repeat: int) -> tuple[list[float], int, int, int]:
    """Seconds per dry-run planning pass, messages planned, how many are new, and how many
    pairings the sweep looked at."""
    timings = []
    planned, looked_at = [], 0
    rules = planners(ctx)
    for _ in range(repeat):
        started = time.perf_counter()
        planned, pass_ = plan(ctx, rules, now, dry_run=True)
        with ctx.session() as session:
            new = len({m.key for m in planned} - existing_keys(session, (m.key for m in planned)))
        timings.append(time.perf_counter() - started)
        looked_at = len(pass_.ids)
    return timings, len(planned), new, looked_at


def explain(ctx: AppContext, now: datetime, path: str) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the sweep's queries (PostgreSQL)."""
    queries = {
        "pairings due": due_for_sweep_query(now),
        "escalations due": glance_query(now),
        "sessions of a chunk": sessions_by_pairing_query(range(1, CHUNK + 1)),
    }
    with ctx.engine.connect() as connection, open(path, "w") as out:
        for name, query in queries.items():
            sql = str(query.compile(connection, compile_kwargs={"literal_binds": True}))
            plan = connection.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {sql}").scalars()
            out.write(f"-- {name}\n" + "\n".join(plan) + "\n\n")


# Catching up: one sweep after an hour or a day without any.
GAPS = (("1h", timedelta(hours=1)), ("1d", timedelta(days=1)))
# What a sweep decides, which copies of a steady state multiply.
COUNTS = ("looked_at", "planned", "new") + tuple(
    f"after_{name}_{count}" for name, _gap in GAPS for count in ("looked_at", "planned", "new")
)


def sweeps(ctx: AppContext, repeat: int) -> dict:
    """The sweep one minute after the steady state (median of `repeat`), and once each an
    hour and a day later."""
    timings, planned, new, looked_at = time_sweep(ctx, NOW, repeat)
    result = {
        "sweep_s": round(statistics.median(timings), 3),
        "sweep_runs_s": [round(t, 3) for t in timings],
        "looked_at": looked_at,
        "planned": planned,
        "new": new,
    }
    # Not a steady state (a sweep runs every minute): one sweep catching up after an hour
    # or a day without any, an upper bound of what a late sweep costs.
    for name, gap in GAPS:
        late, late_planned, late_new, late_looked_at = time_sweep(ctx, NOW + gap, 1)
        result[f"after_{name}_s"] = round(late[0], 3)
        result[f"after_{name}_looked_at"] = late_looked_at
        result[f"after_{name}_planned"] = late_planned
        result[f"after_{name}_new"] = late_new
    return result


def measure(
    backend: str,
    size: int,
    repeat: int,
    profile: str | None,
    plans: str | None,
    replicate: int = 1,
) -> dict:
    if size % replicate:
        raise ValueError(f"{size} pairings are not {replicate} copies of one size")
    with scratch_database(backend, f"sweep_{size}") as url:
        engine = create_db_engine(url)
        ctx = AppContext(settings_for(url), engine, FixedClock(NOW))
        started = time.perf_counter()
        generate(engine, size // replicate, NOW)
        generated = time.perf_counter() - started
        started = time.perf_counter()
        warm = steady_state(ctx, NOW)
        warmed = time.perf_counter() - started
        copies = {}
        if replicate > 1:
            original = {"pairings": size // replicate} | sweeps(ctx, repeat)
            started = time.perf_counter()
            replicate_steady_state(engine, replicate)
            copies = {"copies": replicate, "copy_s": round(time.perf_counter() - started, 2)}
        if profile:
            from pyinstrument import Profiler

            # The minute's sweep, and catching up after a day without one.
            for suffix, at in (("", NOW), ("-1d", NOW + timedelta(days=1))):
                with Profiler() as profiler:
                    time_sweep(ctx, at, 1)
                path = f"{profile}-{backend}-{size}{suffix}.txt"
                with open(path, "w") as out:
                    out.write(profiler.output_text(unicode=False, show_all=False))
        if plans and backend == "postgresql":
            explain(ctx, NOW, f"{plans}-{size}.txt")
        result = sweeps(ctx, repeat)
        if replicate > 1:
            # Copies of a steady state decide, at every time, the original's decisions once
            # per copy.
            copies["decide_copies_times_the_original"] = all(
                result[count] == replicate * original[count] for count in COUNTS
            )
            copies["original"] = original
        engine.dispose()
    return {
        "bench": "sweep_cost",
        "backend": backend,
        "pairings": size,
        **result,
        "per_pairing_us": round(result["sweep_s"] / size * 1e6, 2),
        "first_sweep_s": round(warmed, 2),
        "first_sweep_planned": warm,
        "generate_s": round(generated, 2),
        **copies,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--profile", help="write pyinstrument profiles (the minute, a day late) to PREFIX-*.txt"
    )
    parser.add_argument("--plans", help="write PostgreSQL query plans to PREFIX-<size>.txt")
    parser.add_argument(
        "--replicate",
        type=int,
        default=1,
        metavar="K",
        help="build the steady state at size/K pairings and copy it K times",
    )
    args = parser.parse_args(argv)
    for backend in args.backends.split(","):
        for size in (int(s) for s in args.sizes.split(",")):
            result = measure(backend, size, args.repeat, args.profile, args.plans, args.replicate)
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
