"""The read model on a real DuckDB file with known contents; every expectation worked out by hand
from the rows written below (dates are fixed: NOW is Monday 2026-06-01 12:00 UTC)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from tracker import readmodel
from tracker.currency import Rates
from tracker.deps.report import funding_summary
from tracker.readmodel import pages
from tracker.store import SchemaMismatch, Store, migrations, open_reader

NOW = datetime(2026, 6, 1, 12, 0)


def score(store: Store, pid: int, at: datetime, health: float | None, risk: str, **metrics) -> None:
    store.execute(
        "INSERT INTO scores (project_id, computed_at, health, coverage, subscores, risk_level, flags,"
        " weights_version, metrics) VALUES (?, ?, ?, 0.5, '{}', ?, '[]', 'test', ?)",
        [pid, at, health, risk, json.dumps(metrics)])


def run(store: Store, source: str, pid: int | None, finished: datetime | None, status: str,
        error: str | None = None) -> None:
    started = (finished or NOW) - timedelta(minutes=5)
    store.execute("INSERT INTO collection_runs (source, project_id, started_at, finished_at, status, error)"
                  " VALUES (?, ?, ?, ?, ?, ?)", [source, pid, started, finished, status, error])


def commit(store: Store, pid: int, sha: str, at: datetime, name: str, bot: bool = False,
           suspect: bool = False) -> None:
    email = f"{name.lower()}@example.org"
    store.execute("INSERT INTO git_commits VALUES (?, ?, '', false, ?, ?, ?, ?, ?, ?, ?)",
                  [pid, sha, name, email, email, at, at, bot, suspect])


@pytest.fixture
def db(tmp_path) -> Path:
    """Project 1 acme/rocket: three scores, runs of every outcome, commits, releases from three sources,
    funding channels, grants. Project 2 beta/quiet: tracked, nothing else. Project 3 gamma/edge: two
    scores exactly 90 days apart."""
    path = tmp_path / "known.duckdb"
    with Store.open(path) as store:
        for slug, pypi in (("acme/rocket", "Rocket_Lib"), ("beta/quiet", None), ("gamma/edge", None)):
            store.execute("INSERT INTO projects (slug, slug_key, owner, name, pypi_package, added_at)"
                          " VALUES (?, lower(?), ?, ?, ?, ?)", [slug, slug, *slug.split("/"), pypi, NOW])
        score(store, 1, datetime(2026, 1, 1), 50.0, "high", sponsors_count=0)
        score(store, 1, datetime(2026, 2, 15), 60.0, "medium", sponsors_count=0)
        score(store, 1, datetime(2026, 5, 20), 70.0, "low", funding_channels_count=3, sponsors_count=12,
              oc_received_12m_usd=24000.0, grants_total_usd_5y=50000.0)
        score(store, 3, datetime(2026, 3, 1), 40.0, "medium", funding_channels_count=2)
        score(store, 3, datetime(2026, 5, 30), None, "high", funding_channels_count=2)  # 3-1 + 90 days
        # git: data on 05-01, the last run failed; github: partial (data arrived); pypi: still running;
        # opencollective: interrupted and nothing before.
        run(store, "git", 1, datetime(2026, 5, 1, 10, 0), "ok")
        run(store, "git", 1, datetime(2026, 5, 10, 10, 0), "error", "no such path")
        run(store, "github", 1, datetime(2026, 5, 20, 8, 0), "partial", "GraphQL unavailable")
        run(store, "pypi", 1, None, "running")
        run(store, "opencollective", 1, datetime(2026, 5, 2), "interrupted", "killed")
        run(store, "funding", 2, datetime(2026, 4, 1), "error", "HTTP 502")
        # Monday 05-04: Ann twice and a bot; 05-11: only a commit with an implausible date; 05-20: Bob.
        commit(store, 1, "a1", datetime(2026, 5, 4, 9), "Ann")
        commit(store, 1, "a2", datetime(2026, 5, 5, 9), "Ann")
        commit(store, 1, "b1", datetime(2026, 5, 6, 9), "dependabot[bot]", bot=True)
        commit(store, 1, "s1", datetime(2026, 5, 12, 9), "Sue", suspect=True)
        commit(store, 1, "c1", datetime(2026, 5, 20, 9), "Bob")
        # Releases: v1.0 seen by git, GitHub and PyPI; v1.1 by git and PyPI; 1.1rc1 and v2.0 on GitHub,
        # 2.0 on PyPI too; 'nightly' is not a release tag; PyPI's 1.2 was yanked.
        store.execute("INSERT INTO git_tags VALUES (1, 'v1.0', NULL, '2025-01-10', true),"
                      " (1, 'v1.1', NULL, '2025-03-01', true), (1, 'nightly', NULL, '2025-04-01', false)")
        store.execute("INSERT INTO github_releases (project_id, release_id, tag, published_at, prerelease) VALUES"
                      " (1, 10, 'v1.0', '2025-01-11', false), (1, 11, 'v1.1rc1', '2025-02-20', true),"
                      " (1, 20, 'v2.0', '2025-06-01', false)")
        store.execute("INSERT INTO pypi_packages (package, repo_slug, fetched_at, status) VALUES"
                      " ('rocket-lib', 'acme/rocket', ?, 'ok')", [NOW])
        store.execute("INSERT INTO pypi_releases (package, version, uploaded_at, yanked, files) VALUES"
                      " ('rocket-lib', '1.0', '2025-01-12', false, 1), ('rocket-lib', '1.1', '2025-03-02', false, 1),"
                      " ('rocket-lib', '1.2', '2025-04-02', true, 1), ('rocket-lib', '2.0', '2025-06-01 01:00', false, 1)")
        # Channels: alice named by FUNDING.yml and by GitHub's funding links (one channel); a row from
        # before migration 0010 (no identity) falls back to platform:account.
        for source, identity in (("funding_yml", "github:alice"), ("github_funding_links", "github:alice")):
            store.execute("INSERT INTO funding_channels (project_id, platform, account, url, source, ref,"
                          " collected_at, identity) VALUES (1, 'github', 'alice', 'https://github.com/sponsors/alice',"
                          " ?, 'alice', ?, ?)", [source, NOW, identity])
        store.execute("INSERT INTO funding_channels (project_id, platform, account, url, source, ref, collected_at)"
                      " VALUES (1, 'open_collective', 'Rocket', NULL, 'funding_yml', 'Rocket', ?)", [NOW])
        for key, uncertain, amount in (("stf", False, 50000.0), ("maybe", True, 1.0)):
            store.execute("INSERT INTO grants (grant_key, funder, recipient_repo, recipient_repo_key, repo_uncertain,"
                          " amount, currency, awarded_on, awarded_precision, source_url, imported_at)"
                          " VALUES (?, ?, 'acme/rocket', 'acme/rocket', ?, ?, 'EUR', ?, 'month', 'https://e.org', ?)",
                          [key, key.upper(), uncertain, amount, date(2025, 11, 1), NOW])
    return path


@pytest.fixture
def store(db):
    s = open_reader(db)
    yield s
    s.close()


# -- scores --------------------------------------------------------------------------------------
def test_latest_score_and_its_90_day_trend(store):
    row = readmodel.latest_score(store, 1)
    assert (row["computed_at"], row["health"], row["risk_level"]) == (datetime(2026, 5, 20), 70.0, "low")
    # the base is the newest row at least 90 days older: at or before 2026-02-19, i.e. 2026-02-15
    assert row["trend"] == {"days": 90, "since": datetime(2026, 2, 15), "health_then": 60.0, "change": 10.0,
                            "risk_then": "medium"}
    assert row["metrics"]["sponsors_count"] == 12 and row["flags"] == [] and row["subscores"] == {}
    assert readmodel.TREND_DAYS == row["trend"]["days"]


def test_latest_score_as_of_a_date(store):
    row = readmodel.latest_score(store, 1, as_of=datetime(2026, 3, 1))
    assert row["computed_at"] == datetime(2026, 2, 15)
    assert row["trend"]["since"] is None and row["trend"]["change"] is None  # nothing before 2025-11-17
    assert readmodel.latest_score(store, 1, as_of=datetime(2025, 12, 31)) is None
    assert readmodel.latest_score(store, 2) is None  # never scored


def test_trend_base_exactly_90_days_back_counts_and_unknown_health_has_no_change(store):
    row = readmodel.latest_score(store, 3)
    assert row["trend"]["since"] == datetime(2026, 3, 1) and row["trend"]["health_then"] == 40.0
    assert row["health"] is None and row["trend"]["change"] is None


def test_latest_scores_of_all_projects_and_by_slug(store):
    assert [(r["project_id"], r["health"]) for r in readmodel.latest_scores(store)] == [(1, 70.0), (3, None)]
    assert [r["computed_at"] for r in readmodel.latest_scores(store, as_of=datetime(2026, 4, 1))] == [
        datetime(2026, 2, 15), datetime(2026, 3, 1)]
    by_slug, tracked = readmodel.scores_by_slug(store, ["ACME/Rocket", "beta/quiet", "nobody/none"])
    assert tracked == {"acme/rocket", "beta/quiet"} and list(by_slug) == ["acme/rocket"]
    assert by_slug["acme/rocket"]["health"] == 70.0 and by_slug["acme/rocket"]["trend"]["change"] == 10.0


def test_history_is_every_row_oldest_first(store):
    assert [r["health"] for r in readmodel.score_history(store, 1)] == [50.0, 60.0, 70.0]
    assert len(readmodel.score_history(store)) == 5


# -- freshness -----------------------------------------------------------------------------------
def test_freshness_per_source_counts_partial_as_data_and_failures_as_none(store):
    fresh = {r["source"]: r for r in readmodel.source_freshness(store, 1)}
    assert fresh["git"]["last_status"] == "error" and fresh["git"]["last_error"] == "no such path"
    assert fresh["git"]["data_at"] == datetime(2026, 5, 1, 10, 0)  # the earlier ok run's data stays
    assert fresh["github"]["last_status"] == "partial" and fresh["github"]["data_at"] == datetime(2026, 5, 20, 8)
    assert fresh["pypi"]["last_status"] == "running" and fresh["pypi"]["data_at"] is None
    assert fresh["opencollective"]["data_at"] is None


def test_project_bundle_data_as_of_is_the_oldest_of_its_sources(store):
    bundle = readmodel.project_freshness(store, 1)
    assert bundle["data_as_of"] == datetime(2026, 5, 1, 10, 0)           # git, older than github
    assert bundle["last_collected_at"] == datetime(2026, 5, 20, 8, 0)
    assert bundle["sources_with_data"] == 2 and bundle["sources_failing"] == 2  # git error, OC interrupted
    quiet = readmodel.project_freshness(store, 2)
    assert quiet["data_as_of"] is None and quiet["sources_failing"] == 1
    assert readmodel.project_freshness(store, 3)["sources_with_data"] == 0


def test_source_summary_counts_runs_that_brought_data(store):
    summary = {r["source"]: r for r in readmodel.source_summary(store)}
    assert (summary["git"]["data_runs"], summary["git"]["error_runs"], summary["git"]["last_status"]) == (1, 1, "error")
    assert summary["github"]["data_runs"] == 1 and summary["github"]["last_status"] == "partial"
    assert (summary["pypi"]["data_runs"], summary["pypi"]["running"]) == (0, 1)
    assert summary["opencollective"]["interrupted"] == 1 and summary["funding"]["last_error"] == "HTTP 502"


def test_status_rows_say_when_data_last_arrived(store, db):
    status = readmodel.collection_status(store, db)
    rows = {(r["source"], r["project"]): r for r in status["runs"]}
    assert rows[("git", "acme/rocket")]["result"] == "error"
    assert rows[("git", "acme/rocket")]["data_at"] == datetime(2026, 5, 1, 10, 0)
    assert rows[("github", "acme/rocket")]["result"] == "partial"
    assert rows[("git", "beta/quiet")]["result"] == "never"
    assert status["scheduler"]["running"] is False and status["pending_requests"] == 0


# -- funding -------------------------------------------------------------------------------------
@pytest.mark.parametrize("metrics, asks, received, text", [
    ({}, "unknown", "unknown", "unknown"),
    ({"funding_channels_count": 3}, "yes", "unknown", "received: unknown · asks for funding: 3 channels"),
    ({"funding_channels_count": 1, "sponsors_count": 0}, "yes", "no",
     "received: none found · asks for funding: 1 channel"),
    ({"has_sponsors_listing": True, "sponsors_count": 1}, "yes", "yes",
     "received: 1 sponsor · asks for funding: GitHub Sponsors listing"),
    ({"funding_channels_count": 0, "oc_received_12m_usd": 1200.4}, "no", "yes",
     "received: $1,200 OC/12 mo · asks for funding: no channel"),
    ({"grants_total_usd_5y": 0.0}, "unknown", "no", "received: none found · asks for funding: unknown"),
    ({"oc_yearly_budget_usd": 150000.0, "grants_active": 2}, "unknown", "yes",
     "received: $150,000/yr OC budget, 2 active grants · asks for funding: unknown"),
])
def test_has_funding_is_money_received_never_a_channel_alone(metrics, asks, received, text):
    status = readmodel.funding_status(metrics)
    assert (status.asks, status.received, status.has_funding, status.text()) == (asks, received, received, text)
    # the dependency report reads the same rule
    assert funding_summary(metrics) == (text, {"yes": True, "no": False}.get(received))


def test_money_per_year_and_the_pages_agree(store):
    assert readmodel.funding_status({"oc_received_12m_usd": 24000.0, "grants_total_usd_5y": 50000.0}) \
        .received_usd_per_year == 34000.0
    overview = pages.overview(store, NOW).set_index("slug")
    funders = pages.funders(store).set_index("slug")
    assert overview.loc["acme/rocket", "has_funding"] == funders.loc["acme/rocket", "has_funding"] == "yes"
    assert overview.loc["gamma/edge", "has_funding"] == "unknown"  # channels declared, money unknown
    assert funders.loc["gamma/edge", "asks_for_funding"] == "yes"
    assert overview.loc["beta/quiet", "funding"] == "unknown"  # not scored: nothing known
    assert funders.loc["acme/rocket", "funding_received_usd"] == 34000.0


def test_distinct_channels_by_identity_with_every_source(store):
    channels = readmodel.channels(store, 1)
    assert [(c["platform"], c["account"], c["sources"]) for c in channels] == [
        ("github", "alice", ["funding_yml", "github_funding_links"]),
        ("open_collective", "Rocket", ["funding_yml"])]
    assert store.scalar("SELECT channels FROM funding_channel_counts WHERE project_id = 1") == 2


def test_grants_linked_only_when_certain(store, tmp_path):
    assert [g["funder"] for g in readmodel.grants(store, 1)] == ["STF"]
    rates = Rates({"EUR": 1.04, "USD": 1.0}, tmp_path / "rates.csv")
    listed = readmodel.grant_list(store, rates)
    assert {(g["funder"], g["tracked"], g["repo"]) for g in listed} == {
        ("STF", "acme/rocket", "acme/rocket"), ("MAYBE", None, "acme/rocket?")}
    assert next(g for g in listed if g["funder"] == "STF")["amount_usd"] == pytest.approx(52000.0)
    assert next(g for g in listed if g["funder"] == "STF")["awarded_on"] == "2025-11"


# -- activity and releases ------------------------------------------------------------------------
def test_weekly_series_zero_filled_without_implausible_dates(store):
    weeks = readmodel.weekly_series(store, 1, NOW)
    assert [(w["week"], w["commits"], w["active_contributors"]) for w in weeks] == [
        (datetime(2026, 5, 4), 3, 1),   # Ann twice and the bot; the bot is not a person
        (datetime(2026, 5, 11), 0, 0),  # only Sue's implausibly dated commit: not counted, zero-filled
        (datetime(2026, 5, 18), 1, 1)]
    assert readmodel.weekly_series(store, 2, NOW) == []


def test_overview_sparkline_is_26_weeks_to_now_and_unknown_without_git(store):
    df = pages.overview(store, NOW).set_index("slug")
    spark = df.loc["acme/rocket", "activity"]
    # weeks end with the one of NOW (Monday 06-01): 05-18 is index 23, 05-11 index 22, 05-04 index 21
    assert len(spark) == 26 and spark[21:] == [3, 0, 1, 0, 0] and sum(spark) == 4
    assert df.loc["beta/quiet", "activity"] is None  # git never brought data
    assert df.loc["acme/rocket", "trend"] == 10.0 and df.loc["acme/rocket", "last_release"] == datetime(2025, 6, 1)
    assert df.loc["acme/rocket", "data_as_of"] == datetime(2026, 5, 1, 10, 0)


def test_contributors_are_people_with_shares(store):
    assert readmodel.contributors(store, 1, NOW) == [
        {"contributor": "Ann", "commits": 2, "share": 2 / 3}, {"contributor": "Bob", "commits": 1, "share": 1 / 3}]


def test_releases_of_every_source_merge_into_one_row_each(store):
    rows = [(r["release"], r["released_at"], r["sources"], r["prerelease"], r["source"])
            for r in readmodel.releases(store, 1)]
    assert rows == [
        ("v1.0", datetime(2025, 1, 10), ["git", "github", "pypi"], False, "GitHub release"),
        ("v1.1rc1", datetime(2025, 2, 20), ["github"], True, "GitHub release"),
        ("v1.1", datetime(2025, 3, 1), ["git", "pypi"], False, "git tag"),
        ("v2.0", datetime(2025, 6, 1), ["github", "pypi"], False, "GitHub release")]
    assert readmodel.package_last_uploads(store, ["rocket-lib", "other"]) == {"rocket-lib": datetime(2025, 6, 1, 1)}


# -- one statement per page, and the schema check --------------------------------------------------
class CountingStore(Store):
    """Counts the statements a read issues."""

    statements = 0

    def execute(self, sql, params=None):
        CountingStore.statements += 1
        return super().execute(sql, params)


@pytest.mark.parametrize("page", [pages.overview, pages.funders])
def test_overview_and_funders_are_one_statement_however_many_projects(db, page):
    with Store.open(db) as writer:
        for i in range(40):
            writer.execute("INSERT INTO projects (slug, slug_key, owner, name, added_at) VALUES (?, ?, 'o', ?, ?)",
                           [f"o/p{i}", f"o/p{i}", f"p{i}", NOW])
    con = duckdb.connect(str(db), read_only=True)
    CountingStore.statements = 0
    df = page(CountingStore(con, db, True), NOW) if page is pages.overview else page(CountingStore(con, db, True))
    con.close()
    assert len(df) == 43 and CountingStore.statements == 1


def test_readers_refuse_an_older_or_newer_schema(db, tmp_path):
    with Store.open(db) as store:
        latest = store.schema_version()
        store.execute("INSERT INTO schema_migrations VALUES (?, 'from_the_future', ?)", [latest + 1, NOW])
    with pytest.raises(SchemaMismatch, match=f"version {latest + 1}, newer than this tracker knows"):
        open_reader(db)
    older = tmp_path / "older.duckdb"  # a database made by the tracker before its newest migration
    con = duckdb.connect(str(older))
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
                " applied_at TIMESTAMP NOT NULL)")
    for version, name, sql in migrations()[:-1]:
        con.execute(sql)
        con.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", [version, name, NOW])
    con.close()
    with pytest.raises(SchemaMismatch, match="older than this tracker's .* run any command that writes"):
        open_reader(older)
    Store.open(older).close()  # any writer migrates it; then it reads
    with open_reader(older) as store:
        assert store.schema_version() == latest
