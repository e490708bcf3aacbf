"""The date of a project's git data (`git_data_at`): when the history read was current.

A clone the tracker fetches is current at its fetch; a local path or a mirror is a snapshot, dated
by the newest change of its refs (or its `tracker.dataDate` setting) when it was collected
(collectors/git). Rows collected before that date was recorded fall back to the collection time.
Scoring reads silence after this date as unknown, not as inactivity (docs/methodology.md, "Stale
data is not death"). Runs first, so the metric set can judge activity as of this date.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tracker import catalogue as c
from tracker.metrics.sets import SELECTED, Known, one_project, query
from tracker.store import Store

NAMES = (c.GIT_DATA_AT,)

_DATA_AT = f"SELECT project_id, coalesce(data_at, collected_at) FROM git_repos WHERE {SELECTED}"


def compute_many(store: Store, project_ids: Sequence[int], now: datetime, known: Known) -> dict[int, dict[str, Any]]:
    """The git data date of every project in `project_ids` with a collected repository."""
    return {pid: {c.GIT_DATA_AT: when} for pid, when in query(store, _DATA_AT, project_ids)}


compute = one_project(compute_many, NAMES)
