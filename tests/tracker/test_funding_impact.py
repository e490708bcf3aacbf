"""Funding impact: activity before vs after dated grants, on a real git repository."""

from __future__ import annotations

from datetime import date, datetime

from tracker import collect, config, funding_impact, registry
from tracker.progress import Progress


def build(store, db_path, make_repo):
    repo = make_repo("proj")
    for month in range(1, 13):  # 2023: one commit a month by two people
        repo.commit(f"2023-{month:02d}-10", name="Ann" if month % 2 else "Bob",
                    email="ann@example.org" if month % 2 else "bob@example.org")
        if month == 6:
            repo.tag("v1.0", "2023-06-10", annotated=True)
    for month in range(1, 13):  # 2024: two a month by three people
        for who in ("Ann", "Cy") if month % 2 else ("Bob", "Cy"):
            repo.commit(f"2024-{month:02d}-15", name=who, email=f"{who.lower()}@example.org")
        if month in (3, 9):
            repo.tag(f"v1.{month // 3}", f"2024-{month:02d}-15", annotated=True)
    repo.commit("2024-06-01", name="dependabot[bot]", email="support@dependabot.com")
    project, _ = registry.add(store, "ann/proj", git_source=str(repo.path))
    collect.collect(store, config.load(db_path), [project], ["git"], Progress(quiet=True))
    return project


def add_grant(store, key, awarded, precision="day", funder="F"):
    store.execute(
        "INSERT INTO grants (grant_key, funder, recipient_repo, recipient_repo_key, repo_uncertain, awarded_on,"
        " awarded_precision, source_url, imported_at) VALUES (?, ?, 'ann/proj', 'ann/proj', false, ?, ?,"
        " 'https://x.example', now()::TIMESTAMP)", [key, funder, awarded, precision])


def test_before_after_per_month(store, db_path, make_repo):
    project = build(store, db_path, make_repo)
    add_grant(store, "g1", date(2024, 1, 1))
    add_grant(store, "year-only", date(2022, 1, 1), precision="year")
    results = funding_impact.impact(store, datetime(2025, 6, 1), months=12)
    assert len(results) == 1
    r = results[0]
    assert r["project"] == "ann/proj" and r["awarded_on"] == "2024-01-01" and r["after_months_observed"] == 12.0
    m = r["metrics"]
    assert m["commits_per_month"] == {"before": 1.0, "after": 2.0, "change_pct": 100.0}   # the bot is left out
    assert m["active_contributors"] == {"before": 2, "after": 3, "change_pct": 50.0}
    assert m["release_tags_per_month"] == {"before": 0.08, "after": 0.17, "change_pct": 112.5}
    assert m["pypi_releases_per_month"]["before"] is None       # no PyPI package
    assert m["median_first_response_hours"]["before"] is None   # no GitHub issue data
    assert r["note"] == "history starts inside the 'before' window"  # first commit 2023-01-10
    assert funding_impact.undated(store, project.id) == 1


def test_open_window_too_recent_and_response_times(store, db_path, make_repo):
    build(store, db_path, make_repo)
    add_grant(store, "g1", date(2024, 7, 1))
    add_grant(store, "soon", date(2024, 12, 20))
    store.execute("CREATE TABLE github_issues (project_id INTEGER, number INTEGER, created_at TIMESTAMP,"
                  " first_response_at TIMESTAMP)")
    pid = registry.get(store, "ann/proj").id
    store.execute("INSERT INTO github_issues VALUES (?, 1, '2024-03-01', '2024-03-03'), (?, 2, '2024-08-01',"
                  " '2024-08-01 06:00:00'), (?, 3, '2024-09-01', NULL)", [pid, pid, pid])
    res = funding_impact.impact(store, datetime(2024, 12, 31), months=6)
    by_date = {r["awarded_on"]: r for r in res}
    g1 = by_date["2024-07-01"]
    assert g1["after_months_observed"] == 6.0
    assert g1["metrics"]["median_first_response_hours"] == {"before": 48.0, "after": 6.0, "change_pct": -87.5}
    assert by_date["2024-12-20"]["note"].startswith("too recent") and by_date["2024-12-20"]["metrics"] == {}
    early = funding_impact.impact(store, datetime(2024, 9, 1), months=6)
    assert "'after' window still open" in early[0]["note"]


def test_cli_impact_json_carries_the_caveat(cli, store, db_path, make_repo):
    build(store, db_path, make_repo)
    add_grant(store, "g1", date(2024, 1, 1), funder="CZI")
    store.close()
    r = cli("grants", "impact", "--format", "json", "--as-of", "2025-06-01", "--months", "12")
    assert r.code == 0, r.err
    doc = r.json()
    assert "correlation" in doc["caveat"].lower()
    assert doc["grants"][0]["metrics"]["commits_per_month"]["change_pct"] == 100.0
    table = cli("grants", "impact", "--project", "ann/proj", "--as-of", "2025-06-01")
    assert "commits_per_month" in table.out and "Correlation, not causation" in table.err
    assert cli("grants", "impact", "--months", "0").code == 2
