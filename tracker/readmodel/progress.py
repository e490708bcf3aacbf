"""What the collector is doing, for the app's progress banner and request panel: each job's current
project and how far it is (scheduler_jobs, migration 0018), collections running now, failures of
the last runs grouped by kind (tracker.failures), the app's requests, and the bundled snapshot.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tracker import failures
from tracker.readmodel import snapshot
from tracker.store import Store

RECENT_REQUESTS = 20


def collection_progress(store: Store) -> dict[str, Any]:
    """{jobs, daemon, running, failures, pending_requests, snapshot, data_version}: one read."""
    jobs = store.dicts(
        "SELECT job_id, source, last_status, last_started_at, last_finished_at, last_error, next_run_at,"
        " progress_done, progress_total, current, notice, updated_at FROM scheduler_jobs ORDER BY job_id")
    daemon = next((j for j in jobs if j["job_id"] == "scheduler"), None)
    running = store.dicts(
        "SELECT r.source, p.slug AS project, r.started_at FROM collection_runs r"
        " LEFT JOIN projects p ON p.id = r.project_id WHERE r.status = 'running' ORDER BY r.started_at")
    failed = store.dicts(
        "SELECT source, project, status, error FROM last_runs WHERE status IN ('error', 'interrupted')"
        " AND project IS NOT NULL ORDER BY source, project")
    grouped = failures.group([_Outcome(**r) for r in failed])
    pending = store.scalar("SELECT count(*) FROM collection_requests WHERE status IN ('pending', 'running')")
    version = store.one("SELECT (SELECT count(*) FROM data_runs), (SELECT max(computed_at) FROM scores),"
                        " (SELECT count(*) FROM scores), (SELECT count(*) FROM projects)")
    return {
        "jobs": [j for j in jobs if j["job_id"] != "scheduler"],
        "daemon": daemon,
        "running": running,
        "failures": [{"source": f.source, "text": f.text, "projects": f.projects, "line": f.line()}
                     for f in grouped],
        "pending_requests": int(pending or 0),
        "snapshot": snapshot.summary(store),
        "data_version": tuple(version) if version else None,
    }


class _Outcome:
    def __init__(self, source: str, project: str | None, status: str, error: str | None):
        self.source, self.project, self.status, self.error = source, project, status, error


def requests(store: Store, ids: list[int] | None = None, limit: int = RECENT_REQUESTS) -> list[dict[str, Any]]:
    """The app's requests, newest first (those with `ids`, or the last `limit`), with what the
    scheduler is doing for a running one (`doing`: e.g. 'git meta-llama/llama3', `step`, `steps`)."""
    if ids is not None:
        if not ids:
            return []
        rows = store.dicts("SELECT * FROM collection_requests WHERE id IN (SELECT unnest(?::BIGINT[]))"
                           " ORDER BY id DESC", [ids])
    else:
        rows = store.dicts("SELECT * FROM collection_requests ORDER BY id DESC LIMIT ?", [limit])
    job = store.dicts("SELECT current, progress_done, progress_total FROM scheduler_jobs WHERE job_id = 'requests'")
    current = job[0] if job else {}
    for r in rows:
        r["doing"] = r["step"] = r["steps"] = None
        text = current.get("current") or ""
        if r["status"] == "running" and text.startswith(f"request {r['id']}: "):
            r["doing"] = text.split(": ", 1)[1]
            r["step"], r["steps"] = current.get("progress_done"), current.get("progress_total")
    return rows


def age_seconds(when: datetime | None, now: datetime) -> float | None:
    return None if when is None else (now - when).total_seconds()
