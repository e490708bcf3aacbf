"""tracker grants import / list / impact: the curated grants registry and what followed each grant."""

from __future__ import annotations

import argparse
import sys

from tracker import funding_impact, grants, output, readmodel
from tracker.currency import load_rates
from tracker.errors import UsageError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("grants", help="grants registry: import, list, impact",
                       description="The curated grants registry (data/grants.csv ships verified grants).")
    gsub = p.add_subparsers(dest="grants_command", metavar="ACTION")

    q = gsub.add_parser("import", help="import grants from a CSV or YAML file (validated; nothing imported on error)",
                        description="Columns: " + ", ".join(grants.COLUMNS) + ". Rows are validated one by one; "
                        "any invalid row stops the import and every error is listed with its row number. "
                        "Importing again updates rows (key: funder, program, recipient, date).")
    q.add_argument("file", help="CSV (with a header line) or YAML (.yaml/.yml) file, e.g. data/grants.csv")
    q.add_argument("--rates", metavar="FILE", help="currency rates table (default: $TRACKER_RATES or shipped)")
    q.set_defaults(func=cmd_import)

    q = gsub.add_parser("list", help="list grants (original amount and currency, plus US dollars)")
    q.add_argument("--project", metavar="OWNER/REPO", help="only grants linked to this tracked project")
    q.add_argument("--format", choices=output.FORMATS, default="table")
    q.add_argument("--rates", metavar="FILE", help="currency rates table (default: $TRACKER_RATES or shipped)")
    q.set_defaults(func=cmd_list, read_only=True)

    q = gsub.add_parser("impact", help="activity N months before vs after each dated grant (correlation only)")
    q.add_argument("--project", metavar="OWNER/REPO", help="only this tracked project")
    q.add_argument("--months", type=int, default=12, help="window length in months (default 12)")
    q.add_argument("--format", choices=output.FORMATS, default="table")
    q.add_argument("--as-of", metavar="DATE", help="compare as of this UTC date (default: now)")
    q.set_defaults(func=cmd_impact, read_only=True)
    p.set_defaults(func=lambda ctx: (p.print_help(), 2)[1])


def cmd_import(ctx) -> int:
    rates = load_rates(ctx.args.rates or ctx.config.rates_path)
    result = grants.import_file(ctx.store(), ctx.args.file, ctx.now, rates)
    dup = f", {len(result.duplicates)} duplicate rows skipped (rows {', '.join(map(str, result.duplicates[:10]))})" \
        if result.duplicates else ""
    print(f"{result.new + result.updated + result.unchanged} grants read from "
          f"{ctx.args.file}: {result.new} new, {result.updated} updated, {result.unchanged} unchanged{dup}; "
          f"{result.linked} grants in the registry are linked to tracked projects")
    if result.unknown_currency:
        print(f"warning: no rate for {', '.join(result.unknown_currency)} in the rates table; "
              "those amounts stay in their currency and count as unknown in dollars", file=sys.stderr)
    return 0


COLUMNS = ["funder", "program", "recipient", "repo", "tracked", "amount", "currency", "amount_usd", "awarded_on",
           "period_months", "kind", "source_url"]


def cmd_list(ctx) -> int:
    rates = load_rates(ctx.args.rates or ctx.config.rates_path)
    if not ctx.config.db_path.exists():
        rows = []
    else:
        store = ctx.store()
        project = readmodel.project(store, ctx.args.project) if ctx.args.project else None
        rows = readmodel.grant_list(store, rates, project.id if project else None)
    fmt = ctx.args.format
    output.emit(rows, fmt, COLUMNS + (["note"] if fmt != "table" else []))
    if fmt == "table":
        print(f"dollar amounts at the rates of {rates.date or 'unknown date'} ({rates.path.name}); "
              "original amounts and currencies are kept", file=sys.stderr)
        if not rows:
            print("no grants: tracker grants import data/grants.csv", file=sys.stderr)
    return 0


def cmd_impact(ctx) -> int:
    a = ctx.args
    if not 1 <= a.months <= 60:
        raise UsageError("--months must be between 1 and 60")
    store = ctx.store()
    project = readmodel.project(store, a.project) if a.project else None
    results = funding_impact.impact(store, ctx.now, a.months, project.id if project else None)
    skipped = funding_impact.undated(store, project.id if project else None)
    if a.format == "json":
        doc = {"as_of": ctx.now.isoformat() + "Z", "window_months": a.months, "caveat": funding_impact.CAVEAT,
               "grants_without_usable_date": skipped, "grants": results}
        sys.stdout.write(output.dumps(doc) + "\n")
        return 0
    rows = []
    for r in results:
        base = {k: r[k] for k in ("project", "funder", "awarded_on")}
        if not r["metrics"]:
            rows.append({**base, "metric": None, "before": None, "after": None, "change_pct": None, "note": r["note"]})
        for name, v in r["metrics"].items():
            rows.append({**base, "metric": name, **v, "note": r["note"]})
    output.emit(rows, a.format, ["project", "funder", "awarded_on", "metric", "before", "after", "change_pct", "note"])
    if a.format == "table":
        print(f"note: {funding_impact.CAVEAT}", file=sys.stderr)
        if skipped:
            print(f"{skipped} linked grants left out: award date unknown or known only to the year", file=sys.stderr)
    return 0
