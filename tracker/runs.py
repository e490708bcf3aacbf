"""Bookkeeping of collection runs (`collection_runs`) and the one entry point that runs a source.

A run row is written as `running` before any work (in its own short transaction) and closed as
`ok`, `partial` (some parts of the source's data failed, the rest arrived) or `error` in the same
transaction as the collected data, so the database never claims data it does not hold. `parts`
records per part what arrived and what failed, with the reason. A row left `running` by a killed
process is marked `interrupted` on the next start of that source; its cursor tells the collector
where to resume.

A run records its process: pid, host and the process's start time (`process_start`), so a pid the
system has since given to another process is not mistaken for the one that opened the run
(`process_state`). Errors and part reasons are redacted before they are stored (tracker.config.redact):
they often quote a server.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

from tracker.clock import utcnow  # noqa: F401 (re-exported: runs.utcnow)
from tracker.config import redact
from tracker.errors import CollectionError
from tracker.store import Store

START_TOLERANCE = 1.5  # seconds: two readings of one process's start time agree within this


class ProjectRemoved(CollectionError):
    """The project was removed (`tracker remove`) while it was being collected."""


# -- whose process ---------------------------------------------------------------------------------
def _start_from_proc(pid: int) -> float | None:
    """Linux: the start time from /proc/<pid>/stat (clock ticks after boot) and the boot time."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read().decode("ascii", "replace")
        with open("/proc/stat", "rb") as f:
            boot = next(int(line.split()[1]) for line in f.read().decode("ascii", "replace").splitlines()
                        if line.startswith("btime "))
        ticks = int(stat.rsplit(")", 1)[1].split()[19])   # field 22, counted after "pid (comm)"
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def _start_from_ps(pid: int) -> float | None:
    """Elsewhere (macOS, the BSDs): `ps -o lstart=` gives the start time to the second."""
    try:
        out = subprocess.run(["ps", "-o", "lstart=", "-p", str(int(pid))], capture_output=True, text=True,
                             timeout=5, env={**os.environ, "LC_ALL": "C", "LANG": "C"}, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    text = " ".join(out.stdout.split())
    if out.returncode != 0 or not text:
        return None
    try:
        return time.mktime(time.strptime(text, "%a %b %d %H:%M:%S %Y"))
    except (ValueError, OverflowError):
        return None


def process_start(pid: int) -> float | None:
    """When process `pid` started (epoch seconds), or None if there is no such process or it
    cannot be told on this system (Windows)."""
    if os.path.isdir("/proc/self"):
        started = _start_from_proc(pid)
        if started is not None or not os.path.isdir(f"/proc/{pid}"):
            return started
    return _start_from_ps(pid)


_OWN_START: dict[int, float | None] = {}


def own_start() -> float | None:
    """This process's start time (cached: it does not change)."""
    pid = os.getpid()
    if pid not in _OWN_START:
        _OWN_START[pid] = process_start(pid)
    return _OWN_START[pid]


def process_state(pid: int | None, host: str | None, started: float | None) -> str:
    """'alive' when the process that recorded (pid, host, start time) is still running here,
    'gone' when it is not (no such pid, or the pid now belongs to a process started at another
    time), 'elsewhere' when it ran on another host (it cannot be checked from here)."""
    if not pid:
        return "gone"
    if host != socket.gethostname():
        return "elsewhere"
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return "gone"
    except PermissionError:
        pass  # someone else's process: it exists
    except (OSError, OverflowError):
        return "gone"
    if started is not None:
        now = process_start(pid)
        if now is not None and abs(now - started) > START_TOLERANCE:
            return "gone"  # the pid was reused
    return "alive"


def process_alive(pid: int | None, host: str | None, started: float | None) -> bool:
    """True only when the recording process is known to be running on this host."""
    return process_state(pid, host, started) == "alive"


def _pid_alive(pid: int | None, host: str | None, started: float | None = None) -> bool:
    return process_alive(pid, host, started)


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
        """Record a resume point. Call inside the transaction that writes the matching data
        (part reasons are redacted)."""
        self.store.execute(
            "UPDATE collection_runs SET cursor = ?, counters = ?, requests = ?, points = ?, parts = ?"
            " WHERE id = ?",
            [json.dumps(cursor), json.dumps(self.counters), self.requests or None,
             self.points or None, _parts_json(parts), self.id],
        )

    def finish(self, status: str = "ok", error: str | None = None, parts: dict[str, Any] | None = None,
               cursor: Any = None) -> None:
        """Close the run (ok, partial, error, interrupted); a cursor given is stored with it. The
        error and the part reasons are redacted first."""
        error = redact(error) if error else error
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
        out[name] = {"status": status, **({"reason": redact(str(reason))} if reason else {})}
    return json.dumps(out)


def mark_interrupted(store: Store, source: str | None = None) -> int:
    """Close runs left `running` by processes that are gone. Returns how many."""
    return _mark_interrupted(store, source)[0]


def _mark_interrupted(store: Store, source: str | None) -> tuple[int, int]:
    """(runs closed, runs left running by other processes that are alive)."""
    rows = store.all(
        "SELECT id, pid, host, pid_started FROM collection_runs WHERE status = 'running'"
        + (" AND source = ?" if source else ""),
        [source] if source else None,
    )
    alive = {r[0] for r in rows if process_alive(r[1], r[2], r[3])}
    stale = [r[0] for r in rows if r[0] not in alive]
    me = (os.getpid(), socket.gethostname())
    others = sum(1 for r in rows if r[0] in alive and (r[1], r[2]) != me)
    for run_id in stale:
        store.execute(
            "UPDATE collection_runs SET status = 'interrupted', finished_at = ?,"
            " error = coalesce(error, 'the process stopped before the run finished') WHERE id = ?",
            [utcnow(), run_id],
        )
    return len(stale), others


# The sources whose runs left `running` by gone processes are known closed, per store that holds
# its file open (not the scheduler's ShortStore, which lets others write between statements). Once
# no run of the source is left running by another process, looking again while the store stays
# open finds nothing new: no other process can write to the database meanwhile (DuckDB lets one
# process open a file for writing) and this process's own runs are alive. So one look a
# collection instead of one a project (a scan of collection_runs: about 1 ms a project), unless
# another live process has runs going (it may die meanwhile) or what was closed may yet be rolled
# back (closed inside the caller's transaction).
_CLOSED_FOR: weakref.WeakKeyDictionary[Store, set[str]] = weakref.WeakKeyDictionary()


def start(store: Store, source: str, project_id: int | None, slug: str | None = None) -> Run:
    """Open a run (committed at once) and pick up the cursor of an interrupted predecessor.

    Runs of the source left `running` by gone processes are closed first (once per open store).
    The row is written only while the project is tracked (checked in the same statement):
    ProjectRemoved when `tracker remove` got there first, so a removed project never gets a run."""
    closed = _CLOSED_FOR.setdefault(store, set()) if store.holds_file else set()
    if source not in closed:
        marked, others = _mark_interrupted(store, source)
        if not others and not (marked and store._in_tx):
            closed.add(source)
    resume = store.scalar(
        "SELECT cursor FROM collection_runs WHERE source = ? AND project_id IS NOT DISTINCT FROM ?"
        " ORDER BY started_at DESC, id DESC LIMIT 1",
        [source, project_id],
    )
    run_id = store.scalar(
        "INSERT INTO collection_runs (source, project_id, started_at, status, pid, host, pid_started)"
        " SELECT ?, ?, ?, 'running', ?, ?, ?"
        " WHERE ?::INTEGER IS NULL OR EXISTS (SELECT 1 FROM projects WHERE id = ?) RETURNING id",
        [source, project_id, utcnow(), os.getpid(), socket.gethostname(), own_start(), project_id, project_id],
    )
    if run_id is None:
        raise ProjectRemoved(f"{slug or f'project {project_id}'} was removed before it was collected; "
                             "nothing written")
    return Run(store, run_id, source, project_id,
               resume_cursor=json.loads(resume) if resume else None)


def forget(store: Store, run_id: int) -> None:
    """Delete a run row whose project has been removed (nothing of it may stay behind)."""
    with contextlib.suppress(Exception):
        store.execute("DELETE FROM collection_runs WHERE id = ? AND project_id IS NOT NULL"
                      " AND project_id NOT IN (SELECT id FROM projects)", [run_id])


def discard(store: Store, run_id: int) -> None:
    """Delete a run row that was opened but whose fetch was never started (nothing was tried)."""
    store.execute("DELETE FROM collection_runs WHERE id = ? AND status = 'running'", [run_id])


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
