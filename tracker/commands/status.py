"""tracker status: per source and project, the last run, its result and error, and the next run."""

from __future__ import annotations

import argparse
import sys

from tracker import output, readmodel
from tracker.config import redact
from tracker.values import iso, jsonable

COLUMNS = ["source", "project", "last_run", "finished", "result", "data_as_of", "error", "next_run"]
ERROR_WIDTH = 60


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("status", help="last and next collection runs per source and project",
                       description="Show, per source and project, the last collection run (when, "
                       "result, error), when data last arrived from it (data_as_of: a run that was ok or "
                       "partial) and the next scheduled run, and whether `tracker schedule` is running. "
                       "Read-only: works while the scheduler writes, and on a read-only copy.")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_status, read_only=True)


def _when(value) -> str | None:
    return iso(value) if value is not None else None


def cmd_status(ctx) -> int:
    data = readmodel.collection_status(ctx.store(), ctx.config.db_path)
    if ctx.args.format == "json":
        sys.stdout.write(output.dumps(jsonable(data)) + "\n")
        return 0
    s = data["scheduler"]
    if s["running"]:
        print(f"scheduler: running, pid {s['pid']} on {s['host']} since {s['since']} ({s['command']})")
    elif s["last_status"]:
        print(f"scheduler: not running (last run pid {s['pid']} on {s['host']}, started "
              f"{_when(s['last_started_at'])}, {s['last_status']}"
              + (f" at {_when(s['last_stopped_at'])}" if s["last_stopped_at"] else "") + ")")
    else:
        print("scheduler: not running (start it with: tracker schedule)")
    if data["pending_requests"]:
        print(f"pending requests: {data['pending_requests']}")
    rows = []
    for r in data["runs"]:
        error = redact(r["error"], ctx.config) if r["error"] else r["error"]  # before cutting: a cut
        if error and len(error) > ERROR_WIDTH:                                # token would not be found
            error = error[: ERROR_WIDTH - 3] + "..."
        rows.append({**r, "project": r["project"] or "(all)", "last_run": _when(r["last_run"]),
                     "finished": _when(r["finished"]), "data_as_of": _when(r["data_at"]) or "never",
                     "error": error or "",
                     "next_run": _when(r["next_run"]) or ("-" if not s["running"] else None)})
    output.emit(rows, "table", COLUMNS)
    return 0
