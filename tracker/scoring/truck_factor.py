"""Truck factor by degree of authorship (Avelino, Passos, Hora, Valente, ICPC 2016).

For each file in HEAD and each developer who changed it:
    DOA = 3.293 + 1.098 * FA + 0.164 * DL - 0.321 * ln(1 + AC)
FA is 1 for the developer who created the file, DL the developer's later changes to it, AC the
changes by everybody else. A developer authors a file when DOA / max DOA of the file > 0.75 and
DOA >= 3.293. Then, greedily, the developer authoring the most files is removed until fewer than
50% of the files have an author left; the truck factor is how many were removed.

A file is a path in HEAD with its history: its changes since it was last deleted and, if it was
renamed there, the history of its old path up to the rename, recursively (the paper's tool follows
renames; a rename counts as a change, a delivery, of its author). Bots make no authorship (their
changes are left out of FA, DL and AC) but their deletions and renames still say which files are
in HEAD and where they came from; files only bots touched are not counted. Constants are in
tracker/config/weights.toml ([truck_factor]).

Pure: no store. tracker/metrics/truck_factor.py loads each file's life (who created it, who changed
it how often) for a whole set of projects in one statement and calls `from_file_lives` per project;
`from_changes` is the same algorithm from raw changes, the reference the loading is tested against.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tracker.scoring.weights import shipped


@dataclass(frozen=True)
class Change:
    """One change to one path: when, by whom, git's status letter (A, M, T, D, or R for a rename
    from `old_path`), and whether a bot made it."""

    path: str
    author: str
    at: datetime | int
    change: str
    old_path: str | None = None
    bot: bool = False


MAX_RENAMES = 50  # renames followed back from one file (as tracker/metrics/truck_factor.py)

# -- which files count: source code ----------------------------------------------------------------
# Avelino et al. count the files GitHub Linguist counts in a repository's language statistics, so
# documentation, third-party (vendored) and generated files and files in no programming language
# are left out (aserg-ufmg/Truck-Factor README: "use the Linguist library to automatically discard
# files like documentation and third-party libraries"; scripts/linguist.rb). Below, our own short
# form of Linguist's rules: extensions and names of the languages it types "programming" or
# "markup" (prose such as Markdown and data such as JSON, YAML or CSV do not count), and the
# folders and names its documentation and vendor lists name. Not Linguist's library-name rules
# (jquery*.js, backbone.js, ...): they would leave a library's own repository without its code.
# A repository with no source file at all (documentation, data) is judged on all its files.
SOURCE_EXTENSIONS = frozenset("""
    py pyx pxd pxi pyi pyw ipynb rb rake gemspec ru erb haml slim js mjs cjs jsx ts tsx coffee vue svelte
    php phtml inc java kt kts scala sc groovy gradle clj cljs cljc edn c h cc cpp cxx c++ hpp hh hxx ino
    m mm swift go rs cs fs fsx vb pl pm t lua r jl sh bash zsh fish ksh ps1 psm1 bat cmd sql erl hrl ex exs
    hs lhs elm ml mli f f90 f95 for d dart nim zig v sv vhd vhdl asm s cu cuh cl metal glsl hlsl wgsl
    proto thrift capnp el lisp lsp scm ss rkt tcl awk sed mk mak make cmake in tex sty cls bib
    html htm xhtml css scss sass less styl jinja jinja2 j2 tmpl tpl mustache handlebars hbs twig ejs jade
    pug liquid njk kv qml pde sol move cairo nix bzl star mojo
""".split())
SOURCE_NAMES = frozenset("""
    Makefile GNUmakefile makefile Rakefile Gemfile Vagrantfile Dockerfile Containerfile SConstruct SConscript
    Jakefile Gruntfile Guardfile Capfile Podfile Fastfile Brewfile Justfile BUILD WORKSPACE CMakeLists.txt
    meson.build configure.ac
""".split())
# Documentation (Linguist's documentation.yml) and vendored or generated code (vendor.yml).
NOT_SOURCE = (
    r"(?i:(^|/)(docs?|documentation|javadoc|man|examples?|samples?)/)"
    r"|(?i:(^|/)(vendor|vendors|third[-_]?party|node_modules|bower_components|dependencies|extern|external"
    r"|cache|\.git|site-packages|dist)/)"
    r"|^deps/"
    r"|(^|/)(CHANGES?|CHANGELOG|CONTRIBUTING|COPYING|INSTALL|LICEN[CS]E|[Ll]icen[cs]e|README|[Rr]eadme)(\.|$)"
    r"|(?i:[.-]min\.(js|css)$|\.(pack|bundle)\.js$)|(^|/)(config\.guess|config\.sub|configure)$"
    r"|_pb2(_grpc)?\.py$|\.pb\.(go|cc|h)$|\.generated\."
)
_NOT_SOURCE = re.compile(NOT_SOURCE)


def source_pattern() -> str:
    """One regular expression (Python's `re` and DuckDB's RE2 alike) matching a source file's path
    by its name or extension; `NOT_SOURCE` then takes documentation and vendored files out."""
    names = "|".join(re.escape(n) for n in sorted(SOURCE_NAMES))
    extensions = "|".join(re.escape(e) for e in sorted(SOURCE_EXTENSIONS))
    return rf"(^|/)({names})$|(?i:\.({extensions}))$"


_SOURCE = re.compile(source_pattern())


def is_source(path: str) -> bool:
    """Whether the truck factor counts the file at `path` as source code (see above)."""
    return bool(_SOURCE.search(path)) and not _NOT_SOURCE.search(path)


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
        scored = [(dev, fa, intercept + (first if fa else 0.0) + deliveries * dl - acceptances * log1p(ac))
                  for dev, fa, dl, ac in devs]
        best = max(d for _, _, d in scored)
        for dev, fa, d in scored:
            if best > 0 and d / best > min_normalised and (d >= min_doa or fa):
                authors[dev].add(path)
    return dict(authors)


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
    """Truck factor from changes (any order); (None, []) when no file is left. The reference the
    set-based loading (tracker/metrics/truck_factor.py) is tested against."""
    events: dict[str, list[tuple[Any, int, Change]]] = defaultdict(list)   # path -> (at, order, change)
    for i, ch in sorted(enumerate(changes), key=lambda item: (item[1].at, item[0])):
        events[ch.path].append((ch.at, i, ch))
        if ch.change == "R" and ch.old_path is not None:  # a rename ends its old path's life
            events[ch.old_path].append((ch.at, i, Change(ch.old_path, ch.author, ch.at, "D", None, ch.bot)))

    def last_delete(path: str, before: Any = None) -> Any:
        return max((at for at, _, ch in events[path] if ch.change == "D" and (before is None or at < before)),
                   default=None)

    def within(at: Any, since: Any, until: Any) -> bool:
        return (since is None or at > since) and (until is None or at < until)

    in_head = [path for path, evs in events.items()
               if not _excluded(path) and max(evs, key=lambda e: (e[0], e[1]))[2].change != "D"]
    source = [path for path in in_head if is_source(path)]
    rows = []
    for path in source or in_head:  # only source files, unless the repository has none
        segments, todo = set(), [(path, last_delete(path), None, 0)]
        while todo:
            seg = todo.pop()
            if seg[:3] in segments:
                continue
            segments.add(seg[:3])
            p, since, until, depth = seg
            for at, _, ch in events[p]:
                if ch.change == "R" and ch.old_path is not None and within(at, since, until) and depth < MAX_RENAMES:
                    todo.append((ch.old_path, last_delete(ch.old_path, at), at, depth + 1))
        life = {(at, i, p): ch for p, since, until in segments for at, i, ch in events[p]
                if within(at, since, until) and ch.change != "D" and not ch.bot}
        created: dict[str, Any] = {}
        deliveries: dict[str, int] = defaultdict(int)
        for _, ch in sorted(life.items()):  # in time order, whatever order the segments were walked in
            if ch.change == "A":
                created[ch.author] = min(created.get(ch.author, ch.at), ch.at)
                deliveries[ch.author] += 0
            else:
                deliveries[ch.author] += 1
        rows += [(path, dev, created.get(dev), dl) for dev, dl in deliveries.items()]
    return from_file_lives(rows)


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
        author = (top > 0) & (doa / top > c["author_min_normalised_doa"]) & ((doa >= c["author_min_doa"]) | fa)

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
