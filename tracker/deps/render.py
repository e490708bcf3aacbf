"""The dependency report as text: an aligned table, JSON, CSV, Markdown (for a pull-request
comment) or SARIF (tracker.deps.sarif, for code-scanning UIs); optionally grouped by the direct
dependency that pulls each package in. Markdown escapes every value (package names, evidence from
the index, flag evidence) so a dependency file or a package page cannot inject HTML, links or
@-mentions into the comment."""

from __future__ import annotations

import json
import re
from typing import Any

from tracker import display, output
from tracker.deps.report import COLUMNS, LEVELS, RANK, DepsReport, evidence
from tracker.values import jsonable

FORMATS = ("table", "json", "csv", "markdown", "sarif")
GROUPS = ("direct",)
MARKDOWN_LIMIT = 60_000   # GitHub caps a comment at 65,536 characters
TOP = 5
CSV_COLUMNS = ["package", "ecosystem", "version", "direct", "via", "pulled_in_by", "groups", "repo", "mapped_by",
               "tracked", "risk", "risk_basis", "index_risk", "project_risk", "evidence", "findings", "latest",
               "version_age_days",
               "releases_behind", "last_release", "releases_12m", "cadence_days", "requires_python",
               "funding_links", "health", "coverage", "flags", "truck_factor", "criticality", "funding", "accepted",
               "why", "found_in"]


def _cut(text: str | None, limit: int) -> str | None:
    return text if text is None or len(text) <= limit else text[:limit - 1] + "\u2026"


def flat(row: dict[str, Any]) -> dict[str, Any]:
    """Lists joined with '; ' (a path with ' > '), findings as 'level: evidence', and the accepted
    note in place of the dict, for tables and CSV."""
    out = dict(row)
    for key in ("flags", "groups", "found_in", "pulled_in_by", "funding_links"):
        out[key] = "; ".join(row.get(key) or []) or None
    out["via"] = " > ".join(row["via"]) if row.get("via") else None
    out["findings"] = "; ".join(f"{f['level']}: {f['evidence']}" for f in row.get("findings") or []) or None
    if row.get("project_risk") is not None and not row["flags"]:
        out["flags"] = "none"
    out["evidence"] = evidence(row) or row["why"]
    out["evidence_short"] = _cut(out["evidence"], 100)
    out["accepted"] = row["accepted_note"]
    out["risk"] = row["risk"] if not row["accepted"] else f"{row['risk'] or 'unknown'} (accepted)"
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


def headline(report: DepsReport) -> str:
    """The one-line summary: how many dependencies, and how many at each risk level."""
    s = report.summary
    risk = s["risk"]
    levels = ", ".join(f"{risk[level]} {level}" for level in ("critical", "high", "medium", "low") if risk[level])
    total = s["dependencies"]
    line = f"{total} {'dependency' if total == 1 else 'dependencies'}: {levels or 'no risk found'}"
    if risk["unknown"]:
        line += f", {risk['unknown']} unknown"
    if s["unsupported"]:
        count = sum(s["unsupported"].values())
        line += f"; {count} not assessed"
    return line


def summary_lines(report: DepsReport) -> list[str]:
    s = report.summary
    lines = [headline(report) + f" ({s['direct']} direct, {s['transitive']} transitive,"
             f" {s['dependencies'] - s['direct'] - s['transitive']} not said)"]
    unread = unread_line(report)
    if unread:
        lines.append(unread)
    if s["riskiest"]:
        lines.append("riskiest: " + ", ".join(f"{r['package']} ({r['risk']}: {r['evidence'] or 'see why'})"
                                              for r in s["riskiest"]))
    if s["one_person"]:
        lines.append("carried by one person (truck factor 1): " + ", ".join(r["package"] for r in s["one_person"]))
    if s["unfunded_important"]:
        lines.append("important and no funding found: " + ", ".join(r["package"] for r in s["unfunded_important"]))
    if s["not_mapped"]:
        lines.append(f"{s['not_mapped']} without a known repository (see 'why'; an --overrides file can map them)")
    if s["not_tracked"]:
        lines.append(f"{len(s['not_tracked'])} repositories not tracked yet: their risk comes from the package index"
                     " only; --track, then tracker collect && tracker score, for the projects' full health")
    if s["not_scored"]:
        lines.append(f"{s['not_scored']} tracked but not scored yet: tracker collect && tracker score")
    if s["accepted"]:
        lines.append(f"{s['accepted']} accepted risks (--ignore)")
    if s["unsupported"]:
        lines.append("not assessed (listed, not judged): "
                     + ", ".join(f"{n} {k}" for k, n in sorted(s["unsupported"].items())))
    return lines


def _num(value: Any) -> str:
    return "unknown" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def groups(report: DepsReport) -> list[tuple[dict[str, Any] | None, list[dict[str, Any]]]]:
    """(direct dependency row, the rows it pulls in) per direct dependency, riskiest group first
    (a group's risk is its worst member's); then (None, rows no direct dependency leads to). A
    package several direct dependencies pull in is listed under each."""
    by_name = {r["package"]: r for r in report.rows if r["direct"] is True}
    members: dict[str, list[dict[str, Any]]] = {name: [] for name in by_name}
    loose = []
    for r in report.rows:
        if r["direct"] is True:
            continue
        heads = [h for h in r.get("pulled_in_by") or [] if h in members]
        for head in heads:
            members[head].append(r)
        if not heads:
            loose.append(r)

    def worst(head: str) -> tuple:
        rows = [by_name[head], *members[head]]
        return (-max(RANK.get(x["risk"] or "", 0) for x in rows), head.lower())

    out: list[tuple[dict[str, Any] | None, list[dict[str, Any]]]] = [
        (by_name[h], members[h]) for h in sorted(members, key=worst)]
    if loose:
        out.append((None, loose))
    return out


def _group_title(head: dict[str, Any] | None, rows: list[dict[str, Any]]) -> str:
    if head is None:
        return f"not traced to a direct dependency ({len(rows)})"
    everything = [head, *rows]
    top = max((RANK.get(x["risk"] or "", 0) for x in everything), default=0)
    worst = LEVELS[top - 1] if top else "unknown"
    return (f"{head['package']} {head['version'] or ''}".strip()
            + f": worst risk {worst}, pulls in {len(rows)} {'package' if len(rows) == 1 else 'packages'}")


def health_text(f: dict[str, Any]) -> str | None:
    """Health with its coverage beside it, as every reader shows it ('63 (coverage 71%)'); a scored
    project below the evidence rule reads 'insufficient data (coverage 4%)'; None (printed
    'unknown') when the project has no score."""
    if f.get("scored_at") is None:
        return None
    return display.health(f["health"], f.get("coverage"), reason="insufficient data" if f["health"] is None else None)


def _table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """The aligned table with the main reason cut to 100 characters (the full text is in JSON/CSV)."""
    flats = [dict(f, evidence=f["evidence_short"], health=health_text(f)) for f in (flat(r) for r in rows)]
    return output.table(flats, columns)


def table(report: DepsReport, group_by: str | None = None) -> str:
    columns = COLUMNS + (["accepted"] if any(r["accepted_note"] for r in report.rows) else [])
    if group_by == "direct":
        parts = []
        for head, rows in groups(report):
            shown = ([head] if head else []) + rows
            parts.append(_group_title(head, rows) + "\n" + _table(shown, columns))
        text = "\n".join(parts)
    else:
        text = _table(report.rows, columns)
    if report.unsupported:
        text += "\nnot assessed:\n" + output.table(report.unsupported, ["kind", "name", "version", "file", "reason"])
    return text + "\n" + "\n".join(summary_lines(report)) + "\n"


def to_json(report: DepsReport, group_by: str | None = None) -> str:
    data = report.as_dict()
    if group_by == "direct":
        data["groups"] = [{"direct": head["package"] if head else None,
                           "risk": _worst([head, *rows] if head else rows),
                           "dependencies": [r["package"] for r in rows]} for head, rows in groups(report)]
    # NaN/inf (a score stored as NaN) become null: JSON has no NaN, and CI tools reject it
    return json.dumps(jsonable(data), indent=2, default=str, ensure_ascii=False, allow_nan=False) + "\n"


def _worst(rows: list[dict[str, Any]]) -> str | None:
    top = max((RANK.get(x["risk"] or "", 0) for x in rows), default=0)
    return LEVELS[top - 1] if top else None


def to_csv(report: DepsReport, group_by: str | None = None) -> str:
    if group_by == "direct":
        lines = []
        for head, rows in groups(report):
            for r in ([head] if head else []) + rows:
                lines.append({"group": head["package"] if head else None, **flat(r)})
        return output.to_csv(lines, ["group", *CSV_COLUMNS])
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


_MD_HEADER = ["| package | version | risk | evidence | pulled in by | repo | health | last release | funding |",
              "|---|---|---|---|---|---|---:|---|---|"]


def _md_row(r: dict[str, Any]) -> str:
    f = flat(r)
    main = f["evidence"] + (f"; {f['accepted']}" if f["accepted"] else "")
    via = " > ".join(r["via"][:-1]) if len(r.get("via") or []) > 1 else ("direct" if r["direct"] else None)
    return "| " + " | ".join(md(v) for v in (
        f["package"], f["version"], f["risk"], main, via, f["repo"], health_text(f), f["last_release"],
        f["funding"])) + " |"


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


def _top_risks(report: DepsReport) -> list[str]:
    rows = [r for r in report.rows if r["risk"] in ("medium", "high", "critical") and not r["accepted"]][:TOP]
    out = []
    for r in rows:
        via = f" (via {' > '.join(r['via'][:-1])})" if len(r.get("via") or []) > 1 else ""
        out.append(f"**{md(r['risk'])}** {md(r['package'])} {md(r['version'] or '')}{md(via)}:"
                   f" {md(evidence(r) or r['why'])}")
    return out


def markdown(report: DepsReport, title: str = "Dependency risk", group_by: str | None = None) -> str:
    """A pull-request comment: one summary line, the top risks, the rest of the summary, the rows at
    medium risk or above (or every group, with --group-by direct), the rest folded away, warnings
    folded too; cut to stay under GitHub's comment limit (the cut is said)."""
    top = _top_risks(report)
    head = [f"### {md(title)} \u2014 {md(headline(report))}", ""]
    if top:
        head += ["Top risks:", "", *[f"{i}. {line}" for i, line in enumerate(top, 1)], ""]
    else:
        head += ["No dependency at medium risk or above.", ""]
    head += [f"- {md(line)}" for line in summary_lines(report)[1:]] + [""]
    tail = []
    if report.warnings:
        shown = [f"- {md(w[:300])}" for w in report.warnings[:50]]
        more = len(report.warnings) - len(shown)
        tail = ["", "", f"<details><summary>{len(report.warnings)} warnings</summary>", "", *shown,
                *([f"- … {more} more in the JSON report"] if more else []), "", "</details>"]
    budget = MARKDOWN_LIMIT - len("\n".join(head)) - len("\n".join(tail)) - 400
    body = list(head)
    if group_by == "direct":
        for group_head, rows in groups(report):
            lines, cut = _md_rows(([group_head] if group_head else []) + rows, budget)
            budget -= sum(len(x) + 1 for x in lines)
            body += ["", f"<details><summary>{md(_group_title(group_head, rows))}</summary>", "", *lines,
                     *([f"\n{cut} more: see the JSON or CSV report."] if cut else []), "", "</details>"]
            if budget <= 0:
                break
        return "\n".join(body + tail) + "\n"
    attention = [r for r in report.rows if r["risk"] in ("medium", "high", "critical")]
    rest = [r for r in report.rows if r["risk"] not in ("medium", "high", "critical")]
    if attention:
        lines, cut = _md_rows(attention, budget)
        body += lines
        budget -= sum(len(x) + 1 for x in lines)
        if cut:
            body.append(f"\n{cut} more at medium risk or above: see the JSON or CSV report.")
    if rest:
        lines, cut = _md_rows(rest, budget)
        note = f"; {cut} not shown, see the JSON or CSV report" if cut else ""
        body += ["", f"<details><summary>{len(rest)} more (low or unknown risk{note})</summary>", "",
                 *(lines if len(lines) > len(_MD_HEADER) else []), "", "</details>"]
    return "\n".join(body + tail) + "\n"


def render(report: DepsReport, fmt: str, group_by: str | None = None) -> str:
    if fmt == "json":
        return to_json(report, group_by)
    if fmt == "csv":
        return to_csv(report, group_by)
    if fmt == "markdown":
        return markdown(report, group_by=group_by)
    if fmt == "sarif":
        from tracker.deps import sarif

        return sarif.render(report)
    return table(report, group_by)
