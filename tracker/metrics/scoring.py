"""Metrics derived by the scoring package: Avelino truck factor and OpenSSF criticality.

Runs after the git, GitHub and funding providers, so `known` holds their metrics.
See docs/methodology.md ("Scores") for both definitions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tracker.scoring import criticality, truck_factor
from tracker.store import Store

NAMES = ["truck_factor", "criticality"]


def compute(
    store: Store, project_id: int, now: datetime, known: dict[str, Any] | None = None
) -> dict[str, Any]:
    known = known or {}
    has_git = store.one("SELECT is_empty FROM git_repos WHERE project_id = ?", [project_id]) is not None
    tf = truck_factor.for_project(store, project_id, now)[0] if has_git else None
    orgs = criticality.git_org_count(store, project_id, now) if has_git else None
    return {"truck_factor": tf, "criticality": criticality.project_criticality(known, now, orgs)}
