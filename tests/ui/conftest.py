"""Fixtures for the app's tests: a built database and pages run with Streamlit's AppTest."""

from __future__ import annotations

import shutil

import pytest
from streamlit.testing.v1 import AppTest

from tests.ui import builder

APP_TIMEOUT = 60


@pytest.fixture(scope="module")
def _built_app_db(tmp_path_factory):
    """builder.build once per test module (0.6 CPU-s each time: the migrations and the rows)."""
    path = builder.build(tmp_path_factory.mktemp("app-db") / "app.duckdb")
    assert not path.with_name(path.name + ".wal").exists()  # closed and checkpointed: one file to copy
    return path


@pytest.fixture
def app_db(_built_app_db, tmp_path, monkeypatch):
    """The database of tests/ui/builder.py, made the app's database (TRACKER_DB): each test gets its
    own copy of the module's build (tests write to it, rename it, lock it); its timestamps are
    relative to the module's start instead of the test's (seconds to a minute apart)."""
    path = tmp_path / "app.duckdb"
    shutil.copyfile(_built_app_db, path)
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
