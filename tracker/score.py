"""The score job, beside `collect`: metrics for the selected projects (set-based, tracker.metrics),
judged by tracker.scoring (pure), appended to `scores` in short batched transactions.

    run = score_projects(store, projects, now, weights_path, progress)   # -> ScoreRun
    written = score_all(store, now, weights_path, progress)              # every tracked project

Projects go through in chunks of `CHUNK` (5,000): the metrics of a chunk take a few SQL statements
whatever its size, and its rows are written in one short transaction, so a scheduler-held lock is
never held long and memory stays flat. One project's bad data never stops the others: if a chunk's
set-based metrics fail, its projects are computed one by one and only the failing ones are
reported. Rerunning with the same `now` replaces rows, never duplicates them.
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from tracker import display, metrics, registry
from tracker.clock import utcnow
from tracker.scoring import score_metrics
from tracker.scoring import weights as weights_mod
from tracker.store import Store
from tracker.values import iso, jsonable

CHUNK = 5_000

COLUMNS = (
    "project_id", "computed_at", "health", "coverage", "subscores", "risk_level", "flags", "maturity",
    "criticality", "truck_factor", "funding_need", "funding_need_reason", "weights_version", "metrics",
    "unchecked", "maturity_reason", "health_reason",
)
_JSON = {"subscores", "flags", "metrics", "unchecked"}


@dataclass
class ScoreRun:
    """What a scoring run did: rows written, the results themselves, projects that failed."""

    written: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)


def _metrics_json(values: dict[str, Any]) -> str:
    """The metrics as JSON: timestamps as ISO text, NaN and infinities as null (tracker.values)."""
    try:  # the fast path: only timestamps need converting, and `default` converts them
        return json.dumps(values, ensure_ascii=False, default=iso, allow_nan=False)
    except ValueError:  # a non-finite float somewhere: the general conversion
        return json.dumps(jsonable(values), ensure_ascii=False)


def to_row(project_id: int, computed_at: datetime, result: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A `scores` row: JSON columns serialised, timestamps as ISO text inside them."""
    return {
        "project_id": project_id,
        "computed_at": computed_at,
        "health": result["health"],
        "coverage": result["coverage"],
        "subscores": json.dumps(result["subscores"], ensure_ascii=False),
        "risk_level": result["risk_level"],
        "flags": json.dumps(result["flags"], ensure_ascii=False),
        "maturity": result["maturity"],
        "criticality": result["criticality"],
        "truck_factor": result["truck_factor"],
        "funding_need": result["funding_need"],
        "funding_need_reason": result["funding_need_reason"],
        "weights_version": result["weights_version"],
        "metrics": _metrics_json(values),
        "unchecked": json.dumps(result["unchecked"], ensure_ascii=False),
        "maturity_reason": result["maturity_reason"],
        "health_reason": result["health_reason"],
    }


def write_rows(store: Store, rows: Sequence[dict[str, Any]]) -> None:
    """Append (or, for the same project and time, replace) score rows in one transaction."""
    if not rows:
        return
    import numpy as np  # imported here: DuckDB scans NumPy columns without pandas or Arrow

    batch = {
        col: (np.array([r[col] for r in rows], dtype="datetime64[us]") if col == "computed_at"
              else np.array([r[col] for r in rows], dtype=object))
        for col in COLUMNS
    }
    batch["project_id"] = np.array([r["project_id"] for r in rows], dtype=np.int32)
    update = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[2:])
    store.con.register("score_batch", batch)
    try:
        with store.transaction():
            store.execute(
                f"INSERT INTO scores ({', '.join(COLUMNS)}) SELECT {', '.join(COLUMNS)} FROM score_batch"
                f" ON CONFLICT (project_id, computed_at) DO UPDATE SET {update}")
    finally:
        store.con.unregister("score_batch")


def grace_days(weights: weights_mod.Weights) -> float:
    """How old git data may be at the as-of date before activity is judged as of the data's date."""
    return float(weights["evidence"]["git_data_grace_days"])


def _metrics(store: Store, chunk: Sequence[registry.Project], now: datetime, weights: weights_mod.Weights
             ) -> tuple[dict[int, dict[str, Any]], dict[int, str]]:
    """The chunk's metrics, set-based (stale git data judged as of its date); if that fails, project
    by project: (values, errors by id)."""
    grace = grace_days(weights)
    try:
        return metrics.compute(store, [p.id for p in chunk], now, grace), {}
    except Exception:  # find the projects whose data breaks the set
        values: dict[int, dict[str, Any]] = {}
        errors: dict[int, str] = {}
        for project in chunk:
            try:
                values[project.id] = metrics.compute_all(store, project.id, now, grace)
            except Exception as exc:
                errors[project.id] = f"{type(exc).__name__}: {exc}"
        return values, errors


def score_projects(
    store: Store,
    projects: Sequence[registry.Project],
    now: datetime | None = None,
    weights_path: str | Path | None = None,
    progress: Callable[[str], None] | None = None,
    keep_results: bool = True,
) -> ScoreRun:
    """Score `projects` as of `now`; rerunning with the same `now` replaces, never duplicates.
    The results are kept in `ScoreRun.rows` (for printing) unless `keep_results` is false."""
    now = now or utcnow()
    weights = weights_mod.load(weights_path)  # a bad file fails here, before anything is written
    collecting = gc.isenabled()
    gc.disable()  # a chunk's metrics are thousands of live dicts: no cycles to find, only time lost
    try:
        return _score(store, projects, now, weights, progress, keep_results)
    finally:
        if collecting:
            gc.enable()


def _score(store: Store, projects: Sequence[registry.Project], now: datetime, weights: weights_mod.Weights,
           progress: Callable[[str], None] | None, keep_results: bool) -> ScoreRun:
    run = ScoreRun()
    total = len(projects)
    started = time.monotonic()
    announce = progress is not None and (total > CHUNK or total >= 100)  # metrics take a while: say so
    for first in range(0, total, CHUNK):
        chunk = projects[first:first + CHUNK]
        if announce:
            progress(f"computing metrics of projects {first + 1:,}-{first + len(chunk):,} of {total:,}")
        values, errors = _metrics(store, chunk, now, weights)
        rows, results = [], []
        for i, project in enumerate(chunk, first + 1):
            m = values.get(project.id)
            if m is None:
                run.failures.append((project.slug, errors[project.id]))
                if progress is not None:
                    progress(f"[{i}/{total}] {project.slug}: failed: {errors[project.id]}")
                continue
            try:
                result = score_metrics(m, weights, now)
                row = to_row(project.id, now, result, m)
            except Exception as exc:  # one project's bad data must not stop the others
                run.failures.append((project.slug, f"{type(exc).__name__}: {exc}"))
                if progress is not None:
                    progress(f"[{i}/{total}] {project.slug}: failed: {exc}")
                continue
            rows.append(row)
            results.append((i, project, result))
        try:
            write_rows(store, rows)
        except Exception:  # a row the table refuses: write them one by one, report that one
            by_id = {p.id: p for p in chunk}
            kept = []
            for row in rows:
                try:
                    write_rows(store, [row])
                    kept.append(row["project_id"])
                except Exception as exc:
                    run.failures.append((by_id[row["project_id"]].slug, f"{type(exc).__name__}: {exc}"))
            written = set(kept)
            results = [r for r in results if r[1].id in written]
        for i, project, result in results:
            run.written += 1
            if keep_results:
                run.rows.append({"project": project.slug, **result})
            if progress is not None:
                health = display.health(result["health"], result["coverage"], result["health_reason"])
                progress(f"[{i}/{total}] {project.slug}: health {health}, risk {result['risk_level']}")
    if announce:
        progress(f"scored {run.written:,} of {total:,} projects in {time.monotonic() - started:.1f} s")
    return run


def score_all(
    store: Store,
    now: datetime | None = None,
    weights_path: str | Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> int:
    """Score every tracked project; returns the number of rows appended to `scores`."""
    return score_projects(store, registry.all_projects(store), now, weights_path, progress, keep_results=False).written
