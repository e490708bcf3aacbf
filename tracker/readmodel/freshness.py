"""Freshness and runs: when data last arrived per project and source, the last run of each, the
per-source summary, the scheduler's timetable, the app's requests and `tracker status`.

A run "brought data" when it finished with any status but error, interrupted or running: `ok`,
`partial` (what arrived was saved) and any later kind of success (the `data_runs` view).
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from tracker.store import Store

FAILED = ("error", "interrupted")


def source_freshness(store: Store, project_id: int | None = None) -> list[dict[str, Any]]:
    """Per source (and project): last run started/finished, its status and error, and `data_at`,
    when data last arrived from it (None: never). One project's sources with `project_id`."""
    if project_id is None:
        return store.dicts("SELECT * FROM source_freshness ORDER BY source, project")
    return store.dicts("SELECT * FROM source_freshness WHERE project_id = ? ORDER BY source", [project_id])


def data_at(store: Store, project_id: int) -> dict[str, datetime | None]:
    """Source name -> when data last arrived for the project (sources never run are absent)."""
    return {r["source"]: r["data_at"] for r in source_freshness(store, project_id)}


def project_freshness(store: Store, project_id: int) -> dict[str, Any]:
    """The project's bundle: `data_as_of` (the oldest of its sources' last arrivals), the newest
    arrival, how many sources brought data and how many failed last time (all None/0 if none)."""
    rows = store.dicts("SELECT * FROM project_freshness WHERE project_id = ?", [project_id])
    return rows[0] if rows else {"project_id": project_id, "data_as_of": None, "last_collected_at": None,
                                 "sources_with_data": 0, "sources_failing": 0}


def last_runs(store: Store) -> list[dict[str, Any]]:
    """The newest run of each source and project, by source and project name."""
    return store.dicts("SELECT source, project, started_at, finished_at, status, error, counters, requests,"
                       " points FROM last_runs ORDER BY source, project NULLS FIRST")


def source_summary(store: Store) -> list[dict[str, Any]]:
    """Per source: last start and finish, runs that brought data, errors, running, interrupted,
    the last status and the last error."""
    return store.dicts("SELECT * FROM source_summary ORDER BY source")


def schedule(store: Store) -> list[dict[str, Any]]:
    """The scheduler's jobs as it last published them, soonest next run first."""
    return store.dicts("SELECT job_id, source, next_run_at, interval_seconds, last_status, last_started_at,"
                       " last_finished_at, last_error, updated_at, pid, host FROM scheduler_jobs"
                       " ORDER BY next_run_at NULLS LAST, job_id")


def requests(store: Store, limit: int = 50) -> list[dict[str, Any]]:
    """The newest requests made from the app (track, collect), newest first."""
    return store.dicts("SELECT id, kind, project_slug, source, requested_at, status, handled_at, error"
                       " FROM collection_requests ORDER BY id DESC LIMIT ?", [limit])


def running_runs(store: Store) -> list[dict[str, Any]]:
    """Runs recorded as `running`, each with the process that opened it (pid, host, start time)."""
    return store.dicts("SELECT r.id, r.source, p.slug AS project, r.pid, r.host, r.pid_started"
                       " FROM collection_runs r LEFT JOIN projects p ON p.id = r.project_id"
                       " WHERE r.status = 'running'")


GONE = "interrupted (process gone)"


def pending_requests(store: Store) -> int:
    return store.scalar("SELECT count(*) FROM collection_requests WHERE status = 'pending'")


def collection_status(store: Store, db_path: str | os.PathLike[str]) -> dict[str, Any]:
    """What `tracker status` shows: whether the scheduler runs (from its lock), its jobs, pending
    requests, and per source and tracked project the last run, its result and error, and the next
    run (known only while the scheduler runs)."""
    import collectors
    from tracker.registry import all_projects
    from tracker.scheduler import DAEMON_JOB, collect_job_id, scheduler_holder

    holder = scheduler_holder(db_path)
    running = holder is not None
    jobs = schedule(store)
    by_job = {j["job_id"]: j for j in jobs}
    daemon = by_job.get(DAEMON_JOB, {})

    def next_run(source: str) -> datetime | None:
        job = by_job.get(collect_job_id(source))
        return job["next_run_at"] if running and job else None

    last = {(r["source"], r["project"]): r for r in source_freshness(store)}
    projects = all_projects(store)
    slugs = {p.slug for p in projects}
    rows: list[dict[str, Any]] = []
    seen = set()
    for name, source in collectors.sources().items():
        targets = [p.slug for p in projects if source.serves(p)]
        for slug in targets:
            seen.add((name, slug))
            rows.append(_status_row(name, slug, last.get((name, slug)), next_run(name)))
    for key, run in last.items():
        if key not in seen and (key[1] is None or key[1] in slugs):
            rows.append(_status_row(key[0], key[1], run, next_run(key[0])))
    rows.sort(key=lambda r: (r["source"], r["project"] or ""))
    # A `running` row whose process is gone (killed; or its pid now belongs to another process) reads
    # as interrupted; the row itself is closed by the next writer (tracker.runs.mark_interrupted).
    from tracker.runs import process_state

    gone = {(r["source"], r["project"]) for r in running_runs(store)
            if process_state(r["pid"], r["host"], r["pid_started"]) == "gone"}
    for row in rows:
        if row["result"] == "running" and (row["source"], row["project"]) in gone:
            row["result"] = GONE
    daemon_status = daemon.get("last_status")
    if daemon_status == "running" and not running:
        daemon_status = GONE  # the scheduler's lock is free: its process stopped without closing
    return {
        "scheduler": {
            "running": running,
            "pid": holder.pid if holder else daemon.get("pid"),
            "host": holder.host if holder else daemon.get("host"),
            "since": holder.since if holder else None,
            "command": holder.command if holder else None,
            "last_started_at": daemon.get("last_started_at"),
            "last_stopped_at": daemon.get("last_finished_at"),
            "last_status": daemon_status,
        },
        "pending_requests": pending_requests(store),
        "jobs": [{k: j[k] for k in ("job_id", "source", "interval_seconds", "last_started_at",
                                    "last_finished_at", "last_status", "last_error")}
                 | {"next_run_at": j["next_run_at"] if running and j["job_id"].startswith("collect:") else None}
                 for j in sorted(jobs, key=lambda j: j["job_id"]) if j["job_id"] != DAEMON_JOB],
        "runs": rows,
    }


def _status_row(source: str, project: str | None, run: dict[str, Any] | None,
                next_run: datetime | None) -> dict[str, Any]:
    return {
        "source": source,
        "project": project,
        "last_run": run["last_started_at"] if run else None,
        "finished": run["last_finished_at"] if run else None,
        "result": run["last_status"] if run else "never",
        "error": run["last_error"] if run else None,
        "data_at": run["data_at"] if run else None,
        "next_run": next_run,
    }
