"""What scoring reads: every metric of a project plus a few figures counted from git for scoring
alone (human-only activity, people leaving, governance files). Read-only; never the network."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tracker import metrics
from tracker.store import Store

DAYS_90, DAYS_365 = 90, 365
WEEKS_IN_SERIES = 52

# Figures added to the metrics dict (documented in docs/methodology.md, "Scores").
EXTRA_NAMES = [
    "last_human_commit_days",
    "human_commits_90d",
    "human_commits_365d",
    "human_active_weeks_52",
    "active_contributors_prev_365d",
    "leaving_contributors_365d",
    "project_age_days",
    "repo_files",
]


def git_extras(store: Store, project_id: int, now: datetime) -> dict[str, Any]:
    """Human-only activity and contributor turnover from `git_commits`, governance files from
    `repo_files`. All None when git was never collected for the project."""
    repo = store.one("SELECT is_empty FROM git_repos WHERE project_id = ?", [project_id])
    if repo is None:
        return dict.fromkeys(EXTRA_NAMES)
    d90, d365, d730 = (now - timedelta(days=d) for d in (DAYS_90, DAYS_365, 2 * DAYS_365))
    this_monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    series_start = this_monday - timedelta(weeks=WEEKS_IN_SERIES - 1)
    row = store.one(
        "SELECT max(committer_at), min(committer_at),"
        " count(*) FILTER (WHERE committer_at > ?), count(*) FILTER (WHERE committer_at > ?),"
        " count(DISTINCT date_trunc('week', committer_at)) FILTER (WHERE committer_at >= ?),"
        " count(DISTINCT author_key) FILTER (WHERE committer_at > ? AND committer_at <= ?)"
        " FROM git_commits WHERE project_id = ? AND NOT is_bot AND NOT date_suspect AND committer_at <= ?",
        [d90, d365, series_start, d730, d365, project_id, now],
    )
    last, first, c90, c365, weeks, prev = row
    # People with commits in the 12 months before the last 12, and none since.
    leaving = store.scalar(
        "SELECT count(*) FROM (SELECT author_key FROM git_commits WHERE project_id = ? AND NOT is_bot"
        " AND NOT date_suspect AND committer_at > ? AND committer_at <= ? GROUP BY author_key"
        " HAVING max(committer_at) <= ?)",
        [project_id, d730, now, d365],
    )
    files = sorted(
        {r[0] for r in store.all("SELECT DISTINCT kind FROM repo_files WHERE project_id = ?", [project_id])}
    )
    first_any = store.scalar(  # bots included: a project's age starts with its first commit
        "SELECT min(committer_at) FROM git_commits WHERE project_id = ? AND NOT date_suspect"
        " AND committer_at <= ?",
        [project_id, now],
    )
    return {
        "last_human_commit_days": (now - last).days if last is not None else None,
        "human_commits_90d": c90,
        "human_commits_365d": c365,
        "human_active_weeks_52": weeks,
        "active_contributors_prev_365d": prev,
        "leaving_contributors_365d": leaving,
        "project_age_days": (now - (first_any or first)).days if (first_any or first) else None,
        "repo_files": None if repo[0] else files,
    }


def gather(store: Store, project_id: int, now: datetime) -> dict[str, Any]:
    """The metrics dict of `tracker.metrics.compute_all` plus EXTRA_NAMES."""
    values = metrics.compute_all(store, project_id, now)
    extras = git_extras(store, project_id, now)
    for name, value in extras.items():
        if values.get(name) is None:
            values[name] = value
    return values
