"""The scheduler on a first run, in-process against real git repositories and loopback servers:
smallest work first, each project scored as of its data date as soon as it is in, one line (and a
backoff) when a host cannot be reached, the app's requests answered source by source."""

from __future__ import annotations

import logging
from datetime import datetime

import pytest

import collectors
from tests.fakes.loopback import serve
from tests.fakes.pypi_server import PyPIHandler, PyPIState, package_doc, release_file
from tracker import collect, registry
from tracker import config as config_mod
from tracker import requests as app_requests
from tracker.readmodel import progress as progress_model
from tracker.runs import utcnow
from tracker.schedule_config import ScheduleConfig
from tracker.scheduler import RETRY_FIRST, Daemon
from tracker.store import Store


def daemon(db_path, workers: int = 1, **intervals) -> Daemon:
    schedule = ScheduleConfig(intervals={"github": None, "opencollective": None, "funding": None, **intervals},
                              workers=workers)
    return Daemon(config_mod.load(db_path), schedule)


def local(make_repo, name: str, commits: int):
    repo = make_repo(name)
    for i in range(commits):
        repo.commit(f"2024-02-{i + 1:02d}", name=f"Dev{i % 2}", email=f"dev{i % 2}@example.org",
                    files={f"f{i}.py": "x\n"})
    return repo


def test_git_goes_smallest_first_and_unknown_sizes_last(db_path, make_repo):
    with Store.open(db_path) as store:
        for name, n in (("big", 5), ("small", 1), ("mid", 3)):
            registry.add(store, f"o/{name}", git_source=str(local(make_repo, name, n).path))
        registry.add(store, "o/never", git_source=str(local(make_repo, "never", 2).path))
    d = daemon(db_path)
    d.run_source("git")                             # sizes are known from now on...
    with Store.open(db_path) as store:
        store.execute("DELETE FROM git_repos WHERE project_id = ?", [registry.get(store, "o/never").id])
        git = collectors.sources()["git"]
        order = [p.slug for p in d.order(store, git, registry.all_projects(store))]
    assert order == ["o/small", "o/mid", "o/big", "o/never"]     # ...except for o/never's


def test_unreachable_host_is_said_once_not_tried_again_and_retried_sooner(db_path, make_repo, caplog):
    with Store.open(db_path) as store:
        for name in ("a", "b", "c"):                # GITHUB_SERVER_URL is a closed loopback port
            registry.add(store, f"gone/{name}")
    d = daemon(db_path, pypi=None)
    caplog.set_level(logging.INFO, logger="tracker")
    outcomes = d.run_source("git")
    assert [o.status for o in outcomes] == ["error"]          # the first tried; the others not again
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].startswith("git: 127.0.0.1 cannot be reached (")
    assert "3 projects not collected, what is stored stays; next try at" in warnings[0]
    with Store.open(db_path, read_only=True) as store:
        assert store.scalar("SELECT count(*) FROM collection_runs WHERE source = 'git'") == 1
        notice, status = store.one("SELECT notice, last_status FROM scheduler_jobs WHERE job_id = 'collect:git'")
        assert warnings[0].startswith(notice) and status == "error"
    assert d._backoff["git"] == RETRY_FIRST
    d.run_source("git")
    assert d._backoff["git"] == 2 * RETRY_FIRST                  # backing off, up to the interval
    with Store.open(db_path) as store:                           # a reachable project next time
        registry.add(store, "o/here", git_source=str(local(make_repo, "here", 2).path))
    outcomes = d.run_source("git")
    assert {o.project: o.status for o in outcomes if o.source == "git"}["o/here"] == "ok"
    assert "git" not in d._backoff                                # not offline: the interval again
    with Store.open(db_path, read_only=True) as store:
        assert store.scalar("SELECT notice FROM scheduler_jobs WHERE job_id = 'collect:git'") is None


@pytest.fixture
def pypi(monkeypatch):
    state = PyPIState()
    state.packages["quiet"] = package_doc("quiet", "2.0", {"Source": "https://github.com/o/quiet"},
                                          {"2.0": [release_file("2.0", "2024-05-01T00:00:00Z")]})
    with serve(PyPIHandler, state) as url:
        monkeypatch.setenv("PYPI_URL", url)
        yield state


def test_a_bundled_project_is_scored_as_of_its_data_date_as_soon_as_it_is_collected(db_path, make_repo, pypi):
    data_at = datetime(2024, 6, 1, 12, 0)
    with Store.open(db_path) as store:
        quiet = registry.add(store, "o/quiet", git_source=str(local(make_repo, "quiet", 3).path),
                             pypi_package="quiet")[0]
    with Store.open(db_path) as store:             # its history, then the loader's mark, as a load leaves them
        collect.collect(store, config_mod.load(db_path), [quiet], ["git"])
        store.execute("INSERT INTO bundled_snapshot VALUES (?, ?, ?, 'mirror', ?)",
                      [quiet.id, data_at, data_at, utcnow()])
    d = daemon(db_path)
    d.run_source("pypi")
    with Store.open(db_path, read_only=True) as store:
        assert store.scalar("SELECT max(computed_at) FROM scores WHERE project_id = ?", [quiet.id]) == data_at
    d.run_source("git")                            # a fresh git collection replaces the snapshot
    with Store.open(db_path, read_only=True) as store:
        assert store.scalar("SELECT max(computed_at) FROM scores WHERE project_id = ?", [quiet.id]) > data_at
        assert not store.scalar("SELECT still_bundled FROM bundled_projects")


def test_a_request_is_answered_source_by_source_with_what_failed(db_path, make_repo, monkeypatch):
    monkeypatch.setenv("PYPI_URL", "http://127.0.0.1:9")    # closed: PyPI cannot be reached
    with Store.open(db_path) as store:
        registry.add(store, "o/quiet", git_source=str(local(make_repo, "quiet", 2).path), pypi_package="quiet")
        rid = app_requests.request_collection(store, "o/quiet")
        gone = app_requests.request_collection(store, "o/unknown")
    d = daemon(db_path)
    with d.writing("test") as store:
        assert d.serve_requests(store) == 2
    with Store.open(db_path, read_only=True) as store:
        rows = {r["id"]: r for r in progress_model.requests(store, [rid, gone])}
        job = store.one("SELECT progress_done, progress_total, current FROM scheduler_jobs WHERE job_id = 'requests'")
        scored = store.scalar("SELECT count(*) FROM scores")
    assert rows[rid]["status"] == "done"                      # git brought data
    assert rows[rid]["error"].startswith("pypi: 127.0.0.1 cannot be reached (")
    assert rows[gone]["status"] == "error" and "not tracked" in rows[gone]["error"]
    assert job == (2, 2, None)                                # git and pypi; nothing running now
    assert scored == 1                                        # the project scored after its request


# -- the same with worker processes (`[scheduler] workers`, tracker.collect.Parallel) -------------
def test_with_workers_each_project_that_brought_data_is_scored_and_a_failed_one_is_not(db_path, make_repo):
    with Store.open(db_path) as store:
        for name, n in (("a", 2), ("b", 3), ("c", 1)):
            registry.add(store, f"o/{name}", git_source=str(local(make_repo, name, n).path))
        registry.add(store, "gone/x")                 # GITHUB_SERVER_URL is a closed loopback port
    d = daemon(db_path, workers=2, pypi=None)
    outcomes = d.run_source("git")
    assert sorted((o.project, o.status) for o in outcomes) == [
        ("gone/x", "error"), ("o/a", "ok"), ("o/b", "ok"), ("o/c", "ok")]
    with Store.open(db_path, read_only=True) as store:
        scored = {slug for (slug,) in store.all(
            "SELECT p.slug FROM scores s JOIN projects p ON p.id = s.project_id")}
        done, total, current, status = store.one(
            "SELECT progress_done, progress_total, current, last_status FROM scheduler_jobs"
            " WHERE job_id = 'collect:git'")
    assert scored == {"o/a", "o/b", "o/c"}           # scored per project: not the one that brought nothing
    assert (done, total, current, status) == (4, 4, None, "error")


def test_with_workers_an_unreachable_host_is_not_tried_for_the_projects_not_yet_started(db_path, caplog):
    with Store.open(db_path) as store:
        for k in range(6):
            registry.add(store, f"gone/r{k}")
    d = daemon(db_path, workers=2, pypi=None)
    caplog.set_level(logging.INFO, logger="tracker")
    outcomes = d.run_source("git")
    tried = [o for o in outcomes if o.source == "git"]
    assert tried and all(o.status == "error" for o in tried)
    assert len(tried) <= 2                           # at most those already handed to the two workers
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith("git: 127.0.0.1 cannot be reached (")
    assert "6 projects not collected, what is stored stays; next try at" in warnings[0]
    with Store.open(db_path, read_only=True) as store:   # no run row for a project that was not tried
        assert store.all("SELECT status, count(*) FROM collection_runs GROUP BY ALL") == [("error", len(tried))]
        assert store.scalar("SELECT count(*) FROM scores") == 0
    assert d._backoff["git"] == RETRY_FIRST
