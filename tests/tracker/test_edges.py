"""Both sides of every edge where a number decides: the named windows (tracker/windows.py) as the
metrics apply them to real git histories and stored GitHub items, and every risk-flag and maturity
threshold of the shipped weights (tracker/config/weights.toml, named in tracker/catalogue.py).

Each edge is put one second (or one day, one hour, one person) to either side; the expected values
are worked out by hand from the window rule: a window holds t with start < t <= as_of.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from tests.tracker.scoring_helpers import track
from tests.tracker.test_metrics_github import NOW as GH_NOW
from tests.tracker.test_metrics_github import issue, snapshot
from tracker import catalogue as cat
from tracker import metrics, registry
from tracker.currency import load_rates
from tracker.metrics import funding as fm
from tracker.scoring import risk
from tracker.scoring import weights as weights_mod
from tracker.scoring.scales import compile_scale, log_scaled, piecewise
from tracker.windows import GRANT_YEARS, MONTH_DAYS, PREVIOUS_YEAR, RECENT, WEEKS, YEAR

AS_OF = datetime(2025, 6, 4, 12, 0, 0)  # a Wednesday
SECOND = timedelta(seconds=1)
DAY = timedelta(days=1)


def at(t: datetime) -> str:
    return t.isoformat(timespec="seconds")


@pytest.fixture(scope="module")
def shipped():
    return weights_mod.shipped()


# -- the windows, on real git histories ------------------------------------------------------------
def test_git_windows_hold_what_is_after_their_start_and_not_their_start(store, make_repo):
    """One person per commit, each on one side of the 90-day, 365-day and previous-year edges."""
    repo = make_repo("edges")
    d90, d365, d730 = AS_OF - timedelta(days=90), AS_OF - timedelta(days=365), AS_OF - timedelta(days=730)
    people = [("Edge730", d730), ("In730", d730 + SECOND), ("Edge365", d365), ("In365", d365 + SECOND),
              ("Edge90", d90), ("In90", d90 + SECOND), ("Later", AS_OF + SECOND)]
    for name, when in people:
        repo.commit(at(when), name=name, email=f"{name.lower()}@example.org")
        if name in ("Edge365", "In365"):
            repo.tag(f"v{len(repo.git('tag').split()) + 1}.0")
    project = track(store, repo)
    m = metrics.compute_all(store, project.id, AS_OF)

    assert m[cat.COMMITS_TOTAL] == 7                      # every commit, even one after as_of
    assert m[cat.COMMITS_90D] == m[cat.HUMAN_COMMITS_90D] == 1           # In90 (Edge90 is the start)
    assert m[cat.COMMITS_365D] == m[cat.HUMAN_COMMITS_365D] == 3         # In90, Edge90, In365
    assert m[cat.ACTIVE_CONTRIBUTORS_90D] == 1
    assert m[cat.ACTIVE_CONTRIBUTORS_365D] == m[cat.NEW_CONTRIBUTORS_365D] == 3
    assert m[cat.ACTIVE_CONTRIBUTORS_PREV_365D] == 2      # Edge365 (the previous year's end), In730
    assert m[cat.LEAVING_CONTRIBUTORS_365D] == 2
    assert m[cat.CONTRIBUTORS_TOTAL] == 6                 # Later committed after as_of
    assert m[cat.LAST_HUMAN_COMMIT_DAYS] == m[cat.DAYS_SINCE_LAST_COMMIT] == 89   # 90 days less a second
    assert m[cat.PROJECT_AGE_DAYS] == 730
    assert m[cat.TAGS_TOTAL] == 2 and m[cat.TAGS_365D] == 1                # v2.0 on In365 only
    assert m[cat.DAYS_SINCE_LAST_TAG] == 364


def test_the_week_series_starts_on_its_first_monday_inclusive(store, make_repo):
    repo = make_repo("weeks")
    first_monday = WEEKS.start(AS_OF)
    repo.commit(at(first_monday - SECOND), name="Before", email="before@example.org")
    repo.commit(at(first_monday), name="Start", email="start@example.org")
    repo.commit(at(AS_OF), name="Now", email="now@example.org")
    project = track(store, repo)
    m = metrics.compute_all(store, project.id, AS_OF)
    weekly = m[cat.WEEKLY_COMMITS]
    assert len(weekly) == 52 and weekly[0] == {"week": first_monday.date().isoformat(), "commits": 1}
    assert weekly[-1]["commits"] == 1 and sum(w["commits"] for w in weekly) == 2
    assert m[cat.HUMAN_ACTIVE_WEEKS_52] == 2


@pytest.mark.parametrize("last, days, flagged", [
    (AS_OF - timedelta(days=366) + SECOND, 365, False),   # 365 whole days: within the year
    (AS_OF - timedelta(days=366), 366, True),
])
def test_no_commits_12m_from_a_real_history_at_365_and_366_days(store, make_repo, shipped, last, days, flagged):
    repo = make_repo("quiet")
    repo.commit(at(last - timedelta(days=400)), name="Ann")
    repo.commit(at(last), name="Bob", email="bob@example.org")
    project = track(store, repo)
    m = metrics.compute_all(store, project.id, AS_OF)
    assert m[cat.LAST_HUMAN_COMMIT_DAYS] == days
    result = risk.assess(m, shipped, AS_OF, coverage=1.0)
    assert ("no_commits_12m" in names(result)) is flagged


# -- the windows, on stored GitHub items (first response, closure, releases) --------------------------
@pytest.fixture
def gh(store):
    project, _ = registry.add(store, "acme/edges")
    snapshot(store, project.id)
    return project.id


def gh_metrics(store, pid):
    return metrics.compute_all(store, pid, GH_NOW)


def test_first_response_window_starts_after_90_days(store, gh):
    issue(store, gh, 1, created=10, response_hours=1)
    issue(store, gh, 2, created=90, comments=0)                # opened at the window's start: left out
    assert gh_metrics(store, gh)[cat.MEDIAN_TIME_TO_FIRST_RESPONSE_HOURS_90D_ISSUES] == 1.0
    issue(store, gh, 3, created=90 - 1 / 86400, comments=0)    # a second later: in, waiting ever since
    assert gh_metrics(store, gh)[cat.MEDIAN_TIME_TO_FIRST_RESPONSE_HOURS_90D_ISSUES] == pytest.approx(
        (1 + 90 * 24 - 1 / 3600) / 2, abs=0.01)


def test_closure_ratios_count_what_closed_after_the_window_start(store, gh):
    issue(store, gh, 1, created=10)
    issue(store, gh, 2, created=200, closed=90)               # closed at the start: not in the window
    issue(store, gh, 3, created=200, closed=90 - 1 / 86400)   # a second later: in
    issue(store, gh, 4, kind="pr", created=90, closed=5)      # opened at the start: not opened in it
    issue(store, gh, 5, kind="pr", created=90 - 1 / 86400, closed=80)
    m = gh_metrics(store, gh)
    assert m[cat.ISSUE_CLOSURE_RATIO_90D] == 1.0               # 1 closed / 1 opened
    assert m[cat.CLOSED_ISSUES_COUNT_90D] == 1
    assert m[cat.CHANGE_REQUEST_CLOSURE_RATIO_90D] == 2.0      # 2 closed / 1 opened


def test_github_releases_of_the_last_365_days(store, gh):
    rows = [dict(project_id=gh, release_id=i, tag=f"v{i}", name=f"v{i}", prerelease=False,
                 created_at=GH_NOW - age, published_at=GH_NOW - age)
            for i, age in enumerate((timedelta(days=365), timedelta(days=365) - SECOND, timedelta(days=2)), 1)]
    store.upsert("github_releases", rows, key=["project_id", "release_id"])
    m = gh_metrics(store, gh)
    assert m[cat.RELEASES_365D] == 2 and m[cat.DAYS_SINCE_LAST_RELEASE] == 2


# -- issues_unanswered: a project that answers nothing, and the 720-hour edge ----------------------
def test_issues_unanswered_fires_for_a_project_that_answers_nothing(store, gh, shipped):
    for number, created in enumerate((80, 60, 45, 40, 5), 1):
        issue(store, gh, number, created=created, comments=0)    # looked up (response_checked), no answer
    m = gh_metrics(store, gh)
    assert m[cat.MEDIAN_TIME_TO_FIRST_RESPONSE_HOURS_90D_ISSUES] == 45 * 24.0
    assert "issues_unanswered" in names(risk.assess(m, shipped, GH_NOW, coverage=1.0))


def test_issues_not_looked_up_leave_the_first_response_unknown(store, gh, shipped):
    store.upsert("github_issues", [dict(project_id=gh, number=1, kind="issue", state="open", author_login="x",
                                        author_is_bot=False, created_at=GH_NOW - timedelta(days=40),
                                        updated_at=GH_NOW - timedelta(days=40), comments=0,
                                        response_checked=False)], key=["project_id", "number"])
    m = gh_metrics(store, gh)
    assert m[cat.MEDIAN_TIME_TO_FIRST_RESPONSE_HOURS_90D_ISSUES] is None
    assert "issues_unanswered" in [u["name"] for u in risk.assess(m, shipped, GH_NOW, 1.0)["unchecked"]]


@pytest.mark.parametrize("waited_days, flagged", [(30, False), (30 + 60 / 86400, True)])  # hours kept to 2 places
def test_issues_unanswered_edge_at_30_days_of_waiting(store, gh, shipped, waited_days, flagged):
    issue(store, gh, 1, created=waited_days, comments=0)
    m = gh_metrics(store, gh)
    assert m[cat.MEDIAN_TIME_TO_FIRST_RESPONSE_HOURS_90D_ISSUES] == pytest.approx(waited_days * 24, abs=0.01)
    assert ("issues_unanswered" in names(risk.assess(m, shipped, GH_NOW, 1.0))) is flagged


# -- every flag threshold of the shipped weights, both sides -----------------------------------------
def names(result) -> list[str]:
    return [f["name"] for f in result["flags"]]


def judged(shipped, **values) -> dict:
    """assess() over a project known well enough to judge: a steady history unless `values` say otherwise."""
    m = {cat.LAST_HUMAN_COMMIT_DAYS: 3, cat.DAYS_SINCE_LAST_COMMIT: 3, cat.PROJECT_AGE_DAYS: 900,
         cat.HUMAN_COMMITS_365D: 120, cat.COMMITS_365D: 120, cat.HUMAN_ACTIVE_WEEKS_52: 40,
         cat.CONTRIBUTOR_ABSENCE_FACTOR_365D: 4, cat.ACTIVE_CONTRIBUTORS_365D: 10,
         cat.ACTIVE_CONTRIBUTORS_PREV_365D: 10, cat.ARCHIVED: False, cat.TAGS_TOTAL: 5,
         cat.MEDIAN_TIME_TO_FIRST_RESPONSE_HOURS_90D_ISSUES: 10.0, cat.OPEN_ISSUES: 300}
    release = values.pop("release", 30)
    for name in (cat.DAYS_SINCE_LAST_RELEASE, cat.DAYS_SINCE_LAST_TAG, "days_since_any_release"):
        m[name] = release
    m.update(values)
    return risk.assess(m, shipped, AS_OF, coverage=1.0)


def test_a_steady_project_raises_no_flag(shipped):
    result = judged(shipped)
    assert names(result) == [] and result["level"] == "low"


@pytest.mark.parametrize("days, flagged", [(365, False), (366, True)])
def test_no_commits_12m_at_365_and_366_days(shipped, days, flagged):
    assert ("no_commits_12m" in names(judged(shipped, last_human_commit_days=days,
                                               days_since_last_commit=days))) is flagged


def test_no_commits_12m_judges_human_commits_not_bots(shipped):
    result = judged(shipped, last_human_commit_days=366, days_since_last_commit=2)
    assert "no_commits_12m" in names(result)
    assert "a bot committed 2 days ago" in next(f["evidence"] for f in result["flags"] if f["name"] == "no_commits_12m")


@pytest.mark.parametrize("days, flagged", [(548, False), (549, True)])
def test_no_release_18m_at_548_and_549_days(shipped, days, flagged):
    assert ("no_release_18m" in names(judged(shipped, release=days))) is flagged


@pytest.mark.parametrize("hours, flagged", [(720.0, False), (720.01, True)])
def test_issues_unanswered_at_720_hours(shipped, hours, flagged):
    result = judged(shipped, **{cat.MEDIAN_TIME_TO_FIRST_RESPONSE_HOURS_90D_ISSUES: hours})
    assert ("issues_unanswered" in names(result)) is flagged


@pytest.mark.parametrize("factor, flagged", [(1, True), (2, False)])
def test_bus_factor_1_only_at_an_absence_factor_of_one(shipped, factor, flagged):
    assert ("bus_factor_1" in names(judged(shipped, contributor_absence_factor_365d=factor))) is flagged


@pytest.mark.parametrize("before, now, flagged", [
    (3, 2, True),     # the fewest people before that make a trend: 3
    (2, 1, False),    # 2 before: too few to call it a decline, whatever the ratio
    (2, 0, False),
    (10, 7, True),    # exactly 70% as many
    (10, 8, False),   # 80%
    (20, 14, True),
    (20, 15, False),
])
def test_contributors_declining_minimum_previous_count_and_ratio(shipped, before, now, flagged):
    result = judged(shipped, active_contributors_365d=now, active_contributors_prev_365d=before)
    assert ("contributors_declining" in names(result)) is flagged


@pytest.mark.parametrize("grant_days, flagged", [(730, False), (731, True)])
def test_funding_lapsed_after_730_days_since_the_last_grant(shipped, grant_days, flagged):
    result = judged(shipped, grants_active=False, last_grant_at=(AS_OF - timedelta(days=grant_days)).date())
    assert ("funding_lapsed" in names(result)) is flagged


def test_funding_lapsed_when_an_open_collective_received_nothing_in_12_months(shipped):
    assert "funding_lapsed" in names(judged(shipped, oc_balance_usd=50.0, oc_received_12m_usd=0.0))
    assert "funding_lapsed" not in names(judged(shipped, oc_balance_usd=50.0, oc_received_12m_usd=1.0))


def test_three_medium_flags_make_the_level_high_two_do_not(shipped):
    two = judged(shipped, release=600, contributor_absence_factor_365d=1)
    assert sorted(names(two)) == ["bus_factor_1", "no_release_18m"] and two["level"] == "medium"
    three = judged(shipped, release=600, contributor_absence_factor_365d=1,
                   **{cat.MEDIAN_TIME_TO_FIRST_RESPONSE_HOURS_90D_ISSUES: 800.0})
    assert len(names(three)) == 3 and three["level"] == "high"


# -- maturity thresholds ----------------------------------------------------------------------------
@pytest.mark.parametrize("last, release, kind", [
    (366, 549, "abandoned"),
    (365, 549, None),            # a year without a human commit is not yet "over a year"
    (366, 548, "dormant"),       # a release within 18 months
])
def test_abandoned_needs_over_a_year_without_commits_and_over_18_months_without_release(shipped, last, release,
                                                                                     kind):
    result = judged(shipped, last_human_commit_days=last, days_since_last_commit=last, release=release)
    if kind is None:
        assert result["maturity"] not in ("abandoned", "dormant")
        assert "abandoned" not in names(result)
    else:
        assert result["maturity"] == kind
        assert ("abandoned" in names(result)) is (kind == "abandoned")


@pytest.mark.parametrize("age, young", [(364, True), (365, False)])
def test_young_is_under_365_days_since_the_first_commit(shipped, age, young):
    assert (judged(shipped, project_age_days=age)["maturity"] == "young") is young


MATURE = dict(project_age_days=1460, human_commits_365d=150, commits_365d=150, human_active_weeks_52=4,
              last_human_commit_days=180, days_since_last_commit=180, release=600, open_issues=100)


def test_mature_stable_at_each_of_its_limits(shipped):
    assert judged(shipped, **MATURE)["maturity"] == "mature-stable"


@pytest.mark.parametrize("change", [
    dict(project_age_days=1459),                                     # under four years old
    dict(human_commits_365d=151, commits_365d=151),                  # too busy to be "low but steady"
    dict(human_active_weeks_52=3),                                   # not steady
    dict(last_human_commit_days=181, days_since_last_commit=181),    # no fix in 6 months, no release in 18
    dict(open_issues=101),                                           # too many open issues
], ids=["age", "commits", "weeks", "recent-fix", "open-issues"])
def test_mature_stable_one_step_past_each_limit(shipped, change):
    assert judged(shipped, **{**MATURE, **change})["maturity"] != "mature-stable"


def test_mature_stable_with_a_release_within_18_months_instead_of_a_fix(shipped):
    late_fix = {**MATURE, "last_human_commit_days": 200, "days_since_last_commit": 200}
    assert judged(shipped, **{**late_fix, "release": 548})["maturity"] == "mature-stable"
    assert judged(shipped, **{**late_fix, "release": 549})["maturity"] != "mature-stable"


def test_the_windows_are_the_published_lengths():
    """The one definition (tracker/windows.py) holds the lengths the methodology publishes."""
    assert (RECENT.days, YEAR.days, PREVIOUS_YEAR.days, PREVIOUS_YEAR.ends_days_before) == (90, 365, 365, 365)
    assert WEEKS.weeks == 52


# -- scales at their ends ---------------------------------------------------------------------------
def test_a_points_scale_is_flat_beyond_its_ends_and_linear_between():
    scale = compile_scale({"points": [[0, 0], [10, 100], [30, 50]]})
    assert [scale(x) for x in (-1, 0, 5, 10, 20, 30, 31)] == [0.0, 0.0, 50.0, 100.0, 75.0, 50.0, 50.0]
    assert [piecewise(x, [[0, 0], [10, 100], [30, 50]]) for x in (-1, 5, 20, 31)] == [0.0, 50.0, 75.0, 50.0]


def test_a_log_scale_is_zero_at_zero_and_capped_at_its_target():
    scale = compile_scale({"log_target": 99})
    assert [scale(x) for x in (-5, 0, 9, 99, 10_000)] == [0.0, 0.0, 50.0, 100.0, 100.0]
    assert [log_scaled(x, 99) for x in (-5, 0, 9, 99, 10_000)] == [0.0, 0.0, 50.0, 100.0, 100.0]


# -- the grants' 5-year window and a grant's active period -----------------------------------------
TODAY = date(2025, 6, 4)


def grant(amount, awarded, months=None, currency="USD"):
    return {"amount": amount, "currency": currency, "awarded_on": awarded, "period_months": months}


def test_grants_of_the_last_5_years_start_after_the_window_start():
    start = TODAY - timedelta(days=GRANT_YEARS.days)
    rates = load_rates()
    got = fm._grants([grant(1000.0, start), grant(1.234, start + DAY), grant(1.0, TODAY)], TODAY, rates)
    assert got[cat.GRANTS_TOTAL_USD_5Y] == 2.23          # 1.234 + 1.0, to the cent; the first is out
    assert got[cat.LAST_GRANT_AT] == TODAY and got[cat.GRANTS_ACTIVE] == 0   # no period: never "active"


def test_a_grant_is_active_from_its_award_day_until_the_day_its_period_ends():
    rates = load_rates()
    twelve = round(12 * MONTH_DAYS)                       # 365 days
    assert fm._grants([grant(10.0, TODAY, 12)], TODAY, rates)[cat.GRANTS_ACTIVE] == 1
    assert fm._grants([grant(10.0, TODAY + DAY, 12)], TODAY, rates)[cat.GRANTS_ACTIVE] == 0
    assert fm._grants([grant(10.0, TODAY - timedelta(days=twelve - 1), 12)], TODAY, rates)[cat.GRANTS_ACTIVE] == 1
    assert fm._grants([grant(10.0, TODAY - timedelta(days=twelve), 12)], TODAY, rates)[cat.GRANTS_ACTIVE] == 0
    assert fm._grants([], TODAY, rates)[cat.GRANTS_ACTIVE] is None
    assert fm._grants([grant(10.0, None)], TODAY, rates) == {
        cat.GRANTS_TOTAL_USD_5Y: None, cat.GRANTS_ACTIVE: 0, cat.LAST_GRANT_AT: None}


def test_a_grants_dollars_in_a_window_hold_what_falls_after_its_start():
    rates = load_rates()
    lo, hi = TODAY - timedelta(days=365), TODAY
    # without a period: counted whole on its award day, if that day is in (lo, hi]
    assert [fm.grant_usd_in(grant(100.0, d), lo, hi, rates) for d in (lo, lo + DAY, hi, hi + DAY)] == [
        0.0, 100.0, 100.0, 0.0]
    # with a period: spread evenly over its days, the part in the window counted
    year = grant(365.0, hi - timedelta(days=100), 12)           # 365 days, 100 of them in the window
    assert fm.grant_usd_in(year, lo, hi, rates) == pytest.approx(100.0)
    assert fm.grant_usd_in(grant(365.0, lo - timedelta(days=400), 12), lo, hi, rates) == 0.0   # ended before
    assert fm.grant_usd_in(grant(5.0, hi - DAY, 1 / MONTH_DAYS), lo, hi, rates) == 5.0       # a one-day grant
    assert fm.grant_usd_in(grant(5.0, hi - DAY, 0.01), lo, hi, rates) == 0.0                 # zero days long
    assert fm.grant_usd_in(grant(None, hi), lo, hi, rates) is None


def test_open_collective_sums_are_in_dollars_to_the_cent_and_unknown_if_any_part_is():
    rates = load_rates()
    ok = [("ok", "USD", 1.234, 2.0, 3.0), ("ok", "USD", 1.0, 1.0, None), ("missing", "USD", 50.0, 50.0, 50.0)]
    assert fm._open_collective(ok, rates) == {cat.OC_YEARLY_BUDGET_USD: 2.23, cat.OC_RECEIVED_12M_USD: 3.0,
                                              cat.OC_BALANCE_USD: None}
    assert fm._open_collective([("missing", "USD", 1.0, 1.0, 1.0)], rates) is None


# -- what each flag says -----------------------------------------------------------------------------
def evidence(result, name: str) -> str:
    return next(f["evidence"] for f in result["flags"] if f["name"] == name)


def test_each_flag_says_what_it_saw(shipped):
    result = judged(shipped, last_human_commit_days=400, days_since_last_commit=400, release=600,
                    contributor_absence_factor_365d=1, human_commits_365d=20, commits_365d=20, truck_factor=2,
                    active_contributors_365d=7, active_contributors_prev_365d=10, archived=True,
                    grants_active=False, last_grant_at=date(2023, 1, 2),
                    deprecation_notice=2, deprecation_notice_text=["It is no longer maintained."],
                    **{cat.MEDIAN_TIME_TO_FIRST_RESPONSE_HOURS_90D_ISSUES: 800.0})
    assert evidence(result, "archived") == "the repository is archived on GitHub (read-only)"
    assert evidence(result, "deprecation_notice") == (
        'the README says the project stopped: "It is no longer maintained."')
    assert evidence(result, "no_commits_12m") == "last human commit 400 days ago"
    assert evidence(result, "bus_factor_1") == ("one person made at least half of the 20 human commits of the"
                                                " last 12 months (contributor absence factor 1); truck factor 2")
    assert evidence(result, "no_release_18m") == "last release 600 days ago"
    assert evidence(result, "issues_unanswered") == ("half the issues opened in the last 90 days waited more"
                                                     " than 33 days for a first response")
    assert evidence(result, "contributors_declining") == (
        "7 people committed in the last 12 months, 10 in the 12 before (-30%)")
    assert evidence(result, "funding_lapsed") == (
        "last grant 884 days ago (2023-01-02), none active, no other income seen")
    assert result["level"] == "critical" and result["unchecked"] == []


def test_what_cannot_be_checked_is_listed_with_the_reason():
    result = risk.assess({}, weights_mod.shipped(), AS_OF, coverage=0.0)
    assert result["flags"] == [] or [f["name"] for f in result["flags"]] == ["no_data"]
    assert {u["name"]: u["reason"] for u in result["unchecked"]} == {
        "archived": "GitHub data not collected",
        "no_commits_12m": "git history not collected or empty",
        "deprecation_notice": "git history not collected",
        "bus_factor_1": "git history not collected",
        "no_release_18m": "no release or tag data",
        "issues_unanswered": "GitHub issue data not collected",
        "contributors_declining": "git history not collected",
        "funding_lapsed": "funding data not collected",
    }
    assert result["maturity"] is None


def test_funding_lapsed_reads_a_grant_date_given_as_text_or_a_timestamp(shipped):
    for last in ("2023-01-02", "2023-01-02T00:00:00Z", datetime(2023, 1, 2)):
        assert "funding_lapsed" in names(judged(shipped, grants_active=False, last_grant_at=last)), last
    assert "funding_lapsed" not in names(judged(shipped, grants_active=False, last_grant_at="not a date"))
    # other income seen: not lapsed; a grant still active: not lapsed
    assert "funding_lapsed" not in names(judged(shipped, grants_active=False, last_grant_at=date(2023, 1, 2),
                                                sponsors_count=3))
    assert "funding_lapsed" not in names(judged(shipped, grants_active=1, last_grant_at=date(2023, 1, 2)))


def test_without_human_figures_the_flags_fall_back_to_all_commits(shipped):
    """Bots cannot be told apart (no human figures): the last commit and the year's commits of
    anyone stand in."""
    result = judged(shipped, last_human_commit_days=None, days_since_last_commit=400,
                    human_commits_365d=None, commits_365d=20, contributor_absence_factor_365d=1)
    assert evidence(result, "no_commits_12m") == "last human commit 400 days ago"
    assert "of the 20 human commits of the last 12 months" in evidence(result, "bus_factor_1")


@pytest.mark.parametrize("known, kind", [
    ({}, None),
    ({"project_age_days": 900}, "not None"),
    ({"days_since_last_release": 30}, "not None"),
    ({"last_human_commit_days": 3}, "not None"),
])
def test_maturity_is_unknown_only_when_no_history_at_all_is_known(shipped, known, kind):
    got, why = risk.maturity(known, shipped)
    if kind is None:
        assert (got, why) == (None, "no history collected")
    else:
        assert why != "no history collected"


def test_an_archived_repository_says_so(shipped):
    assert risk.maturity({cat.ARCHIVED: True}, shipped) == ("archived", "the repository is archived")


# -- the few-commits abandoned rule (judge): at most 2 human commits in a year and releases stopped ---
def few(**values) -> dict:
    """Two years of life (so a rate over exactly 2 years), 2 human commits in the year, the last 100
    days ago; releases a year = releases_3y / 2."""
    m = {cat.PROJECT_AGE_DAYS: 730.5, cat.DAYS_SINCE_FIRST_RELEASE: 730.5, cat.LAST_HUMAN_COMMIT_DAYS: 100,
         cat.DAYS_SINCE_LAST_COMMIT: 100, cat.HUMAN_COMMITS_365D: 2, cat.COMMITS_365D: 2, cat.RELEASES_3Y: 4,
         cat.HUMAN_ACTIVE_WEEKS_52: 2}
    m.update(values)
    if "release" in m:
        m[cat.DAYS_SINCE_ANY_RELEASE] = m.pop("release")
    return m


@pytest.mark.parametrize("release, abandoned", [
    (547.875, True),    # three usual gaps (365.25 / 2 releases a year) exactly
    (547.8, False),
    (548, True),
])
def test_few_commits_and_three_usual_gaps_without_a_release_is_abandoned(shipped, release, abandoned):
    kind, why = risk.maturity(few(release=release), shipped)
    assert (kind == "abandoned") is abandoned, why
    if abandoned:
        assert why == (f"only 2 human commits in 12 months (the last 100 days ago) and last release {round(release)}"
                       " days ago, 3 times its usual gap: too little to be maintenance")


@pytest.mark.parametrize("release, abandoned", [(365, False), (366, True)])
def test_few_commits_rule_needs_over_a_year_without_a_release(shipped, release, abandoned):
    m = few(release=release, **{cat.RELEASES_3Y: 16})     # 8 a year: three gaps are 137 days
    assert (risk.maturity(m, shipped)[0] == "abandoned") is abandoned


@pytest.mark.parametrize("change, abandoned", [
    ({cat.HUMAN_COMMITS_365D: 3, cat.COMMITS_365D: 3}, False),   # three commits: maintenance, however little
    ({cat.PROJECT_AGE_DAYS: 365, cat.DAYS_SINCE_FIRST_RELEASE: 365}, False),   # not over a year old
    ({cat.PROJECT_AGE_DAYS: 366, cat.DAYS_SINCE_FIRST_RELEASE: 366}, True),
])
def test_few_commits_rule_limits(shipped, change, abandoned):
    m = few(release=600, **change)                       # no release for 18 months
    assert (risk.maturity(m, shipped)[0] == "abandoned") is abandoned


def test_abandoned_without_any_release_data_says_so(shipped):
    m = {cat.LAST_HUMAN_COMMIT_DAYS: 400, cat.DAYS_SINCE_LAST_COMMIT: 400}
    assert risk.maturity(m, shipped) == ("abandoned", "no human commit for 400 days; no release known")


def test_few_commits_rule_words_when_no_release_for_18_months_or_none_known(shipped):
    assert risk.maturity(few(release=600), shipped) == ("abandoned", (
        "only 2 human commits in 12 months (the last 100 days ago) and last release 600 days ago:"
        " too little to be maintenance"))
    m = few(**{cat.RELEASES_3Y: None})
    del m[cat.DAYS_SINCE_FIRST_RELEASE]
    assert risk.maturity(m, shipped) == ("abandoned", (
        "only 2 human commits in 12 months (the last 100 days ago) and no release known:"
        " too little to be maintenance"))


def test_few_commits_rule_counts_the_usual_gaps_in_days_of_a_julian_year(shipped):
    """8 releases a year: a usual gap of 365.25 / 8 = 45.66 days; the last release 479.5 days ago is
    10.50 of them, said as 11 (with a 366.25-day year it would be 10.47, said as 10)."""
    kind, why = risk.maturity(few(release=479.5, **{cat.RELEASES_3Y: 16}), shipped)
    assert kind == "abandoned"
    assert why.endswith("last release 480 days ago, 11 times its usual gap: too little to be maintenance")
