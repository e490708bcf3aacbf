"""The banner at the top of every page (called once from the page frame, tracker/ui/nav.py): where
the data comes from and as of when ("bundled snapshot of DATE" until fresh collections replace it,
project by project), what the collector is doing and how far it is, what failed and why, and the
scheduler's one-line notices (offline, no GitHub token). It refreshes itself every few seconds, and
the page when new data has arrived.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

import streamlit as st

from tracker import display
from tracker.errors import TrackerError
from tracker.ui import queries
from tracker.ui.render import md

REFRESH_SECONDS = 5          # the banner re-reads what the collector is doing
PAGE_REFRESH_SECONDS = 30    # at most this often the whole page is redrawn because new data arrived
_VERSION = "banner_data_version"
_REDRAWN = "banner_page_redrawn_at"


@st.cache_data(ttl=2, show_spinner=False)
def _progress(db: str) -> dict[str, Any]:
    from tracker.readmodel import progress

    return queries.read(db, progress.collection_progress)


@st.cache_data(ttl=30, show_spinner=False)
def _origin(db: str, slug: str) -> dict[str, Any] | None:
    from tracker.readmodel import snapshot

    return queries.read(db, snapshot.project_origin, slug)


def _day(value: datetime | None) -> str:
    return display.date(value) if value is not None else display.UNKNOWN


def data_line(snap: dict[str, Any] | None) -> str:
    """Where the data comes from, in one sentence."""
    if not snap:
        return "**Data:** collected by this tracker (git, GitHub, PyPI, Open Collective, grants)."
    if not snap["still_bundled"]:
        return (f"**Data:** collected by this tracker; the bundled snapshot of {_day(snap['built_at'])} has been "
                "replaced for every project.")
    span = ""
    if snap["data_from"] is not None:
        span = (f" (git histories as of {_day(snap['data_from'])} to {_day(snap['data_to'])}, each project "
                "scored as of its own date: silence after it is unknown)")
    fresh = (f"; fresh collections have replaced it for {display.count(snap['replaced'], 'project')}"
             if snap["replaced"] else "; fresh collections replace it project by project")
    return (f"**Data:** bundled snapshot of {_day(snap['built_at'])} for {snap['still_bundled']} of "
            f"{display.count(snap['projects'], 'project')}{span}{fresh}.")


def project_line(origin: dict[str, Any] | None, slug: str) -> str | None:
    if not origin:
        return None
    if origin["bundled"]:
        if origin["data_at"] is None:
            return (f"{md(slug)}: bundled snapshot of {_day(origin['built_at'])}, without git history "
                    "(not collected yet).")
        return (f"{md(slug)}: bundled snapshot of {_day(origin['built_at'])}; git history as of "
                f"{_day(origin['data_at'])}, scored as of that date.")
    return f"{md(slug)}: collected by this tracker (the bundled snapshot was replaced)."


def collector_line(data: dict[str, Any], running: bool) -> tuple[str, float | None]:
    """What the collector is doing (and how far, 0-1, when a job is running)."""
    if not running:
        return ("**Collector:** no scheduler is running on this database, so nothing is collected and "
                "requests from this app wait. Start `tracker serve` (or `tracker schedule` beside `tracker app`).",
                None)
    busy = [j for j in data["jobs"] if j["last_status"] == "running" and j["job_id"].startswith("collect:")]
    pending = data["pending_requests"]
    waiting = f" · {display.count(pending, 'request')} from the app waiting or in progress" if pending else ""
    if busy:
        job = busy[0]
        total, done = job["progress_total"] or 0, job["progress_done"] or 0
        current = f": {md(job['current'])}" if job["current"] else ""
        return (f"**Collecting {md(job['source'])}**{current} ({min(done + 1, total) if total else done} of "
                f"{display.count(total, 'project')}, smallest first; each project is scored as soon as it is in)"
                f"{waiting}", done / total if total else None)
    upcoming = sorted((j["next_run_at"], j["source"]) for j in data["jobs"]
                      if j["job_id"].startswith("collect:") and j["next_run_at"] is not None)
    nxt = f"; next: {md(upcoming[0][1])} at {upcoming[0][0]:%H:%M} UTC" if upcoming else ""
    return f"**Collector:** running, idle{nxt}{waiting}", None


def _render(db: str, slug: str | None) -> None:
    from tracker.ui.requests_panel import scheduler_running

    try:
        data = _progress(db)
    except TrackerError:
        return
    running = scheduler_running(db)
    with st.container(border=True, key="banner"):
        st.markdown(data_line(data["snapshot"]))
        if slug:
            try:
                line = project_line(_origin(db, slug), slug)
            except TrackerError:
                line = None
            if line:
                st.caption(line)
        text, fraction = collector_line(data, running)
        st.markdown(text)
        if fraction is not None:
            st.progress(min(max(fraction, 0.0), 1.0))
        notices = [j["notice"] for j in data["jobs"] if j.get("notice")]
        if data["daemon"] and data["daemon"].get("notice") and running:
            notices.append(data["daemon"]["notice"])
        for notice in notices:
            st.caption("⚠️ " + md(notice))
        if data["failures"]:
            with st.expander(f"What failed in the last runs ({display.count(len(data['failures']), 'kind')})"):
                for f in data["failures"]:
                    st.markdown("- " + md(f["line"]))
    _redraw_when_new(data)


def _redraw_when_new(data: dict[str, Any]) -> None:
    """New data arrived (a collection or a score): redraw the page, at most every half minute."""
    version = data.get("data_version")
    seen = st.session_state.get(_VERSION)
    st.session_state[_VERSION] = version
    if seen is None or seen == version:
        return
    now = time.monotonic()
    if now - st.session_state.get(_REDRAWN, 0.0) < PAGE_REFRESH_SECONDS:
        st.session_state[_VERSION] = seen   # noticed again at the next refresh
        return
    st.session_state[_REDRAWN] = now
    queries.clear_cache()
    st.rerun()


@st.fragment(run_every=REFRESH_SECONDS)
def _live(db: str, slug: str | None) -> None:
    _render(db, slug)


def prefetch(db: str, params: dict[str, str]) -> None:
    """What `show` reads for these query parameters, into the caches (see tracker.ui.nav.prefetch)."""
    if not Path(db).exists():
        return
    _progress(db)
    if params.get("project"):
        _origin(db, params["project"])


def show() -> None:
    """Draw the banner (nothing when there is no database yet: the page says how to start)."""
    db = queries.database_path()
    if not Path(db).exists():
        return
    slug = st.query_params.get("project") if st.query_params.get("project") else None
    _live(db, slug)
