"""`tracker status` and `tracker schedule --once`, in-process."""

from __future__ import annotations

import os
import shutil
import socket
import sys
import types

import pytest

from tracker.store import Store


@pytest.fixture(autouse=True)
def _git_only(monkeypatch):
    """These tests schedule the git source against local repositories; the remote sources are off."""
    for source in ("GITHUB", "FUNDING", "OPENCOLLECTIVE", "PYPI"):
        monkeypatch.setenv(f"TRACKER_SCHEDULE_{source}", "off")


@pytest.fixture
def two_projects(cli, make_repo):
    repos = {}
    for name, n in (("a", 4), ("b", 2)):
        repo = make_repo(name)
        for i in range(n):
            repo.commit(f"2024-01-0{i + 1}", files={f"{name}{i}": "x"})
        assert cli("add", f"o/{name}", "--git", str(repo.path)).code == 0
        repos[f"o/{name}"] = repo
    return repos


def test_status_without_a_database(cli):
    result = cli("status")
    assert result.code == 1 and "no database at" in result.err


def test_status_lists_every_source_and_project(cli, two_projects):
    assert cli("collect", "--source", "git", "--project", "o/a").code == 0
    result = cli("status")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "scheduler: not running (start it with: tracker schedule)"
    assert lines[1].split() == ["source", "project", "last_run", "finished", "result", "data_as_of", "error",
                                "next_run"]
    row_a = next(line for line in lines if line.startswith("git ") and " o/a " in line)
    row_b = next(line for line in lines if line.startswith("git ") and " o/b " in line)
    assert row_a.split()[0] == "git" and " ok " in row_a
    assert " never " in row_b and row_a.split()[5].endswith("Z")  # data arrived from that run

    data = cli("status", "--format", "json").json()
    assert data["scheduler"]["running"] is False
    runs = {(r["source"], r["project"]): r for r in data["runs"]}
    assert runs[("git", "o/a")]["result"] == "ok" and runs[("git", "o/a")]["last_run"].endswith("Z")
    assert runs[("git", "o/a")]["data_at"] == runs[("git", "o/a")]["finished"]
    assert runs[("git", "o/b")] == {"source": "git", "project": "o/b", "last_run": None, "finished": None,
                                    "result": "never", "error": None, "data_at": None, "next_run": None}
    assert data["pending_requests"] == 0


def test_once_collects_everything_and_reports_failures(cli, two_projects):
    shutil.rmtree(two_projects["o/b"].path)          # this one cannot be read any more
    result = cli("schedule", "--once")
    assert result.code == 1
    assert "job collect:git error: 1 collected, 1 failed" in result.err
    data = cli("status", "--format", "json").json()
    runs = {r["project"]: r for r in data["runs"] if r["source"] == "git"}
    assert runs["o/a"]["result"] == "ok"
    assert runs["o/b"]["result"] == "error" and "no such path" in runs["o/b"]["error"]
    jobs = {j["job_id"]: j for j in data["jobs"]}
    assert jobs["collect:git"]["last_status"] == "error" and "o/b" in jobs["collect:git"]["last_error"]
    assert data["scheduler"]["last_status"] == "stopped"
    table = cli("status").out
    assert table.startswith(f"scheduler: not running (last run pid {os.getpid()} on {socket.gethostname()}")


def test_once_resumes_a_run_left_running_by_a_dead_process(cli, two_projects, db_path):
    assert cli("collect", "--source", "git").code == 0
    two_projects["o/a"].commit("2024-02-01", files={"late": "y"})
    with Store.open(db_path) as store:
        pid = store.scalar("SELECT id FROM projects WHERE slug = 'o/a'")
        store.execute("INSERT INTO collection_runs (source, project_id, started_at, status, pid, host)"
                      " VALUES ('git', ?, now()::TIMESTAMP, 'running', 999999999, ?)",
                      [pid, socket.gethostname()])
    result = cli("schedule", "--once")
    assert result.code == 0, result.err
    assert "resuming the interrupted run of git o/a" in result.err
    with Store.open(db_path, read_only=True) as store:
        statuses = [r[0] for r in store.all(
            "SELECT status FROM collection_runs WHERE project_id = ? ORDER BY started_at, id", [pid])]
        assert statuses[:3] == ["ok", "interrupted", "ok"]
        assert store.scalar("SELECT count(*) FROM git_commits WHERE project_id = ?", [pid]) == 5


def test_each_project_is_scored_as_soon_as_it_is_collected(cli, two_projects, monkeypatch):
    calls = []

    def score_projects(store, projects, now=None, weights_path=None, progress=None, keep_results=True):
        calls.append(([p.slug for p in projects], store.scalar("SELECT count(*) FROM git_commits")))
        return types.SimpleNamespace(written=len(projects), failures=[], rows=[])

    fake = types.ModuleType("tracker.score")
    fake.score_projects = score_projects
    monkeypatch.setitem(sys.modules, "tracker.score", fake)
    result = cli("schedule", "--once")
    assert result.code == 0, result.err
    assert calls == [(["o/a"], 4), (["o/b"], 6)]    # o/a scored before o/b was collected
    assert "scored o/a" in result.err and "scored o/b" in result.err
    jobs = {j["job_id"]: j for j in cli("status", "--format", "json").json()["jobs"]}
    assert jobs["score"]["last_status"] == "ok"


def test_a_failing_scorer_is_recorded_and_collection_goes_on(cli, two_projects, monkeypatch):
    fake = types.ModuleType("tracker.score")
    fake.score_projects = lambda store, projects, *a, **kw: 1 / 0
    monkeypatch.setitem(sys.modules, "tracker.score", fake)
    result = cli("schedule", "--once")
    assert result.code == 0, result.err
    assert "scoring failed: ZeroDivisionError" in result.err
    jobs = {j["job_id"]: j for j in cli("status", "--format", "json").json()["jobs"]}
    assert jobs["score"]["last_status"] == "error" and jobs["collect:git"]["last_status"] == "ok"


def test_scoring_is_skipped_and_said_so_when_absent(cli, two_projects, monkeypatch):
    monkeypatch.setitem(sys.modules, "tracker.score", None)  # as if the module did not exist
    result = cli("schedule", "--once")
    assert result.code == 0, result.err
    assert "scoring skipped: tracker.score is not installed" in result.err
    jobs = {j["job_id"]: j for j in cli("status", "--format", "json").json()["jobs"]}
    assert jobs["score"]["last_status"] == "skipped"


def test_switched_off_sources_and_bad_config(cli, two_projects, tmp_path):
    cfg = tmp_path / "s.toml"
    cfg.write_text('[intervals]\ngit = "off"\n')
    result = cli("schedule", "--once", "--config", str(cfg))
    assert result.code == 0 and "source git is switched off" in result.err
    assert all(r["result"] == "never" for r in cli("status", "--format", "json").json()["runs"])
    cfg.write_text('[intervals]\ngit = "often"\n')
    result = cli("schedule", "--once", "--config", str(cfg))
    assert result.code == 2 and result.err.startswith("tracker: error: --config") and "'often'" in result.err


def test_a_partial_run_shows_as_partial_with_what_failed(cli, two_projects, db_path):
    """A run some parts of which failed is `partial`, not `error`, and says which parts and why."""
    assert cli("collect", "--source", "git").code == 0
    with Store.open(db_path) as store:
        pid = store.scalar("SELECT id FROM projects WHERE slug = 'o/a'")
        store.execute(
            "INSERT INTO collection_runs (source, project_id, started_at, finished_at, status, error, parts)"
            " VALUES ('github', ?, now()::TIMESTAMP, now()::TIMESTAMP, 'partial',"
            " 'graphql: GitHub GraphQL answered 502 for GraphQL batch of 2 repositories; gave up after 6 attempts',"
            " '{\"graphql\": {\"status\": \"failed\", \"reason\": \"502\"}, \"rest\": {\"status\": \"ok\"}}')", [pid])
    data = cli("status", "--format", "json").json()
    row = next(r for r in data["runs"] if r["source"] == "github" and r["project"] == "o/a")
    assert row["result"] == "partial" and row["error"].startswith("graphql: GitHub GraphQL answered 502")
    line = next(x for x in cli("status").out.splitlines() if x.startswith("github ") and " o/a " in x)
    assert " partial " in line and "graphql: GitHub GraphQL answered 502" in line
