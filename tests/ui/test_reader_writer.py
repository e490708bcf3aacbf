"""The app keeps answering while another process writes (the scheduler's pattern: short transactions
on a connection opened for each write), and no lock error ever reaches a page."""

from __future__ import annotations

import subprocess
import sys

import streamlit as st

from tracker.config import REPO_ROOT
from tracker.ui import queries

WRITES = 30
WRITER = """
import sys, time
from tracker.runs import utcnow
from tracker.store import Store
db, writes = sys.argv[1], int(sys.argv[2])
print("start", flush=True)
for i in range(writes):
    with Store.open(db, lock_timeout=60) as store:
        with store.transaction():
            store.execute("INSERT INTO collection_runs (source, project_id, started_at, finished_at, status)"
                          " VALUES ('writer-test', NULL, ?, ?, 'ok')", [utcnow(), utcnow()])
            store.execute("UPDATE projects SET category = ? WHERE slug = 'gamma/new'", [f"round-{i}"])
    time.sleep(0.02)
print("done", flush=True)
"""


def writer_runs(store) -> int:
    return store.scalar("SELECT count(*) FROM collection_runs WHERE source = 'writer-test'")


def test_queries_keep_answering_while_a_second_process_writes(app_db, page):
    db = str(app_db)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, db, str(WRITES)], cwd=REPO_ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "start"
    seen: list[int] = []
    answers = 0
    pages = 0
    while writer.poll() is None:
        seen.append(queries.read(db, writer_runs))
        overview = queries.read(db, queries._overview)
        assert len(overview) == 3
        project = queries.read(db, queries._project, "acme/rocket")
        assert project["score"]["health"] == 72.0
        answers += 1
        if pages < 3:  # the real pages, uncached, during the writes: no exception, no lock error
            st.cache_data.clear()
            at = page("overview")
            assert not at.exception and len(at.dataframe[0].value) == 3
            pages += 1
    out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err
    assert out.strip().endswith("done")
    assert answers >= 2 and pages >= 1
    assert seen == sorted(seen)  # each read sees a committed state, never going back
    assert queries.read(db, writer_runs) == WRITES
    print(f"{answers} rounds of reads during {WRITES} writes; reads saw {sorted(set(seen))}")
