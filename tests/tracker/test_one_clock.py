"""One clock: what is written and the "now" it is read with have the same precision (microseconds,
tracker.clock.utcnow), so a score or report in the same second as a collection sees it. The times
are injected (no sleeping, no dependence on how fast the machine is)."""

from __future__ import annotations

from datetime import datetime, timedelta

from tracker import registry
from tracker.cli import parse_as_of
from tracker.metrics import funding
from tracker.store import Store

T = datetime(2026, 5, 4, 12, 0, 0)
COLLECTED = T + timedelta(microseconds=500_000)   # 12:00:00.500000
SCORED = T + timedelta(microseconds=700_000)      # 12:00:00.700000, the same second


def test_the_default_as_of_keeps_microseconds(monkeypatch):
    monkeypatch.setattr("tracker.cli.utcnow", lambda: SCORED)
    assert parse_as_of(None) == SCORED
    assert parse_as_of("2026-05-04T12:00:00.700000Z") == SCORED


def test_a_score_and_a_report_in_the_same_second_as_a_collection_see_it(db_path, cli, monkeypatch):
    """A GitHub snapshot collected at 12:00:00.500000, then `tracker score` and `tracker report` with
    the default as-of, 12:00:00.700000 by the (injected) clock.

    How the old code failed, every time: tracker/cli.py (and tracker/scoring/run.py) took "now" as
    `utcnow().replace(microsecond=0)`, i.e. 12:00:00, while `collected_at` kept its microseconds; the
    metrics read snapshots `collected_at <= now`, so 12:00:00.5 > 12:00:00 left the newest snapshot
    out and the stars read None instead of 1200 (tests/collectors/test_github.py::
    test_cli_collect_and_report failed that way whenever collection and report fell in one second).
    """
    with Store.open(db_path) as store:
        project, _ = registry.add(store, "acme/widget")
        store.execute("INSERT INTO github_repo_snapshots (project_id, collected_at, stars, archived)"
                      " VALUES (?, ?, 1200, false)", [project.id, COLLECTED])
    monkeypatch.setattr("tracker.cli.utcnow", lambda: SCORED)
    report = cli("report", "acme/widget", "--format", "json")
    assert report.code == 0, report.err
    assert report.json()["metrics"]["stars"] == 1200
    assert cli("score", "--format", "json").code == 0
    with Store.open(db_path) as store:
        computed_at, stars = store.one("SELECT computed_at, json_extract(metrics, '$.stars')::INTEGER FROM scores")
    assert computed_at == SCORED and stars == 1200


def test_open_collective_snapshots_are_read_at_the_same_precision(store):
    """The funding metrics used to compare `date_trunc('second', collected_at) <= now`: a snapshot
    taken later in the same second (12:00:00.9) was read as of 12:00:00.7 (truncated to 12:00:00),
    i.e. data from after the as-of date leaked in. Now collected_at is compared as stored."""
    project, _ = registry.add(store, "acme/widget")
    for at, received in ((COLLECTED, 100.0), (T + timedelta(microseconds=900_000), 999.0)):
        store.execute("INSERT INTO opencollective_snapshots (project_id, slug, collected_at, status, currency,"
                      " received_12m) VALUES (?, 'widget', ?, 'ok', 'USD', ?)", [project.id, at, received])
    assert funding.compute(store, project.id, SCORED)["oc_received_12m_usd"] == 100.0
    assert funding.compute(store, project.id, T + timedelta(seconds=1))["oc_received_12m_usd"] == 999.0
    assert funding.compute(store, project.id, T)["oc_received_12m_usd"] is None
