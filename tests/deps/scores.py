"""The `scores` table exactly as CONTRACTS.md defines it (the scoring branch writes it), and a
helper to store a scored project, so dependency reports can be tested on their own."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from tracker import registry
from tracker.store import Store

SCORES_DDL = """
CREATE TABLE IF NOT EXISTS scores (
    project_id INTEGER NOT NULL, computed_at TIMESTAMP NOT NULL,
    health DOUBLE,
    coverage DOUBLE NOT NULL,
    subscores JSON NOT NULL,
    risk_level VARCHAR NOT NULL,
    flags JSON NOT NULL,
    maturity VARCHAR,
    criticality DOUBLE, truck_factor INTEGER,
    funding_need DOUBLE, funding_need_reason VARCHAR,
    weights_version VARCHAR NOT NULL,
    metrics JSON NOT NULL,
    PRIMARY KEY (project_id, computed_at));
"""


def create_scores(store: Store) -> None:
    store.execute(SCORES_DDL)


def add_score(store: Store, slug: str, *, computed_at: datetime, risk: str, health: float | None,
              flags: list[tuple[str, str]] = (), truck_factor: int | None = None,
              criticality: float | None = None, metrics: dict[str, Any] | None = None,
              subscores: dict[str, Any] | None = None, coverage: float = 0.9,
              maturity: str | None = None, pypi: str | None = None) -> int:
    """Track `slug` (if needed) and append one scores row for it. Returns the project id."""
    create_scores(store)
    project, _ = registry.add(store, slug, pypi_package=pypi)
    store.execute(
        "INSERT INTO scores (project_id, computed_at, health, coverage, subscores, risk_level, flags,"
        " maturity, criticality, truck_factor, funding_need, funding_need_reason, weights_version, metrics)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [project.id, computed_at, health, coverage, json.dumps(subscores or {}), risk,
         json.dumps([{"name": n, "evidence": e} for n, e in flags]), maturity, criticality, truck_factor,
         None, None, "test-1", json.dumps(metrics or {})])
    return project.id
