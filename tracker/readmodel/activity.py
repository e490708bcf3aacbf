"""Activity as readers show it: weekly series (zero-filled), the people who commit, releases of
every kind, and time to first response; from the views of migration 0009."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tracker.store import Store
from tracker.windows import YEAR

TOP_CONTRIBUTORS = 10
RELEASE_SOURCE_LABELS = {"github": "GitHub release", "git": "git tag", "pypi": "PyPI upload"}


def week_start(now: datetime) -> datetime:
    """Monday 00:00 of the week holding `now` (weeks of the activity views start on Monday)."""
    return (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)


def weekly_series(store: Store, project_id: int, now: datetime) -> list[dict[str, Any]]:
    """Commits (bots included) and active people per week, from the first week with a commit to
    the last one up to `now`, weeks without commits as 0 ({week, commits, active_contributors});
    empty when there are no commits."""
    rows = store.dicts(
        "SELECT week, commits, active_contributors FROM weekly_activity WHERE project_id = ? AND week <= ?"
        " ORDER BY week", [project_id, now])
    if not rows:
        return []
    by_week = {r["week"]: r for r in rows}
    out, week = [], rows[0]["week"]
    while week <= rows[-1]["week"]:
        out.append(by_week.get(week) or {"week": week, "commits": 0, "active_contributors": 0})
        week += timedelta(weeks=1)
    return out


def contributors(store: Store, project_id: int, now: datetime) -> list[dict[str, Any]]:
    """The people with the most commits over the 365 days to `now` (names as committed, never an
    e-mail address), the rest summed up as 'N others': {contributor, commits, share}."""
    rows = store.all(
        "SELECT arg_max(author_name, committer_at), count(*) AS n FROM human_commits"
        " WHERE project_id = ? AND committer_at > ? AND committer_at <= ? GROUP BY author_key"
        " ORDER BY n DESC, 1", [project_id, YEAR.start(now), now])
    total = sum(n for _, n in rows)
    top = list(rows[:TOP_CONTRIBUTORS])
    rest = sum(n for _, n in rows[TOP_CONTRIBUTORS:])
    if rest:
        top.append((f"{len(rows) - TOP_CONTRIBUTORS} others", rest))
    return [{"contributor": name, "commits": n, "share": n / total} for name, n in top]


def releases(store: Store, project_id: int) -> list[dict[str, Any]]:
    """Every release of the project once, whichever sources saw it (`release_events`), oldest
    first: {release, released_at, source, sources, prerelease}; `source` names the first of GitHub
    release, git tag, PyPI upload that saw it."""
    rows = store.dicts("SELECT release, released_at, sources, prerelease FROM release_events WHERE project_id = ?"
                       " ORDER BY released_at, release", [project_id])
    for r in rows:
        r["source"] = next(label for key, label in RELEASE_SOURCE_LABELS.items() if key in r["sources"])
    return rows


def package_last_uploads(store: Store, packages: list[str]) -> dict[str, datetime]:
    """The latest upload of each PyPI package (normalised names) that is not yanked, from the PyPI
    cache, whether or not a tracked project declares the package."""
    if not packages:
        return {}
    return dict(store.all(
        "SELECT package, max(uploaded_at) FROM pypi_releases WHERE NOT yanked AND uploaded_at IS NOT NULL"
        " AND package IN (SELECT unnest(?::VARCHAR[])) GROUP BY package", [packages]))


def first_responses(store: Store, project_id: int, now: datetime, days: int = 730) -> list[dict[str, Any]]:
    """Per month opened (the last `days` days) and kind: median hours to a first response from
    someone else, opened, still unanswered (`monthly_first_responses`)."""
    since = (now - timedelta(days=days)).date().replace(day=1)
    return store.dicts(
        "SELECT month, kind, median_hours, opened, unanswered FROM monthly_first_responses"
        " WHERE project_id = ? AND month >= ? AND month <= ? ORDER BY month, kind",
        [project_id, since, now.date()])


def latest_github(store: Store, project_id: int) -> dict[str, Any]:
    """The repository as GitHub described it last (empty when GitHub was never collected)."""
    rows = store.dicts(
        "SELECT description, homepage, license_spdx, stars, forks, archived, collected_at"
        " FROM latest_github_snapshots WHERE project_id = ?", [project_id])
    return rows[0] if rows else {}
