"""tracker backtest."""

from __future__ import annotations

import argparse
import sys

from tracker import output, registry
from tracker.errors import UsageError
from tracker.progress import Progress

FORMATS = (*output.FORMATS, "markdown")


def register(sub: argparse._SubParsersAction) -> None:
    from tracker.backtest.corpus import PARTS

    p = sub.add_parser(
        "backtest",
        help="check the risk verdicts of a past date against what happened next",
        description="For every tracked project with git history (or those given with --project), compute every "
        "metric and the maintenance-risk verdict using only what existed at --as-of DATE (commits and tags up "
        "to DATE, files as in the commit at DATE, releases published by then, snapshots taken by then: nothing "
        "later can leak in), then look at the full history for what happened over the horizon. Outcomes: "
        "became unmaintained (no human commit in the horizon), stayed maintained, and, reported apart, already "
        "unmaintained at DATE (no human commit in the 12 months before), not created by DATE, and horizon not "
        "observed (the git data ends before the horizon does: silence after a snapshot is unknown, not death). "
        "Reports precision and recall of 'risk high or critical' for 'became unmaintained', the observed share "
        "per risk level (calibration), the confusion table and every miss with its evidence; per corpus part "
        "with --corpus. The run is stored for the app's Validation page (unless --no-save). Never uses the "
        "network. See docs/methodology.md, 'Backtest'.",
    )
    p.add_argument("--as-of", metavar="DATE", required=True,
                   help="the date of the verdicts (UTC, e.g. 2023-03-15); the horizon must have passed")
    p.add_argument("--horizon", metavar="N", default="12m", help="how long to watch after DATE: 12m (default), 18m, 2y")
    p.add_argument("--project", action="append", metavar="OWNER/REPO",
                   help="only this project (repeatable); default: every tracked project with git history")
    p.add_argument("--corpus", metavar="FILE",
                   help="CSV with columns repository and part (tuning / held-out / held-out-v2): figures per part "
                   "(data/backtest_corpus.csv is the shipped validation corpus)")
    p.add_argument("--set", metavar="PART", choices=PARTS,
                   help="only the corpus part PART (tune on 'tuning'; report on 'held-out' and 'held-out-v2')")
    p.add_argument("--alive-commits", metavar="N", type=int, default=1,
                   help="sensitivity: alive at DATE needs N human commits in the 12 months before (default 1)")
    p.add_argument("--horizon-commits", metavar="N", type=int, default=1,
                   help="sensitivity: fewer than N human commits in the horizon counts as became unmaintained "
                   "(default 1: none)")
    p.add_argument("--weights", metavar="FILE", help="TOML merged over the shipped weights")
    p.add_argument("--format", choices=FORMATS, default="table",
                   help="table (default), json (everything), csv (one row per project) or markdown (the report)")
    p.add_argument("--no-save", action="store_true", help="do not store the run for the app's Validation page")
    p.set_defaults(func=cmd_backtest)


def cmd_backtest(ctx) -> int:
    from tracker.backtest import corpus as corpus_mod
    from tracker.backtest import report as report_mod
    from tracker.backtest import run, save
    from tracker.backtest.outcomes import add_months, parse_horizon
    from tracker.clock import utcnow

    a = ctx.args
    months = parse_horizon(a.horizon)
    as_of = ctx.now
    today = utcnow()
    if add_months(as_of, months) > today:
        raise UsageError(f"--as-of {a.as_of} with --horizon {a.horizon}: the horizon ends "
                         f"{add_months(as_of, months):%Y-%m-%d}, after today; nothing to check yet")
    parts: dict[str, str] = {}
    if a.corpus:
        parts = corpus_mod.parts(corpus_mod.load(a.corpus))
    if a.set and not a.corpus:
        raise UsageError("--set needs --corpus FILE (which says the part of each repository)")
    store = ctx.store(read_only=a.no_save)
    projects = registry.select(store, a.project)
    if a.set:
        wanted = {slug.lower() for slug, part in parts.items() if part == a.set}
        projects = [p for p in projects if p.slug.lower() in wanted]
    progress = Progress(quiet=a.quiet)
    result = run(store, projects, as_of, months, a.weights, parts, progress, a.alive_commits, a.horizon_commits)
    if not result["records"] and not result["failures"]:
        raise UsageError("no project with collected git history to backtest (tracker collect --source git)")
    if not a.no_save and result["records"]:
        result["run_id"] = save(store, result, today, a.corpus)
    if a.format == "json":
        sys.stdout.write(output.dumps(result) + "\n")
    elif a.format == "markdown":
        sys.stdout.write(report_mod.markdown(result))
    elif a.format == "csv":
        output.emit(report_mod.project_rows(result["records"]), "csv")
    else:
        output.emit(report_mod.summary_rows(result["summaries"], f"{as_of:%Y-%m-%d}", f"{months} months"), "table")
        print()
        output.emit(report_mod.project_rows(result["records"]), "table")
        if result["misses"]:
            print(f"\n{len(result['misses'])} wrong calls; their evidence: tracker backtest ... --format markdown")
    for failed in result["failures"]:
        print(f"tracker: could not backtest {failed['project']}: {failed['error']}", file=sys.stderr)
    if result["skipped_without_git"] and not a.quiet:
        print(f"tracker: {len(result['skipped_without_git'])} project(s) without git history left out: "
              + ", ".join(result["skipped_without_git"][:10]), file=sys.stderr)
    return 1 if result["failures"] else 0
