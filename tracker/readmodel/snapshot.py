"""The bundled snapshot as readers see it (view `bundled_projects`, migration 0018): which projects
still show its data and as of which date, and the date each project is scored as of.

A project loaded from the snapshot (tracker/sample.py) shows it until a fresh collection replaces it
(see the view); until then it is scored as of its data date, the day its git history was taken,
because silence after that day is unknown, not inactivity.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tracker.store import Store


def score_dates(store: Store, project_ids: Sequence[int], now: datetime) -> dict[int, datetime]:
    """{project_id: the moment to score it as of}: while it still shows the bundled snapshot, its
    data date (the day its git history was taken; without one, the day the snapshot was built, when
    its other data was collected), else `now`."""
    if not project_ids:
        return {}
    bundled = dict(store.all(
        "SELECT project_id, coalesce(data_at, built_at) FROM bundled_projects WHERE still_bundled"
        " AND project_id IN (SELECT unnest(?::INTEGER[]))", [list(project_ids)]))
    return {pid: min(bundled.get(pid, now), now) for pid in project_ids}


def summary(store: Store) -> dict[str, Any] | None:
    """The snapshot in one line's worth: built_at, projects loaded, still_bundled, replaced, the
    range of data dates of those still bundled; None when no snapshot was ever loaded."""
    row = store.one(
        "SELECT max(built_at), count(*), count(*) FILTER (WHERE still_bundled),"
        " min(data_at) FILTER (WHERE still_bundled), max(data_at) FILTER (WHERE still_bundled),"
        " max(loaded_at) FROM bundled_projects")
    if row is None or not row[1]:
        return None
    built_at, loaded, still, first, last, loaded_at = row
    return {"built_at": built_at, "projects": loaded, "still_bundled": still, "replaced": loaded - still,
            "data_from": first, "data_to": last, "loaded_at": loaded_at}


def project_origin(store: Store, slug: str) -> dict[str, Any] | None:
    """Where one project's data comes from: {bundled (still), built_at, data_at, git_from}; None when
    it was never loaded from the snapshot."""
    rows = store.dicts(
        "SELECT b.still_bundled AS bundled, b.built_at, b.data_at, b.git_from FROM bundled_projects b"
        " JOIN projects p ON p.id = b.project_id WHERE p.slug_key = lower(?)", [slug])
    return rows[0] if rows else None
