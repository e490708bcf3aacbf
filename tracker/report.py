"""`tracker report`: one project's metrics (and, once scored, its scores and risk)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from tracker import metrics
from tracker.registry import Project
from tracker.store import Store


def iso(value: Any) -> Any:
    """Timestamps as ISO 8601 UTC ('2024-05-01T12:00:00Z'); everything else unchanged."""
    if isinstance(value, datetime):
        return value.replace(microsecond=0, tzinfo=None).isoformat() + "Z"
    if isinstance(value, date):
        return value.isoformat()
    return value


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return iso(value)


def build(store: Store, project: Project, now: datetime) -> dict[str, Any]:
    """The report as a plain dict: project, as_of, metrics, scores, risk."""
    return jsonable({
        "project": {
            "slug": project.slug,
            "name": project.display_name or project.name,
            "category": project.category,
            "pypi_package": project.pypi_package,
        },
        "as_of": now,
        "metrics": metrics.compute_all(store, project.id, now),
        "scores": None,
        "risk": None,
    })


def _fmt(value: Any) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1 else f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, list) and value and isinstance(value[0], dict) and "commits" in value[0]:
        return sparkline([w["commits"] for w in value]) + f"  ({sum(w['commits'] for w in value)} in {len(value)} weeks)"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def sparkline(values: list[int]) -> str:
    bars = " ▁▂▃▄▅▆▇█"
    top = max(values) if values else 0
    if top <= 0:
        return "▁" * len(values)
    return "".join(bars[max(1, round(v / top * 8))] if v else bars[0] for v in values)


def render_text(report: dict[str, Any]) -> str:
    lines = [f"{report['project']['slug']}  (as of {report['as_of']})", ""]
    width = max((len(k) for k in report["metrics"]), default=10)
    for name, value in report["metrics"].items():
        lines.append(f"  {name:<{width}}  {_fmt(value)}")
    return "\n".join(lines) + "\n"
