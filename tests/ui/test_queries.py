"""The app's query layer over the read model: read-only connections, a writer's lock, the last good
answer, the schema check; and escaping. What the read model answers is tested in
tests/tracker/test_readmodel.py."""

from __future__ import annotations

import subprocess
import sys
import threading

import duckdb
import pytest

from tracker.config import REPO_ROOT
from tracker.store import SchemaMismatch, Store
from tracker.ui import queries, render

HOLD_LOCK = """
import sys
from tracker.store import Store
store = Store.open(sys.argv[1])
print("locked", flush=True)
sys.stdin.readline()
store.close()
"""


def hold_lock(db) -> subprocess.Popen:
    """Another process holding the database's write lock until a line arrives on its stdin."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(db)],
                            cwd=REPO_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def count_projects(store: Store) -> int:
    return store.scalar("SELECT count(*) FROM projects")


def test_reader_waits_out_a_short_write_lock(store, db_path, monkeypatch):
    """A read that meets the writer's lock waits (it says so through open_reader's on_wait) and answers
    once the writer lets go: no clock involved, the writer releases only when the reader is waiting."""
    store.close()
    holder = hold_lock(db_path)
    waiting = threading.Event()
    real_open_reader = queries.open_reader

    def observed_open_reader(path, timeout, on_wait=None, **kw):
        return real_open_reader(path, timeout, on_wait=waiting.set, **kw)

    monkeypatch.setattr(queries, "open_reader", observed_open_reader)
    answer: list[object] = []
    reader = threading.Thread(target=lambda: answer.append(queries.read(str(db_path), count_projects, timeout=120)))
    reader.start()
    try:
        assert waiting.wait(60), "the read never met the writer's lock"
        assert answer == []  # still waiting: the writer has the database
    finally:
        holder.stdin.write("release\n")
        holder.stdin.flush()
        assert holder.wait(30) == 0
    reader.join(60)
    assert not reader.is_alive() and answer == [0]


def test_a_long_lock_serves_the_last_good_answer_or_says_busy(store, db_path):
    store.close()
    db = str(db_path)

    def quick(db: str) -> int:
        return queries.read(db, count_projects, timeout=0.5)

    assert queries._served("test-count", quick, db) == 0
    holder = hold_lock(db_path)  # held until told: the reads below meet it whatever the load
    try:
        assert queries._served("test-count", quick, db) == 0  # the last good answer, no error
        with pytest.raises(queries.DatabaseBusy):
            queries._served("never-answered", quick, db)
    finally:
        holder.stdin.write("release\n")
        holder.stdin.flush()
        assert holder.wait(30) == 0
    assert queries._served("never-answered", quick, db) == 0


def test_missing_database_is_not_created_by_reading(tmp_path):
    with pytest.raises(queries.NoDatabase):
        queries.read(str(tmp_path / "none.duckdb"), count_projects)
    assert not (tmp_path / "none.duckdb").exists()


def test_reads_go_through_the_read_model_on_a_read_only_connection(app_db):
    """The query layer hands the read model a read-only store, closed afterwards."""
    seen = []

    def probe(store):
        seen.append(store)
        return store.read_only

    assert queries.read(str(app_db), probe) is True
    with pytest.raises(duckdb.ConnectionException):
        seen[0].scalar("SELECT 1")  # closed at once: no connection outlives a read


def test_a_database_older_than_the_app_is_refused_in_words(app_db, page):
    with Store.open(app_db) as store:
        store.execute("DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)")
    with pytest.raises(SchemaMismatch, match="older than this tracker's"):
        queries.read(str(app_db), count_projects)
    at = page("overview")
    assert not at.exception
    shown = at.error[0].value.replace("\\", "")  # Markdown-escaped on the page
    assert "older than this tracker's" in shown and "`tracker score`" in shown


# -- rendering untrusted text --------------------------------------------------------------------
@pytest.mark.parametrize("url, ok", [
    ("https://opencollective.com/x", True),
    ("http://example.org/a?b=c#d", True),
    ("javascript:alert(1)", False),
    ("JaVaScRiPt:alert(1)", False),
    ("data:text/html,<script>", False),
    ("https://", False),
    ("//evil.example/x", False),
    ("https://ex ample.org", False),
    ("https://example.org/\"onmouseover=x", False),
    ("ftp://example.org/file", False),
    (None, False),
    ("https://example.org/" + "a" * 5000, False),
])
def test_safe_url(url, ok):
    assert (render.safe_url(url) is not None) is ok


def test_md_escapes_markdown_html_and_directives():
    text = "<b>x</b> **y** [z](javascript:1) :red[w] $x$ line\nbreak\x00"
    out = render.md(text)
    for raw in ("<b>", "**", "](", ":red[", "$x$", "\n", "\x00"):
        assert raw not in out
    assert out.replace("\\", "") == "<b>x</b> **y** [z](javascript:1) :red[w] $x$ line break"


def test_link_only_for_http_urls():
    assert render.link("site", "https://example.org/a_b") == "[site](https://example.org/a_b)"
    assert render.link("x", "javascript:alert(1)") == "x (link not shown: not an http(s) URL)"
    assert render.link("x)](javascript:1)", "https://e.org/(a)") == "[x\\)\\]\\(javascript\\:1\\)](https://e.org/%28a%29)"


def test_unknown_formatting():
    assert render.fmt(None) == "unknown" and render.fmt(float("nan")) == "unknown"
    assert render.fmt(0) == "0" and render.fmt(0.0, "h") == "0.0 h"
    assert render.trend_arrow(None) == "? unknown" and render.trend_arrow(5.4) == "↑ +5"
    assert render.trend_arrow(-3) == "↓ -3" and render.trend_arrow(1) == "→ +1"
    assert render.trend_arrow(-0.4) == "→ 0" and render.trend_arrow(0.6) == "→ +1"
    assert render.risk_label(None) == "insufficient data" and render.risk_label("critical") == "critical"
    assert render.risk_label("unknown") == "insufficient data" and render.risk_label("bogus") == "insufficient data"
