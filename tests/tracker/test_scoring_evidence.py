"""No verdict without evidence (tracker/scoring/evidence.py): the reason texts word for word, the
coverage bound on both sides, and the git data's date at both sides of its grace period
(`[evidence]` of the shipped weights: coverage 50 %, activity required, 7 days' grace)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tracker import catalogue as cat
from tracker.scoring import evidence
from tracker.scoring.weights import Weights, shipped

W = shipped()


def with_evidence(**rule) -> Weights:
    return Weights({**W.data, "evidence": {**W["evidence"], **rule}}, "test", "test")
NOW = datetime(2026, 11, 1, 12, 0)
KNOWN = {"activity": {"score": 40.0}}
UNKNOWN = {"activity": {"score": None}}
NEEDS = "a verdict needs 50% coverage and activity known"
GIT = {cat.COMMITS_TOTAL: 10}
GITHUB = {cat.STARS: 3}


def test_enough_evidence_is_no_reason():
    assert evidence.insufficient(GIT, KNOWN, 0.5, W) is None   # exactly the floor is enough
    assert evidence.insufficient(GIT, KNOWN, 0.9, W) is None


def test_coverage_just_below_the_floor():
    assert evidence.insufficient({**GIT, **GITHUB}, KNOWN, 0.49, W) == f"insufficient data (coverage 49%; {NEEDS})"


def test_a_required_subscore_unknown_is_named():
    assert evidence.insufficient({**GIT, **GITHUB}, UNKNOWN, 0.8, W) == (
        f"insufficient data: activity unknown (coverage 80%; {NEEDS})")


def test_sources_not_collected_are_named_in_order():
    assert evidence.insufficient({}, UNKNOWN, 0.0, W) == (
        f"insufficient data: git history, GitHub data not collected (coverage 0%; {NEEDS})")
    assert evidence.insufficient(GITHUB, UNKNOWN, 0.2, W) == (
        f"insufficient data: git history not collected (coverage 20%; {NEEDS})")
    # any one of stars, archived, open issues is GitHub data
    for name in (cat.STARS, cat.ARCHIVED, cat.OPEN_ISSUES):
        assert evidence.not_collected({**GIT, name: 0}) == []
    assert evidence.not_collected(GIT) == ["GitHub data"]


def test_the_rule_comes_from_the_weights():
    weights = with_evidence(min_coverage=0.9, required=["activity", "funding"])
    subs = {"activity": {"score": 40.0}, "funding": {"score": None}}
    assert evidence.insufficient({**GIT, **GITHUB}, subs, 0.95, weights) == (
        "insufficient data: funding unknown (coverage 95%; a verdict needs 90% coverage and activity known"
        " and funding known)")
    both = {"activity": {"score": None}, "funding": {"score": None}}
    assert evidence.insufficient({**GIT, **GITHUB}, both, 0.95, weights).startswith(
        "insufficient data: activity, funding unknown (coverage 95%;")


@pytest.mark.parametrize(("age", "stale"), [
    (timedelta(days=7), False),                               # at the grace edge: still current
    (timedelta(days=7, seconds=1), True),
    (timedelta(days=30), True),
    (timedelta(0), False),
])
def test_git_data_older_than_its_grace_is_stale(age, stale):
    when = NOW - age
    assert evidence.stale_git_date({cat.GIT_DATA_AT: when}, NOW, W) == (when if stale else None)


def test_git_data_date_as_text_and_unreadable():
    assert evidence.stale_git_date({cat.GIT_DATA_AT: "2026-10-01T00:00:00Z"}, NOW, W) == datetime(2026, 10, 1)
    assert evidence.stale_git_date({cat.GIT_DATA_AT: "2026-10-30T00:00:00"}, NOW, W) is None
    assert evidence.stale_git_date({cat.GIT_DATA_AT: "last week"}, NOW, W) is None
    assert evidence.stale_git_date({cat.GIT_DATA_AT: 12}, NOW, W) is None
    assert evidence.stale_git_date({}, NOW, W) is None
    longer = with_evidence(git_data_grace_days=40)
    assert evidence.stale_git_date({cat.GIT_DATA_AT: NOW - timedelta(days=30)}, NOW, longer) is None
