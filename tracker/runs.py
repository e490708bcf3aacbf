"""Bookkeeping of collection runs (`collection_runs`) and the one entry point that runs a source.

A run row is written as `running` before any work (in its own short transaction) and closed as
`ok`, `partial` (some parts of the source's data failed, the rest arrived) or `error` in the same
transaction as the collected data, so the database never claims data it does not hold. `parts`
records per part what arrived and what failed, with the reason. A row left `running` by a killed
process is marked `interrupted` on the next start of that source; its cursor tells the collector
where to resume.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass, field
from typing import Any

from tracker.clock import utcnow  # noqa: F401 (re-exported: runs.utcnow)
from tracker.store import Store


def _pid_alive(pid: int | None, host: str | None) -> bool:
    if not pid or host != socket.gethostname():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class Run:
    """One collection run of one source for one project (or none)."""

    store: Store
    id: int
    source: str
    project_id: int | None
    counters: dict[str, Any] = field(default_factory=dict)
    resume_cursor: Any = None  # cursor left by an interrupted earlier run, if any
    requests: int = 0
    points: int = 0

    def count(self, name: str, n: int = 1) -> None:
        self.counters[name] = self.counters.get(name, 0) + n

    def save_cursor(self, cursor: Any, parts: dict[str, Any] | None = None) -> None:
        """Record a resume point. Call inside the transaction that writes the matching data."""
        self.store.execute(
            "UPDATE collection_runs SET cursor = ?, counters = ?, requests = ?, points = ?, parts = ?"
            " WHERE id = ?",
            [json.dumps(cursor), json.dumps(self.counters), self.requests or None,
             self.points or None, _parts_json(parts), self.id],
        )

    def finish(self, status: str = "ok", error: str | None = None, parts: dict[str, Any] | None = None,
               cursor: Any = None) -> None:
        """Close the run (ok, partial, error, interrupted); a cursor given is stored with it."""
        self.store.execute(
            "UPDATE collection_runs SET finished_at = ?, status = ?, error = ?, counters = ?,"
            " requests = ?, points = ?, parts = coalesce(?, parts), cursor = coalesce(?, cursor) WHERE id = ?",
            [utcnow(), status, error, json.dumps(self.counters), self.requests or None,
             self.points or None, _parts_json(parts), None if cursor is None else json.dumps(cursor),
             self.id],
        )


def _parts_json(parts: dict[str, Any] | None) -> str | None:
    """{"graphql": {"status": "failed", "reason": "..."}, ...} from Part objects or plain dicts."""
    if not parts:
        return None
    out = {}
    for name, part in parts.items():
        status = getattr(part, "status", None) or (part.get("status") if isinstance(part, dict) else str(part))
        reason = getattr(part, "reason", None) if not isinstance(part, dict) else part.get("reason")
        out[name] = {"status": status, **({"reason": reason} if reason else {})}
    return json.dumps(out)


def mark_interrupted(store: Store, source: str | None = None) -> int:
    """Close runs left `running` by processes that are gone. Returns how many."""
    rows = store.all(
        "SELECT id, pid, host FROM collection_runs WHERE status = 'running'"
        + (" AND source = ?" if source else ""),
        [source] if source else None,
    )
    stale = [r[0] for r in rows if not _pid_alive(r[1], r[2])]
    for run_id in stale:
        store.execute(
            "UPDATE collection_runs SET status = 'interrupted', finished_at = ?,"
            " error = coalesce(error, 'the process stopped before the run finished') WHERE id = ?",
            [utcnow(), run_id],
        )
    return len(stale)


def start(store: Store, source: str, project_id: int | None) -> Run:
    """Open a run (committed at once) and pick up the cursor of an interrupted predecessor."""
    mark_interrupted(store, source)
    resume = store.scalar(
        "SELECT cursor FROM collection_runs WHERE source = ? AND project_id IS NOT DISTINCT FROM ?"
        " ORDER BY started_at DESC, id DESC LIMIT 1",
        [source, project_id],
    )
    run_id = store.scalar(
        "INSERT INTO collection_runs (source, project_id, started_at, status, pid, host)"
        " VALUES (?, ?, ?, 'running', ?, ?) RETURNING id",
        [source, project_id, utcnow(), os.getpid(), socket.gethostname()],
    )
    return Run(store, run_id, source, project_id,
               resume_cursor=json.loads(resume) if resume else None)


def last_runs(store: Store) -> list[dict[str, Any]]:
    """The latest run of each (source, project)."""
    return store.dicts(
        "SELECT r.source, p.slug AS project, r.started_at, r.finished_at, r.status, r.error,"
        " r.counters, r.requests, r.points FROM collection_runs r"
        " LEFT JOIN projects p ON p.id = r.project_id"
        " QUALIFY row_number() OVER (PARTITION BY r.source, r.project_id"
        "   ORDER BY r.started_at DESC, r.id DESC) = 1"
        " ORDER BY r.source, p.slug"
    )
