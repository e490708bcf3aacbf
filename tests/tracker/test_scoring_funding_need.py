"""Funding need: important, alive, strained and under-funded ranks first, and says why."""

from __future__ import annotations

from datetime import datetime

from tracker.scoring import score_metrics
from tracker.scoring import weights as weights_mod

NOW = datetime(2026, 11, 1)
W = weights_mod.shipped()
BUSY = {
    "criticality": 0.6,
    "commits_total": 900,
    "last_human_commit_days": 10,
    "human_commits_90d": 13,
    "human_commits_365d": 60,
    "human_active_weeks_52": 26,
    "contributor_absence_factor_365d": 1,
    "truck_factor": 1,
    "elephant_factor_365d": 1,
    "active_contributors_365d": 2,
    "releases_3y": 6,
    "days_since_any_release": 40,
    "project_age_days": 700,
    "repo_files": ["license"],
    "funding_channels_count": 0,
    "has_sponsors_listing": True,  # a Sponsors listing with no sponsor: money received is a known 0
    "sponsors_count": 0,
}


def need(**changes):
    return score_metrics({**BUSY, **changes}, W, NOW)


def test_hand_computed_need_and_ranking():
    # importance 0.6; activity 100 -> alive 0.5 + 0.5 = 1; absence factor 1 -> strain 1 -> factor 1;
    # funding 0 -> funded 0. need = 100 * 0.6 * 1 * 1 * (1 - 0) = 60
    strained = need()
    assert strained["funding_need"] == 60.0
    # absence factor 5 -> strain 0.3 -> factor 0.5 + 0.5 * 0.3 = 0.65 -> 39
    shared = need(contributor_absence_factor_365d=5)
    assert shared["funding_need"] == 39.0
    # three channels and 100 sponsors -> funding 100 -> need 0
    funded = need(funding_channels_count=3, sponsors_count=100)
    assert funded["funding_need"] == 0.0
    ranked = sorted(
        [("funded", funded), ("shared", shared), ("strained", strained)],
        key=lambda kv: -kv[1]["funding_need"],
    )
    assert [k for k, _ in ranked] == ["strained", "shared", "funded"]


def test_explanation_in_words():
    reason = need()["funding_need_reason"]
    assert reason == (
        "important (criticality 0.60); active (activity 100); strained: one person carries"
        " half the commits; little funding (funding 0/100) -> need 60.0/100"
    )


def test_usage_counts_towards_importance():
    # dependents 10,000 = the log target -> usage 1; importance = mean(0.6, 1) = 0.8 -> need 80
    result = need(dependents_count=10000)
    assert result["funding_need"] == 80.0
    assert "10,000 dependents" in result["funding_need_reason"]


def test_archived_or_abandoned_needs_nothing():
    result = need(archived=True)
    assert result["funding_need"] == 0.0 and "archived -> need 0" in result["funding_need_reason"]
    # even with funding unknown: nothing alive to fund
    result = need(archived=True, funding_channels_count=None, sponsors_count=None)
    assert result["funding_need"] == 0.0


def test_unknown_parts_make_the_need_unknown_with_the_reason():
    unknown_funding = need(funding_channels_count=None, sponsors_count=None)
    assert unknown_funding["funding_need"] is None
    assert "income unknown" in unknown_funding["funding_need_reason"]
    unknown_importance = need(criticality=None)
    assert unknown_importance["funding_need"] is None
    assert unknown_importance["funding_need_reason"].startswith("importance unknown")


def test_channels_alone_never_make_a_project_well_funded():
    """PyGithub's case: FUNDING.yml names three people, nothing else is known about money. Asking is
    not receiving: the funding sub-score stays at the cap with the reason, the need is unknown (not
    0), and no text calls the project funded."""
    cap = W["evidence"]["funding_max_without_money"]
    result = need(funding_channels_count=3, has_sponsors_listing=None, sponsors_count=None)
    funding = result["subscores"]["funding"]
    assert funding["score"] == cap and funding["reason"] == "declares 3 funding channels; money received unknown"
    assert result["funding_need"] is None and "income unknown" in result["funding_need_reason"]
    assert "well funded" not in result["funding_need_reason"]
    one = need(funding_channels_count=1, has_sponsors_listing=None, sponsors_count=None)["subscores"]["funding"]
    assert one["reason"] == "declares 1 funding channel; money received unknown" and one["score"] <= cap
    # a Sponsors listing nobody pays through is money known to be none: the need is ranked, the cap holds
    listed = need(funding_channels_count=3)
    assert listed["subscores"]["funding"]["score"] <= cap
    assert "no money received found" in listed["subscores"]["funding"]["reason"]
    assert listed["funding_need"] is not None and "well funded" not in listed["funding_need_reason"]
    # the owner's sponsor count without a listing says nothing about money
    unlisted = need(funding_channels_count=3, has_sponsors_listing=False, sponsors_count=0)
    assert unlisted["funding_need"] is None


def test_money_received_lifts_the_cap():
    paid = need(funding_channels_count=3, sponsors_count=40)
    assert paid["subscores"]["funding"]["score"] > W["evidence"]["funding_max_without_money"]
    assert "40 GitHub sponsors" in paid["subscores"]["funding"]["reason"]


def test_words_at_each_edge_of_the_bands():
    """`[funding_need] high = 60, low = 30`: at or above 0.60 the first word, under 0.30 the third,
    in between (0.30 included) the middle one."""
    from tracker.scoring.funding_need import _words
    words = ("important", "moderately important", "less critical")
    assert [_words(v, 0.6, 0.3, words) for v in (0.6, 0.599, 0.45, 0.3, 0.299)] == [
        "important", "moderately important", "moderately important", "moderately important", "less critical"]


def test_the_bands_come_from_high_and_low_in_percent():
    # criticality 0.595 is just under high (60 %): moderately important; 0.30 is at low: not less critical
    assert need(criticality=0.595)["funding_need_reason"].startswith("moderately important (criticality 0.59)")
    assert need(criticality=0.3)["funding_need_reason"].startswith("moderately important (criticality 0.30)")
    assert need(criticality=0.29)["funding_need_reason"].startswith("less critical (criticality 0.29)")


def test_every_reason_word_for_word():
    """funding_need() itself, with the sub-scores and maturity given: each band's words, the usage
    detail, mature-and-stable, and each way the need stays unknown or drops to 0, by hand."""
    import math

    from tracker.scoring.funding_need import funding_need
    money = {"has_sponsors_listing": True, "sponsors_count": 0}   # a known 0: income is known
    m = {"criticality": 0.2, "stars": 99, "dependents_count": 9, "contributor_absence_factor_365d": 3, **money}
    subs = {"activity": {"score": 20.0}, "funding": {"score": 40.0}}
    # usage: stars ln 100 / ln 50,001 = 0.4256 beats dependents ln 10 / ln 10,001 = 0.25;
    # importance (0.2 + 0.4256) / 2 = 0.313; alive 0.5 + 0.5 x 0.2 = 0.6; absence factor 3 -> strain
    # 0.6 (strained, >= 60 %) -> factor 0.8; funding 40 -> 0.6 unfunded
    importance = (0.2 + math.log1p(99) / math.log1p(50_000)) / 2
    need = round(100 * importance * 0.6 * 0.8 * 0.6, 1)
    assert funding_need(m, subs, "mature-stable", W) == (need, (
        "moderately important (criticality 0.20, 99 stars); quiet (activity 20), mature and stable;"
        f" strained: 3 people carry half the commits; some funding (funding 40/100) -> need {need:.1f}/100"))
    # no criticality, 9 stars (ln 10 / ln 50,001 = 0.21) and 9 dependents (0.25): the dependents count
    only_usage = {**{k: v for k, v in m.items() if k != "criticality"}, "stars": 9}
    assert funding_need(only_usage, {"activity": {"score": 45.0}, "funding": {"score": 40.0}}, None, W)[1].startswith(
        "less critical (9 dependents); moderately active (activity 45); strained: 3 people")
    assert funding_need(m, subs, "abandoned", W) == (
        0.0, "moderately important (criticality 0.20, 99 stars); abandoned -> need 0 (nothing alive to fund)")
    assert funding_need(m, {"activity": {"score": None}}, None, W) == (
        None, "moderately important (criticality 0.20, 99 stars); activity unknown")
    no_people = {k: v for k, v in m.items() if k != "contributor_absence_factor_365d"}
    assert funding_need(no_people, subs, None, W) == (None, (
        "moderately important (criticality 0.20, 99 stars); quiet (activity 20);"
        " who carries the work is unknown (no human commits counted)"))


def test_reason_words_at_the_band_edges_and_without_income():
    from tracker.scoring.funding_need import funding_need
    money = {"has_sponsors_listing": True, "sponsors_count": 0}
    m = {"criticality": 0.298, "contributor_absence_factor_365d": 5, **money}
    # criticality 0.298 is under low (30 %); activity 60 is at high; absence factor 5: strain 0.3, not
    # strained; funding 80 is well funded
    need, reason = funding_need(m, {"activity": {"score": 60.0}, "funding": {"score": 80.0}}, None, W)
    assert reason.startswith("less critical (criticality 0.30); active (activity 60); 5 people carry half"
                             " the commits; well funded (funding 80/100) -> need ")
    no_income = {k: v for k, v in m.items() if k not in money}
    assert funding_need(no_income, {"activity": {"score": 60.0}, "funding": {"score": 30.0}}, None, W) == (None, (
        "less critical (criticality 0.30); active (activity 60); 5 people carry half the commits; income"
        " unknown: no money figure collected (Sponsors, Open Collective, grants, funding.json history), so no"
        " ranking rather than a wrong one"))
