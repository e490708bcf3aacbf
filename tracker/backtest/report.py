"""The backtest's figures, from its per-project records (pure: no store, no git).

A record is one project's verdict at DATE and what happened after it (tracker.backtest.run):
`risk_level`, `maturity`, `flags` (with evidence), key inputs at DATE (`at_date`), the `outcome` class
and the facts after (`after`), and the corpus `part` it belongs to (tuning / held-out) if any.

Precision and recall carry 95% Wilson score intervals (`wilson`): with a dozen events, one project
moves either figure by 0.1-0.2, and the interval says how far the figure could be from the truth.

Measured on the projects alive at DATE whose horizon was observed (became or stayed maintained):
"high or critical risk" is the prediction, "became unmaintained" the event. Precision = TP / (TP + FP),
recall = TP / (TP + FN); a risk of `unknown` is not a prediction of high risk (it counts as a
negative and is also counted apart). Calibration is the observed share that became unmaintained
per risk level; it "rises" when that share never falls from one level to the next (levels with no
project skipped) and the highest level's share is above the lowest's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from tracker import display
from tracker.backtest.outcomes import (
    ALREADY,
    BECAME,
    LABELS,
    NOT_CREATED,
    NOT_OBSERVABLE,
    OUTCOMES,
    SCORED,
    STAYED,
)

LEVELS = ("low", "medium", "high", "critical", "unknown")
ORDERED = ("low", "medium", "high", "critical")
POSITIVE = ("high", "critical")
ALL = "all"


def predicted(record: dict[str, Any]) -> bool:
    return record.get("risk_level") in POSITIVE


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 3) if b else None


Z95 = 1.959964  # the normal quantile of a two-sided 95% interval


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval (95% by default) of a proportion successes / n; None when n = 0.
    Wilson (1927), "Probable inference, the law of succession, and statistical inference", JASA 22:
    centre (p + z^2/2n) / (1 + z^2/n), half-width z * sqrt(p(1-p)/n + z^2/4n^2) / (1 + z^2/n). Unlike
    p +- z*sqrt(p(1-p)/n) it stays within [0, 1] and is not empty at p = 0 or 1, which matters with
    the few events of a backtest."""
    if n <= 0:
        return None
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * ((p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5) / denominator
    return round(max(0.0, centre - half), 3), round(min(1.0, centre + half), 3)


def rising(calibration: Sequence[dict[str, Any]]) -> bool | None:
    """Whether the observed share rises from low to critical (None: fewer than two levels seen)."""
    shares = [c["share"] for c in calibration if c["level"] in ORDERED and c["n"]]
    if len(shares) < 2:
        return None
    return all(b >= a for a, b in zip(shares, shares[1:], strict=False)) and shares[-1] > shares[0]


def summary(records: Iterable[dict[str, Any]], part: str = ALL) -> dict[str, Any]:
    """Counts, confusion, precision, recall and calibration of the records of `part` (all: every one)."""
    rows = [r for r in records if part == ALL or r.get("part") == part]
    scored = [r for r in rows if r["outcome"] in SCORED]
    tp = sum(1 for r in scored if predicted(r) and r["outcome"] == BECAME)
    fp = sum(1 for r in scored if predicted(r) and r["outcome"] == STAYED)
    fn = sum(1 for r in scored if not predicted(r) and r["outcome"] == BECAME)
    tn = sum(1 for r in scored if not predicted(r) and r["outcome"] == STAYED)
    calibration = []
    for level in LEVELS:
        at = [r for r in scored if r.get("risk_level") == level]
        became = sum(1 for r in at if r["outcome"] == BECAME)
        calibration.append({"level": level, "n": len(at), "became_unmaintained": became,
                            "share": _ratio(became, len(at))})
    already = [r for r in rows if r["outcome"] == ALREADY]
    return {
        "part": part,
        "projects": len(rows),
        "outcomes": {o: sum(1 for r in rows if r["outcome"] == o) for o in OUTCOMES},
        "scored": len(scored),
        "confusion": {"true_positive": tp, "false_positive": fp, "false_negative": fn, "true_negative": tn},
        "precision": _ratio(tp, tp + fp),
        "recall": _ratio(tp, tp + fn),
        "precision_ci95": wilson(tp, tp + fp),
        "recall_ci95": wilson(tp, tp + fn),
        "base_rate": _ratio(tp + fn, len(scored)),
        "unknown_risk": sum(1 for r in scored if r.get("risk_level") == "unknown"),
        "calibration": calibration,
        "calibration_rises": rising(calibration),
        "already_unmaintained_called_high": _ratio(sum(1 for r in already if predicted(r)), len(already)),
    }


# Simple rules from other tools, judged on the same records (inputs at the date), for comparison.
BASELINES: tuple[tuple[str, str], ...] = (
    ("no human commit in 90 days", "last_human_commit_days > 90"),
    ("under 1 human commit a week in 90 days (Scorecard 'Maintained' below full)", "human_commits_90d < 13"),
    ("no release for 12 months (Renovate's rule)", "no release, or the last over 365 days before"),
)


def _baseline_hit(name: str, at: dict[str, Any]) -> bool | None:
    if name.startswith("no human commit"):
        v = at.get("last_human_commit_days")
        return None if v is None else v > 90
    if name.startswith("under 1 human commit"):
        v = at.get("human_commits_90d")
        return None if v is None else v < 13
    v = at.get("days_since_any_release")
    return True if v is None else v > 365


def baselines(records: Iterable[dict[str, Any]], part: str = ALL) -> list[dict[str, Any]]:
    """Precision and recall of each rule of BASELINES on the scored records of `part`."""
    rows = [r for r in records if (part == ALL or r.get("part") == part) and r["outcome"] in SCORED]
    out = []
    for name, rule in BASELINES:
        hits = [(_baseline_hit(name, r.get("at_date") or {}), r["outcome"] == BECAME) for r in rows]
        tp = sum(1 for h, b in hits if h and b)
        fp = sum(1 for h, b in hits if h and not b)
        fn = sum(1 for h, b in hits if not h and b)
        out.append({"part": part, "rule": name, "test": rule, "precision": _ratio(tp, tp + fp),
                    "recall": _ratio(tp, tp + fn), "TP/FP/FN": f"{tp}/{fp}/{fn}"})
    return out


def misses(records: Iterable[dict[str, Any]], part: str = ALL) -> list[dict[str, Any]]:
    """Every wrong call among the scored records: missed (became unmaintained, not high/critical)
    first, then false alarms (high/critical, stayed maintained), each with its evidence."""
    rows = [r for r in records if (part == ALL or r.get("part") == part) and r["outcome"] in SCORED]
    missed = [r for r in rows if r["outcome"] == BECAME and not predicted(r)]
    alarms = [r for r in rows if r["outcome"] == STAYED and predicted(r)]
    out = []
    for kind, group in (("missed", missed), ("false alarm", alarms)):
        for r in sorted(group, key=lambda r: r["project"].lower()):
            out.append({"kind": kind, "project": r["project"], "part": r.get("part"), "risk": r["risk_level"],
                        "maturity": r.get("maturity"), "evidence_at_date": evidence_text(r),
                        "what_happened": after_text(r)})
    return out


def evidence_text(r: dict[str, Any]) -> str:
    """The verdict's evidence at DATE in words: maturity and its reason, the flags raised."""
    flags = "; ".join(f"{f['name']}: {f['evidence']}" for f in r.get("flags") or []) or "no flag raised"
    why = r.get("maturity_reason") or ""
    health = "" if r.get("health_reason") is None else f" ({r['health_reason']})"
    return f"{display.text(r.get('maturity'))}: {why}; flags: {flags}{health}"


def _day(value: Any) -> str:
    """A date (or ISO text of one) as YYYY-MM-DD; 'unknown' when absent."""
    if isinstance(value, str):
        return value[:10] or "unknown"
    return display.date(value)


def after_text(r: dict[str, Any]) -> str:
    """What happened after DATE, in words."""
    a = r.get("after") or {}
    n = a.get("human_commits_after") or 0
    parts = [display.count(n, "human commit") + " in the horizon"]
    if n:
        parts.append(f"first {_day(a.get('first_human_commit_after'))}, "
                     f"last {_day(a.get('last_human_commit_after'))}")
    bots = (a.get("commits_after") or 0) - n
    if bots > 0:
        parts.append(display.count(bots, "bot commit"))
    rel = a.get("releases_after") or 0
    parts.append(display.count(rel, "release") + (f" (last {_day(a.get('last_release_after'))})" if rel
                                                   else ""))
    parts.append(f"newest commit in the data {_day(a.get('last_activity_at'))}")
    return ", ".join(parts)


def _fmt(value: Any) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _interval(ci: Sequence[float] | None) -> str:
    return "unknown" if not ci else f"{ci[0]:.2f}-{ci[1]:.2f}"


def summary_rows(summaries: Sequence[dict[str, Any]], as_of: str, horizon: str) -> list[dict[str, Any]]:
    """One table row per part: date, horizon, set, counts, precision, recall, calibration."""
    rows = []
    for s in summaries:
        c = s["confusion"]
        shares = ", ".join(f"{x['level']} {x['became_unmaintained']}/{x['n']}" for x in s["calibration"] if x["n"])
        rows.append({
            "date": as_of, "horizon": horizon, "set": s["part"], "scored": s["scored"],
            "became unmaintained": c["true_positive"] + c["false_negative"],
            "precision": _fmt(s["precision"]), "95% CI (precision)": _interval(s.get("precision_ci95")),
            "recall": _fmt(s["recall"]), "95% CI (recall)": _interval(s.get("recall_ci95")),
            "TP/FP/FN/TN": f"{c['true_positive']}/{c['false_positive']}/{c['false_negative']}/{c['true_negative']}",
            "calibration (became/n by risk)": shares or "none",
            "rises?": _fmt(s["calibration_rises"]),
        })
    return rows


def _md_table(rows: Sequence[dict[str, Any]]) -> str:
    if not rows:
        return "(none)\n"
    cols = list(rows[0])
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        lines.append("| " + " | ".join(display.plain(_fmt(r[c])).replace("|", "\\|").replace("\n", " ")
                                       for c in cols) + " |")
    return "\n".join(lines) + "\n"


def definitions(report: dict[str, Any]) -> str:
    """The outcome definition of a run, in words."""
    d = report.get("definitions") or {}
    alive = d.get("alive", "at least 1 human commit in the 12 months before the date")
    became = d.get("became_unmaintained", "no human commit in the horizon")
    return f"alive: {alive}; event (became unmaintained): {became}"


def markdown(report: dict[str, Any]) -> str:
    """The whole report as Markdown: results per set, calibration, confusion, every miss, the rest."""
    head = report["as_of"][:10]
    horizon = f"{report['horizon_months']} months"
    out = [f"# Backtest: maintenance risk as of {head}, outcome over {horizon}\n",
           f"Weights {report['weights_version']}; {display.count(report['projects'], 'project')}; "
           f"prediction: risk high or critical; {definitions(report)}.\n",
           "\n## Results\n\n", _md_table(summary_rows(report["summaries"], head, horizon))]
    for s in report["summaries"]:
        out.append(f"\n## Calibration and confusion: {s['part']}\n\n")
        out.append(_md_table([{"risk at the date": c["level"], "projects": c["n"],
                               "became unmaintained": c["became_unmaintained"], "share": c["share"]}
                              for c in s["calibration"]]))
        k = s["confusion"]
        out.append("\n" + _md_table([
            {"": "called high/critical", "became unmaintained": k["true_positive"],
             "stayed maintained": k["false_positive"]},
            {"": "not called high/critical", "became unmaintained": k["false_negative"],
             "stayed maintained": k["true_negative"]}]))
    out.append("\n## Simple rules on the same projects (for comparison)\n\n")
    out.append(_md_table([{k: v for k, v in b.items() if k != "test"} for b in report.get("baselines") or []]))
    out.append("\n## Every miss\n\n")
    out.append(_md_table(report["misses"]) if report["misses"] else "None.\n")
    apart = [r for r in report["records"] if r["outcome"] in (ALREADY, NOT_CREATED, NOT_OBSERVABLE)]
    out.append("\n## Reported apart (not scored)\n\n")
    out.append(_md_table([{"project": r["project"], "outcome": LABELS[r["outcome"]], "risk": r["risk_level"],
                           "maturity": r.get("maturity")} for r in apart]) if apart else "None.\n")
    return "".join(out)


def project_rows(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The per-project table the command prints."""
    return [{
        "project": r["project"], "set": r.get("part") or "", "risk": r["risk_level"],
        "maturity": r.get("maturity"),
        "flags": ", ".join(f["name"] for f in r.get("flags") or []) or "none",
        "outcome": LABELS[r["outcome"]],
        "human commits after": (r.get("after") or {}).get("human_commits_after"),
        "call": ("right" if predicted(r) == (r["outcome"] == BECAME) else "WRONG") if r["outcome"] in SCORED
        else "not scored",
    } for r in records]
