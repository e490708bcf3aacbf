"""Sub-scores and health: hand-computed expectations, and properties that must always hold."""

from __future__ import annotations

import math
import random

import pytest

from tracker import catalogue as cat
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
    "days_since_any_release": 400,
    "days_since_last_release": 410,
    "days_since_last_tag": 400,
    "releases_3y": 2,
    "project_age_days": 3000,
    "funding_channels_count": 2,
    "has_sponsors_listing": True,
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
    s = subscores.subscore("responsiveness", METRICS, W)
    assert s["score"] == 81.2
    assert "change request closure ratio 80%; issue closure ratio 50%" in s["reason"]  # as pages show ratios


def _rc_last(days):
    """The last_release scale of weights.toml by hand: 365 d -> 80, 548 d -> 40."""
    return 80 - 40 * (days - 365) / (548 - 365)


def test_release_cadence_by_hand():
    # newest release of any kind 400 days ago -> 80 - 40 * 35/183 = 72.35;
    # 2 releases in the last 3 years (1,096 days: 3.0007 years) -> 0.6665 a year, on (0.34, 50)-(1, 100):
    # 50 + 50 * (0.6665 - 0.34) / 0.66 = 74.73; usual gap 365.25 / 0.6665 = 548 days, 400 / 548 = 0.73 gaps
    # since the last one -> on rhythm, 100. 0.4 * 72.35 + 0.3 * 74.73 + 0.3 * 100 = 81.36
    rate = 2 / (1096 / 365.25)
    expected = 0.4 * _rc_last(400) + 0.3 * (50 + 50 * (rate - 0.34) / 0.66) + 0.3 * 100
    s = subscores.subscore("release_cadence", METRICS, W)
    assert s["score"] == pytest.approx(expected, abs=0.05)
    assert s["reason"] == "last release 400 days ago; 2 releases in the last 3 years"


def test_release_cadence_reads_the_recent_rhythm_not_the_whole_history():
    """psf/requests' shape: early bursts, now about 5 releases a year, the last 199 days ago. The
    expectation comes from the last 3 years (never '~46 expected' from the all-time median gap), and
    the reason reads as a person would write it."""
    m = {"releases_3y": 15, "days_since_any_release": 199, "project_age_days": 5000,
         "median_release_interval_days": 8, "releases_365d": 5}  # the old inputs are no longer read
    s = subscores.subscore("release_cadence", m, W)
    assert s["reason"] == ("last release 199 days ago; about 5 a year over the last 3 years;"
                           " later than its usual gap of about 73 days")
    assert "expected" not in s["reason"]
    # a slow but steady project (one release a year, the last 200 days ago) is not penalised
    steady = subscores.subscore("release_cadence", {"releases_3y": 3, "days_since_any_release": 200,
                                                    "project_age_days": 5000}, W)
    assert steady["score"] >= 95 and steady["reason"] == "last release 200 days ago; 3 releases in the last 3 years"
    # a young project's rate is over its own life: 4 releases in its 6 months is 8 a year
    young = subscores.subscore("release_cadence", {"releases_3y": 4, "days_since_any_release": 20,
                                                   "project_age_days": 183}, W)
    assert young["score"] == 100 and "about 8 a year over its 6 months" in young["reason"]


def test_funding_partly_known_by_hand():
    # asks for funding: 2 channels -> 80 (weight 0.1); sponsors of a listing ln 10 / ln 101 -> 49.89 (0.2);
    # four unknown components drop out. Money arrives (9 sponsors): no cap.
    s = subscores.subscore("funding", METRICS, W)
    assert s["score"] == pytest.approx((0.1 * 80 + 0.2 * 100 * math.log(10) / math.log(101)) / 0.3, abs=0.05)
    assert s["known_share"] == 0.3
    assert s["reason"].startswith("declares 2 funding channels; 9 GitHub sponsors")
    assert "unknown: oc income, grants, reported income, per maintainer" in s["reason"]
    one = subscores.subscore("funding", METRICS | {"funding_channels_count": 1, "sponsors_count": 1}, W)
    assert one["reason"].startswith("declares 1 funding channel; 1 GitHub sponsor")  # plurals right


def test_hygiene_by_hand():
    # license 0.3 + security 0.2 + contributing 0.15 present -> 65
    s = subscores.subscore("hygiene", METRICS, W)
    assert s["score"] == 65.0
    assert "no CODEOWNERS" in s["reason"]


def test_health_and_coverage_by_hand():
    health, coverage, subs = subscores.health(METRICS, W)
    by_hand = (25 * 73.8 + 25 * 55.3 + 15 * 81.2 + 15 * subs["release_cadence"]["score"]
               + 10 * subs["funding"]["score"] + 10 * 65) / 100
    assert subs["release_cadence"]["score"] == 81.4 and subs["funding"]["score"] == 59.9
    assert health == pytest.approx(by_hand, abs=0.05) and health == 69.2
    # all weight known except 70% of funding's 10: 93%
    assert coverage == 0.93


def test_nothing_known_is_none_not_zero():
    health, coverage, subs = subscores.health({}, W)
    assert health is None and coverage == 0.0
    assert all(s["score"] is None for s in subs.values())
    assert subs["activity"]["reason"].startswith("activity unknown")


def test_never_released_counts_from_the_first_commit():
    s = subscores.subscore("release_cadence", {"tags_total": 0, "releases_3y": 0, "project_age_days": 400}, W)
    # 400 days since the first commit -> 72.35 (weight 0.4); no release in the last 400 days -> rate 0
    # (weight 0.3); no rhythm to be on (unknown, drops out)
    assert s["score"] == pytest.approx(0.4 * _rc_last(400) / 0.7, abs=0.05)
    assert s["reason"].startswith("no release in the 400 days since the first commit; no release in its 13 months")


def test_a_release_older_than_the_window_is_off_rhythm_not_unknown():
    """Released, but none in the last 3 years: the rate is 0 and the project is off any rhythm it had
    (on rhythm 0, counted), not an unknown that drops out and lifts the sub-score."""
    s = subscores.subscore("release_cadence", {"releases_3y": 0, "days_since_any_release": 1500,
                                               "project_age_days": 4000}, W)
    assert s["components"] == {"last_release": 0.0, "rate": 0.0, "on_rhythm": 0.0}
    assert s["score"] == 0.0 and s["known_share"] == 1.0
    assert s["reason"] == "last release 1,500 days ago; no release in the last 3 years"


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
            "reported_income_usd",
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
    assert coverage == pytest.approx(0.93 - 0.15)


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
                   "change_request_closure": (0.5, "change request closure ratio 50%"),
                   "issue_closure": (0.25, "issue closure ratio 25%")}
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


# -- the component makers (called once at import to build COMPONENTS, where mutmut cannot switch
# them; called here so that each is tested) -----------------------------------------------------------
def test_hours_component_makes_the_value_and_words():
    component, inputs = subscores._hours("x", "issues"), {}
    assert component({"x": 12.25}, inputs) == (12.25, "median first response to issues 12.2 h")
    assert inputs == {"x": 12.25}
    assert component({"x": 300}, {}) == (300, "median first response to issues 300 h")
    unknown = {}
    assert component({}, unknown) == (None, "") and unknown == {"x": None}


def test_ratio_component_makes_the_value_and_words():
    component, inputs = subscores._ratio("x", "issue"), {}
    assert component({"x": 0.456}, inputs) == (0.456, "issue closure ratio 46%") and inputs == {"x": 0.456}
    assert component({"x": 0}, {}) == (0, "issue closure ratio 0%")
    unknown = {}
    assert component({}, unknown) == (None, "") and unknown == {"x": None}


def test_amount_component_makes_the_value_and_words():
    usd, inputs = subscores._amount("x", "Open Collective income", usd=True), {}
    assert usd({"x": 1234.5}, inputs) == (1234.5, "Open Collective income $1,234") and inputs == {"x": 1234.5}
    assert usd({"x": 0}, {}) == (0, "Open Collective income $0")
    assert subscores._amount("x", "sponsors")({"x": 3}, {}) == (3, "3 sponsors")
    unknown = {}
    assert usd({}, unknown) == (None, "") and unknown == {"x": None}


def test_file_component_makes_the_value_words_and_inputs():
    component = subscores._file("security", "security policy")
    inputs = {}
    assert component({cat.REPO_FILES: ["security"], cat.ORG_DEFAULT_FILES: ["security"]}, inputs) == (
        1, "security policy (from the organisation's .github repository)")
    assert inputs == {"has_security": True, "has_security_from": "the organisation's .github repository"}
    own = {}
    assert component({cat.REPO_FILES: ["license", "security"], cat.ORG_DEFAULT_FILES: None}, own) == (
        1, "security policy")
    assert own == {"has_security": True}
    missing = {}
    assert component({cat.REPO_FILES: ["license"]}, missing) == (0, "no security policy")
    assert missing == {"has_security": False}
    unknown = {}
    assert component({}, unknown) == (None, "") and unknown == {cat.REPO_FILES: None}


# -- written against the fourth round's mutation survivors (docs/testing.md) ------------------------
@pytest.mark.parametrize("value, words", [
    (1, "1 organisation makes half the commits"),
    (2, "2 organisations make half the commits"),
])
def test_the_elephant_factor_says_its_figure_in_words(value, words):
    inputs = {}
    assert subscores.elephant({cat.ELEPHANT_FACTOR_365D: value}, inputs) == (value, words)
    assert inputs == {cat.ELEPHANT_FACTOR_365D: value}


def test_the_card_carries_criticality_and_truck_factor_through():
    from tracker.runs import utcnow
    from tracker.scoring.card import score_metrics

    card = score_metrics({**METRICS, cat.CRITICALITY: 0.42, cat.TRUCK_FACTOR: 3}, W, utcnow())
    assert (card["criticality"], card["truck_factor"]) == (0.42, 3)
    unknown = score_metrics({k: v for k, v in METRICS.items() if k != cat.TRUCK_FACTOR}, W, utcnow())
    assert (unknown["criticality"], unknown["truck_factor"]) == (None, None)


@pytest.mark.parametrize("value, words", [
    (1, "1 active person in 12 months"),
    (9, "9 active people in 12 months"),
    (None, ""),
])
def test_active_people_say_their_figure_in_words(value, words):
    inputs = {}
    assert subscores.active_people({cat.ACTIVE_CONTRIBUTORS_365D: value}, inputs) == (value, words)
    assert inputs == {cat.ACTIVE_CONTRIBUTORS_365D: value}


@pytest.mark.parametrize("metrics, expected", [
    # no release date known: never released counts from the first commit, when release data says so
    ({cat.RELEASES_3Y: 0, cat.PROJECT_AGE_DAYS: 700}, (700, "no release in the 700 days since the first commit")),
    ({cat.TAGS_TOTAL: 0, cat.RELEASES_365D: 0, cat.PROJECT_AGE_DAYS: 700},
     (700, "no release in the 700 days since the first commit")),
    ({cat.TAGS_TOTAL: 0, cat.PROJECT_AGE_DAYS: 700}, (700, "no release in the 700 days since the first commit")),
    ({cat.RELEASES_3Y: 1, cat.PROJECT_AGE_DAYS: 700}, (None, "")),            # released, date unknown
    ({cat.TAGS_TOTAL: 0, cat.RELEASES_365D: 2, cat.PROJECT_AGE_DAYS: 700}, (None, "")),
    ({cat.RELEASES_3Y: 0}, (None, "")),                                        # age unknown
    ({cat.RELEASES_3Y: 0, cat.DAYS_SINCE_LAST_TAG: 30, cat.PROJECT_AGE_DAYS: 700}, (30, "last release 30 days ago")),
])
def test_days_since_release_when_no_release_date_is_known(metrics, expected):
    assert subscores.days_since_release(metrics) == expected


# -- written against the fifth round's survivors: the release and funding components' words and edges --
def _cadence(releases_3y, since, age=5000, **more):
    return subscores.subscore("release_cadence", {cat.RELEASES_3Y: releases_3y, cat.DAYS_SINCE_ANY_RELEASE: since,
                                                  cat.PROJECT_AGE_DAYS: age, **more}, W)


def test_release_cadence_records_every_input_it_read():
    s = subscores.subscore("release_cadence", METRICS | {cat.DAYS_SINCE_LAST_PYPI_RELEASE: 420}, W)
    assert s["inputs"] == {cat.DAYS_SINCE_ANY_RELEASE: 400, cat.DAYS_SINCE_LAST_RELEASE: 410,
                           cat.DAYS_SINCE_LAST_TAG: 400, cat.DAYS_SINCE_LAST_PYPI_RELEASE: 420, cat.RELEASES_3Y: 2}


def test_a_pypi_upload_alone_dates_the_last_release():
    assert subscores.days_since_release({cat.DAYS_SINCE_LAST_PYPI_RELEASE: 40}) == (40, "last release 40 days ago")
    # the newest release of any kind counts: a PyPI upload newer than the last tag
    assert subscores.days_since_release({cat.DAYS_SINCE_LAST_TAG: 90, cat.DAYS_SINCE_LAST_PYPI_RELEASE: 12}) == (
        12, "last release 12 days ago")


def test_the_usual_gap_is_the_window_over_the_releases_in_it():
    """One release in the last 3 years (1,096 days): the usual gap is 1,096 days; the last release
    2,000 days ago is 1.82 gaps late (scale: 1.5 gaps 100, 3 gaps 0 -> 78.3)."""
    s = _cadence(1, 2000)
    assert s["reason"] == ("last release 2,000 days ago; 1 release in the last 3 years;"
                           " later than its usual gap of about 1,096 days")
    assert s["components"]["on_rhythm"] == pytest.approx(100 - 100 * (2000 / 1096 - 1.5) / 1.5, abs=0.05)
    assert subscores.on_rhythm({cat.RELEASES_3Y: 1, cat.DAYS_SINCE_ANY_RELEASE: 2000, cat.PROJECT_AGE_DAYS: 5000},
                               {})[0] == pytest.approx(2000 / 1096)


@pytest.mark.parametrize("releases, since, late, words", [
    (4, 411, 1.5, ""),                                                  # exactly 1.5 gaps of 274 days: on rhythm
    (2, 822, 1.5, ""),                                                  # 1.5 gaps of 548 days
    (4, 412, 412 / 274, "later than its usual gap of about 274 days"),  # just past 1.5 gaps
    (4, 548, 2.0, "later than its usual gap of about 274 days"),        # two gaps
    (4, 685, 2.5, "later than its usual gap of about 274 days"),        # two and a half gaps
])
def test_on_rhythm_says_late_only_past_one_and_a_half_gaps(releases, since, late, words):
    m = {cat.RELEASES_3Y: releases, cat.DAYS_SINCE_ANY_RELEASE: since, cat.PROJECT_AGE_DAYS: 5000}
    got = subscores.on_rhythm(m, {})
    assert got[0] == pytest.approx(late) and got[1] == words
    reason = _cadence(releases, since)["reason"]
    assert reason.endswith(f"; {words}") if words else "later than" not in reason


@pytest.mark.parametrize("metrics", [
    {},                                                                           # nothing known
    {cat.RELEASES_3Y: 3},                                                         # no release date
    {cat.DAYS_SINCE_ANY_RELEASE: 30},                                             # no release count
    {cat.TAGS_TOTAL: 0, cat.RELEASES_3Y: 0, cat.PROJECT_AGE_DAYS: 400},           # never released: no rhythm
])
def test_on_rhythm_unknown_is_none_without_words(metrics):
    assert subscores.on_rhythm(metrics, {}) == (None, "")


@pytest.mark.parametrize("releases, age, words", [
    (6, 5000, "about 2 a year over the last 3 years"),   # 2.0 a year: a rate
    (3, 730.5, "about 2 a year over its 24 months"),     # exactly 1.5 a year still reads as a rate
    (2, 487, "about 2 a year over its 16 months"),       # 1.5 a year in whole days
    (4, 5000, "4 releases in the last 3 years"),          # 1.33 a year: a count
    (2, 730.5, "2 releases in its 24 months"),            # 1.0 a year
])
def test_rate_words_turn_at_one_and_a_half_a_year(releases, age, words):
    per_year, _ = subscores.release_rate({cat.RELEASES_3Y: releases, cat.PROJECT_AGE_DAYS: age})
    inputs = {}
    got = subscores.rate({cat.RELEASES_3Y: releases, cat.PROJECT_AGE_DAYS: age}, inputs)
    assert got == (per_year, words) and inputs == {cat.RELEASES_3Y: releases}
    assert per_year == pytest.approx(releases * 365.25 / min(age, 1096))


def test_rate_unknown_is_none_without_words():
    inputs = {}
    assert subscores.rate({cat.PROJECT_AGE_DAYS: 400}, inputs) == (None, "") and inputs == {cat.RELEASES_3Y: None}


@pytest.mark.parametrize("age, over", [
    (1093, "its 36 months"),
    (1094, "its 36 months"),        # two days short of the 1,096-day window: its own life
    (1095, "the last 3 years"),     # a day short (whole days) reads as the window
    (1096, "the last 3 years"),
    (4000, "the last 3 years"),
])
def test_a_life_just_short_of_three_years_reads_in_months(age, over):
    assert subscores.rate({cat.RELEASES_3Y: 1, cat.PROJECT_AGE_DAYS: age}, {})[1] == f"1 release in {over}"


def test_the_first_release_dates_a_young_project_when_its_age_is_unknown():
    """No first commit or creation date, first release 365 days ago: 4 releases in its 12 months."""
    m = {cat.RELEASES_3Y: 4, cat.DAYS_SINCE_FIRST_RELEASE: 365, cat.DAYS_SINCE_ANY_RELEASE: 3}
    assert subscores.release_rate(m) == pytest.approx((4 * 365.25 / 365, 365 / 365.25))
    assert subscores.rate(m, {})[1] == "about 4 a year over its 12 months"


def test_a_week_old_project_gets_its_rate_over_a_quarter():
    m = {cat.RELEASES_3Y: 2, cat.PROJECT_AGE_DAYS: 7, cat.DAYS_SINCE_ANY_RELEASE: 3}
    assert subscores.release_rate(m) == pytest.approx((8.0, 0.25), rel=1e-3)  # 2 in 91.25 days
    assert subscores.rate(m, {})[1] == "about 8 a year over its 3 months"


@pytest.mark.parametrize("active, note", [
    (None, ""), (0, ""), (True, " (one active)"), (1, " (1 active)"), (2, " (2 active)"),
])
def test_grants_say_the_amount_and_how_many_are_active(active, note):
    m = {cat.GRANTS_TOTAL_USD_5Y: 250000.0, cat.GRANTS_ACTIVE: active}
    s = subscores.subscore("funding", m, W)
    assert s["components"]["grants"] == pytest.approx(100 * math.log(250001) / math.log(1000001), abs=0.05)
    assert s["reason"].startswith(f"grants $250,000 in 5 years{note} (unknown: ")
    assert s["inputs"][cat.GRANTS_TOTAL_USD_5Y] == 250000.0 and s["inputs"][cat.GRANTS_ACTIVE] == active


def test_grants_unknown_without_a_total():
    inputs = {}
    assert subscores.grants({cat.GRANTS_ACTIVE: 2}, inputs) == (None, "")
    assert inputs == {cat.GRANTS_TOTAL_USD_5Y: None, cat.GRANTS_ACTIVE: 2}


@pytest.mark.parametrize("channels, expected", [
    (0, (0, "declares no funding channel")),
    (1, (1, "declares 1 funding channel")),
    (3, (3, "declares 3 funding channels")),
    (None, (None, "")),
])
def test_asks_for_funding_says_the_channels_in_words(channels, expected):
    inputs = {}
    assert subscores.asks_for_funding({cat.FUNDING_CHANNELS_COUNT: channels}, inputs) == expected
    assert inputs == {cat.FUNDING_CHANNELS_COUNT: channels}


def test_no_channel_and_no_money_known_reads_so():
    _, _, subs = subscores.health({cat.FUNDING_CHANNELS_COUNT: 0}, W)
    assert subs["funding"]["score"] == 0.0
    assert subs["funding"]["reason"] == "declares no funding channel; money received unknown"


@pytest.mark.parametrize("new, leaving, share, words", [
    (1, 3, 0.25, "1 joined, 3 left in 12 months"),
    (3, 1, 0.75, "3 joined, 1 left in 12 months"),
    (0, 2, 0.0, "0 joined, 2 left in 12 months"),
])
def test_renewal_is_the_share_of_newcomers(new, leaving, share, words):
    inputs = {}
    m = {cat.NEW_CONTRIBUTORS_365D: new, cat.LEAVING_CONTRIBUTORS_365D: leaving}
    assert subscores.renewal(m, inputs) == (share, words) and inputs == m
    # scale 0 -> 0, 0.5 -> 100
    assert subscores.subscore("contributor_resilience", m, W)["components"]["renewal"] == min(100.0, 200 * share)


def test_renewal_unknown_when_nobody_joined_or_left():
    inputs = {}
    m = {cat.NEW_CONTRIBUTORS_365D: 0, cat.LEAVING_CONTRIBUTORS_365D: 0}
    assert subscores.renewal(m, inputs) == (None, "") and inputs == m


def test_a_weights_file_sets_each_components_weight_and_scale(tmp_path, monkeypatch):
    """A --weights file scored for the first time in the process (no configuration prepared yet):
    a component at weight 0 is shown but not counted, and a changed scale is the one applied."""
    monkeypatch.setattr(subscores, "_COMPILED", {})
    path = tmp_path / "mine.toml"
    path.write_text("[subscores.release_cadence.rate]\nweight = 0\n"
                    "[subscores.release_cadence.on_rhythm]\npoints = [[0, 100], [1, 100], [2, 0]]\n"
                    "[subscores.funding.grants]\nweight = 0\n")
    mine = weights_mod.load(path)
    m = {cat.RELEASES_3Y: 1, cat.DAYS_SINCE_ANY_RELEASE: 2000, cat.PROJECT_AGE_DAYS: 5000}
    s = subscores.subscore("release_cadence", m, mine)
    on_rhythm = 100 - 100 * (2000 / 1096 - 1)           # 1.82 gaps on (1, 100)-(2, 0): 17.5
    assert s["components"] == {"last_release": 0.0, "rate": pytest.approx(49.0, abs=0.05),
                               "on_rhythm": pytest.approx(on_rhythm, abs=0.05)}
    assert s["score"] == pytest.approx((0.4 * 0 + 0.3 * on_rhythm) / 0.7, abs=0.05)
    assert s["known_share"] == 1.0
    # ... and says nothing of a component that does not count, known or not
    assert s["reason"] == "last release 2,000 days ago; later than its usual gap of about 1,096 days"
    funding = subscores.subscore("funding", {cat.FUNDING_CHANNELS_COUNT: 3, cat.GRANTS_TOTAL_USD_5Y: 5000.0}, mine)
    assert funding["score"] == 100.0 and funding["components"]["grants"] == pytest.approx(
        100 * math.log(5001) / math.log(1000001), abs=0.05)
    assert funding["reason"] == ("declares 3 funding channels"
                                 " (unknown: sponsors, oc income, reported income, per maintainer)")
    assert subscores.subscore("funding", {cat.FUNDING_CHANNELS_COUNT: 3}, mine)["reason"] == (
        "declares 3 funding channels (unknown: sponsors, oc income, reported income, per maintainer)")
    # the shipped configuration is still scored with its own weights and scales
    shipped = subscores.subscore("release_cadence", m, W)
    assert shipped["components"]["on_rhythm"] == pytest.approx(100 - 100 * (2000 / 1096 - 1.5) / 1.5, abs=0.05)
    assert shipped["score"] == pytest.approx(0.3 * 49.0 + 0.3 * shipped["components"]["on_rhythm"], abs=0.1)


@pytest.mark.parametrize("figure, value", [
    (cat.OC_RECEIVED_12M_USD, 1), (cat.OC_YEARLY_BUDGET_USD, 1), (cat.GRANTS_TOTAL_USD_5Y, 1),
    (cat.REPORTED_INCOME_USD, 1), (cat.SPONSORS_COUNT, 1),
])
def test_each_money_figure_makes_money_known_and_a_dollar_is_money(figure, value):
    listing = {cat.HAS_SPONSORS_LISTING: True} if figure == cat.SPONSORS_COUNT else {}
    assert subscores.money_received({figure: value, **listing}) == (True, True)
    assert subscores.money_received({figure: 0, **listing}) == (True, False)
    assert subscores.money_received({figure: None, **listing}) == (False, False)
    # the funding sub-score: one dollar lifts the cap; a known 0 reads "no money received found"
    paid = subscores.health({figure: value, cat.FUNDING_CHANNELS_COUNT: 3, **listing}, W)[2]["funding"]
    assert "capped_at" not in paid and "money received" not in paid["reason"]
    assert paid["score"] > 25
    nothing = subscores.health({figure: 0, cat.FUNDING_CHANNELS_COUNT: 3, **listing}, W)[2]["funding"]
    assert nothing["score"] == nothing["capped_at"] == 25.0
    assert nothing["reason"].startswith("declares 3 funding channels") and nothing["reason"].endswith(
        "; no money received found")


def test_money_unknown_without_a_channel_reads_so():
    """A per-maintainer figure alone (no income, no channel known): the reason says money is unknown,
    with no dangling separator."""
    _, _, subs = subscores.health({cat.FUNDING_PER_ACTIVE_MAINTAINER_USD: 0}, W)
    assert subs["funding"]["reason"] == "money received unknown"
    assert subs["funding"]["score"] == 0.0


def test_health_weights_as_fractions_give_the_same_health(tmp_path):
    """[health.weights] as shares of 1 instead of points of 100: the same health and coverage."""
    path = tmp_path / "fractions.toml"
    path.write_text("[health.weights]\nactivity = 0.25\ncontributor_resilience = 0.25\nresponsiveness = 0.15\n"
                    "release_cadence = 0.15\nfunding = 0.1\nhygiene = 0.1\n")
    fractions = weights_mod.load(path)
    assert subscores.health(METRICS, fractions)[:2] == subscores.health(METRICS, W)[:2] == (69.2, 0.93)
    only_funding = {cat.FUNDING_CHANNELS_COUNT: 3, cat.SPONSORS_COUNT: 100, cat.HAS_SPONSORS_LISTING: True}
    health, coverage, _ = subscores.health(only_funding, fractions)
    assert health == 100.0 and coverage == 0.03  # funding alone: 0.1 x 30% of its weight known


def test_an_active_grant_is_money_arriving_even_without_an_amount():
    assert subscores.money_received({cat.GRANTS_ACTIVE: 1}) == (True, True)
    assert subscores.money_received({cat.GRANTS_ACTIVE: 0}) == (False, False)
    funding = subscores.health({cat.FUNDING_CHANNELS_COUNT: 3, cat.GRANTS_ACTIVE: 1}, W)[2]["funding"]
    assert funding["score"] == 100.0 and "capped_at" not in funding
    assert "money received" not in funding["reason"]


def test_the_cap_is_marked_only_where_it_lowered_the_score():
    """3 channels (100, weight 0.1) and known zero income (Open Collective 0.2, funding.json 0.1):
    exactly 25, the cap itself, so nothing was capped; 2 channels more would have been."""
    zero_income = {cat.OC_RECEIVED_12M_USD: 0, cat.REPORTED_INCOME_USD: 0}
    at_cap = subscores.health({cat.FUNDING_CHANNELS_COUNT: 3, **zero_income}, W)[2]["funding"]
    assert at_cap["score"] == 25.0 and "capped_at" not in at_cap
    assert at_cap["reason"].endswith("; no money received found")
    above = subscores.health({cat.FUNDING_CHANNELS_COUNT: 3, cat.OC_RECEIVED_12M_USD: 0}, W)[2]["funding"]
    assert above["score"] == above["capped_at"] == 25.0   # 10 / 0.3 = 33.3 before the cap


def test_an_unknown_sub_score_names_what_it_lacks_and_keeps_its_inputs():
    _, _, subs = subscores.health({}, W)
    assert subs["release_cadence"] == {
        "score": None,
        "reason": "release cadence unknown: no data for last release, rate, on rhythm",
        "inputs": {cat.DAYS_SINCE_ANY_RELEASE: None, cat.DAYS_SINCE_LAST_RELEASE: None, cat.DAYS_SINCE_LAST_TAG: None,
                   cat.DAYS_SINCE_LAST_PYPI_RELEASE: None, cat.RELEASES_3Y: None},
        "components": {"last_release": None, "rate": None, "on_rhythm": None},
        "known_share": 0.0,
    }
    assert subs["activity"]["reason"] == "activity unknown: no data for recency, volume, regularity"
    partly = subscores.subscore("release_cadence", {cat.DAYS_SINCE_ANY_RELEASE: 30}, W)
    assert partly["components"] == {"last_release": 100.0, "rate": None, "on_rhythm": None}
