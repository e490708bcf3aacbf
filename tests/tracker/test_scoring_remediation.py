"""What would raise a score: each step's worth checked by hand against tracker/config/weights.toml."""

from __future__ import annotations

from datetime import datetime

import pytest

from tracker import catalogue as cat
from tracker.scoring import remediation, scales
from tracker.scoring.card import score_metrics
from tracker.scoring.weights import SUBSCORES, shipped

NOW = datetime(2026, 11, 1, 12, 0)
W = shipped()

# A project with every sub-score known: all its components have a value.
METRICS = {
    cat.LAST_HUMAN_COMMIT_DAYS: 10, cat.DAYS_SINCE_LAST_COMMIT: 10, cat.HUMAN_COMMITS_90D: 5,
    cat.HUMAN_ACTIVE_WEEKS_52: 10, cat.HUMAN_COMMITS_365D: 40, cat.COMMITS_365D: 40, cat.PROJECT_AGE_DAYS: 2000,
    cat.CONTRIBUTOR_ABSENCE_FACTOR_365D: 1, cat.TRUCK_FACTOR: 1, cat.ELEPHANT_FACTOR_365D: 1,
    cat.ACTIVE_CONTRIBUTORS_365D: 3, cat.NEW_CONTRIBUTORS_365D: 1, cat.LEAVING_CONTRIBUTORS_365D: 1,
    cat.MEDIAN_TIME_TO_FIRST_RESPONSE_HOURS_90D_ISSUES: 720.0, cat.MEDIAN_TIME_TO_FIRST_RESPONSE_HOURS_90D_PRS: 30.0,
    cat.CHANGE_REQUEST_CLOSURE_RATIO_90D: 0.8, cat.ISSUE_CLOSURE_RATIO_90D: 0.5, cat.MEDIAN_OPEN_ISSUE_AGE_DAYS: 100.0,
    cat.DAYS_SINCE_LAST_RELEASE: 30, cat.DAYS_SINCE_LAST_TAG: 30, cat.MEDIAN_RELEASE_INTERVAL_DAYS: 60.0,
    cat.RELEASES_365D: 6, cat.TAGS_365D: 6, cat.TAGS_TOTAL: 10,
    cat.FUNDING_CHANNELS_COUNT: 1, cat.SPONSORS_COUNT: 3, cat.OC_RECEIVED_12M_USD: 0.0, cat.GRANTS_TOTAL_USD_5Y: 0.0,
    cat.FUNDING_PER_ACTIVE_MAINTAINER_USD: 0.0, cat.HAS_SPONSORS_LISTING: True,
    cat.REPO_FILES: ["license", "contributing"], cat.STARS: 100, cat.CRITICALITY: 0.4, cat.OPEN_ISSUES: 20,
}


def component_weight(sub: str, comp: str) -> float:
    return float(W["subscores"][sub][comp]["weight"])


def subscore_total(sub: str) -> float:
    return sum(component_weight(sub, c) for c in SUBSCORES[sub])


def health_share(sub: str) -> float:
    """A sub-score point is worth this many health points when every sub-score is known."""
    weights = W["health"]["weights"]
    return weights[sub] / sum(weights.values())


def found(metrics=METRICS) -> dict[str, remediation.Step]:
    return {s.key: s for s in remediation.steps(metrics, W, NOW)}


def test_every_subscore_is_known_in_the_fixture():
    result = score_metrics(METRICS, W, NOW)
    assert all(sub["score"] is not None for sub in result["subscores"].values())
    assert result["health"] is not None


def test_a_missing_file_is_worth_its_weight_in_hygiene_times_hygiene_in_health():
    steps = found()
    # hygiene components are 0 or 100: adding SECURITY.md adds 100 * its share of the hygiene weight
    security = 100 * component_weight("hygiene", "security_policy") / subscore_total("hygiene")
    assert steps["security_policy"].gain == pytest.approx(security * health_share("hygiene"), abs=0.11)
    assert steps["security_policy"].subscore_gain == pytest.approx(security, abs=0.11)
    assert "SECURITY.md" in steps["security_policy"].label
    governance = 100 * component_weight("hygiene", "governance") / subscore_total("hygiene")
    assert steps["governance"].gain == pytest.approx(governance * health_share("hygiene"), abs=0.11)
    assert "license" not in steps and "contributing" not in steps  # already there: nothing to add


def test_answering_issues_within_a_week_follows_the_response_scale():
    scale = W["subscores"]["responsiveness"]["issue_first_response"]["points"]
    component = scales.piecewise(168, scale) - scales.piecewise(720, scale)  # 720 h today -> within a week
    sub = component * component_weight("responsiveness", "issue_first_response") / subscore_total("responsiveness")
    step = found()["answer_issues"]
    assert step.label == "Answer new issues within a week"
    assert step.gain == pytest.approx(sub * health_share("responsiveness"), abs=0.11)
    assert "720 hours -> 168 hours" in step.detail and step.detail.startswith("Time to first response, issues")
    # pull requests are answered within 30 h: the next rung is a day
    prs = found()["answer_prs"]
    assert prs.label == "Answer new pull requests within a day"
    pr_component = scales.piecewise(24, scale) - scales.piecewise(30, scale)
    pr_sub = pr_component * component_weight("responsiveness", "pr_first_response") / subscore_total("responsiveness")
    assert prs.gain == pytest.approx(pr_sub * health_share("responsiveness"), abs=0.11)


def test_a_second_regular_committer_follows_the_absence_factor_scale():
    scale = W["subscores"]["contributor_resilience"]["absence_factor"]["points"]
    component = scales.piecewise(2, scale) - scales.piecewise(1, scale)
    sub = component * component_weight("contributor_resilience", "absence_factor") / subscore_total(
        "contributor_resilience")
    step = found()["second_committer"]
    assert step.label.startswith("A second regular committer")
    assert step.gain == pytest.approx(sub * health_share("contributor_resilience"), abs=0.11)
    assert step.detail == "Contributor absence factor: 1 person -> 2 people"


def test_steps_are_ranked_by_health_gain_and_grouped_by_subscore():
    steps = remediation.steps(METRICS, W, NOW)
    gains = [s.gain for s in steps]
    assert gains == sorted(gains, reverse=True) and all(g >= remediation.MIN_GAIN for g in gains)
    groups = remediation.by_subscore(steps)
    assert list(groups)[0] == steps[0].subscore
    for group in groups.values():
        assert [s.gain for s in group] == sorted((s.gain for s in group), reverse=True)
    assert set(groups) <= set(SUBSCORES)
    # every step names a catalogued metric: its label and methodology section come from there
    assert all(s.metric in cat.METRICS for s in steps)


def test_unknown_inputs_and_ceilings_offer_nothing():
    metrics = dict(METRICS)
    metrics[cat.MEDIAN_TIME_TO_FIRST_RESPONSE_HOURS_90D_ISSUES] = None  # not collected: no advice on it
    metrics[cat.REPO_FILES] = ["license", "security", "contributing", "codeowners", "code_of_conduct", "governance"]
    steps = found(metrics)
    assert "answer_issues" not in steps
    assert not any(s.subscore == "hygiene" for s in steps.values())
    assert remediation.steps({}, W, NOW) == []
    assert remediation.steps(None, W, NOW) == []


def test_a_never_released_project_is_told_to_publish_a_first_release():
    metrics = {k: v for k, v in METRICS.items() if k not in (
        cat.DAYS_SINCE_LAST_RELEASE, cat.DAYS_SINCE_LAST_TAG, cat.MEDIAN_RELEASE_INTERVAL_DAYS, cat.RELEASES_365D,
        cat.TAGS_365D)}
    metrics[cat.TAGS_TOTAL] = 0
    step = found(metrics)["release_now"]
    assert step.label == "Publish a release" and step.gain > 0
    assert step.detail.endswith("none yet")


@pytest.mark.parametrize("change", [{}, {cat.STARS: 40_000}, {cat.CONTRIBUTOR_ABSENCE_FACTOR_365D: 4},
                                    {cat.SPONSORS_COUNT: 80, cat.OC_RECEIVED_12M_USD: 50_000.0}])
def test_need_parts_multiply_to_the_funding_need(change):
    metrics = {**METRICS, **change}
    result = score_metrics(metrics, W, NOW)
    parts = remediation.need_parts(metrics, result["subscores"], result["maturity"], W)
    assert set(parts) == set(remediation.NEED_PARTS) and all(0 <= v <= 1 for v in parts.values())
    product = 100 * parts["importance"] * parts["alive"] * parts["strain"] * parts["unfunded"]
    assert result["funding_need"] == pytest.approx(product, abs=0.051)


def test_need_parts_unknown_stay_unknown():
    parts = remediation.need_parts({}, {}, None, W)
    assert parts == {"importance": None, "alive": None, "strain": None, "unfunded": None}
    assert remediation.need_parts({}, {}, "archived", W)["alive"] == 0.0
