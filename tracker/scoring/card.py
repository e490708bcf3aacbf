"""Scoring one project from its metrics: a pure function, no store, no network (fast enough for
10,000 projects in well under two seconds; see bench/score.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from tracker import catalogue as cat
from tracker.scoring import evidence, risk, subscores
from tracker.scoring import funding_need as need_mod
from tracker.scoring.weights import Weights


def score_metrics(m: Mapping[str, Any], weights: Weights, now: datetime) -> dict[str, Any]:
    """Every score of one project: health (None below the evidence rule, with `health_reason`),
    coverage, sub-scores, risk (level `unknown` below the rule), maturity, funding need."""
    health, coverage, subs = subscores.health(m, weights)
    lacking = evidence.insufficient(m, subs, coverage, weights)
    stale = evidence.stale_git_date(m, now, weights)
    if stale is not None and subs["activity"]["score"] is not None:
        subs["activity"]["reason"] += f" (git data is from {stale:%Y-%m-%d}: activity judged as of that date)"
    assessed = risk.assess(m, weights, now, coverage, lacking, stale)
    if lacking is not None:
        health = None
        need, need_reason = None, lacking
    else:
        need, need_reason = need_mod.funding_need(m, subs, assessed["maturity"], weights)
    return {
        "health": health,
        "health_reason": lacking,
        "coverage": coverage,
        "subscores": subs,
        "risk_level": assessed["level"],
        "flags": assessed["flags"],
        "unchecked": assessed["unchecked"],
        "maturity": assessed["maturity"],
        "maturity_reason": assessed["maturity_reason"],
        "criticality": m.get(cat.CRITICALITY),
        "truck_factor": m.get(cat.TRUCK_FACTOR),
        "funding_need": need,
        "funding_need_reason": need_reason,
        "weights_version": weights.version,
    }
