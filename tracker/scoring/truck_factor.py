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
    return (
        c["doa_intercept"]
        + c["doa_first_authorship"] * (1 if first_author else 0)
        + c["doa_deliveries"] * deliveries
        - c["doa_acceptances"] * math.log1p(acceptances)
    )


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
    holders: dict[str, int] = defaultdict(int)  # file -> authors still present
    for owned in authors.values():
        for path in owned:
            holders[path] += 1
    covered = len(holders)
    removed: list[str] = []
    for dev in sorted(authors, key=lambda d: (-len(authors[d]), d)):
        if covered / files < share:
            break
        removed.append(dev)
        for path in authors[dev]:
            holders[path] -= 1
            covered -= holders[path] == 0
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
        life = seq[last_delete + 1 :]
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
    c = shipped()["truck_factor"]
    prefixes = c["exclude_prefixes"]
    excl = " AND ".join(["NOT (f.path LIKE ? OR f.path LIKE ?)"] * len(prefixes)) or "true"
    params: list = [project_id, project_id, now]
    for p in prefixes:
        params += [p + "%", "%/" + p + "%"]
    params += [
        c["doa_intercept"],
        c["doa_first_authorship"],
        c["doa_deliveries"],
        c["doa_acceptances"],
        c["author_min_normalised_doa"],
        c["author_min_doa"],
    ]
    # One pass in SQL: the life of each path since its last deletion; per (path, developer) whether
    # they created it (FA), their later changes (DL), everybody else's (AC); DOA and authorship.
    rows = store.all(
        f"""
        WITH ch AS (
            SELECT f.path, f.change, c.author_key, c.committer_at
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
        ),
        doa AS (
            SELECT per.path, per.author_key,
                   ?::DOUBLE + ?::DOUBLE * (coalesce(firsts.first_author = per.author_key, false))::INTEGER
                   + ?::DOUBLE * per.dl
                   - ?::DOUBLE * ln(1 + sum(per.dl) OVER (PARTITION BY per.path) - per.dl) AS doa
            FROM per LEFT JOIN firsts USING (path)
        ),
        ranked AS (SELECT *, max(doa) OVER (PARTITION BY path) AS best FROM doa)
        SELECT author_key, path, (SELECT count(DISTINCT path) FROM per) AS files FROM ranked
        WHERE best > 0 AND doa / best > ? AND doa >= ?
        UNION ALL SELECT NULL, NULL, (SELECT count(DISTINCT path) FROM per)  -- files even if no author
        """,
        params,
    )
    files = rows[0][2]
    if not files:
        return None, []
    authors: dict[str, set[str]] = defaultdict(set)
    for dev, path, _ in rows:
        if dev is not None:
            authors[dev].add(path)
    return greedy(files, dict(authors))
