"""What would raise a score, step by step: each step's change of the metrics at both sides of its
threshold, the words it shows, the ranking and the funding-need parts, against hand-computed
values (tracker/config/weights.toml's shipped weights). Written against mutmut's survivors."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pytest

from tracker import catalogue as cat
from tracker.scoring import remediation as r
from tracker.scoring.weights import shipped

NOW = datetime(2026, 11, 1, 12, 0)
W = shipped()


# -- reading a metric --------------------------------------------------------------------------------
def test_only_numbers_are_known():
    m = {"a": 3, "b": 2.5, "c": True, "d": math.nan, "e": "7", "f": None}
    assert [r._known(m, k) for k in "abcdefg"] == [3, 2.5, None, None, None, None, None]
    assert r._first_known(m, "c", "d", "b", "a") == ("b", 2.5)
    assert r._first_known(m, "c", "e") is None


# -- each step's change, at both sides of its threshold -----------------------------------------------
@pytest.mark.parametrize(("human", "commits", "expected"), [
    (30, 30, None),                     # a commit this month: nothing to do
    (31, 40, {cat.LAST_HUMAN_COMMIT_DAYS: 0, cat.DAYS_SINCE_LAST_COMMIT: 0}),
    (None, 31, {cat.DAYS_SINCE_LAST_COMMIT: 0}),   # human figures unknown: all commits
    (60, 5, {cat.LAST_HUMAN_COMMIT_DAYS: 0, cat.DAYS_SINCE_LAST_COMMIT: 0}),   # only bots lately: people decide
    (10, 60, None),
    (None, 30, None),
    (None, None, None),
])
def test_recent_commit(human, commits, expected):
    m = {cat.LAST_HUMAN_COMMIT_DAYS: human, cat.DAYS_SINCE_LAST_COMMIT: commits}
    assert r._recent_commit(m) == expected


@pytest.mark.parametrize(("human", "commits", "expected"), [
    (11, 50, {cat.HUMAN_COMMITS_90D: 12}),
    (12, 0, None),
    (None, 5, {cat.COMMITS_90D: 12}),
    (None, 12, None),
    (None, None, None),
])
def test_weekly_volume(human, commits, expected):
    assert r._volume({cat.HUMAN_COMMITS_90D: human, cat.COMMITS_90D: commits}) == expected


@pytest.mark.parametrize(("age", "expected"), [(30, None), (31, 30.0), (90, 30.0), (91, 90.0), (None, None)])
def test_issue_age_comes_down_a_rung(age, expected):
    got = r._issue_age({cat.MEDIAN_OPEN_ISSUE_AGE_DAYS: age})
    assert got == (None if expected is None else {cat.MEDIAN_OPEN_ISSUE_AGE_DAYS: expected})


@pytest.mark.parametrize(("release", "tag", "tags_total", "expected"), [
    (90, 200, 5, None),                 # the newest of the two is 90 days old: recent enough
    (200, 90, 5, None),
    (91, None, 5, {cat.DAYS_SINCE_LAST_RELEASE: 0}),
    (None, 91, 5, {cat.DAYS_SINCE_LAST_TAG: 0}),
    (100, 120, 5, {cat.DAYS_SINCE_LAST_RELEASE: 0, cat.DAYS_SINCE_LAST_TAG: 0}),
    (None, None, 0, {cat.DAYS_SINCE_LAST_TAG: 0, cat.TAGS_TOTAL: 1, cat.TAGS_365D: 1}),   # a first release
    (None, None, 4, None),              # tags but no date: unknown, no advice
    (None, None, None, None),
])
def test_release_now(release, tag, tags_total, expected):
    m = {cat.DAYS_SINCE_LAST_RELEASE: release, cat.DAYS_SINCE_LAST_TAG: tag, cat.TAGS_TOTAL: tags_total}
    assert r._release_days(m) == expected


def test_release_detail_names_the_release_date_when_known_else_the_tag_date():
    assert r._release_detail_metric({cat.DAYS_SINCE_LAST_RELEASE: 3}) == cat.DAYS_SINCE_LAST_RELEASE
    assert r._release_detail_metric({cat.DAYS_SINCE_LAST_TAG: 3}) == cat.DAYS_SINCE_LAST_TAG


def test_release_rhythm():
    names = (cat.MEDIAN_RELEASE_INTERVAL_DAYS, cat.MEDIAN_TAG_INTERVAL_DAYS, cat.RELEASES_365D, cat.TAGS_365D)
    assert r._rhythm(dict(zip(names, (90, 90, 4, 4), strict=True))) is None
    assert r._rhythm(dict(zip(names, (91, 91, 3, 3), strict=True))) == dict(zip(names, (90.0, 90.0, 4, 4), strict=True))
    assert r._rhythm({cat.MEDIAN_TAG_INTERVAL_DAYS: 200, cat.RELEASES_365D: 9}) == {cat.MEDIAN_TAG_INTERVAL_DAYS: 90.0}
    assert r._rhythm({cat.TAGS_365D: 0}) == {cat.TAGS_365D: 4}
    assert r._rhythm({}) is None


@pytest.mark.parametrize(("new", "leaving", "expected"), [
    (1, 3, {cat.NEW_CONTRIBUTORS_365D: 3}), (3, 3, None), (4, 3, None), (None, 3, None), (1, None, None)])
def test_newcomers_replace_those_who_left(new, leaving, expected):
    assert r._renewal({cat.NEW_CONTRIBUTORS_365D: new, cat.LEAVING_CONTRIBUTORS_365D: leaving}) == expected


def test_more_people_and_the_people_words():
    assert r._more_people({cat.ACTIVE_CONTRIBUTORS_365D: 3}) == {cat.ACTIVE_CONTRIBUTORS_365D: 8}
    assert r._more_people({cat.ACTIVE_CONTRIBUTORS_365D: 2.0}) == {cat.ACTIVE_CONTRIBUTORS_365D: 7}
    assert r._more_people({}) is None
    assert r._people_label({}) == "Five more people committing over the year"
    assert r._absence_label({cat.CONTRIBUTOR_ABSENCE_FACTOR_365D: 1}) == (
        "A second regular committer, so that one person no longer makes half the commits")
    assert r._absence_label({cat.CONTRIBUTOR_ABSENCE_FACTOR_365D: 2}) == "Spread the work: 3 people making half the commits"
    assert r._truck_label({cat.TRUCK_FACTOR: 2}) == "Another person who knows the code well (truck factor 3)"
    assert r._truck_label({}) == "Another person who knows the code well (truck factor 1)"


# -- the words of a step ------------------------------------------------------------------------------
def _action(key: str) -> r._Action:
    return next(a for a in r.ACTIONS if a.key == key)


def test_a_missing_file_is_named_by_its_file_name():
    m = {cat.REPO_FILES: ["license"]}
    metric, detail = r._describe(_action("security_policy"), m, {cat.REPO_FILES: ["license", "security"]})
    assert metric == cat.REPO_FILES
    assert detail == f"{cat.METRICS[cat.REPO_FILES].label}: SECURITY.md missing"
    # no files list stored yet: the added one is still the one named
    _, detail = r._describe(_action("codeowners"), {}, {cat.REPO_FILES: ["codeowners"]})
    assert detail.endswith(": CODEOWNERS missing")


def test_a_release_step_shows_the_tag_date_when_there_is_no_release_date():
    m = {cat.DAYS_SINCE_LAST_TAG: 120}
    metric, detail = r._describe(_action("release_now"), m, {cat.DAYS_SINCE_LAST_TAG: 0})
    assert metric == cat.DAYS_SINCE_LAST_TAG
    assert detail == f"{cat.METRICS[cat.DAYS_SINCE_LAST_TAG].label}: 120 days -> 0 days"


def test_a_step_on_a_same_meaning_metric_shows_that_metric():
    m = {cat.COMMITS_90D: 5}
    metric, detail = r._describe(_action("weekly_commits"), m, {cat.COMMITS_90D: 12})
    assert metric == cat.COMMITS_90D
    assert detail == f"{cat.METRICS[cat.COMMITS_90D].label}: 5 commits -> 12 commits"


def test_a_first_value_shows_none_yet():
    metric, detail = r._describe(_action("release_now"), {cat.TAGS_TOTAL: 0},
                                 {cat.DAYS_SINCE_LAST_TAG: 0, cat.TAGS_TOTAL: 1, cat.TAGS_365D: 1})
    assert (metric, detail) == (cat.DAYS_SINCE_LAST_TAG, f"{cat.METRICS[cat.DAYS_SINCE_LAST_TAG].label}: none yet")


# -- which steps are offered, and in what order --------------------------------------------------------
def _quiet_project() -> dict:
    """Known everywhere, weak on activity and release cadence (hand-picked to be below every rung)."""
    return {
        cat.LAST_HUMAN_COMMIT_DAYS: 200, cat.DAYS_SINCE_LAST_COMMIT: 200, cat.HUMAN_COMMITS_90D: 0,
        cat.COMMITS_90D: 0, cat.HUMAN_ACTIVE_WEEKS_52: 2, cat.HUMAN_COMMITS_365D: 4, cat.COMMITS_365D: 4,
        cat.PROJECT_AGE_DAYS: 3000, cat.CONTRIBUTOR_ABSENCE_FACTOR_365D: 1, cat.TRUCK_FACTOR: 1,
        cat.ELEPHANT_FACTOR_365D: 1, cat.ACTIVE_CONTRIBUTORS_365D: 1, cat.NEW_CONTRIBUTORS_365D: 0,
        cat.LEAVING_CONTRIBUTORS_365D: 2, cat.MEDIAN_TIME_TO_FIRST_RESPONSE_HOURS_90D_ISSUES: 400.0,
        cat.MEDIAN_TIME_TO_FIRST_RESPONSE_HOURS_90D_PRS: 400.0, cat.CHANGE_REQUEST_CLOSURE_RATIO_90D: 0.2,
        cat.ISSUE_CLOSURE_RATIO_90D: 0.2, cat.MEDIAN_OPEN_ISSUE_AGE_DAYS: 300.0, cat.DAYS_SINCE_LAST_RELEASE: 400,
        cat.DAYS_SINCE_LAST_TAG: 400, cat.MEDIAN_RELEASE_INTERVAL_DAYS: 200.0, cat.MEDIAN_TAG_INTERVAL_DAYS: 200.0,
        cat.RELEASES_365D: 0, cat.TAGS_365D: 0, cat.TAGS_TOTAL: 6, cat.FUNDING_CHANNELS_COUNT: 0,
        cat.SPONSORS_COUNT: 0, cat.OC_RECEIVED_12M_USD: 0.0, cat.GRANTS_TOTAL_USD_5Y: 0.0,
        cat.FUNDING_PER_ACTIVE_MAINTAINER_USD: 0.0, cat.HAS_SPONSORS_LISTING: False, cat.REPO_FILES: [],
        cat.STARS: 100, cat.CRITICALITY: 0.4, cat.OPEN_ISSUES: 20,
        cat.GIT_DATA_AT: NOW - timedelta(days=2),   # as collected: the git data's date, judged against now
    }


def test_a_quiet_project_is_offered_the_activity_and_release_steps_with_their_details():
    steps = {s.key: s for s in r.steps(_quiet_project(), W, NOW)}
    for key in ("recent_commit", "weekly_commits", "regular_weeks", "release_now",
                "newcomers", "more_people", "triage_backlog", "answer_issues", "funding_channel", "license"):
        assert key in steps, key
    assert steps["recent_commit"].detail.endswith("200 days -> 0 days")
    assert steps["recent_commit"].label == "A commit by a person this month"
    assert steps["weekly_commits"].detail.endswith("0 commits -> 12 commits")
    assert steps["regular_weeks"].detail.endswith("2 weeks -> 26 weeks")
    assert steps["newcomers"].detail.endswith("0 people -> 2 people")
    assert steps["more_people"].detail.endswith("1 person -> 6 people")
    assert steps["triage_backlog"].detail.endswith("300 days -> 90 days")
    assert steps["answer_issues"].label == "Answer new issues within a week"
    assert steps["release_now"].metric == cat.DAYS_SINCE_LAST_RELEASE
    for s in steps.values():
        assert s.gain is not None and s.gain >= r.MIN_GAIN
        assert s.subscore_after > (s.subscore_before or 0)
        # the gain is what re-scoring with that change gives, rounded to a tenth
        assert s.gain == round(s.gain, 1)


def test_with_health_unknown_steps_are_ordered_by_subscore_gain_then_key():
    # only hygiene and the absence factor known: health is unknown, gains are None and the sub-score
    # gains decide, then the key. An absence factor of 0 -> 1 stays on the scale's floor: no step.
    found = r.steps({cat.REPO_FILES: [], cat.CONTRIBUTOR_ABSENCE_FACTOR_365D: 0}, W, NOW)
    assert {s.key for s in found} == {"license", "security_policy", "contributing", "codeowners",
                                      "code_of_conduct", "governance"}
    assert all(s.gain is None for s in found)
    order = [(-s.subscore_gain, s.key) for s in found]
    assert order == sorted(order)


def test_known_gains_come_before_unknown_ones_and_groups_keep_the_given_order():
    made = [r.Step("b", "hygiene", "", "", cat.REPO_FILES, 1.0, 0.0, 10.0),
            r.Step("c", "funding", "", "", cat.REPO_FILES, 0.5, 0.0, 20.0),
            r.Step("a", "hygiene", "", "", cat.REPO_FILES, 0.2, 0.0, 10.0)]
    groups = r.by_subscore(made)
    assert list(groups) == ["hygiene", "funding"]
    assert [s.key for s in groups["hygiene"]] == ["b", "a"]
    found = r.steps(_quiet_project(), W, NOW)
    gains = [s.gain for s in found]
    assert gains == sorted(gains, reverse=True)
    ties = [(s.gain, -s.subscore_gain, s.key) for s in found]
    for (g1, sg1, k1), (g2, sg2, k2) in zip(ties, ties[1:], strict=False):
        if g1 == g2:
            assert (sg1, k1) <= (sg2, k2)


def test_with_health_unknown_a_step_counts_by_its_subscore():
    found = {s.key: s for s in r.steps({cat.REPO_FILES: ["license"]}, W, NOW)}
    hygiene = W["subscores"]["hygiene"]
    total = sum(float(c["weight"]) for c in hygiene.values() if isinstance(c, dict) and "weight" in c)
    security = 100 * float(hygiene["security_policy"]["weight"]) / total
    step = found["security_policy"]
    assert step.gain is None
    assert step.subscore_gain == pytest.approx(security, abs=0.1)
    assert "license" not in found


def test_subscore_gain_rounds_and_treats_an_unknown_start_as_zero():
    assert r.Step("k", "hygiene", "", "", "m", None, None, 12.345).subscore_gain == 12.3
    assert r.Step("k", "hygiene", "", "", "m", None, 40.0, 52.36).subscore_gain == 12.4
    assert r.Step("k", "hygiene", "", "", "m", None, 40.0, None).subscore_gain is None


# -- the parts of funding need ------------------------------------------------------------------------
def test_need_parts_by_hand():
    m = {cat.CRITICALITY: 0.3, cat.STARS: 99, cat.DEPENDENTS_COUNT: 9, cat.CONTRIBUTOR_ABSENCE_FACTOR_365D: 4}
    subs = {"activity": {"score": 60.0}, "funding": {"score": 25.0}}
    parts = r.need_parts(m, subs, "established", W)
    stars = math.log1p(99) / math.log1p(50_000)            # the larger usage: stars' log scale
    assert parts["importance"] == pytest.approx((0.3 + stars) / 2)
    assert parts["alive"] == pytest.approx(0.5 + 0.5 * 0.6)
    # absence factor 4: halfway between (3, 0.6) and (5, 0.3) -> 0.45; floor 0.5
    assert parts["strain"] == pytest.approx(0.5 + 0.5 * 0.45)
    assert parts["unfunded"] == pytest.approx(0.75)


def test_need_parts_importance_from_what_is_known():
    only_usage = r.need_parts({cat.DEPENDENTS_COUNT: 10_000, cat.STARS: 10}, {}, None, W)
    assert only_usage["importance"] == pytest.approx(1.0)
    only_crit = r.need_parts({cat.CRITICALITY: 0.7}, {}, None, W)
    assert only_crit["importance"] == pytest.approx(0.7)
    assert r.need_parts(None, None, None, W) == dict.fromkeys(r.NEED_PARTS)
    abandoned = r.need_parts({}, {"activity": {"score": 90.0}}, "abandoned", W)
    assert abandoned["alive"] == 0.0
    odd = r.need_parts({}, {"activity": {"score": None}, "funding": 5}, None, W)
    assert odd["alive"] is None and odd["unfunded"] is None


# -- the step makers (called once at import to build ACTIONS; called here so that each is tested) ------
def test_at_least_raises_a_known_metric_to_its_target():
    change = r._at_least("x", 10)
    assert change({"x": 3}) == {"x": 10}
    assert change({"x": 9.5}) == {"x": 10}
    assert change({"x": 10}) is None and change({"x": 12}) is None
    assert change({}) is None and change({"x": None}) is None


def test_at_most_brings_a_known_metric_and_its_same_meaning_ones_down():
    change = r._at_most("x", 5, "y", "z")
    assert change({"x": 9, "y": 7, "z": 2}) == {"x": 5, "y": 5, "z": 2}
    assert change({"x": 9}) == {"x": 5}
    assert change({"x": 5, "y": 9}) is None
    assert change({"y": 9}) is None


def test_one_more():
    change = r._one_more("x")
    assert change({"x": 2}) == {"x": 3}
    assert change({"x": 2.0}) == {"x": 3}
    assert change({"x": 0}) == {"x": 1}
    assert change({}) is None


@pytest.mark.parametrize(("hours", "target", "words"), [
    (24, None, "a day"), (24.5, 24.0, "a day"), (168, 24.0, "a day"), (169, 168.0, "a week"),
    (None, None, "a day")])
def test_response_target_and_its_words(hours, target, words):
    change = r._response_target("x")
    assert change({"x": hours}) == (None if target is None else {"x": target})
    assert r._response_label("issues", "x")({"x": hours}) == f"Answer new issues within {words}"


def test_file_and_label():
    change = r._file("security")
    assert change({cat.REPO_FILES: ["license"]}) == {cat.REPO_FILES: ["license", "security"]}
    assert change({cat.REPO_FILES: ["security"]}) is None
    assert change({cat.REPO_FILES: None}) is None and change({}) is None
    assert r._label("Add a LICENSE file")({}) == "Add a LICENSE file"
