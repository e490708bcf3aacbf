"""Every dependency test talks to a loopback fake PyPI (empty unless a test fills it), so no test
can reach pypi.org even when it forgets --offline."""

from __future__ import annotations

import pytest

from tests.fakes.loopback import serve
from tests.fakes.pypi_server import PyPIHandler, PyPIState


@pytest.fixture(autouse=True)
def pypi_api(monkeypatch):
    state = PyPIState()
    with serve(PyPIHandler, state) as url:
        monkeypatch.setenv("PYPI_URL", url)
        state.url = url
        yield state
