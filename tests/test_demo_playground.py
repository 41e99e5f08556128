"""`stepforward demo` with and without Node: the Playground beside the bot, or how to connect."""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

import pytest

from bot.tools.playground import PLAYGROUND_VERSION
from tests.processes import free_port, http_status, start_demo, wait_until_ready

# Stands in for the npm package's `agentsplayground`: records how it was started and answers
# the Playground's health check on the port it was given, until it is told to stop.
FAKE_PLAYGROUND = """#!{python}
import json, os, signal, sys
from http.server import BaseHTTPRequestHandler, HTTPServer

args = sys.argv[1:]
with open({record!r}, "w") as f:
    json.dump({{"args": args, "browser": os.environ.get("TEAMSAPPTESTER_BROWSER")}}, f)

class Ping(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/_debug/ping" else 404)
        self.end_headers()
        self.wfile.write(b"pong")
    def log_message(self, *a):
        pass

signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
HTTPServer(("127.0.0.1", int(args[args.index("-p") + 1])), Ping).serve_forever()
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


def test_demo_starts_the_playground_prints_its_url_and_stops_it(tmp_path: Path):
    record = tmp_path / "playground.json"
    node_dir = tmp_path / "node"
    fake = FAKE_PLAYGROUND.format(python=sys.executable, record=str(record))
    _executable(node_dir / "node_modules" / ".bin" / "agentsplayground", fake)
    path_with_node = tmp_path / "bin"
    _executable(path_with_node / "node", "#!/bin/sh\nexit 0\n")
    port, playground_port = free_port(), free_port()

    process = start_demo(
        tmp_path,
        port,
        "--playground-dir",
        str(node_dir),
        "--playground-port",
        str(playground_port),
        path=str(path_with_node),
    )
    try:
        wait_until_ready(process, port)
        assert http_status(f"http://127.0.0.1:{playground_port}/_debug/ping") == 200
    finally:
        output = _stop(process)

    assert process.returncode == 0, output
    assert f"Open http://localhost:{playground_port}/ to talk to the bot as Alex Wilber" in output
    started = json.loads(record.read_text("utf-8"))
    assert started["browser"] == "none"
    assert started["args"] == [
        "-e",
        f"http://127.0.0.1:{port}/api/messages",
        "-c",
        "msteams",
        "-p",
        str(playground_port),
        "--disable-telemetry",
    ]
    assert (tmp_path / "var" / "playground.log").exists()
    with pytest.raises(OSError):  # the demo stopped (and waited for) its Playground on exit
        http_status(f"http://127.0.0.1:{playground_port}/_debug/ping")
