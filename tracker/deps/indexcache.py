"""The package-index cache: what PyPI and the npm registry answered, kept in a SQLite file of its own
beside the database (`data/index-cache.sqlite`, or TRACKER_INDEX_CACHE), never inside it.

Why a separate file: it is an HTTP cache, not collected data. `tracker deps` then needs no write
access to the database (it runs beside `tracker schedule`, which holds the writer lock), the app's
Dependencies page may fill it too (DESIGN.md: the app never writes collected data to the database),
and deleting it loses nothing but speed. SQLite lets several processes (the CLI, the app) read and
write it at once; DuckDB allows one writing process per file.

Each entry is one package document reduced to what the signals need (a few KB instead of the
index's tens of MB for the largest packages), with the validators (`ETag`, `Last-Modified`) and
freshness of the answer it came from:

* **fresh** until `stored_at + max(max-age - Age, min_ttl)`: answered from here with no request.
  `max-age` and `Age` are the server's (pypi.org sends `Cache-Control: max-age=900, public`,
  registry.npmjs.org `public, max-age=300`); `min_ttl` is ours (tracker/config/deps.toml);
  `no-store` keeps an answer out of the cache.
* **stale**: asked again with `If-None-Match` / `If-Modified-Since`; a 304 renews the entry and
  costs no body.
* an entry written by another reduction format (`FORMAT` changes) is not used at all.

Entries unused for `PRUNE_DAYS` are removed when the file is opened.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT = 1                     # bump when the reduced documents change shape
PRUNE_DAYS = 180
_MAX_AGE = re.compile(r"(?:^|,)\s*(s-maxage|max-age)\s*=\s*\"?(\d+)\"?", re.IGNORECASE)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    key           TEXT PRIMARY KEY,      -- 'pypi:requests', 'npm:@babel/core'
    format        INTEGER NOT NULL,
    status        TEXT NOT NULL,         -- ok | not_found
    doc           TEXT,                  -- the reduced document (JSON), NULL when not found
    etag          TEXT,
    last_modified TEXT,
    stored_at     REAL NOT NULL,         -- epoch seconds of the last answer (200, 304 or 404)
    fresh_until   REAL NOT NULL          -- epoch seconds
)
"""


@dataclass
class Entry:
    key: str
    status: str
    doc: dict[str, Any] | None
    etag: str | None
    last_modified: str | None
    stored_at: float
    fresh_until: float

    def fresh(self, now: float) -> bool:
        return now < self.fresh_until


def freshness(headers: dict[str, str], now: float, min_ttl: float) -> float | None:
    """Epoch seconds until which an answer with these headers may be reused without asking, or
    None when it must not be stored (`no-store`). RFC 9111: lifetime `max-age` less the `Age` the
    answer already had in the server's CDN; never less than our own `min_ttl`."""
    control = headers.get("cache-control", "")
    if "no-store" in control.lower():
        return None
    lifetime = 0.0
    match = _MAX_AGE.search(control)
    if match and "no-cache" not in control.lower():
        try:
            age = float(headers.get("age", "0") or 0)
        except ValueError:
            age = 0.0
        lifetime = max(0.0, float(match.group(2)) - age)
    return now + max(lifetime, float(min_ttl))


class IndexCache:
    """The cache file (or memory, when `path` is None or cannot be written). Thread-safe."""

    def __init__(self, path: str | os.PathLike[str] | None, clock=time.time):
        self.clock = clock
        self.path = Path(path) if path is not None else None
        self.problem: str | None = None     # why the file could not be used (memory instead)
        self._lock = threading.Lock()
        self._con = self._open()

    def _open(self) -> sqlite3.Connection:
        if self.path is not None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                con = sqlite3.connect(str(self.path), timeout=10, check_same_thread=False,
                                      isolation_level=None)
                con.execute("PRAGMA journal_mode=WAL")
                con.execute(_SCHEMA)
                con.execute("DELETE FROM entries WHERE stored_at < ? OR format <> ?",
                            [self.clock() - PRUNE_DAYS * 86400, FORMAT])
                return con
            except (OSError, sqlite3.Error) as exc:
                self.problem = (f"the index cache {self.path} cannot be used ({type(exc).__name__}: {exc});"
                                " answers are kept in memory for this run only")
        con = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        con.execute(_SCHEMA)
        return con

    def get(self, key: str) -> Entry | None:
        with self._lock:
            try:
                row = self._con.execute(
                    "SELECT key, status, doc, etag, last_modified, stored_at, fresh_until FROM entries"
                    " WHERE key = ? AND format = ?", [key, FORMAT]).fetchone()
            except sqlite3.Error:
                return None
        if row is None:
            return None
        try:
            doc = json.loads(row[2]) if row[2] is not None else None
        except ValueError:
            return None
        return Entry(row[0], row[1], doc, row[3], row[4], row[5], row[6])

    def put(self, key: str, status: str, doc: dict[str, Any] | None, headers: dict[str, str],
            min_ttl: float) -> Entry:
        """Store an answer (200 or 404); returns the entry (kept in memory only for `no-store`)."""
        now = self.clock()
        until = freshness(headers, now, min_ttl)
        entry = Entry(key, status, doc, headers.get("etag"), headers.get("last-modified"), now,
                      until if until is not None else now)
        if until is not None:
            self._write(entry)
        return entry

    def renew(self, entry: Entry, headers: dict[str, str], min_ttl: float) -> Entry:
        """A 304: the stored document still holds; its freshness starts again."""
        now = self.clock()
        until = freshness(headers, now, min_ttl)
        entry = Entry(entry.key, entry.status, entry.doc, headers.get("etag") or entry.etag,
                      headers.get("last-modified") or entry.last_modified, now,
                      until if until is not None else now)
        self._write(entry)
        return entry

    def _write(self, entry: Entry) -> None:
        doc = json.dumps(entry.doc, separators=(",", ":")) if entry.doc is not None else None
        with self._lock:
            try:
                self._con.execute(
                    "INSERT OR REPLACE INTO entries (key, format, status, doc, etag, last_modified, stored_at,"
                    " fresh_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [entry.key, FORMAT, entry.status, doc, entry.etag, entry.last_modified, entry.stored_at,
                     entry.fresh_until])
            except sqlite3.Error as exc:      # full disk, a read-only file: the run goes on without it
                self.problem = self.problem or f"the index cache could not be written ({exc})"

    def count(self) -> int:
        with self._lock:
            return int(self._con.execute("SELECT count(*) FROM entries").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._con.close()
