"""The dependency report as SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format), so
findings show in code-scanning UIs (GitHub's `github/codeql-action/upload-sarif`).

One rule per signal (tracker.deps.signals: its title, why it matters, what fixes it) plus
`project_risk` for the risk of a tracked, scored repository. One result per finding: level `error`
for high and critical, `warning` for medium, `note` for low; findings that are evidence only
(level none) are left out, as are accepted risks (listed with a suppression instead). Each result
points at the dependency file and line that names the package (relative to the working
directory when the file is below it, as code scanning wants repository-relative paths) and
carries a `partialFingerprints` entry (rule, ecosystem, package) so an alert stays one alert
across runs when lines move.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import PurePath
from typing import Any

from tracker import __version__
from tracker.deps.report import DepsReport
from tracker.deps.signals import PROJECT_RULE, SIGNALS
from tracker.values import jsonable

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
HELP = "docs/methodology.md, Dependency risk"


def _rules() -> list[dict[str, Any]]:
    rules = []
    for s in SIGNALS:
        rules.append({
            "id": s.id, "name": "".join(w.capitalize() for w in s.id.split("_")),
            "shortDescription": {"text": s.title}, "fullDescription": {"text": s.motivation},
            "help": {"text": f"{s.motivation} Fix: {s.remediation} ({HELP})",
                     "markdown": f"{s.motivation}\n\n**Fix:** {s.remediation}\n\nSee {HELP}."},
            "properties": {"tags": ["dependency", "maintenance", *s.ecosystems]},
        })
    rule_id, title, motivation, remediation = PROJECT_RULE
    rules.append({"id": rule_id, "name": "ProjectRisk", "shortDescription": {"text": title},
                  "fullDescription": {"text": motivation},
                  "help": {"text": f"{motivation} Fix: {remediation}",
                           "markdown": f"{motivation}\n\n**Fix:** {remediation}"},
                  "properties": {"tags": ["dependency", "maintenance"]}})
    return rules


def _uri(path: str) -> str:
    """The file as code scanning wants it: relative to the working directory (the checkout) when
    below it, with forward slashes; an absolute file URI otherwise."""
    try:
        rel = os.path.relpath(os.path.abspath(path))
    except ValueError:          # another drive (Windows)
        rel = None
    if rel is not None and not rel.startswith(".."):
        return PurePath(rel).as_posix()
    return PurePath(os.path.abspath(path)).as_uri()


def _locations(row: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for place in row.get("locations") or []:
        file = place.get("file")
        if not file or file.startswith(("pasted", "upload:")):
            continue
        physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(file)}}
        if isinstance(place.get("line"), int) and place["line"] >= 1:
            physical["region"] = {"startLine": place["line"]}
        out.append({"physicalLocation": physical})
    return out[:10]


def _fingerprint(rule: str, row: dict[str, Any]) -> str:
    return hashlib.sha256(f"{rule}|{row['ecosystem']}|{row['package']}".encode()).hexdigest()[:32]


def _message(row: dict[str, Any], text: str) -> str:
    version = f" {row['version']}" if row.get("version") else ""
    via = f" (pulled in by {' > '.join(row['via'][:-1])})" if len(row.get("via") or []) > 1 else ""
    return f"{row['package']}{version}{via}: {text}"


def to_sarif(report: DepsReport) -> dict[str, Any]:
    rules = _rules()
    index = {r["id"]: i for i, r in enumerate(rules)}
    results = []
    for row in report.rows:
        items: list[tuple[str, str, str]] = [(f["signal"], f["level"], f["evidence"]) for f in row["findings"]
                                            if f["level"] in LEVELS]
        if row.get("project_risk") in LEVELS:
            flags = ", ".join(row["flags"]) if row["flags"] else "no flag"
            health = f"health {row['health']:g}" if isinstance(row.get("health"), int | float) else "health unknown"
            items.append(("project_risk", row["project_risk"],
                          f"{row['repo']} is at {row['project_risk']} maintenance risk ({health}; {flags})"))
        for rule_id, level, text in items:
            result: dict[str, Any] = {
                "ruleId": rule_id, "ruleIndex": index[rule_id], "level": LEVELS[level],
                "message": {"text": _message(row, text)},
                "partialFingerprints": {"dependencyRisk/v1": _fingerprint(rule_id, row)},
                "properties": {"package": row["package"], "ecosystem": row["ecosystem"], "risk": level,
                               "direct": row["direct"], "repository": row["repo"]},
            }
            locations = _locations(row)
            if locations:
                result["locations"] = locations
            if row.get("accepted"):
                result["suppressions"] = [{"kind": "external", "status": "accepted",
                                           "justification": f"accepted until {row['accepted']['until']}:"
                                                            f" {row['accepted']['reason']}"}]
            results.append(result)
    artifacts = [{"location": {"uri": _uri(f["file"])}} for f in report.files
                 if f["file"] and not f["file"].startswith(("pasted", "upload:"))]
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "tracker deps", "semanticVersion": __version__, "version": __version__,
                            "rules": rules}},
        "results": results,
        "columnKind": "unicodeCodePoints",
        "properties": {"summary": {k: report.summary[k] for k in ("dependencies", "risk", "unsupported")},
                       "unread": report.unread},
    }
    if artifacts:
        run["artifacts"] = artifacts
    run["invocations"] = [{"executionSuccessful": not report.unread,
                           "toolExecutionNotifications": [{"level": "error", "message": {"text": u}}
                                                          for u in report.unread[:50]]}]
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def render(report: DepsReport) -> str:
    return json.dumps(jsonable(to_sarif(report)), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
