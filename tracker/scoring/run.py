"""`score_all`: score every tracked project and append the results to `scores` (one short write
transaction per project; a failing project is reported and never stops the others)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from tracker import registry
from tracker.clock import utcnow
from tracker.scoring import card, inputs
from tracker.scoring import weights as weights_mod
from tracker.store import Store
from tracker.values import jsonable


@dataclass
class ScoreRun:
    """What a scoring run did: rows written, the rows themselves, projects that failed."""

    written: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)


def _now() -> datetime:
    return utcnow()


def to_row(
    project_id: int, computed_at: datetime, result: dict[str, Any], metrics: dict[str, Any]
) -> dict[str, Any]:
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
        "metrics": json.dumps(jsonable(metrics), ensure_ascii=False),
        "unchecked": json.dumps(result["unchecked"], ensure_ascii=False),
        "maturity_reason": result["maturity_reason"],
    }


def score_projects(
    store: Store,
    projects: list[registry.Project],
    now: datetime | None = None,
    weights_path: str | Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> ScoreRun:
    """Score `projects` as of `now`; rerunning with the same `now` replaces, never duplicates."""
    now = now or _now()
    weights = weights_mod.load(weights_path)  # a bad file fails here, before anything is written
    run = ScoreRun()
    for i, project in enumerate(projects, 1):
        try:
            metrics = inputs.gather(store, project.id, now)
            result = card.score_metrics(metrics, weights, now)
            row = to_row(project.id, now, result, metrics)
            store.upsert("scores", [row], key=["project_id", "computed_at"])
        except Exception as exc:  # one project's bad data must not stop the others
            run.failures.append((project.slug, f"{type(exc).__name__}: {exc}"))
            if progress is not None:
                progress(f"[{i}/{len(projects)}] {project.slug}: failed: {exc}")
            continue
        run.written += 1
        run.rows.append({"project": project.slug, **result})
        if progress is not None:
            health = "unknown" if result["health"] is None else f"{result['health']:.1f}"
            progress(f"[{i}/{len(projects)}] {project.slug}: health {health}, risk {result['risk_level']}")
    return run


def score_all(
    store: Store,
    now: datetime | None = None,
    weights_path: str | Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> int:
    """Score every tracked project; returns the number of rows appended to `scores`."""
    return score_projects(store, registry.all_projects(store), now, weights_path, progress).written
