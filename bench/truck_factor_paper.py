"""Reproduce the truck factors Avelino et al. published (ICPC 2016) with the tracker.

    python bench/truck_factor_paper.py [--only NAME ...] [--paper-data GIT_DIR] [--json FILE]

The published values are the ICPC 2016 table of aserg-ufmg/Truck-Factor (`index.html` on its
gh-pages branch at 90d4c55, 2016-04-15). Their data is a clone of every repository taken between
2015-02-08 and 2015-03-12 (worked out from the paths their filters list; 2015-03-01 is used here);
the commit of each repository below is the default branch's first-parent commit as of that date
(for boto the branch tip: its mainline holds only release merges), from bare mirrors of today's
repositories in /work/.mirror (see /work/research/truck_factor.md).

For each repository the tracker collects a snapshot of the mirror whose HEAD is that commit (a bare
repository borrowing the mirror's objects, so `.mailmap` is the one of that date), with its git
collector as shipped, and computes the truck factor with its metric provider. Variants:

  tracker   the tracker as shipped: the source files of HEAD as GitHub Linguist counts them (the
            tracker's short form of its rules), renames followed, people merged by e-mail and by
            names of two words or more;
  +files    only the files the paper analysed: also without the libraries Linguist calls vendored
            by name (jquery*.js, backbone.js, ...) and the paper's own per-repository filter list
            (`filtered-files.txt`);
  +people   also the paper's identity rule (every non-empty name links people: min_name_words = 1)
            and its hand-checked alias list for the repository (`alias.txt`);
  -mailmap  also without `.mailmap`: the paper's tool read authors with `%an`/`%ae` in 2015-16
            (scripts/commit_log_script.sh at 739ea51, the version of the published data; `%aN`
            came later).

`--paper-data` is a git directory holding the authors' repository (default: the mirror
/work/.mirror/aserg-ufmg+Truck-Factor/repo); their lists are read from commit 741544b. Without it
the +files and +people variants use only the Linguist approximation and the name rule. Results go
in docs/methodology.md ("Reproducing the published truck factors").
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MIRRORS = Path("/work/.mirror")
PAPER_REPO = MIRRORS / "aserg-ufmg+Truck-Factor" / "repo"
PAPER_LISTS = "741544b"   # "Add tool source code - first commit" (2015-08-28): alias and filter lists
DATA_DATE = datetime(2015, 3, 1)

# (name as published, published TF, mirror, commit as of the data date)
REPOSITORIES = [
    ("mitsuhiko/flask", 1, "pallets+flask", "818c42cfeac4c60ba9aea2d45954ba0db9d7d06a"),
    ("celery/celery", 1, "celery+celery", "63f6c9826f22bc2757b4b7674b15838d4554c7f2"),
    ("kivy/kivy", 1, "kivy+kivy", "a5dd2c5264f491d6ed9f277064c020ce7a297660"),
    ("powerline/powerline", 1, "powerline+powerline", "d797a25fa8329f8be79aa0fc650ffb511ea90f5b"),
    ("mbostock/d3", 1, "d3+d3", "3abb00113662463e5c19eb87cd33f6d0ddc23bc0"),
    ("Leaflet/Leaflet", 1, "Leaflet+Leaflet", "562c579e3ecc2fac712f704a68dfdd4b8b3fd5ed"),
    ("sampsyo/beets", 2, "beetbox+beets", "a4dd46dea3a3eee4cc889ab541be0a8e6e615f05"),
    ("bup/bup", 2, "bup+bup", "81ffb830a2fec70a8346142f6396309e3b635e5d"),
    ("thumbor/thumbor", 2, "thumbor+thumbor", "de47e59bd7e555cac7ce5768b08c3c1d026f7645"),
    ("jashkenas/backbone", 2, "jashkenas+backbone", "173d519756f6b9631fc36453a1ecba92b5bfa9fd"),
    ("divio/django-cms", 3, "django-cms+django-cms", "98e16dbf52e19807d89542f01181be3c7f713647"),
    ("ipython/ipython", 4, "ipython+ipython", "dab027265b08980a90d4798bd824057fec0d8493"),
    ("boto/boto", 4, "boto+boto", "36cadf4403d6a2a1123ce349113c507e886b8e6e"),
    ("jquery/jquery", 4, "jquery+jquery", "2380028ec4a6a77401b867a51de26a3cb8e8d311"),
    ("spotify/luigi", 6, "spotify+luigi", "0abe27e5c6be616e107745b48dff8939815da73c"),
    ("Seldaek/monolog", 11, "Seldaek+monolog", "d0e5a69331f176b2ab14e9d584c37d4b780aafec"),
    ("moment/moment", 19, "moment+moment", "78a53b8cb53e967c6dac2e7325e18da2a472fc2d"),
    ("fzaninotto/Faker", 23, "fzaninotto+Faker", "40426f77f030b6fb45951be920ff1036b2f423d2"),
]

# -- the paper's files --------------------------------------------------------------------------
# The tracker already counts only source files as Linguist does (tracker/scoring/truck_factor.py:
# is_source). What it leaves to Linguist alone: the names of well-known libraries Linguist's
# vendor.yml treats as vendored wherever they are, even in the library's own repository.
LINGUIST_LIBRARIES = re.compile(
    r"(^|/)jquery([^.]*)\.js$|(^|/)bootstrap([^.]*)\.(js|css|less|scss)$"
    r"|(^|/)(underscore|backbone|require|modernizr|prototype|mootools|d3|angular|ember|handlebars)([^.]*)\.js$"
)


def paper_files(head: list[str], filtered: set[str]) -> set[str]:
    """The files of HEAD the paper analysed: Linguist's source files minus the authors' filter list."""
    from tracker.scoring.truck_factor import is_source

    return {p for p in head if is_source(p) and not LINGUIST_LIBRARIES.search(p)} - filtered


# -- the authors' lists ----------------------------------------------------------------------------
def paper_lists(git_dir: Path | None) -> tuple[dict[str, set[str]], dict[str, list[tuple[str, str]]]]:
    """({repository: paths filtered}, {repository: [(name, alias), ...]}) from the authors' repository."""
    if git_dir is None or not git_dir.exists():
        return {}, {}

    def read(path: str) -> list[list[str]]:
        out = subprocess.run(["git", "--git-dir", str(git_dir), "show", f"{PAPER_LISTS}:{path}"],
                             capture_output=True, check=True).stdout.decode("utf-8", "replace")
        return [line.split(";") for line in out.splitlines() if line and not line.startswith("#")]

    filtered: dict[str, set[str]] = {}
    for fields in read("gittruckfactor/filtered-files.txt"):
        if len(fields) >= 2:
            filtered.setdefault(fields[0], set()).add(fields[1])
    aliases: dict[str, list[tuple[str, str]]] = {}
    for fields in read("gittruckfactor/alias.txt"):
        if len(fields) >= 3:
            aliases.setdefault(fields[0], []).append((fields[1], fields[2]))
    return filtered, aliases


# -- a repository as of a commit --------------------------------------------------------------------
def snapshot(mirror: Path, commit: str, where: Path, mailmap: bool = True) -> Path:
    """A bare repository borrowing the mirror's objects whose HEAD is `commit` (without `mailmap`,
    its .mailmap is an empty one)."""
    where.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "--bare", str(where)], check=True)
    (where / "objects" / "info" / "alternates").write_text(str((mirror / "objects").resolve()) + "\n")
    subprocess.run(["git", "-C", str(where), "update-ref", "refs/heads/snapshot", commit], check=True)
    subprocess.run(["git", "-C", str(where), "symbolic-ref", "HEAD", "refs/heads/snapshot"], check=True)
    if not mailmap:
        empty = subprocess.run(["git", "-C", str(where), "hash-object", "-w", "--stdin"], input=b"",
                               capture_output=True, check=True).stdout.decode().strip()
        subprocess.run(["git", "-C", str(where), "config", "mailmap.blob", empty], check=True)
    return where


def files_in(repo: Path) -> list[str]:
    out = subprocess.run(["git", "-C", str(repo), "ls-tree", "-r", "-z", "--name-only", "HEAD"],
                         capture_output=True, check=True).stdout
    return [p.decode("utf-8", "replace") for p in out.split(b"\0") if p]


def truck_factor(store, project_id: int) -> tuple[int | None, int]:
    """(truck factor, files counted) through the tracker's metric provider."""
    from tracker.metrics.truck_factor import file_lives, for_project

    now = store.scalar("SELECT max(committer_at) FROM git_commits WHERE project_id = ?", [project_id])
    now = (now or DATA_DATE) + timedelta(days=1)
    tf, _ = for_project(store, project_id, now)
    files = len({row[0] for row in file_lives(store, [project_id], now).get(project_id, [])})
    return tf, files


def keep_only(store, project_id: int, head: list[str], kept: set[str]) -> None:
    """Leave the files of HEAD not in `kept` out of the truck factor (the bench's own database): a
    bot commit after the last one deletes them, so they are no longer in HEAD while the history of
    the kept ones (renames from paths not kept included) stays whole."""
    dropped = sorted(set(head) - kept)
    last = store.scalar("SELECT max(committer_at) FROM git_commits WHERE project_id = ?", [project_id])
    store.execute("INSERT INTO git_commits VALUES (?, 'bench-filter', '', false, 'filter[bot]', 'filter@bench',"
                  " 'filter[bot]', ?, ?, true, false)", [project_id, last, last + timedelta(seconds=1)])
    store.execute("INSERT INTO git_commit_files (project_id, sha, change, path)"
                  " SELECT ?, 'bench-filter', 'D', unnest(?::VARCHAR[])", [project_id, dropped])


def merge_aliases(store, project_id: int, pairs: list[tuple[str, str]]) -> int:
    """Merge the people named in the authors' alias pairs (names as committed, matched after the
    tracker's name normalisation); returns how many pairs joined two people."""
    from tracker.identity import normalised_name

    names: dict[str, set[str]] = {}
    for name, key in store.all("SELECT DISTINCT author_name, author_key FROM git_commits WHERE project_id = ?"
                               " AND NOT is_bot", [project_id]):
        names.setdefault(normalised_name(name), set()).add(key)
    joined = 0
    for a, b in pairs:
        keys = names.get(normalised_name(a), set()) | names.get(normalised_name(b), set())
        if len(keys) < 2:
            continue
        joined += 1
        into = min(keys)
        store.execute("UPDATE git_commits SET author_key = ? WHERE project_id = ? AND author_key IN"
                      " (SELECT unnest(?::VARCHAR[]))", [into, project_id, sorted(keys)])
        for group in names.values():
            if group & keys:
                group -= keys
                group.add(into)
    return joined


def run_one(work: Path, name: str, mirror: str, commit: str, filtered: set[str],
            aliases: list[tuple[str, str]]) -> dict:
    from tracker import collect, config, registry
    from tracker.progress import Progress
    from tracker.store import Store

    started = time.perf_counter()
    paper_rule = {"merge_names": True, "min_name_words": 1}
    db = work / f"{mirror}.duckdb"
    store = Store.open(db)
    try:
        cfg = config.load(db)
        quiet = Progress(quiet=True)
        row: dict = {"name": name, "commit": commit}
        for variant, mailmap in (("tracker", True), ("mailmap", False)):
            snap = snapshot(MIRRORS / mirror / "repo", commit, work / "snapshots" / f"{mirror}-{variant}", mailmap)
            project, _ = registry.add(store, f"{name.lower()}-{variant}", git_source=str(snap))
            options = None if mailmap else {"identity": paper_rule}
            (outcome,) = collect.collect(store, cfg, [project], ["git"], quiet, options=options)
            if outcome.status != "ok":
                raise RuntimeError(f"{name}: collection {outcome.status}: {outcome.error}")
            head = files_in(snap)
            if mailmap:
                row["people_tracker"] = outcome.counters.get("people")
                row["tracker"], row["files_all"] = truck_factor(store, project.id)
                keep_only(store, project.id, head, paper_files(head, filtered))
                row["files"], row["files_source"] = truck_factor(store, project.id)
                collect.collect(store, cfg, [project], ["git"], quiet, options={"identity": paper_rule})
                row["aliases_joined"] = merge_aliases(store, project.id, aliases)
                row["people_paper"] = len({k for (k,) in store.all(
                    "SELECT DISTINCT author_key FROM git_commits WHERE project_id = ? AND NOT is_bot", [project.id])})
                row["people"], _ = truck_factor(store, project.id)
            else:
                keep_only(store, project.id, head, paper_files(head, filtered))
                merge_aliases(store, project.id, aliases)
                row["mailmap"], _ = truck_factor(store, project.id)
        row["seconds"] = round(time.perf_counter() - started, 1)
        return row
    finally:
        store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", help="repository names (as published) to run")
    parser.add_argument("--paper-data", type=Path, default=PAPER_REPO,
                        help="git directory of aserg-ufmg/Truck-Factor (filter and alias lists)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    parser.add_argument("--at", metavar="YYYY-MM-DD",
                        help="use each repository's first-parent commit before this date instead (the data's "
                             "window is 2015-02-08 to 2015-03-12)")
    args = parser.parse_args(argv)
    filtered, aliases = paper_lists(args.paper_data)
    chosen = [r for r in REPOSITORIES if not args.only or r[0] in args.only]
    if args.at:
        chosen = [(name, tf, mirror, subprocess.run(
            ["git", "--git-dir", str(MIRRORS / mirror / "repo"), "rev-list", "-1", "--first-parent",
             f"--before={args.at}", commit if args.at <= DATA_DATE.date().isoformat() else "HEAD"],
            capture_output=True, text=True, check=True).stdout.strip() or commit)
            for name, tf, mirror, commit in chosen]
    missing = [r[2] for r in chosen if not (MIRRORS / r[2] / "repo").exists()]
    if missing:
        print(f"mirrors missing (fetch them first): {', '.join(missing)}", file=sys.stderr)
        return 2
    rows = []
    with tempfile.TemporaryDirectory(prefix="tf-paper-") as tmp:
        for name, published, mirror, commit in chosen:
            row = run_one(Path(tmp), name, mirror, commit, filtered.get(name, set()), aliases.get(name, []))
            row["published"] = published
            rows.append(row)
            print(f"{name:<22} published {published:>2}  tracker {row['tracker']!s:>2}  +files {row['files']!s:>2}"
                  f"  +people {row['people']!s:>2}  -mailmap {row['mailmap']!s:>2}"
                  f"   files {row['files_all']:>5} -> {row['files_source']:>5}"
                  f"  people {row['people_tracker']:>4} -> {row['people_paper']:>4}  ({row['seconds']} s)",
                  flush=True)
    print()
    for variant in ("tracker", "files", "people", "mailmap"):
        exact = sum(r[variant] == r["published"] for r in rows)
        near = sum(r[variant] is not None and abs(r[variant] - r["published"]) <= 1 for r in rows)
        label = {"tracker": "tracker as shipped", "files": "+ paper's files", "people": "+ paper's people",
                 "mailmap": "- .mailmap"}[variant]
        print(f"{label:<20} exact {exact:>2} of {len(rows)}, within 1: {near:>2} of {len(rows)}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
