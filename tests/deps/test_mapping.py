"""Package -> repository through collectors.pypi against the loopback PyPI: cached answers,
not-found packages, a failing PyPI, and the CLI asking PyPI when not --offline."""

from __future__ import annotations

from datetime import datetime

from collectors.pypi import PyPIClient
from tests.fakes.pypi_server import package_doc, release_file
from tracker import config
from tracker.deps.mapping import map_packages
from tracker.deps.report import build
from tracker.deps.requirements import parse

NOW = datetime(2026, 6, 1)


def fill(state):
    state.packages["requests"] = package_doc(
        "requests", "2.32.3", {"Source": "https://github.com/psf/requests", "Documentation": "https://docs"},
        {"2.32.3": [release_file("2.32.3", "2024-05-29T15:37:47.000000Z")]})
    state.packages["flask"] = package_doc(
        "Flask", "3.0.3", {"Source Code": "https://github.com/pallets/flask/"},
        {"3.0.3": [release_file("3.0.3", "2024-04-07T19:26:08.000000Z")]})
    state.packages["no-repo"] = package_doc("no-repo", "1.0", {"Homepage": "https://example.org"}, {})


def test_map_via_pypi_then_from_the_cache(store, pypi_api):
    fill(pypi_api)
    cfg = config.load()
    wanted = [("pypi", k, None) for k in ("requests", "flask", "no-repo", "does-not-exist")]
    mapped = map_packages(store, cfg, wanted, {}, offline=False)
    assert (mapped["requests"].repo, mapped["requests"].by) == ("psf/requests", "pypi")
    assert mapped["flask"].repo == "pallets/flask"
    assert mapped["no-repo"].repo is None and mapped["no-repo"].note == "PyPI names no GitHub repository for it"
    assert mapped["does-not-exist"].note == "not on PyPI"
    assert len(pypi_api.requests) == 4
    again = map_packages(store, cfg, wanted, {}, offline=False)
    assert again == mapped and len(pypi_api.requests) == 4      # answered from pypi_packages
    assert store.scalar("SELECT count(*) FROM pypi_packages") == 4


def test_offline_reads_only_the_cache(store, pypi_api):
    fill(pypi_api)
    mapped = map_packages(store, config.load(), [("pypi", "requests", None)], {}, offline=True)
    assert mapped["requests"].repo is None and "--offline" in mapped["requests"].note
    assert pypi_api.requests == []


def test_a_failing_pypi_is_reported_once_and_the_rest_still_mapped(store, pypi_api):
    fill(pypi_api)
    pypi_api.failures = [(503, {"Retry-After": "1"})] * 10
    store.execute("INSERT INTO pypi_packages (package, repo_slug, fetched_at, status)"
                  " VALUES ('cached-one', 'o/cached', ?, 'ok')", [NOW])
    warnings: list[str] = []
    sleeps: list[float] = []
    client = PyPIClient(config.load().pypi_url, sleep=sleeps.append)
    wanted = [("pypi", k, None) for k in ("requests", "flask", "cached-one")]
    mapped = map_packages(store, config.load(), wanted, {}, offline=False, warn=warnings.append, client=client)
    assert len(warnings) == 1 and warnings[0].startswith("PyPI lookup failed for requests")
    assert mapped["flask"].repo is None and mapped["flask"].note == "PyPI could not be asked"
    assert mapped["cached-one"].repo == "o/cached"
    assert sleeps   # retries waited through the injected sleep, not for real


def test_report_uses_pypi_and_its_release_dates(store, pypi_api):
    fill(pypi_api)
    report = build(store, config.load(), [parse("requests\nflask==3.0.3\n", "r.txt")], NOW)
    rows = {r["package"]: r for r in report.rows}
    assert rows["requests"]["repo"] == "psf/requests" and rows["requests"]["mapped_by"] == "pypi"
    assert rows["flask"]["last_release"] == "2024-04-07"
    assert report.summary["not_tracked"] == ["pallets/flask", "psf/requests"]


def test_cli_maps_through_pypi_and_tracks(cli, db_path, pypi_api):
    fill(pypi_api)
    from pathlib import Path
    req = Path(db_path).parent / "requirements.txt"
    req.write_text("requests>=2\nflask\n")
    result = cli("deps", str(req), "--track", "--format", "json")
    assert result.code == 0, result.err
    assert "asking PyPI for the repositories of 2 packages not in the cache" in result.err
    assert {r["repo"] for r in result.json()["dependencies"]} == {"psf/requests", "pallets/flask"}
    listed = cli("list", "--format", "json").json()
    assert {p["project"]: p["pypi"] for p in listed} == {"pallets/flask": "flask", "psf/requests": "requests"}
