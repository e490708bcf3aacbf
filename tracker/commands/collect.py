"""tracker collect."""

from __future__ import annotations

import argparse
import os
import sys
import time

from collectors import sources
from tracker import collect, display, executors, failures, output, registry
from tracker.errors import UsageError
from tracker.progress import Progress

UNAUTHENTICATED_HINT = (  # as collectors/github/client.py says it (imported only when GitHub is asked)
    "no GITHUB_TOKEN or GH_TOKEN set: GitHub allows only 60 requests an hour without a token and no "
    "GraphQL, so they go to repository details and releases; issues, first responses, contributors, "
    "funding links and Sponsors stay unknown. Set GITHUB_TOKEN (a token without scopes is enough) for full data")


def register(sub: argparse._SubParsersAction) -> None:
    names = ", ".join(f"{s.name} ({s.description}" + (f"; needs {', '.join(s.needs)}" if s.needs else "") + ")"
                      for s in sources().values())
    p = sub.add_parser(
        "collect", help="collect data for tracked projects from every source (or some)",
        description=f"Collect data. Sources, in the order they run: {names}. A failure on one project "
        "never stops the others. A collection is 'partial' when some of its parts failed (e.g. GitHub's "
        "GraphQL API was down): what arrived is saved and the rest stays unknown. The exit code is 1 if "
        "any collection failed outright, 0 when all were ok or partial.",
    )
    p.add_argument("--source", action="append", metavar="NAME",
                   help="only this source (repeatable); default: every source. A source that needs "
                   "another one not selected uses what that one stored before")
    p.add_argument("--project", action="append", metavar="OWNER/REPO",
                   help="only this project (repeatable); default: every tracked project")
    p.add_argument("--full", action="store_true", help="re-read everything instead of only what is new")
    p.add_argument("--format", choices=output.FORMATS, default="table", help="summary format")
    p.add_argument("--workers", metavar="N",
                   help="worker processes for git (and funding) fetches; 1 runs everything in this process, one "
                   "project at a time. Remote sources (GitHub, PyPI, Open Collective) run on one thread of this "
                   "process either way, within the HTTP layer's limits. Default: $TRACKER_WORKERS, else one per "
                   f"core, at most {executors.MAX_WORKERS_DEFAULT} ({executors.default_workers()} here)")
    p.add_argument("--executor", choices=executors.EXECUTORS,
                   help="where git and funding fetches run: 'local' worker processes (default), or a 'dask' "
                   "cluster (pip install '.[dask]'); this process stays the only writer and saves what returns. "
                   "Default: $TRACKER_EXECUTOR, else local")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help="the Dask scheduler's address for --executor dask (default: $TRACKER_DASK_SCHEDULER)")
    p.set_defaults(func=cmd_collect)


def placement(args: argparse.Namespace) -> tuple[int, str, str | None]:
    """(workers, executor, scheduler address) from the options, else the environment."""
    env = os.environ
    workers = executors.parse_workers(args.workers, "--workers") if args.workers is not None else \
        executors.parse_workers(env.get("TRACKER_WORKERS"), "TRACKER_WORKERS")
    executor = args.executor or env.get("TRACKER_EXECUTOR", "").strip().lower() or "local"
    if executor not in executors.EXECUTORS:
        raise UsageError(f"TRACKER_EXECUTOR={executor!r}: expected one of {', '.join(executors.EXECUTORS)}")
    scheduler = args.scheduler or env.get("TRACKER_DASK_SCHEDULER", "").strip() or None
    if scheduler and executor != "dask":
        if args.scheduler:
            raise UsageError("--scheduler is the Dask scheduler's address: use it with --executor dask")
        scheduler = None
    if executor == "dask" and not scheduler:
        raise UsageError("--executor dask needs the scheduler's address: --scheduler tcp://HOST:PORT "
                         "(or TRACKER_DASK_SCHEDULER)")
    return (workers or executors.default_workers()), executor, scheduler


def cmd_collect(ctx) -> int:
    a = ctx.args
    workers, executor, scheduler = placement(a)
    store = ctx.store()
    projects = registry.select(store, a.project)
    progress = Progress(quiet=a.quiet)
    if not ctx.config.github_token and not ctx.config.github_app_id and (not a.source or "github" in a.source):
        progress.warn(UNAUTHENTICATED_HINT)   # once here; the collector's own copy is not repeated
    started = time.monotonic()
    outcomes = collect.collect(store, ctx.config, projects, a.source, progress, {"full": a.full},
                               workers=workers, executor=executor, scheduler=scheduler)
    progress.finish()
    if a.format != "table":
        output.emit([{"source": o.source, "project": o.project, "status": o.status, "error": o.error or ""}
                     for o in outcomes], a.format)
    elif len(outcomes) > 1 or any(o.status != "ok" for o in outcomes):
        summary(outcomes, time.monotonic() - started)
    failed = sum(o.status not in ("ok", "partial") for o in outcomes)
    partial = [o for o in outcomes if o.status == "partial"]
    if partial:
        parts = sorted({f"{o.source} {name}" for o in partial for name in o.failed})
        print(f"{len(partial)} of {len(outcomes)} collections partial ({', '.join(parts)} failed): "
              "what arrived is saved, the rest stays unknown", file=sys.stderr)
    if failed:
        print(f"{failed} of {len(outcomes)} collections failed", file=sys.stderr)
    return 1 if failed else 0


def summary(outcomes: list[collect.Outcome], seconds: float, stream=None) -> None:
    """Counts per source, then one line per distinct failure with the projects it hit."""
    stream = stream or sys.stdout
    rows = []
    for source in dict.fromkeys(o.source for o in outcomes):
        mine = [o for o in outcomes if o.source == source]
        rows.append({"source": source, "projects": len(mine),
                     "ok": sum(o.status == "ok" for o in mine),
                     "partial": sum(o.status == "partial" for o in mine),
                     "failed": sum(o.status not in ("ok", "partial") for o in mine)})
    output.emit(rows, "table", ["source", "projects", "ok", "partial", "failed"], stream=stream)
    problems = failures.group(outcomes, ("error", "interrupted"))
    partial = failures.group(outcomes, ("partial",))
    if problems or partial:
        stream.write("\n")
    for f in problems:
        stream.write(f"failed: {f.line()}\n")
    for f in partial:
        stream.write(f"partial: {f.line()}\n")
    stream.write(f"{display.count(len(outcomes), 'collection')} in {seconds:.0f} s\n")
