"""The dependency risk report: one row per dependency (merged across the files given) with its
repository, health, risk level and flags, truck factor, last release, funding and why; a summary;
and the CI gate. Shared by `tracker deps` and the app's Dependencies page.

Scores, "has funding" and release dates are read through the read model (tracker.readmodel: the
latest `scores` row of each project, written by `tracker score`); this module never computes a
score and never calls the network itself (mapping may ask PyPI).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tracker import readmodel
from tracker.config import Config
from tracker.deps import accepted as accepted_mod
from tracker.deps.mapping import Mapped, map_packages
from tracker.deps.model import Dependency, ParseResult
from tracker.report import iso
from tracker.store import Store
from tracker.userfiles import redact_secrets

LEVELS = ("low", "medium", "high", "critical")
RANK = {level: i for i, level in enumerate(LEVELS, 1)}
IMPORTANT_CRITICALITY = 0.5   # OpenSSF criticality at or above this counts as "important"
RISKIEST = 5
COLUMNS = ["package", "version", "direct", "repo", "health", "risk", "flags", "truck_factor",
           "last_release", "funding", "why"]


@dataclass
class DepsReport:
    as_of: datetime
    files: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    summary: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    unsupported: list[dict[str, Any]] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)   # inputs that could not be read: the report is incomplete

    def as_dict(self) -> dict[str, Any]:
        return {"as_of": iso(self.as_of), "files": self.files, "summary": self.summary,
                "dependencies": self.rows, "unsupported": self.unsupported, "unread": self.unread,
                "warnings": self.warnings}

    def failing(self, level: str) -> list[dict[str, Any]]:
        """Rows at or above `level` that are not accepted (the CI gate)."""
        return [r for r in self.rows
                if r["risk"] in RANK and RANK[r["risk"]] >= RANK[level] and not r["accepted"]]


def merge(results: list[ParseResult]) -> list[dict[str, Any]]:
    """One entry per dependency across all files: versions, groups and places united;
    direct if any file says direct, transitive if files only say transitive."""
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for result in results:
        for dep in result.dependencies:
            entry = merged.get((dep.ecosystem, dep.key))
            if entry is None:
                entry = merged[(dep.ecosystem, dep.key)] = {
                    "dep": dep, "versions": [], "specifiers": [], "groups": [], "places": [],
                    "direct": set(), "repo": None}
            for target, value in (("versions", dep.version), ("specifiers", dep.specifier)):
                if value and value not in entry[target]:
                    entry[target].append(value)
            entry["groups"] += [g for g in dep.groups if g not in entry["groups"]]
            place = f"{dep.file}:{dep.line}" if dep.line else dep.file
            if place not in entry["places"]:          # one file reached from two named files
                entry["places"].append(place)
            entry["direct"].add(dep.direct)
            entry["repo"] = entry["repo"] or dep.repo
    return list(merged.values())


def _direct(values: set[bool | None]) -> bool | None:
    if True in values:
        return True
    if False in values:
        return False
    return None


def latest_scores(store: Store | None, slugs: list[str]) -> tuple[dict[str, dict[str, Any]], set[str]]:
    """(latest scores row by lower-case slug, lower-case slugs tracked) for the given repositories."""
    if store is None or not slugs:
        return {}, set()
    return readmodel.scores_by_slug(store, slugs)


def last_releases(store: Store | None, packages: list[str]) -> dict[str, datetime]:
    """Latest non-yanked upload per PyPI package, from the PyPI cache (when collected)."""
    if store is None or not packages:
        return {}
    return readmodel.package_last_uploads(store, packages)


def funding_summary(metrics: dict[str, Any]) -> tuple[str, bool | None]:
    """A short text (money received, and whether the project asks for funding) and has-funding
    (money received: True / False / None for unknown), by the read model's one rule."""
    status = readmodel.funding_status(metrics)
    return status.text(), {"yes": True, "no": False}.get(status.has_funding)


def _last_release(score: dict[str, Any] | None, pypi_upload: datetime | None) -> datetime | None:
    if pypi_upload is not None:
        return pypi_upload
    if not score:
        return None
    metrics = score.get("metrics") or {}
    for name in ("days_since_last_release", "days_since_last_pypi_release", "days_since_last_tag"):
        days = metrics.get(name)
        if isinstance(days, int | float):
            return score["computed_at"] - timedelta(days=days)
    return None


def _why(row: dict[str, Any], score: dict[str, Any] | None, mapped: Mapped) -> str:
    if row["repo"] is None:
        return f"no repository known: {mapped.note or 'not mapped'}; add it to an --overrides file"
    if not row["tracked"]:
        return "not tracked yet: rerun with --track, then tracker collect && tracker score"
    if score is None:
        return "tracked but not scored yet: run tracker collect && tracker score"
    reasons = [f"{f.get('name')}: {f.get('evidence')}" if f.get("evidence") else str(f.get("name"))
               for f in score.get("flags") or [] if isinstance(f, dict)]
    if not reasons:
        subs = [(v.get("score"), name, v.get("reason")) for name, v in (score.get("subscores") or {}).items()
                if isinstance(v, dict) and isinstance(v.get("score"), int | float)]
        if subs:
            _, name, reason = min(subs)
            reasons.append(f"weakest: {name} ({reason})" if reason else f"weakest: {name}")
    if score.get("maturity"):
        reasons.append(f"maturity: {score['maturity']}")
    if score.get("coverage") is not None and score["coverage"] < 0.5:
        reasons.append(f"only {score['coverage']:.0%} of the health inputs are known")
    return "; ".join(reasons) or f"health {score.get('health')}"


def build(store: Store | None, config: Config, results: list[ParseResult], now: datetime, *,
          overrides: dict[str, str | None] | None = None,
          accepted: list[accepted_mod.Accepted] | None = None, offline: bool = False,
          pypi_client=None, progress=None) -> DepsReport:
    """Merge, map, look up scores and build the report (no writes besides the PyPI cache)."""
    # a file reached from two named files warns once; anything that looks like a secret is redacted
    warnings = list(dict.fromkeys(redact_secrets(str(w)) for r in results for w in r.warnings))
    unread = list(dict.fromkeys(redact_secrets(str(w)) for r in results for w in r.unread))
    entries = merge(results)
    mapping = map_packages(store, config, [(e["dep"].ecosystem, e["dep"].key, e["repo"]) for e in entries],
                           overrides or {}, offline, warnings.append, pypi_client, progress)
    repos = sorted({m.repo for m in mapping.values() if m.repo})
    scores, tracked = latest_scores(store, repos)
    releases = last_releases(store, [e["dep"].key for e in entries if e["dep"].ecosystem == "pypi"])
    today = now.date()
    accepted = accepted or []
    used: set[int] = set()
    rows = []
    for e in entries:
        dep: Dependency = e["dep"]
        mapped = mapping[dep.key]
        slug_key = mapped.repo.lower() if mapped.repo else None
        score = scores.get(slug_key) if slug_key else None
        metrics = (score or {}).get("metrics") or {}
        funding, funded = funding_summary(metrics) if score else (None, None)
        flags = [f.get("name") for f in (score or {}).get("flags") or [] if isinstance(f, dict)]
        release = _last_release(score, releases.get(dep.key) if dep.ecosystem == "pypi" else None)
        row: dict[str, Any] = {
            "package": dep.name, "ecosystem": dep.ecosystem,
            "version": ", ".join(e["versions"]) or None,
            "specifier": ", ".join(e["specifiers"]) or None,
            "direct": _direct(e["direct"]), "groups": e["groups"], "found_in": e["places"],
            "repo": mapped.repo, "mapped_by": mapped.by,
            "tracked": slug_key in tracked if slug_key else False,
            "health": round(score["health"], 1) if score and score.get("health") is not None else None,
            "coverage": score.get("coverage") if score else None,
            "risk": score.get("risk_level") if score else None,
            "flags": flags, "truck_factor": score.get("truck_factor") if score else None,
            "criticality": score.get("criticality") if score else None,
            "maturity": score.get("maturity") if score else None,
            "last_release": iso(release.date()) if release else None,
            "days_since_last_release": (now - release).days if release else None,
            "funding": funding, "funded": funded,
            "funding_need": score.get("funding_need") if score else None,
            "scored_at": iso(score["computed_at"]) if score else None,
            "accepted": None, "accepted_note": None,
        }
        row["why"] = _why(row, score, mapped)
        entry = accepted_mod.match(accepted, dep.key if dep.ecosystem == "pypi" else "", mapped.repo)
        if entry is not None:
            used.add(entry.entry)
            if entry.expired(today):
                row["accepted_note"] = f"accepted risk expired on {entry.until.isoformat()} ({entry.reason})"
                warnings.append(f"accepted risk for {entry.label()} expired on {entry.until.isoformat()}:"
                                " it counts again (renew or remove the entry in the ignore file)")
            else:
                row["accepted"] = {"reason": entry.reason, "until": entry.until.isoformat()}
                row["accepted_note"] = f"accepted until {entry.until.isoformat()}: {entry.reason}"
        rows.append(row)
    for entry in accepted:
        if entry.entry not in used:
            warnings.append(f"ignore file entry {entry.entry} ({entry.label()}) matches no dependency")
    rows.sort(key=_order)
    unsupported = [{"file": u.file, "kind": u.kind, "name": redact_secrets(u.name), "version": u.version,
                    "reference": redact_secrets(u.reference) if u.reference else u.reference,
                    "reason": redact_secrets(u.reason)} for r in results for u in r.unsupported]
    files = [{"file": r.file, "format": r.format, "dependencies": len(r.dependencies),
              "unsupported": len(r.unsupported), "warnings": len(r.warnings), "unread": len(r.unread)}
             for r in results]
    summary = summarise(rows, unsupported)
    summary["unread"] = len(unread)
    return DepsReport(now, files, rows, summary, warnings, unsupported, unread)


def _order(row: dict[str, Any]) -> tuple:
    health = row["health"]
    return (-RANK.get(row["risk"] or "", 0), health if health is not None else 101,
            -(row["criticality"] or 0), row["package"].lower())


def is_important(row: dict[str, Any]) -> bool:
    return row["criticality"] is not None and row["criticality"] >= IMPORTANT_CRITICALITY


def summarise(rows: list[dict[str, Any]], unsupported: list[dict[str, Any]]) -> dict[str, Any]:
    by_level = {level: sum(r["risk"] == level for r in rows) for level in reversed(LEVELS)}
    scored = [r for r in rows if r["risk"] in RANK]
    riskiest = [r for r in scored if RANK[r["risk"]] >= RANK["medium"]][:RISKIEST]
    kinds: dict[str, int] = {}
    for u in unsupported:
        kinds[u["kind"]] = kinds.get(u["kind"], 0) + 1
    return {
        "dependencies": len(rows),
        "direct": sum(r["direct"] is True for r in rows),
        "transitive": sum(r["direct"] is False for r in rows),
        "risk": {**by_level, "unknown": len(rows) - len(scored)},
        "critical_or_high": by_level["critical"] + by_level["high"],
        "riskiest": [{"package": r["package"], "repo": r["repo"], "risk": r["risk"], "health": r["health"]}
                     for r in riskiest],
        "one_person": [{"package": r["package"], "repo": r["repo"]} for r in rows if r["truck_factor"] == 1],
        "unfunded_important": [{"package": r["package"], "repo": r["repo"], "criticality": r["criticality"]}
                               for r in rows if is_important(r) and r["funded"] is False],
        "not_mapped": sum(r["repo"] is None for r in rows),
        "not_tracked": sorted({r["repo"] for r in rows if r["repo"] and not r["tracked"]}),
        "not_scored": sum(r["repo"] is not None and r["tracked"] and r["risk"] is None for r in rows),
        "accepted": sum(r["accepted"] is not None for r in rows),
        "unsupported": kinds,
    }
