"""The read-only query layer: missing tables, a writer's lock, the last good answer; and escaping."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import timedelta

import pandas as pd
import pytest

from tracker.config import REPO_ROOT
from tracker.runs import utcnow
from tracker.store import Store
from tracker.ui import queries, render

HOLD_LOCK = """
import sys, time
from tracker.store import Store
store = Store.open(sys.argv[1])
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
store.close()
"""


def hold_lock(db, seconds: float) -> subprocess.Popen:
    """Another process holding the database's write lock for `seconds`."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(db), str(seconds)], cwd=REPO_ROOT,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


FOUNDATION_TABLES = {"schema_migrations", "projects", "collection_runs", "git_repos", "git_commits",
                     "git_commit_files", "git_tags", "repo_files", "collection_requests"}


def count_projects(store: Store) -> int:
    return store.scalar("SELECT count(*) FROM projects")


@pytest.fixture
def collected(cli, make_repo, db_path) -> str:
    """A database with one project whose git history was collected, and nothing else."""
    repo = make_repo("lib")
    for day in range(1, 20):
        repo.commit(f"2026-10-{day:02d}T10:00:00", name="Ann" if day % 3 else "Ben",
                    email="ann@lib.example" if day % 3 else "ben@lib.example")
    repo.git("tag", "v1.0")
    assert cli("add", "lib/lib", "--git", str(repo.path)).code == 0
    assert cli("collect", "--source", "git").code == 0
    return str(db_path)


def test_unscored_project_gets_metrics_computed_now(collected):
    data = queries.read(collected, queries._project, "lib/lib")
    assert data["score"] is None and data["metrics_source"] == "computed now from the collected data"
    assert data["metrics"]["contributors_total"] == 2 and data["metrics"]["tags_total"] == 1


def test_foundation_only_database_reads_as_unknown(collected):
    """No scores, GitHub or funding tables: every page's query answers, with unknowns."""
    with Store.open(collected) as store:  # whatever other collectors' migrations made: gone
        for table in queries.tables(store) - FOUNDATION_TABLES:
            store.execute(f"DROP TABLE {table}")
    db = collected
    assert queries.read(db, queries.tables) == FOUNDATION_TABLES
    df = queries.read(db, queries._overview)
    row = df.iloc[0]
    assert row["slug"] == "lib/lib" and pd.isna(row["health"]) and row["risk_level"] is None
    assert row["funding"] == "unknown" and row["has_funding"] == "unknown"
    assert sum(row["activity"]) > 0 and pd.notna(row["data_as_of"])
    data = queries.read(db, queries._project, "lib/lib")
    assert data["score"] is None and isinstance(data["metrics"], dict)
    assert data["funding"]["channels"] is None and data["funding"]["grants"] is None
    assert data["funding"]["sponsors"] is None and data["funding"]["oc_series"] is None
    assert data["weekly"]["commits"].sum() == 19
    assert set(data["contributors"]["contributor"]) == {"Ann", "Ben"}
    funders = queries.read(db, queries._funders)
    assert funders["funding_need"].isna().all() and funders["criticality"].isna().all()
    runs = queries.read(db, queries._runs)
    assert runs["by_source"]["source"].tolist() == ["git"] and runs["schedule"] is None


def test_reader_waits_out_a_short_write_lock(store, db_path):
    store.close()
    holder = hold_lock(db_path, 1.0)
    started = time.monotonic()
    assert queries.read(str(db_path), count_projects) == 0
    assert time.monotonic() - started >= 0.5  # it really waited for the writer
    assert holder.wait(10) == 0


def test_a_long_lock_serves_the_last_good_answer_or_says_busy(store, db_path):
    store.close()
    db = str(db_path)

    def quick(db: str) -> int:
        return queries.read(db, count_projects, attempts=2)

    assert queries._served("test-count", quick, db) == 0
    holder = hold_lock(db_path, 4.0)
    try:
        assert queries._served("test-count", quick, db) == 0  # the last good answer, no error
        with pytest.raises(queries.DatabaseBusy):
            queries._served("never-answered", quick, db)
    finally:
        holder.wait(20)
    assert queries._served("never-answered", quick, db) == 0


def test_missing_database_is_not_created_by_reading(tmp_path):
    with pytest.raises(queries.NoDatabase):
        queries.read(str(tmp_path / "none.duckdb"), count_projects)
    assert not (tmp_path / "none.duckdb").exists()


def test_weekly_matrix_zero_fills_and_ignores_suspect_dates(store):
    from tracker import registry

    p, _ = registry.add(store, "a/b")
    now = utcnow()
    rows = [[p.id, f"{i:040x}", "", False, "A", "a@x.org", "a@x.org", now - timedelta(weeks=w),
             now - timedelta(weeks=w), False, suspect] for i, (w, suspect) in enumerate([(0, False), (0, False),
                                                                                          (3, False), (1, True)])]
    store.con.executemany("INSERT INTO git_commits VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    matrix = queries._weekly_matrix(store, now, 26)[p.id]
    assert len(matrix) == 26 and matrix[-1] == 2 and matrix[-4] == 1 and sum(matrix) == 3


@pytest.mark.parametrize("metrics, expected", [
    ({}, ("unknown", "unknown")),
    ({"funding_channels_count": 0, "sponsors_count": None}, ("0 channels", "no")),
    ({"sponsors_count": 3, "oc_received_12m_usd": 1200.4}, ("3 sponsors · $1,200 OC/12 mo", "yes")),
    ({"grants_total_usd_5y": 0.0}, ("none", "no")),
])
def test_funding_summary(metrics, expected):
    assert queries.funding_summary(metrics) == expected


# -- rendering untrusted text --------------------------------------------------------------------
@pytest.mark.parametrize("url, ok", [
    ("https://opencollective.com/x", True),
    ("http://example.org/a?b=c#d", True),
    ("javascript:alert(1)", False),
    ("JaVaScRiPt:alert(1)", False),
    ("data:text/html,<script>", False),
    ("https://", False),
    ("//evil.example/x", False),
    ("https://ex ample.org", False),
    ("https://example.org/\"onmouseover=x", False),
    ("ftp://example.org/file", False),
    (None, False),
    ("https://example.org/" + "a" * 5000, False),
])
def test_safe_url(url, ok):
    assert (render.safe_url(url) is not None) is ok


def test_md_escapes_markdown_html_and_directives():
    text = "<b>x</b> **y** [z](javascript:1) :red[w] $x$ line\nbreak\x00"
    out = render.md(text)
    for raw in ("<b>", "**", "](", ":red[", "$x$", "\n", "\x00"):
        assert raw not in out
    assert out.replace("\\", "") == "<b>x</b> **y** [z](javascript:1) :red[w] $x$ line break"


def test_link_only_for_http_urls():
    assert render.link("site", "https://example.org/a_b") == "[site](https://example.org/a_b)"
    assert render.link("x", "javascript:alert(1)") == "x (link not shown: not an http(s) URL)"
    assert render.link("x)](javascript:1)", "https://e.org/(a)") == "[x\\)\\]\\(javascript\\:1\\)](https://e.org/%28a%29)"


def test_unknown_formatting():
    assert render.fmt(None) == "unknown" and render.fmt(float("nan")) == "unknown"
    assert render.fmt(0) == "0" and render.fmt(0.0, "h") == "0.0 h"
    assert render.trend_arrow(None) == "? unknown" and render.trend_arrow(5.4) == "↑ +5"
    assert render.trend_arrow(-3) == "↓ -3" and render.trend_arrow(1) == "→ +1"
    assert render.risk_badge(None) == "⚪ unknown" and render.risk_badge("critical") == "🔴 critical"
