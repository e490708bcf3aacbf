"""Data & runs: ask for a project to be tracked or collected, see each source's last run, status and
errors, the next scheduled runs when the scheduler publishes them, and the database size.

The app's only writes are these requests (`tracker.requests`), each one short transaction on a
read-write connection that waits for the collector's lock like any writer; the scheduler, the
single writer of collected data, carries them out.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import streamlit as st

import collectors
from tracker import display
from tracker.errors import StoreLockedError, TrackerError
from tracker.registry import parse_repo
from tracker.requests import request_collection, request_track
from tracker.runs import utcnow
from tracker.store import Store
from tracker.ui import queries, render
from tracker.ui.render import md

WRITE_LOCK_TIMEOUT = 10.0
ALL_SOURCES = "every source"


def write_request(db: str, fn: Callable[..., int], *args: Any) -> int:
    """Run one request function on a short read-write connection (waits for the collector's lock)."""
    for _ in range(20):
        try:
            store = Store.open(db, lock_timeout=WRITE_LOCK_TIMEOUT)
            break
        except StoreLockedError:
            raise
        except TrackerError as exc:  # this process still has a reader open: wait for it to close
            if "different configuration" not in str(exc):
                raise
            time.sleep(0.1)
    else:
        raise StoreLockedError("the database stayed busy; try again in a moment")
    try:
        return fn(store, *args)
    finally:
        store.close()


BUSY = ("The collector is writing to the database right now, so the request was not saved. "
        "Try again in a moment.")


def report_failure(exc: TrackerError) -> None:
    """A request that could not be written, in words (a held lock is not an error of the user's)."""
    st.error(BUSY if isinstance(exc, StoreLockedError) else md(str(exc)))


def source_names() -> list[str]:
    try:
        return list(collectors.sources())
    except Exception:  # a collector that fails to import must not hide this page
        return []


def add_form(db: str, tracked: list[str]) -> None:
    st.subheader("Track a project")
    with st.form("runs_add_form", clear_on_submit=False):
        text = st.text_input("GitHub repository (OWNER/REPO or URL)", key="runs_add_repo")
        submitted = st.form_submit_button("Request tracking", key="runs_add_submit")
    if not submitted:
        return
    try:
        owner, repo = parse_repo(text)
    except TrackerError as exc:
        st.error(md(str(exc)))
        return
    slug = f"{owner}/{repo}"
    if slug.lower() in {s.lower() for s in tracked}:
        st.info(f"{md(slug)} is already tracked.")
        return
    try:
        request_id = write_request(db, request_track, slug)
    except TrackerError as exc:
        report_failure(exc)
        return
    queries.clear_cache()
    st.success(f"Request {request_id}: the scheduler will start tracking {md(slug)} and collect it.")


def collect_form(db: str, tracked: list[str]) -> None:
    st.subheader("Collect now")
    if not tracked:
        st.write("No tracked project to collect yet.")
        return
    with st.form("runs_collect_form"):
        slug = st.selectbox("Project", tracked, key="runs_collect_project")
        source = st.selectbox("Source", [ALL_SOURCES, *source_names()], key="runs_collect_source")
        submitted = st.form_submit_button("Request collection", key="runs_collect_submit")
    if not submitted:
        return
    try:
        request_id = write_request(db, request_collection, slug, None if source == ALL_SOURCES else source)
    except TrackerError as exc:
        report_failure(exc)
        return
    queries.clear_cache()
    st.success(f"Request {request_id}: {md(slug)} ({md(source)}) will be collected by the scheduler.")


def runs_section(db: str) -> None:
    data = queries.runs(db)
    now = utcnow()
    st.subheader("Last run per source")
    by_source = data["by_source"]
    if by_source.empty:
        st.write("No collection has run yet. Run `tracker collect` or start `tracker schedule`.")
    else:
        shown = render.cells(by_source.assign(last_run=[render.age(t, now) for t in by_source["last_started"]]),
                             blank=("last_error",))
        st.dataframe(shown[["source", "last_status", "last_run", "last_started", "last_finished", "data_runs",
                            "error_runs", "running", "interrupted", "last_error"]],
                     hide_index=True, width="stretch", key="runs_by_source",
                     column_config={"data_runs": st.column_config.NumberColumn(
                         "data_runs", help="Runs that brought data: ok, or partial (what arrived was saved)")})
    st.subheader("Next scheduled runs")
    schedule = data["schedule"]
    if schedule is None or schedule.empty:
        st.write("unknown: the scheduler has not published its timetable (start `tracker schedule`; "
                 "`tracker status` shows it too).")
    else:
        st.dataframe(render.cells(schedule, blank=("last_error",)), hide_index=True, width="stretch",
                     key="runs_schedule")
    st.subheader("Last run per project")
    last = data["last"]
    if last.empty:
        st.write("No runs yet.")
    else:
        errors_only = st.checkbox("Only runs that failed", key="runs_errors_only")
        if errors_only:
            last = last[last["status"].isin(["error", "interrupted"])]
        st.dataframe(render.cells(last[["source", "project", "status", "started_at", "finished_at", "error",
                                        "requests"]], blank=("error", "requests")),
                     hide_index=True, width="stretch", key="runs_last")
    st.subheader("Requests from the app")
    requests = data["requests"]
    if requests.empty:
        st.write("No requests yet.")
    else:
        shown = requests.assign(source=requests["source"].fillna(ALL_SOURCES))
        st.dataframe(render.cells(shown, blank=("error", "handled_at")), hide_index=True, width="stretch",
                     key="runs_requests")


def show() -> None:
    """Render the data & runs page."""
    db = queries.database_path()
    st.title("Data & runs")
    size = queries.database_size(db)
    st.metric("Database size", "no database yet" if size is None else f"{size / 1e6:,.1f} MB")
    st.caption(f"Database file: {md(db)}")
    tracked: list[str] = []
    status: dict[str, Any] = {"projects": 0, "schema_version": None}
    if size is not None:
        with render.guard(db):
            status = queries.status(db)
            tracked = queries.project_slugs(db)
    left, right = st.columns(2)
    with left:
        add_form(db, tracked)
    with right:
        collect_form(db, tracked)
    if not status["projects"]:
        st.divider()
        render.empty_database(db, missing=size is None)
        return
    with render.guard(db):
        runs_section(db)
    st.caption(f"{display.count(status['projects'], 'project')} tracked · schema version "
               f"{display.text(status['schema_version'])}")
