"""Parallel collection with one writer: real git repositories, real worker processes, real DuckDB.

The same projects collected one at a time and with worker processes must store the same rows; a
worker killed with SIGKILL loses only its own project (recorded as interrupted, with the reason),
a rerun completes it; a dependant's fetch starts only after its inputs for that project are saved.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import signal
import stat
import time
from pathlib import Path

import pytest

from tests.conftest import offline_config
from tests.fakes.loopback import serve
from tests.fakes.pypi_server import PyPIHandler, PyPIState, package_doc, release_file
from tracker import collect, config, executors, registry
from tracker.progress import Progress
from tracker.store import Store

pytestmark = pytest.mark.timeout(180)

# Every table the git source writes, with the columns that do not depend on when it ran.
GIT_TABLES = {
    "git_commits": "project_id, sha, parents, is_merge, author_name, author_email, author_key, author_at,"
                   " committer_at, is_bot, date_suspect",
    "git_commit_files": "project_id, sha, change, path",
    "git_tags": "project_id, name, sha, tagged_at, is_release",
    "repo_files": "project_id, kind, path, size_bytes, content, truncated, problem, blob_sha",
    "git_repos": "project_id, source, local_path, default_branch, head_sha, is_shallow, is_empty, commits_stored",
}


def git_rows(store: Store) -> dict[str, list[tuple]]:
    """Every row of every git table (by project slug, so two databases compare), sorted."""
    out = {}
    for table, cols in GIT_TABLES.items():
        rows = store.all(f"SELECT p.slug, {', '.join('t.' + c.strip() for c in cols.split(',')[1:])}"
                         f" FROM {table} t JOIN projects p ON p.id = t.project_id")
        out[table] = sorted(rows, key=repr)
    return out


def build_repos(make_repo, count: int = 6) -> list:
    """Repositories of different shapes: sizes, authors, merges, tags, governance files, one empty."""
    repos = []
    for k in range(count):
        repo = make_repo(f"r{k}")
        if k == count - 1:                      # an empty repository
            repos.append(repo)
            continue
        for i in range(3 + 4 * k):
            repo.commit(f"2024-0{1 + i % 9}-{1 + i % 27:02d}T10:00:00", name=f"Dev{i % (k + 1)}",
                        email=f"dev{i % (k + 1)}@example.org", files={f"src/m{i % 5}.py": f"v = {i}\n"})
            if i % 4 == 3:
                repo.tag(f"v{k}.{i}")
        if k % 2 == 0:
            repo.commit("2024-10-01", files={".github/FUNDING.yml": f"github: [dev{k}]\n",
                                             "LICENSE": "MIT\n", "SECURITY.md": "mail us\n"})
        if k == 1:
            repo.git("checkout", "-q", "-b", "side")
            repo.commit("2024-10-02", files={"side.txt": "x\n"})
            repo.git("checkout", "-q", "main")
            repo.commit("2024-10-03", files={"main.txt": "y\n"})
            repo.merge("side", "2024-10-04")
            repo.tag("v9.9", when="2024-10-05", annotated=True)
        repos.append(repo)
    return repos


def track_all(store: Store, repos) -> list[registry.Project]:
    return [registry.add(store, f"o/{Path(r.path).name}", git_source=str(r.path))[0] for r in repos]


def run_git(db_path: Path, workers: int, **kw) -> tuple[list[collect.Outcome], str]:
    err = io.StringIO()
    with Store.open(db_path) as store:
        projects = registry.select(store, None)
        outcomes = collect.collect(store, config.load(db_path), projects, kw.pop("sources", ["git"]),
                                   Progress(stream=err), kw.pop("options", {}), workers=workers, **kw)
    return outcomes, err.getvalue()


def test_worker_processes_store_exactly_what_a_run_in_one_process_stores(make_repo, tmp_path):
    repos = build_repos(make_repo)
    dbs = {}
    for workers in (1, 2):
        db = tmp_path / f"w{workers}.duckdb"
        with Store.open(db) as store:
            track_all(store, repos)
        outcomes, err = run_git(db, workers)
        assert [o.status for o in outcomes] == ["ok"] * len(repos), err
        dbs[workers] = db
    with Store.open(dbs[1]) as one, Store.open(dbs[2]) as two:
        a, b = git_rows(one), git_rows(two)
        assert a == b
        assert len(a["git_commits"]) == sum(int(r.git("rev-list", "--count", "HEAD")) for r in repos[:-1])
        assert len(a["git_tags"]) == sum(len(r.git("tag").split()) for r in repos)
        runs = two.all("SELECT status, count(*) FROM collection_runs GROUP BY status")
        assert runs == [("ok", len(repos))]


def test_progress_is_one_line_per_finished_project(make_repo, tmp_path, db_path):
    repos = build_repos(make_repo, 5)
    with Store.open(db_path) as store:
        track_all(store, repos)
    outcomes, err = run_git(db_path, 2)
    lines = err.strip().splitlines()
    assert len(lines) == len(repos), err
    pattern = re.compile(r"^\[ *\d+\.\ds\] \[(\d)/5\] git o/r\d: ok(: [\d,]+ commits stored, \d+ tags,"
                         r" \d+ governance files)?$")
    assert all(pattern.match(line) for line in lines), err
    assert sorted(int(pattern.match(line).group(1)) for line in lines) == [1, 2, 3, 4, 5]
    assert sorted(o.project for o in outcomes) == [f"o/r{k}" for k in range(5)]


def test_a_failing_fetch_in_a_worker_loses_only_its_project(make_repo, tmp_path, db_path):
    repos = build_repos(make_repo, 3)
    not_a_repo, gone = tmp_path / "plain-folder", tmp_path / "moved-away"
    not_a_repo.mkdir()
    gone.mkdir()
    with Store.open(db_path) as store:
        track_all(store, repos)
        registry.add(store, "o/gone", git_source=str(gone))
        registry.add(store, "o/plain", git_source=str(not_a_repo))
    gone.rmdir()                                   # deleted after it was added
    outcomes, err = run_git(db_path, 2)
    by = {o.project: o for o in outcomes}
    assert by["o/gone"].status == "error" and "no such path" in by["o/gone"].error
    assert by["o/plain"].status == "error" and "not a git repository" in by["o/plain"].error
    assert all(by[f"o/r{k}"].status == "ok" for k in range(3))
    with Store.open(db_path) as store:
        assert store.all("SELECT p.slug, r.status FROM collection_runs r JOIN projects p ON p.id = r.project_id"
                         " WHERE r.status <> 'ok' ORDER BY p.slug") == [("o/gone", "error"), ("o/plain", "error")]
        assert store.scalar("SELECT count(DISTINCT project_id) FROM git_repos") == 3
    assert "warning: [" in err and "o/gone: error:" in err


def _hanging_git(tmp_path: Path, marker: str) -> Path:
    """A `git` first on PATH that, for `git log` in a path containing `marker`, writes its parent's
    pid (the worker process) and its own, then waits; everything else goes to the real git."""
    real = next(Path(d) / "git" for d in os.environ["PATH"].split(os.pathsep) if (Path(d) / "git").exists())
    bindir = tmp_path / "bin"
    bindir.mkdir()
    script = bindir / "git"
    script.write_text(f"""#!/bin/sh
case "$*" in
  *"{marker} log "*)
    echo "$PPID $$" > {tmp_path}/hanging.pid.tmp && mv {tmp_path}/hanging.pid.tmp {tmp_path}/hanging.pid
    exec sleep 120 ;;
esac
exec {real} "$@"
""")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return bindir


def _wait_for(path: Path, seconds: float = 90) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists():
            return path.read_text()
        time.sleep(0.05)
    raise AssertionError(f"{path} did not appear within {seconds}s")


def test_a_worker_killed_with_sigkill_loses_only_its_project_and_a_rerun_completes_it(
        make_repo, tmp_path, db_path, monkeypatch):
    import threading

    repos = build_repos(make_repo, 5)
    with Store.open(db_path) as store:
        track_all(store, repos)
    bindir = _hanging_git(tmp_path, "/r2")
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    killed: list[int] = []

    def kill_the_worker() -> None:
        worker, sleeper = (int(x) for x in _wait_for(tmp_path / "hanging.pid").split())
        os.kill(worker, signal.SIGKILL)
        killed.append(worker)
        os.kill(sleeper, signal.SIGKILL)         # the orphaned stand-in for `git log`

    killer = threading.Thread(target=kill_the_worker)
    killer.start()
    outcomes, err = run_git(db_path, 2)
    killer.join()
    assert killed
    by = {o.project: o for o in outcomes}
    assert by["o/r2"].status == "interrupted"
    assert "worker process collecting it died (it was killed by SIGKILL)" in by["o/r2"].error
    assert all(by[f"o/r{k}"].status == "ok" for k in (0, 1, 3, 4)), err
    with Store.open(db_path) as store:
        row = store.dicts("SELECT r.status, r.error, r.finished_at FROM collection_runs r JOIN projects p"
                          " ON p.id = r.project_id WHERE p.slug = 'o/r2'")[0]
        assert row["status"] == "interrupted" and "SIGKILL" in row["error"] and row["finished_at"] is not None
        assert store.scalar("SELECT count(*) FROM git_repos g JOIN projects p ON p.id = g.project_id"
                            " WHERE p.slug = 'o/r2'") == 0
        before = git_rows(store)
    monkeypatch.setenv("PATH", os.environ["PATH"].split(os.pathsep, 1)[1])
    again, err = run_git(db_path, 2)
    assert {o.status for o in again} == {"ok"}, err
    with Store.open(db_path) as store:
        after = git_rows(store)
        slug_rows = [r for r in after["git_commits"] if r[0] == "o/r2"]
        assert len(slug_rows) == int(repos[2].git("rev-list", "--count", "HEAD"))
        for table in GIT_TABLES:      # the others are unchanged and nothing is duplicated
            assert [r for r in after[table] if r[0] != "o/r2"] == [r for r in before[table] if r[0] != "o/r2"]
            assert len(after[table]) == len(set(after[table]))


def test_a_dependant_starts_only_after_its_inputs_for_that_project_were_saved(make_repo, tmp_path, db_path):
    """funding reads FUNDING.yml from what git saved: with worker processes it still runs after
    git for the same project, and finds the file."""
    repos = build_repos(make_repo, 4)
    with Store.open(db_path) as store:
        track_all(store, repos)
    outcomes, err = run_git(db_path, 2, sources=["git", "funding"])
    assert {(o.source, o.status) for o in outcomes} == {("git", "ok"), ("funding", "ok")}, err
    assert "funding needs git, github: not selected" not in err      # git is selected
    with Store.open(db_path) as store:
        order = store.all(
            "SELECT p.slug, g.finished_at <= f.started_at FROM collection_runs g"
            " JOIN collection_runs f ON f.project_id = g.project_id AND f.source = 'funding'"
            " JOIN projects p ON p.id = g.project_id WHERE g.source = 'git' ORDER BY p.slug")
        assert order == [(f"o/r{k}", True) for k in range(4)]
        channels = store.all("SELECT p.slug FROM funding_channels c JOIN projects p ON p.id = c.project_id"
                             " GROUP BY p.slug ORDER BY p.slug")
        assert channels == [("o/r0",), ("o/r2",)]      # the repositories with a FUNDING.yml


def test_remote_sources_run_beside_the_workers_and_count_their_own_requests(make_repo, db_path, monkeypatch):
    """PyPI (a remote source) runs on the writer's thread with the run's HTTP session while git
    runs in worker processes; each run row counts exactly its own requests."""
    state = PyPIState()
    for k in range(3):
        state.packages[f"pkg{k}"] = package_doc(f"pkg{k}", "1.0", {"Source": f"https://github.com/o/r{k}"},
                                                {"1.0": [release_file("1.0", "2024-05-01T10:00:00Z")]})
    repos = build_repos(make_repo, 3)
    with serve(PyPIHandler, state) as base:
        monkeypatch.setenv("PYPI_URL", base)
        with Store.open(db_path) as store:
            for k, repo in enumerate(repos):
                registry.add(store, f"o/r{k}", git_source=str(repo.path), pypi_package=f"pkg{k}")
        outcomes, err = run_git(db_path, 2, sources=["git", "pypi"], options={"sleep": lambda s: None})
    assert sorted((o.source, o.project, o.status) for o in outcomes) == sorted(
        [(s, f"o/r{k}", "ok") for s in ("git", "pypi") for k in range(3)]), err
    assert sorted(state.requests) == [f"/pypi/pkg{k}/json" for k in range(3)]
    with Store.open(db_path) as store:
        assert store.all("SELECT source, requests FROM collection_runs ORDER BY source, project_id") == \
            [("git", None)] * 3 + [("pypi", 1)] * 3
        assert store.scalar("SELECT count(*) FROM pypi_releases") == 3


def test_a_fetch_task_carries_no_token(make_repo, db_path, monkeypatch):
    import pickle

    monkeypatch.setenv("GITHUB_TOKEN", "fake-github-token-for-tests")
    monkeypatch.setenv("OPENCOLLECTIVE_TOKEN", "oc-secret-token")
    cfg = config.load(db_path)
    assert cfg.github_token == "fake-github-token-for-tests"
    with Store.open(db_path) as store:
        project, _ = registry.add(store, "o/x")
    task = executors.FetchTask("git", project, {"head": None}, collect.runs.utcnow(),
                               executors.worker_options({"full": True, "sleep": time.sleep}), None,
                               executors.worker_config(cfg))
    raw = pickle.dumps(task)
    assert b"ghp_secret" not in raw and b"oc-secret" not in raw
    assert task.options == {"full": True}


def test_cli_workers_option_and_environment(cli, make_repo, monkeypatch):
    repos = build_repos(make_repo, 3)
    for r in repos:
        assert cli("add", f"o/{Path(r.path).name}", "--git", str(r.path)).code == 0
    bad = cli("collect", "--workers", "0")
    assert bad.code == 2 and "--workers='0': at least 1" in bad.err
    monkeypatch.setenv("TRACKER_WORKERS", "many")
    bad = cli("collect")
    assert bad.code == 2 and "TRACKER_WORKERS='many': expected a whole number" in bad.err
    monkeypatch.setenv("TRACKER_WORKERS", "2")
    done = cli("collect", "--source", "git", "--format", "json")
    assert done.code == 0, done.err
    assert sorted((r["project"], r["status"]) for r in done.json()) == [(f"o/r{k}", "ok") for k in range(3)]
    assert len(done.err.strip().splitlines()) == 3
    noexec = cli("collect", "--executor", "dask")
    assert noexec.code == 2 and "needs the scheduler's address" in noexec.err
    stray = cli("collect", "--scheduler", "tcp://127.0.0.1:9")
    assert stray.code == 2 and "use it with --executor dask" in stray.err


def test_the_scheduler_with_workers_runs_dependants_after_their_inputs(cli, make_repo, db_path, monkeypatch):
    """`tracker schedule --once` with `workers = 2`: git fetches in worker processes, funding for a
    project only after git's run for it was saved, once per project."""
    repos = build_repos(make_repo, 4)
    for r in repos:
        assert cli("add", f"o/{Path(r.path).name}", "--git", str(r.path)).code == 0
    for name, value in (("GITHUB", "off"), ("PYPI", "off"), ("OPENCOLLECTIVE", "off"), ("GIT", "6h"),
                        ("FUNDING", "1d"), ("SCORE", "0"), ("WORKERS", "2")):
        monkeypatch.setenv(f"TRACKER_SCHEDULE_{name}", value)
    done = cli("schedule", "--once")
    assert done.code == 0, done.err
    with Store.open(db_path) as store:
        runs = store.all("SELECT source, status, count(*) FROM collection_runs GROUP BY ALL ORDER BY ALL")
        assert runs == [("funding", "ok", 4), ("git", "ok", 4)]
        order = store.all(
            "SELECT bool_and(g.finished_at <= f.started_at) FROM collection_runs g"
            " JOIN collection_runs f ON f.project_id = g.project_id AND f.source = 'funding'"
            " WHERE g.source = 'git'")
        assert order == [(True,)]
        job = store.one("SELECT last_status FROM scheduler_jobs WHERE job_id = 'collect:git'")
        assert job == ("ok",)
    again = cli("schedule", "--once")      # nothing new is due: git runs (its job is due), funding waits a day
    assert again.code == 0, again.err
    with Store.open(db_path) as store:
        assert dict(store.all("SELECT source, count(*) FROM collection_runs GROUP BY source")) == \
            {"git": 8, "funding": 4}


def test_schedule_workers_setting_is_checked(tmp_path):
    from tracker.errors import UsageError
    from tracker.schedule_config import load

    assert load(env={}).workers == 1
    assert load(env={"TRACKER_SCHEDULE_WORKERS": "3"}).workers == 3
    assert load(env={"TRACKER_SCHEDULE_WORKERS": "auto"}).workers == executors.default_workers()
    conf = tmp_path / "s.toml"
    conf.write_text("[scheduler]\nworkers = 0\n")
    with pytest.raises(UsageError, match="workers"):
        load(conf, env={})


GITHUB_TABLES = ("github_repo_snapshots", "github_releases", "github_issues", "github_contributors",
                 "github_funding_links", "github_state")
GITHUB_TIMES = {"collected_at", "fetched_at", "updated_on", "contributors_at", "community_at", "checked_at",
                "window_start"}          # when each run ran, not what it found


def github_rows(store: Store) -> dict[str, list[tuple]]:
    out = {}
    for table in GITHUB_TABLES:
        cols = [c for (c,) in store.all("SELECT column_name FROM information_schema.columns WHERE table_name = ?"
                                        " ORDER BY ordinal_position", [table]) if c not in GITHUB_TIMES]
        out[table] = sorted(store.all(f"SELECT {', '.join(cols)} FROM {table}"), key=repr)
    return out


def test_github_with_workers_streams_its_pages_and_stores_what_one_process_stores(make_repo, tmp_path):
    """GitHub (many batches per project: one per issue page, then the rest) runs on the writer's
    thread next to the git workers; every page is saved as it comes, and the tables equal a run
    in one process."""
    from datetime import timedelta

    from collectors.http import Policy
    from tests.fakes.github_server import FakeClock, FakeGitHub, FakeRepo, Release, make_items

    now = collect.runs.utcnow().replace(microsecond=0)
    token = "fake-token-FAKE0for0tests0only0X7qZ"
    repos = build_repos(make_repo, 3)
    results = {}
    for workers in (1, 2):
        clock = FakeClock(now)
        with FakeGitHub(clock, token=token) as fake:
            for k in range(3):
                fake.add(FakeRepo("o", f"r{k}", 500 + k, stars=10 * k, commits_365d=40,
                                  items=make_items(230 + 40 * k, now - timedelta(days=200), step=timedelta(hours=12)),
                                  releases=[Release(j, f"v{j}", now - timedelta(days=90 - j)) for j in range(1, 4)],
                                  contributors=[{"login": f"dev{i}", "contributions": 9 - i} for i in range(3)]))
            db = tmp_path / f"gh{workers}.duckdb"
            cfg = offline_config(db, github_api_url=fake.api_url, github_token=token)
            with Store.open(db) as store:
                track_all(store, repos)
                err = io.StringIO()
                outcomes = collect.collect(store, cfg, registry.select(store, None), ["git", "github"],
                                           Progress(stream=err), {"clock": clock, "sleep": clock.sleep,
                                                                  "policy": Policy(), "github": {"window_days": 730}},
                                           workers=workers)
                assert {(o.source, o.status) for o in outcomes} == {("git", "ok"), ("github", "ok")}, err.getvalue()
                pages = store.all("SELECT p.slug, r.requests, r.points FROM collection_runs r JOIN projects p"
                                  " ON p.id = r.project_id WHERE r.source = 'github' ORDER BY p.slug")
                results[workers] = (github_rows(store), git_rows(store), pages, len(fake.log))
    assert results[1][0] == results[2][0]
    assert results[1][1] == results[2][1]
    assert results[1][2] == results[2][2]          # each run's own requests and points, exactly
    assert results[1][3] == results[2][3]          # and no request more in all
    assert sum(len(v) for v in results[2][0].values()) > 700


def test_ctrl_c_records_the_collections_in_flight_as_interrupted_and_stops_the_workers(
        make_repo, tmp_path, db_path, monkeypatch):
    """Ctrl-C reaches the whole process group (the terminal sends it so): the command exits 130,
    every run in flight is `interrupted` (never left `running`), what finished is saved."""
    import subprocess
    import sys

    repos = build_repos(make_repo, 5)
    with Store.open(db_path) as store:
        track_all(store, repos)
    bindir = _hanging_git(tmp_path, "/r3")
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"}
    # As from a terminal: Ctrl-C raises KeyboardInterrupt. A suite started in the background
    # (`make test &`, nohup) hands its children SIGINT ignored, and `python -m tracker` would keep that.
    as_from_a_terminal = ("import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
                          "sys.argv[0] = 'tracker'; runpy.run_module('tracker', run_name='__main__')")
    proc = subprocess.Popen([sys.executable, "-c", as_from_a_terminal, "--db", str(db_path), "collect",
                             "--source", "git", "--workers", "2"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    try:
        worker, sleeper = (int(x) for x in _wait_for(tmp_path / "hanging.pid").split())
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        with contextlib.suppress(ProcessLookupError):
            os.kill(sleeper, signal.SIGKILL)
    assert proc.returncode == 130, err.decode()
    assert "tracker: interrupted" in err.decode()
    with Store.open(db_path) as store:
        rows = dict(store.all("SELECT p.slug, r.status FROM collection_runs r JOIN projects p ON p.id = r.project_id"))
        assert rows["o/r3"] == "interrupted"
        assert set(rows.values()) <= {"ok", "interrupted"}
        assert store.scalar("SELECT count(*) FROM collection_runs WHERE status = 'running'") == 0
        assert store.scalar("SELECT error FROM collection_runs r JOIN projects p ON p.id = r.project_id"
                            " WHERE p.slug = 'o/r3'") == "stopped by the user"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and Path(f"/proc/{worker}").exists():
        time.sleep(0.05)
    assert not Path(f"/proc/{worker}").exists() or "Z" in Path(f"/proc/{worker}/stat").read_text().split()[2]


# -- removal is final, with workers too (issue 14 on the parallel path) -----------------------------
def _rows_of(store: Store, project_id: int) -> dict[str, int]:
    """Rows, per table, that still name `project_id`."""
    tables = [t for (t,) in store.all("SELECT DISTINCT c.table_name FROM information_schema.columns c"
                                      " JOIN information_schema.tables t USING (table_schema, table_name)"
                                      " WHERE c.column_name = 'project_id' AND t.table_type = 'BASE TABLE'")]
    found = {}
    for table in tables:
        n = store.scalar(f"SELECT count(*) FROM {table} WHERE project_id = ?", [project_id])
        if n:
            found[table] = n
    return found


def test_with_workers_a_project_removed_before_its_fetch_gets_not_even_a_run_row(make_repo, db_path):
    """The run's project list still names o/r1, removed before the run opens its rows (in one
    transaction for several projects): nothing is written for it, the others are collected."""
    repos = build_repos(make_repo, 4)
    err = io.StringIO()
    with Store.open(db_path) as store:
        track_all(store, repos)
        projects = registry.select(store, None)
        gone = next(p for p in projects if p.slug == "o/r1")
        registry.remove(store, "o/r1")
        outcomes = collect.collect(store, config.load(db_path), projects, ["git", "funding"], Progress(stream=err),
                                   {}, workers=2)
        by = {(o.source, o.project): o for o in outcomes}
        assert by[("git", "o/r1")].status == by[("funding", "o/r1")].status == "removed", err.getvalue()
        assert "was removed" in by[("git", "o/r1")].error
        assert {o.status for o in outcomes if o.project != "o/r1"} == {"ok"}, err.getvalue()
        assert _rows_of(store, gone.id) == {}
        assert store.scalar("SELECT count(*) FROM collection_runs WHERE status = 'ok'") == 2 * (len(repos) - 1)
    assert "git o/r1: removed: o/r1 was removed" in err.getvalue()


def test_with_workers_a_project_removed_while_a_worker_fetches_it_is_not_resurrected(make_repo, db_path):
    """o/r1's run row is open and its fetch done in a worker process when `tracker remove` gets
    the database (here: just before the writer saves its batch). Its batch is dropped, its run row
    is not written back, its dependant (funding) never starts; the other projects are saved."""
    repos = build_repos(make_repo, 4)
    err = io.StringIO()
    with Store.open(db_path) as store:
        track_all(store, repos)
        projects = registry.select(store, None)
        gone = next(p for p in projects if p.slug == "o/r1")
        removed: list[str] = []

        @contextlib.contextmanager
        def writer(label: str):
            if label == "saving git o/r1" and not removed:
                assert store.scalar("SELECT status FROM collection_runs WHERE project_id = ?", [gone.id]) == "running"
                registry.remove(store, "o/r1")
                removed.append(label)
            yield store

        cfg = config.load(db_path)
        chosen = collect.select_sources(["git", "funding"])
        with collect.RunSession(cfg, {}, Progress(stream=err), projects) as run:
            engine = collect.Parallel(cfg, run, Progress(stream=err), writer, workers=2)
            for source in chosen:
                for project in projects:
                    if source.serves(project):
                        engine.add(source, project, [n for n in source.needs if n in {"git", "funding"}])
            outcomes = engine.run()
        assert removed == ["saving git o/r1"]
        by = {(o.source, o.project): o for o in outcomes}
        assert by[("git", "o/r1")].status == "removed", err.getvalue()
        assert "removed while it was being collected" in by[("git", "o/r1")].error
        assert by[("funding", "o/r1")].status == "removed"
        assert {o.status for o in outcomes if o.project != "o/r1"} == {"ok"}, err.getvalue()
        assert _rows_of(store, gone.id) == {}
        assert store.scalar("SELECT count(*) FROM projects") == len(repos) - 1
        assert store.scalar("SELECT count(*) FROM git_repos") == len(repos) - 1


def test_partial_runs_with_workers_record_the_same_parts_as_one_process(make_repo, tmp_path):
    """Page 2 of o/r1's issue listing fails for good: with workers as in one process, that run is
    `partial` naming the issues part (reason, parts JSON, counters, requests), what arrived
    is saved, and every other run row is the same too."""
    from datetime import timedelta

    from collectors.http import Policy
    from tests.fakes.github_server import FakeClock, FakeGitHub, FakeRepo, Fault, Release, make_items

    now = collect.runs.utcnow().replace(microsecond=0)
    token = "fake-token-FAKE0for0tests0only0X7qZ"
    repos = build_repos(make_repo, 3)
    results = {}
    for workers in (1, 2):
        clock = FakeClock(now)
        with FakeGitHub(clock, token=token) as fake:
            for k in range(3):
                fake.add(FakeRepo("o", f"r{k}", 500 + k, stars=10 * k, commits_365d=40,
                                  items=make_items(230 + 40 * k, now - timedelta(days=200), step=timedelta(hours=12)),
                                  releases=[Release(j, f"v{j}", now - timedelta(days=90 - j)) for j in range(1, 4)],
                                  contributors=[{"login": f"dev{i}", "contributions": 9 - i} for i in range(3)]))
            fake.faults.append(Fault("/repos/o/r1/issues", 502, skip=1, times=50))
            db = tmp_path / f"partial{workers}.duckdb"
            cfg = offline_config(db, github_api_url=fake.api_url, github_token=token)
            with Store.open(db) as store:
                track_all(store, repos)
                err = io.StringIO()
                outcomes = collect.collect(store, cfg, registry.select(store, None), ["git", "github"],
                                           Progress(stream=err), {"clock": clock, "sleep": clock.sleep,
                                                                  "policy": Policy(), "github": {"window_days": 730}},
                                           workers=workers)
                by = {(o.source, o.project): o for o in outcomes}
                r1 = by[("github", "o/r1")]
                assert r1.status == "partial" and list(r1.failed) == ["issues"], err.getvalue()
                assert "issues:" in r1.error and "502" in r1.error
                assert "partial" in err.getvalue()
                run_rows = store.all(
                    "SELECT r.source, p.slug, r.status, r.error, r.parts, r.counters, r.requests, r.points,"
                    " json_keys(r.cursor::JSON)"   # its values hold the run's wall-clock time
                    " FROM collection_runs r JOIN projects p ON p.id = r.project_id ORDER BY r.source, p.slug")
                results[workers] = (run_rows, github_rows(store),
                                    sorted((o.source, o.project, o.status, o.error) for o in outcomes))
    assert results[1] == results[2]
    rows = {(r[0], r[1]): r for r in results[2][0]}
    assert rows[("github", "o/r1")][2] == "partial"
    assert '"issues": {"status": "failed"' in rows[("github", "o/r1")][4]
    assert len(results[2][0]) == 6 and {r[2] for r in results[2][0]} <= {"ok", "partial"}
