"""Risk flags and maturity on constructed histories (real git repositories) and metric sets."""

from __future__ import annotations

from datetime import date, datetime

from tests.tracker.scoring_helpers import track
from tracker import metrics
from tracker.scoring import score_metrics
from tracker.scoring import weights as weights_mod

NOW = datetime(2026, 11, 1)
W = weights_mod.shipped()
PEOPLE = [
    ("Ann", "ann@example.org"),
    ("Bob", "bob@corp.example.net"),
    ("Cy", "cy@uni.example.edu"),
    ("Dee", "dee@example.org"),
    ("Eve", "eve@example.org"),
]


def _score(store, project):
    return score_metrics(metrics.compute_all(store, project.id, NOW), W, NOW)


def _names(result):
    return [f["name"] for f in result["flags"]]


def _old_history(repo):
    for year in range(2018, 2024):
        for i, (name, email) in enumerate(PEOPLE[:3]):
            repo.commit(f"{year}-0{i + 2}-10", name=name, email=email, files={f"m{i}.py": str(year)})
    repo.tag("v1.0")


def test_abandoned_project(store, make_repo):
    repo = make_repo()
    repo.commit("2019-03-01", files={"a.py": "1"})
    repo.commit("2021-05-01", name="Bob", email="bob@corp.example.net", files={"a.py": "b1"})
    repo.tag("v0.9", when="2021-05-02", annotated=True)
    result = _score(store, track(store, repo))
    assert result["maturity"] == "abandoned"
    assert "abandoned" in _names(result) and "no_commits_12m" in _names(result)
    evidence = {f["name"]: f["evidence"] for f in result["flags"]}
    assert evidence["no_commits_12m"] == "last human commit 2,010 days ago"
    assert "no human commit for 2,010 days" in evidence["abandoned"]
    assert result["risk_level"] == "critical"


def test_bus_factor_one(store, make_repo):
    repo = make_repo()
    for day in range(1, 11):
        repo.commit(f"2026-09-{day:02d}", files={"a.py": str(day)})  # recent: not quiet_90d at NOW
    repo.commit("2026-10-01", name="Bob", email="bob@corp.example.net", files={"a.py": "b1"})
    repo.commit("2026-10-02", name="Bob", email="bob@corp.example.net", files={"a.py": "b2"})
    result = _score(store, track(store, repo))
    evidence = {f["name"]: f["evidence"] for f in result["flags"]}
    assert evidence["bus_factor_1"].startswith("one person made at least half of the 12 human commits")
    assert "truck factor 1" in evidence["bus_factor_1"]
    assert result["risk_level"] == "medium"


def test_mature_stable_project_is_not_flagged_abandoned(store, make_repo):
    """Eight years old, eight small commits by three people spread over the last year, a release
    200 days ago: low but steady activity."""
    repo = make_repo()
    _old_history(repo)
    dates = [
        "2025-12-10",
        "2026-01-20",
        "2026-03-05",
        "2026-04-15",
        "2026-06-01",
        "2026-07-20",
        "2026-09-01",
        "2026-10-12",
    ]
    who = [0, 1, 2, 0, 1, 2, 0, 1]
    for d, w in zip(dates, who, strict=True):
        repo.commit(d, name=PEOPLE[w][0], email=PEOPLE[w][1], files={"fix.py": d})
        if d == "2026-04-15":
            repo.tag("v1.1")
    result = _score(store, track(store, repo))
    assert result["maturity"] == "mature-stable", result["maturity_reason"]
    assert "8 human commits in 12 months over 8 weeks" in result["maturity_reason"]
    assert not {"abandoned", "no_commits_12m"} & set(_names(result))
    assert result["risk_level"] == "low"
    # Its activity score is modest, which is fine: maturity explains it.
    assert result["subscores"]["activity"]["score"] < 70


def test_the_same_project_gone_quiet_is_abandoned(store, make_repo):
    repo = make_repo()
    _old_history(repo)
    result = _score(store, track(store, repo))
    assert result["maturity"] == "abandoned"
    assert {"abandoned", "no_commits_12m", "no_release_18m"} <= set(_names(result))


def test_contributors_declining(store, make_repo):
    repo = make_repo()
    for i, (name, email) in enumerate(PEOPLE):
        repo.commit(f"2025-0{i + 1}-15", name=name, email=email, files={f"p{i}.py": "1"})
    for i, (name, email) in enumerate(PEOPLE[:2]):
        repo.commit(f"2026-0{i + 3}-15", name=name, email=email, files={f"p{i}.py": "2"})
    result = _score(store, track(store, repo))
    evidence = {f["name"]: f["evidence"] for f in result["flags"]}
    assert evidence["contributors_declining"] == (
        "2 people committed in the last 12 months, 5 in the 12 before (-60%)"
    )


def test_more_recent_commits_never_lower_activity_on_a_real_repo(store, make_repo):
    repo = make_repo()
    repo.commit("2026-01-05", files={"a.py": "1"})
    p = track(store, repo)
    before = _score(store, p)["subscores"]["activity"]["score"]
    repo.commit("2026-10-20", files={"a.py": "2"})
    p = track(store, repo)
    after = _score(store, p)["subscores"]["activity"]["score"]
    assert after > before


def test_archived_is_critical_and_said_so():
    result = score_metrics({"archived": True, "last_human_commit_days": 10}, W, NOW)
    assert result["maturity"] == "archived"
    assert result["flags"][0] == {
        "name": "archived",
        "evidence": "the repository is archived on GitHub (read-only)",
        "severity": "critical",
    }
    assert result["risk_level"] == "critical"


# Enough evidence for a verdict (git history and its people known) and no flag raised by itself.
SOLID = {
    "commits_total": 2000, "last_human_commit_days": 5, "human_commits_90d": 20, "human_commits_365d": 80,
    "human_active_weeks_52": 30, "contributor_absence_factor_365d": 3, "truck_factor": 3,
    "elephant_factor_365d": 2, "active_contributors_365d": 8, "active_contributors_prev_365d": 8,
    "new_contributors_365d": 2, "leaving_contributors_365d": 2, "project_age_days": 1200,
    "releases_3y": 9, "days_since_any_release": 60, "repo_files": ["license", "security"],
}


def test_issues_unanswered_and_escalation_to_high():
    m = {
        **SOLID,
        "last_human_commit_days": 5,
        "median_time_to_first_response_hours_90d_issues": 1000,
        "contributor_absence_factor_365d": 1,
        "human_commits_365d": 40,
        "days_since_last_tag": 900,
        "days_since_any_release": 900,
    }
    result = score_metrics(m, W, NOW)
    assert {"issues_unanswered", "bus_factor_1", "no_release_18m"} <= set(_names(result))
    assert (
        "waited more than 42 days" in {f["name"]: f["evidence"] for f in result["flags"]}["issues_unanswered"]
    )
    assert result["risk_level"] == "high"  # three medium flags together


def test_funding_lapsed_and_unknown_funding():
    base = {"last_human_commit_days": 5}
    unknown = score_metrics(base, W, NOW)
    assert "funding_lapsed" not in _names(unknown)
    assert {"name": "funding_lapsed", "reason": "funding data not collected"} in unknown["unchecked"]
    lapsed = score_metrics(
        {**base, "grants_active": False, "last_grant_at": "2023-06-01T00:00:00Z", "sponsors_count": 0}, W, NOW
    )
    evidence = {f["name"]: f["evidence"] for f in lapsed["flags"]}
    assert evidence["funding_lapsed"].startswith("last grant 1,249 days ago (2023-06-01)")
    still = score_metrics({**base, "grants_active": True, "last_grant_at": "2023-06-01"}, W, NOW)
    assert "funding_lapsed" not in _names(still)
    as_count = score_metrics({**base, "grants_active": 0, "last_grant_at": date(2023, 6, 1)}, W, NOW)
    assert "funding_lapsed" in _names(as_count)
    oc = score_metrics({**base, "oc_balance_usd": 120.0, "oc_received_12m_usd": 0}, W, NOW)
    assert "funding_lapsed" in _names(oc)


def test_nothing_collected_is_unknown_not_low_or_medium():
    result = score_metrics({}, W, NOW)
    assert result["health"] is None and result["coverage"] == 0
    assert result["risk_level"] == "unknown" and result["flags"] == []
    assert result["health_reason"].startswith("insufficient data: git history, GitHub data not collected")
    assert result["funding_need"] is None and result["funding_need_reason"] == result["health_reason"]


def test_quiet_for_90_days_is_high_for_young_code_and_medium_for_established(store, make_repo):
    """The backtest's predictor (issue 18): no human commit for over 90 days (but within the year)."""
    young = make_repo("young")
    for month in range(1, 7):
        young.commit(f"2026-{month:02d}-10", files={"a.py": str(month)})
    result = _score(store, track(store, young))
    evidence = {f["name"]: f for f in result["flags"]}
    assert evidence["quiet_90d"]["evidence"] == "last human commit 144 days ago"
    assert evidence["quiet_90d"]["severity"] == "high" and result["risk_level"] == "high"
    old = make_repo("old")
    for year in range(2018, 2027):
        for month in range(1, 7):  # six fixes a year, none since June: quiet, not abandoned
            old.commit(f"{year}-{month:02d}-10", files={"a.py": f"{year}{month}"})
    result = _score(store, track(store, old))
    quiet = next(f for f in result["flags"] if f["name"] == "quiet_90d")
    assert quiet["severity"] == "medium" and quiet["evidence"].endswith("(an established project, 9 years old)")
    assert result["risk_level"] == "medium"


def test_active_and_bus_factor_need_enough_evidence_at_their_thresholds():
    """'active' needs 12 human commits in 12 months over 6 weeks ([maturity]); bus_factor_1 is
    checked only from 10 human commits ([risk.flags.bus_factor_1]); below, low-activity and unchecked
    with the reason, plurals right. Exactly at each threshold the verdict is given."""
    from tracker.scoring import risk

    base = {"last_human_commit_days": 5, "project_age_days": 800, "releases_3y": 3,
            "days_since_any_release": 100, "contributor_absence_factor_365d": 1, "commits_365d": 40}
    assert risk.maturity({**base, "human_commits_365d": 12, "human_active_weeks_52": 6}, W)[0] == "active"
    kind, why = risk.maturity({**base, "human_commits_365d": 11, "human_active_weeks_52": 6}, W)
    assert kind == "low-activity" and why.startswith("only 11 human commits in 12 months over 6 weeks")
    assert "(active needs 12 commits in 6 weeks or more)" in why
    assert risk.maturity({**base, "human_commits_365d": 40, "human_active_weeks_52": 5}, W)[0] == "low-activity"

    def bus(commits):
        result = risk.assess({**base, "human_commits_365d": commits, "human_active_weeks_52": 8}, W, NOW, 0.9)
        flagged = {f["name"]: f["evidence"] for f in result["flags"]}.get("bus_factor_1")
        return flagged, {u["name"]: u["reason"] for u in result["unchecked"]}.get("bus_factor_1")

    flagged, unchecked = bus(9)
    assert flagged is None
    assert unchecked == ("only 9 human commits in the last 12 months: too few to say who carries the work"
                         " (needs 10 commits)")
    flagged, unchecked = bus(10)
    assert unchecked is None and flagged.startswith("one person made at least half of the 10 human commits")


def test_stale_git_data_dates_every_activity_verdict_and_only_those():
    """With git data older than the grace period (`git_data_at`), each verdict read from commit
    activity says as of when; archived (GitHub's flag) and young (the first commit's age) do not."""
    from tracker.scoring import risk

    active = {"last_human_commit_days": 5, "project_age_days": 800, "releases_3y": 3, "days_since_any_release": 100,
              "contributor_absence_factor_365d": 1, "commits_365d": 40, "human_active_weeks_52": 6}
    cases = {
        "abandoned": ({"last_human_commit_days": 400, "days_since_any_release": 600, "project_age_days": 2000},
                      "no human commit for 400 days; last release 600 days ago"),
        "dormant": ({"last_human_commit_days": 400, "days_since_any_release": 100, "releases_3y": 3,
                     "project_age_days": 2000}, "no human commit for 400 days, but last release 100 days ago"),
        "active": ({**active, "human_commits_365d": 12},
                   "12 human commits in 12 months over 6 weeks, the last 5 days ago"),
        "low-activity": ({**active, "human_commits_365d": 11}, "only 11 human commits in 12 months over 6 weeks,"
                         " the last 5 days ago (active needs 12 commits in 6 weeks or more)"),
        "mature-stable": ({"project_age_days": 2000, "human_commits_365d": 20, "human_active_weeks_52": 10,
                           "last_human_commit_days": 30, "open_issues": 5},
                          "5 years old, 20 human commits in 12 months over 10 weeks, last fix 30 days ago,"
                          " 5 open issues"),
    }
    for kind, (m, why) in cases.items():
        fresh = risk.assess(m, W, NOW, 0.9)
        assert (fresh["maturity"], fresh["maturity_reason"]) == (kind, why)
        stale = risk.assess(m, W, NOW, 0.9, git_data_at=datetime(2026, 6, 1))
        assert (stale["maturity"], stale["maturity_reason"]) == (kind, "as of its git data of 2026-06-01: " + why)
    for kind, m, why in [("young", {"project_age_days": 100, "last_human_commit_days": 5}, "first commit 100 days ago"),
                         ("archived", {"archived": True, "last_human_commit_days": 5}, "the repository is archived")]:
        stale = risk.assess(m, W, NOW, 0.9, git_data_at=datetime(2026, 6, 1))
        assert (stale["maturity"], stale["maturity_reason"]) == (kind, why)


def test_archived_is_unchecked_only_when_github_data_is_missing():
    from tracker.scoring import risk

    def unchecked(m):
        return [u for u in risk.assess(m, W, NOW, 0.9)["unchecked"] if u["name"] == "archived"]

    assert unchecked({**SOLID, "archived": False}) == []
    assert unchecked(SOLID) == [{"name": "archived", "reason": "GitHub data not collected"}]


def test_other_income_keeps_an_old_grant_from_reading_as_lapsed():
    """Last grant in 2023, none active: lapsed unless other money is seen in the last 12 months,
    from Open Collective, from sponsors, or from both."""
    base = {"last_human_commit_days": 5, "grants_active": False, "last_grant_at": "2023-06-01"}
    assert "funding_lapsed" in _names(score_metrics(base, W, NOW))
    for other in ({"oc_received_12m_usd": 250.0}, {"sponsors_count": 3},
                  {"oc_received_12m_usd": 3.0, "sponsors_count": 3}):
        assert "funding_lapsed" not in _names(score_metrics({**base, **other}, W, NOW)), other


def test_mature_stable_says_when_open_issues_are_unknown():
    from tracker.scoring import risk

    m = {"project_age_days": 2000, "human_commits_365d": 20, "human_active_weeks_52": 10, "last_human_commit_days": 30}
    assert risk.maturity(m, W) == ("mature-stable", "5 years old, 20 human commits in 12 months over 10 weeks,"
                                                     " last fix 30 days ago, open issues unknown")
    assert risk.maturity({**m, "open_issues": 1}, W)[1].endswith(", 1 open issue")


# -- the fifth mutation round's risk survivors: words and severities at their edges ----------------
MATURE = {"project_age_days": 2000, "human_commits_365d": 20, "human_active_weeks_52": 10,
          "last_human_commit_days": 30, "open_issues": 3}


def _flag_of(result, name):
    return next(f for f in result["flags"] if f["name"] == name)


def test_a_mature_stable_project_takes_each_flags_mature_severity():
    """no_release_18m is medium, and low for a mature-stable project (weights.toml `mature_severity`)."""
    late = {**MATURE, "days_since_any_release": 600}
    mature = score_metrics(late, W, NOW)
    assert mature["maturity"] == "mature-stable"
    assert _flag_of(mature, "no_release_18m")["severity"] == "low"
    young = score_metrics({**late, "project_age_days": 1000}, W, NOW)
    assert young["maturity"] != "mature-stable"
    assert _flag_of(young, "no_release_18m")["severity"] == "medium"


def test_bus_factor_words_without_a_truck_factor_and_unchecked_reasons():
    flagged = score_metrics({**SOLID, "contributor_absence_factor_365d": 1, "truck_factor": None}, W, NOW)
    assert _flag_of(flagged, "bus_factor_1")["evidence"] == (
        "one person made at least half of the 80 human commits of the last 12 months (contributor absence factor 1)")
    with_tf = score_metrics({**SOLID, "contributor_absence_factor_365d": 1, "truck_factor": 2}, W, NOW)
    assert _flag_of(with_tf, "bus_factor_1")["evidence"].endswith("(contributor absence factor 1); truck factor 2")
    # no absence factor: unknown because nothing was collected, or because nobody committed
    not_collected = score_metrics({"last_human_commit_days": 5}, W, NOW)
    assert {"name": "bus_factor_1", "reason": "git history not collected"} in not_collected["unchecked"]
    nobody = score_metrics({"last_human_commit_days": 400, "commits_365d": 0}, W, NOW)
    assert {"name": "bus_factor_1", "reason": "no human commits in the last 12 months to count"} \
        in nobody["unchecked"]


def test_one_person_left_of_three_is_said_in_the_singular():
    m = {**SOLID, "active_contributors_365d": 1, "active_contributors_prev_365d": 3}
    evidence = _flag_of(score_metrics(m, W, NOW), "contributors_declining")["evidence"]
    assert evidence == "1 person committed in the last 12 months, 3 in the 12 before (-67%)"


def test_abandoned_by_few_commits_exactly_a_year_after_the_last_is_high_not_critical():
    """The few-commits clause (weaker evidence) gives `few_commits_severity`; a silent year more than
    365 days gives the abandoned flag's own severity."""
    few = {"project_age_days": 2000, "human_commits_365d": 1, "human_active_weeks_52": 1}
    at_edge = score_metrics({**few, "last_human_commit_days": 365}, W, NOW)
    assert at_edge["maturity"] == "abandoned"
    assert _flag_of(at_edge, "abandoned")["severity"] == "high"
    silent = score_metrics({**few, "human_commits_365d": 0, "last_human_commit_days": 366}, W, NOW)
    assert silent["maturity"] == "abandoned"
    assert _flag_of(silent, "abandoned")["severity"] == W["risk"]["flags"]["abandoned"]["severity"] != "high"


def test_maturity_words_for_a_release_without_a_recent_fix_and_for_no_git_history():
    from tracker.scoring import risk

    by_release = {**MATURE, "last_human_commit_days": 200, "days_since_any_release": 100}
    kind, why = risk.maturity(by_release, W)
    assert kind == "mature-stable" and "last fix" not in why and "100 days ago" in why
    assert risk.maturity({"days_since_any_release": 100}, W) == (None, "activity unknown: git history not collected")
