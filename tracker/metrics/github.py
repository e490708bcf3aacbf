"""GitHub metrics: popularity, responsiveness, closure ratios, release cadence, organisations,
Sponsors, and the OpenSSF criticality-score signals, from the `github_*` tables and the read
model's `all_releases`, for a whole set of projects in four statements.

Windows (tracker/windows.py) end at `now`. Issues and pull requests opened by bots are left out of
responsiveness and closure ratios. A project with no snapshot taken by `now` gets None everywhere;
a value that needs data GitHub did not give (no token: no GraphQL) is None, never 0. See
docs/methodology.md ("GitHub metrics").
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from tracker import catalogue as c
from tracker.metrics.sets import (
    SELECTED,
    Known,
    gaps_in_days,
    median,
    one_project,
    query,
    rounded,
    sorted_list,
)
from tracker.store import Store
from tracker.windows import MONTH_DAYS, RECENT, WEEKS_PER_YEAR, YEAR

NAMES = (
    c.STARS,
    c.FORKS,
    c.OPEN_ISSUES,
    c.OPEN_PRS,
    c.ARCHIVED,
    c.MEDIAN_TIME_TO_FIRST_RESPONSE_HOURS_90D_ISSUES,
    c.MEDIAN_TIME_TO_FIRST_RESPONSE_HOURS_90D_PRS,
    c.CHANGE_REQUEST_CLOSURE_RATIO_90D,
    c.ISSUE_CLOSURE_RATIO_90D,
    c.MEDIAN_OPEN_ISSUE_AGE_DAYS,
    c.RELEASES_365D,
    c.DAYS_SINCE_LAST_RELEASE,
    c.MEDIAN_RELEASE_INTERVAL_DAYS,
    c.ORG_COUNT,
    c.HAS_SPONSORS_LISTING,
    c.SPONSORS_COUNT,
    # OpenSSF criticality_score signals (original Pike algorithm inputs)
    c.CREATED_SINCE_MONTHS,
    c.UPDATED_SINCE_MONTHS,
    c.CONTRIBUTOR_COUNT,
    c.COMMIT_FREQUENCY_WEEKLY,
    c.RECENT_RELEASES_COUNT,
    c.CLOSED_ISSUES_COUNT_90D,
    c.UPDATED_ISSUES_COUNT_90D,
    c.COMMENT_FREQUENCY_90D,
    c.DEPENDENTS_COUNT,
)

_COMPANY_SUFFIXES = (" inc.", " inc", " llc", " ltd.", " ltd", " gmbh", " corp.", " corp", " corporation")


def _months(now: datetime, then: datetime | None) -> int | None:
    return None if then is None else max(0, int((now - then).days / MONTH_DAYS))


@lru_cache(maxsize=100_000)
def employer(company: str) -> str:
    """A public `company` field as one employer: '@Acme Inc.', 'Acme, Inc' and 'acme' are 'acme'."""
    key = " ".join(company.lower().lstrip("@").replace(",", " ").split())
    for suffix in _COMPANY_SUFFIXES:
        key = key.removesuffix(suffix)
    return key


# The latest snapshot taken by `now`, whether a collection succeeded (github_state), the latest
# Sponsors row taken by `now`.
_SNAPSHOTS = f"""
WITH snap AS (
    SELECT * FROM github_repo_snapshots WHERE {SELECTED} AND collected_at <= $now
    QUALIFY row_number() OVER (PARTITION BY project_id ORDER BY collected_at DESC) = 1
),
sponsors AS (
    SELECT project_id, has_sponsors_listing, sponsors_count FROM github_sponsors
    WHERE {SELECTED} AND collected_at <= $now
    QUALIFY row_number() OVER (PARTITION BY project_id ORDER BY collected_at DESC) = 1
)
SELECT s.project_id, s.stars, s.forks, s.open_issues, s.open_prs, s.archived, s.created_at, s.pushed_at,
       s.contributors_count, s.commits_365d, st.project_id IS NOT NULL, sp.project_id IS NOT NULL,
       sp.has_sponsors_listing, sp.sponsors_count
FROM snap s
LEFT JOIN github_state st USING (project_id)
LEFT JOIN sponsors sp USING (project_id)
"""

_HUMAN = "NOT coalesce(author_is_bot, false)"
_OPENED = "created_at > $d90 AND created_at <= $now"
_CLOSED = "closed_at > $d90 AND closed_at <= $now"
_UPDATED = "updated_at > $d90 AND updated_at <= $now"
# The wait for a first response, known when a response was found or looked for (response_checked):
# an item still unanswered at `now` counts the time it has waited so far (a lower bound), so a
# project that answers nothing has the longest waits, never an unknown median.
_RESPONSE = f"{_HUMAN} AND {_OPENED} AND (first_response_at IS NOT NULL OR response_checked)"
_WAIT = "greatest(0.0, epoch(least(coalesce(first_response_at, $now), $now) - created_at) / 3600.0)"

_ISSUES = f"""
SELECT project_id, {median("ttfr_issues")}, {median("ttfr_prs")}, pr_opened, pr_closed, issue_opened,
       issue_closed, {median("ages")}, closed_90, updated_90, comments_90
FROM (
    SELECT project_id,
        {sorted_list(_WAIT, f"kind = 'issue' AND {_RESPONSE}")} AS ttfr_issues,
        {sorted_list(_WAIT, f"kind = 'pr' AND {_RESPONSE}")} AS ttfr_prs,
        count(*) FILTER (WHERE kind = 'pr' AND {_HUMAN} AND {_OPENED}) AS pr_opened,
        count(*) FILTER (WHERE kind = 'pr' AND {_HUMAN} AND {_CLOSED}) AS pr_closed,
        count(*) FILTER (WHERE kind = 'issue' AND {_HUMAN} AND {_OPENED}) AS issue_opened,
        count(*) FILTER (WHERE kind = 'issue' AND {_HUMAN} AND {_CLOSED}) AS issue_closed,
        {sorted_list("epoch($now - created_at) / 86400.0",
                     f"kind = 'issue' AND state = 'open' AND created_at <= $now AND {_HUMAN}")} AS ages,
        count(*) FILTER (WHERE kind = 'issue' AND {_CLOSED}) AS closed_90,
        count(*) FILTER (WHERE kind = 'issue' AND {_UPDATED}) AS updated_90,
        avg(comments) FILTER (WHERE kind = 'issue' AND {_UPDATED}) AS comments_90
    FROM github_issues WHERE {SELECTED}
    GROUP BY project_id
)
"""

_RELEASES = f"""
SELECT project_id, n365, last, {median("gaps")}
FROM (SELECT project_id, count(*) FILTER (WHERE released_at > $d365) AS n365, max(released_at) AS last,
             {sorted_list("gap", "gap IS NOT NULL")} AS gaps
      FROM (SELECT project_id, released_at, {gaps_in_days("released_at")} AS gap
            FROM all_releases WHERE source = 'github' AND NOT prerelease AND {SELECTED} AND released_at <= $now)
      GROUP BY project_id)
"""

# Employers ('company', as criticality_score reads it) of the top contributors; unknown when no
# contributor's profile was ever looked up (no token).
_COMPANIES = f"""
SELECT project_id, bool_or(company IS NOT NULL OR organizations IS NOT NULL),
       list(DISTINCT company) FILTER (WHERE company IS NOT NULL)
FROM github_contributors WHERE {SELECTED} AND kind = 'User'
GROUP BY project_id
"""


def compute_many(store: Store, project_ids: Sequence[int], now: datetime, known: Known) -> dict[int, dict[str, Any]]:
    """GitHub metrics of every project in `project_ids` with a snapshot taken by `now`."""
    bounds = {"now": now, "d90": RECENT.start(now), "d365": YEAR.start(now)}
    out: dict[int, dict[str, Any]] = {}
    collected: set[int] = set()
    for (pid, stars, forks, open_issues, open_prs, archived, created_at, pushed_at, contributors, commits_365,
         state, has_sponsors_row, listing, sponsors) in query(store, _SNAPSHOTS, project_ids, **bounds):
        k = known.get(pid, {})
        if state:
            collected.add(pid)  # releases and issues are read on every collection: 0 is real
        last_change = k.get(c.LAST_COMMIT_AT)
        if isinstance(last_change, str):
            last_change = datetime.fromisoformat(last_change.rstrip("Z"))
        commits = commits_365 if commits_365 is not None else k.get(c.COMMITS_365D)
        out[pid] = {
            c.STARS: stars,
            c.FORKS: forks,
            c.OPEN_ISSUES: open_issues,
            c.OPEN_PRS: open_prs,
            c.ARCHIVED: archived,
            c.MEDIAN_TIME_TO_FIRST_RESPONSE_HOURS_90D_ISSUES: None,
            c.MEDIAN_TIME_TO_FIRST_RESPONSE_HOURS_90D_PRS: None,
            c.CHANGE_REQUEST_CLOSURE_RATIO_90D: None,
            c.ISSUE_CLOSURE_RATIO_90D: None,
            c.MEDIAN_OPEN_ISSUE_AGE_DAYS: None,
            c.RELEASES_365D: 0 if state else None,
            c.DAYS_SINCE_LAST_RELEASE: None,
            c.MEDIAN_RELEASE_INTERVAL_DAYS: None,
            c.ORG_COUNT: None,
            c.HAS_SPONSORS_LISTING: listing if has_sponsors_row else None,
            c.SPONSORS_COUNT: sponsors if has_sponsors_row else None,
            c.CREATED_SINCE_MONTHS: _months(now, created_at),
            c.UPDATED_SINCE_MONTHS: _months(now, last_change or pushed_at),
            c.CONTRIBUTOR_COUNT: contributors,
            c.COMMIT_FREQUENCY_WEEKLY: round(commits / WEEKS_PER_YEAR, 2) if commits is not None else None,
            c.RECENT_RELEASES_COUNT: None,
            c.CLOSED_ISSUES_COUNT_90D: 0 if state else None,
            c.UPDATED_ISSUES_COUNT_90D: 0 if state else None,
            c.COMMENT_FREQUENCY_90D: None,
            c.DEPENDENTS_COUNT: k.get(c.DEPENDENTS_COUNT),
        }
    if not out:
        return out
    ids = list(out)
    for (pid, ttfr_issues, ttfr_prs, pr_opened, pr_closed, issue_opened, issue_closed, age, closed_90, updated_90,
         comments_90) in query(store, _ISSUES, ids, **bounds):
        m = out[pid]
        m[c.MEDIAN_TIME_TO_FIRST_RESPONSE_HOURS_90D_ISSUES] = rounded(ttfr_issues, 2)
        m[c.MEDIAN_TIME_TO_FIRST_RESPONSE_HOURS_90D_PRS] = rounded(ttfr_prs, 2)
        m[c.CHANGE_REQUEST_CLOSURE_RATIO_90D] = round(pr_closed / pr_opened, 3) if pr_opened else None
        m[c.ISSUE_CLOSURE_RATIO_90D] = round(issue_closed / issue_opened, 3) if issue_opened else None
        m[c.MEDIAN_OPEN_ISSUE_AGE_DAYS] = rounded(age, 1)
        if pid in collected:
            m[c.CLOSED_ISSUES_COUNT_90D] = closed_90
            m[c.UPDATED_ISSUES_COUNT_90D] = updated_90
        m[c.COMMENT_FREQUENCY_90D] = rounded(comments_90, 2)
    for pid, n365, last, gap in query(store, _RELEASES, ids, **bounds):
        m = out[pid]
        if pid in collected:
            m[c.RELEASES_365D] = n365
        m[c.DAYS_SINCE_LAST_RELEASE] = (now - last).days
        m[c.MEDIAN_RELEASE_INTERVAL_DAYS] = rounded(gap, 2)
    for pid, looked_up, companies in query(store, _COMPANIES, ids):
        if looked_up:
            out[pid][c.ORG_COUNT] = len({key for key in map(employer, companies or []) if key})
    for m in out.values():
        m[c.RECENT_RELEASES_COUNT] = m[c.RELEASES_365D]
    return out


compute = one_project(compute_many, NAMES)

