"""End to end through the CLI: collect git + funding + Open Collective + PyPI, then report."""

from __future__ import annotations

from tests.fakes.loopback import serve
from tests.fakes.opencollective_server import Collective, OCHandler, OCState
from tests.fakes.pypi_server import PyPIHandler, PyPIState, package_doc, release_file


def test_collect_every_funding_source_then_report(cli, make_repo, monkeypatch):
    repo = make_repo("tool")
    repo.commit("2024-01-01", files={".github/FUNDING.yml": "github: [ann]\nopen_collective: tool\n"
                                                            "custom: ['https://tool.example/donate']\n"})
    oc, py = OCState(), PyPIState()
    oc.collectives["tool"] = Collective(slug="tool", name="Tool", balance_cents=5_000_00,
                                        yearly_budget_cents=12_000_00, received_12m_cents=10_000_00)
    py.packages["ann-tool"] = package_doc("ann-tool", "1.0", {"Source": "https://github.com/ann/tool"},
                                          {"1.0": [release_file("1.0", "2024-02-01T00:00:00Z")]})
    with serve(OCHandler, oc) as oc_url, serve(PyPIHandler, py) as pypi_url:
        monkeypatch.setenv("OPENCOLLECTIVE_API_URL", oc_url + "/graphql/v2")
        monkeypatch.setenv("PYPI_URL", pypi_url)
        assert cli("add", "ann/tool", "--git", str(repo.path), "--pypi", "Ann_Tool").code == 0
        r = cli("-q", "collect", "--source", "git", "--source", "funding", "--source", "opencollective",
                "--source", "pypi", "--format", "json")
        assert r.code == 0, r.err
        assert [(o["source"], o["status"]) for o in r.json()] == [
            ("git", "ok"), ("funding", "ok"), ("opencollective", "ok"), ("pypi", "ok")]
    report = cli("report", "ann/tool", "--format", "json", "--as-of", "2024-06-01").json()
    m = report["metrics"]
    assert m["funding_channels_count"] == 3
    assert m["funding_platforms"] == ["custom", "github", "open_collective"]
    assert (m["oc_balance_usd"], m["oc_yearly_budget_usd"], m["oc_received_12m_usd"]) == (5000.0, 12000.0, 10000.0)
    assert m["funding_per_active_maintainer_usd"] == 10000.0  # one active contributor
    assert m["pypi_releases_365d"] == 1
    assert m["grants_total_usd_5y"] is None and m["grants_active"] is None
    text = cli("report", "ann/tool").out
    assert "funding_platforms" in text and "oc_balance_usd" in text


def test_grants_without_action_prints_help(cli):
    r = cli("grants")
    assert r.code == 2 and "import" in r.out
