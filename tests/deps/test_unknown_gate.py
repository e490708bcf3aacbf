"""The CI gate and dependencies of unknown risk: unknown is not "low". By default they pass the gate
and are named on stderr; --fail-on-unknown fails on them (exit 3). Rows of unknown risk are ranked
after every measured level, and their `why` says what is missing."""

from __future__ import annotations

from datetime import datetime

from tests.deps.scores import add_score
from tracker.store import Store

WHEN = datetime(2026, 5, 1)


def setup(db_path, tmp_path):
    with Store.open(db_path) as store:
        add_score(store, "urllib3/urllib3", computed_at=WHEN, risk="low", health=90.0, pypi="urllib3")
        pid = add_score(store, "acme/thin", computed_at=WHEN, risk="unknown", health=None, coverage=0.04,
                        pypi="thin")
        store.execute("UPDATE scores SET health_reason = 'insufficient data: git history, GitHub data not"
                      " collected (coverage 4%)' WHERE project_id = ?", [pid])
    req = tmp_path / "requirements.txt"
    req.write_text("urllib3==2.2.1\nthin==1.0\n")
    overrides = tmp_path / "overrides.yaml"
    overrides.write_text("urllib3: urllib3/urllib3\nthin: acme/thin\n")
    return str(req), str(overrides)


def test_unknown_risk_passes_the_gate_by_default_and_is_named(cli, db_path, tmp_path):
    req, overrides = setup(db_path, tmp_path)
    result = cli("deps", req, "--offline", "--overrides", overrides, "--fail-on", "high")
    assert result.code == 0, result.err
    assert "1 dependency of unknown risk not judged by the gate (add --fail-on-unknown to fail on them): thin" \
        in result.err


def test_fail_on_unknown_fails_the_gate(cli, db_path, tmp_path):
    req, overrides = setup(db_path, tmp_path)
    result = cli("deps", req, "--offline", "--overrides", overrides, "--fail-on", "critical", "--fail-on-unknown")
    assert result.code == 3
    assert "1 dependency at or above critical risk or of unknown risk: thin (unknown)" in result.err
    accepted = tmp_path / "accepted.yaml"
    accepted.write_text("- package: thin\n  reason: vendored copy\n  until: 2999-01-01\n")
    ok = cli("deps", req, "--offline", "--overrides", overrides, "--fail-on", "critical", "--fail-on-unknown",
             "--ignore", str(accepted))
    assert ok.code == 0, ok.err


def test_fail_on_unknown_needs_a_level(cli, db_path, tmp_path):
    req, overrides = setup(db_path, tmp_path)
    result = cli("deps", req, "--offline", "--overrides", overrides, "--fail-on-unknown")
    assert result.code == 2 and "--fail-on-unknown works with --fail-on LEVEL" in result.err


def test_unknown_rows_come_last_and_say_why(cli, db_path, tmp_path):
    req, overrides = setup(db_path, tmp_path)
    data = cli("deps", req, "--offline", "--overrides", overrides, "--format", "json").json()
    rows = data["dependencies"]
    assert [r["package"] for r in rows] == ["urllib3", "thin"]
    assert rows[1]["risk"] is None and rows[1]["project_risk"] == "unknown"  # null in JSON, never "medium"
    assert "insufficient data: git history" in rows[1]["why"]
    assert data["summary"]["risk"]["unknown"] == 1 and data["summary"]["risk"]["low"] == 1


def test_health_reads_with_its_coverage_in_table_and_markdown(cli, db_path, tmp_path):
    """Health is never shown without its coverage; a project below the evidence rule reads
    'insufficient data', an accepted dependency of unknown risk 'unknown (accepted)', never 'None'."""
    req, overrides = setup(db_path, tmp_path)
    accepted = tmp_path / "accepted.yaml"
    accepted.write_text("- package: thin\n  reason: vendored copy\n  until: 2999-01-01\n")
    for fmt in ("table", "markdown"):
        out = cli("deps", req, "--offline", "--overrides", overrides, "--format", fmt, "--ignore", str(accepted)).out.replace("\\", "")
        urllib3 = next(line for line in out.splitlines() if "urllib3" in line and "2.2.1" in line)
        thin = next(line for line in out.splitlines() if "thin" in line and "1.0" in line)
        assert "90 (coverage " in urllib3
        assert "insufficient data (coverage 4%)" in thin
        assert "unknown (accepted)" in thin
        assert "None" not in out
