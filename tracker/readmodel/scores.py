"""Scores as stored by `tracker score`: the latest of a project (as of a date), its 90-day trend,
the history, and the latest of many projects at once. One rule for each, in the `scores_as_of`
macro of migration 0009."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from tracker.store import Store

TREND_DAYS = 90  # the macro's `trend_days`; tests hold the two equal
_JSON_DEFAULTS: dict[str, Any] = {"subscores": dict, "flags": list, "unchecked": list, "metrics": dict}
_TREND_COLUMNS = ("trend_days", "trend_since", "health_then", "risk_then", "trend_change")


def decode(row: dict[str, Any]) -> dict[str, Any]:
    """A scores row with its JSON columns parsed; a missing or malformed one reads as empty."""
    for column, default in _JSON_DEFAULTS.items():
        if column not in row:
            continue
        value = row[column]
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                value = None
        row[column] = value if isinstance(value, default) else default()
    return row


def _with_trend(row: dict[str, Any]) -> dict[str, Any]:
    """Move the macro's trend columns into row['trend']: {days, since, health_then, risk_then, change}."""
    trend = {name.removeprefix("trend_"): row.pop(name) for name in _TREND_COLUMNS}
    row["trend"] = {"days": trend["days"], "since": trend["since"], "health_then": trend["health_then"],
                    "change": trend["change"], "risk_then": trend["risk_then"]}
    return decode(row)


def latest_score(store: Store, project_id: int, as_of: datetime | None = None) -> dict[str, Any] | None:
    """The newest scores row of a project computed at or before `as_of` (default: any), decoded,
    with its trend over 90 days in row['trend']; None when the project was not scored by then."""
    rows = store.dicts("SELECT * FROM scores_as_of(?::TIMESTAMP, ?::INTEGER)", [as_of, project_id])
    return _with_trend(rows[0]) if rows else None


def latest_scores(store: Store, as_of: datetime | None = None) -> list[dict[str, Any]]:
    """The newest scores row (with its trend) of every scored project, by project id."""
    rows = store.dicts("SELECT * FROM scores_as_of(?::TIMESTAMP, NULL) ORDER BY project_id", [as_of])
    return [_with_trend(r) for r in rows]


def scores_by_slug(store: Store, slugs: list[str]) -> tuple[dict[str, dict[str, Any]], set[str]]:
    """For repositories named OWNER/REPO: (newest scores row by lower-case slug, the lower-case
    slugs that are tracked). Untracked and unscored repositories are simply absent."""
    keys = sorted({s.lower() for s in slugs})
    if not keys:
        return {}, set()
    tracked = {r[0] for r in store.all(
        "SELECT slug_key FROM projects WHERE slug_key IN (SELECT unnest(?::VARCHAR[]))", [keys])}
    rows = store.dicts(
        "SELECT p.slug_key, p.slug, s.* FROM scores_as_of(NULL, NULL) s JOIN projects p ON p.id = s.project_id"
        " WHERE p.slug_key IN (SELECT unnest(?::VARCHAR[]))", [keys])
    return {r["slug_key"]: _with_trend(r) for r in rows}, tracked


def score_series(store: Store, project_id: int) -> list[dict[str, Any]]:
    """A project's scores over time, oldest first: computed_at, health, coverage, risk_level and
    the metrics stored with each (what the history charts need, without the rest)."""
    return [decode(r) for r in store.dicts(
        "SELECT computed_at, health, coverage, risk_level, metrics FROM scores WHERE project_id = ?"
        " ORDER BY computed_at", [project_id])]


def score_history(store: Store, project_id: int | None = None) -> list[dict[str, Any]]:
    """Every scores row, oldest first (of one project, or of all by project id), decoded."""
    if project_id is None:
        rows = store.dicts("SELECT * FROM scores ORDER BY project_id, computed_at")
    else:
        rows = store.dicts("SELECT * FROM scores WHERE project_id = ? ORDER BY computed_at", [project_id])
    return [decode(r) for r in rows]
