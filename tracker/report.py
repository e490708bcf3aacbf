"""`tracker report`: one project's metrics (computed as of a date by the metric providers) and,
once scored, its scores and risk as stored (through the read model)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tracker import display, metrics, readmodel
from tracker.registry import Project
from tracker.scoring import weights as weights_mod
from tracker.scoring.subscores import LABELS
from tracker.store import Store
from tracker.values import iso, jsonable  # noqa: F401 (re-exported for callers)


def build(store: Store, project: Project, now: datetime) -> dict[str, Any]:
    """The report as a plain dict: project, as_of, metrics, scores, risk.

    `scores` and `risk` come from the latest `scores` row computed at or before `as_of`
    (None until `tracker score` has run)."""
    scores, risk = scores_section(store, project.id, now)
    return jsonable({
        "project": {
            "slug": project.slug,
            "name": project.display_name or project.name,
            "category": project.category,
            "pypi_package": project.pypi_package,
        },
        "as_of": now,
        # stale git data is judged as of its date, as the score job does (tracker.score)
        "metrics": metrics.compute_all(store, project.id, now,
                                       weights_mod.shipped()["evidence"]["git_data_grace_days"]),
        "scores": scores,
        "risk": risk,
    })


def scores_section(store: Store, project_id: int, now: datetime) -> tuple[dict | None, dict | None]:
    """(scores, risk) of the report from the newest scores row computed by `now`, with the change
    over 90 days (tracker.readmodel: one rule for both)."""
    row = readmodel.latest_score(store, project_id, now)
    if row is None:
        return None, None
    subs = {
        name: {"score": s.get("score"), "reason": s.get("reason"), "inputs": s.get("inputs", {}),
               "components": s.get("components", {})}
        for name, s in row["subscores"].items()
    }
    scores = {
        "computed_at": row["computed_at"],
        "health": row["health"],
        "coverage": row["coverage"],
        "health_reason": row.get("health_reason"),
        "subscores": subs,
        "maturity": row["maturity"],
        "maturity_reason": row["maturity_reason"],
        "criticality": row["criticality"],
        "truck_factor": row["truck_factor"],
        "funding_need": row["funding_need"],
        "funding_need_reason": row["funding_need_reason"],
        "weights_version": row["weights_version"],
        "trend": row["trend"],
    }
    risk = {"level": row["risk_level"], "flags": row["flags"], "unchecked": row["unchecked"] or []}
    return scores, risk


def _fmt(value: Any) -> str:
    """A metric's value in words (tracker.display); a weekly series as a sparkline."""
    if isinstance(value, list) and value and isinstance(value[0], dict) and "commits" in value[0]:
        total = sum(w["commits"] for w in value)
        return sparkline([w["commits"] for w in value]) + \
            f"  ({display.count(total, 'commit')} in {display.count(len(value), 'week')})"
    return display.text(value)


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
    lines += ["", *render_scores(report.get("scores"), report.get("risk"))]
    return "\n".join(lines) + "\n"


def _score(value: float | None) -> str:
    return display.number(value, 1)


def render_scores(scores: dict[str, Any] | None, risk: dict[str, Any] | None) -> list[str]:
    """The text breakdown: health with coverage and trend, each sub-score with its reason, risk
    level with every flag's evidence, what could not be checked, maturity and funding need."""
    if scores is None:
        return ["Scores: not scored yet (run: tracker score)"]
    lines = [f"Scores (computed {scores['computed_at']}, weights {scores['weights_version']})"]
    if scores["health"] is None and scores.get("health_reason"):
        lines.append(f"  health    {scores['health_reason']}")
    else:
        lines.append(f"  health    {_score(scores['health'])} / 100   coverage {display.percent(scores['coverage'])}"
                     " of the weight known")
    trend = scores.get("trend") or {}
    if trend.get("since") is None:
        lines.append(f"  trend     no score from {trend.get('days', readmodel.TREND_DAYS)} days earlier to"
                     " compare with")
    else:
        change = display.UNKNOWN if trend["change"] is None else f"{trend['change']:+.1f}"
        lines.append(f"  trend     {change} since {trend['since']} (change since {trend['days']} days;"
                     f" health then {_score(trend['health_then'])}, risk then {display.text(trend['risk_then'])})")
    width = max(len(v) for v in LABELS.values())
    for name, sub in scores["subscores"].items():
        reason = sub.get("reason") or "no reason recorded"
        lines.append(f"  {LABELS.get(name, name):<{width}}  {_score(sub.get('score')):>7}  {reason}")
    if risk is not None:
        why = " (insufficient data: no verdict)" if risk["level"] == "unknown" else ""
        lines.append(f"Risk: {display.text(risk['level'])}{why}")
        for flag in risk["flags"]:
            lines.append(f"  ! {display.text(flag.get('name'))}: {flag.get('evidence') or 'no evidence recorded'}")
        if not risk["flags"]:
            lines.append("  no risk flag raised")
        for item in risk.get("unchecked") or []:
            lines.append(f"  ? {display.text(item.get('name'))} not checked: {display.text(item.get('reason'))}")
    lines.append(f"Maturity: {display.text(scores['maturity'])}"
                 + (f" ({scores['maturity_reason']})" if scores.get("maturity_reason") else ""))
    lines.append(f"Criticality: {_fmt(scores['criticality'])}   truck factor: {_fmt(scores['truck_factor'])}")
    need = f"Funding need: {_score(scores['funding_need'])}  {scores['funding_need_reason'] or ''}"
    lines.append(need.rstrip())
    return lines
