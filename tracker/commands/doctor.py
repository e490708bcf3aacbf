"""tracker doctor: check the database (read-only) and, with --fix, repair it (see tracker/doctor.py)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from tracker import display, doctor, lock, output
from tracker.errors import TrackerError, UsageError
from tracker.values import jsonable


class NotFixable(TrackerError):
    """The database cannot be repaired by this tracker (written by a newer one)."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "doctor", help="check the database (rows of removed projects, dead runs, schema); --fix repairs",
        description="Check the database: rows of projects that are no longer tracked (orphans), runs "
        "left `running` by a process that is gone (its pid free, or reused by another process), and "
        "the schema version. Checking only reads: it works beside a running scheduler and on a "
        "read-only copy. --fix takes the writer lock, migrates an older schema, deletes the orphans and "
        "marks dead runs interrupted (the next run resumes from their cursor). Exit code: 0 when "
        "nothing is wrong (or everything was fixed), 1 when something is (or could not be fixed).")
    p.add_argument("--fix", action="store_true", help="repair what is found")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_doctor)


def _check(ctx) -> dict[str, Any]:
    """The read-only check (no writer lock, no schema requirement: an old or new schema is a finding)."""
    path = ctx.config.db_path
    if str(path) != ":memory:" and not path.exists():
        raise UsageError(f"no database at {path}: nothing to check")
    return doctor.check_file(path, lock.timeout_from_env(), ctx._waiting)


def cmd_doctor(ctx) -> int:
    found = _check(ctx)
    fixed: dict[str, Any] | None = None
    if ctx.args.fix and not found["ok"]:
        if found["schema"]["problem"] in ("newer", "none"):
            _print(ctx, found, None)
            what = ("was written by a newer tracker: upgrade tracker to use it" if found["schema"]["problem"]
                    == "newer" else "is not a tracker database")
            raise NotFixable(f"{ctx.config.db_path} {what}; --fix changed nothing")
        store = ctx.store(read_only=False)        # the writer lock; opening migrates and cleans orphans
        fixed = doctor.fix(store)
        for table, n in ctx.cleaned.items():
            fixed["deleted"][table] = fixed["deleted"].get(table, 0) + n
        if found["schema"]["problem"] == "older":
            fixed["migrated"] = {"from": found["schema"]["version"], "to": store.schema_version()}
        after = doctor.check(store)
        _print(ctx, after, fixed)
        return 0 if after["ok"] else 1
    _print(ctx, found, None)
    return 0 if found["ok"] else 1


def _print(ctx, found: dict[str, Any], fixed: dict[str, Any] | None) -> None:
    if ctx.args.format == "json":
        doc = {"database": str(ctx.config.db_path), **found}
        if fixed is not None:
            doc["fixed"] = fixed
        sys.stdout.write(output.dumps(jsonable(doc)) + "\n")
        return
    lines = [f"database: {ctx.config.db_path}"]
    if fixed is not None:
        lines += _fixed_lines(fixed)
        lines.append("now:")
    s = found["schema"]
    if s["problem"] is None:
        lines.append(f"schema version {s['version']}: as expected")
    elif s["problem"] == "older":
        lines.append(f"schema version {s['version']}: older than this tracker's ({s['expected']}); a writer "
                     "migrates it")
    elif s["problem"] == "newer":
        lines.append(f"schema version {s['version']}: newer than this tracker knows ({s['expected']}); it was "
                     "written by a newer version: upgrade tracker")
    else:
        lines.append("no tracker schema: this is not a tracker database")
    orphans = found["orphans"]
    if orphans:
        lines.append(f"orphan rows (of projects no longer tracked): {display.count(sum(orphans.values()), 'row')}"
                     f" in {display.count(len(orphans), 'table')}")
        lines += [f"  {table}: {n}" for table, n in sorted(orphans.items())]
    elif s["problem"] not in ("newer", "none"):
        lines.append("no orphan rows")
    dead = found["dead_runs"]
    if dead:
        lines.append(f"{display.count(len(dead), 'run')} left running by a process that is gone:")
        lines += [f"  {r['source']} {r['project'] or '(no project)'}, started {display.when(r['started_at'])},"
                  f" pid {r['pid']}" for r in dead]
    elif s["problem"] not in ("newer", "none"):
        lines.append("no run left running by a process that is gone")
    if found["ok"]:
        lines.append("nothing to fix")
    elif fixed is None and s["problem"] not in ("newer", "none"):
        lines.append("problems found: run `tracker doctor --fix` to repair them")
    print("\n".join(lines))


def _fixed_lines(fixed: dict[str, Any]) -> list[str]:
    lines = ["fixed:"]
    if fixed.get("migrated"):
        lines.append(f"  migrated the schema from version {fixed['migrated']['from']} to {fixed['migrated']['to']}")
    deleted = fixed["deleted"]
    if deleted:
        lines.append(f"  deleted {display.count(sum(deleted.values()), 'orphan row')} ("
                     + ", ".join(f"{table}: {n}" for table, n in sorted(deleted.items())) + ")")
    if fixed["interrupted"]:
        lines.append(f"  marked {display.count(fixed['interrupted'], 'dead run')} interrupted (the next run "
                     "resumes from its cursor)")
    if len(lines) == 1:
        lines.append("  nothing needed fixing")
    return lines
