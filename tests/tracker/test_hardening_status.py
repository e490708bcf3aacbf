"""`tracker status` tells a live run from a dead one (issue 14): each run and the scheduler's record
carry the process id and its start time, so a killed process shows as `interrupted (process gone)`
and a process id reused by an unrelated process is not mistaken for the old one."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from tests.tracker.daemon import Proc, query, wait_for
from tracker import registry, runs
from tracker.store import Store

pytestmark = pytest.mark.timeout(240)


@pytest.fixture
def sleeper():
    """A live process that is not a tracker (its pid stands in for a reused one)."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    yield proc
    proc.kill()
    proc.wait()


def _running_row(store: Store, project_id: int, pid: int, started: float | None) -> int:
    return store.scalar(
        "INSERT INTO collection_runs (source, project_id, started_at, status, pid, host, pid_started)"
        " VALUES ('git', ?, now()::TIMESTAMP, 'running', ?, ?, ?) RETURNING id",
        [project_id, pid, socket.gethostname(), started])


def status_rows(cli) -> dict[str, dict]:
    result = cli("status", "--format", "json")
    assert result.code == 0, result.err
    return {r["project"]: r for r in result.json()["runs"] if r["source"] == "git"}


def test_process_start_time_identifies_a_process():
    os_pid = os.getpid()
    me = runs.process_start(os_pid)
    assert me is not None and abs(me - runs.process_start(os_pid)) < 0.01    # stable
    assert time.time() - 3600 * 24 * 365 < me <= time.time()
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert runs.process_start(child.pid) is None                              # gone
    assert runs.process_alive(os_pid, socket.gethostname(), me)
    assert not runs.process_alive(os_pid, socket.gethostname(), me - 50)      # same pid, another process
    assert not runs.process_alive(child.pid, socket.gethostname(), None)


def test_the_portable_fallback_agrees_with_proc(monkeypatch):
    from_proc = runs.process_start(os.getpid())
    monkeypatch.setattr(runs, "_start_from_proc", lambda pid: None)
    from_ps = runs.process_start(os.getpid())
    assert from_ps is not None and abs(from_ps - from_proc) <= 2


def test_runs_record_their_process_and_its_start_time(store):
    project, _ = registry.add(store, "o/a")
    run = runs.start(store, "git", project.id)
    pid, host, started = store.one("SELECT pid, host, pid_started FROM collection_runs WHERE id = ?", [run.id])
    assert (pid, host) == (os.getpid(), socket.gethostname())
    assert started == pytest.approx(runs.process_start(os.getpid()), abs=0.01)


def test_status_shows_a_killed_collector_as_interrupted(cli, make_repo, db_path, tmp_path):
    repo = make_repo("a")
    for i in range(5):
        repo.commit(f"2024-01-0{i + 1}", files={f"f{i}": "x"})
    assert cli("add", "o/a", "--git", str(repo.path)).code == 0
    pause = tmp_path / "pause"
    pause.mkdir()
    # The scheduler keeps no database connection while it reads a repository, so status can look.
    proc = Proc(db_path, tmp_path / "schedule.log", "schedule", module="tests.fakes.paused_git",
                env={"TRACKER_SCHEDULE_GIT": "1h", "PAUSE_AT": "read", "PAUSE_DIR": str(pause)})
    try:
        wait_for(lambda: (pause / "paused").exists(), what="the scheduler reading the repository", proc=proc)
        assert status_rows(cli)["o/a"]["result"] == "running"                   # alive: running
        proc.send(signal.SIGKILL)
        proc.wait()
    finally:
        proc.kill()
    rows = status_rows(cli)
    assert rows["o/a"]["result"] == "interrupted (process gone)"
    table = cli("status")
    assert "interrupted (process gone)" in table.out
    # status only reads: the row is still `running` in the database until a writer closes it
    assert query(db_path, "SELECT status FROM collection_runs")[-1] == ("running",)


def test_a_reused_pid_is_not_mistaken_for_the_old_process(cli, store, db_path, sleeper):
    project, _ = registry.add(store, "o/a")
    other, _ = registry.add(store, "o/b")
    real = runs.process_start(sleeper.pid)
    _running_row(store, project.id, sleeper.pid, real - 100)     # the pid now belongs to another process
    _running_row(store, other.id, sleeper.pid, real)             # the process that opened it, still alive
    store.close()
    rows = status_rows(cli)
    assert rows["o/a"]["result"] == "interrupted (process gone)"
    assert rows["o/b"]["result"] == "running"
    with Store.open(db_path) as s:                               # a writer closes the dead one only
        assert runs.mark_interrupted(s) == 1
        assert [r[0] for r in s.all("SELECT status FROM collection_runs ORDER BY project_id")] == \
            ["interrupted", "running"]


def test_the_schedulers_record_carries_its_start_time(cli, make_repo, db_path, monkeypatch):
    for source in ("GITHUB", "FUNDING", "OPENCOLLECTIVE", "PYPI"):
        monkeypatch.setenv(f"TRACKER_SCHEDULE_{source}", "off")
    repo = make_repo("a")
    repo.commit("2024-01-01")
    assert cli("add", "o/a", "--git", str(repo.path)).code == 0
    assert cli("schedule", "--once").code == 0
    row = query(db_path, "SELECT pid, pid_started FROM scheduler_jobs WHERE job_id = 'scheduler'")[0]
    assert row[0] == os.getpid() and row[1] == pytest.approx(runs.process_start(os.getpid()), abs=0.01)
