"""The dependency risk report: one row per dependency (merged across the files given) with its
repository, package-index signals (tracker.deps.signals: deprecated, yanked, no recent release,
far behind, ...), the project's health and risk when its repository is tracked and scored,
truck factor, last release, funding, who pulls it in, and why; a summary; and the CI gate.
Shared by `tracker deps` and the app's Dependencies page.

A row's `risk` is the higher of its index risk (from the package index, at once) and its project
risk (the latest `scores` row of its repository, read through the read model), so a deprecated
package of a healthy project, and a live package of an abandoned one, both show. Scores, "has
funding" and release dates are read through tracker.readmodel; this module never computes a
project score and never writes. Index lookups go through tracker.deps.lookup (the index cache).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tracker import display, readmodel
from tracker.config import Config
from tracker.deps import accepted as accepted_mod
from tracker.deps import graph as graph_mod
from tracker.deps import thresholds as thresholds_mod
from tracker.deps.lookup import IndexLookup
from tracker.deps.mapping import Mapped, map_packages, override_key
from tracker.deps.model import Dependency, ParseResult
from tracker.deps.names import valid_name
from tracker.deps.npm import valid_name as valid_npm_name
from tracker.deps.signals import Assessment, assess
from tracker.report import iso
from tracker.store import Store
from tracker.userfiles import redact_secrets

LEVELS = ("low", "medium", "high", "critical")
RANK = {level: i for i, level in enumerate(LEVELS, 1)}
IMPORTANT_CRITICALITY = 0.5   # OpenSSF criticality at or above this counts as "important"
RISKIEST = 5
COLUMNS = ["package", "version", "direct", "risk", "evidence", "repo", "health", "truck_factor", "last_release",
           "funding"]
INDEX = {"pypi": "PyPI", "npm": "npm"}


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

    def failing(self, level: str, unknown: bool = False) -> list[dict[str, Any]]:
        """Rows at or above `level` that are not accepted (the CI gate). A row whose risk is unknown
        (insufficient data, not scored, not tracked, not mapped) is not "low": it fails only when
        `unknown` is asked for (--fail-on-unknown); the report counts it either way."""
        return [r for r in self.rows if not r["accepted"] and (
            RANK[r["risk"]] >= RANK[level] if r["risk"] in RANK else unknown)]

    def unknown(self) -> list[dict[str, Any]]:
        """Rows whose risk is unknown and not accepted: what --fail-on-unknown fails on."""
        return [r for r in self.rows if r["risk"] not in RANK and not r["accepted"]]


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
                    "direct": set(), "repo": None, "where": []}
            for target, value in (("versions", dep.version), ("specifiers", dep.specifier)):
                if value and value not in entry[target]:
                    entry[target].append(value)
            entry["groups"] += [g for g in dep.groups if g not in entry["groups"]]
            place = f"{dep.file}:{dep.line}" if dep.line else dep.file
            if place not in entry["places"]:          # one file reached from two named files
                entry["places"].append(place)
                entry["where"].append((dep.file, dep.line))
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
    """Latest non-yanked upload per PyPI package, from the collected releases of tracked projects."""
    if store is None or not packages:
        return {}
    return readmodel.package_last_uploads(store, packages)


def funding_summary(metrics: dict[str, Any]) -> tuple[str, bool | None]:
    """A short text (money received, and whether the project asks for funding) and has-funding
    (money received: True / False / None for unknown), by the read model's one rule."""
    status = readmodel.funding_status(metrics)
    return status.text(), {"yes": True, "no": False}.get(status.has_funding)


def _score_release(score: dict[str, Any] | None) -> datetime | None:
    if not score:
        return None
    metrics = score.get("metrics") or {}
    for name in ("days_since_last_release", "days_since_last_pypi_release", "days_since_last_tag"):
        days = metrics.get(name)
        if isinstance(days, int | float):
            return score["computed_at"] - timedelta(days=days)
    return None


def _project_reasons(score: dict[str, Any]) -> list[str]:
    reasons = [f"{f.get('name')}: {f.get('evidence')}" if f.get("evidence") else str(f.get("name"))
               for f in score.get("flags") or [] if isinstance(f, dict)]
    if score.get("health") is None and score.get("health_reason"):  # risk unknown: say why first
        reasons.insert(0, str(score["health_reason"]))
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
    return reasons


def _ago(days: int | None) -> str:
    if days is None:
        return "unknown"
    if days >= 730:
        return f"{days / 365.25:.1f} years ago"
    if days >= 60:
        return f"{days / 30.44:.0f} months ago"
    return "today" if days == 0 else "yesterday" if days == 1 else f"{days} days ago"


def _quiet(row: dict[str, Any]) -> str:
    """What the index says of a package with no warning sign: its last release and rhythm."""
    facts = [f"last release {_ago(row['days_since_last_release'])}" if row["days_since_last_release"]
             is not None else None,
             f"{row['releases_12m']} {'release' if row['releases_12m'] == 1 else 'releases'} in 12 months"
             if row["releases_12m"] is not None else None]
    shown = ", ".join(f for f in facts if f)
    return f"no warning sign on {INDEX[row['ecosystem']]}" + (f": {shown}" if shown else "")


def _why(row: dict[str, Any], score: dict[str, Any] | None, mapped: Mapped, found: Assessment) -> str:
    """The row's reasons in one line: index findings, the project's flags, then what to do next."""
    parts = [f.evidence for f in found.findings if f.level != "none"][:3]
    if score is not None:
        parts += _project_reasons(score) or [f"health {display.health(score.get('health'), score.get('coverage'))}"]
    elif row["index_status"] == "found" and not parts:
        parts.append(_quiet(row))
    elif row["index_status"] == "not_found":
        parts.append(f"not on {INDEX.get(row['ecosystem'], 'the index')}")
    if row["repo"] is None:
        parts.append(f"no repository known: {mapped.note or 'not mapped'}; add it to an --overrides file")
    elif not row["tracked"]:
        parts.append("project not tracked yet: --track (or the app's track all), then collect and score"
                     " for its full health")
    elif score is None:
        parts.append("tracked but not scored yet: run tracker collect && tracker score")
    return "; ".join(p for p in parts if p)


def _main_reason(row: dict[str, Any], score: dict[str, Any] | None, mapped: Mapped, found: Assessment) -> str:
    """The one reason to show first: what sets the row's risk (an index finding or a project
    flag), else what the index says, else why nothing is known."""
    index_reasons = [f.evidence for f in found.findings if f.level != "none"]
    project_reasons = _project_reasons(score) if score else []
    if row["risk_basis"] == "project" and project_reasons:
        return project_reasons[0]
    if index_reasons:
        return index_reasons[0]
    if project_reasons:
        return project_reasons[0]
    if row["index_status"] == "found":
        return _quiet(row)
    if row["index_status"] == "not_found":
        return f"not on {INDEX.get(row['ecosystem'], 'the index')}"
    if row["repo"] is None:
        return f"no repository known: {mapped.note or 'not mapped'}"
    return "no index data; " + ("not tracked yet" if not row["tracked"] else "not scored yet")


def _risk(index_risk: str | None, project_risk: str | None) -> tuple[str | None, str | None]:
    """(the row's risk: the higher of the two, the basis: index / project / index and project)."""
    known = [(RANK[r], r, who) for r, who in ((index_risk, "index"), (project_risk, "project")) if r in RANK]
    if not known:
        return None, None
    top = max(k[0] for k in known)
    basis = " and ".join(who for rank, _, who in known if rank == top)
    return LEVELS[top - 1], basis


def _indexed(entry: dict[str, Any]) -> tuple[str, str] | None:
    dep: Dependency = entry["dep"]
    if dep.ecosystem == "pypi" and valid_name(dep.key):
        return ("pypi", dep.key)
    if dep.ecosystem == "npm" and valid_npm_name(dep.key):
        return ("npm", dep.key)
    return None


def build(store: Store | None, config: Config, results: list[ParseResult], now: datetime, *,
          overrides: dict[str, str | None] | None = None,
          accepted: list[accepted_mod.Accepted] | None = None, offline: bool = False,
          thresholds: thresholds_mod.Thresholds | None = None, lookup: IndexLookup | None = None,
          progress=None) -> DepsReport:
    """Merge, look the packages up on their index (cache first), map, read scores, assess and
    build the report. Writes nothing but the index cache."""
    # a file reached from two named files warns once; anything that looks like a secret is redacted
    warnings = list(dict.fromkeys(redact_secrets(str(w)) for r in results for w in r.warnings))
    unread = list(dict.fromkeys(redact_secrets(str(w)) for r in results for w in r.unread))
    thresholds = thresholds or thresholds_mod.load()
    entries = merge(results)
    own_lookup = lookup is None
    if lookup is None:
        lookup = IndexLookup(config, thresholds, offline=offline, progress=progress)
    lookup.warn = warnings.append
    if lookup.cache.problem:
        warnings.append(lookup.cache.problem)
    try:
        records = lookup.lookup([key for key in (_indexed(e) for e in entries) if key])
    finally:
        if own_lookup:
            lookup.close()
    mapping = map_packages(store, [(e["dep"].ecosystem, e["dep"].key, e["repo"]) for e in entries],
                           overrides or {}, records, offline)
    repos = sorted({m.repo for m in mapping.values() if m.repo})
    scores, tracked = latest_scores(store, repos)
    collected = last_releases(store, [e["dep"].key for e in entries if e["dep"].ecosystem == "pypi"])
    edges, has_graph = graph_mod.united(results)
    direct_nodes = [(e["dep"].ecosystem, e["dep"].key) for e in entries if _direct(e["direct"]) is True]
    paths = graph_mod.paths(edges, direct_nodes) if has_graph else graph_mod.Paths()
    if paths.capped:
        warnings.append("the dependency graph is too large to find every direct dependency behind each package:"
                        " 'pulled in by' names the first one on the shortest path only")
    names = {(e["dep"].ecosystem, e["dep"].key): e["dep"].name for e in entries}
    today = now.date()
    accepted = accepted or []
    used: set[int] = set()
    rows = []
    for e in entries:
        dep: Dependency = e["dep"]
        node = (dep.ecosystem, dep.key)
        mapped = mapping[node]
        record = records.get(node) if _indexed(e) else None
        found = assess(record, e["versions"], now, thresholds)
        facts = found.facts
        slug_key = mapped.repo.lower() if mapped.repo else None
        score = scores.get(slug_key) if slug_key else None
        metrics = (score or {}).get("metrics") or {}
        funding, funded = funding_summary(metrics) if score else (None, None)
        if funding is None and facts.get("funding_links"):
            count = len(facts["funding_links"])
            funding = f"asks for funding: {count} {'link' if count == 1 else 'links'} on {INDEX[dep.ecosystem]}"
        release = None
        if facts.get("last_release"):
            release = datetime.fromisoformat(facts["last_release"])
        elif dep.ecosystem == "pypi" and dep.key in collected:
            release = collected[dep.key]
        else:
            release = _score_release(score)
        index_risk = found.risk
        project_risk = score.get("risk_level") if score else None
        risk, basis = _risk(index_risk, project_risk)
        status = ("unknown" if record is None else "found" if record.found else "not_found") if _indexed(e) \
            else "not applicable"
        row: dict[str, Any] = {
            "package": dep.name, "ecosystem": dep.ecosystem,
            "version": ", ".join(e["versions"]) or None,
            "specifier": ", ".join(e["specifiers"]) or None,
            "direct": _direct(e["direct"]), "groups": e["groups"], "found_in": e["places"],
            "locations": [{"file": f, "line": ln} for f, ln in e["where"]],
            "via": [names.get(n, n[1]) for n in paths.via.get(node, [])],
            "pulled_in_by": [names.get(n, n[1]) for n in paths.pulled_in_by.get(node, [])],
            "repo": mapped.repo, "mapped_by": mapped.by,
            "tracked": slug_key in tracked if slug_key else False,
            "risk": risk, "risk_basis": basis, "index_risk": index_risk, "project_risk": project_risk,
            "index_status": status, "index_source": record.source if record is not None else None,
            "index_coverage": found.coverage if record is not None and record.found else None,
            "findings": [f.as_dict() for f in found.findings],
            "unchecked": [{"signal": s, "why": why} for s, why in found.unchecked],
            "latest": facts.get("latest"), "version_published": facts.get("version_published"),
            "version_age_days": facts.get("version_age_days"), "releases_behind": facts.get("releases_behind"),
            "major_behind": facts.get("major_behind"), "releases_12m": facts.get("releases_12m"),
            "cadence_days": facts.get("cadence_days"), "requires_python": facts.get("requires_python"),
            "funding_links": facts.get("funding_links") or [], "summary_text": facts.get("summary"),
            "health": round(score["health"], 1) if score and score.get("health") is not None else None,
            "coverage": score.get("coverage") if score else None,
            "flags": [f.get("name") for f in (score or {}).get("flags") or [] if isinstance(f, dict)],
            "truck_factor": score.get("truck_factor") if score else None,
            "criticality": score.get("criticality") if score else None,
            "maturity": score.get("maturity") if score else None,
            "last_release": iso(release.date()) if release else None,
            "days_since_last_release": (now - release).days if release else None,
            "funding": funding, "funded": funded,
            "funding_need": score.get("funding_need") if score else None,
            "scored_at": iso(score["computed_at"]) if score else None,
            "accepted": None, "accepted_note": None,
        }
        row["why"] = _why(row, score, mapped, found)
        row["evidence"] = _main_reason(row, score, mapped, found)
        entry = accepted_mod.match(accepted, override_key(dep.ecosystem, dep.key)
                                   if dep.ecosystem in ("pypi", "npm") else "", mapped.repo)
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
              "unsupported": len(r.unsupported), "warnings": len(r.warnings), "unread": len(r.unread),
              "graph": r.graph} for r in results]
    summary = summarise(rows, unsupported)
    summary["unread"] = len(unread)
    summary["index"] = lookup.stats.as_dict()
    summary["thresholds"] = thresholds.version
    return DepsReport(now, files, rows, summary, warnings, unsupported, unread)


def _order(row: dict[str, Any]) -> tuple:
    """Riskiest first; unknown risk (insufficient data, not scored) after every measured level."""
    health = row["health"]
    worst = max((RANK.get(f["level"], 0) for f in row["findings"]), default=0)
    return (-RANK.get(row["risk"] or "", 0), -worst, -len([f for f in row["findings"] if f["level"] != "none"]),
            health if health is not None else 101, -(row["criticality"] or 0), row["package"].lower())


def is_important(row: dict[str, Any]) -> bool:
    return row["criticality"] is not None and row["criticality"] >= IMPORTANT_CRITICALITY


def evidence(row: dict[str, Any]) -> str | None:
    """The row's main reason in a few words (see `_main_reason`)."""
    return row.get("evidence")


def summarise(rows: list[dict[str, Any]], unsupported: list[dict[str, Any]]) -> dict[str, Any]:
    by_level = {level: sum(r["risk"] == level for r in rows) for level in reversed(LEVELS)}
    scored = [r for r in rows if r["risk"] in RANK]
    riskiest = [r for r in scored if RANK[r["risk"]] >= RANK["medium"]][:RISKIEST]
    kinds: dict[str, int] = {}
    for u in unsupported:
        kinds[u["kind"]] = kinds.get(u["kind"], 0) + 1
    ecosystems: dict[str, int] = {}
    for r in rows:
        ecosystems[r["ecosystem"]] = ecosystems.get(r["ecosystem"], 0) + 1
    return {
        "dependencies": len(rows),
        "direct": sum(r["direct"] is True for r in rows),
        "transitive": sum(r["direct"] is False for r in rows),
        "ecosystems": ecosystems,
        "risk": {**by_level, "unknown": len(rows) - len(scored)},
        "critical_or_high": by_level["critical"] + by_level["high"],
        "riskiest": [{"package": r["package"], "ecosystem": r["ecosystem"], "repo": r["repo"], "risk": r["risk"],
                      "health": r["health"], "evidence": evidence(r)} for r in riskiest],
        "index_assessed": sum(r["index_risk"] is not None for r in rows),
        "one_person": [{"package": r["package"], "repo": r["repo"]} for r in rows if r["truck_factor"] == 1],
        "unfunded_important": [{"package": r["package"], "repo": r["repo"], "criticality": r["criticality"]}
                               for r in rows if is_important(r) and r["funded"] is False],
        "not_mapped": sum(r["repo"] is None for r in rows),
        "not_tracked": sorted({r["repo"] for r in rows if r["repo"] and not r["tracked"]}),
        "not_scored": sum(r["repo"] is not None and r["tracked"] and r["project_risk"] is None for r in rows),
        "accepted": sum(r["accepted"] is not None for r in rows),
        "unsupported": kinds,
    }
