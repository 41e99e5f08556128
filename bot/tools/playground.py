"""Microsoft 365 Agents Playground for `stepforward demo`: a Teams-like client on this machine.

The Playground is the npm package `@microsoft/m365agentsplayground`, pinned in the project's
own Node folder (`e2e/package.json` and its lockfile). When Node is on PATH the demo installs it
there with `npm ci` if needed, starts it pointed at the bot and prints the address to open.
Without Node the bot runs alone and the demo says how to connect a client.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

PLAYGROUND_PACKAGE = "@microsoft/m365agentsplayground"
PLAYGROUND_VERSION = "0.2.28"
DEFAULT_PLAYGROUND_PORT = 56150
NODE_DIR = Path(__file__).resolve().parents[2] / "e2e"


class PlaygroundError(RuntimeError):
    """The Playground could not be installed or did not come up."""


def playground_url(port: int) -> str:
    return f"http://localhost:{port}/"


def bot_endpoint(port: int) -> str:
    return f"http://127.0.0.1:{port}/api/messages"


def manual_instructions(bot_port: int) -> str:
    """How to reach the bot without the bundled Playground."""
    return (
        "To talk to the bot like in Teams, install Node.js 20 or newer and run "
        "`stepforward demo` again, or start a client yourself:\n"
        f"  npx {PLAYGROUND_PACKAGE}@{PLAYGROUND_VERSION} -e {bot_endpoint(bot_port)}"
        " -c msteams --disable-telemetry"
    )


@dataclass(frozen=True)
class PlaygroundSetup:
    """Where the Playground lives and whether this machine can run it."""

    node_dir: Path

    @property
    def executable(self) -> Path:
        return self.node_dir / "node_modules" / ".bin" / "agentsplayground"

    def node_available(self) -> bool:
        return shutil.which("node") is not None

    def installed(self) -> bool:
        return self.executable.exists()

    def install(self) -> None:
        """`npm ci` from the committed lockfile (once; later runs find it installed)."""
        npm = shutil.which("npm")
        if npm is None or not (self.node_dir / "package-lock.json").exists():
            raise PlaygroundError(f"cannot install the Playground: no npm or no {self.node_dir}")
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=self.node_dir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        if result.returncode != 0 or not self.installed():
            raise PlaygroundError(f"npm ci failed in {self.node_dir}: {result.stderr.strip()}")


def start_playground(
    setup: PlaygroundSetup, bot_port: int, port: int, log_file: Path, wait_seconds: float = 60
) -> subprocess.Popen:
    """Start the Playground on `port`, talking to the bot on `bot_port`; wait for its ping."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    env = os.environ | {
        "TEAMSAPPTESTER_BROWSER": "none",
        "M365_AGENTS_PLAYGROUND_LOGFILE": str(log_file),
    }
    command = [str(setup.executable), "-e", bot_endpoint(bot_port), "-c", "msteams"]
    command += ["-p", str(port), "--disable-telemetry"]
    with log_file.open("a", encoding="utf-8") as log:
        process = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + wait_seconds
    while not _pings(port):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_playground(process)
            raise PlaygroundError(f"the Playground did not start on port {port}; see {log_file}")
        time.sleep(0.2)
    return process


def stop_playground(process: subprocess.Popen, grace_seconds: float = 10) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace_seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _pings(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_debug/ping", timeout=2) as reply:
            return reply.status == 200
    except OSError:
        return False
