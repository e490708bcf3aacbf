"""The read model's rankings put projects without a verdict last and say how many: the overview by
health, the funders table by funding need; rows carry coverage, `health_reason` and the risk level
("unknown" below the evidence rule or before any score, never missing)."""

from __future__ import annotations

import json
from datetime import datetime

from tracker import registry
from tracker.readmodel import pages

NOW = datetime(2026, 11, 1)


def _score(store, slug, health, coverage, risk, need=None, reason=None):
    project, _ = registry.add(store, slug)
    store.execute(
        "INSERT INTO scores (project_id, computed_at, health, coverage, health_reason, subscores, risk_level, flags,"
        " funding_need, criticality, weights_version, metrics) VALUES (?, ?, ?, ?, ?, '{}', ?, '[]', ?, 0.5, 't', ?)",
        [project.id, NOW, health, coverage, reason, risk, need, json.dumps({})])


def _scored(store):
    _score(store, "a/thin", None, 0.04, "unknown", reason="insufficient data: git history not collected")
    _score(store, "b/good", 80.0, 0.9, "low", need=20.0)
    _score(store, "c/fair", 55.0, 0.7, "medium", need=70.0)
    _score(store, "d/needy-unknown", 61.0, 0.8, "medium")
    registry.add(store, "e/never-scored")


def test_overview_ranks_by_health_unknowns_last_and_counts_them(store):
    _scored(store)
    df = pages.overview(store, NOW)
    assert list(df["slug"]) == ["b/good", "d/needy-unknown", "c/fair", "a/thin", "e/never-scored"]
    assert df.attrs["unranked"] == 2 == pages.unranked(df, "health")
    thin = df[df["slug"] == "a/thin"].iloc[0]
    assert thin["coverage"] == 0.04 and thin["health_reason"].startswith("insufficient data")
    assert list(df["risk_level"]) == ["low", "medium", "medium", "unknown", "unknown"]


def test_funders_rank_by_need_unknowns_last_and_count_them(store):
    _scored(store)
    df = pages.funders(store)
    assert list(df["slug"]) == ["c/fair", "b/good", "a/thin", "d/needy-unknown", "e/never-scored"]
    assert df.attrs["unranked"] == 3
    assert {"coverage", "health_reason"} <= set(df.columns)
    assert df[df["slug"] == "a/thin"].iloc[0]["risk_level"] == "unknown"
