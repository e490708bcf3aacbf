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
    assert funding.NAMES == ("funding_channels_count", "funding_platforms", "oc_yearly_budget_usd",
                             "oc_received_12m_usd", "oc_balance_usd", "grants_total_usd_5y", "grants_active",
                             "last_grant_at", "reported_income_usd", "funding_per_active_maintainer_usd")
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
    # Grants alone never make income known (the registry is curated, not exhaustive): no figure per
    # maintainer, rather than one that reads as the project's income.
    assert got["funding_per_active_maintainer_usd"] is None
    # With Open Collective's income known, the grant money of the last 365 days is added to it: six of
    # twelve months of the EUR grant fall in that year, 104110 * 182 / 365 days.
    store.execute("INSERT INTO opencollective_snapshots (project_id, slug, collected_at, status, currency,"
                  " received_12m) VALUES (?, 'ab', ?, 'ok', 'USD', 1000.0)", [p.id, datetime(2025, 5, 1)])
    got = funding.compute(store, p.id, NOW, {"active_contributors_365d": 5})
    spread = 104110.0 * (NOW.date() - date(2024, 12, 1)).days / 365
    assert got["funding_per_active_maintainer_usd"] == round((1000.0 + spread) / 5, 2)
    assert funding.compute(store, p.id, NOW, {"active_contributors_365d": 0})["funding_per_active_maintainer_usd"] \
        is None
    assert funding.compute(store, p.id, NOW, {})["funding_per_active_maintainer_usd"] is None


def test_income_unknown_is_no_figure_per_maintainer_never_zero(store):
    """numpy's case: grants in the registry, none in the last year, Open Collective not collected. The
    income of the year is unknown, so money per maintainer is unknown, not a known 0."""
    p, _ = registry.add(store, "a/b")
    add_grant(store, "old", "a/b", 500_000, "USD", date(2021, 3, 1), period=12)
    got = funding.compute(store, p.id, NOW, {"active_contributors_365d": 40})
    assert got["grants_total_usd_5y"] == 500_000.0 and got["grants_active"] == 0
    assert got["funding_per_active_maintainer_usd"] is None
    # an Open Collective that received nothing makes the year's income a known 0
    store.execute("INSERT INTO opencollective_snapshots (project_id, slug, collected_at, status, currency,"
                  " received_12m) VALUES (?, 'ab', ?, 'ok', 'USD', 0.0)", [p.id, datetime(2025, 5, 1)])
    assert funding.compute(store, p.id, NOW, {"active_contributors_365d": 40})[
        "funding_per_active_maintainer_usd"] == 0.0


def test_income_reported_in_funding_json_history(store):
    """The latest year of a funding.json history (at most two years back) is the income; it counts
    per maintainer, and the larger of it and Open Collective plus grants is kept (no double count)."""
    p, _ = registry.add(store, "a/b")
    for year, income, currency in ((2020, 99_000.0, "USD"), (2023, 40_000.0, "EUR"), (2024, None, "USD")):
        store.execute("INSERT INTO funding_history (project_id, year, income, currency, collected_at)"
                      " VALUES (?, ?, ?, ?, ?)", [p.id, year, income, currency, NOW])
    got = funding.compute(store, p.id, NOW, {"active_contributors_365d": 4})
    eur = got["reported_income_usd"]
    assert eur is not None and 40_000 < eur < 50_000  # 2023 in EUR at the shipped rate; 2024's income unknown
    assert got["funding_per_active_maintainer_usd"] == round(eur / 4, 2)
    # history older than two years before as_of's year is not current income
    assert funding.compute(store, p.id, datetime(2027, 1, 1), {})["reported_income_usd"] is None


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


def sponsors(store, pid, listing, at=datetime(2025, 5, 1), login="acme"):
    store.execute("INSERT INTO github_sponsors (project_id, collected_at, owner_login, owner_type,"
                  " has_sponsors_listing, sponsors_count) VALUES (?, ?, ?, 'Organization', ?, 12)",
                  [pid, at, login, listing])


def channel(store, pid, platform, account=None, url=None, source="funding_yml", ref=None, identity=None):
    store.execute("INSERT INTO funding_channels (project_id, platform, account, url, source, ref, collected_at,"
                  " identity) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                  [pid, platform, account, url, source, ref or account or url, NOW, identity])


def test_sponsors_listing_counts_as_a_channel_when_no_channel_names_github(store):
    p, _ = registry.add(store, "a/b")
    sponsors(store, p.id, True)
    got = funding.compute(store, p.id, NOW)
    assert got["funding_channels_count"] == 1 and got["funding_platforms"] == ["github"]
    # a listing collected after `now` says nothing about `now`: no source looked at by then
    assert funding.compute(store, p.id, datetime(2025, 1, 1))["funding_channels_count"] is None
    # a GitHub channel already named (whatever its account): the listing is not counted again
    channel(store, p.id, "github", "someone-else", "https://github.com/sponsors/someone-else",
            identity="github:someone-else")
    channel(store, p.id, "custom", url="https://acme.example/donate", identity="custom:acme.example/donate")
    got = funding.compute(store, p.id, NOW)
    assert got["funding_channels_count"] == 2 and got["funding_platforms"] == ["custom", "github"]


def test_no_listing_is_zero_channels_once_looked(store):
    p, _ = registry.add(store, "a/b")
    sponsors(store, p.id, False)
    none = funding.compute(store, p.id, NOW)
    assert none["funding_channels_count"] == 0 and none["funding_platforms"] == []


def test_channels_are_counted_by_their_identity(store):
    """The collector's identity decides; rows written before it was filled get the same rule."""
    p, _ = registry.add(store, "a/b")
    channel(store, p.id, "github", "Tiangolo", "https://github.com/sponsors/Tiangolo", identity="github:tiangolo")
    channel(store, p.id, "github", "tiangolo", "https://github.com/tiangolo", source="github_funding_links",
            identity="github:tiangolo")
    channel(store, p.id, "github", "TIANGOLO", source="github_sponsors")  # identity not filled yet
    channel(store, p.id, "custom", url="https://www.Fast.example/Sponsor/", source="funding_yml")
    channel(store, p.id, "custom", url="http://fast.example:8080/sponsor", source="github_funding_links")
    channel(store, p.id, "custom", url="https://fast.example/sponsor?tier=gold", source="funding_json")
    channel(store, p.id, "bank", ref="bank-1", source="funding_json")
    channel(store, p.id, "bank", ref="bank-2", source="funding_json")
    got = funding.compute(store, p.id, NOW)
    # github:tiangolo, custom:fast.example/sponsor, custom:fast.example/sponsor?tier=gold, bank #1, bank #2
    assert got["funding_channels_count"] == 5
    assert got["funding_platforms"] == ["bank", "custom", "github"]


def test_identity_fallback_is_the_collectors_rule():
    """The SQL fallback for rows without `identity` gives what collectors.funding.files.Channel does."""
    import duckdb

    from collectors.funding.files import Channel
    from tracker.metrics.funding import _IDENTITY

    cases = [("github", "Octo", "https://github.com/sponsors/Octo", "x"),
             ("custom", None, "https://WWW.Example.ORG/Give/", "u"),
             ("custom", None, "https://example.org:443/give?x=1#frag", "u"),
             ("custom", None, "http://donate.example.net", "u"),
             ("liberapay", "", "https://liberapay.com/who/", "u"),
             ("bank", None, None, "iban-1")]
    con = duckdb.connect()
    con.execute("CREATE TABLE funding_channels (platform VARCHAR, account VARCHAR, url VARCHAR, ref VARCHAR,"
                " identity VARCHAR)")
    for platform, account, url, ref in cases:
        con.execute("INSERT INTO funding_channels VALUES (?, ?, ?, ?, NULL)", [platform, account, url, ref])
    got = [r[0] for r in con.execute(f"SELECT {_IDENTITY} FROM funding_channels").fetchall()]
    expected = [":".join(Channel(p, a or None, u, None if (a or u) else r).identity())
                for p, a, u, r in cases]
    assert got == expected


def test_dollar_sums_are_kept_to_the_cent(store):
    """1,001 EUR at the shipped rate is 1,042.1411 dollars: grants and Open Collective figures keep
    cents, not fractions of a cent."""
    p, _ = registry.add(store, "a/b")
    add_grant(store, "eur", "a/b", 1001.0, "EUR", date(2024, 1, 1))
    store.execute("INSERT INTO opencollective_snapshots (project_id, slug, collected_at, status, currency,"
                  " balance, yearly_budget, received_12m) VALUES (?, 'ab', ?, 'ok', 'EUR', 1001.0, 1001.0, 1001.0)",
                  [p.id, datetime(2025, 5, 1)])
    store.execute("INSERT INTO funding_history (project_id, year, income, currency, collected_at)"
                  " VALUES (?, 2024, 1001.0, 'EUR', ?)", [p.id, NOW])
    got = funding.compute(store, p.id, NOW, {})
    assert got["grants_total_usd_5y"] == 1042.14 and got["reported_income_usd"] == 1042.14
    assert got["oc_balance_usd"] == got["oc_yearly_budget_usd"] == got["oc_received_12m_usd"] == 1042.14


def test_reported_income_without_a_currency_is_in_dollars_and_in_an_unknown_one_is_unknown(store):
    dollars, unknown = registry.add(store, "a/b")[0], registry.add(store, "a/c")[0]
    for pid, currency in ((dollars.id, None), (unknown.id, "XTS")):
        store.execute("INSERT INTO funding_history (project_id, year, income, currency, collected_at)"
                      " VALUES (?, 2025, 1234.5, ?, ?)", [pid, currency, NOW])
    got = funding.compute_many(store, [dollars.id, unknown.id], NOW, {dollars.id: {"active_contributors_365d": 1},
                                                                      unknown.id: {"active_contributors_365d": 1}})
    assert got[dollars.id]["reported_income_usd"] == 1234.5
    assert got[dollars.id]["funding_per_active_maintainer_usd"] == 1234.5     # one active person: all of it
    assert unknown.id not in got                                               # nothing known of it


def test_a_grant_awarded_today_counts_one_awarded_tomorrow_does_not(store):
    p, _ = registry.add(store, "a/b")
    add_grant(store, "today", "a/b", 1200.0, "USD", NOW.date(), period=12)
    add_grant(store, "tomorrow", "a/b", 5000.0, "USD", date(2025, 6, 2), period=12)
    got = funding.compute(store, p.id, NOW, {})
    assert got["last_grant_at"] == NOW.date() and got["grants_active"] == 1
    assert got["grants_total_usd_5y"] == 1200.0


def test_a_sponsors_listing_adds_a_channel_to_the_others(store):
    p, _ = registry.add(store, "a/b")
    sponsors(store, p.id, True)
    channel(store, p.id, "custom", url="https://acme.example/donate", identity="custom:acme.example/donate")
    channel(store, p.id, "open_collective", "acme", "https://opencollective.com/acme", identity="open_collective:acme")
    got = funding.compute(store, p.id, NOW)
    assert got["funding_channels_count"] == 3
    assert got["funding_platforms"] == ["custom", "github", "open_collective"]


def test_channels_of_a_set_of_projects_each_counted_and_unknown_where_nothing_was_looked_at(store):
    """Projects never looked at (nothing collected) keep None among projects that were, in any order."""
    ids = [registry.add(store, f"a/p{k}")[0].id for k in range(6)]
    looked = {ids[1]: 2, ids[3]: 0, ids[5]: 1}
    for pid, n in looked.items():
        sponsors(store, pid, False)
        for k in range(n):
            channel(store, pid, "custom", url=f"https://p{pid}.example/give{k}", identity=f"custom:{pid}/{k}")
    for order in (ids, ids[::-1]):
        got = funding.compute_many(store, order, NOW, {})
        assert {pid: m["funding_channels_count"] for pid, m in got.items()} == looked
        assert all(pid not in got for pid in ids if pid not in looked)
