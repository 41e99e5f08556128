"""`stepforward demo` with and without Node: the Playground beside the bot, or how to connect."""

from __future__ import annotations

import json
import re
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from bot.tools.playground import PLAYGROUND_VERSION
from tests.processes import free_port, http_status, start_demo, wait_until_ready

# Stands in for the npm package's `agentsplayground`: records how it was started (one JSON line
# per Playground), listens on the port it was given or, like the real one, on another if that is
# taken, says so on its standard output, and answers the health check until told to stop.
FAKE_PLAYGROUND = """#!{python}
import json, os, signal, socket, sys
from http.server import BaseHTTPRequestHandler, HTTPServer

args = sys.argv[1:]
config = os.environ.get("M365_AGENTS_PLAYGROUND_CONFIG_PATH")
with open({record!r}, "a") as f:
    f.write(json.dumps({{
        "args": args,
        "browser": os.environ.get("TEAMSAPPTESTER_BROWSER"),
        "config": open(config).read() if config else None,
    }}) + "\\n")

class Ping(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/_debug/ping" else 404)
        self.end_headers()
        self.wfile.write(b"pong")
    def log_message(self, *a):
        pass

signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
try:
    server = HTTPServer(("127.0.0.1", int(args[args.index("-p") + 1])), Ping)
except OSError:
    print("Port is already in use. Finding an available port...", flush=True)
    server = HTTPServer(("127.0.0.1", 0), Ping)
print("Listening on", server.server_port, flush=True)
server.serve_forever()
"""


def _executable(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    path.chmod(0o755)


def _stop(process) -> str:
    try:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    return output


def test_demo_without_node_runs_the_bot_and_says_how_to_connect(tmp_path: Path):
    no_node = tmp_path / "bin"
    no_node.mkdir()
    port = free_port()
    process = start_demo(tmp_path, port, path=str(no_node))
    try:
        wait_until_ready(process, port)
    finally:
        output = _stop(process)
    assert process.returncode == 0, output
    assert "Node.js was not found, so the bot runs on its own." in output
    assert (
        f"npx @microsoft/m365agentsplayground@{PLAYGROUND_VERSION}"
        f" -e http://127.0.0.1:{port}/api/messages -c msteams --disable-telemetry"
    ) in output
    assert "Open http" not in output


def _fake_node(tmp_path: Path, playground: str) -> tuple[Path, Path, Path]:
    """A Node folder with `playground` as its agentsplayground, a PATH with a `node`, the
    file the fake records to."""
    record = tmp_path / "playground.jsonl"
    node_dir = tmp_path / "node"
    _executable(
        node_dir / "node_modules" / ".bin" / "agentsplayground",
        playground.format(python=sys.executable, record=str(record)),
    )
    path_with_node = tmp_path / "bin"
    _executable(path_with_node / "node", "#!/bin/sh\nexit 0\n")
    return node_dir, path_with_node, record


class _Elsewhere(BaseHTTPRequestHandler):
    """Another process on the Playground's usual port, which answers the ping too."""

    def do_GET(self):
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_demo_starts_a_playground_per_persona_prints_where_each_listens_and_stops_them(
    tmp_path: Path,
):
    node_dir, path_with_node, record = _fake_node(tmp_path, FAKE_PLAYGROUND)
    port, first = free_port(), free_port()
    # Something else already answers on the coordinator's port: the demo must not take its
    # ping for the Playground's, nor print that address.
    taken = HTTPServer(("127.0.0.1", first), _Elsewhere)
    threading.Thread(target=taken.serve_forever, daemon=True).start()

    process = start_demo(
        tmp_path,
        port,
        "--playground-dir",
        str(node_dir),
        "--playground-port",
        str(first),
        path=str(path_with_node),
    )
    try:
        wait_until_ready(process, port)
        urls = {}
        deadline = time.monotonic() + 30
        while len(urls) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
            urls = _printed_urls(tmp_path)
        for url in urls.values():
            assert http_status(f"{url}_debug/ping") == 200
    finally:
        output = _stop(process)
        taken.shutdown()

    assert process.returncode == 0, output
    started = [json.loads(line) for line in record.read_text("utf-8").splitlines()]
    assert len(started) == 3
    assert all(s["browser"] == "none" for s in started)
    asked = [int(s["args"][s["args"].index("-p") + 1]) for s in started]
    assert asked == [first, first + 1, first + 2]
    for s in started:
        assert s["args"][:4] == ["-e", f"http://127.0.0.1:{port}/api/messages", "-c", "msteams"]
        assert "name: Step Forward" in s["config"] and "name: Coordinators" in s["config"]
    signed_in = [
        s["config"].split("currentUser:")[1].split("name: ")[1].split("\n")[0] for s in started
    ]
    assert signed_in == ["Alex Wilber", "Lynne Robbins", "Megan Bowen"]

    coordinator = re.search(r"coordinator: open http://localhost:(\d+)/ — Alex Wilber", output)
    assert coordinator, output
    assert int(coordinator.group(1)) != first  # it moved: the printed address is the real one
    assert "in the team channel My Team › Coordinators" in output
    assert re.search(r"trainee: open http://localhost:\d+/ — Lynne Robbins, a trainee", output)
    assert re.search(
        r"mentor: open http://localhost:\d+/ — Megan Bowen, an accepted mentor", output
    )
    for url in urls.values():
        with pytest.raises(OSError):  # the demo stopped (and waited for) its Playgrounds on exit
            http_status(f"{url}_debug/ping")


def _printed_urls(cwd: Path) -> dict[str, str]:
    """The addresses the demo printed so far (read from the Playgrounds' own output files)."""
    urls = {}
    for out in (cwd / "var" / "playground").glob("*-playground.out"):
        found = re.search(r"Listening on (\d+)", out.read_text("utf-8"))
        if found:
            urls[out.name.split("-")[0]] = f"http://127.0.0.1:{found.group(1)}/"
    return urls


def test_a_playground_that_never_says_where_it_listens_fails_clearly(tmp_path: Path):
    silent = FAKE_PLAYGROUND.replace('print("Listening on", server.server_port, flush=True)', "")
    node_dir, path_with_node, _record = _fake_node(tmp_path, silent)
    port = free_port()
    process = start_demo(
        tmp_path,
        port,
        "--playground-dir",
        str(node_dir),
        "--playground-wait",
        "3",
        path=str(path_with_node),
    )
    try:
        wait_until_ready(process, port)
    finally:
        output = _stop(process)
    assert process.returncode == 0, output
    assert (
        "The Playground could not start: the coordinator's Playground did not say where it "
        in output
    )
    assert "Open http" not in output and ": open http" not in output
