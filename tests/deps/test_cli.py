"""`tracker deps` end to end: formats, the CI gate's exit codes, --ignore, --overrides, --track."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from tests.deps.scores import add_score
from tracker import registry
from tracker.store import Store

FILES = Path(__file__).parent / "files"


def setup_db(db_path):
    with Store.open(db_path) as store:
        add_score(store, "pallets/click", computed_at=datetime(2026, 5, 1), risk="critical", health=20.0,
                  flags=[("archived", "archived")], truck_factor=1, pypi="click")
        add_score(store, "psf/requests", computed_at=datetime(2026, 5, 1), risk="high", health=40.0,
                  pypi="requests")
        add_score(store, "urllib3/urllib3", computed_at=datetime(2026, 5, 1), risk="low", health=90.0,
                  pypi="urllib3")


def test_json_report_of_an_sbom(cli, db_path):
    setup_db(db_path)
    result = cli("deps", str(FILES / "bom.cdx.json"), "--offline", "--format", "json")
    assert result.code == 0, result.err
    data = result.json()
    rows = {r["package"]: r for r in data["dependencies"]}
    assert rows["pallets/click"]["risk"] == "critical" and rows["requests"]["risk"] == "high"
    assert rows["urllib3"]["direct"] is False
    assert data["summary"]["unsupported"] == {"invalid purl": 1, "maven": 1, "no purl": 1}
    assert rows["@babel/core"]["ecosystem"] == "npm" and rows["@babel/core"]["index_status"] == "unknown"
    assert "warning: " in result.err and "components[9] has no name" in result.err


def test_gate_exit_codes(cli, db_path, tmp_path):
    setup_db(db_path)
    lock = str(FILES / "uv.lock")
    high = cli("deps", lock, "--offline", "--fail-on", "high")
    assert high.code == 3
    assert "1 dependency at or above high risk: click (critical)" in high.err
    assert cli("deps", lock, "--offline", "--fail-on", "critical").code == 3
    ignore = tmp_path / "accepted.yaml"
    ignore.write_text("- package: click\n  reason: pinned fork\n  until: 2999-01-01\n")
    ok = cli("deps", lock, "--offline", "--fail-on", "high", "--ignore", str(ignore))
    assert ok.code == 0, ok.err
    assert "critical (accepted)" in ok.out
    expired = cli("deps", lock, "--offline", "--fail-on", "high", "--ignore", str(ignore), "--as-of", "3000-01-02")
    assert expired.code == 3 and "expired on 2999-01-01" in expired.err
    assert cli("deps", str(FILES / "requirements-nothing-risky.txt"), "--offline").code == 2
    req = tmp_path / "requirements.txt"
    req.write_text("urllib3==2.2.1\n")
    assert cli("deps", str(req), "--offline", "--fail-on", "high").code == 0


def test_bad_input_exits_2_with_one_line(cli, db_path, tmp_path):
    setup_db(db_path)
    setup = tmp_path / "setup.py"
    setup.write_text("from setuptools import setup\nsetup()\n")
    result = cli("deps", str(setup))
    assert result.code == 2 and result.err.count("\n") == 1 and "never run" in result.err
    bad = tmp_path / "ignore.yaml"
    bad.write_text("- package: six\n")
    result = cli("deps", str(FILES / "uv.lock"), "--offline", "--ignore", str(bad))
    assert result.code == 2 and "a 'reason' is required" in result.err
    assert cli("deps", str(FILES / "uv.lock"), "--fail-on", "severe").code == 2


def test_markdown_and_csv(cli, db_path):
    setup_db(db_path)
    md = cli("deps", str(FILES / "poetry.lock"), "--offline", "--format", "markdown")
    assert md.code == 0 and md.out.startswith("### Dependency risk \u2014 8 dependencies: 1 critical")
    assert "| click | 8.1.7 | critical | archived: archived | direct | pallets/click | 20 \\(coverage 90%\\) |" in md.out
    csv_out = cli("deps", str(FILES / "poetry.lock"), "--offline", "--format", "csv")
    assert csv_out.out.splitlines()[0].startswith("package,ecosystem,version,direct,via,pulled_in_by,groups,repo")


def test_track_adds_unknown_repositories(cli, db_path, tmp_path):
    setup_db(db_path)
    overrides = tmp_path / "overrides.yaml"
    overrides.write_text("colorama: tartley/colorama\n")
    result = cli("deps", str(FILES / "poetry.lock"), "--offline", "--overrides", str(overrides), "--track")
    assert result.code == 0, result.err
    assert "tracked 1 new repositories" in result.err
    with Store.open(db_path) as store:
        project = registry.get(store, "tartley/colorama")
        assert project.pypi_package == "colorama"
    again = cli("deps", str(FILES / "poetry.lock"), "--offline", "--overrides", str(overrides), "--format", "json")
    rows = {r["package"]: r for r in again.json()["dependencies"]}
    assert rows["colorama"]["tracked"] is True and "not scored yet" in rows["colorama"]["why"]


def test_offline_without_a_database(cli, db_path):
    result = cli("deps", str(FILES / "sbom.spdx.json"), "--offline", "--format", "json")
    assert result.code == 0
    assert not db_path.exists()
    assert result.json()["summary"]["risk"]["unknown"] == 5
