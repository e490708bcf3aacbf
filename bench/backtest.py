"""Backtest bench: the validation corpus's mirrors, tracked, collected and backtested.

Usage: python bench/backtest.py [--corpus data/backtest_corpus.csv] [--mirrors DIR] [--db PATH]
                                [--as-of 2023-03-15] [--horizon 12m] [--set tuning|held-out|held-out-v2]
                                [--limit N] [--weights FILE] [--markdown] [--json FILE]

Each repository of the corpus is a bare mirror under DIR (default /work/.mirror, as
`OWNER+NAME/repo`), read in place and never modified. The script tracks it with `--git MIRROR` in a
database (default: a temporary file; with --db an existing one is reused, so a second run skips
most of the collection), runs the git collector (no network), then `tracker.backtest.run` as
`tracker backtest` does, and prints the results per corpus part with the time of each step.

--set shows one part only: tune on `tuning` and look at a held-out part once, at the end
(`held-out` was seen in round 2; `held-out-v2` in round 3: docs/methodology.md, "Backtest"). --limit N keeps the first N scored repositories of the chosen
set(s) (the "50 projects" bench: --set held-out). Missing mirrors are listed and skipped.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracker import collect, output, registry  # noqa: E402
from tracker import config as config_mod  # noqa: E402
from tracker.backtest import corpus as corpus_mod  # noqa: E402
from tracker.backtest import report as report_mod  # noqa: E402
from tracker.backtest import run as run_backtest  # noqa: E402
from tracker.backtest.outcomes import parse_horizon  # noqa: E402
from tracker.cli import parse_as_of  # noqa: E402
from tracker.progress import Progress  # noqa: E402
from tracker.store import Store  # noqa: E402


def mirror_path(mirrors: Path, slug: str) -> Path:
    owner, name = slug.split("/")
    return mirrors / f"{owner}+{name}" / "repo"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parent.parent / "data/backtest_corpus.csv")
    ap.add_argument("--mirrors", type=Path, default=Path(os.environ.get("TRACKER_MIRRORS", "/work/.mirror")))
    ap.add_argument("--db", type=Path, help="database to use or reuse (default: a temporary file)")
    ap.add_argument("--as-of", default="2023-03-15")
    ap.add_argument("--horizon", default="12m")
    ap.add_argument("--set", choices=corpus_mod.PARTS, help="only this part of the corpus")
    ap.add_argument("--limit", type=int, help="only the first N repositories of the chosen set(s)")
    ap.add_argument("--weights", help="TOML merged over the shipped weights")
    ap.add_argument("--alive-commits", type=int, default=1, help="sensitivity: human commits needed before the date")
    ap.add_argument("--horizon-commits", type=int, default=1,
                    help="sensitivity: fewer human commits than this in the horizon = became unmaintained")
    ap.add_argument("--markdown", action="store_true", help="print the whole report as Markdown")
    ap.add_argument("--json", type=Path, help="also write the report as JSON to this file")
    a = ap.parse_args(argv)
    as_of, months = parse_as_of(a.as_of), parse_horizon(a.horizon)
    entries = [e for e in corpus_mod.load(a.corpus) if e.part and (a.set is None or e.part == a.set)]
    if a.limit:
        entries = entries[:a.limit]
    progress = Progress(quiet=False)
    timings = {}
    with tempfile.TemporaryDirectory(prefix="tracker-backtest-") as tmp:
        db = a.db or Path(tmp) / "backtest.duckdb"
        os.environ.setdefault("TRACKER_GIT_CACHE", str(Path(tmp) / "git-cache"))
        with Store.open(db) as store:
            cfg = config_mod.load(db)
            projects = []
            for e in entries:
                path = mirror_path(a.mirrors, e.repository)
                if not (path / "HEAD").exists():
                    progress(f"{e.repository}: no mirror at {path}, skipped")
                    continue
                project = registry.find(store, e.repository)
                if project is None:
                    project, _ = registry.add(store, e.repository, git_source=str(path))
                projects.append(project)
            started = time.monotonic()
            outcomes = collect.collect(store, cfg, projects, ["git"], progress)
            timings["collect"] = time.monotonic() - started
            failed = {o.project for o in outcomes if o.status != "ok"}
            projects = [p for p in projects if p.slug not in failed]
            started = time.monotonic()
            result = run_backtest(store, projects, as_of, months, a.weights, corpus_mod.parts(entries), progress,
                                  a.alive_commits, a.horizon_commits)
            timings["backtest"] = time.monotonic() - started
    if a.json:
        a.json.write_text(output.dumps(result))
    if a.markdown:
        sys.stdout.write(report_mod.markdown(result))
    else:
        sys.stdout.write(output.table(report_mod.summary_rows(result["summaries"], a.as_of, f"{months} months")))
        sys.stdout.write("\n" + output.table(report_mod.project_rows(result["records"])))
    mature = {e.repository.lower() for e in entries if (e.category or "").endswith("-mature")}
    called = [f"{r['project']} ({r['risk_level']})" for r in result["records"]
              if r["project"].lower() in mature and r["outcome"] == "stayed_maintained"
              and r["risk_level"] in report_mod.POSITIVE]
    print(f"\nmature low-activity projects that stayed maintained: {len(mature)} in the corpus set(s);"
          f" called high/critical: {', '.join(called) or 'none'}")
    print(f"\n{len(projects)} projects: collect {timings['collect']:.1f} s, backtest {timings['backtest']:.1f} s"
          f" ({os.cpu_count()} cores)" + (f"; not collected: {', '.join(sorted(failed))}" if failed else ""),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
