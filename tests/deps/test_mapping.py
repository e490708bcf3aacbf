"""Package -> repository through the package indexes (loopback PyPI and npm): answers cached in
the index cache, not-found packages, a failing index reported once, the CLI asking the index when
not --offline, and --track."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from tests.fakes.npm_server import package as npm_package
from tests.fakes.pypi_server import package_doc, release_file
from tracker import config
from tracker.deps import thresholds
from tracker.deps.lookup import IndexLookup
from tracker.deps.report import build
from tracker.deps.requirements import parse
from tracker.deps.sbom import parse_json_sbom

NOW = datetime(2026, 6, 1)


def fill(state):
    state.packages["requests"] = package_doc(
        "requests", "2.32.3", {"Source": "https://github.com/psf/requests", "Documentation": "https://docs"},
        {"2.32.3": [release_file("2.32.3", "2024-05-29T15:37:47.000000Z")]})
    state.packages["flask"] = package_doc(
        "Flask", "3.0.3", {"Source Code": "https://github.com/pallets/flask/"},
        {"3.0.3": [release_file("3.0.3", "2024-04-07T19:26:08.000000Z")]})
    state.packages["no-repo"] = package_doc("no-repo", "1.0", {"Homepage": "https://example.org"}, {})


REQS = "requests==2.32.3\nflask==3.0.3\nno-repo\ndoes-not-exist\n"


def rows_of(report):
    return {r["package"]: r for r in report.rows}


def test_map_via_pypi_then_from_the_cache(pypi_api):
    fill(pypi_api)
    cfg = config.load()
    report = build(None, cfg, [parse(REQS, "r.txt")], NOW)
    rows = rows_of(report)
    assert (rows["requests"]["repo"], rows["requests"]["mapped_by"]) == ("psf/requests", "pypi")
    assert rows["flask"]["repo"] == "pallets/flask"
    assert rows["no-repo"]["repo"] is None and "PyPI names no GitHub repository for it" in rows["no-repo"]["why"]
    assert rows["does-not-exist"]["index_status"] == "not_found" and "not on PyPI" in rows["does-not-exist"]["why"]
    assert sorted(pypi_api.requests) == sorted(f"/pypi/{n}/json" for n in ("requests", "flask", "no-repo",
                                                                          "does-not-exist"))
    assert report.summary["index"]["downloaded"] == {"pypi": 3} and report.summary["index"]["not_found"] == {"pypi": 1}
    again = build(None, cfg, [parse(REQS, "r.txt")], NOW)
    assert [r["repo"] for r in again.rows] == [r["repo"] for r in report.rows]
    assert len(pypi_api.requests) == 4                      # fresh in the index cache: not asked again
    assert again.summary["index"]["cached"] == {"pypi": 4}
    assert rows_of(again)["requests"]["index_source"] == "cache"


def test_offline_reads_only_the_cache(pypi_api):
    fill(pypi_api)
    report = build(None, config.load(), [parse("requests\n", "r.txt")], NOW, offline=True)
    row = report.rows[0]
    assert row["repo"] is None and "not in the index cache (--offline)" in row["why"]
    assert row["risk"] is None and row["index_status"] == "unknown"
    assert pypi_api.requests == []


def test_a_failing_index_is_reported_once_and_the_rest_still_answered(pypi_api):
    fill(pypi_api)
    cfg = config.load()
    build(None, cfg, [parse("requests==2.32.3\n", "r.txt")], NOW)          # cached now
    pypi_api.failures = [(503, {"Retry-After": "1"})] * 100
    sleeps: list[float] = []
    lookup = IndexLookup(cfg, thresholds.load(), refresh=True, sleep=sleeps.append)
    report = build(None, cfg, [parse("requests==2.32.3\nflask==3.0.3\n", "r.txt")], NOW, lookup=lookup)
    lookup.close()
    failures = [w for w in report.warnings if "could not be asked" in w]
    assert len(failures) == 1 and failures[0].startswith("PyPI could not be asked for 2 packages")
    assert "1 answered from an older cached copy" in failures[0]
    rows = rows_of(report)
    assert rows["requests"]["repo"] == "psf/requests" and rows["requests"]["index_source"] == "stale cache"
    assert rows["flask"]["repo"] is None and "PyPI could not be asked" in rows["flask"]["why"]
    assert sleeps and all(s == 1 for s in sleeps)             # Retry-After obeyed through the injected sleep


def test_report_uses_the_index_release_dates(pypi_api):
    fill(pypi_api)
    report = build(None, config.load(), [parse("requests\nflask==3.0.3\n", "r.txt")], NOW)
    rows = rows_of(report)
    assert rows["requests"]["repo"] == "psf/requests" and rows["requests"]["mapped_by"] == "pypi"
    assert rows["flask"]["last_release"] == "2024-04-07"
    assert report.summary["not_tracked"] == ["pallets/flask", "psf/requests"]


def test_npm_packages_map_through_the_repository_field(npm_api):
    npm_api.packages["@scope/thing"] = npm_package("@scope/thing", {"1.0.0": "2025-01-01T00:00:00.000Z"},
                                                   repository={"type": "git", "url": "git+https://github.com/o/thing.git"})
    npm_api.packages["short"] = npm_package("short", {"2.0.0": "2025-01-01T00:00:00.000Z"}, repository="o/short")
    npm_api.packages["elsewhere"] = npm_package("elsewhere", {"1.0.0": "2025-01-01T00:00:00.000Z"},
                                                repository="gitlab:o/elsewhere")
    bom = {"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [
        {"type": "library", "name": n, "purl": f"pkg:npm/{p}@{v}"}
        for n, p, v in (("thing", "%40scope/thing", "1.0.0"), ("short", "short", "2.0.0"),
                        ("elsewhere", "elsewhere", "1.0.0"), ("gone", "gone", "0.1.0"))]}

    report = build(None, config.load(), [parse_json_sbom(json.dumps(bom), "bom.json", bom)], NOW)
    rows = rows_of(report)
    assert (rows["@scope/thing"]["repo"], rows["@scope/thing"]["mapped_by"]) == ("o/thing", "npm")
    assert rows["short"]["repo"] == "o/short"
    assert rows["elsewhere"]["repo"] is None and "names no GitHub repository" in rows["elsewhere"]["why"]
    assert "not on npm" in rows["gone"]["why"]
    assert "/@scope%2Fthing" in npm_api.requests              # a scoped name as npm asks for it


def test_cli_maps_through_pypi_and_tracks(cli, db_path, pypi_api):
    fill(pypi_api)
    req = Path(db_path).parent / "requirements.txt"
    req.write_text("requests>=2\nflask\n")
    result = cli("deps", str(req), "--track", "--format", "json")
    assert result.code == 0, result.err
    assert "asking PyPI for 2 packages" in result.err and "index lookups: 2 downloaded; 2 requests" in result.err
    assert {r["repo"] for r in result.json()["dependencies"]} == {"psf/requests", "pallets/flask"}
    listed = cli("list", "--format", "json").json()
    assert {p["project"]: p["pypi"] for p in listed} == {"pallets/flask": "flask", "psf/requests": "requests"}
