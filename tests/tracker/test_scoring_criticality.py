"""criticality_score against the tables the OpenSSF criticality_score project published.

pike: rows of results/c_top_200.csv (ossf/criticality_score commit ee6597b, 2020-11-18, produced
by the original Python implementation) and the kubernetes example of that commit's README.
pike_v2: the sample in cmd/scorer/README.md (scored with config/scorer/original_pike.yml, the
Go rewrite; its depsdev.dependent_count column is empty there, so dependents_count is missing).
"""

from __future__ import annotations

from datetime import datetime

import pytest

from tracker.scoring import criticality_score
from tracker.scoring.criticality import project_criticality, signals_from_metrics

SIGNALS = (
    "created_since",
    "updated_since",
    "contributor_count",
    "org_count",
    "commit_frequency",
    "recent_releases_count",
    "closed_issues_count",
    "updated_issues_count",
    "comment_frequency",
    "dependents_count",
)

# name, then the CSV's columns in its order: created since, updated since, contributors, orgs,
# commit freq, releases, closed issues, updated issues, comment freq, commit mentions, score.
C_TOP_200 = [
    ("torvalds/linux", 112, 0, 5000, 10, 1394.9, 73, 1, 216, 0.0, 41259703, 0.92262),
    ("git/git", 150, 0, 1905, 5, 46.6, 63, 50, 71, 13.5, 24127526, 0.94426),
    ("php/php-src", 115, 2, 1201, 9, 75.3, 115, 465, 558, 2.2, 290322, 0.89221),
    ("openssl/openssl", 95, 0, 692, 4, 45.9, 41, 707, 1265, 4.2, 363741, 0.89018),
    ("zephyrproject-rtos/zephyr", 55, 1, 998, 5, 192.7, 16, 2755, 3616, 2.0, 5119, 0.81175),
    ("FFmpeg/FFmpeg", 117, 0, 2030, 1, 73.9, 35, 13, 13, 0.8, 28994, 0.73939),
    ("gcc-mirror/gcc", 76, 0, 3372, 1, 18.5, 28, 1, 7, 0.3, 9485, 0.66887),
    ("mpv-player/mpv", 99, 4, 517, 2, 21.8, 2, 251, 389, 3.2, 3253, 0.6582),
    ("Rdatatable/data.table", 79, 0, 96, 8, 4.1, 8, 165, 420, 1.3, 127, 0.60801),
    ("seL4/seL4", 77, 6, 103, 5, 5.2, 2, 29, 60, 3.9, 1209, 0.57262),
    ("rubinius/rubinius", 156, 6, 597, 6, 2.7, 14, 1, 2, 0.5, 932, 0.56482),
    ("wren-lang/wren", 85, 1, 102, 8, 1.1, 1, 16, 52, 5.4, 4, 0.50772),
    ("ish-app/ish", 43, 0, 40, 7, 7.6, 16, 181, 283, 2.0, 0, 0.50622),
    ("lpereira/lwan", 107, 0, 44, 5, 6.1, 1, 7, 9, 4.1, 18, 0.50587),
]

# cmd/scorer/README.md: legacy.* columns (created, updated, contributors, orgs, commit freq,
# releases, updated issues, closed issues, comment freq, mentions) and default_score.
SCORER_SAMPLE = [
    ("ashawkey/RAD-NeRF", 0, 0, 1, 1, 0.1, 0, 0, 0, 0, 0, 0.13958),
    ("trungdq88/Awesome-Black-Friday-Cyber-Monday", 0, 0, 274, 7, 17.19, 0, 356, 344, 0.19, 2, 0.43088),
    ("HuolalaTech/hll-wp-glog", 0, 0, 1, 0, 0.06, 1, 2, 0, 0, 0, 0.12770),
    ("flo-at/rustsnake", 0, 0, 2, 1, 0.44, 0, 2, 2, 2, 0, 0.20238),
    ("avuenja/tabnews-app", 0, 0, 2, 2, 1.02, 5, 33, 25, 0.97, 0, 0.26024),
    ("ankane/polars-ruby", 0, 0, 1, 0, 4.44, 292, 1, 0, 0, 0, 0.18558),
    ("mobcode1337/Twitter-Account-Creator", 0, 0, 1, 0, 0.04, 0, 0, 0, 0, 0, 0.11128),
]


@pytest.mark.parametrize("row", C_TOP_200, ids=[r[0] for r in C_TOP_200])
def test_pike_reproduces_published_c_top_200_rows(row):
    created, updated, contributors, orgs, freq, releases, closed, upd, comments, mentions, expected = row[1:]
    signals = dict(
        created_since=created,
        updated_since=updated,
        contributor_count=contributors,
        org_count=orgs,
        commit_frequency=freq,
        recent_releases_count=releases,
        closed_issues_count=closed,
        updated_issues_count=upd,
        comment_frequency=comments,
        dependents_count=mentions,
    )
    assert f"{criticality_score(signals):.5f}" == f"{expected:.5f}"


def test_pike_reproduces_readme_kubernetes_example():
    signals = dict(
        created_since=78,
        updated_since=0,
        contributor_count=3649,
        org_count=5,
        commit_frequency=105.9,
        recent_releases_count=77,
        closed_issues_count=3333,
        updated_issues_count=5489,
        comment_frequency=5.4,
        dependents_count=403529,
    )
    assert criticality_score(signals, algorithm="pike") == 0.98514


@pytest.mark.parametrize("row", SCORER_SAMPLE, ids=[r[0] for r in SCORER_SAMPLE])
def test_pike_v2_reproduces_scorer_readme_sample(row):
    created, updated, contributors, orgs, freq, releases, upd, closed, comments, mentions, expected = row[1:]
    signals = dict(
        created_since=created,
        updated_since=updated,
        contributor_count=contributors,
        org_count=orgs,
        commit_frequency=freq,
        recent_releases_count=releases,
        updated_issues_count=upd,
        closed_issues_count=closed,
        comment_frequency=comments,
        dependents_count=mentions,
    )
    assert f"{criticality_score(signals, algorithm='pike_v2'):.5f}" == f"{expected:.5f}"


def test_hand_computed_single_signal_and_missing_signals_drop_their_weight():
    # Only contributor_count known: 2 * ln(1+100)/ln(1+5000) / 2.
    import math

    expected = round(math.log(101) / math.log(5001), 5)
    assert criticality_score({"contributor_count": 100}) == expected
    # None is the same as absent: the weight leaves both sums.
    assert criticality_score({"contributor_count": 100, "dependents_count": None}) == expected
    # Above the threshold a signal saturates at 1.
    assert criticality_score({"org_count": 50}) == 1.0


def test_pike_v2_counts_updated_since_smaller_is_better():
    """The Go scorer's updated_since: months since the last update, capped at the threshold (120),
    counted as ln(1 + 120 - months) / ln(1 + 120): updated this month 1, 30 months ago
    ln 91 / ln 121 = 0.941 (not ln 31 / ln 121 = 0.716, the larger-is-better form), ten years or more 0."""
    import math

    assert criticality_score({"updated_since": 0}, algorithm="pike_v2") == pytest.approx(1.0)
    assert criticality_score({"updated_since": 30}, algorithm="pike_v2") == pytest.approx(math.log(91) / math.log(121))
    assert criticality_score({"updated_since": 30}, algorithm="pike_v2") == pytest.approx(0.9406, abs=1e-4)
    assert criticality_score({"updated_since": 200}, algorithm="pike_v2") == pytest.approx(0.0)


def test_bad_input_is_refused_clearly():
    """Each refusal says what was wrong: the unknown names, the known algorithms."""
    with pytest.raises(ValueError, match=r"^unknown criticality signal\(s\): forks, stars$"):
        criticality_score({"stars": 10, "forks": 2, "org_count": 1})
    with pytest.raises(ValueError, match=r"^unknown criticality algorithm 'nope'; known: pike, pike_v2$"):
        criticality_score({"org_count": 1}, algorithm="nope")
    no_signal = r"^no criticality signal known \(or only ones whose weights sum to <= 0\)$"
    with pytest.raises(ValueError, match=no_signal):
        criticality_score({"updated_since": 3})  # weight -1 alone
    with pytest.raises(ValueError, match=no_signal):
        criticality_score({})


def test_signals_prefer_github_and_fall_back_to_git():
    now = datetime(2026, 1, 1)
    git_only = {
        "first_commit_at": datetime(2016, 1, 1),
        "days_since_last_commit": 45,
        "contributors_total": 12,
        "commits_365d": 104,
        "tags_365d": 3,
    }
    signals, sources = signals_from_metrics(git_only, now, git_orgs=2)
    assert signals["created_since"] == round(3653 / 30)
    assert signals["updated_since"] == 2  # round(45 / 30)
    assert signals["commit_frequency"] == 2.0
    assert signals["org_count"] == 2 and sources["org_count"] == "git e-mail domains"
    assert signals["closed_issues_count"] is None and "closed_issues_count" not in sources
    with_github = {**git_only, "created_since_months": 100, "contributor_count": 40}
    signals, sources = signals_from_metrics(with_github, now)
    assert signals["created_since"] == 100 and sources["created_since"].startswith("github")
    assert signals["contributor_count"] == 40
    assert project_criticality({}, now) is None
    assert project_criticality(git_only, now, 2) == criticality_score(
        signals_from_metrics(git_only, now, 2)[0]
    )


def test_each_signal_names_its_source():
    now = datetime(2026, 1, 1)
    git_only = {"first_commit_at": datetime(2016, 1, 1), "days_since_last_commit": 45, "contributors_total": 12,
                "commits_365d": 104, "tags_365d": 3}
    signals, sources = signals_from_metrics(git_only, now, git_orgs=2)
    assert sources == {
        "created_since": "git first commit", "updated_since": "git last commit",
        "contributor_count": "git contributors_total", "org_count": "git e-mail domains",
        "commit_frequency": "git commits_365d / 52", "recent_releases_count": "git tags_365d"}
    assert signals["contributor_count"] == 12 and signals["recent_releases_count"] == 3
    github = {"created_since_months": 100, "updated_since_months": 1, "contributor_count": 40, "org_count": 5,
              "commit_frequency_weekly": 3.5, "recent_releases_count": 6, "closed_issues_count_90d": 20,
              "updated_issues_count_90d": 30, "comment_frequency_90d": 1.5, "dependents_count": 900}
    signals, sources = signals_from_metrics({**git_only, **github}, now, git_orgs=2)
    assert sources == {
        "created_since": "github created_since_months", "updated_since": "github updated_since_months",
        "contributor_count": "github contributor_count", "org_count": "github org_count",
        "commit_frequency": "github commit_frequency_weekly", "recent_releases_count": "github recent_releases_count",
        "closed_issues_count": "github closed_issues_count_90d", "updated_issues_count": "github updated_issues_count_90d",
        "comment_frequency": "github comment_frequency_90d", "dependents_count": "dependents_count"}
    assert signals == {"created_since": 100.0, "updated_since": 1.0, "contributor_count": 40.0, "org_count": 5.0,
                       "commit_frequency": 3.5, "recent_releases_count": 6.0, "closed_issues_count": 20.0,
                       "updated_issues_count": 30.0, "comment_frequency": 1.5, "dependents_count": 900.0}


def test_commit_frequency_from_git_is_a_week_to_one_decimal():
    """commits_365d / 52 rounded to a tenth, as the criticality_score signal reads it (27 commits:
    0.519... -> 0.5, neither 1 nor 0.52)."""
    now = datetime(2026, 1, 1)
    for commits, weekly in ((27, 0.5), (1, 0.0), (80, 1.5), (0, 0.0)):
        signals, _ = signals_from_metrics({"commits_365d": commits}, now)
        assert signals["commit_frequency"] == weekly, commits
