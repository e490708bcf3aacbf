"""ShortStore: the scheduler's store holds the DuckDB file only while a statement or transaction runs."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.tracker.daemon import ROOT
from tracker import collect, registry
from tracker.config import load
from tracker.progress import Progress
from tracker.short_store import ShortStore
from tracker.store import Store

READER = """
import sys
from tracker.store import Store
with Store.open(sys.argv[1], read_only=True, lock_timeout=0) as s:
    print(s.scalar("SELECT count(*) FROM projects"))
"""


def read_from_another_process(db_path) -> str:
    """What the app sees: a read-only connection from another process, with no retry at all."""
    proc = subprocess.run([sys.executable, "-c", READER, str(db_path)], cwd=ROOT, capture_output=True,
                          text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_no_connection_outlives_a_statement_or_transaction(db_path):
    store = ShortStore(db_path)
    registry.add(store, "octo/one")
    assert not store.is_open
    assert store.scalar("SELECT count(*) FROM projects") == 1
    assert store.dicts("SELECT slug FROM projects") == [{"slug": "octo/one"}]
    cur = store.execute("SELECT slug FROM projects")
    assert cur.description[0][0] == "slug" and cur.fetchone() == ("octo/one",) and cur.fetchone() is None
    with store.transaction():
        registry.add(store, "octo/two")
        assert store.is_open
    assert not store.is_open
    assert read_from_another_process(db_path) == "2"


def test_a_failed_transaction_rolls_back_and_closes(db_path):
    store = ShortStore(db_path)
    with pytest.raises(ZeroDivisionError):
        with store.transaction():
            registry.add(store, "octo/one")
            raise ZeroDivisionError
    assert not store.is_open
    assert store.scalar("SELECT count(*) FROM projects") == 0


def test_held_keeps_one_connection_for_a_block(db_path):
    store = ShortStore(db_path)
    store.scalar("SELECT 1")
    before = store.opened
    with store.held():
        for _ in range(5):
            store.scalar("SELECT count(*) FROM projects")
        assert store.is_open
    assert store.opened == before + 1 and not store.is_open


def test_the_git_collector_works_through_it_and_leaves_the_file_free(db_path, make_repo):
    repo = make_repo("r")
    for i in range(5):
        repo.commit(f"2024-01-0{i + 1}", files={f"f{i}": "x"})
    store = ShortStore(db_path)
    project, _ = registry.add(store, "octo/r", git_source=str(repo.path))
    outcome = collect.collect_one(store, load(db_path), collect.select_sources(["git"])[0], project,
                                  Progress(quiet=True))
    assert outcome.status == "ok", outcome.error
    assert not store.is_open
    with Store.open(db_path, read_only=True) as reader:
        assert reader.scalar("SELECT count(*) FROM git_commits") == 5
        assert reader.scalar("SELECT status FROM collection_runs") == "ok"


def test_a_collection_runs_duckdb_on_one_thread_and_gives_the_setting_back(store, make_repo):
    """A collection's writer makes small appends (the cores are git's): one DuckDB thread while it
    runs, the setting as it was afterwards, also when the collection fails."""
    def threads():
        return int(store.scalar("SELECT current_setting('threads')"))

    store.execute("SET threads = 3")
    seen = []
    with store.threads(1):
        seen.append(threads())
    assert seen == [1] and threads() == 3
    with pytest.raises(RuntimeError), store.threads(1):
        raise RuntimeError("a failed collection")
    assert threads() == 3
    repo = make_repo("one")
    repo.commit("2025-01-01")
    project = registry.add(store, "acme/one", git_source=str(repo.path))[0]
    (outcome,) = collect.collect(store, load(store.path), [project], ["git"], Progress(quiet=True))
    assert outcome.status == "ok" and threads() == 3
