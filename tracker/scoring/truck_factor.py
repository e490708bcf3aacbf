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

Pure: no store. tracker/metrics/truck_factor.py loads FA, DL and AC for a whole set of projects in
one statement and calls `from_authorship` per project; `from_changes` is the same algorithm from
raw changes, the reference the loading is tested against.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

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


def authors_of_files(rows: Iterable[tuple[str, str, bool, int, int]]) -> dict[str, set[str]]:
    """(path, developer, FA, DL, AC) rows -> {developer: files they author}."""
    c = shipped()["truck_factor"]
    intercept, first, deliveries, acceptances = (
        c["doa_intercept"], c["doa_first_authorship"], c["doa_deliveries"], c["doa_acceptances"])
    min_normalised, min_doa = c["author_min_normalised_doa"], c["author_min_doa"]
    log1p = math.log1p
    by_file: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for path, dev, fa, dl, ac in rows:  # doa() inlined: this loop runs for every file of every project
        by_file[path].append((dev, intercept + (first if fa else 0.0) + deliveries * dl - acceptances * log1p(ac)))
    authors: dict[str, set[str]] = defaultdict(set)
    for path, devs in by_file.items():
        best = max(d for _, d in devs)
        for dev, d in devs:
            if best > 0 and d / best > min_normalised and d >= min_doa:
                authors[dev].add(path)
    return dict(authors)


def from_authorship(rows: Iterable[tuple[str, str, bool, int, int]]) -> tuple[int | None, list[str]]:
    """Truck factor of one project from its (path, developer, FA, DL, AC) rows, one per file in
    HEAD and person who changed it; (None, []) when there is no file."""
    rows = list(rows)
    files = len({r[0] for r in rows})
    if not files:
        return None, []
    return greedy(files, authors_of_files(rows))


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
