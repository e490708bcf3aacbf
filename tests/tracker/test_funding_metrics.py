"""Funding metrics from grants, Open Collective snapshots and `known` values; unknown stays None."""

from __future__ import annotations

from datetime import date, datetime

from tracker import registry
from tracker.metrics import funding, metric_names

NOW = datetime(2025, 6, 1)


def add_grant(store, key, repo, amount, currency, awarded, period=None, precision="day", uncertain=False):
    store.execute(
        "INSERT INTO grants (grant_key, funder, recipient_repo, recipient_repo_key, repo_uncertain, amount, currency,"
        " awarded_on, awarded_precision, period_months, source_url, imported_at)"
        " VALUES (?, 'F', ?, ?, ?, ?, ?, ?, ?, ?, 'https://x.example', ?)",
        [key, repo, repo.lower(), uncertain, amount, currency, awarded, precision, period, NOW])


def test_metric_names_are_the_contracts():
    assert funding.NAMES == ["funding_channels_count", "funding_platforms", "oc_yearly_budget_usd",
                             "oc_received_12m_usd", "oc_balance_usd", "grants_total_usd_5y", "grants_active",
                             "last_grant_at", "funding_per_active_maintainer_usd"]
    assert "sponsors_count" not in funding.NAMES  # owned by the GitHub provider
    names = metric_names()
    assert len(names) == len(set(names))


def test_nothing_known_is_all_none(store):
    p, _ = registry.add(store, "a/b")
    got = funding.compute(store, p.id, NOW, {"active_contributors_365d": 4})
    assert got == dict.fromkeys(funding.NAMES)


def test_grants_windows_active_last_and_per_maintainer(store):
    p, _ = registry.add(store, "a/b")
    add_grant(store, "old", "a/b", 1_000_000, "USD", date(2019, 1, 1))          # outside 5 years
    add_grant(store, "eur", "A/B", 100_000, "EUR", date(2024, 12, 1), period=12)  # active, spread over a year
    add_grant(store, "unk", "a/b", None, None, date(2023, 5, 1), period=6)        # amount not published
    add_grant(store, "guess", "a/b", 50_000, "USD", date(2025, 1, 1), uncertain=True)  # never linked
    add_grant(store, "future", "a/b", 10_000, "USD", date(2026, 1, 1))           # not yet awarded at NOW
    got = funding.compute(store, p.id, NOW, {"active_contributors_365d": 5})
    assert got["grants_total_usd_5y"] == 104110.0
    assert got["grants_active"] == 1
    assert got["last_grant_at"] == date(2024, 12, 1)
    # six of twelve months of the EUR grant fall in the last 365 days: 104110 * 182 / 365 days
    spread = 104110.0 * (NOW.date() - date(2024, 12, 1)).days / 365
    assert got["funding_per_active_maintainer_usd"] == round(spread / 5, 2)
    assert funding.compute(store, p.id, NOW, {"active_contributors_365d": 0})["funding_per_active_maintainer_usd"] \
        is None
    assert funding.compute(store, p.id, NOW, {})["funding_per_active_maintainer_usd"] is None


def test_grants_without_amounts_leave_the_total_unknown(store):
    p, _ = registry.add(store, "a/b")
    add_grant(store, "unk", "a/b", None, None, date(2024, 5, 1))
    got = funding.compute(store, p.id, NOW, {"active_contributors_365d": 3})
    assert got["grants_total_usd_5y"] is None and got["grants_active"] == 0
    assert got["funding_per_active_maintainer_usd"] is None


def test_open_collective_latest_snapshot_per_slug_in_dollars(store):
    p, _ = registry.add(store, "a/b")
    rows = [("x", datetime(2025, 1, 1), "ok", "USD", 10.0, 100.0, 50.0),
            ("x", datetime(2025, 5, 1), "ok", "USD", 20.0, 200.0, 80.0),
            ("y", datetime(2025, 5, 1), "ok", "EUR", 100.0, 1000.0, 500.0),
            ("z", datetime(2025, 5, 1), "not_found", None, None, None, None)]
    for slug, at, status, cur, bal, budget, received in rows:
        store.execute("INSERT INTO opencollective_snapshots (project_id, slug, collected_at, status, currency,"
                      " balance, yearly_budget, received_12m) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                      [p.id, slug, at, status, cur, bal, budget, received])
    got = funding.compute(store, p.id, NOW, {"active_contributors_365d": 2})
    assert got["oc_balance_usd"] == 124.11 and got["oc_yearly_budget_usd"] == 1241.1
    assert got["oc_received_12m_usd"] == 600.55
    assert got["funding_per_active_maintainer_usd"] == round(600.55 / 2, 2)


def test_sponsors_listing_from_the_github_provider_counts_as_a_channel(store):
    p, _ = registry.add(store, "a/b")
    got = funding.compute(store, p.id, NOW, {"has_sponsors_listing": True, "sponsors_count": 12})
    assert got["funding_channels_count"] == 1 and got["funding_platforms"] == ["github"]
    none = funding.compute(store, p.id, NOW, {"has_sponsors_listing": False, "sponsors_count": None})
    assert none["funding_channels_count"] == 0 and none["funding_platforms"] == []
