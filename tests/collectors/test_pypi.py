"""PyPI collector and repo_for_package against a loopback JSON API in pypi.org's shapes."""

from __future__ import annotations

import io
import json
from datetime import datetime

import pytest

from collectors import pypi
from tests.fakes.loopback import serve
from tests.fakes.pypi_server import PyPIHandler, PyPIState, package_doc, release_file
from tracker import collect, config, registry
from tracker.metrics import compute_all
from tracker.packages import normalise
from tracker.progress import Progress

NOW = datetime(2024, 12, 1)


def requests_doc():
    return package_doc(
        "requests", "2.32.3",
        {"Documentation": "https://requests.readthedocs.io", "Homepage": "https://requests.readthedocs.io",
         "Source": "https://github.com/psf/requests", "Sponsor": "https://github.com/sponsors/psf"},
        {
            "2.31.0": [release_file("2.31.0", "2023-05-22T15:12:44.175377Z"),
                       release_file("2.31.0", "2023-05-22T15:12:42.313790Z", kind="wheel")],
            "2.32.0": [release_file("2.32.0", "2024-05-20T15:00:00.000000Z", yanked=True,
                                    reason="Yanked due to conflicts with CVE-2024-35195 mitigation")],
            "2.32.2": [release_file("2.32.2", "2024-05-21T18:00:00.000000Z")],
            "2.32.3": [release_file("2.32.3", "2024-05-29T15:37:47.000000Z")],
            "0.0.0-empty": [],
        })


@pytest.fixture
def pypi_api(monkeypatch):
    state = PyPIState()
    state.packages["requests"] = requests_doc()
    with serve(PyPIHandler, state) as base:
        monkeypatch.setenv("PYPI_URL", base)
        yield state


def run(store, db_path, project):
    err = io.StringIO()
    outcome = collect.collect_one(store, config.load(db_path), pypi.SOURCE, project,
                                  Progress(stream=err, quiet=True), {"sleep": lambda s: None})
    return outcome, err.getvalue()


def test_release_history_with_upload_times_and_yanked(store, db_path, pypi_api):
    project, _ = registry.add(store, "psf/requests", pypi_package="Requests")
    outcome, _ = run(store, db_path, project)
    assert outcome.status == "ok"
    assert outcome.counters == {"status": "ok", "releases": 5, "yanked": 1}
    assert pypi_api.requests == ["/pypi/requests/json"]
    rows = store.all("SELECT version, uploaded_at, yanked, yanked_reason, files FROM pypi_releases ORDER BY version")
    assert rows[0] == ("0.0.0-empty", None, False, None, 0)
    assert rows[1] == ("2.31.0", datetime(2023, 5, 22, 15, 12, 42, 313790), False, None, 2)  # earliest file
    assert rows[2][2:4] == (True, "Yanked due to conflicts with CVE-2024-35195 mitigation")
    pkg = store.one("SELECT package, repo_slug, status, display_name, latest_version FROM pypi_packages")
    assert pkg == ("requests", "psf/requests", "ok", "requests", "2.32.3")
    assert json.loads(store.scalar("SELECT project_urls FROM pypi_packages"))["Source"] == \
        "https://github.com/psf/requests"

    # rerun: same rows, no duplicates
    run(store, db_path, project)
    assert store.scalar("SELECT count(*) FROM pypi_releases") == 5

    m = compute_all(store, project.id, NOW)
    assert m["pypi_releases_365d"] == 2            # 2.32.2 and 2.32.3; the yanked 2.32.0 does not count
    assert m["days_since_last_pypi_release"] == 185
    # gaps between 2023-05-22, 2024-05-21 and 2024-05-29: 365.1 and 8.0 days
    assert m["median_pypi_release_interval_days"] == pytest.approx(186.6, abs=0.1)


def test_unknown_package_is_cached_as_not_found_and_fails_clearly(store, db_path, pypi_api):
    project, _ = registry.add(store, "a/b", pypi_package="no-such-package")
    outcome, _ = run(store, db_path, project)
    assert outcome.status == "error" and "PyPI has no package 'no-such-package'" in outcome.error
    assert store.one("SELECT status, repo_slug FROM pypi_packages") == ("not_found", None)
    assert compute_all(store, project.id, NOW)["pypi_releases_365d"] is None


def test_repo_for_package_caches_answers_including_not_found(store, db_path, pypi_api):
    cfg = config.load(db_path)
    assert pypi.repo_for_package(store, cfg, "Requests") == "psf/requests"
    assert pypi.repo_for_package(store, cfg, "requests") == "psf/requests"
    assert pypi.repo_for_package(store, cfg, "nope.pkg") is None
    assert pypi.repo_for_package(store, cfg, "Nope_Pkg") is None
    assert pypi_api.requests == ["/pypi/requests/json", "/pypi/nope-pkg/json"]  # cached after the first ask
    assert pypi.repo_for_package(store, cfg, "never-asked", fetch=False) is None
    assert pypi.repo_for_package(store, cfg, "bad name!") is None
    assert len(pypi_api.requests) == 2


def test_retries_on_429_and_503_then_errors(store, db_path, pypi_api):
    slept = []
    client = pypi.PyPIClient(config.load(db_path).pypi_url, sleep=slept.append)
    pypi_api.failures = [(429, {"Retry-After": "7"}), (503, {})]
    assert client.package("requests")["info"]["name"] == "requests"
    assert slept == [7.0, 2.0] and client.requests == 3
    pypi_api.failures = [(503, {})] * 4
    with pytest.raises(Exception, match="PyPI answered 503 for requests; gave up after 4 attempts"):
        client.package("requests")
    assert slept[2:] == [1.0, 2.0, 4.0] and client.requests == 7


def test_repo_from_project_urls_prefers_source_labels():
    assert pypi.repo_from_urls({"Homepage": "https://github.com/org/home", "Source Code": "https://github.com/org/src"}) \
        == "org/src"
    assert pypi.repo_from_urls({"Docs": "https://x.readthedocs.io", "Tracker": "https://github.com/o/r/issues"}) \
        == "o/r"
    assert pypi.repo_from_urls({"Funding": "https://github.com/sponsors/someone"}) is None
    assert pypi.repo_from_urls({"Source": "javascript:alert(1)"}, "https://github.com/o/home.git") == "o/home"
    assert pypi.repo_from_urls(None) is None
    assert normalise("Foo__Bar.baz") == "foo-bar-baz"


def test_pypi_source_applies_only_to_projects_with_a_package(store, db_path, pypi_api):
    with_pkg, _ = registry.add(store, "psf/requests", pypi_package="requests")
    without, _ = registry.add(store, "a/b")
    outcomes = collect.collect(store, config.load(db_path), [with_pkg, without], ["pypi"], Progress(quiet=True))
    assert [(o.project, o.status) for o in outcomes] == [("psf/requests", "ok")]
