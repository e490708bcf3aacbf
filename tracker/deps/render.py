"""The dependency report as text: an aligned table, JSON, CSV or Markdown (for a pull-request
comment). Markdown escapes every value (package names, flag evidence) so a dependency file
cannot inject HTML, links or @-mentions into the comment."""

from __future__ import annotations

import json
import re
from typing import Any

from tracker import output
from tracker.deps.report import COLUMNS, DepsReport

FORMATS = ("table", "json", "csv", "markdown")
MARKDOWN_LIMIT = 60_000   # GitHub caps a comment at 65,536 characters
CSV_COLUMNS = ["package", "ecosystem", "version", "direct", "groups", "repo", "mapped_by", "tracked", "health",
               "coverage", "risk", "flags", "truck_factor", "criticality", "last_release", "funding", "accepted",
               "why", "found_in"]


def flat(row: dict[str, Any]) -> dict[str, Any]:
    """Lists joined with '; ' and the accepted note in place of the dict, for tables and CSV."""
    out = dict(row)
    for key in ("flags", "groups", "found_in"):
        out[key] = "; ".join(row[key]) if row[key] else None
    if row["risk"] is not None and not row["flags"]:
        out["flags"] = "none"
    out["accepted"] = row["accepted_note"]
    out["risk"] = row["risk"] if not row["accepted"] else f"{row['risk']} (accepted)"
    return out


def unread_line(report: DepsReport) -> str | None:
    """'N inputs could not be read (the report is incomplete): ...', or None when all were read."""
    count = len(report.unread)
    if not count:
        return None
    shown = "; ".join(u if len(u) <= 200 else u[:197] + "..." for u in report.unread[:5])
    more = f"; and {count - 5} more" if count > 5 else ""
    return (f"{count} {'input' if count == 1 else 'inputs'} could not be read (the report is incomplete):"
            f" {shown}{more}")


def summary_lines(report: DepsReport) -> list[str]:
    s = report.summary
    risk = s["risk"]
    lines = [f"{s['dependencies']} dependencies ({s['direct']} direct, {s['transitive']} transitive,"
             f" {s['dependencies'] - s['direct'] - s['transitive']} not said): critical {risk['critical']},"
             f" high {risk['high']}, medium {risk['medium']}, low {risk['low']}, unknown {risk['unknown']}"]
    unread = unread_line(report)
    if unread:
        lines.append(unread)
    if s["riskiest"]:
        lines.append("riskiest: " + ", ".join(f"{r['package']} ({r['risk']}, health {_num(r['health'])})"
                                              for r in s["riskiest"]))
    if s["one_person"]:
        lines.append("carried by one person (truck factor 1): " + ", ".join(r["package"] for r in s["one_person"]))
    if s["unfunded_important"]:
        lines.append("important and no funding found: " + ", ".join(r["package"] for r in s["unfunded_important"]))
    if s["not_mapped"]:
        lines.append(f"{s['not_mapped']} without a known repository (see 'why'; an --overrides file can map them)")
    if s["not_tracked"]:
        lines.append(f"{len(s['not_tracked'])} repositories not tracked yet: rerun with --track, then"
                     " tracker collect && tracker score")
    if s["not_scored"]:
        lines.append(f"{s['not_scored']} tracked but not scored yet: tracker collect && tracker score")
    if s["accepted"]:
        lines.append(f"{s['accepted']} accepted risks (--ignore)")
    if s["unsupported"]:
        lines.append("not yet supported (listed, not assessed): "
                     + ", ".join(f"{n} {k}" for k, n in sorted(s["unsupported"].items())))
    return lines


def _num(value: Any) -> str:
    return "unknown" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def table(report: DepsReport) -> str:
    rows = [flat(r) for r in report.rows]
    columns = COLUMNS + (["accepted"] if any(r["accepted_note"] for r in report.rows) else [])
    text = output.table(rows, columns)
    if report.unsupported:
        text += "\nnot yet supported:\n" + output.table(report.unsupported, ["kind", "name", "version", "file", "reason"])
    return text + "\n" + "\n".join(summary_lines(report)) + "\n"


def to_json(report: DepsReport) -> str:
    return json.dumps(report.as_dict(), indent=2, default=str, ensure_ascii=False) + "\n"


def to_csv(report: DepsReport) -> str:
    return output.to_csv([flat(r) for r in report.rows], CSV_COLUMNS)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!~|])")


def md(value: Any) -> str:
    """A value safe inside a Markdown table cell: no HTML, links, emphasis, pipes or mentions."""
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        value = f"{value:g}"
    text = " ".join(str(value).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return text.replace("@", "@\u200b").replace("://", ":\u200b//")


_MD_HEADER = ["| package | version | direct | repo | health | risk | flags | truck factor | last release"
              " | funding | why |", "|---|---|---|---|---:|---|---|---:|---|---|---|"]


def _md_row(r: dict[str, Any]) -> str:
    f = flat(r)
    why = f["why"] + (f"; {f['accepted']}" if f["accepted"] else "")
    return "| " + " | ".join(md(v) for v in (
        f["package"], f["version"], f["direct"], f["repo"], f["health"], f["risk"], f["flags"] or "",
        f["truck_factor"], f["last_release"], f["funding"], why)) + " |"


def _md_rows(rows: list[dict[str, Any]], budget: int) -> tuple[list[str], int]:
    """Table lines for as many rows as fit in `budget` characters; (lines, rows left out)."""
    lines = list(_MD_HEADER)
    used = sum(len(x) + 1 for x in lines)
    for i, r in enumerate(rows):
        line = _md_row(r)
        if used + len(line) + 1 > budget:
            return lines, len(rows) - i
        lines.append(line)
        used += len(line) + 1
    return lines, 0


def markdown(report: DepsReport, title: str = "Dependency risk") -> str:
    """A pull-request comment: summary, the rows at medium risk or above, the rest folded away,
    warnings folded too; cut to stay under GitHub's comment limit (the cut is said)."""
    head = [f"### {md(title)}", ""] + [f"- {md(line)}" for line in summary_lines(report)] + [""]
    tail = []
    if report.warnings:
        shown = [f"- {md(w[:300])}" for w in report.warnings[:50]]
        more = len(report.warnings) - len(shown)
        tail = ["", "", f"<details><summary>{len(report.warnings)} warnings</summary>", "", *shown,
                *([f"- … {more} more in the JSON report"] if more else []), "", "</details>"]
    budget = MARKDOWN_LIMIT - len("\n".join(head)) - len("\n".join(tail)) - 400
    attention = [r for r in report.rows if r["risk"] in ("medium", "high", "critical")]
    rest = [r for r in report.rows if r["risk"] not in ("medium", "high", "critical")]
    body = list(head)
    if attention:
        lines, cut = _md_rows(attention, budget)
        body += lines
        budget -= sum(len(x) + 1 for x in lines)
        if cut:
            body.append(f"\n{cut} more at medium risk or above: see the JSON or CSV report.")
    else:
        body.append("No dependency at medium risk or above.")
    if rest:
        lines, cut = _md_rows(rest, budget)
        note = f"; {cut} not shown, see the JSON or CSV report" if cut else ""
        body += ["", f"<details><summary>{len(rest)} more (low or unknown risk{note})</summary>", "",
                 *(lines if len(lines) > len(_MD_HEADER) else []), "", "</details>"]
    return "\n".join(body + tail) + "\n"


def render(report: DepsReport, fmt: str) -> str:
    if fmt == "json":
        return to_json(report)
    if fmt == "csv":
        return to_csv(report)
    if fmt == "markdown":
        return markdown(report)
    return table(report)
