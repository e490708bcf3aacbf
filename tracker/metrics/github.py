"""GitHub metrics: popularity, responsiveness, closure ratios, release cadence, organisations,
Sponsors, and the OpenSSF criticality-score signals, from the `github_*` tables.

Windows end at `now`. Issues and pull requests opened by bots are left out of responsiveness and
closure ratios. A project never collected from GitHub gets None everywhere; a value that needs data
GitHub did not give (no token: no GraphQL) is None, never 0. See docs/methodology.md.
"""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta
from typing import Any

from tracker.store import Store

NAMES = [
    "stars",
    "forks",
    "open_issues",
    "open_prs",
    "archived",
    "median_time_to_first_response_hours_90d_issues",
    "median_time_to_first_response_hours_90d_prs",
    "change_request_closure_ratio_90d",
    "issue_closure_ratio_90d",
    "median_open_issue_age_days",
    "releases_365d",
    "days_since_last_release",
    "median_release_interval_days",
    "org_count",
    "has_sponsors_listing",
    "sponsors_count",
    # OpenSSF criticality_score signals (original Pike algorithm inputs)
    "created_since_months",
    "updated_since_months",
    "contributor_count",
    "commit_frequency_weekly",
    "recent_releases_count",
    "closed_issues_count_90d",
    "updated_issues_count_90d",
    "comment_frequency_90d",
    "dependents_count",
]

DAYS_PER_MONTH = 30.44


def _months(now: datetime, then: datetime | None) -> int | None:
    return None if then is None else max(0, int((now - then).days / DAYS_PER_MONTH))


def _median_hours(store: Store, project_id: int, kind: str, start: datetime, now: datetime) -> float | None:
    rows = store.all(
        "SELECT epoch(first_response_at - created_at) / 3600.0 FROM github_issues"
        " WHERE project_id = ? AND kind = ? AND created_at > ? AND created_at <= ?"
        " AND NOT coalesce(author_is_bot, false) AND first_response_at IS NOT NULL",
        [project_id, kind, start, now])
    values = [max(0.0, r[0]) for r in rows]
    return round(statistics.median(values), 2) if values else None


def _closure_ratio(store: Store, project_id: int, kind: str, start: datetime, now: datetime) -> float | None:
    opened, closed = store.one(
        "SELECT count(*) FILTER (WHERE created_at > ? AND created_at <= ?),"
        " count(*) FILTER (WHERE closed_at > ? AND closed_at <= ?)"
        " FROM github_issues WHERE project_id = ? AND kind = ? AND NOT coalesce(author_is_bot, false)",
        [start, now, start, now, project_id, kind])
    return round(closed / opened, 3) if opened else None


def _org_count(store: Store, project_id: int) -> int | None:
    """Distinct employers ('company', as criticality_score reads it) of the top contributors."""
    rows = store.all("SELECT company, organizations FROM github_contributors"
                     " WHERE project_id = ? AND kind = 'User'", [project_id])
    if not rows or all(r[0] is None and r[1] is None for r in rows):
        return None  # never looked up (no token): unknown
    names = set()
    for company, _orgs in rows:
        if company:
            key = " ".join(company.lower().lstrip("@").replace(",", " ").split())
            for suffix in (" inc.", " inc", " llc", " ltd.", " ltd", " gmbh", " corp.", " corp", " corporation"):
                key = key.removesuffix(suffix)
            if key:
                names.add(key)
    return len(names)


def compute(store: Store, project_id: int, now: datetime, known: dict[str, Any] | None = None) -> dict[str, Any]:
    snap = store.dicts("SELECT * FROM github_repo_snapshots WHERE project_id = ? AND collected_at <= ?"
                       " ORDER BY collected_at DESC LIMIT 1", [project_id, now])
    if not snap:
        return {}
    s = snap[0]
    known = known or {}
    d90, d365 = now - timedelta(days=90), now - timedelta(days=365)
    m: dict[str, Any] = {
        "stars": s["stars"], "forks": s["forks"], "open_issues": s["open_issues"], "open_prs": s["open_prs"],
        "archived": s["archived"],
    }
    m["median_time_to_first_response_hours_90d_issues"] = _median_hours(store, project_id, "issue", d90, now)
    m["median_time_to_first_response_hours_90d_prs"] = _median_hours(store, project_id, "pr", d90, now)
    m["change_request_closure_ratio_90d"] = _closure_ratio(store, project_id, "pr", d90, now)
    m["issue_closure_ratio_90d"] = _closure_ratio(store, project_id, "issue", d90, now)

    ages = [r[0] for r in store.all(
        "SELECT epoch(? - created_at) / 86400.0 FROM github_issues WHERE project_id = ? AND kind = 'issue'"
        " AND state = 'open' AND created_at <= ? AND NOT coalesce(author_is_bot, false)",
        [now, project_id, now])]
    m["median_open_issue_age_days"] = round(statistics.median(ages), 1) if ages else None

    releases = [r[0] for r in store.all(
        "SELECT coalesce(published_at, created_at) AS released FROM github_releases WHERE project_id = ?"
        " AND NOT prerelease AND coalesce(published_at, created_at) <= ? ORDER BY released", [project_id, now])]
    # Releases and issues are read on every successful collection: counts are known (0 is real).
    collected = store.one("SELECT status FROM github_state WHERE project_id = ?", [project_id]) is not None
    m["releases_365d"] = sum(1 for r in releases if r > d365) if collected else None
    m["days_since_last_release"] = (now - releases[-1]).days if releases else None
    gaps = [(b - a).total_seconds() / 86400 for a, b in zip(releases, releases[1:], strict=False)]
    m["median_release_interval_days"] = round(statistics.median(gaps), 2) if gaps else None
    m["org_count"] = _org_count(store, project_id)

    sp = store.one("SELECT has_sponsors_listing, sponsors_count FROM github_sponsors WHERE project_id = ?"
                   " AND collected_at <= ? ORDER BY collected_at DESC LIMIT 1", [project_id, now])
    m["has_sponsors_listing"] = sp[0] if sp else None
    m["sponsors_count"] = sp[1] if sp else None

    # criticality_score signals
    m["created_since_months"] = _months(now, s["created_at"])
    last_change = known.get("last_commit_at")
    if isinstance(last_change, str):
        last_change = datetime.fromisoformat(last_change.rstrip("Z"))
    m["updated_since_months"] = _months(now, last_change or s["pushed_at"])
    m["contributor_count"] = s["contributors_count"]
    commits = s["commits_365d"] if s["commits_365d"] is not None else known.get("commits_365d")
    m["commit_frequency_weekly"] = round(commits / 52, 2) if commits is not None else None
    m["recent_releases_count"] = m["releases_365d"]
    counts = store.one(
        "SELECT count(*) FILTER (WHERE closed_at > ? AND closed_at <= ?),"
        " count(*) FILTER (WHERE updated_at > ? AND updated_at <= ?),"
        " avg(comments) FILTER (WHERE updated_at > ? AND updated_at <= ?)"
        " FROM github_issues WHERE project_id = ? AND kind = 'issue'",
        [d90, now, d90, now, d90, now, project_id])
    m["closed_issues_count_90d"] = counts[0] if collected else None
    m["updated_issues_count_90d"] = counts[1] if collected else None
    m["comment_frequency_90d"] = round(counts[2], 2) if counts[2] is not None else None
    m["dependents_count"] = known.get("dependents_count")
    return m

