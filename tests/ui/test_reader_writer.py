"""The app keeps answering while another process writes (the scheduler's pattern: short transactions
on a connection opened for each write), and no lock error ever reaches a page."""

from __future__ import annotations

import subprocess
import sys

import streamlit as st

from tracker.clock import utcnow
from tracker.config import REPO_ROOT
from tracker.readmodel import pages
from tracker.ui import queries

ROUNDS = 12
PAGES = 3
WRITER = """
import sys, time
from pathlib import Path
from tracker.runs import utcnow
from tracker.store import Store
db, stop = sys.argv[1], Path(sys.argv[2])
print("start", flush=True)
writes = 0
while not stop.exists() or writes < 5:
    with Store.open(db, lock_timeout=60) as store:
        with store.transaction():
            store.execute("INSERT INTO collection_runs (source, project_id, started_at, finished_at, status)"
                          " VALUES ('writer-test', NULL, ?, ?, 'ok')", [utcnow(), utcnow()])
            store.execute("UPDATE projects SET category = ? WHERE slug = 'gamma/new'", [f"round-{writes}"])
    writes += 1
    time.sleep(0.1)  # the scheduler's pattern: a short transaction, then the lock is free a while
print(writes, flush=True)
"""


def writer_runs(store) -> int:
    return store.scalar("SELECT count(*) FROM collection_runs WHERE source = 'writer-test'")


def test_queries_keep_answering_while_a_second_process_writes(app_db, page, tmp_path):
    db = str(app_db)
    stop = tmp_path / "stop"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, db, str(stop)], cwd=REPO_ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "start"
        seen: list[int] = []
        for round_ in range(ROUNDS):
            seen.append(queries.read(db, writer_runs))
            assert len(queries.read(db, pages.overview, utcnow())) == 3
            assert queries.read(db, pages.project_page, "acme/rocket", utcnow())["score"]["health"] == 72.0
            if round_ < PAGES:  # the real pages, uncached, during the writes: no exception, no lock error
                st.cache_data.clear()
                at = page("overview")
                assert not at.exception and len(at.dataframe[0].value) == 3
            assert writer.poll() is None  # the writer was writing all along
    finally:
        stop.touch()
        out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err
    writes = int(out.split()[-1])
    assert seen == sorted(seen)  # each read sees a committed state, never going back
    assert queries.read(db, writer_runs) == writes >= 5
    print(f"{ROUNDS} rounds of reads during {writes} writes; reads saw {sorted(set(seen))}")
