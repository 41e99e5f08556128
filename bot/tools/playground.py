"""Microsoft 365 Agents Playground for `stepforward demo`: Teams-like clients on this machine.

The Playground is the npm package `@microsoft/m365agentsplayground`, pinned in the project's
own Node folder (`e2e/package.json` and its lockfile). A Playground has one signed-in user, so
the demo starts one per persona (the coordinator in a team channel, a trainee and a mentor in
personal chat), each with its own configuration file naming the bot "Step Forward" and the
team's channel "Coordinators". The e2e journeys start theirs from the same configuration
(`python -m bot.tools.playground config <persona> <tag>`).

A Playground moves to another port when the one asked for is taken, and says where it listens
on its standard output; the address printed, and the readiness ping, use that port. Without
Node the bot runs alone and the demo says how to connect a client.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from store.seed import DEMO_COORDINATOR_ID, DEMO_COORDINATOR_NAME, DEMO_MENTORS

PLAYGROUND_PACKAGE = "@microsoft/m365agentsplayground"
PLAYGROUND_VERSION = "0.2.28"
DEFAULT_PLAYGROUND_PORT = 56150
NODE_DIR = Path(__file__).resolve().parents[2] / "e2e"
BOT_NAME = "Step Forward"
TEAM_NAME = "My Team"
CHANNEL_NAME = "Coordinators"
_LISTENING = re.compile(r"Listening on (\d+)")
LOG_TAIL_LINES = 20


class PlaygroundError(RuntimeError):
    """The Playground could not be installed or did not come up."""


@dataclass(frozen=True)
class PlaygroundUser:
    """One of the Playground's users (the ids of its defaults, as the demo seed uses them)."""

    id: str
    name: str
    login: str
    aad_object_id: str


# The Playground's own default users; the demo seed gives the first five their roles.
USERS = (
    PlaygroundUser("user-id-0", DEMO_COORDINATOR_NAME, "alexw", DEMO_COORDINATOR_ID),
    *(
        PlaygroundUser(f"user-id-{n}", m.name, login, m.aad_object_id)
        for n, (m, login) in enumerate(
            zip(DEMO_MENTORS, ("meganb", "adelev", "isaiahl", "pattif"), strict=True), start=1
        )
    ),
    PlaygroundUser("user-id-5", "Lynne Robbins", "lynner", "00000000-0000-0000-0000-0000000000025"),
)


@dataclass(frozen=True)
class Persona:
    key: str
    user: PlaygroundUser
    role: str
    where: str


PERSONAS = (
    Persona(
        "coordinator",
        USERS[0],
        "the demo coordinator",
        f"in the team channel {TEAM_NAME} › {CHANNEL_NAME} (@mention {BOT_NAME} there)",
    ),
    Persona("trainee", USERS[5], "a trainee who has not applied yet", "in personal chat"),
    Persona("mentor", USERS[1], "an accepted mentor waiting to be paired", "in personal chat"),
)


def persona(key: str) -> Persona:
    for candidate in PERSONAS:
        if candidate.key == key:
            return candidate
    raise KeyError(key)


def _user_yaml(user: PlaygroundUser, indent: int) -> str:
    given, surname = user.name.split(" ", 1)
    lines = [
        f"id: {user.id}",
        f"name: {user.name}",
        f"userPrincipleName: {user.login}@example.com",  # (sic) the Playground's key
        f"aadObjectId: {user.aad_object_id}",
        f"givenName: {given}",
        f"surname: {surname}",
        f"email: {user.login}@example.com",
    ]
    return f"\n{' ' * indent}".join(lines)


def playground_config(current: PlaygroundUser, tag: str) -> str:
    """A `.m365agentsplayground.yml` (format 0.1.1) whose signed-in user is `current`; `tag`
    keeps each Playground's conversation ids apart."""
    others = "\n".join(f"  - {_user_yaml(u, 4)}" for u in USERS if u != current)
    return f"""version: "0.1.1"
tenantId: 00000000-0000-0000-0000-0000000000001
bot:
  id: 00000000-0000-0000-0000-00000000000011
  name: {BOT_NAME}
currentUser:
  {_user_yaml(current, 2)}
users:
{others}
personalChat:
  id: personal-chat-{tag}
groupChat:
  id: group-chat-{tag}
  name: Group Chat
team:
  id: team-{tag}
  name: {TEAM_NAME}
  aadGroupId: 00000000-0000-0000-0000-000000000031
  channels:
    - id: channel-coordinators-{tag}
      name: {CHANNEL_NAME}
"""


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


@dataclass
class RunningPlayground:
    persona: Persona
    process: subprocess.Popen
    port: int  # where it really listens

    @property
    def url(self) -> str:
        return playground_url(self.port)


def start_playground(
    setup: PlaygroundSetup,
    bot_port: int,
    port: int,
    work_dir: Path,
    who: Persona = PERSONAS[0],
    wait_seconds: float = 60,
) -> RunningPlayground:
    """Start `who`'s Playground, asking for `port`, talking to the bot on `bot_port`; wait
    until it says where it listens and answers its ping there."""
    work_dir.mkdir(parents=True, exist_ok=True)
    config = work_dir / f"{who.key}-playground.yml"
    config.write_text(playground_config(who.user, who.key), "utf-8")
    output = work_dir / f"{who.key}-playground.out"
    env = os.environ | {
        "TEAMSAPPTESTER_BROWSER": "none",
        "M365_AGENTS_PLAYGROUND_CONFIG_PATH": str(config),
        "M365_AGENTS_PLAYGROUND_LOGFILE": str(work_dir / f"{who.key}-playground.log"),
    }
    command = [str(setup.executable), "-e", bot_endpoint(bot_port), "-c", "msteams"]
    command += ["-p", str(port), "--disable-telemetry"]
    with output.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + wait_seconds
    while True:
        listening = _listening_port(output)
        if listening is not None and _pings(listening):
            return RunningPlayground(who, process, listening)
        exited = process.poll()
        if exited is not None or time.monotonic() > deadline:
            stop_playground(process)
            if exited is not None:
                said = f"exited (code {exited})"
            elif listening is None:
                said = f"did not say where it listens within {wait_seconds:.0f} s"
            else:
                said = f"says it listens on port {listening} but does not answer there"
            raise PlaygroundError(
                f"the {who.key}'s Playground {said}; the end of {output}:\n{_tail(output)}"
            )
        time.sleep(0.2)


def _listening_port(output: Path) -> int | None:
    """The port the Playground says it listens on (it moves when the one asked for is taken)."""
    try:
        found = _LISTENING.search(output.read_text("utf-8", errors="replace"))
    except OSError:
        return None
    return int(found.group(1)) if found else None


def _tail(path: Path) -> str:
    try:
        lines = path.read_text("utf-8", errors="replace").rstrip().splitlines()
    except OSError:
        return "(no output)"
    return "\n".join(lines[-LOG_TAIL_LINES:]) or "(no output)"


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


def main(argv: list[str]) -> int:
    """`python -m bot.tools.playground config <persona> <tag>`: print a persona's configuration."""
    if len(argv) != 3 or argv[0] != "config" or argv[1] not in {p.key for p in PERSONAS}:
        keys = "|".join(p.key for p in PERSONAS)
        print(f"usage: python -m bot.tools.playground config <{keys}> <tag>", file=sys.stderr)
        return 2
    print(playground_config(persona(argv[1]).user, argv[2]), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
