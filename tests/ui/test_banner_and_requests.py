"""The banner (data's date and source, what the collector does, what failed) and the requests panel
(says at the button when no scheduler runs; shows each request's progress and answer), through
AppTest on a database loaded from a bundled snapshot, with and without a scheduler holding its lock."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tracker import registry
from tracker.lock import FileLock, lock_path
from tracker.runs import utcnow
from tracker.store import Store
from tracker.ui import banner, requests_panel

BUILT = datetime(2026, 11, 1, 9, 0)


@pytest.fixture
def snap_db(tmp_path, monkeypatch) -> Path:
    """Two projects as a snapshot load leaves them (one scored as of its data date), one failing run."""
    db = tmp_path / "app.duckdb"
    with Store.open(db) as store:
        rocket = registry.add(store, "acme/rocket")[0]
        quiet = registry.add(store, "beta/quiet")[0]
        for pid, data_at in ((rocket.id, datetime(2025, 6, 30)), (quiet.id, datetime(2024, 3, 28))):
            store.execute("INSERT INTO bundled_snapshot VALUES (?, ?, ?, 'mirror', ?)", [pid, BUILT, data_at, utcnow()])
            store.execute("INSERT INTO collection_runs (source, project_id, started_at, finished_at, status, host)"
                          " VALUES ('git', ?, ?, ?, 'ok', 'bundled snapshot')", [pid, data_at, data_at])
        for pid in (rocket.id, quiet.id):
            store.execute("INSERT INTO collection_runs (source, project_id, started_at, finished_at, status, error)"
                          " VALUES ('git', ?, ?, ?, 'error', ?)", [pid, utcnow(), utcnow(),
                          "cannot clone https://github.com/x/y.git: fatal: Could not resolve host: github.com"])
        store.execute("INSERT INTO scheduler_jobs (job_id, source, last_status, progress_done, progress_total,"
                      " current, notice, updated_at) VALUES ('collect:pypi', 'pypi', 'running', 3, 10, 'beta/quiet',"
                      " NULL, ?)", [utcnow()])
    monkeypatch.setenv("TRACKER_DB", str(db))
    return db


@pytest.fixture
def scheduler(snap_db):
    """A scheduler holding its lock on the database, as `tracker serve` does."""
    lock = FileLock(lock_path(snap_db, "scheduler"), "tracker serve")
    assert lock.try_acquire()
    yield lock
    lock.release()


def run_banner(**query: str) -> AppTest:
    at = AppTest.from_string("from tracker.ui import banner\nbanner.show()\n", default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def texts(at) -> str:
    return "\n".join(str(e.value) for e in [*at.markdown, *at.caption, *at.warning, *at.info, *at.success, *at.error])


def test_banner_says_the_snapshot_date_the_collection_in_progress_and_what_failed(snap_db, scheduler):
    at = run_banner(project="acme/rocket")
    assert not at.exception
    text = texts(at)
    assert ("bundled snapshot of 2026-11-01 for 2 of 2 projects (git histories as of 2024-03-28 to 2025-06-30, "
            "each project scored as of its own date") in text
    assert "acme/rocket: bundled snapshot of 2026-11-01; git history as of 2025-06-30, scored as of that date" \
        in text.replace("\\", "")
    assert "**Collecting pypi**: beta/quiet (4 of 10 projects" in text.replace("\\", "")
    assert at.get("progress")[0].value == 30 or at.get("progress")[0].proto.value == 30
    expander = at.expander[0]
    assert expander.label == "What failed in the last runs (1 kind)"
    assert "git: github.com cannot be reached (its name does not resolve): offline, or blocked " \
           "(2 projects: acme/rocket, beta/quiet)" in texts(expander).replace("\\", "")


def test_banner_shows_the_schedulers_notices_offline_and_no_token(snap_db, scheduler):
    no_token = ("no GITHUB_TOKEN: GitHub allows 60 requests an hour without one; issues, contributors and "
                "Sponsors stay unknown. Set GITHUB_TOKEN")
    offline = "github.com cannot be reached: offline, or blocked; next try at 09:36 UTC"
    with Store.open(snap_db) as store:
        store.execute("UPDATE scheduler_jobs SET notice = ? WHERE job_id = 'collect:pypi'", [offline])
        store.execute("INSERT INTO scheduler_jobs (job_id, notice, updated_at) VALUES ('scheduler', ?, ?)",
                      [no_token, utcnow()])
    text = texts(run_banner()).replace("\\", "")
    assert offline in text and no_token in text


def test_banner_without_a_scheduler_says_nothing_is_collected(snap_db):
    text = texts(run_banner())
    assert "no scheduler is running on this database, so nothing is collected" in text


def test_data_line_once_fresh_collections_replaced_the_snapshot():
    snap = {"built_at": BUILT, "projects": 3, "still_bundled": 0, "replaced": 3, "data_from": None, "data_to": None}
    assert banner.data_line(snap) == ("**Data:** collected by this tracker; the bundled snapshot of 2026-11-01 "
                                      "has been replaced for every project.")
    assert banner.data_line(None).startswith("**Data:** collected by this tracker")


def runs_page() -> AppTest:
    return AppTest.from_string("from tracker.ui import runs\nruns.show()\n", default_timeout=60).run()


def test_without_a_scheduler_the_request_is_kept_and_the_button_says_so(snap_db):
    at = runs_page()
    assert requests_panel.NO_SCHEDULER in [c.value for c in at.caption]          # at the buttons
    at.selectbox(key="runs_collect_project").select("beta/quiet")
    at.button(key="runs_collect_submit").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("Request 1 saved: collect beta/quiet")
    assert requests_panel.NO_SCHEDULER in [w.value for w in at.warning]
    assert "will start" not in texts(at) and "will be collected" not in texts(at)
    assert any("Request 1 · collect beta/quiet (every source): waiting for the scheduler" in i.value.replace("\\", "")
               for i in at.info)


def test_with_a_scheduler_the_request_shows_its_progress_then_its_answer(snap_db, scheduler):
    at = runs_page()
    assert requests_panel.NO_SCHEDULER not in [c.value for c in at.caption]
    at.selectbox(key="runs_collect_project").select("acme/rocket")
    at.button(key="runs_collect_submit").click().run()
    assert "The scheduler takes it up within seconds" in at.success[0].value
    with Store.open(snap_db) as store:       # what the scheduler writes while it works on it
        store.execute("UPDATE collection_requests SET status = 'running'")
        store.execute("INSERT INTO scheduler_jobs (job_id, current, progress_done, progress_total, updated_at)"
                      " VALUES ('requests', 'request 1: github acme/rocket', 1, 4, ?)", [utcnow()])
    at.run()
    assert any("in progress: collecting github acme/rocket (source 2 of 4)" in i.value.replace("\\", "")
               for i in at.info)
    with Store.open(snap_db) as store:
        store.execute("UPDATE collection_requests SET status = 'done', error = ?",
                      ["git: github.com cannot be reached (its name does not resolve): offline, or blocked"])
    at.run()
    answer = [w.value.replace("\\", "") for w in at.warning]
    assert any(a.startswith("Request 1 · collect acme/rocket (every source): done; what failed: git: github.com "
                            "cannot be reached") for a in answer)


def test_describe_every_state():
    base = {"id": 7, "kind": "track", "project_slug": "a/b", "source": None, "error": None}
    assert requests_panel.describe({**base, "status": "pending"}) == "Request 7 · track a/b: waiting for the scheduler"
    assert requests_panel.describe({**base, "status": "done"}) == "Request 7 · track a/b: done, every source brought data"
    assert requests_panel.describe({**base, "status": "error", "error": "a/b is not tracked"}).endswith(
        "failed: a/b is not tracked")
    assert requests_panel.describe({**base, "kind": "collect", "status": "running", "doing": None}) == (
        "Request 7 · collect a/b (every source): in progress")
