"""Fixtures for the app's tests: a built database and pages run with Streamlit's AppTest."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.ui import builder

APP_TIMEOUT = 60


@pytest.fixture
def app_db(tmp_path, monkeypatch):
    """The database of tests/ui/builder.py, made the app's database (TRACKER_DB)."""
    path = builder.build(tmp_path / "app.duckdb")
    monkeypatch.setenv("TRACKER_DB", str(path))
    return path


@pytest.fixture
def page():
    """page('overview', project='acme/rocket') -> an AppTest of that page module, run once."""

    def run(name: str, **query: str) -> AppTest:
        at = AppTest.from_string(f"from tracker.ui import {name}\n{name}.show()\n", default_timeout=APP_TIMEOUT)
        for key, value in query.items():
            at.query_params[key] = value
        return at.run()

    return run
