"""Every dependency test talks to loopback fakes of PyPI and the npm registry (empty unless a test
fills them), so no test can reach pypi.org or registry.npmjs.org even when it forgets --offline.
The index cache is a file in the test's own folder (tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.fakes.loopback import serve
from tests.fakes.npm_server import NpmHandler, NpmState
from tests.fakes.pypi_server import PyPIHandler, PyPIState


@pytest.fixture(autouse=True)
def pypi_api(monkeypatch):
    state = PyPIState()
    with serve(PyPIHandler, state) as url:
        monkeypatch.setenv("PYPI_URL", url)
        state.url = url
        yield state


@pytest.fixture(autouse=True)
def npm_api(monkeypatch):
    state = NpmState()
    with serve(NpmHandler, state) as url:
        monkeypatch.setenv("NPM_REGISTRY_URL", url)
        state.url = url
        yield state
