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

Pure: no store. tracker/metrics/truck_factor.py loads each file's life (who created it, who changed
it how often) for a whole set of projects in one statement and calls `from_file_lives` per project;
`from_changes` is the same algorithm from raw changes, the reference the loading is tested against.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tracker.scoring.weights import shipped


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


def _authors(files: dict[Any, list[tuple[Any, bool, int, int]]]) -> dict[Any, set]:
    """{file: [(developer, FA, DL, AC), ...]} -> {developer: files they author}."""
    c = shipped()["truck_factor"]
    intercept, first, deliveries, acceptances = (
        c["doa_intercept"], c["doa_first_authorship"], c["doa_deliveries"], c["doa_acceptances"])
    min_normalised, min_doa = c["author_min_normalised_doa"], c["author_min_doa"]
    log1p = math.log1p
    authors: dict[Any, set] = defaultdict(set)
    for path, devs in files.items():  # doa() inlined: this runs for every file of every project
        scored = [(dev, intercept + (first if fa else 0.0) + deliveries * dl - acceptances * log1p(ac))
                  for dev, fa, dl, ac in devs]
        best = max(d for _, d in scored)
        for dev, d in scored:
            if best > 0 and d / best > min_normalised and d >= min_doa:
                authors[dev].add(path)
    return dict(authors)


def authors_of_files(rows: Iterable[tuple[str, str, bool, int, int]]) -> dict[str, set[str]]:
    """(path, developer, FA, DL, AC) rows -> {developer: files they author}."""
    files: dict[str, list[tuple[str, bool, int, int]]] = defaultdict(list)
    for path, dev, fa, dl, ac in rows:
        files[path].append((dev, fa, dl, ac))
    return _authors(files)


def from_authorship(rows: Iterable[tuple[str, str, bool, int, int]]) -> tuple[int | None, list[str]]:
    """Truck factor of one project from its (path, developer, FA, DL, AC) rows, one per file in
    HEAD and person who changed it; (None, []) when there is no file."""
    files: dict[str, list[tuple[str, bool, int, int]]] = defaultdict(list)
    for path, dev, fa, dl, ac in rows:
        files[path].append((dev, fa, dl, ac))
    return greedy(len(files), _authors(files)) if files else (None, [])


def from_file_lives(rows: Iterable[tuple[Any, str, Any, int]]) -> tuple[int | None, list[str]]:
    """Truck factor of one project from (file, developer, created_at, DL) rows: one per file in HEAD
    and person who changed it since the file's last deletion, with when they created it (None if
    they did not) and their later changes. FA goes to the earliest creator (ties: the first
    developer in sort order), AC is everybody else's changes. (None, []) when there is no file."""
    lives: dict[Any, list[tuple[str, Any, int]]] = defaultdict(list)
    for path, dev, created, dl in rows:
        lives[path].append((dev, created, dl))
    files: dict[Any, list[tuple[str, bool, int, int]]] = {}
    for path, devs in lives.items():
        creators = [(created, dev) for dev, created, _ in devs if created is not None]
        first = min(creators)[1] if creators else None
        total = sum(dl for _, _, dl in devs)
        files[path] = [(dev, dev == first, dl, total - dl) for dev, _, dl in devs]
    return greedy(len(files), _authors(files)) if files else (None, [])


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
    return from_authorship(rows)


NOT_CREATED = 2**63 - 1  # `created` of a developer who did not create the file


def truck_factors(project: Any, file: Any, dev: Any, created: Any, dl: Any) -> dict[int, int]:
    """The truck factor of many projects at once, the same algorithm as `from_file_lives` on
    NumPy arrays with one element per (file in HEAD, developer who changed it since the file's last
    deletion): `project` id, `file` (any integer key unique per project and path), `dev` (the
    developer's rank by identity within the project: ties in the greedy step go to the lower rank,
    as `greedy` breaks them by name), `created` (when the developer created the file, an integer
    time, or NOT_CREATED) and `dl` (their other changes). Returns {project: truck factor} for every
    project with at least one file.
    """
    import numpy as np  # here: only the set-based path needs it

    c = shipped()["truck_factor"]
    project, file, dev = np.asarray(project, dtype=np.int64), np.asarray(file), np.asarray(dev, dtype=np.int64)
    created, dl = np.asarray(created, dtype=np.int64), np.asarray(dl, dtype=np.int64)
    if len(project) == 0:
        return {}
    _, file_index = np.unique(file, return_inverse=True)
    files = int(file_index.max()) + 1
    file_project = np.empty(files, dtype=np.int64)
    file_project[file_index] = project
    # FA: the earliest creator of each file (ties: the lower rank, as min() over (created, name)).
    order = np.lexsort((dev, created, file_index))
    starts = order[np.r_[True, file_index[order][1:] != file_index[order][:-1]]]
    fa = np.zeros(len(project), dtype=bool)
    fa[starts] = created[starts] != NOT_CREATED
    ac = np.bincount(file_index, weights=dl, minlength=files)[file_index] - dl
    doa = (c["doa_intercept"] + np.where(fa, c["doa_first_authorship"], 0.0) + c["doa_deliveries"] * dl
           - c["doa_acceptances"] * np.log1p(ac))
    best = np.full(files, -np.inf)
    np.maximum.at(best, file_index, doa)
    top = best[file_index]
    with np.errstate(divide="ignore", invalid="ignore"):
        author = (top > 0) & (doa / top > c["author_min_normalised_doa"]) & (doa >= c["author_min_doa"])

    # The greedy step for every project in lockstep: step k removes each project's k-th developer
    # (most files first) while at least `coverage` of its files keep an author.
    projects, project_of_file = np.unique(file_project, return_inverse=True)
    n_files = np.bincount(project_of_file).astype(np.float64)
    a_file = file_index[author]
    a_project = project_of_file[a_file]  # an index into `projects`
    a_dev = dev[author]
    holders = np.bincount(a_file, minlength=files)
    covered = np.bincount(project_of_file, weights=holders > 0, minlength=len(projects))
    removed = np.zeros(len(projects), dtype=np.int64)
    if len(a_file):
        pair = a_project * (int(a_dev.max()) + 1) + a_dev
        pairs, pair_of_row, counts = np.unique(pair, return_inverse=True, return_counts=True)
        pair_project = pairs // (int(a_dev.max()) + 1)
        pair_dev = pairs % (int(a_dev.max()) + 1)
        ranked = np.lexsort((pair_dev, -counts, pair_project))
        first_of_project = np.searchsorted(pair_project[ranked], pair_project[ranked], side="left")
        pair_rank = np.empty(len(pairs), dtype=np.int64)
        pair_rank[ranked] = np.arange(len(pairs)) - first_of_project
        row_rank = pair_rank[pair_of_row]
        by_rank = np.argsort(row_rank, kind="stable")
        bounds = np.searchsorted(row_rank[by_rank], np.arange(int(row_rank.max()) + 2))
        developers = np.bincount(pair_project, minlength=len(projects))  # authors per project
        share = c["coverage"]
        for k in range(int(row_rank.max()) + 1):
            going = (covered / n_files >= share) & (developers > k)
            if not going.any():
                break
            removed[going] += 1
            rows = by_rank[bounds[k]:bounds[k + 1]]
            rows = rows[going[a_project[rows]]]
            lost = a_file[rows]
            holders[lost] -= 1  # one row per file and developer: each file at most once per step
            covered -= np.bincount(project_of_file[lost[holders[lost] == 0]], minlength=len(projects))
    return {int(p): int(r) for p, r in zip(projects, removed, strict=True)}
