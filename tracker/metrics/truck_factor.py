"""Truck factor (Avelino et al. 2016) of a set of projects: the degree-of-authorship inputs are
loaded for every project in one statement as NumPy columns, and the algorithm
(tracker/scoring/truck_factor.py, pure) runs on all of them at once, its greedy step in lockstep.

A file is a path in HEAD (third-party folders left out) with its history: its changes since its
last deletion and, when it was renamed there, the history of the path it was renamed from, up to
the rename, recursively (as the paper's tool follows renames). Which paths are in HEAD, and where
they were renamed from, comes from every plausibly dated commit; authorship only from people's
(`human_commits`: bots are left out of it). Per file and person who changed it: when they created
it, if they did, and their other changes, a rename included (DL); the algorithm derives FA and AC.
Unknown (None) without git history or without files. See docs/methodology.md ("Truck factor").
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
MAX_RENAMES = 50  # renames followed back from one file (a guard against pathological histories)


def _lives_sql(prefixes: int, names: bool) -> str:
    """Each file's history, per person who changed it: when they created it (if they did) and how
    often they changed it otherwise. A file is a 64-bit hash of project and HEAD path (paths are
    only compared, never shown). With `names`, people by identity; else, for the vectorised
    algorithm, by their rank by identity within the project."""
    excluded = " AND ".join(f"NOT (path LIKE $prefix{i} OR path LIKE $nested{i})" for i in range(prefixes))
    select = ("SELECT project_id, file, author_key, created, dl FROM lives" if names else f"""
        SELECT l.project_id, l.file, p.dev,
               coalesce(epoch_us(l.created), {_NEVER}) AS created, l.dl
        FROM lives l JOIN (SELECT project_id, author_key,
                                  row_number() OVER (PARTITION BY project_id ORDER BY author_key) AS dev
                           FROM (SELECT DISTINCT project_id, author_key FROM lives)) p
          USING (project_id, author_key)""")
    return f"""
    WITH RECURSIVE fc AS (
        SELECT f.project_id, f.sha, f.path, f.old_path, f.change, d.author_key, d.is_bot, d.committer_at AS ts
        FROM git_commit_files f JOIN dated_commits d ON d.project_id = f.project_id AND d.sha = f.sha
        WHERE {_SELECTED_F} AND d.{SELECTED} AND d.committer_at <= $now
    ),
    ev AS (   -- a rename changes its new path and ends (deletes) its old one
        SELECT project_id, sha, path, old_path, change, author_key, is_bot, ts FROM fc
        UNION ALL
        SELECT project_id, sha, old_path, NULL, 'D', author_key, is_bot, ts FROM fc WHERE change = 'R'
    ),
    dels AS (SELECT DISTINCT project_id, path, ts FROM ev WHERE change = 'D'),
    state AS (
        SELECT project_id, path, arg_max(change, ts) AS last_change,
               max(ts) FILTER (WHERE change = 'D') AS last_delete
        FROM ev GROUP BY project_id, path
    ),
    head AS (   -- files in HEAD; only the source files, unless a project has none
        SELECT project_id, path, last_delete, bool_or(source) OVER (PARTITION BY project_id) AS has_source, source
        FROM (SELECT *, regexp_matches(path, $source) AND NOT regexp_matches(path, $not_source) AS source
              FROM state WHERE last_change <> 'D' AND {excluded or 'true'})
    ),
    seg(project_id, file, path, since, until, depth) AS (
        SELECT project_id, hash(project_id, path), path, last_delete, NULL::TIMESTAMP, 0
        FROM head WHERE source OR NOT has_source
        UNION ALL
        SELECT s.project_id, s.file, r.old_path,
               (SELECT max(d.ts) FROM dels d WHERE d.project_id = r.project_id AND d.path = r.old_path
                  AND d.ts < r.ts),
               r.ts, s.depth + 1
        FROM seg s JOIN ev r ON r.project_id = s.project_id AND r.path = s.path AND r.change = 'R'
        WHERE (s.since IS NULL OR r.ts > s.since) AND (s.until IS NULL OR r.ts < s.until)
          AND s.depth < {MAX_RENAMES}
    ),
    life AS (
        SELECT DISTINCT s.project_id, s.file, e.sha, e.path, e.change, e.author_key, e.ts
        FROM seg s JOIN ev e ON e.project_id = s.project_id AND e.path = s.path
        WHERE NOT e.is_bot AND e.change <> 'D' AND (s.since IS NULL OR e.ts > s.since)
          AND (s.until IS NULL OR e.ts < s.until)
    ),
    lives AS (
        SELECT project_id, file, author_key, min(ts) FILTER (WHERE change = 'A') AS created,
               count(*) FILTER (WHERE change <> 'A') AS dl
        FROM life GROUP BY project_id, file, author_key
    )
    {select}
    """


def _patterns() -> dict[str, str]:
    patterns = {"source": algorithm.source_pattern(), "not_source": algorithm.NOT_SOURCE}
    for i, prefix in enumerate(shipped()["truck_factor"]["exclude_prefixes"]):
        patterns[f"prefix{i}"] = prefix + "%"
        patterns[f"nested{i}"] = "%/" + prefix + "%"
    return patterns


def _prefixes(patterns: dict[str, str]) -> int:
    return sum(name.startswith("prefix") for name in patterns)


def file_lives(store: Store, project_ids: Sequence[int], now: datetime) -> dict[int, list[tuple]]:
    """{project_id: [(file, developer, created_at or None, DL), ...]} for the projects with files in
    HEAD: one row per file (a hash of its path) and person who changed it since its last deletion."""
    patterns = _patterns()
    rows: dict[int, list[tuple]] = defaultdict(list)
    for pid, file, dev, created, dl in query(store, _lives_sql(_prefixes(patterns), names=True), project_ids,
                                             now=now, **patterns):
        rows[pid].append((file, dev, created, dl))
    return rows


def compute_many(store: Store, project_ids: Sequence[int], now: datetime, known: Known) -> dict[int, dict[str, Any]]:
    """Truck factor of every project in `project_ids` whose git repository was collected."""
    with_git = [pid for pid, in query(store, f"SELECT project_id FROM git_repos WHERE {SELECTED}", project_ids)]
    if not with_git:
        return {}
    patterns = _patterns()
    columns = execute(store, _lives_sql(_prefixes(patterns), names=False), with_git, now=now, **patterns).fetchnumpy()
    values = algorithm.truck_factors(columns["project_id"], columns["file"], columns["dev"], columns["created"],
                                     columns["dl"])
    return {pid: {c.TRUCK_FACTOR: values.get(pid)} for pid in with_git}


def for_project(store: Store, project_id: int, now: datetime) -> tuple[int | None, list[str]]:
    """(truck factor, the people removed in order) of one project, for explanations and tests."""
    return algorithm.from_file_lives(file_lives(store, [project_id], now).get(project_id, ()))


compute = one_project(compute_many, NAMES)
