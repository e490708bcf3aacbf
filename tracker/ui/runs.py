"""Data & runs: ask for a project to be tracked or collected (tracker/ui/requests_panel.py), see
each source's last run, status and errors, the next scheduled runs when the scheduler publishes
them, and the database size.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

import collectors
from tracker import display
from tracker.runs import utcnow
from tracker.ui import queries, render, requests_panel
from tracker.ui.render import md

SOURCE_LABELS = {"git": "git history", "github": "GitHub", "funding": "funding files and links",
                 "opencollective": "Open Collective", "pypi": "PyPI", "grants": "grants registry"}
RESULT_WORDS = {"ok": "ok", "partial": "partly collected", "error": "failed", "interrupted": "interrupted",
                "running": "running"}


def source_label(name: Any) -> str:
    return SOURCE_LABELS.get(str(name), str(name))


def descriptions() -> dict[str, str]:
    try:
        return {name: source.description for name, source in collectors.sources().items()}
    except Exception:  # a collector that fails to import must not hide this page
        return {}


def result_text(row: dict[str, Any]) -> str:
    """'ok for 12 projects; partly collected for 1; failed for 2'."""
    parts = [f"{RESULT_WORDS[kind]} for {display.count(row[key], 'project')}"
             for kind, key in (("ok", "ok"), ("partial", "partial"), ("error", "failed"), ("running", "running"))
             if row[key]]
    return "; ".join(parts) or "no runs"


def next_run_text(source: str, data: dict[str, Any], now) -> str:
    running = data.get("scheduler_running")
    schedule = data["schedule"]
    if not running:
        return "not scheduled: the scheduler is not running (start it with tracker serve, or tracker schedule)"
    if schedule is None or schedule.empty:
        return "unknown: the scheduler has not published its timetable yet"
    job = schedule[schedule["job_id"] == f"collect:{source}"]
    if job.empty or display.is_unknown(job.iloc[0]["next_run_at"]):
        return "not on the timetable"
    when = job.iloc[0]["next_run_at"]
    minutes = (when - now).total_seconds() / 60
    soon = "due now" if minutes <= 1 else f"in {minutes:.0f} min" if minutes < 120 else f"in {minutes / 60:.0f} h"
    return f"{display.when(when)} ({soon})"


def sources_section(data: dict[str, Any], now) -> None:
    """Per source, in words: what it brings, when it last ran, what came of it, when it runs next,
    and what failed and why."""
    st.subheader("Sources")
    sources = data["sources"]
    if not sources:
        st.write("No collection has run yet. Run `tracker collect`, or start the scheduler: `tracker schedule`.")
        return
    about = descriptions()
    seen = {r["source"] for r in sources}
    never = [name for name in about if name not in seen]
    lines = ["| source | what it brings | last run | last result | next run |", "|---|---|---|---|---|"]
    for r in sources:
        lines.append(f"| **{md(source_label(r['source']))}** | {md(about.get(r['source'], ''))} | "
                     f"{md(render.age(r['last_started'], now))} | {md(result_text(r))} | "
                     f"{md(next_run_text(r['source'], data, now))} |")
    for name in never:
        lines.append(f"| **{md(source_label(name))}** | {md(about[name])} | never | not run yet | "
                     f"{md(next_run_text(name, data, now))} |")
    st.markdown("\n".join(lines))
    failures = [(r["source"], f, r["more_failures"]) for r in sources for f in r["failures"]]
    st.markdown("**What failed, and why** (the last run of each source and project)")
    if not failures:
        st.write("Nothing: every source's last run of every project went through.")
        return
    lines = []
    for source, failure, _more in failures:
        projects = failure["projects"]
        named = ", ".join(md(p) for p in projects[:4]) + (f" and {len(projects) - 4} more" if len(projects) > 4 else "")
        what = failure["what"]
        what = ("" if what == "the whole run" else "interrupted, " if what == "interrupted"
                else f"{md(what.removeprefix('part: '))} (one part of the run), " if what.startswith("part: ")
                else "some parts, ")
        lines.append(f"- **{md(source_label(source))}**: {what}{display.count(len(projects), 'project')}: "
                     f"{md(failure['reason'], limit=300)} ({named})")
    st.markdown("\n".join(lines))
    more = sum({s: m for s, _, m in failures}.values())
    if more:
        st.caption(f"{display.count(more, 'other reason')} not shown; the table below lists every project's last run.")


def runs_section(db: str) -> None:
    data = queries.runs(db)
    st.subheader("Last run per project")
    last = data["last"]
    if last.empty:
        st.write("No runs yet.")
    else:
        errors_only = st.checkbox("Only runs that failed or were partly collected", key="runs_errors_only")
        if errors_only:
            last = last[last["status"].isin(["error", "interrupted", "partial"])]
        shown = pd.DataFrame({
            "source": [source_label(s) for s in last["source"]],
            "project": last["project"].fillna("(all projects)"),
            "result": [RESULT_WORDS.get(s, s) for s in last["status"]],
            "started": [display.when(t) for t in last["started_at"]],
            "took": [render.duration(a, b) for a, b in zip(last["started_at"], last["finished_at"], strict=True)],
            # an error is shown only beside the run it belongs to: a run that went ok has none
            "what failed": ["" if s in ("ok", "running") or display.is_unknown(e) else str(e)
                            for s, e in zip(last["status"], last["error"], strict=True)],
            "requests": [display.number(r) if not display.is_unknown(r) else "" for r in last["requests"]],
        })
        st.dataframe(shown, hide_index=True, width="stretch", key="runs_last",
                     column_config={"what failed": st.column_config.TextColumn(width="large")})
    st.subheader("Requests from the app")
    requests = data["requests"]
    if requests.empty:
        st.write("No requests yet.")
    else:
        shown = pd.DataFrame({
            "request": requests["id"], "what": requests["kind"], "project": requests["project_slug"],
            "source": [requests_panel.ALL_SOURCES if display.is_unknown(s) else source_label(s) for s in requests["source"]],
            "asked": [display.when(t) for t in requests["requested_at"]], "status": requests["status"],
            "handled": ["" if display.is_unknown(t) else display.when(t) for t in requests["handled_at"]],
            "what failed": ["" if display.is_unknown(e) else str(e) for e in requests["error"]],
        })
        st.dataframe(render.cells(shown, blank=("handled", "what failed")), hide_index=True, width="stretch",
                     key="runs_requests")


def show() -> None:
    """Render the data & runs page."""
    db = queries.database_path()
    st.title("Data & runs")
    size = queries.database_size(db)
    tracked: list[str] = []
    status: dict[str, Any] = {"projects": 0, "schema_version": None}
    if size is not None:
        with render.guard(db):
            status = queries.status(db)
            tracked = queries.project_slugs(db)
    if status["projects"]:
        with render.guard(db):
            sources_section(queries.runs(db), utcnow())
    st.subheader("Ask for more")
    requests_panel.show(db, tracked)
    if not status["projects"]:
        st.divider()
        render.empty_database(db, missing=size is None)
        return
    with render.guard(db):
        runs_section(db)
    st.caption(f"{display.count(status['projects'], 'project')} tracked · database {md(db)}, "
               + ("no file yet" if size is None else f"{size / 1e6:,.1f} MB")
               + f" · schema version {display.text(status['schema_version'])}")
