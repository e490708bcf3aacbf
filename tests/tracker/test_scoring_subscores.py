"""Sub-scores and health: hand-computed expectations, and properties that must always hold."""

from __future__ import annotations

import math
import random

import pytest

from tracker.scoring import subscores
from tracker.scoring import weights as weights_mod

W = weights_mod.shipped()

# One project with every input known except three funding figures.
METRICS = {
    "last_human_commit_days": 60,
    "human_commits_90d": 6,
    "human_active_weeks_52": 13,
    "contributor_absence_factor_365d": 2,
    "truck_factor": 3,
    "elephant_factor_365d": 1,
    "active_contributors_365d": 9,
    "new_contributors_365d": 2,
    "leaving_contributors_365d": 2,
    "median_time_to_first_response_hours_90d_issues": 48,
    "median_time_to_first_response_hours_90d_prs": 12,
    "change_request_closure_ratio_90d": 0.8,
    "issue_closure_ratio_90d": 0.5,
    "median_open_issue_age_days": 145,
    "days_since_last_release": 120,
    "days_since_last_tag": 130,
    "median_release_interval_days": 60,
    "releases_365d": 3,
    "funding_channels_count": 2,
    "sponsors_count": 9,
    "repo_files": ["contributing", "license", "security"],
}


def test_activity_by_hand():
    # recency 60 d: between (30, 100) and (90, 80) -> 90; volume ln 7 / ln 13 -> 75.866;
    # regularity 13/52 = 0.25 on (0, 0)-(0.5, 100) -> 50. 0.4*90 + 0.3*75.866 + 0.3*50 = 73.76
    s = subscores.subscore("activity", METRICS, W)
    assert s["score"] == pytest.approx(0.4 * 90 + 0.3 * 100 * math.log(7) / math.log(13) + 0.3 * 50, abs=0.05)
    assert s["score"] == 73.8
    assert s["reason"].startswith("last human commit 60 days ago; 6 human commits in 90 days")
    assert s["inputs"] == {"last_human_commit_days": 60, "human_commits_90d": 6, "human_active_weeks_52": 13}


def test_contributor_resilience_by_hand():
    # absence 2 -> 40, truck 3 -> 60, elephant 1 -> 30, 9 people ln 10 / ln 51 -> 58.56,
    # renewal 2/(2+2) = 0.5 -> 100. 12 + 15 + 4.5 + 8.78 + 15 = 55.28
    s = subscores.subscore("contributor_resilience", METRICS, W)
    assert s["score"] == 55.3
    assert s["components"] == {
        "absence_factor": 40.0,
        "truck_factor": 60.0,
        "elephant_factor": 30.0,
        "active_people": 58.6,
        "renewal": 100.0,
    }


def test_responsiveness_by_hand():
    # issues 48 h -> 90, PRs 12 h -> 100, closure 0.8 -> 80 and 0.5 -> 50, issue age 145 d -> 68.
    # 22.5 + 25 + 16 + 7.5 + 10.2 = 81.2
    assert subscores.subscore("responsiveness", METRICS, W)["score"] == 81.2


def test_release_cadence_by_hand():
    # the most recent of release (120 d) and tag (130 d): 120 -> 93.33; interval 60 d -> 95;
    # regularity 3 / (365/60) = 0.493 -> 49.32. 42 + 28.5 + 12.33 = 82.83
    s = subscores.subscore("release_cadence", METRICS, W)
    assert s["score"] == 82.8
    assert "last release 120 days ago" in s["reason"]


def test_funding_partly_known_by_hand():
    # channels 2 -> 80, sponsors ln 10 / ln 101 -> 49.89; three unknown components drop out.
    s = subscores.subscore("funding", METRICS, W)
    assert s["score"] == pytest.approx((80 + 100 * math.log(10) / math.log(101)) / 2, abs=0.05)
    assert s["known_share"] == 0.4
    assert "unknown: oc income, grants, per maintainer" in s["reason"]


def test_hygiene_by_hand():
    # license 0.3 + security 0.2 + contributing 0.15 present -> 65
    s = subscores.subscore("hygiene", METRICS, W)
    assert s["score"] == 65.0
    assert "no CODEOWNERS" in s["reason"]


def test_health_and_coverage_by_hand():
    # (25*73.8 + 25*55.3 + 15*81.2 + 15*82.8 + 10*64.9 + 10*65) / 100 = 69.865
    health, coverage, subs = subscores.health(METRICS, W)
    assert health == 69.9
    # all weight known except 60% of funding's 10: 94%
    assert coverage == 0.94


def test_nothing_known_is_none_not_zero():
    health, coverage, subs = subscores.health({}, W)
    assert health is None and coverage == 0.0
    assert all(s["score"] is None for s in subs.values())
    assert subs["activity"]["reason"].startswith("activity unknown")


def test_never_released_counts_from_the_first_commit():
    s = subscores.subscore("release_cadence", {"tags_total": 0, "project_age_days": 400}, W)
    # 400 days: between (365, 50) and (548, 20) -> 50 - 30 * 35/183
    assert s["score"] == pytest.approx(50 - 30 * 35 / 183, abs=0.05)
    assert "no release in the 400 days since the first commit" in s["reason"]


def _random_metrics(rng: random.Random) -> dict:
    m = dict(METRICS)
    for key in list(m):
        if key == "repo_files":
            m[key] = rng.choice([None, [], ["license"], ["license", "security", "governance"]])
        elif rng.random() < 0.25:
            m[key] = None
        elif isinstance(m[key], float):
            m[key] = rng.random()
        else:
            m[key] = rng.randint(0, 400)
    for key in ("oc_received_12m_usd", "grants_total_usd_5y", "funding_per_active_maintainer_usd"):
        m[key] = None if rng.random() < 0.5 else rng.uniform(0, 200000)
    if m["human_active_weeks_52"] is not None:
        m["human_active_weeks_52"] = min(52, m["human_active_weeks_52"])
    return m


def test_more_recent_commits_never_lower_activity():
    rng = random.Random(7)
    for _ in range(2000):
        m = _random_metrics(rng)
        before = subscores.subscore("activity", m, W)["score"]
        # k more human commits, the newest d days ago (d < 90), in a week that may be new.
        k, d = rng.randint(1, 30), rng.randint(0, 89)
        after_m = dict(m)
        # What is unknown stays unknown (more commits do not make a collector run).
        if m["human_commits_90d"] is not None:
            after_m["human_commits_90d"] = m["human_commits_90d"] + k
        if m["last_human_commit_days"] is not None:
            after_m["last_human_commit_days"] = min(m["last_human_commit_days"], d)
        if m["human_active_weeks_52"] is not None:
            after_m["human_active_weeks_52"] = min(52, m["human_active_weeks_52"] + rng.randint(0, 1))
        after = subscores.subscore("activity", after_m, W)["score"]
        assert (before is None) == (after is None)
        assert before is None or after >= before, (m, after_m)


def test_unknown_funding_keeps_health_of_a_config_without_funding(tmp_path):
    no_funding = tmp_path / "no-funding.toml"
    no_funding.write_text("[health.weights]\nfunding = 0\n")
    without = weights_mod.load(no_funding)
    rng = random.Random(11)
    for _ in range(500):
        m = _random_metrics(rng)
        for key in (
            "funding_channels_count",
            "sponsors_count",
            "oc_received_12m_usd",
            "grants_total_usd_5y",
            "funding_per_active_maintainer_usd",
        ):
            m[key] = None
        assert subscores.health(m, W)[0] == subscores.health(m, without)[0]
    # ... while known funding does move it
    m = dict(METRICS, funding_channels_count=0, sponsors_count=0)
    assert subscores.health(m, W)[0] != subscores.health(m, without)[0]


def test_unknown_sub_score_is_left_out_not_counted_as_zero():
    m = {
        k: v
        for k, v in METRICS.items()
        if not k.startswith(("median_time", "change_request", "issue_closure", "median_open"))
    }
    health, coverage, subs = subscores.health(m, W)
    assert subs["responsiveness"]["score"] is None
    known = {n: s["score"] for n, s in subs.items() if s["score"] is not None}
    weights = W["health"]["weights"]
    expected = sum(weights[n] * v for n, v in known.items()) / sum(weights[n] for n in known)
    assert health == pytest.approx(expected, abs=0.05)
    assert coverage == pytest.approx(0.94 - 0.15)


def test_compiled_scales_match_the_reference_formulas():
    from tracker.scoring import scales

    points = [[0, 100], [30, 100], [90, 80], [180, 50], [365, 20], [730, 0]]
    by_points = scales.compile_scale({"points": points})
    by_log = scales.compile_scale({"log_target": 12})
    for x in [-5, 0, 1, 29.5, 30, 31, 60, 90, 100, 364, 365, 500, 729, 730, 10_000]:
        assert by_points(x) == pytest.approx(scales.piecewise(x, points))
        assert by_log(x) == pytest.approx(scales.log_scaled(x, 12))
    assert by_points(60) == 90 and by_log(12) == 100 and by_log(0) == 0


# -- the components built once at import (mutmut cannot switch them: docs/testing.md), word for word --
@pytest.mark.parametrize("comp, kind, what", [
    ("license", "license", "license"), ("security_policy", "security", "security policy"),
    ("contributing", "contributing", "contributing guide"), ("codeowners", "codeowners", "CODEOWNERS"),
    ("code_of_conduct", "code_of_conduct", "code of conduct"), ("governance", "governance", "governance document"),
])
def test_each_hygiene_file_scores_and_says_what_it_found(comp, kind, what):
    component = subscores.COMPONENTS["hygiene"][comp]
    inputs: dict = {}
    assert component({"repo_files": [kind, "other"]}, inputs) == (1, what) and inputs == {f"has_{kind}": True}
    inputs = {}
    assert component({"repo_files": ["other"]}, inputs) == (0, f"no {what}") and inputs == {f"has_{kind}": False}
    inputs = {}
    assert component({}, inputs) == (None, "") and inputs == {"repo_files": None}


def test_responsiveness_components_say_their_figures():
    c = subscores.COMPONENTS["responsiveness"]
    m = {"median_time_to_first_response_hours_90d_issues": 5.0, "median_time_to_first_response_hours_90d_prs": 7.5,
         "change_request_closure_ratio_90d": 0.5, "issue_closure_ratio_90d": 0.25}
    got = {name: c[name](m, {}) for name in ("issue_first_response", "pr_first_response", "change_request_closure",
                                             "issue_closure")}
    assert got == {"issue_first_response": (5.0, "median first response to issues 5 h"),
                   "pr_first_response": (7.5, "median first response to pull requests 7.5 h"),
                   "change_request_closure": (0.5, "change request closure ratio 0.5"),
                   "issue_closure": (0.25, "issue closure ratio 0.25")}
    inputs: dict = {}
    assert c["issue_first_response"]({}, inputs) == (None, "")
    assert inputs == {"median_time_to_first_response_hours_90d_issues": None}


def test_funding_amounts_say_their_figures():
    c = subscores.COMPONENTS["funding"]
    m = {"sponsors_count": 5, "oc_received_12m_usd": 1200.0}
    assert c["sponsors"](m, {}) == (5, "5 GitHub sponsors")
    assert c["oc_income"](m, {}) == (1200.0, "Open Collective income (12 months) $1,200")
    inputs: dict = {}
    assert c["sponsors"]({}, inputs) == (None, "") and inputs["sponsors_count"] is None
