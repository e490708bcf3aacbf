"""Checking and repairing a database (`tracker doctor`), and the clean-up every writer does first.

What is checked:
* **orphans**: rows of per-project tables whose project is no longer tracked (`project_id` not in
  `projects`). `tracker remove` deletes a project's rows in one transaction and collectors write
  only while the project is tracked, but an older version could leave such rows behind;
* **dead runs**: runs recorded `running` by a process on this host that is gone (its pid is free,
  or now belongs to a process started at another time: tracker.runs.process_state);
* **the schema version**: older than this tracker's migrations (a writer migrates it), newer (a
  newer tracker wrote it: nothing to do but upgrade), or no tracker schema at all.

Checking only reads (works on a read-only copy, beside a running scheduler). Fixing deletes the
orphans, marks dead runs `interrupted` (their cursor lets the next run resume) and migrates.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tracker import registry, runs
from tracker.store import Store, latest_version, schema_version


def _tables(store: Store) -> list[str]:
    return registry._tables_with_project_id(store)


def _orphan_filter(table: str) -> str:
    # table names come from information_schema (our migrations), never from input
    return f"FROM {table} WHERE project_id IS NOT NULL AND project_id NOT IN (SELECT id FROM projects)"


def _orphans_per_table(store: Store, tables: list[str]) -> dict[str, int]:
    """Per table, the rows of projects that are not tracked, in one statement (a writer asks this
    on every start: one statement instead of one a table saves about 10 ms)."""
    if not tables:
        return {}
    union = " UNION ALL ".join(f"SELECT {i} AS i, count(*) AS n {_orphan_filter(t)}" for i, t in enumerate(tables))
    return {tables[i]: int(n) for i, n in store.all(f"SELECT i, n FROM ({union}) WHERE n > 0 ORDER BY i")}


def orphan_counts(store: Store) -> dict[str, int]:
    """Per table, the rows of projects that are not tracked (tables without any are left out)."""
    return _orphans_per_table(store, _tables(store))


def clean_orphans(store: Store) -> dict[str, int]:
    """Delete every row of an untracked project, in one transaction. Returns what was deleted."""
    with store.transaction():
        deleted = _orphans_per_table(store, _tables(store))
        for table in deleted:
            store.execute(f"DELETE {_orphan_filter(table)}")
    return deleted


def _has_column(store: Store, table: str, column: str) -> bool:
    return bool(store.scalar("SELECT count(*) FROM information_schema.columns WHERE table_name = ?"
                             " AND column_name = ?", [table, column]))


def dead_runs(store: Store) -> list[dict[str, Any]]:
    """Runs recorded `running` by a process of this host that is gone, oldest first."""
    started = "r.pid_started" if _has_column(store, "collection_runs", "pid_started") else "NULL"  # schema < 14
    rows = store.dicts(
        f"SELECT r.id, r.source, p.slug AS project, r.started_at, r.pid, r.host, {started} AS pid_started"
        " FROM collection_runs r LEFT JOIN projects p ON p.id = r.project_id"
        " WHERE r.status = 'running' AND r.host = ? ORDER BY r.started_at, r.id", [socket.gethostname()])
    return [{k: r[k] for k in ("id", "source", "project", "started_at", "pid")} for r in rows
            if runs.process_state(r["pid"], r["host"], r["pid_started"]) == "gone"]


def schema(store: Store) -> dict[str, Any]:
    """{version, expected, problem}: problem is None, 'older', 'newer' or 'none' (not a tracker database)."""
    version, expected = schema_version(store), latest_version()
    problem = None if version == expected else "none" if version == 0 else "older" if version < expected else "newer"
    return {"version": version, "expected": expected, "problem": problem}


def check(store: Store) -> dict[str, Any]:
    """Everything `tracker doctor` looks at, read-only. `ok` is True when nothing needs fixing."""
    found_schema = schema(store)
    if found_schema["problem"] in ("none", "newer"):
        # the tables may not be the ones this tracker knows: nothing else can be checked safely
        return {"ok": False, "schema": found_schema, "orphans": {}, "dead_runs": []}
    found = {"schema": found_schema, "orphans": orphan_counts(store), "dead_runs": dead_runs(store)}
    found["ok"] = not found_schema["problem"] and not found["orphans"] and not found["dead_runs"]
    return {"ok": found["ok"], **{k: found[k] for k in ("schema", "orphans", "dead_runs")}}


def check_file(path: str | Path, timeout: float, on_wait: Callable[[], None] | None = None) -> dict[str, Any]:
    """`check` on a read-only connection (no writer lock, and no schema requirement: an older or
    newer schema is one of the findings)."""
    with Store.open(path, read_only=True, lock_timeout=timeout, on_wait=on_wait) as store:
        return check(store)


def fix(store: Store) -> dict[str, Any]:
    """Repair what `check` finds (the store is a writer's: opening it migrated the schema)."""
    deleted = clean_orphans(store)
    interrupted = runs.mark_interrupted(store)
    return {"deleted": deleted, "interrupted": interrupted}
