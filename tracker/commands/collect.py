"""tracker collect."""

from __future__ import annotations

import argparse
import sys

from collectors import sources
from tracker import collect, output, registry
from tracker.progress import Progress


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
    failed = sum(o.status not in ("ok", "partial") for o in outcomes)
    partial = [o for o in outcomes if o.status == "partial"]
    if partial:
        parts = sorted({f"{o.source} {name}" for o in partial for name in o.failed})
        print(f"{len(partial)} of {len(outcomes)} collections partial ({', '.join(parts)} failed): "
              "what arrived is saved, the rest stays unknown", file=sys.stderr)
    if failed:
        print(f"{failed} of {len(outcomes)} collections failed", file=sys.stderr)
    return 1 if failed else 0
