"""Funding impact: a project's activity in the N months before and after each dated grant.

For every grant linked to a tracked project whose award date is known to the month or day, two
windows are compared: [award - N months, award) and [award, award + N months), the latter cut at
`now` when it has not ended yet. Activity is counted per month so a partial "after" window
compares fairly: commits and active contributors (git, bots excluded), release tags (git),
PyPI releases (non-yanked), and the median time to first response on issues when the GitHub
collector stores it. This is correlation, not causation: grants go to projects already changing,
and releases, hiring and the calendar move activity too.
"""

from __future__ import annotations

import statistics
from calendar import monthrange
from datetime import date, datetime
from typing import Any

from tracker.packages import normalise
from tracker.store import Store

CAVEAT = ("Correlation, not causation: activity around a grant also reflects the project's own "
          "trajectory, other funding, releases and the season; compare with care.")
METRICS = ("commits_per_month", "active_contributors", "release_tags_per_month", "pypi_releases_per_month",
           "median_first_response_hours")


def add_months(d: date, n: int) -> date:
    month = d.month - 1 + n
    year = d.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(d.day, monthrange(year, month)[1]))


def _ts(d: date) -> datetime:
    return datetime(d.year, d.month, d.day)


def window_activity(store: Store, project_id: int, lo: date, hi: date, package: str | None,
                    has_git: bool, has_responses: bool) -> dict[str, Any]:
    """Activity of one project in [lo, hi): totals, not yet per month."""
    a: dict[str, Any] = dict.fromkeys(METRICS)
    lo_ts, hi_ts = _ts(lo), _ts(hi)
    if has_git:
        commits, people = store.one(
            "SELECT count(*), count(DISTINCT author_key) FROM git_commits WHERE project_id = ? AND NOT is_bot"
            " AND NOT date_suspect AND committer_at >= ? AND committer_at < ?", [project_id, lo_ts, hi_ts])
        a["commits_per_month"] = commits
        a["active_contributors"] = people
        a["release_tags_per_month"] = store.scalar(
            "SELECT count(*) FROM git_tags WHERE project_id = ? AND is_release AND tagged_at >= ? AND tagged_at < ?",
            [project_id, lo_ts, hi_ts])
    if package:
        a["pypi_releases_per_month"] = store.scalar(
            "SELECT count(*) FROM pypi_releases WHERE package = ? AND NOT yanked AND uploaded_at >= ?"
            " AND uploaded_at < ?", [package, lo_ts, hi_ts])
    if has_responses:
        hours = [r[0] for r in store.all(
            "SELECT date_diff('second', created_at, first_response_at) / 3600.0 FROM github_issues"
            " WHERE project_id = ? AND created_at >= ? AND created_at < ? AND first_response_at IS NOT NULL",
            [project_id, lo_ts, hi_ts])]
        a["median_first_response_hours"] = round(statistics.median(hours), 1) if hours else None
    return a


def grant_impact(store: Store, grant: dict[str, Any], now: datetime, months: int) -> dict[str, Any]:
    """Before/after comparison for one linked grant (see the module docstring)."""
    project_id = grant["project_id"]
    start = grant["awarded_on"]
    out: dict[str, Any] = {"project": grant["slug"], "funder": grant["funder"], "program": grant["program"],
                           "awarded_on": start.isoformat()[: 7 if grant["awarded_precision"] == "month" else 10],
                           "window_months": months, "after_months_observed": None, "note": None, "metrics": {}}
    today = now.date()
    if start > today:
        out["note"] = "awarded in the future"
        return out
    after_end = min(add_months(start, months), today)
    observed = round((after_end - start).days / 30.44, 1)
    out["after_months_observed"] = observed
    if observed < 1:
        out["note"] = "too recent: less than a month after the award"
        return out
    has_git = bool(store.scalar("SELECT count(*) FROM git_repos WHERE project_id = ?", [project_id]))
    package = None
    pkg = store.scalar("SELECT pypi_package FROM projects WHERE id = ?", [project_id])
    if pkg:
        norm = normalise(pkg)
        if store.scalar("SELECT status FROM pypi_packages WHERE package = ?", [norm]) == "ok":
            package = norm
    has_responses = True  # the migrations guarantee github_issues; no responses collected reads as unknown
    before_start = add_months(start, -months)
    before = window_activity(store, project_id, before_start, start, package, has_git, has_responses)
    after = window_activity(store, project_id, start, after_end, package, has_git, has_responses)
    notes = []
    if has_git:
        first = store.scalar("SELECT min(committer_at) FROM git_commits WHERE project_id = ? AND NOT date_suspect",
                             [project_id])
        if first is not None and first.date() > before_start:
            notes.append("history starts inside the 'before' window")
    else:
        notes.append("no git data: collect the git source")
    if observed < months:
        notes.append(f"'after' window still open ({observed} of {months} months)")
    for name in METRICS:
        b, a = before[name], after[name]
        if name.endswith("_per_month") and b is not None and a is not None:
            b, a = round(b / months, 2), round(a / observed, 2)
        change = None
        if b is not None and a is not None and b > 0:
            change = round((a - b) / b * 100, 1)
        out["metrics"][name] = {"before": b, "after": a, "change_pct": change}
    out["note"] = "; ".join(notes) or None
    return out


def impact(store: Store, now: datetime, months: int = 12, project_id: int | None = None) -> list[dict[str, Any]]:
    """Before/after comparisons for every dated grant linked to a tracked project (or one project)."""
    where, params = "", []
    if project_id is not None:
        where, params = " AND p.id = ?", [project_id]
    grants = store.dicts(
        "SELECT g.*, p.id AS project_id, p.slug FROM grants g JOIN projects p ON p.slug_key = g.recipient_repo_key"
        " WHERE NOT g.repo_uncertain AND g.awarded_on IS NOT NULL AND g.awarded_precision IN ('day', 'month')"
        + where + " ORDER BY p.slug_key, g.awarded_on, g.id", params)
    return [grant_impact(store, g, now, months) for g in grants]


def undated(store: Store, project_id: int | None = None) -> int:
    """Linked grants left out because their date is unknown or known only to the year."""
    where, params = "", []
    if project_id is not None:
        where, params = " AND p.id = ?", [project_id]
    return store.scalar(
        "SELECT count(*) FROM grants g JOIN projects p ON p.slug_key = g.recipient_repo_key WHERE NOT g.repo_uncertain"
        " AND (g.awarded_on IS NULL OR g.awarded_precision = 'year')" + where, params)
