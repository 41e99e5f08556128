"""Inbound load: Teams-shaped activities posted with concurrency 50 to a running
`stepforward serve` (SQLite and PostgreSQL) and, in the same run, to a minimal botbuilder
echo bot (`bench.echo_bot`); replies go to a fake connector on loopback.

The bot runs without an app id (no JWT) and without its scheduler, on a programme generated
by `bench.sweep_data` (1,000 active pairings: 1,500 people). The mix, from those people:
30 % "help", 20 % "my programme", 20 % card submits (the help button), 30 % check-in answers
(yes / not really, weeks 2, 4, 6, on their own pairing). Latency is the HTTP round trip of
one POST to /api/messages, which includes the bot's replies to the connector.

    .venv/bin/python -m bench.inbound --activities 20000
    # --targets echo,echo-kept,sqlite,postgresql   --concurrency 50   --profile /tmp/prof
    # --instances 2   two processes per target on one database, the load sent to each in turn

`echo-kept` is the echo bot keeping one connector client per service URL, as the bot does.
Prints one JSON line per target, then the ratios to each echo bot.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import psutil
from sqlalchemy import insert, select

from bench.databases import scratch_database
from bench.fake_connector import FakeConnector
from bench.instances import ROOT, free_port, http_status
from bench.sweep_data import analyse, generate
from bench.teams_activities import card_submit, personal_conversation, personal_message
from store.engine import create_db_engine
from store.models import ConversationRef, Person

PORTS = 41830  # connector, then the bot under test
PAIRINGS = 1000
TARGETS = ("echo", "echo-kept", "sqlite", "postgresql")


def activities(service_url: str, count: int, pairings: int = PAIRINGS, seed: int = 8) -> list:
    rng = random.Random(seed)
    mentors = max(1, pairings // 2)
    out = []
    for _ in range(count):
        draw = rng.random()
        trainee = rng.randrange(1, pairings + 1)
        if draw < 0.3:
            out.append(personal_message(service_url, f"aad-trainee-{trainee}", "help"))
        elif draw < 0.5:
            who = f"aad-mentor-{pairings + rng.randrange(1, mentors + 1)}"
            out.append(personal_message(service_url, who, "my programme"))
        elif draw < 0.7:
            out.append(card_submit(service_url, f"aad-trainee-{trainee}", {"action": "help"}))
        else:
            answer = {
                "check_in": rng.choice(("yes", "yes", "not_really")),
                "week": rng.choice((2, 4, 6)),
                "pairing_id": trainee,
            }
            out.append(card_submit(service_url, f"aad-trainee-{trainee}", answer))
    return out


class _Connector:
    """The fake connector on its own event loop in a thread (the load runs on the main one)."""

    def __init__(self, port: int) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.fake = self._run(FakeConnector().start(port=port))

    def _run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=30)

    def close(self) -> None:
        self._run(self.fake.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


class _Server:
    """A bot process on loopback: `stepforward serve` or the echo bot."""

    def __init__(self, command: list[str], port: int, env: dict, log_path: Path) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}/api/messages"
        environment = {k: v for k, v in os.environ.items() if not k.startswith("STEPFORWARD_")}
        environment |= {"PYTHONPATH": str(ROOT), **env}
        self._log = log_path.open("w")
        self.process = subprocess.Popen(
            command,
            cwd=log_path.parent,
            env=environment,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while http_status(f"http://127.0.0.1:{port}/readyz") != 200:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {log_path.read_text()[-2000:]}")
            time.sleep(0.2)

    def peak_rss_mb(self) -> float:
        """The process's high-water mark of resident memory (VmHWM), else its RSS now."""
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
        except OSError:
            pass
        return self.rss_mb()

    def rss_mb(self) -> float:
        """The process's resident memory now."""
        return round(psutil.Process(self.process.pid).memory_info().rss / 2**20, 1)

    def cpu_s(self) -> float:
        """CPU time the process has used so far, all its threads, user and system."""
        times = psutil.Process(self.process.pid).cpu_times()
        return times.user + times.system

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


async def _load(urls: list[str], items: list, concurrency: int) -> tuple[list[float], int, float]:
    """POST every activity, `concurrency` at a time, to each of `urls` in turn (as a load
    balancer in front of several instances would): latencies (s), errors, elapsed (s)."""
    latencies: list[float] = []
    errors = 0
    queue = zip(items, itertools.cycle(urls))
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            nonlocal errors
            for activity, url in queue:
                started = time.perf_counter()
                try:
                    async with session.post(url, json=activity) as response:
                        await response.read()
                        ok = response.status in (200, 201, 202)
                except aiohttp.ClientError:
                    ok = False
                latencies.append(time.perf_counter() - started)
                errors += not ok

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    return latencies, errors, elapsed


def add_personal_chats(engine, service_url: str, now: datetime) -> None:
    """A personal chat's conversation reference for everyone in the programme, as a running
    programme has (everyone applied or was matched in chat), then fresh planner statistics.

    Without them the store would hold one conversation reference, and planner statistics taken
    then would tell SQLite to scan a table that the run fills with 1,500 rows."""
    people = Person.__table__
    with engine.begin() as connection:
        aad_ids = connection.execute(select(people.c.aad_object_id)).scalars().all()
        rows = []
        for aad in aad_ids:
            conversation = personal_conversation(aad)
            rows.append(
                {
                    "conversation_id": conversation["id"],
                    "conversation_type": "personal",
                    "aad_object_id": aad,
                    "service_url": service_url,
                    "reference": {"conversation": conversation, "serviceUrl": service_url},
                    "updated_at": now,
                }
            )
        connection.execute(insert(ConversationRef.__table__), rows)
    analyse(engine)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _server(target: str, port: int, folder: Path, url: str | None, profile: str | None, name: str):
    if target.startswith("echo"):
        command = [sys.executable, "-m", "bench.echo_bot", "--port", str(port)]
        command += ["--keep-clients"] if target == "echo-kept" else []
        return _Server(command, port, {}, folder / f"{name}.log")
    command = [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port)]
    if profile:
        Path(profile).mkdir(parents=True, exist_ok=True)
        output = Path(profile) / f"inbound-{name}.html"
        command = [sys.executable, "-m", "pyinstrument", "-r", "html", "-o", str(output)]
        command += ["-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    env = {"DATABASE_URL": url, "STEPFORWARD_SCHEDULER": "false"}
    return _Server(command, port, env, folder / f"{name}.log")


def measure(
    target: str,
    count: int,
    *,
    concurrency: int = 50,
    ports: int = PORTS,
    profile: str | None = None,
    pairings: int = PAIRINGS,
    instances: int = 1,
) -> dict:
    """One target's run. With `instances` > 1 that many processes serve it on one database,
    each on its own port, and the load goes to each in turn; CPU is their sum, memory the
    largest of them."""
    connector = _Connector(ports)
    try:
        items = activities(connector.fake.url, count, pairings)
        warm = activities(connector.fake.url, min(200, count), pairings, seed=9)
        echo = target.startswith("echo")
        backend = "sqlite" if echo else target
        with tempfile.TemporaryDirectory() as folder, scratch_database(backend, "inbound") as url:
            if not echo:
                engine = create_db_engine(url)
                generate(engine, pairings, datetime.now(UTC))
                add_personal_chats(engine, connector.fake.url, datetime.now(UTC))
                engine.dispose()
            servers = []
            try:
                for index in range(instances):
                    port = ports + 1 + index if ports else free_port()
                    name = target if instances == 1 else f"{target}-{index + 1}"
                    servers.append(_server(target, port, Path(folder), url, profile, name))
                urls = [server.url for server in servers]
                asyncio.run(_load(urls, warm, concurrency))
                warmed_rss = max(server.rss_mb() for server in servers)
                warmed_cpu = sum(server.cpu_s() for server in servers)
                latencies, errors, elapsed = asyncio.run(_load(urls, items, concurrency))
                peak = max(server.peak_rss_mb() for server in servers)
                end_rss = max(server.rss_mb() for server in servers)
                cpu = sum(server.cpu_s() for server in servers) - warmed_cpu
            finally:
                for server in servers:
                    server.stop()
        replies = len(connector.fake.requests)
    finally:
        connector.close()
    return {
        "bench": "inbound",
        "target": target,
        "instances": instances,
        "activities": count,
        "concurrency": concurrency,
        "errors": errors,
        "replies": replies,
        "per_s": round(count / elapsed, 1),
        "p50_ms": round(_percentile(latencies, 0.50) * 1000, 1),
        "p95_ms": round(_percentile(latencies, 0.95) * 1000, 1),
        "p99_ms": round(_percentile(latencies, 0.99) * 1000, 1),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1),
        "elapsed_s": round(elapsed, 1),
        # The servers' own CPU per activity (all threads), and how many cores' worth they used.
        "cpu_ms_per_activity": round(cpu / count * 1000, 2),
        "cpu_cores": round(cpu / elapsed, 2),
        "peak_rss_mb": peak,
        # Growth over the run: resident memory after the warm-up, and at the end.
        "rss_warm_mb": warmed_rss,
        "rss_end_mb": end_rss,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--activities", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--targets", default=",".join(TARGETS))
    parser.add_argument("--ports", type=int, default=PORTS, help="first of two ports (0: any free)")
    parser.add_argument("--profile", help="folder for a pyinstrument profile of each bot run")
    parser.add_argument(
        "--instances", type=int, default=1, help="processes serving each target, one database"
    )
    args = parser.parse_args()
    results = {}
    for target in args.targets.split(","):
        profile = args.profile if not target.startswith("echo") else None
        result = measure(
            target,
            args.activities,
            concurrency=args.concurrency,
            ports=args.ports,
            profile=profile,
            instances=args.instances,
        )
        results[target] = result
        print(json.dumps(result), flush=True)
    for baseline in ("echo", "echo-kept"):
        if baseline in results:
            per_s = results[baseline]["per_s"]
            ratios = {t: round(r["per_s"] / per_s, 3) for t, r in results.items() if t != baseline}
            print(json.dumps({"bench": "inbound", f"ratio_to_{baseline}": ratios}), flush=True)


if __name__ == "__main__":
    main()
