"""tracker score / report / export / badge end to end on a real repository and database."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime

import pyarrow.parquet as pq
import pytest

from tests.tracker.scoring_helpers import track
from tracker.commands import badge
from tracker.score import score_all
from tracker.store import Store

EMAILS = ("ann@example.org", "bob@corp.example.net")
SUBSCORE_NAMES = ("activity", "contributor_resilience", "responsiveness", "release_cadence", "funding", "hygiene")


@pytest.fixture
def scored_db(db_path, make_repo):
    """One project with a year of history by two people, scored on two dates 120 days apart."""
    repo = make_repo()
    for month in range(1, 13):
        repo.commit(f"2025-{month:02d}-10", files={"a.py": str(month)})
        repo.commit(f"2025-{month:02d}-20", name="Bob", email=EMAILS[1], files={"b.py": str(month)})
    repo.tag("v1.0")
    with Store.open(db_path) as store:
        track(store, repo)
        assert score_all(store, now=datetime(2025, 9, 1)) == 1
        assert score_all(store, now=datetime(2025, 12, 30)) == 1
    return db_path


def test_score_appends_history_and_reruns_replace(scored_db, cli):
    result = cli("score", "--as-of", "2025-12-30", "--format", "json")
    assert result.code == 0, result.err
    rows = result.json()
    assert rows[0]["project"] == "acme/lib" and rows[0]["risk_level"] in ("low", "medium", "high", "critical")
    with Store.open(scored_db) as store:
        assert store.scalar("SELECT count(*) FROM scores") == 2  # same (project, computed_at): replaced


def test_score_all_reports_progress_and_counts(db_path, make_repo):
    repo = make_repo()
    repo.commit("2026-01-01")
    lines = []
    with Store.open(db_path) as store:
        track(store, repo, "acme/one")
        track(store, repo, "acme/two")
        assert score_all(store, now=datetime(2026, 2, 1), progress=lines.append) == 2
        assert store.scalar("SELECT count(*) FROM scores") == 2
    assert lines[0].startswith("[1/2] acme/one: health ")


def test_report_json_has_scores_and_risk(scored_db, cli):
    data = cli("report", "acme/lib", "--format", "json", "--as-of", "2026-01-01").json()
    scores, risk = data["scores"], data["risk"]
    assert 0 <= scores["health"] <= 100 and 0 < scores["coverage"] <= 1
    assert set(scores["subscores"]) == {
        "activity",
        "contributor_resilience",
        "responsiveness",
        "release_cadence",
        "funding",
        "hygiene",
    }
    for sub in scores["subscores"].values():
        assert {"score", "reason", "inputs"} <= set(sub)
    funding = scores["subscores"]["funding"]
    # git saw no FUNDING.yml or funding.json: zero declared channels is known; money is unknown, not 0.
    assert funding["inputs"]["funding_channels_count"] == 0
    assert funding["inputs"]["oc_received_12m_usd"] is None and funding["inputs"]["grants_total_usd_5y"] is None
    assert funding["inputs"]["sponsors_count"] is None
    assert risk["level"] in ("low", "medium", "high", "critical")
    assert all({"name", "evidence"} <= set(f) for f in risk["flags"])
    assert "truck_factor" in data["metrics"] and "criticality" in data["metrics"]
    assert data["metrics"]["truck_factor"] == 2
    trend = scores["trend"]
    assert trend["since"] == "2025-09-01T00:00:00Z" and trend["days"] == 90
    assert trend["change"] == pytest.approx(scores["health"] - trend["health_then"], abs=0.05)


def test_report_text_shows_breakdown_flags_coverage_and_trend(scored_db, cli):
    out = cli("report", "acme/lib", "--as-of", "2026-01-01").out
    assert "health " in out and "coverage " in out and "of the weight known" in out
    assert "since 2025-09-01T00:00:00Z (change since 90 days" in out
    assert "contributor resilience" in out and "Risk: " in out
    assert "? funding_lapsed not checked: funding data not collected" in out
    # as of a date before any score, the report says so
    assert "not scored yet" in cli("report", "acme/lib", "--as-of", "2025-01-01").out


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_export_writes_three_tables_without_emails(scored_db, cli, tmp_path, fmt):
    out = tmp_path / "export"
    result = cli("export", "--format", fmt, str(out), "--as-of", "2026-01-01")
    assert result.code == 0, result.err
    for name in ("projects", "metrics", "scores"):
        path = out / f"{name}.{fmt}"
        raw = path.read_bytes()
        assert not any(e.encode() in raw for e in EMAILS), name
    if fmt == "json":
        scores = json.loads((out / "scores.json").read_text())
        assert len(scores) == 2 and scores[0]["project"] == "acme/lib"
        assert isinstance(scores[0]["subscores"], dict)
        metrics = json.loads((out / "metrics.json").read_text())
        assert metrics[0]["truck_factor"] == 2
    elif fmt == "parquet":
        table = pq.read_table(out / "scores.parquet")
        assert table.num_rows == 2 and "activity_score" in table.column_names
    else:
        header = (out / "scores.csv").read_text().splitlines()[0]
        assert header.startswith("project,computed_at,health,coverage,health_reason,risk_level")


def test_export_scrubs_emails_from_text():
    from tracker.commands.export import scrub

    assert scrub("mail jo.doe+x@mail.example.com now") == "mail [e-mail removed] now"


def test_export_refuses_a_file_as_folder(scored_db, cli, tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    result = cli("export", "--format", "csv", str(target))
    assert result.code == 2 and "is not a folder" in result.err


def test_badge_is_valid_svg_with_health_and_risk(scored_db, cli):
    result = cli("badge", "acme/lib")
    assert result.code == 0
    root = ET.fromstring(result.out)
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert texts[0] == "health" and texts[2].endswith(" risk")


def test_badge_escapes_text():
    svg = badge.render("<b>&", '"x"<script>', "#4c1")
    root = ET.fromstring(svg)  # still well-formed XML
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert root.find("{http://www.w3.org/2000/svg}title").text == '<b>&: "x"<script>'


def test_badge_of_an_unscored_project(cli):
    cli("add", "acme/new")
    assert "not scored" in cli("badge", "acme/new").out


def test_score_with_no_projects_is_a_clear_error(cli):
    result = cli("score")
    assert result.code == 2 and "no projects tracked yet" in result.err


def test_scoring_never_opens_a_network_connection(db_path, make_repo, monkeypatch):
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError("scoring tried to open a network connection")

    repo = make_repo()
    repo.commit("2026-01-01")
    with Store.open(db_path) as store:
        track(store, repo)
        monkeypatch.setattr(socket.socket, "connect", refuse)
        monkeypatch.setattr(socket, "create_connection", refuse)
        assert score_all(store, now=datetime(2026, 2, 1)) == 1


def test_remove_deletes_the_scores_too(scored_db, cli):
    assert cli("remove", "acme/lib").code == 0
    with Store.open(scored_db) as store:
        assert store.scalar("SELECT count(*) FROM scores") == 0


def test_people_read_unknown_never_none(scored_db, cli):
    """Report, list, status, grants list and badge on a scored project and one with nothing
    collected: missing values read 'unknown', never 'None' or 'nan'."""
    assert cli("add", "acme/new", "--category", "tools").code == 0
    texts = {
        "report new": cli("report", "acme/new").out,
        "report scored": cli("report", "acme/lib", "--as-of", "2026-01-01").out,
        "list": cli("list").out,
        "status": cli("status").out,
        "grants list": cli("grants", "list").err,
        "badge": cli("badge", "acme/new").out,
    }
    for name, text in texts.items():
        assert text and not re.search(r"\bNone\b|\bnan\b|\bNaN\b", text), (name, text)
    assert "unknown" in texts["report new"] and "unknown" in texts["list"]
    assert "not scored yet" in texts["report new"]


def test_report_trend_and_badge_use_the_stored_score(scored_db, cli):
    """The report's scores are the latest row as of --as-of (the read model's rule), so a report
    dated between the two scoring runs shows the first, with no trend yet."""
    data = cli("report", "acme/lib", "--format", "json", "--as-of", "2025-10-01").json()
    assert data["scores"]["computed_at"] == "2025-09-01T00:00:00Z"
    assert data["scores"]["trend"] == {"days": 90, "since": None, "health_then": None, "change": None,
                                       "risk_then": None}
    latest = cli("report", "acme/lib", "--format", "json").json()["scores"]
    svg = cli("badge", "acme/lib").out
    assert f">{latest['health']:.0f} (coverage {latest['coverage']:.0%}) | " in svg


def _counting(store, monkeypatch) -> list[str]:
    """Every statement the store runs from now on."""
    seen: list[str] = []
    real = store.execute

    def execute(sql, params=None):
        seen.append(" ".join(sql.split()))
        return real(sql, params)

    monkeypatch.setattr(store, "execute", execute)
    return seen


@pytest.fixture
def six(store, make_repo):
    repo = make_repo()
    for month in range(1, 7):
        repo.commit(f"2026-{month:02d}-10", files={f"f{month}.py": "1"})
        repo.commit(f"2026-{month:02d}-20", name="Bob", email=EMAILS[1], files={"b.py": str(month)})
    return [track(store, repo, f"acme/p{i}") for i in range(6)]


def test_scoring_runs_the_same_statements_for_two_projects_or_six(store, six, monkeypatch):
    from tracker.score import score_projects

    seen = _counting(store, monkeypatch)
    score_projects(store, six[:2], datetime(2026, 7, 1))
    two = len(seen)
    seen.clear()
    score_projects(store, six, datetime(2026, 7, 2))
    assert len(seen) == two < 40
    assert sum(s.startswith("INSERT INTO scores") for s in seen) == 1  # one batched write


def test_chunks_are_written_in_short_transactions_and_reruns_replace(store, six, monkeypatch):
    from tracker import score

    monkeypatch.setattr(score, "CHUNK", 4)
    seen = _counting(store, monkeypatch)
    lines: list[str] = []
    run = score.score_projects(store, six, datetime(2026, 7, 1), progress=lines.append)
    assert run.written == 6 and not run.failures
    assert sum(s.startswith("INSERT INTO scores") for s in seen) == 2  # 4 + 2
    assert lines[0] == "computing metrics of projects 1-4 of 6" and lines[-1].startswith("scored 6 of 6 projects")
    assert [line.split(":")[0] for line in lines if line.startswith("[")] == [f"[{i}/6] acme/p{i - 1}"
                                                                               for i in range(1, 7)]
    first = store.all("SELECT project_id, health, metrics FROM scores ORDER BY project_id")
    score.score_projects(store, six, datetime(2026, 7, 1))
    assert store.all("SELECT project_id, health, metrics FROM scores ORDER BY project_id") == first
    assert store.scalar("SELECT count(*) FROM scores") == 6
    # the JSON columns keep their shapes
    row = store.dicts("SELECT * FROM scores LIMIT 1")[0]
    assert set(json.loads(row["subscores"])) == set(SUBSCORE_NAMES)
    assert json.loads(row["metrics"])["weekly_commits"][0].keys() == {"week", "commits"}
    assert all({"name", "evidence", "severity"} <= set(f) for f in json.loads(row["flags"]))


def test_one_projects_bad_data_fails_alone(store, six, monkeypatch):
    """If a project's data breaks a set-based statement, its chunk is computed project by project
    and only that project fails."""
    from tracker import score
    from tracker.metrics import funding

    real = funding.compute_many
    bad = {six[2].id: "unknown currency 'XX'", six[4].id: "amount 'ten' is not a number"}

    def breaks_on_two(store_, ids, now, known):
        for pid, message in bad.items():
            if pid in ids:
                raise ValueError(message)
        return real(store_, ids, now, known)

    monkeypatch.setattr(funding, "compute_many", breaks_on_two)
    lines: list[str] = []
    run = score.score_projects(store, six, datetime(2026, 7, 1), progress=lines.append)
    assert run.written == 4
    assert run.failures == [("acme/p2", "ValueError: unknown currency 'XX'"),
                            ("acme/p4", "ValueError: amount 'ten' is not a number")]
    assert "[3/6] acme/p2: failed: ValueError: unknown currency 'XX'" in lines
    assert "[5/6] acme/p4: failed: ValueError: amount 'ten' is not a number" in lines
    assert store.scalar("SELECT count(*) FROM scores WHERE project_id IN (?, ?)", list(bad)) == 0
    assert store.scalar("SELECT count(*) FROM scores") == 4


def test_metrics_json_is_valid_json_with_iso_times():
    from tracker.score import to_row

    result = {k: None for k in ("health", "risk_level", "maturity", "criticality", "truck_factor", "funding_need",
                                "funding_need_reason", "weights_version", "maturity_reason", "health_reason")}
    result.update(coverage=0.0, subscores={}, flags=[], unchecked=[])
    row = to_row(1, datetime(2026, 1, 1), result, {"last_commit_at": datetime(2025, 5, 6, 7, 8, 9, 123),
                                                   "last_grant_at": datetime(2025, 1, 1).date(),
                                                   "ratio": float("nan"), "series": [{"x": float("inf")}]})
    assert json.loads(row["metrics"]) == {"last_commit_at": "2025-05-06T07:08:09Z", "last_grant_at": "2025-01-01",
                                          "ratio": None, "series": [{"x": None}]}
