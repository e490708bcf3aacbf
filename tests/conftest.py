"""Shared fixtures: a real DuckDB file per test, the CLI run in-process, real git repositories."""

from __future__ import annotations

import dataclasses
import functools
import io
import json
import shutil
import socket
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.gitrepo import GitRepo
from tracker import config
from tracker.cli import main
from tracker.store import Store


# -- how the suite is spread over xdist's workers (`make test`: -n auto --dist loadfile) ----------
def pytest_xdist_auto_num_workers(config):
    """`-n auto` is one worker more than there are cores: a third of the suite's time is spent
    waiting on real processes (the scheduler daemon, `tracker serve`, Streamlit servers, a browser,
    git), and a third worker uses the cores meanwhile. TEST_WORKERS=N (make) or -n N overrides."""
    import os
    return len(os.sched_getaffinity(0)) + 1


# Files whose tests take 17 s or more together (docs/testing.md "How long it takes"), longest first:
# handed out first, so that none of them starts last and leaves the other workers idle at the end
# of the run. Browser files are spaced out (each starts a Streamlit server and Chromium).
SLOW_FILES = (
    "tests/tracker/test_scheduler.py", "tests/collectors/test_github.py", "tests/tracker/test_parallel_collect.py",
    "tests/ui/test_browser_pages.py", "tests/tracker/test_sample.py", "tests/ui/test_first_run.py",
    "tests/collectors/test_git.py", "tests/ui/test_browser.py", "tests/collectors/test_github_app.py",
    "tests/ui/test_pages.py", "tests/tracker/test_scheduler_first_run.py", "tests/tracker/test_serve_command.py",
    "tests/tracker/test_backtest.py",
)


def pytest_configure(config):
    """xdist's loadfile hands out the files with the most tests first unless told not to (its
    --no-loadscope-reorder): the order here is SLOW_FILES', by time, not by count of tests."""
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(config, items):
    """The slow files first (in SLOW_FILES' order), then the rest in collection order."""
    rank = {name: i for i, name in enumerate(SLOW_FILES)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))


def pytest_runtest_setup(item):
    """Streamlit scans the metadata of every installed distribution for v2 components each time an
    AppTest runs (about 0.08 CPU-s; a test process runs a hundred AppTests or more). The installed
    packages do not change during a run, so a test process scans once and keeps the answer. The app's
    real servers (the browser and `tracker serve` tests) scan as Streamlit does."""
    if "streamlit" not in sys.modules:
        return
    try:
        from streamlit.components.v2 import manifest_scanner
    except ImportError:  # a Streamlit without v2 components: nothing to keep
        return

    if not hasattr(manifest_scanner.scan_component_manifests, "cache_info"):
        manifest_scanner.scan_component_manifests = functools.cache(manifest_scanner.scan_component_manifests)


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


@pytest.fixture(autouse=True)
def _keep_main_module(monkeypatch):
    """Streamlit's AppTest leaves its page script as `__main__`; a process spawned by a later test in
    the same interpreter (the collector's workers) would run that script again and die. Every test
    gets the real `__main__` back when it ends."""
    monkeypatch.setitem(sys.modules, "__main__", sys.modules["__main__"])


LOOPBACK_HOSTS = ("127.", "::1", "localhost")


def block_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on (until `monkeypatch` undoes it), a connection from this process to anything but
    loopback fails at once."""
    connect, connect_ex = socket.socket.connect, socket.socket.connect_ex

    def allowed(address) -> bool:
        if not isinstance(address, tuple):          # a Unix socket path
            return True
        host = str(address[0])
        return host.startswith(LOOPBACK_HOSTS) or host.startswith("::ffff:127.")

    def guarded(self, address):
        if not allowed(address):
            raise OSError(f"tests must not reach the network (tried {address[0]})")
        return connect(self, address)

    def guarded_ex(self, address):
        if not allowed(address):
            raise OSError(f"tests must not reach the network (tried {address[0]})")
        return connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_ex)


def clean_env(monkeypatch: pytest.MonkeyPatch, tmp: Path) -> None:
    """No developer's tokens, database or git cache; every remote base URL a closed loopback port
    (unless a test starts a fake server): nothing can reach the internet by accident."""
    for name in ("GITHUB_TOKEN", "GH_TOKEN", "OPENCOLLECTIVE_TOKEN", "TRACKER_DB", "TRACKER_RATES", "GITHUB_APP_ID",
                 "GITHUB_APP_PRIVATE_KEY", "GITHUB_APP_PRIVATE_KEY_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TRACKER_GIT_CACHE", str(tmp / "git-cache"))
    for name in ("GITHUB_API_URL", "GITHUB_SERVER_URL", "PYPI_URL", "OPENCOLLECTIVE_API_URL", "NPM_REGISTRY_URL"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.setenv("TRACKER_INDEX_CACHE", str(tmp / "index-cache.sqlite"))


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Tests talk to the loopback fakes only (see block_network). A module- or session-scoped
    fixture runs before this one: it calls block_network and clean_env itself."""
    block_network(monkeypatch)


def offline_config(db_path, **changes):
    """The configuration a test collects with: what `tracker` would read from the test's environment
    (every remote base URL a closed loopback port), with `changes` (a fake server's URL, a token)."""
    return dataclasses.replace(config.load(db_path), **changes)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch, tmp_path):
    """No test reads the developer's tokens, database or git cache (see clean_env)."""
    clean_env(monkeypatch, tmp_path)


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "tracker.duckdb"


@pytest.fixture(scope="session")
def _migrated_db(tmp_path_factory) -> Path:
    """An empty database with every migration applied, made once per test process: migrating a new
    file costs about 0.1 CPU-s, and a couple of hundred tests start from one."""
    path = tmp_path_factory.mktemp("migrated") / "empty.duckdb"
    Store.open(path).close()
    assert not path.with_name(path.name + ".wal").exists()  # closed and checkpointed: one file to copy
    return path


@pytest.fixture
def store(db_path, _migrated_db):
    """The test's database, open for writing. Where no fixture made it yet, a copy of the migrated
    empty database (what Store.open makes of a new file; migrations on new and older files are
    tested in test_readmodel and test_hardening_removal)."""
    if not db_path.exists():
        shutil.copyfile(_migrated_db, db_path)
    s = Store.open(db_path)
    yield s
    s.close()


@pytest.fixture
def cli(db_path):
    """Run `tracker --db <test db> ARGS...` in-process; returns code, stdout, stderr."""

    def run(*args: str) -> CliResult:
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main(["--db", str(db_path), *args])
            except SystemExit as exc:  # argparse
                code = exc.code if isinstance(exc.code, int) else 2
        return CliResult(code, out.getvalue(), err.getvalue())

    return run


@pytest.fixture
def make_repo(tmp_path):
    """make_repo('name') -> a fresh GitRepo under the test's tmp dir."""

    def make(name: str = "repo", **kw) -> GitRepo:
        return GitRepo(tmp_path / name, **kw)

    return make
