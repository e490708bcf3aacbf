"""Package-index signals judged on real recorded index answers (tests/fakes/recorded) and on small
hand-made ones, with hand-computed expectations: yanked version in use, deprecation (npm's flag,
PyPI notices, and the false positives that must not count), Inactive and alpha classifiers, no
recent release, the broken release rhythm, far behind, the requires-python ceiling, versions not on
the index, coverage and the level rules; and the thresholds file."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.fakes import npm_server, pypi_server
from tests.fakes.pypi_server import package_doc, release_file
from tracker.deps import thresholds as thresholds_mod
from tracker.deps.index import IndexRecord, reduce_pypi
from tracker.deps.npm import reduce_npm, repo_of
from tracker.deps.signals import assess, deprecation_notice
from tracker.errors import UsageError

NOW = datetime(2026, 11, 30)
T = thresholds_mod.load()


def levels(assessment):
    return {f.signal: f.level for f in assessment.findings}


def pypi(name):
    return reduce_pypi(name, pypi_server.recorded(name))


def test_recorded_requests_is_low_with_its_facts():
    rec = pypi("requests")
    assert (rec.latest, rec.repo, rec.requires_python) == ("2.34.2", "psf/requests", ">=3.10")
    a = assess(rec, ["2.34.2"], NOW, T)
    assert a.risk == "low" and a.coverage == 1.0
    assert a.facts["latest"] == "2.34.2" and a.facts["releases_behind"] == 0 and a.facts["major_behind"] == 0
    # hand count from the recording: uploads in the 365 days before 2026-11-30, yanked ones left out
    in_year = [r for r in rec.releases.values() if r.published and not r.yanked
               and (NOW - r.published).days <= 365]
    assert a.facts["releases_12m"] == len(in_year)


def test_yanked_version_in_use_with_the_reason_pypi_gives():
    a = assess(pypi("urllib3"), ["2.0.0"], NOW, T)
    assert levels(a)["yanked_in_use"] == "high"
    evidence = next(f.evidence for f in a.findings if f.signal == "yanked_in_use")
    assert evidence.startswith("2.0.0 in use was yanked from PyPI: Truncated response bodies when streaming")
    assert a.risk == "high"
    # a release that is not yanked: no finding
    assert "yanked_in_use" not in levels(assess(pypi("urllib3"), ["2.0.2"], NOW, T))


def test_attrs_funding_links_and_its_yanked_release():
    rec = pypi("attrs")
    assert any("tidelift.com" in url for url in rec.funding) and len(rec.funding) >= 2
    a = assess(rec, ["21.1.0"], NOW, T)
    assert "Installable but not importable on Python 3.4." in next(
        f.evidence for f in a.findings if f.signal == "yanked_in_use")


def test_pytest_runner_inactive_and_deprecated_is_critical():
    a = assess(pypi("pytest-runner"), ["6.0.1"], NOW, T)
    assert levels(a)["inactive"] == "high" and levels(a)["deprecated"] == "high"
    assert "Development Status :: 7 - Inactive" in next(f.evidence for f in a.findings if f.signal == "inactive")
    assert "Deprecation Notice pytest-runner depends on deprecated features of setuptools" in next(
        f.evidence for f in a.findings if f.signal == "deprecated")
    assert a.risk == "critical"                    # two high findings (critical_when_high = 2)


@pytest.mark.parametrize("summary, description, name, expected", [
    # the package itself: notices that count
    ("DEPRECATED: use pillow instead", "", "pil-compat", ("DEPRECATED: use pillow instead", "pillow")),
    ("Tools", "# foo\n\n**This package is deprecated.** Use `bar` instead.\n", "foo",
     ("**This package is deprecated.** Use `bar` instead.", "bar")),
    ("Nose", "This project is in maintenance mode. It is no longer maintained; please use pytest.", "nose",
     ("It is no longer maintained; please use pytest.", "pytest")),
    ("[Unmaintained] client for X", "", "x-client", ("[Unmaintained] client for X", None)),
    ("Use scikit-learn instead", "", "sklearn", ("Use scikit-learn instead", "scikit-learn")),
    ("A client", "oldname has been renamed to newname.", "oldname", ("oldname has been renamed to newname.",
                                                                    "newname")),
    # APIs, Python versions, changelogs, decorators: not the package
    ("HTTP", "Deprecated API `foo()` was removed in 2.0. Use bar() instead.", "http", None),
    ("HTTP", "# Http\n\nGreat.\n\n## Changelog\n\n### Deprecated\n\nThis package is deprecated soon\n", "http", None),
    ("Lib", "# Lib\n\n## [1.2.0]\n### Deprecated\n- the old API\n", "lib", None),
    ("Python @deprecated decorator to deprecate old python classes, functions or methods.",
     "Deprecated Library\n==================\n\nDeprecated is Easy to Use", "Deprecated", None),
    ("Tools", "Python 2 is no longer supported.", "foo", None),
    ("Tools", "This library is no longer supported on Windows.", "foo", None),
    ("Docs", "Elimination of inconsistencies between the name of a parameter in the signature and the name in the"
             " docstring when it is renamed.", "annotated-doc", None),
])
def test_deprecation_notices_and_their_false_positives(summary, description, name, expected):
    assert deprecation_notice(summary, description, name) == expected


def test_recorded_pypi_packages_without_a_notice():
    for name in ("requests", "urllib3", "attrs"):
        info = pypi_server.recorded(name)["info"]
        assert deprecation_notice(info["summary"], info["description"], info["name"]) is None, name


def test_npm_deprecated_package_and_deprecated_version():
    left = reduce_npm("left-pad", npm_server.recorded("left-pad"))
    a = assess(left, ["1.3.0"], NOW, T)
    assert levels(a) == {"deprecated": "high", "no_recent_release": "high"}     # 2018-04-09: 8.6 years
    assert "npm marks the latest version 1.3.0 deprecated: use String.prototype.padStart()" in a.evidence()
    assert a.risk == "critical" and left.repo == "stevemao/left-pad"
    doc = npm_server.package("lib", {"1.0.0": "2025-01-01T00:00:00.000Z", "1.1.0": "2026-06-01T00:00:00.000Z"},
                             deprecated={"1.0.0": "critical bug, use 1.1.0"})
    b = assess(reduce_npm("lib", doc), ["1.0.0"], NOW, T)
    assert levels(b) == {"version_deprecated": "medium"}
    assert b.evidence() == ["1.0.0 in use is deprecated on npm: critical bug, use 1.1.0; 1.1.0 is not"]
    assert assess(reduce_npm("lib", doc), ["1.1.0"], NOW, T).risk == "low"


def test_npm_repository_field_forms():
    assert repo_of({"type": "git", "url": "git+https://github.com/axios/axios.git"}) == "axios/axios"
    assert repo_of("git@github.com:stevemao/left-pad.git") == "stevemao/left-pad"
    assert repo_of("github:o/r") == repo_of("o/r") == "o/r"
    assert repo_of("git://github.com/o/r.git") == "o/r"
    assert repo_of({"url": "https://github.com/babel/babel.git", "directory": "packages/babel-core"}) == "babel/babel"
    assert repo_of("gitlab:o/r") is None and repo_of("https://example.org/x") is None and repo_of(None) is None


def _record(releases, latest=None, **info):
    doc = package_doc("pkg", latest or max(releases), {"Source": "https://github.com/o/pkg"},
                      {v: [release_file(v, when, **kw)] for v, (when, kw) in releases.items()}, **info)
    return reduce_pypi("pkg", doc)


def test_no_recent_release_levels_by_age():
    assert levels(assess(_record({"1.0": ("2024-12-01T00:00:00Z", {})}), ["1.0"], NOW, T)) == {}
    two = assess(_record({"1.0": ("2024-11-29T00:00:00Z", {})}), ["1.0"], NOW, T)      # 731 days
    assert levels(two) == {"no_recent_release": "medium"}
    assert two.evidence()[0].startswith("no release for 2.0 years (last: 1.0 on 2024-11-29)")
    assert levels(assess(_record({"1.0": ("2021-11-29T00:00:00Z", {})}), ["1.0"], NOW, T)) == {
        "no_recent_release": "high"}                                                   # 1827 days


def test_cadence_stopped_needs_a_rhythm_to_break():
    monthly = {f"1.{i}": (f"2025-{i + 1:02d}-01T00:00:00Z", {}) for i in range(8)}     # Jan..Aug 2025
    a = assess(_record(monthly), ["1.7"], NOW, T)
    # intervals 31, 28, 31, 30, 31, 30, 31 days: median 31; silent since 2025-08-01: 486 days >= max(180, 4 x 31)
    assert levels(a) == {"cadence_stopped": "low"}
    assert a.evidence() == ["used to release every 31 days (median of the last 7 intervals); none for 1.3 years"]
    assert a.facts["cadence_days"] == 31.0 and a.facts["releases_12m"] == 0      # cadence: the last 5 intervals
    few = {f"1.{i}": (f"2025-{i + 1:02d}-01T00:00:00Z", {}) for i in range(3)}
    assert "cadence_stopped" not in levels(assess(_record(few), ["1.2"], NOW, T))


def test_far_behind_by_major_versions_or_years():
    rels = {"1.0.0": ("2020-01-01T00:00:00Z", {}), "1.1.0": ("2021-01-01T00:00:00Z", {}),
            "2.0.0": ("2025-01-01T00:00:00Z", {}), "3.0.0rc1": ("2026-10-01T00:00:00Z", {}),
            "3.0.0": ("2026-11-01T00:00:00Z", {})}
    rec = _record(rels, latest="3.0.0")
    a = assess(rec, ["1.0.0"], NOW, T)
    assert levels(a) == {"behind": "medium"}
    # newer stable releases: 1.1.0, 2.0.0, 3.0.0 (the pre-release does not count); 2 majors
    assert a.evidence() == ["1.0.0 in use is 3 releases behind 3.0.0 (2 major versions); the latest is 6.8 years"
                            " newer"]
    assert (a.facts["releases_behind"], a.facts["major_behind"], a.facts["version_age_days"]) == (3, 2, 2525)
    assert "behind" not in levels(assess(rec, ["2.0.0"], NOW, T))       # one major, 1.8 years: fine


def test_python_ceiling_of_the_version_in_use():
    rec = _record({"1.0": ("2026-01-01T00:00:00Z", {"requires_python": ">=3.8,<3.12"}),
                   "2.0": ("2026-06-01T00:00:00Z", {"requires_python": ">=3.9"})}, requires_python=">=3.9")
    a = assess(rec, ["1.0"], NOW, T)
    assert levels(a) == {"python_ceiling": "medium"}
    assert a.evidence() == ["the version in use requires Python >=3.8,<3.12, which excludes Python 3.14"]
    assert assess(rec, ["2.0"], NOW, T).risk == "low"
    assert "python_ceiling" not in levels(assess(_record({"1.0": ("2026-01-01T00:00:00Z",
                                                                  {"requires_python": ">=3.8,<4"})}), ["1.0"], NOW, T))


def test_classifiers_early_status_and_version_not_on_the_index():
    rec = _record({"0.1": ("2026-10-01T00:00:00Z", {})}, classifiers=["Development Status :: 3 - Alpha"])
    a = assess(rec, ["0.1", "0.0.9"], NOW, T)
    assert levels(a) == {"early_status": "low", "version_unknown": "low"}
    assert "0.0.9 in use is not on PyPI (a private build, or removed)" in a.evidence()
    # a local version label is looked up without it
    torch_like = _record({"2.1.0": ("2026-10-01T00:00:00Z", {})})
    assert "version_unknown" not in levels(assess(torch_like, ["2.1.0+cu121"], NOW, T))


def test_coverage_and_unknown_when_too_little_is_known():
    rec = _record({"1.0": ("2026-10-01T00:00:00Z", {"requires_python": None})}, requires_python=None,
                  summary="", description="")
    a = assess(rec, [], NOW, T)      # no version in use, no classifiers, no text, no requires-python
    unchecked = dict(a.unchecked)
    assert unchecked["yanked_in_use"] == "no exact version in the files"
    assert unchecked["inactive"] == "the package declares no Development Status classifier"
    assert unchecked["deprecated"] == "the index gives no summary or description"
    assert a.coverage == round(2 / 9, 2) and a.risk is None          # 2 of 9 checks ran: unknown, not low
    assert assess(None, ["1.0"], NOW, T).risk is None
    assert assess(IndexRecord.missing("pypi", "x"), ["1.0"], NOW, T).risk is None


def test_thresholds_file_overrides_and_validation(tmp_path):
    path = tmp_path / "deps.toml"
    path.write_text("[signals.early_status]\nlevel = 'medium'\n[cache]\nmin_ttl_seconds = 60\n")
    t = thresholds_mod.load(path)
    assert t.level("early_status") == "medium" and t.min_ttl == 60 and t.level("deprecated") == "high"
    rec = _record({"0.1": ("2026-10-01T00:00:00Z", {})}, classifiers=["Development Status :: 2 - Pre-Alpha"])
    assert assess(rec, ["0.1"], NOW, t).risk == "medium"
    for body, words in [("[signals.nope]\nlevel = 'low'\n", "unknown signal"),
                        ("[signals.deprecated]\nlevel = 'severe'\n", "expected one of none, low"),
                        ("[signals.behind]\nmajor = -1\n", "expected a whole number >= 0"),
                        ("[signals.no_recent_release]\nhigh_days = 10\n", "high_days must be at least"),
                        ("[python]\nnewest = 'three'\n", "must be a Python version"),
                        ("[risk]\nmin_coverage = 2\n", "a share between 0 and 1"),
                        ("[extra]\nx = 1\n", "unknown table 'extra'"),
                        ("[cache\n", "not valid TOML")]:
        path.write_text(body)
        with pytest.raises(UsageError, match=words):
            thresholds_mod.load(path)
