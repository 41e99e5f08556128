"""Helpers for tests that run `stepforward` as a real process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_status(url: str) -> int:
    with urllib.request.urlopen(url, timeout=2) as response:
        return response.status


def start_demo(cwd: Path, port: int, *args: str, path: str | None = None) -> subprocess.Popen:
    """`stepforward demo` on `port` in `cwd`; `path` replaces PATH (e.g. one without Node)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PORT")}
    env |= {"PORT": str(port), "PYTHONPATH": str(PROJECT_ROOT)}
    if path is not None:
        env["PATH"] = path
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "demo", "--host", "127.0.0.1", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_until_ready(process: subprocess.Popen, port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if http_status(f"http://127.0.0.1:{port}/readyz") == 200:
                return
        except OSError:
            pass
        assert process.poll() is None, process.stdout.read()
        assert time.monotonic() < deadline, "demo did not become ready"
        time.sleep(0.2)
