"""Truck factor (Avelino et al. 2016) of a set of projects: the degree-of-authorship inputs are
loaded for every project in one statement, the algorithm (tracker/scoring/truck_factor.py, pure)
runs per project, since a truck factor is a greedy search over one project's files.

For each project, file still in HEAD (its life since its last deletion; third-party folders left
out) and person who changed it in that life (`human_commits`: bots are left out entirely): FA,
whether they created it; DL, their later changes; AC, everybody else's. Unknown (None) without git
history or without files. See docs/methodology.md ("Truck factor").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tracker import catalogue as c
from tracker.metrics.sets import SELECTED, Known, one_project, query
from tracker.scoring import truck_factor as algorithm
from tracker.scoring.weights import shipped
from tracker.store import Store

NAMES = (c.TRUCK_FACTOR,)

_SELECTED_F = "f.project_id IN (SELECT unnest($ids::INTEGER[]))"


def _authorship_sql(prefixes: int) -> str:
    excluded = " AND ".join(f"NOT (f.path LIKE $prefix{i} OR f.path LIKE $nested{i})" for i in range(prefixes))
    return f"""
    WITH ch AS (
        SELECT f.project_id, f.path, f.change, h.author_key, h.committer_at
        FROM git_commit_files f JOIN human_commits h ON h.project_id = f.project_id AND h.sha = f.sha
        WHERE {_SELECTED_F} AND h.committer_at <= $now AND {excluded or 'true'}
    ),
    state AS (
        SELECT project_id, path, arg_max(change, committer_at) AS last_change,
               max(committer_at) FILTER (WHERE change = 'D') AS last_delete
        FROM ch GROUP BY project_id, path
    ),
    life AS (
        SELECT ch.* FROM ch JOIN state USING (project_id, path)
        WHERE state.last_change <> 'D' AND (state.last_delete IS NULL OR ch.committer_at > state.last_delete)
    ),
    firsts AS (
        SELECT project_id, path, arg_min(author_key, committer_at) AS first_author
        FROM life WHERE change = 'A' GROUP BY project_id, path
    ),
    per AS (
        SELECT project_id, path, author_key, count(*) FILTER (WHERE change <> 'A') AS dl
        FROM life GROUP BY project_id, path, author_key
    )
    SELECT per.project_id, per.path, per.author_key, coalesce(firsts.first_author = per.author_key, false),
           per.dl, sum(per.dl) OVER (PARTITION BY per.project_id, per.path) - per.dl
    FROM per LEFT JOIN firsts USING (project_id, path)
    """


def authorship(store: Store, project_ids: Sequence[int], now: datetime) -> dict[int, list[tuple]]:
    """{project_id: [(path, developer, FA, DL, AC), ...]} for the projects with files in HEAD."""
    prefixes = shipped()["truck_factor"]["exclude_prefixes"]
    patterns = {}
    for i, prefix in enumerate(prefixes):
        patterns[f"prefix{i}"] = prefix + "%"
        patterns[f"nested{i}"] = "%/" + prefix + "%"
    rows: dict[int, list[tuple]] = defaultdict(list)
    for pid, path, dev, fa, dl, ac in query(store, _authorship_sql(len(prefixes)), project_ids, now=now, **patterns):
        rows[pid].append((path, dev, fa, dl, ac))
    return rows


def compute_many(store: Store, project_ids: Sequence[int], now: datetime, known: Known) -> dict[int, dict[str, Any]]:
    """Truck factor of every project in `project_ids` whose git repository was collected."""
    with_git = [pid for pid, in query(store, f"SELECT project_id FROM git_repos WHERE {SELECTED}", project_ids)]
    if not with_git:
        return {}
    rows = authorship(store, with_git, now)
    return {pid: {c.TRUCK_FACTOR: algorithm.from_authorship(rows.get(pid, ()))[0]} for pid in with_git}


def for_project(store: Store, project_id: int, now: datetime) -> tuple[int | None, list[str]]:
    """(truck factor, the people removed in order) of one project, for explanations and tests."""
    return algorithm.from_authorship(authorship(store, [project_id], now).get(project_id, ()))


compute = one_project(compute_many, NAMES)
