"""Helpers for tests that run `tracker schedule` (and other commands) as real subprocesses."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tracker.store import open_reader

ROOT = Path(__file__).resolve().parents[2]


def wait_for(predicate: Callable[[], Any], timeout: float = 60.0, what: str = "condition",
             proc: Proc | None = None) -> Any:
    """Poll `predicate` until it returns something truthy; fail with the daemon's log otherwise.
    Polls come quickly at first, then every quarter second: most predicates open the database (about
    16 ms of CPU each, and a moment in which the daemon cannot write), and a wait can last seconds."""
    deadline = time.monotonic() + timeout
    delay = 0.05
    while True:
        value = predicate()
        if value:
            return value
        if proc is not None and proc.popen.poll() is not None:
            raise AssertionError(f"process exited ({proc.popen.returncode}) while waiting for {what}:\n"
                                 + proc.log())
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}"
                                 + (":\n" + proc.log() if proc else ""))
        time.sleep(delay)
        delay = min(delay * 1.5, 0.25)


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    """A read-only query the way the app makes it (short connection, retried while locked)."""
    with open_reader(db, attempts=200) as store:
        return store.all(sql, params)


class Proc:
    """`python -m tracker --db DB ARGS` (or a test harness module) with its output in a log file."""

    def __init__(self, db: Path, log_path: Path, *args: str, module: str = "tracker",
                 env: dict[str, str] | None = None):
        self.log_path = log_path
        full_env = dict(os.environ)
        full_env.update({"PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"})
        # These tests drive the git source against local repositories; the remote sources (pointed
        # at a closed loopback port by conftest) would only add retries and noise: off unless asked.
        for source in ("GITHUB", "FUNDING", "OPENCOLLECTIVE", "PYPI"):
            full_env.setdefault(f"TRACKER_SCHEDULE_{source}", "off")
        full_env.update(env or {})
        self.log_file = open(log_path, "wb")  # closed by wait() or kill()
        self.popen = subprocess.Popen([sys.executable, "-m", module, "--db", str(db), *args], cwd=ROOT,
                                      env=full_env, stdout=self.log_file, stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def send(self, sig: int) -> None:
        self.popen.send_signal(sig)

    def wait(self, timeout: float = 60.0) -> int:
        try:
            code = self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"process did not exit within {timeout}s:\n{self.log()}") from None
        self.log_file.close()
        return code

    def kill(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGKILL)
            self.popen.wait(30)
        self.log_file.close()
