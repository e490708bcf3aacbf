"""Data & runs: ask for a project to be tracked or collected (tracker/ui/requests_panel.py), see
each source's last run, status and errors, the next scheduled runs when the scheduler publishes
them, and the database size.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from tracker import display
from tracker.runs import utcnow
from tracker.ui import queries, render, requests_panel
from tracker.ui.render import md

ALL_SOURCES = "every source"


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
    requests_panel.show(db, tracked)
    if not status["projects"]:
        st.divider()
        render.empty_database(db, missing=size is None)
        return
    with render.guard(db):
        runs_section(db)
    st.caption(f"{display.count(status['projects'], 'project')} tracked · schema version "
               f"{display.text(status['schema_version'])}")
