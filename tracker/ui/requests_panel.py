"""Requests to the collector, from any page: "track this repository" and "collect this project now",
and what became of them (waiting, in progress, done, failed and why), refreshed while they run.

The app's only writes are these requests (`tracker.requests`), each one short transaction on a
read-write connection that waits for the collector's lock like any writer; the scheduler (`tracker
serve`, or `tracker schedule`) carries them out. When no scheduler runs on the database, the form
says so at its button: the request is kept and carried out when one starts.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

import collectors
from tracker.errors import StoreLockedError, TrackerError
from tracker.registry import parse_repo
from tracker.requests import request_collection, request_track
from tracker.store import Store
from tracker.ui import queries
from tracker.ui.render import md

WRITE_LOCK_TIMEOUT = 10.0
ALL_SOURCES = "every source"
REFRESH_SECONDS = 2
_MINE = "requests_panel_ids"   # the requests made in this browser session
BUSY = ("The collector is writing to the database right now, so the request was not saved. "
        "Try again in a moment.")
NO_SCHEDULER = ("No scheduler is running on this database: the request is kept and carried out when "
                "`tracker serve` (or `tracker schedule`) runs.")


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


def report_failure(exc: TrackerError) -> None:
    """A request that could not be written, in words (a held lock is not an error of the user's)."""
    st.error(BUSY if isinstance(exc, StoreLockedError) else md(str(exc)))


def scheduler_running(db: str) -> bool:
    """Whether a scheduler holds this database's scheduler lock right now."""
    from tracker.scheduler import scheduler_holder

    try:
        return scheduler_holder(db) is not None
    except Exception:  # a lock file we cannot read: say nothing is known to run
        return False


def _remember(request_id: int) -> None:
    mine = st.session_state.setdefault(_MINE, [])
    if request_id not in mine:
        mine.insert(0, request_id)


def _accepted(request_id: int, what: str, running: bool) -> None:
    _remember(request_id)
    if running:
        st.success(f"Request {request_id}: {what}. The scheduler takes it up within seconds; its progress "
                   "is shown below.")
    else:
        st.success(f"Request {request_id} saved: {what}.")
        st.warning(NO_SCHEDULER)


def source_names() -> list[str]:
    try:
        return list(collectors.sources())
    except Exception:  # a collector that fails to import must not hide this page
        return []


def track_form(db: str, tracked: Sequence[str], running: bool) -> None:
    st.subheader("Track a project")
    with st.form("runs_add_form", clear_on_submit=False):
        text = st.text_input("GitHub repository (OWNER/REPO or URL)", key="runs_add_repo")
        submitted = st.form_submit_button("Request tracking", key="runs_add_submit")
    if not running:
        st.caption(NO_SCHEDULER)
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
    _accepted(request_id, f"track {md(slug)} and collect it", running)


def collect_form(db: str, tracked: Sequence[str], running: bool) -> None:
    st.subheader("Collect now")
    if not tracked:
        st.write("No tracked project to collect yet.")
        return
    with st.form("runs_collect_form"):
        slug = st.selectbox("Project", list(tracked), key="runs_collect_project")
        source = st.selectbox("Source", [ALL_SOURCES, *source_names()], key="runs_collect_source")
        submitted = st.form_submit_button("Request collection", key="runs_collect_submit")
    if not running:
        st.caption(NO_SCHEDULER)
    if not submitted:
        return
    try:
        request_id = write_request(db, request_collection, slug, None if source == ALL_SOURCES else source)
    except TrackerError as exc:
        report_failure(exc)
        return
    queries.clear_cache()
    _accepted(request_id, f"collect {md(slug)} ({md(source)}) now", running)


def collect_now_button(db: str, slug: str, key: str) -> None:
    """One button: collect this project now (every source), with the answer under it."""
    running = scheduler_running(db)
    if st.button("Collect now", key=key, help="Ask the scheduler to collect every source of this project now"):
        try:
            request_id = write_request(db, request_collection, slug, None)
        except TrackerError as exc:
            report_failure(exc)
        else:
            queries.clear_cache()
            _accepted(request_id, f"collect {md(slug)} now", running)
    elif not running:
        st.caption(NO_SCHEDULER)
    progress(db)


def track_many(db: str, slugs: Sequence[str], requested_by: str = "app: dependencies") -> None:
    """Ask for every repository in `slugs` to be tracked (the dependencies page's button)."""
    try:
        ids = [write_request(db, lambda store, s: request_track(store, s, requested_by=requested_by), slug)
               for slug in slugs]
    except TrackerError as exc:
        report_failure(exc)
        return
    for request_id in ids:
        _remember(request_id)
    queries.clear_cache()
    if scheduler_running(db):
        st.success(f"Requested: {len(ids)} repositories. The scheduler tracks, collects and scores them; "
                   "progress on the Data & runs page.")
    else:
        st.success(f"Requested: {len(ids)} repositories.")
        st.warning(NO_SCHEDULER)


# -- what became of the requests ---------------------------------------------------------------
def describe(r: dict[str, Any]) -> str:
    """One request's state in words (markdown-safe)."""
    what = (f"track {md(r['project_slug'])}" if r["kind"] == "track"
            else f"collect {md(r['project_slug'])} ({md(r['source'] or ALL_SOURCES)})")
    head = f"Request {r['id']} · {what}: "
    if r["status"] == "pending":
        return head + "waiting for the scheduler"
    if r["status"] == "running":
        step = (f" (source {int(r['step']) + 1} of {int(r['steps'])})"
                if r.get("step") is not None and r.get("steps") else "")
        return head + (f"in progress: collecting {md(r['doing'])}{step}" if r.get("doing") else "in progress")
    if r["status"] == "done":
        return head + ("done" + (f"; what failed: {md(r['error'])}" if r.get("error") else ", every source brought data"))
    return head + f"failed: {md(r.get('error') or 'no reason recorded')}"


def _show(rows: list[dict[str, Any]]) -> None:
    for r in rows:
        text = describe(r)
        if r["status"] == "error":
            st.error(text)
        elif r["status"] == "done" and r.get("error"):
            st.warning(text)
        elif r["status"] == "done":
            st.success(text)
        else:
            st.info(text)


@st.fragment(run_every=REFRESH_SECONDS)
def _live(db: str, ids: tuple[int, ...]) -> None:
    rows = _read(db, ids)
    _show(rows)
    if rows and all(r["status"] in ("done", "error") for r in rows):
        queries.clear_cache()   # the pages show what the requests brought
        st.rerun()


def _read(db: str, ids: tuple[int, ...]) -> list[dict[str, Any]]:
    from tracker.readmodel import progress as progress_model

    try:
        return queries.read(db, progress_model.requests, list(ids))
    except TrackerError:
        return []


def progress(db: str) -> None:
    """The requests made in this session: live while any is waiting or running."""
    ids = tuple(st.session_state.get(_MINE, []))
    if not ids:
        return
    rows = _read(db, ids)
    if any(r["status"] in ("pending", "running") for r in rows):
        _live(db, ids)
    else:
        _show(rows)


def show(db: str, tracked: Sequence[str]) -> None:
    """Both forms side by side, and the progress of the requests made here."""
    running = scheduler_running(db)
    left, right = st.columns(2)
    with left:
        track_form(db, tracked, running)
    with right:
        collect_form(db, tracked, running)
    progress(db)
