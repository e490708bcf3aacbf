"""tracker report."""

from __future__ import annotations

import argparse
import sys

from tracker import output, readmodel, report


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="metrics, scores and risk of one project (text or JSON)")
    p.add_argument("repo", help="OWNER/REPO or a GitHub URL")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--as-of", metavar="DATE", help="compute windows as of this UTC date/time (default: now)")
    p.set_defaults(func=cmd_report, read_only=True)


def cmd_report(ctx) -> int:
    store = ctx.store()
    project = readmodel.project(store, ctx.args.repo)
    data = report.build(store, project, ctx.now)
    if ctx.args.format == "json":
        sys.stdout.write(output.dumps(data) + "\n")   # never NaN: null
    else:
        sys.stdout.write(report.render_text(data))
    return 0
