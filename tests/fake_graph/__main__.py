"""The fake Graph on its own, for the browser journeys: `python -m tests.fake_graph --user
<aad id>,<name>,<mail> ... --group <group id>,<member aad id>,...` serves on a loopback port,
prints one JSON line with the settings the bot needs (as STEPFORWARD_GRAPH_* environment
variables), and runs until it is stopped."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import tempfile
from pathlib import Path

from tests.fake_graph import CLIENT_ID, SECRET, TENANT, FakeGraph
from tests.fake_graph.server import VERSION


def _environment(fake: FakeGraph) -> dict[str, str]:
    return {
        "STEPFORWARD_GRAPH_TENANT_ID": TENANT,
        "STEPFORWARD_GRAPH_CLIENT_ID": CLIENT_ID,
        "STEPFORWARD_GRAPH_CLIENT_SECRET": SECRET,
        "STEPFORWARD_GRAPH_AUTHORITY_HOST": fake.url,
        "STEPFORWARD_GRAPH_BASE_URL": f"{fake.url}{VERSION}",
        "STEPFORWARD_GRAPH_CA_BUNDLE": fake.ca_file,
    }


async def _serve(users: list[str], groups: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="fake-graph-") as folder:
        fake = await FakeGraph().start(Path(folder))
        for user in users:
            aad, name, mail = user.split(",", 2)
            fake.directory.add_user(aad, name, mail)
        for group in groups:
            group_id, *members = group.split(",")
            fake.directory.groups[group_id] = members
        print(json.dumps(_environment(fake)), flush=True)
        stopped = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stopped.set)
        await stopped.wait()
        await fake.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fake_graph")
    parser.add_argument("--user", action="append", default=[], help="aad id,name,mail")
    parser.add_argument("--group", action="append", default=[], help="group id,member,...")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    asyncio.run(_serve(args.user, args.group))
    return 0


if __name__ == "__main__":
    sys.exit(main())
