"""Fill the loopback PyPI and npm fakes with a document for every package a real lock file names,
built from the real recorded answers (tests/fakes/recorded): each package gets one of the
recorded documents (in turn, by name) renamed to it, with the locked version as its latest
release (carrying the recorded latest release's files and upload time) and a repository of its
own. The packages the recordings are of (left-pad, request, axios, requests, ...) get their own
recording unchanged."""

from __future__ import annotations

import copy

from tests.fakes import npm_server, pypi_server
from tracker.deps.model import ParseResult

PYPI_RECORDED = ("requests", "urllib3", "attrs", "pytest-runner")
NPM_RECORDED = ("left-pad", "request", "axios")


def _pypi_doc(name: str, version: str, template: dict) -> dict:
    doc = copy.deepcopy(template)
    latest = doc["info"]["version"]
    doc["releases"][version] = copy.deepcopy(doc["releases"][latest])
    doc["info"].update(name=name, version=version,
                       project_urls={"Source": f"https://github.com/example-org/{name}"})
    return doc


def fill(results: list[ParseResult], pypi_state=None, npm_state=None) -> dict[str, int]:
    """A document for every PyPI and npm package in `results` (a package locked at two versions
    gets the first as its latest); returns how many packages per index."""
    templates = {n: pypi_server.recorded(n) for n in PYPI_RECORDED}
    counts = {"pypi": 0, "npm": 0}
    newest: dict[tuple[str, str], str] = {}
    for r in results:
        for d in r.dependencies:
            newest.setdefault((d.ecosystem, d.key), d.version or "1.0.0")
    for i, ((ecosystem, key), version) in enumerate(sorted(newest.items())):
        if ecosystem == "pypi" and pypi_state is not None:
            template = templates[key] if key in templates else templates[PYPI_RECORDED[i % len(PYPI_RECORDED)]]
            pypi_state.packages[key] = template if key in templates else _pypi_doc(key, version, template)
            counts["pypi"] += 1
        elif ecosystem == "npm" and npm_state is not None:
            if key in NPM_RECORDED:
                npm_state.packages[key] = npm_server.recorded(key)
            else:
                npm_state.packages[key] = npm_server.package(
                    key, {version: "2026-06-01T00:00:00.000Z"},
                    repository={"type": "git", "url": f"git+https://github.com/example-org/{key.lstrip('@')}.git"})
            counts["npm"] += 1
    return counts
