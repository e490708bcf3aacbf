"""CycloneDX and SPDX JSON SBOMs, package URLs, and recognising (or naming) file formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracker.deps.formats import UnknownFormat, detect, parse_path, parse_text
from tracker.deps.sbom import Purl, parse_purl
from tracker.errors import UsageError

FILES = Path(__file__).parent / "files"


def test_purls():
    assert parse_purl("pkg:pypi/django@4.2.11") == Purl("pypi", None, "django", "4.2.11")
    assert parse_purl("pkg:npm/%40babel/core@7.24.0") == Purl("npm", "@babel", "core", "7.24.0")
    assert parse_purl("pkg:maven/org.apache/commons-io@2.6?type=jar#sub/path") == Purl(
        "maven", "org.apache", "commons-io", "2.6")
    assert parse_purl("pkg:GitHub/pallets/click") == Purl("github", "pallets", "click", None)
    assert parse_purl("pkg://pypi/six@1.16.0") == Purl("pypi", None, "six", "1.16.0")
    assert parse_purl("not-a-purl") is None and parse_purl("pkg:pypi") is None


def test_cyclonedx():
    result = parse_path(FILES / "bom.cdx.json")
    assert result.format == "CycloneDX 1.5 JSON"
    deps = {d.key: d for d in result.dependencies}
    assert "my-service" not in deps                             # metadata.component is the product
    assert deps["requests"].direct is True and deps["requests"].repo == "psf/requests"  # vcs reference
    assert deps["urllib3"].direct is False
    assert deps["typing-extensions"].version == "4.12.0" and deps["typing-extensions"].groups == ("optional",)
    click = deps["pallets/click"]
    assert click.ecosystem == "github" and click.version == "8.1.7" and click.direct is True
    assert deps["six"].direct is False                          # nested component
    assert deps["requests"].line == 24
    babel = deps["@babel/core"]                                  # npm components are assessed
    assert (babel.ecosystem, babel.version) == ("npm", "7.24.0")
    unsupported = {(u.kind, u.name) for u in result.unsupported}
    assert unsupported == {("maven", "spring-core"), ("no purl", "vendored-blob"), ("invalid purl", "broken")}
    assert all("not assessed" in u.reason or "unknown" in u.reason for u in result.unsupported)
    messages = [w.message for w in result.warnings]
    assert "'broken': 'not-a-purl' is not a valid package URL; listed as not assessed" in messages
    # the graph: who depends on whom, beyond the direct ones
    assert result.graph and ("pypi", "urllib3") in result.edges[("pypi", "requests")]
    assert "components[9] has no name; skipped" in messages


def test_cyclonedx_without_a_graph_does_not_say_direct():
    result = parse_path(FILES / "bom-nograph.cdx.json")
    assert [(d.key, d.direct) for d in result.dependencies] == [("flask", None), ("jinja2", None)]


def test_spdx():
    result = parse_path(FILES / "sbom.spdx.json")
    assert result.format == "SPDX-2.3 JSON"
    deps = {d.key: d for d in result.dependencies}
    assert "my-service" not in deps                             # what the document DESCRIBES
    assert deps["requests"].direct is True and deps["idna"].direct is False
    assert deps["pytest"].direct is True and deps["pytest"].groups == ("dev",)   # DEV_DEPENDENCY_OF
    tiny = deps["someone/tiny-helper"]                          # no purl, but a GitHub download location
    assert tiny.ecosystem == "github" and tiny.direct is True
    assert deps["left-pad"].ecosystem == "npm"
    assert {(u.kind, u.name) for u in result.unsupported} == {("no purl", "mystery")}


@pytest.mark.parametrize("name, expected", [
    ("requirements-dev.txt", "requirements"), ("dev-requirements.txt", "requirements"),
    ("requirements.in", "requirements"), ("pyproject.toml", "pyproject"), ("uv.lock", "uv"),
    ("poetry.lock", "poetry"), ("Pipfile.lock", "pipfile"), ("package-lock.json", "npm"),
    ("npm-shrinkwrap.json", "npm")])
def test_detect_by_name(name, expected):
    assert detect(name, "") == expected


def test_detect_by_content():
    for path, expected in [("bom.cdx.json", "sbom"), ("sbom.spdx.json", "sbom"), ("Pipfile.lock", "pipfile"),
                           ("uv.lock", "uv"), ("poetry.lock", "poetry"), ("pyproject.toml", "pyproject")]:
        assert detect("pasted", (FILES / path).read_text()) == expected, path
    assert detect("deps", "# pinned\nrequests==2.31.0\nflask>=2 ; python_version > '3.8'\n-r other.txt\n") \
        == "requirements"


@pytest.mark.parametrize("name, text, words", [
    ("setup.py", "from setuptools import setup\nsetup(install_requires=['x'])\n", "never run"),
    ("package.json", '{"dependencies": {}}', "give package-lock.json"),
    ("yarn.lock", "# yarn lockfile v1\n", "npm's package-lock.json is"),
    ("bom.xml", '<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.5"></bom>', "CycloneDX XML"),
    ("sbom.spdx", "SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\n", "SPDX tag-value"),
    ("sbom.json", '{"@context": "https://spdx.org/rdf/3.0.0/spdx-context.jsonld", "@graph": []}', "SPDX 3"),
    ("data.json", '{"hello": "world"}', "not a CycloneDX"),
    ("notes.md", "# Notes\n\nSome prose that is not a dependency list at all.\n", "not a dependency file"),
    ("odd.toml", "[tool.black]\nline-length = 100\n", "TOML file that is not"),
])
def test_unknown_formats_are_named(name, text, words):
    with pytest.raises(UnknownFormat) as info:
        parse_text(text, name)
    assert info.value.args[0].startswith(f"{name}: ") and words in info.value.args[0]
    assert "Supported: requirements" in info.value.args[0]


def test_binary_and_undecodable_files(tmp_path):
    blob = tmp_path / "requirements.txt"
    blob.write_bytes(b"\x00\x01\x02binary")
    with pytest.raises(UsageError, match="binary file"):
        parse_path(blob)
    latin = tmp_path / "requirements-latin.txt"
    latin.write_bytes("# caf\xe9\nsix==1.16.0\n".encode("latin-1"))
    result = parse_path(latin)
    assert [d.key for d in result.dependencies] == ["six"]
    assert "not valid UTF-8" in result.warnings[0].message
    bom = tmp_path / "requirements-bom.txt"
    bom.write_bytes("\ufeffsix==1.16.0\n".encode())
    assert [d.key for d in parse_path(bom).dependencies] == ["six"]
    with pytest.raises(UsageError, match="no such file"):
        parse_path(tmp_path / "nope.txt")
    with pytest.raises(UsageError, match="a directory"):
        parse_path(tmp_path)


def test_sbom_with_invalid_json_warns_with_line(tmp_path):
    path = tmp_path / "bom.json"
    path.write_text('{\n  "bomFormat": "CycloneDX",\n  "components": [,]\n}\n')
    with pytest.raises(UnknownFormat, match="not valid"):
        parse_path(path)
    lock = tmp_path / "Pipfile.lock"
    lock.write_text('{\n  "default": {\n    "six": {"version": "==1.16.0"},,\n  }\n}\n')
    result = parse_path(lock)
    assert result.warnings[0].line == 3 and not result.dependencies


def test_nothing_is_executed(tmp_path):
    marker = tmp_path / "executed"
    evil = {"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [
        {"type": "library", "name": f"__import__('os').system('touch {marker}')",
         "purl": f"pkg:pypi/x@1;$(touch {marker})"}]}
    (tmp_path / "bom.json").write_text(json.dumps(evil))
    (tmp_path / "requirements.txt").write_text(f"x @ file://$(touch {marker})\n-r `touch {marker}`\n")
    (tmp_path / "pyproject.toml").write_text(f'[project]\nname="e"\ndependencies=["$(touch {marker})"]\n')
    for name in ("bom.json", "requirements.txt", "pyproject.toml"):
        parse_path(tmp_path / name)
    with pytest.raises(UnknownFormat):
        parse_text(f"import os\nos.system('touch {marker}')\n", "setup.py")
    assert not marker.exists()
