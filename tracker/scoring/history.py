"""Reading the `scores` history: the latest row of a project and its change over a period."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from tracker.store import Store

TREND_DAYS = 90
_JSON_COLUMNS = ("subscores", "flags", "unchecked", "metrics")
COLUMNS = (
    "project_id",
    "computed_at",
    "health",
    "coverage",
    "subscores",
    "risk_level",
    "flags",
    "maturity",
    "maturity_reason",
    "criticality",
    "truck_factor",
    "funding_need",
    "funding_need_reason",
    "weights_version",
    "unchecked",
)


def has_scores(store: Store) -> bool:
    return bool(store.scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = 'scores'"))


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    for col in _JSON_COLUMNS:
        if isinstance(row.get(col), str):
            row[col] = json.loads(row[col])
    return row


def latest(store: Store, project_id: int, at: datetime | None = None) -> dict[str, Any] | None:
    """The newest scores row of a project computed at or before `at` (default: any)."""
    if not has_scores(store):
        return None
    sql = f"SELECT {', '.join(COLUMNS)} FROM scores WHERE project_id = ?"
    params: list[Any] = [project_id]
    if at is not None:
        sql += " AND computed_at <= ?"
        params.append(at)
    rows = store.dicts(sql + " ORDER BY computed_at DESC LIMIT 1", params)
    return _decode(rows[0]) if rows else None


def trend(store: Store, project_id: int, current: dict[str, Any], days: int = TREND_DAYS) -> dict[str, Any]:
    """Change since `days` before the current row: {days, since, health_then, change, risk_then}.
    Values are None when no row that old exists."""
    then = latest(store, project_id, current["computed_at"] - timedelta(days=days))
    out: dict[str, Any] = {
        "days": days,
        "since": None,
        "health_then": None,
        "change": None,
        "risk_then": None,
    }
    if then is None:
        return out
    out.update(since=then["computed_at"], health_then=then["health"], risk_then=then["risk_level"])
    if then["health"] is not None and current["health"] is not None:
        out["change"] = round(current["health"] - then["health"], 1)
    return out


def all_latest(store: Store) -> list[dict[str, Any]]:
    """The newest row of every project (for exports, badges and the app)."""
    if not has_scores(store):
        return []
    rows = store.dicts(
        f"SELECT {', '.join(COLUMNS)} FROM scores QUALIFY row_number() OVER"
        " (PARTITION BY project_id ORDER BY computed_at DESC) = 1 ORDER BY project_id"
    )
    return [_decode(r) for r in rows]
