"""`tracker serve` as a real process tree: the scheduler and the app start together on the bundled
snapshot, and one SIGTERM or Ctrl-C (SIGINT to the process group) stops both, leaving no process;
if the app dies, the scheduler stops too. No network: every remote URL is a closed loopback port."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.tracker.daemon import ROOT, query, wait_for
from tests.ui.server import free_port

pytestmark = pytest.mark.timeout(240)

# Two of the shipped snapshot's smallest projects: the tests about signals and restarts need a first
# start that loads a snapshot, not all fifty projects' scoring (the first test loads the whole one).
SMALL = ("CompVis/stable-diffusion", "openai/tiktoken")


@pytest.fixture(scope="module")
def small_sample(tmp_path_factory) -> Path:
    """The shipped snapshot (data/sample/) cut down to SMALL: the same files, a manifest that lists
    only those projects (the loader reads the rows of the projects its manifest lists)."""
    shipped = ROOT / "data" / "sample"
    out = tmp_path_factory.mktemp("small-sample")
    manifest = json.loads((shipped / "manifest.json").read_text(encoding="utf-8"))
    manifest["projects"] = [p for p in manifest["projects"] if p["repo"] in SMALL]
    assert len(manifest["projects"]) == len(SMALL)
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    for f in shipped.glob("*.parquet"):
        (out / f.name).symlink_to(f)
    return out


def session_members(sid: int) -> list[tuple[int, str]]:
    """(pid, command) of every live process in session `sid` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        state, session = fields[0], int(fields[3])
        if session == sid and state != "Z":
            found.append((int(entry.name), cmd))
    return found


class Serve:
    def __init__(self, tmp_path: Path, *args: str):
        self.db = tmp_path / "serve.duckdb"
        self.port = free_port()
        self.log_path = tmp_path / "serve.log"
        self.log = open(self.log_path, "wb")
        env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1", TRACKER_SCHEDULE_POLL="1s")
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "tracker", "--db", str(self.db), "serve", "--port", str(self.port), *args],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_stcore/health", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def wait_started(self) -> None:
        wait_for(lambda: self.healthy() and "scheduler started" in self.text(), timeout=120,
                 what=f"the app and the scheduler\n{self.text()}")

    def members(self) -> list[tuple[int, str]]:
        return session_members(self.popen.pid)

    def wait(self, timeout: float = 60) -> int:
        try:
            return self.popen.wait(timeout)
        finally:
            self.log.close()

    def kill(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)
        self.log.close()


@pytest.fixture
def served(tmp_path):
    procs: list[Serve] = []

    def start(*args: str) -> Serve:
        proc = Serve(tmp_path, *args)
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        proc.kill()


def test_first_start_loads_the_snapshot_and_sigterm_stops_everything(served):
    serve = served()
    serve.wait_started()
    members = serve.members()
    assert len(members) == 2 and any("tracker.ui.serve" in cmd for _, cmd in members)   # the scheduler and the app
    log = serve.text()
    assert "loaded the bundled snapshot of" in log and "the app: http://localhost:" in log
    app_cmd = next(cmd for _, cmd in members if "tracker.ui.serve" in cmd)
    assert "--server.address 127.0.0.1 " in app_cmd + " " and "no login" not in log   # `tracker app`'s binding
    assert query(serve.db, "SELECT count(*) FROM bundled_snapshot")[0][0] >= 40
    serve.popen.send_signal(signal.SIGTERM)
    assert serve.wait() == 0
    assert serve.members() == []                                  # nothing left running
    log = serve.text()
    assert "scheduler stopped cleanly" in log and "Traceback" not in log
    assert query(serve.db, "SELECT last_status FROM scheduler_jobs WHERE job_id = 'scheduler'") == [("stopped",)]


def test_ctrl_c_stops_everything_and_a_restart_does_not_load_again(served, small_sample):
    serve = served("--sample", str(small_sample))
    serve.wait_started()
    assert "loaded the bundled snapshot of" in serve.text()
    os.killpg(serve.popen.pid, signal.SIGINT)                     # what a terminal's Ctrl-C sends
    assert serve.wait() == 0
    assert serve.members() == []
    again = served("--sample", str(small_sample))
    again.wait_started()
    assert "loaded the bundled snapshot" not in again.text()      # the database has its projects
    assert query(again.db, "SELECT count(*) FROM bundled_snapshot")[0][0] == len(SMALL)
    again.popen.send_signal(signal.SIGTERM)
    assert again.wait() == 0 and again.members() == []


def test_when_the_app_dies_the_scheduler_stops_too(served, small_sample):
    serve = served("--sample", str(small_sample))
    serve.wait_started()
    app = next(pid for pid, cmd in serve.members() if "tracker.ui.serve" in cmd)
    os.kill(app, signal.SIGKILL)
    assert serve.wait() == 1
    assert serve.members() == []
    assert "the app stopped on its own" in serve.text()


def test_sigterm_while_the_app_starts_leaves_nothing_behind(served, small_sample):
    serve = served("--address", "0.0.0.0", "--sample", str(small_sample))                        # off loopback: `tracker app`'s warning
    wait_for(lambda: any("tracker.ui.serve" in cmd for _, cmd in serve.members()), timeout=60,
             what="the app's process")
    assert any("--server.address 0.0.0.0" in cmd for _, cmd in serve.members())
    assert "tracker serve: warning: the app has no login: anyone who can reach 0.0.0.0:" in serve.text()
    serve.popen.send_signal(signal.SIGTERM)                       # before the scheduler has started
    serve.wait()
    deadline = time.monotonic() + 15
    while serve.members() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert serve.members() == []
