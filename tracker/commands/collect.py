"""tracker collect."""

from __future__ import annotations

import argparse
import sys

from collectors import sources
from tracker import collect, output, registry
from tracker.progress import Progress


def register(sub: argparse._SubParsersAction) -> None:
    names = ", ".join(f"{s.name} ({s.description})" for s in sources().values())
    p = sub.add_parser(
        "collect", help="collect data for tracked projects from every source (or some)",
        description=f"Collect data. Sources: {names}. A failure on one project never stops the others; "
        "the exit code is 1 if any project failed.",
    )
    p.add_argument("--source", action="append", metavar="NAME",
                   help="only this source (repeatable); default: every source")
    p.add_argument("--project", action="append", metavar="OWNER/REPO",
                   help="only this project (repeatable); default: every tracked project")
    p.add_argument("--full", action="store_true", help="re-read everything instead of only what is new")
    p.add_argument("--format", choices=output.FORMATS, default="table", help="summary format")
    p.set_defaults(func=cmd_collect)


def cmd_collect(ctx) -> int:
    a = ctx.args
    store = ctx.store()
    projects = registry.select(store, a.project)
    outcomes = collect.collect(store, ctx.config, projects, a.source, Progress(quiet=a.quiet),
                               {"full": a.full})
    rows = [{"source": o.source, "project": o.project, "status": o.status, "error": o.error or ""}
            for o in outcomes]
    if a.format != "table" or any(o.status != "ok" for o in outcomes) or len(outcomes) > 1:
        output.emit(rows, a.format)
    failed = sum(o.status != "ok" for o in outcomes)
    if failed:
        print(f"{failed} of {len(outcomes)} collections failed", file=sys.stderr)
    return 1 if failed else 0
