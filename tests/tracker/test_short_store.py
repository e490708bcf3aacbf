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
