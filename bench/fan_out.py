"""Fan-out: N people due a nudge at the same moment, sent by a real `stepforward serve` to a
fake connector that enforces Teams' rate limits (429 with Retry-After when exceeded).

The outbox is seeded with one due row per person (person, conversation reference, outbox
row), as `tests/test_several_instances.py` does; the bot's scheduler sweeps every second and
its dispatcher paces itself (`bot.outbox.pacing`, Teams' default limits). The connector counts what
it accepted per conversation: lost (a person with nothing) and duplicates (a person with more
than one) are counted there, not assumed. With `--kill`, the bot is SIGKILLed once half the
messages were accepted: with one instance a second process is started on the same database,
with several the scheduler's leader (the one sending the sweep's messages) is killed and another
takes over (short outbox lease, so rows claimed by the dead process are taken over quickly).
`--instances 2` runs two processes from the start (PostgreSQL: one app-wide budget of 50/s).

With `--announcement`, the N people are instead the members of one staff group an approved
announcement goes to (`bench/announce_data.py`): the bot's announcement step queues one
message per person, and the outbox sends them; the recipients' delivery states are reported.

    .venv/bin/python -m bench.fan_out --sizes 2000,20000 --kill both
    .venv/bin/python -m bench.fan_out --sizes 10000 --kill no --announcement
    .venv/bin/python -m bench.fan_out --sizes 10000 --backend postgresql --instances 2

Prints one JSON line per run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import tempfile
import time
from pathlib import Path

from bench.announce_data import deliveries, seed_announcement
from bench.databases import BACKENDS, scratch_database
from bench.fake_connector import TEAMS_APP_LIMITS, FakeConnector
from bench.instances import Instance, outbox_statuses, seed_due_nudges

PORTS = 41800  # connector on PORTS, bot processes on PORTS + 1, PORTS + 2, ...
CEILING = TEAMS_APP_LIMITS[0][0] / TEAMS_APP_LIMITS[0][1]  # 50 sends per second per app
LEADING = "scheduler leadership taken"  # what the leader logs (`bot.outbox.leadership`)


class _Monotonic:
    """Stamps what the connector accepts with the monotonic clock."""

    @staticmethod
    def now() -> float:
        return time.monotonic()


async def _until(condition, what: str, within: float) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting until {what}")
        await asyncio.sleep(0.1)


async def measure(
    count: int,
    *,
    kill: bool = False,
    backend: str = "sqlite",
    lease: float = 10.0,
    ports: int = PORTS,
    announcement: bool = False,
    instances: int = 1,
    concurrency: int | None = None,
) -> dict:
    if instances > 1 and backend == "sqlite":
        raise ValueError("several instances need PostgreSQL")
    connector = FakeConnector()
    connector.enforce_limits()
    connector.clock = _Monotonic()
    await connector.start(port=ports)
    env = {"STEPFORWARD_OUTBOX_LEASE_SECONDS": str(lease)}
    if concurrency is not None:
        env["STEPFORWARD_DISPATCH_CONCURRENCY"] = str(concurrency)
    started: list[Instance] = []
    try:
        with scratch_database(backend, "fanout") as url, tempfile.TemporaryDirectory() as folder:
            seeded = time.monotonic()
            seed = seed_announcement if announcement else seed_due_nudges
            chats = await asyncio.to_thread(seed, url, connector.url, count)
            seed_s = time.monotonic() - seeded
            began = time.monotonic()
            load_before = os.getloadavg()

            def port(n: int) -> int | None:
                return ports + n if ports else None

            for n in range(1, instances + 1):
                log = Path(folder) / f"instance-{n}.log"
                started.append(Instance(url, log, port=port(n), **env))
            killed_at = None
            patience = count / CEILING * 3 + 120
            if kill:
                await _until(lambda: len(connector.requests) >= count // 2, "half sent", patience)
                victim = next((i for i in started if LEADING in i.log()), started[0])
                victim.process.send_signal(signal.SIGKILL)
                await asyncio.to_thread(victim.process.wait, 10)
                killed_at = len(connector.requests)
                if instances == 1:
                    log = Path(folder) / "restarted.log"
                    started.append(Instance(url, log, port=port(instances + 1), **env))
            await _until(lambda: len(connector.requests) >= count, "all sent", patience)
            finished = time.monotonic()
            # Anything still to arrive (a re-send after a lease expired) arrives in this time.
            await asyncio.sleep(lease + 3 if kill else 3)
            statuses = await asyncio.to_thread(outbox_statuses, url)
            recipients = await asyncio.to_thread(deliveries, url) if announcement else None
            for instance in started:
                instance.stop()
    finally:
        for instance in started:
            instance.stop()
        await connector.stop()

    counts = connector.per_conversation()
    arrivals = sorted(r.at for r in connector.requests)
    send_s = arrivals[-1] - arrivals[0] if len(arrivals) > 1 else 0.0
    rate = (len(arrivals) - 1) / send_s if send_s else 0.0
    result = {
        "bench": "fan_out",
        "backend": backend,
        "instances": instances,
        "concurrency": concurrency,
        "people": count,
        "kill": kill,
        "killed_after_sent": killed_at,
        "accepted": len(connector.requests),
        "lost": sum(1 for chat in chats if counts[chat] == 0),
        "duplicates": sum(counts[chat] - 1 for chat in chats if counts[chat] > 1),
        "unexpected": sum(n for chat, n in counts.items() if chat not in set(chats)),
        "throttled_429": sum(connector.throttled.values()),
        "not_sent_in_outbox": sum(1 for status in statuses if status != "sent"),
        "send_s": round(send_s, 2),
        "elapsed_s": round(finished - began, 2),
        "rate_per_s": round(rate, 2),
        "fraction_of_ceiling": round(rate / CEILING, 3),
        "seed_s": round(seed_s, 1),
        "load_average": [round(x, 2) for x in (*load_before, *os.getloadavg())],
    }
    if announcement:
        result["bench"] = "fan_out_announcement"
        result["recipients"] = recipients
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="2000,20000", help="people due at once, comma-separated")
    parser.add_argument("--kill", choices=("no", "yes", "both"), default="both")
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite")
    parser.add_argument("--lease", type=float, default=10.0, help="outbox lease in seconds")
    parser.add_argument(
        "--ports", type=int, default=PORTS, help="first of the ports in a row (0: any free)"
    )
    parser.add_argument(
        "--instances", type=int, default=1, help="serve processes from the start (PostgreSQL)"
    )
    parser.add_argument(
        "--concurrency", type=int, default=None, help="STEPFORWARD_DISPATCH_CONCURRENCY"
    )
    parser.add_argument(
        "--announcement", action="store_true", help="an announcement to a staff group of N"
    )
    args = parser.parse_args()
    kills = {"no": [False], "yes": [True], "both": [False, True]}[args.kill]
    for size in (int(s) for s in args.sizes.split(",")):
        for kill in kills:
            result = asyncio.run(
                measure(
                    size,
                    kill=kill,
                    backend=args.backend,
                    lease=args.lease,
                    ports=args.ports,
                    announcement=args.announcement,
                    instances=args.instances,
                    concurrency=args.concurrency,
                )
            )
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
