"""Benchmark: full git collection of a large real history vs. raw `git log` on the same repository.

    python bench/git_collect.py [--repo PATH] [--rounds 3]

PATH is a local clone or bare mirror (default: $BENCH_REPO, else the numpy mirror that the search
tool's fetch leaves in /work/.mirror). Each round times, side by side:
  1. `git log --no-renames --name-only HEAD` alone, output discarded (the reference), and
     `git log -M --name-status HEAD` (the same with git's rename detection, which the collector
     asks for: the second reference);
  2. a full collection (`collect --full`: git log -M with --name-status, parsing, people merged,
     the DuckDB write, tags and governance files) into a fresh database, in a child process;
  3. a re-run with no new commits;
  4. the whole process as a user runs it: `tracker -q collect --source git --full` on a database
     where the project was added beforehand (interpreter start-up, imports, opening the database,
     migrations check, collection, commit and exit, timed from outside as wall-clock time).
Before the rounds the project's modules are byte-compiled (`compileall`), as a normal install
and any first run leave them: where PYTHONDONTWRITEBYTECODE is set (as on the team's machines),
Python would otherwise compile them again in every process.
Times 2 and 3 are measured inside the child (interpreter start-up and imports excluded, and
reported separately); peak memory is the child's maximum resident set size.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REPO = Path("/work/.mirror/numpy+numpy/repo")


def raw_git_log(repo: Path, *options: str) -> float:
    t0 = time.perf_counter()
    subprocess.run(["git", "-C", str(repo), "log", *options, "HEAD"], stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0


TRACKER = Path(sys.executable).with_name("tracker")


def whole_process(repo: Path, db: str) -> float:
    """Wall-clock seconds of `tracker collect --source git --full` as a process, the project added first."""
    subprocess.run([str(TRACKER), "--db", db, "-q", "add", "bench/repo", "--git", str(repo)],
                   stdout=subprocess.DEVNULL, check=True)
    t0 = time.perf_counter()
    subprocess.run([str(TRACKER), "--db", db, "-q", "collect", "--source", "git", "--full"],
                   stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0


def child(repo: str, db: str) -> None:
    """Run in a fresh interpreter: time one full collection and one unchanged re-run."""
    t_import = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    from collectors import sources
    from tracker import config, registry
    from tracker.collect import collect_one
    from tracker.progress import Progress
    from tracker.store import Store

    git = sources()["git"]
    git.module  # noqa: B018 (its import counts as an import, reported apart)
    imports = time.perf_counter() - t_import
    cfg = config.load(db)
    store = Store.open(db)
    project, _ = registry.add(store, "bench/repo", git_source=repo)
    quiet = Progress(quiet=True)
    t0 = time.perf_counter()
    full = collect_one(store, cfg, git, project, quiet, {"full": True})
    t_full = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = collect_one(store, cfg, git, project, quiet)
    t_again = time.perf_counter() - t0
    commits = store.scalar("SELECT count(*) FROM git_commits")
    paths = store.scalar("SELECT count(*) FROM git_commit_files")
    store.close()
    print(json.dumps({"imports": imports, "full": t_full, "rerun": t_again, "commits": commits,
                      "paths": paths, "status": [full.status, again.status],
                      "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", default=os.environ.get("BENCH_REPO", str(DEFAULT_REPO)))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--child", nargs=2, metavar=("REPO", "DB"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    repo = Path(args.repo)
    if not (repo / "HEAD").exists() and not (repo / ".git").exists():
        sys.exit(f"{repo}: not a git repository (fetch numpy/numpy with the search tool, or pass --repo)")
    # the steady state of an installed copy: byte code present (see the docstring)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "tracker"), str(ROOT / "collectors")],
                   stdout=subprocess.DEVNULL, check=True)
    expected = int(subprocess.run(["git", "-C", str(repo), "rev-list", "--count", "HEAD"],
                                  capture_output=True, text=True, check=True).stdout)
    raw, raw_m, full, rerun, rss, imports, process = [], [], [], [], [], [], []
    for i in range(args.rounds):
        raw.append(raw_git_log(repo, "--no-renames", "--name-only"))
        raw_m.append(raw_git_log(repo, "-M", "--name-status"))
        with tempfile.TemporaryDirectory() as tmp:
            out = subprocess.run([sys.executable, __file__, "--child", str(repo), f"{tmp}/b.duckdb"],
                                 capture_output=True, text=True, check=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        with tempfile.TemporaryDirectory() as tmp:
            process.append(whole_process(repo, f"{tmp}/p.duckdb"))
        assert r["commits"] == expected, (r["commits"], expected)
        assert r["status"] == ["ok", "ok"], r["status"]
        full.append(r["full"])
        rerun.append(r["rerun"])
        rss.append(r["maxrss_mb"])
        imports.append(r["imports"])
        print(f"round {i + 1}: git log {raw[-1]:.2f}s | git log -M {raw_m[-1]:.2f}s | collection {r['full']:.2f}s "
              f"({r['commits']:,} commits, {r['paths']:,} paths) | re-run {r['rerun']:.3f}s | "
              f"peak {r['maxrss_mb']:.0f} MB | imports {r['imports']:.2f}s | whole process {process[-1]:.2f}s")
    med = statistics.median
    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{subprocess.run(['git', '--version'], capture_output=True, text=True).stdout.strip()}")
    print(f"repository: {repo} ({expected:,} commits on HEAD)")
    print(f"median raw git log:        {med(raw):.2f} s")
    print(f"median raw git log -M:     {med(raw_m):.2f} s")
    print(f"median full collection:    {med(full):.2f} s  -> ratio {med(full) / med(raw):.2f}x (target <= 1.5x), "
          f"{med(full) / med(raw_m):.2f}x against git log -M")
    print(f"median whole process:      {med(process):.2f} s  -> ratio {med(process) / med(raw):.2f}x "
          "(tracker collect --source git --full, start to exit; target <= 1.5x)")
    print(f"median unchanged re-run:   {med(rerun):.3f} s (target < 1 s)")
    print(f"peak memory (max):         {max(rss):.0f} MB (target < 500 MB)")
    print(f"interpreter imports:       {med(imports):.2f} s (not in the collection time)")


if __name__ == "__main__":
    main()
