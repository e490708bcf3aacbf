"""Git metrics: activity, people, concentration, tag cadence and the human-only figures scoring
judges, from `git_repos`, the read model's `dated_commits`/`human_commits`/`all_releases` views
and `repo_files`, for a whole set of projects in six statements.

Time windows (tracker/windows.py) are on the committer date (when a change landed on the default
branch, the date `git log --since` filters on) and end at `now`. Commits with implausible dates
count in `commits_total` only; bots are kept apart from people everywhere (`human_commits`). A
project whose repository was never collected gets None everywhere; a collected one with no commit
gets 0 for its counts. See docs/methodology.md ("Git metrics", "Inputs added for scoring").
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from tracker import catalogue as c
from tracker.identity import email_domain, organisation
from tracker.metrics import notice
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
from tracker.windows import PREVIOUS_YEAR, RECENT, WEEKS, YEAR

NAMES = (
    c.COMMITS_TOTAL,
    c.COMMITS_90D,
    c.COMMITS_365D,
    c.CONTRIBUTORS_TOTAL,
    c.ACTIVE_CONTRIBUTORS_90D,
    c.ACTIVE_CONTRIBUTORS_365D,
    c.FIRST_COMMIT_AT,
    c.LAST_COMMIT_AT,
    c.DAYS_SINCE_LAST_COMMIT,
    c.WEEKLY_COMMITS,
    c.CONTRIBUTOR_ABSENCE_FACTOR_365D,
    c.ELEPHANT_FACTOR_365D,
    c.NEW_CONTRIBUTORS_365D,
    c.BOT_COMMIT_SHARE_365D,
    c.TAGS_TOTAL,
    c.TAGS_365D,
    c.DAYS_SINCE_LAST_TAG,
    c.MEDIAN_TAG_INTERVAL_DAYS,
    c.LAST_HUMAN_COMMIT_DAYS,
    c.HUMAN_COMMITS_90D,
    c.HUMAN_COMMITS_365D,
    c.HUMAN_ACTIVE_WEEKS_52,
    c.ACTIVE_CONTRIBUTORS_PREV_365D,
    c.LEAVING_CONTRIBUTORS_365D,
    c.PROJECT_AGE_DAYS,
    c.REPO_FILES,
    c.ORG_DEFAULT_FILES,
    c.DEPRECATION_NOTICE,
    c.DEPRECATION_NOTICE_TEXT,
)

SHARE_OF_WORK = 0.5  # CHAOSS: the fewest people (or organisations) making 50% of the commits


def fewest_for_share(counts: list[int], share: float = SHARE_OF_WORK) -> int | None:
    """The fewest entries, largest first, whose counts reach `share` of the total (None if empty)."""
    total = sum(counts)
    if total <= 0:
        return None
    running = 0
    for k, n in enumerate(sorted(counts, reverse=True), 1):
        running += n
        if running >= share * total:
            return k
    return len(counts)


@lru_cache(maxsize=200_000)
def _domain(email: str) -> str | None:
    return email_domain(email)


def _bounds(now: datetime) -> dict[str, datetime]:
    return {"now": now, "d90": RECENT.start(now), "d365": YEAR.start(now), "d730": PREVIOUS_YEAR.start(now),
            "weeks_start": WEEKS.start(now)}


# Every commit (commits_total), the plausibly dated ones (windows, first/last), per project.
_ACTIVITY = f"""
SELECT r.project_id, r.is_empty, coalesce(t.n, 0), coalesce(d.c90, 0), coalesce(d.c365, 0), d.first, d.last
FROM git_repos r
LEFT JOIN (SELECT project_id, count(*) AS n FROM git_commits WHERE {SELECTED} GROUP BY project_id) t
  USING (project_id)
LEFT JOIN (SELECT project_id, count(*) FILTER (WHERE committer_at > $d90) AS c90,
                  count(*) FILTER (WHERE committer_at > $d365) AS c365,
                  min(committer_at) AS first, max(committer_at) AS last
           FROM dated_commits WHERE {SELECTED} AND committer_at <= $now GROUP BY project_id) d
  USING (project_id)
WHERE r.{SELECTED}
"""

# People: one row per (project, person) first, then per project; the absence factor ranks people
# by their commits of the last year (CHAOSS: largest first, until half the commits are reached).
_PEOPLE = f"""
WITH person AS (
    SELECT project_id, author_key, min(committer_at) AS first, max(committer_at) AS last,
           count(*) FILTER (WHERE committer_at > $d90) AS n90,
           count(*) FILTER (WHERE committer_at > $d365) AS n365,
           count(*) FILTER (WHERE committer_at > $d730 AND committer_at <= $d365) AS nprev
    FROM human_commits WHERE {SELECTED} AND committer_at <= $now
    GROUP BY project_id, author_key
),
ranked AS (
    SELECT project_id, row_number() OVER w AS k,
           sum(n365) OVER (w ROWS UNBOUNDED PRECEDING) AS running,
           sum(n365) OVER (PARTITION BY project_id) AS total
    FROM person WHERE n365 > 0
    WINDOW w AS (PARTITION BY project_id ORDER BY n365 DESC)
),
absence AS (
    SELECT project_id, min(k) FILTER (WHERE running >= $share * total) AS factor FROM ranked GROUP BY project_id
),
weeks AS (
    SELECT project_id, count(DISTINCT date_trunc('week', committer_at)) AS active_weeks
    FROM human_commits WHERE {SELECTED} AND committer_at >= $weeks_start AND committer_at <= $now
    GROUP BY project_id
)
SELECT p.project_id, count(*), count(*) FILTER (WHERE last > $d90), count(*) FILTER (WHERE last > $d365),
       count(*) FILTER (WHERE first > $d365), max(last), sum(n90), sum(n365),
       count(*) FILTER (WHERE nprev > 0), count(*) FILTER (WHERE nprev > 0 AND n365 = 0),
       any_value(a.factor), coalesce(any_value(w.active_weeks), 0)
FROM person p LEFT JOIN absence a USING (project_id) LEFT JOIN weeks w USING (project_id)
GROUP BY p.project_id
"""

# Organisations: human commits per person and e-mail, of the last year and of all time up to now
# (domains are judged in Python, by the rules in tracker/identity.py). Only people active in the
# last year matter.
_EMAILS = f"""
SELECT project_id, author_key, author_email, count(*) FILTER (WHERE committer_at > $d365) AS n_window,
       count(*) AS n_all
FROM human_commits WHERE {SELECTED} AND committer_at <= $now
GROUP BY project_id, author_key, author_email
QUALIFY sum(n_window) OVER (PARTITION BY project_id, author_key) > 0
"""

_WEEKLY = f"""
SELECT project_id, date_trunc('week', committer_at) AS week, count(*) FROM dated_commits
WHERE {SELECTED} AND committer_at >= $weeks_start AND committer_at <= $now
GROUP BY project_id, week
"""

_TAGS = f"""
    SELECT project_id, n, n365, last, {median("gaps")}
    FROM (SELECT project_id, count(*) AS n, count(*) FILTER (WHERE released_at > $d365) AS n365,
                 max(released_at) AS last, {sorted_list("gap", "gap IS NOT NULL")} AS gaps
          FROM (SELECT project_id, released_at, {gaps_in_days("released_at")} AS gap
                FROM all_releases WHERE source = 'git' AND {SELECTED} AND released_at <= $now)
          GROUP BY project_id)
"""


_FILES = f"""
SELECT project_id, coalesce(list(DISTINCT kind ORDER BY kind) FILTER (WHERE kind <> 'readme'), []),
       coalesce(list(DISTINCT kind ORDER BY kind) FILTER (WHERE source_repo IS NOT NULL), [])
FROM repo_files WHERE {SELECTED} GROUP BY project_id
"""

# The start of the project's own README (the first by path: README.md before README.rst), read for a
# deprecation notice (tracker/metrics/notice.py); only the first $chars characters are fetched.
_README = f"""
SELECT f.project_id, p.name, arg_min(left(f.content, $chars), f.path)
FROM repo_files f JOIN projects p ON p.id = f.project_id
WHERE f.{SELECTED} AND f.kind = 'readme' AND f.source_repo IS NULL AND f.content IS NOT NULL
GROUP BY f.project_id, p.name
"""


def compute_many(store: Store, project_ids: Sequence[int], now: datetime, known: Known) -> dict[int, dict[str, Any]]:
    """Git metrics of every project in `project_ids` that has a collected repository."""
    bounds = _bounds(now)
    out: dict[int, dict[str, Any]] = {}
    empty: set[int] = set()
    for pid, is_empty, total, c90, c365, first, last in query(store, _ACTIVITY, project_ids, **bounds):
        if is_empty:
            empty.add(pid)
        out[pid] = {
            c.COMMITS_TOTAL: total,
            c.COMMITS_90D: c90,
            c.COMMITS_365D: c365,
            c.CONTRIBUTORS_TOTAL: 0,
            c.ACTIVE_CONTRIBUTORS_90D: 0,
            c.ACTIVE_CONTRIBUTORS_365D: 0,
            c.FIRST_COMMIT_AT: first,
            c.LAST_COMMIT_AT: last,
            c.DAYS_SINCE_LAST_COMMIT: (now - last).days if last is not None else None,
            c.WEEKLY_COMMITS: None,
            c.CONTRIBUTOR_ABSENCE_FACTOR_365D: None,
            c.ELEPHANT_FACTOR_365D: None,
            c.NEW_CONTRIBUTORS_365D: 0,
            c.BOT_COMMIT_SHARE_365D: None,
            c.TAGS_TOTAL: 0,
            c.TAGS_365D: 0,
            c.DAYS_SINCE_LAST_TAG: None,
            c.MEDIAN_TAG_INTERVAL_DAYS: None,
            c.LAST_HUMAN_COMMIT_DAYS: None,
            c.HUMAN_COMMITS_90D: 0,
            c.HUMAN_COMMITS_365D: 0,
            c.HUMAN_ACTIVE_WEEKS_52: 0,
            c.ACTIVE_CONTRIBUTORS_PREV_365D: 0,
            c.LEAVING_CONTRIBUTORS_365D: 0,
            c.PROJECT_AGE_DAYS: (now - first).days if first is not None else None,
            c.REPO_FILES: None if is_empty else [],
            c.ORG_DEFAULT_FILES: None if is_empty else [],
            c.DEPRECATION_NOTICE: None,
            c.DEPRECATION_NOTICE_TEXT: None,
        }
    if not out:
        return out
    ids = list(out)
    for pid, people, a90, a365, new, last_human, h90, h365, prev, leaving, factor, weeks in query(
            store, _PEOPLE, ids, share=SHARE_OF_WORK, **bounds):
        m = out[pid]
        m[c.CONTRIBUTORS_TOTAL] = people
        m[c.ACTIVE_CONTRIBUTORS_90D] = a90
        m[c.ACTIVE_CONTRIBUTORS_365D] = a365
        m[c.NEW_CONTRIBUTORS_365D] = new
        m[c.LAST_HUMAN_COMMIT_DAYS] = (now - last_human).days
        m[c.HUMAN_COMMITS_90D] = int(h90)
        m[c.HUMAN_COMMITS_365D] = int(h365)
        m[c.HUMAN_ACTIVE_WEEKS_52] = weeks
        m[c.ACTIVE_CONTRIBUTORS_PREV_365D] = prev
        m[c.LEAVING_CONTRIBUTORS_365D] = leaving
        m[c.CONTRIBUTOR_ABSENCE_FACTOR_365D] = factor
    for m in out.values():
        commits = m[c.COMMITS_365D]
        m[c.BOT_COMMIT_SHARE_365D] = round((commits - m[c.HUMAN_COMMITS_365D]) / commits, 4) if commits else None

    for pid, counts in organisation_commits(query(store, _EMAILS, ids, **bounds)).items():
        out[pid][c.ELEPHANT_FACTOR_365D] = fewest_for_share(list(counts.values()))

    mondays = WEEKS.mondays(now)
    labels = [d.date().isoformat() for d in mondays]
    weekly: dict[int, dict[datetime, int]] = defaultdict(dict)
    for pid, week, n in query(store, _WEEKLY, ids, **bounds):
        weekly[pid][week] = n
    for pid, m in out.items():
        counts = weekly.get(pid, {})
        m[c.WEEKLY_COMMITS] = [{"week": label, "commits": counts.get(monday, 0)}
                               for label, monday in zip(labels, mondays, strict=True)]

    for pid, n, n365, last, gap in query(store, _TAGS, ids, **bounds):
        m = out[pid]
        m[c.TAGS_TOTAL] = n
        m[c.TAGS_365D] = n365
        m[c.DAYS_SINCE_LAST_TAG] = (now - last).days
        m[c.MEDIAN_TAG_INTERVAL_DAYS] = rounded(gap, 2)

    for pid, kinds, from_org in query(store, _FILES, ids):
        if pid not in empty:
            out[pid][c.REPO_FILES] = list(kinds)
            out[pid][c.ORG_DEFAULT_FILES] = list(from_org)
    for pid, name, text in query(store, _README, ids, chars=notice.README_CHARS):
        if pid not in empty:
            level, sentence = notice.detect(text, name)
            out[pid][c.DEPRECATION_NOTICE] = level
            out[pid][c.DEPRECATION_NOTICE_TEXT] = [sentence] if sentence else []
    return out


def organisation_commits(rows: list[tuple[int, str, str, int, int]]) -> dict[int, Counter[str]]:
    """{project: {organisation: commits in the window}} from (project, person, e-mail, commits in the
    window, commits up to now) rows. A commit counts for its e-mail's organisation domain; one made
    from a free-mail or noreply address counts for its author's organisation (the domain of most of
    their commits); commits of people without any organisation domain are left out."""
    people: dict[tuple[int, str], Counter[str]] = defaultdict(Counter)
    for pid, person, email, _, n_all in rows:
        dom = _domain(email)
        if dom:
            people[(pid, person)][dom] += n_all
    home = {key: organisation(counts) for key, counts in people.items()}
    out: dict[int, Counter[str]] = defaultdict(Counter)
    for pid, person, email, n_window, _ in rows:
        dom = _domain(email) or home.get((pid, person))
        if dom and n_window:
            out[pid][dom] += n_window
    return out


compute = one_project(compute_many, NAMES)
