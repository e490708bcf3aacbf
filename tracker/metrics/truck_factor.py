"""Truck factor (Avelino et al. 2016) of a set of projects: the degree-of-authorship inputs are
loaded for every project in one statement as NumPy columns, and the algorithm
(tracker/scoring/truck_factor.py, pure) runs on all of them at once, its greedy step in lockstep.

For each project, file still in HEAD (its life since its last deletion; third-party folders left
out) and person who changed it in that life (`human_commits`: bots are left out entirely): when
they created it, if they did, and their later changes (DL); the algorithm derives FA and AC. Unknown (None) without git
history or without files. See docs/methodology.md ("Truck factor").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tracker import catalogue as c
from tracker.metrics.sets import SELECTED, Known, execute, one_project, query
from tracker.scoring import truck_factor as algorithm
from tracker.scoring.weights import shipped
from tracker.store import Store

NAMES = (c.TRUCK_FACTOR,)

_SELECTED_F = "f." + SELECTED  # both sides of the join filtered: DuckDB does not push it below the join


_NEVER = "9223372036854775807"  # tracker.scoring.truck_factor.NOT_CREATED


def _lives_sql(prefixes: int, names: bool) -> str:
    """Each file's life since its last deletion, per person who changed it in that life: when they
    created it (if they did) and how often they changed it otherwise. A file is a 64-bit hash of
    project and path (paths are only compared, never shown). With `names`, people by identity;
    else, for the vectorised algorithm, by their rank by identity within the project."""
    excluded = " AND ".join(f"NOT (f.path LIKE $prefix{i} OR f.path LIKE $nested{i})" for i in range(prefixes))
    select = ("SELECT project_id, file, author_key, created, dl FROM lives" if names else f"""
        SELECT l.project_id, l.file, p.dev,
               coalesce(epoch_us(l.created), {_NEVER}) AS created, l.dl
        FROM lives l JOIN (SELECT project_id, author_key,
                                  row_number() OVER (PARTITION BY project_id ORDER BY author_key) AS dev
                           FROM (SELECT DISTINCT project_id, author_key FROM lives)) p
          USING (project_id, author_key)""")
    return f"""
    WITH ch AS (
        SELECT f.project_id, hash(f.project_id, f.path) AS file, f.change, h.author_key, h.committer_at
        FROM git_commit_files f JOIN human_commits h ON h.project_id = f.project_id AND h.sha = f.sha
        WHERE {_SELECTED_F} AND h.{SELECTED} AND h.committer_at <= $now AND {excluded or 'true'}
    ),
    state AS (
        SELECT project_id, file, arg_max(change, committer_at) AS last_change,
               max(committer_at) FILTER (WHERE change = 'D') AS last_delete
        FROM ch GROUP BY project_id, file
    ),
    life AS (
        SELECT ch.* FROM ch JOIN state USING (project_id, file)
        WHERE state.last_change <> 'D' AND (state.last_delete IS NULL OR ch.committer_at > state.last_delete)
    ),
    lives AS (
        SELECT project_id, file, author_key, min(committer_at) FILTER (WHERE change = 'A') AS created,
               count(*) FILTER (WHERE change <> 'A') AS dl
        FROM life GROUP BY project_id, file, author_key
    )
    {select}
    """


def _patterns() -> dict[str, str]:
    patterns = {}
    for i, prefix in enumerate(shipped()["truck_factor"]["exclude_prefixes"]):
        patterns[f"prefix{i}"] = prefix + "%"
        patterns[f"nested{i}"] = "%/" + prefix + "%"
    return patterns


def file_lives(store: Store, project_ids: Sequence[int], now: datetime) -> dict[int, list[tuple]]:
    """{project_id: [(file, developer, created_at or None, DL), ...]} for the projects with files in
    HEAD: one row per file (a hash of its path) and person who changed it since its last deletion."""
    patterns = _patterns()
    rows: dict[int, list[tuple]] = defaultdict(list)
    for pid, file, dev, created, dl in query(store, _lives_sql(len(patterns) // 2, names=True), project_ids,
                                             now=now, **patterns):
        rows[pid].append((file, dev, created, dl))
    return rows


def compute_many(store: Store, project_ids: Sequence[int], now: datetime, known: Known) -> dict[int, dict[str, Any]]:
    """Truck factor of every project in `project_ids` whose git repository was collected."""
    with_git = [pid for pid, in query(store, f"SELECT project_id FROM git_repos WHERE {SELECTED}", project_ids)]
    if not with_git:
        return {}
    patterns = _patterns()
    columns = execute(store, _lives_sql(len(patterns) // 2, names=False), with_git, now=now, **patterns).fetchnumpy()
    values = algorithm.truck_factors(columns["project_id"], columns["file"], columns["dev"], columns["created"],
                                     columns["dl"])
    return {pid: {c.TRUCK_FACTOR: values.get(pid)} for pid in with_git}


def for_project(store: Store, project_id: int, now: datetime) -> tuple[int | None, list[str]]:
    """(truck factor, the people removed in order) of one project, for explanations and tests."""
    return algorithm.from_file_lives(file_lives(store, [project_id], now).get(project_id, ()))


compute = one_project(compute_many, NAMES)
