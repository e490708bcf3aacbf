"""Git metrics: activity, people, concentration and tag cadence, from `git_commits`/`git_tags`.

Time windows are on the committer date (when a change landed on the default branch, the date
`git log --since` filters on) and end at `now`. Commits flagged `date_suspect` (dated before 1990
or in the future) count in `commits_total` only. Bots are kept apart from people everywhere.
See docs/methodology.md for each definition.
"""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from tracker.identity import email_domain
from tracker.store import Store

NAMES = [
    "commits_total",
    "commits_90d",
    "commits_365d",
    "contributors_total",
    "active_contributors_90d",
    "active_contributors_365d",
    "first_commit_at",
    "last_commit_at",
    "days_since_last_commit",
    "weekly_commits",
    "contributor_absence_factor_365d",
    "elephant_factor_365d",
    "new_contributors_365d",
    "bot_commit_share_365d",
    "tags_total",
    "tags_365d",
    "days_since_last_tag",
    "median_tag_interval_days",
]

WEEKS_IN_SERIES = 52
SHARE_OF_WORK = 0.5  # CHAOSS: the fewest people (or organisations) making 50% of the commits


def fewest_for_share(counts: list[int], share: float = SHARE_OF_WORK) -> int | None:
    """The fewest entries, largest first, whose counts reach `share` of the total (None if empty)."""
    total = sum(counts)
    if total <= 0:
        return None
    running = 0
    for k, c in enumerate(sorted(counts, reverse=True), 1):
        running += c
        if running >= share * total:
            return k
    return len(counts)


def weekly_series(store: Store, project_id: int, now: datetime, weeks: int = WEEKS_IN_SERIES) -> list[dict]:
    """Commits per ISO week (Monday start), oldest first, `weeks` weeks ending with the current one,
    zero-filled."""
    this_monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    start = this_monday - timedelta(weeks=weeks - 1)
    rows = store.all(
        "SELECT date_trunc('week', committer_at) AS wk, count(*) FROM git_commits"
        " WHERE project_id = ? AND NOT date_suspect AND committer_at >= ? AND committer_at <= ?"
        " GROUP BY wk",
        [project_id, start, now],
    )
    counts = {r[0].date(): r[1] for r in rows}
    return [
        {"week": (start + timedelta(weeks=i)).date().isoformat(),
         "commits": counts.get((start + timedelta(weeks=i)).date(), 0)}
        for i in range(weeks)
    ]


def compute(store: Store, project_id: int, now: datetime, known: dict[str, Any] | None = None) -> dict[str, Any]:
    repo = store.one("SELECT is_empty FROM git_repos WHERE project_id = ?", [project_id])
    if repo is None:
        return {}  # never collected: everything unknown
    d90, d365 = now - timedelta(days=90), now - timedelta(days=365)
    valid = "project_id = ? AND NOT date_suspect AND committer_at <= ?"
    m: dict[str, Any] = {}
    (m["commits_total"],) = store.one("SELECT count(*) FROM git_commits WHERE project_id = ?", [project_id])
    row = store.one(
        f"SELECT count(*) FILTER (WHERE committer_at > ?), count(*) FILTER (WHERE committer_at > ?),"
        f" count(DISTINCT author_key) FILTER (WHERE NOT is_bot),"
        f" count(DISTINCT author_key) FILTER (WHERE NOT is_bot AND committer_at > ?),"
        f" count(DISTINCT author_key) FILTER (WHERE NOT is_bot AND committer_at > ?),"
        f" min(committer_at), max(committer_at),"
        f" count(*) FILTER (WHERE committer_at > ? AND is_bot)"
        f" FROM git_commits WHERE {valid}",
        [d90, d365, d90, d365, d365, project_id, now],
    )
    (m["commits_90d"], m["commits_365d"], m["contributors_total"], m["active_contributors_90d"],
     m["active_contributors_365d"], m["first_commit_at"], m["last_commit_at"], bots_365) = row
    last = m["last_commit_at"]
    m["days_since_last_commit"] = (now - last).days if last is not None else None
    m["weekly_commits"] = weekly_series(store, project_id, now)
    m["bot_commit_share_365d"] = round(bots_365 / m["commits_365d"], 4) if m["commits_365d"] else None

    people = store.all(
        f"SELECT author_key, count(*) FROM git_commits WHERE {valid} AND NOT is_bot AND committer_at > ?"
        " GROUP BY author_key",
        [project_id, now, d365],
    )
    m["contributor_absence_factor_365d"] = fewest_for_share([c for _, c in people])

    by_email = store.all(
        f"SELECT author_email, count(*) FROM git_commits WHERE {valid} AND NOT is_bot AND committer_at > ?"
        " GROUP BY author_email",
        [project_id, now, d365],
    )
    domains: Counter[str] = Counter()
    for email, c in by_email:
        dom = email_domain(email)
        if dom:
            domains[dom] += c
    m["elephant_factor_365d"] = fewest_for_share(list(domains.values()))

    m["new_contributors_365d"] = store.scalar(
        f"SELECT count(*) FROM (SELECT author_key, min(committer_at) AS first FROM git_commits"
        f" WHERE {valid} AND NOT is_bot GROUP BY author_key) WHERE first > ?",
        [project_id, now, d365],
    )

    tag_dates = [r[0] for r in store.all(
        "SELECT tagged_at FROM git_tags WHERE project_id = ? AND is_release AND tagged_at IS NOT NULL"
        " AND tagged_at <= ? ORDER BY tagged_at",
        [project_id, now],
    )]
    m["tags_total"] = len(tag_dates)
    m["tags_365d"] = sum(1 for t in tag_dates if t > d365)
    m["days_since_last_tag"] = (now - tag_dates[-1]).days if tag_dates else None
    gaps = [(b - a).total_seconds() / 86400 for a, b in zip(tag_dates, tag_dates[1:], strict=False)]
    m["median_tag_interval_days"] = round(statistics.median(gaps), 2) if gaps else None
    return m
