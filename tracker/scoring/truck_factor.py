"""Truck factor by degree of authorship (Avelino, Passos, Hora, Valente, ICPC 2016).

For each file in HEAD and each developer who changed it:
    DOA = 3.293 + 1.098 * FA + 0.164 * DL - 0.321 * ln(1 + AC)
FA is 1 for the developer who created the file, DL the developer's later changes to it, AC the
changes by everybody else. A developer authors a file when DOA / max DOA of the file > 0.75 and
DOA >= 3.293. Then, greedily, the developer authoring the most files is removed until fewer than
50% of the files have an author left; the truck factor is how many were removed.

History comes from the git collector's `--no-renames` log: a renamed file starts a new history
(its first author is whoever renamed it). Bot commits are left out entirely; files only bots
touched are not counted. Constants are in tracker/config/weights.toml ([truck_factor]).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from tracker.scoring.weights import shipped
from tracker.store import Store


@dataclass(frozen=True)
class Change:
    """One human change to one path: when, by whom, and git's status letter (A, M, T, D)."""

    path: str
    author: str
    at: datetime | int
    change: str


def doa(first_author: bool, deliveries: int, acceptances: int) -> float:
    c = shipped()["truck_factor"]
    return (c["doa_intercept"] + c["doa_first_authorship"] * (1 if first_author else 0)
            + c["doa_deliveries"] * deliveries - c["doa_acceptances"] * math.log1p(acceptances))


def authors_of_files(rows: Iterable[tuple[str, str, bool, int, int]]) -> dict[str, set[str]]:
    """(path, developer, FA, DL, AC) rows -> {developer: files they author}."""
    c = shipped()["truck_factor"]
    by_file: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for path, dev, fa, dl, ac in rows:
        by_file[path].append((dev, doa(fa, dl, ac)))
    authors: dict[str, set[str]] = defaultdict(set)
    for path, devs in by_file.items():
        best = max(d for _, d in devs)
        for dev, d in devs:
            if best > 0 and d / best > c["author_min_normalised_doa"] and d >= c["author_min_doa"]:
                authors[dev].add(path)
    return dict(authors)


def greedy(files: int, authors: dict[str, set[str]]) -> tuple[int, list[str]]:
    """Remove the developer authoring most files until under the coverage share of files keeps an
    author. Returns (truck factor, the developers removed in order). Ties go to the name first in
    sort order, so the result is reproducible."""
    if files <= 0:
        raise ValueError("no files")
    share = shipped()["truck_factor"]["coverage"]
    left = dict(authors)
    removed: list[str] = []
    while left:
        covered = set().union(*left.values())
        if len(covered) / files < share:
            break
        top = min(left, key=lambda d: (-len(left[d]), d))
        removed.append(top)
        del left[top]
    return len(removed), removed


def _excluded(path: str) -> bool:
    prefixes = shipped()["truck_factor"]["exclude_prefixes"]
    return any(path.startswith(p) or f"/{p}" in path for p in prefixes)


def from_changes(changes: Iterable[Change]) -> tuple[int | None, list[str]]:
    """Truck factor from human changes in history order; (None, []) when no file is left."""
    history: dict[str, list[Change]] = defaultdict(list)
    for ch in sorted(changes, key=lambda c: c.at):
        history[ch.path].append(ch)
    rows = []
    for path, seq in history.items():
        if _excluded(path):
            continue
        last_delete = max((i for i, ch in enumerate(seq) if ch.change == "D"), default=-1)
        if last_delete == len(seq) - 1:
            continue  # not in HEAD
        life = seq[last_delete + 1:]
        first = next((ch.author for ch in life if ch.change == "A"), None)
        deliveries: dict[str, int] = defaultdict(int)
        for ch in life:
            deliveries[ch.author] += 0 if ch.change == "A" else 1
        total = sum(deliveries.values())
        for dev, dl in deliveries.items():
            rows.append((path, dev, dev == first, dl, total - dl))
    files = len({r[0] for r in rows})
    if not files:
        return None, []
    return greedy(files, authors_of_files(rows))


def for_project(store: Store, project_id: int, now: datetime) -> tuple[int | None, list[str]]:
    """Truck factor of a project from the stored commit paths (humans only, up to `now`)."""
    prefixes = shipped()["truck_factor"]["exclude_prefixes"]
    excl = " AND ".join(["NOT (f.path LIKE ? OR f.path LIKE ?)"] * len(prefixes)) or "true"
    params: list = [project_id, project_id, now]
    for p in prefixes:
        params += [p + "%", "%/" + p + "%"]
    # One pass in SQL: the life of each path since its last deletion, then per (path, developer)
    # whether they created it (FA), their later changes (DL) and everybody else's (AC).
    rows = store.all(
        f"""
        WITH ch AS (
            SELECT f.path, f.change, c.author_key, c.committer_at, c.sha
            FROM git_commit_files f JOIN git_commits c ON c.project_id = f.project_id AND c.sha = f.sha
            WHERE f.project_id = ? AND c.project_id = ? AND NOT c.is_bot AND NOT c.date_suspect
              AND c.committer_at <= ? AND {excl}
        ),
        state AS (
            SELECT path, arg_max(change, committer_at) AS last_change,
                   max(committer_at) FILTER (WHERE change = 'D') AS last_delete
            FROM ch GROUP BY path
        ),
        life AS (
            SELECT ch.* FROM ch JOIN state USING (path)
            WHERE state.last_change <> 'D'
              AND (state.last_delete IS NULL OR ch.committer_at > state.last_delete)
        ),
        firsts AS (
            SELECT path, arg_min(author_key, committer_at) AS first_author
            FROM life WHERE change = 'A' GROUP BY path
        ),
        per AS (
            SELECT path, author_key, count(*) FILTER (WHERE change <> 'A') AS dl
            FROM life GROUP BY path, author_key
        )
        SELECT per.path, per.author_key, coalesce(firsts.first_author = per.author_key, false),
               per.dl, sum(per.dl) OVER (PARTITION BY per.path) - per.dl
        FROM per LEFT JOIN firsts USING (path)
        """,
        params,
    )
    files = len({r[0] for r in rows})
    if not files:
        return None, []
    return greedy(files, authors_of_files(rows))
