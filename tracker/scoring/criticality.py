"""OpenSSF criticality_score, the original algorithm by Rob Pike, and its signals from our metrics.

score = sum_i(w_i * ln(1 + S_i) / ln(1 + max(S_i, T_i))) / sum_i(w_i)

`pike` is the original Python implementation (2020, criticality_score/run.py and constants.py):
updated_since has weight -1, the result is rounded to 5 decimals and clamped to [0, 1]. It
reproduces the published results/c_top_200.csv. `pike_v2` is the Go rewrite's
config/scorer/original_pike.yml: updated_since "smaller is better" with weight +1, values capped
at the threshold; it reproduces the sample in cmd/scorer/README.md. Weights and thresholds are in
tracker/config/weights.toml ([criticality.*]).

Missing signals (None) are handled as the Go scorer documents for absent fields
(internal/scorer/algorithm/wam/wam.go): the input is skipped, its weight leaving both sums.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from tracker import catalogue as cat
from tracker.scoring.weights import CRITICALITY_SIGNALS, shipped

ALGORITHMS = ("pike", "pike_v2")
DECIMALS = 5


def criticality_score(signals: Mapping[str, float | None], algorithm: str = "pike") -> float:
    """The criticality (0-1) of a project from its signals, keyed as in the original project.

    Unknown signal names raise ValueError; None values are skipped. Raises ValueError when no
    signal with a positive total weight is known.
    """
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unknown criticality algorithm {algorithm!r}; known: {', '.join(ALGORITHMS)}")
    unknown = set(signals) - set(CRITICALITY_SIGNALS)
    if unknown:
        raise ValueError(f"unknown criticality signal(s): {', '.join(sorted(unknown))}")
    params = shipped()["criticality"][algorithm]
    total = weight_sum = 0.0
    for name in CRITICALITY_SIGNALS:
        value = signals.get(name)
        if value is None:
            continue
        spec = params[name]
        weight, threshold = float(spec["weight"]), float(spec["threshold"])
        value = max(float(value), 0.0)
        if algorithm == "pike":
            part = math.log1p(value) / math.log1p(max(value, threshold))
        else:
            value = min(value, threshold)
            if spec.get("smaller_is_better"):
                value = threshold - value
            part = math.log1p(value) / math.log1p(threshold)
        total += weight * part
        weight_sum += weight
    if weight_sum <= 0:
        raise ValueError("no criticality signal known (or only ones whose weights sum to <= 0)")
    score = total / weight_sum
    if algorithm == "pike":
        return max(min(round(score, DECIMALS), 1.0), 0.0)
    return score


def _months(days: float | None, days_per_month: float) -> int | None:
    return None if days is None else round(days / days_per_month)


def signals_from_metrics(
    m: Mapping[str, Any], now: datetime, git_orgs: int | None = None
) -> tuple[dict[str, float | None], dict[str, str]]:
    """The ten signals from our metrics: GitHub's when known, else git's nearest equivalent.
    Returns (signals, source of each known signal)."""
    cfg = shipped()["criticality"]["signals"]
    dpm, wpy = cfg["days_per_month"], cfg["weeks_per_year"]
    first = m.get(cat.FIRST_COMMIT_AT)
    age_days = (now - first).days if isinstance(first, datetime) else None
    commits_365 = m.get(cat.COMMITS_365D)
    choices: dict[str, list[tuple[str, Any]]] = {
        "created_since": [
            ("github created_since_months", m.get(cat.CREATED_SINCE_MONTHS)),
            ("git first commit", _months(age_days, dpm)),
        ],
        "updated_since": [
            ("github updated_since_months", m.get(cat.UPDATED_SINCE_MONTHS)),
            ("git last commit", _months(m.get(cat.DAYS_SINCE_LAST_COMMIT), dpm)),
        ],
        "contributor_count": [
            ("github contributor_count", m.get(cat.CONTRIBUTOR_COUNT)),
            ("git contributors_total", m.get(cat.CONTRIBUTORS_TOTAL)),
        ],
        "org_count": [("github org_count", m.get(cat.ORG_COUNT)), ("git e-mail domains", git_orgs)],
        "commit_frequency": [
            ("github commit_frequency_weekly", m.get(cat.COMMIT_FREQUENCY_WEEKLY)),
            ("git commits_365d / 52", None if commits_365 is None else round(commits_365 / wpy, 1)),
        ],
        "recent_releases_count": [
            ("github recent_releases_count", m.get(cat.RECENT_RELEASES_COUNT)),
            ("git tags_365d", m.get(cat.TAGS_365D)),
        ],
        "closed_issues_count": [("github closed_issues_count_90d", m.get(cat.CLOSED_ISSUES_COUNT_90D))],
        "updated_issues_count": [("github updated_issues_count_90d", m.get(cat.UPDATED_ISSUES_COUNT_90D))],
        "comment_frequency": [("github comment_frequency_90d", m.get(cat.COMMENT_FREQUENCY_90D))],
        "dependents_count": [("dependents_count", m.get(cat.DEPENDENTS_COUNT))],
    }
    signals: dict[str, float | None] = {}
    sources: dict[str, str] = {}
    for name, options in choices.items():
        signals[name] = None
        for source, value in options:
            if value is not None:
                signals[name] = float(value)
                sources[name] = source
                break
    return signals, sources


def project_criticality(m: Mapping[str, Any], now: datetime, git_orgs: int | None = None) -> float | None:
    """Criticality (pike) of a tracked project from what we collected; None if nothing is known."""
    signals, _ = signals_from_metrics(m, now, git_orgs)
    try:
        return criticality_score(signals, "pike")
    except ValueError:
        return None
