"""End to end on real inputs (tests/deps/files/real: a uv.lock of 85 packages, a package-lock.json
of 131, a CycloneDX SBOM with PyPI, npm and other components), against the loopback PyPI and npm
fakes built from real recorded answers: on a fresh database every package the index knows gets a
risk level with evidence at once; a second run is answered from the index cache with no request;
npm rows are assessed; other ecosystems are listed as not assessed; who pulls each package in;
grouping by direct dependency; the CI gate."""

from __future__ import annotations

from pathlib import Path

from tests.deps.index_fill import fill
from tracker.deps.formats import parse_path

REAL = Path(__file__).parent / "files" / "real"


def test_a_real_uv_lock_on_a_fresh_database(cli, db_path, pypi_api):
    lock = REAL / "uv.lock"
    assert fill([parse_path(lock)], pypi_api) == {"pypi": 84, "npm": 0}
    result = cli("deps", str(lock), "--format", "json")
    assert result.code == 0, result.err
    assert not db_path.exists()                          # a report creates no database
    data = result.json()
    rows = data["dependencies"]
    assert len(rows) == 84 and data["summary"]["direct"] == 23
    for row in rows:                                     # every package the index knows: a level and why
        assert row["index_status"] == "found" and row["risk"] in ("low", "medium", "high", "critical"), row
        assert row["risk_basis"] == "index" and row["evidence"] and row["findings"] is not None
        assert row["repo"] == f"example-org/{row['package']}" or row["package"] in (
            "requests", "urllib3", "attrs", "pytest-runner")
    assert len(pypi_api.requests) == 84
    assert "asking PyPI for 84 packages (8 at a time per index; 0 answered from the index cache)" in result.err
    # the packages that got pytest-runner's recorded page inherit its Inactive classifier and notice
    inactive = [r for r in rows if any(f["signal"] == "inactive" for f in r["findings"])]
    assert inactive and all(r["risk"] == "critical" for r in inactive)
    assert data["summary"]["riskiest"][0]["risk"] == "critical"
    # who pulls it in (as the lock's [[package]] dependencies say): filelock is needed by datasets,
    # huggingface-hub, tokenizers (through huggingface-hub) and transformers, all direct
    filelock = next(r for r in rows if r["package"] == "filelock")
    assert filelock["direct"] is False and filelock["via"] == ["datasets", "filelock"]
    assert filelock["pulled_in_by"] == ["datasets", "huggingface-hub", "tokenizers", "transformers"]
    # again: all from the index cache, no request at all
    again = cli("deps", str(lock), "--format", "json")
    assert again.code == 0 and len(pypi_api.requests) == 84
    assert again.json()["summary"]["index"]["cached"] == {"pypi": 84}
    assert [(r["package"], r["risk"]) for r in again.json()["dependencies"]] == [(r["package"], r["risk"])
                                                                                   for r in rows]


def test_the_sbom_with_npm_components(cli, pypi_api, npm_api):
    bom = REAL / "bom.polyglot.cdx.json"
    assert fill([parse_path(bom)], pypi_api, npm_api) == {"pypi": 84, "npm": 124}
    result = cli("deps", str(bom), "--format", "json")
    assert result.code == 0, result.err
    data = result.json()
    rows = {(r["ecosystem"], r["package"]): r for r in data["dependencies"]}
    assert data["summary"]["ecosystems"] == {"pypi": 84, "npm": 124}
    npm_rows = [r for (eco, _), r in rows.items() if eco == "npm"]
    assert all(r["index_status"] == "found" and r["risk"] for r in npm_rows)
    left = rows[("npm", "left-pad")]
    assert (left["risk"], left["repo"], left["direct"]) == ("critical", "stevemao/left-pad", True)
    assert left["evidence"] == "npm marks the latest version 1.3.0 deprecated: use String.prototype.padStart()"
    request = rows[("npm", "request")]
    assert request["risk"] == "critical" and "request has been deprecated" in request["evidence"]
    assert rows[("npm", "axios")]["risk"] == "low" and rows[("npm", "axios")]["repo"] == "axios/axios"
    # request's own dependencies say who pulls them in
    assert rows[("npm", "har-validator")]["via"][0] == "request"
    # other ecosystems: listed, counted, not judged
    assert data["summary"]["unsupported"] == {"golang": 1, "maven": 1}
    assert {u["name"] for u in data["unsupported"]} == {"slf4j-api", "net"}
    table = cli("deps", str(bom), "--offline")
    assert "not assessed (listed, not judged): 1 golang, 1 maven" in table.out
    assert len(npm_api.requests) == 124                   # the second run asked nothing


def test_the_real_package_lock_grouped_by_direct_dependency(cli, npm_api):
    lock = REAL / "package-lock.json"
    fill([parse_path(lock)], npm_state=npm_api)
    grouped = cli("deps", str(lock), "--group-by", "direct", "--format", "json")
    assert grouped.code == 0, grouped.err
    groups = {g["direct"]: g for g in grouped.json()["groups"]}
    assert set(groups) == {"axios", "express", "left-pad", "lodash", "react", "request"}
    assert groups["left-pad"]["risk"] == "critical" and groups["left-pad"]["dependencies"] == []
    assert groups["request"]["risk"] == "critical" and "har-validator" in groups["request"]["dependencies"]
    assert "accepts" in groups["express"]["dependencies"] and "accepts" not in groups["request"]["dependencies"]
    table = cli("deps", str(lock), "--group-by", "direct")
    lines = table.out.splitlines()
    assert lines[0] == "left-pad 1.3.0: worst risk critical, pulls in 0 packages"   # riskiest group first
    assert any(line.startswith("express 4.22.3: worst risk ") for line in lines)
    md = cli("deps", str(lock), "--group-by", "direct", "--format", "markdown").out
    assert "<details><summary>express 4.22.3: worst risk low, pulls in " in md


def test_the_gate_on_real_inputs(cli, npm_api, tmp_path):
    lock = REAL / "package-lock.json"
    fill([parse_path(lock)], npm_state=npm_api)
    gate = cli("deps", str(lock), "--fail-on", "high", "--format", "sarif")
    assert gate.code == 3
    assert "tracker: 2 dependencies at or above high risk: left-pad (critical), request (critical)" in gate.err
    ignore = tmp_path / "accepted.yaml"
    ignore.write_text("- package: left-pad\n  reason: replaced in Q1\n  until: 2999-01-01\n"
                      "- package: request\n  reason: only in the legacy importer\n  until: 2999-01-01\n")
    assert cli("deps", str(lock), "--fail-on", "high", "--ignore", str(ignore)).code == 0
