"""The DuckDB store: one file, numbered migrations, transactions, idempotent upserts.

Every table keyed by a natural key; every collection written in one transaction, so a killed
process leaves the previous consistent state and a rerun redoes the work without duplicates.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from tracker.errors import StoreLockedError, TrackerError

_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_LOCK_HINTS = ("Could not set lock", "Conflicting lock", "lock on file")


def migrations() -> list[tuple[int, str, str]]:
    """All shipped migrations as (version, name, sql), in order."""
    found = []
    for entry in resources.files("tracker.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if len(versions) != len(set(versions)):
        raise RuntimeError(f"two migrations share a number: {versions}")
    return found


def _is_lock_error(exc: Exception) -> bool:
    return any(hint in str(exc) for hint in _LOCK_HINTS)


class Store:
    """A connection to the tracker database. Use `Store.open(...)` or `with Store.open(...) as s`."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, read_only: bool):
        self.con = con
        self.path = path
        self.read_only = read_only
        self._in_tx = False

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path, read_only: bool = False, lock_timeout: float = 0.0) -> Store:
        """Open (and for writers create and migrate) the database at `path`.

        A held lock is retried for `lock_timeout` seconds, then reported clearly.
        """
        path = Path(path)
        if str(path) != ":memory:":
            if read_only and not path.exists():
                raise TrackerError(f"no database at {path}: add a project first (tracker add OWNER/REPO)")
            path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + lock_timeout
        delay = 0.05
        while True:
            try:
                con = duckdb.connect(str(path), read_only=read_only)
                break
            except duckdb.Error as exc:
                if not _is_lock_error(exc):
                    raise TrackerError(f"cannot open database {path}: {exc}") from None
                if time.monotonic() >= deadline:
                    raise StoreLockedError(
                        f"database {path} is locked by another process (a running `tracker schedule`"
                        " or `tracker collect`?); try again when it has finished"
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
        store = cls(con, path, read_only)
        if not read_only:
            store.migrate()
        return store

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema ----------------------------------------------------------------------------
    def schema_version(self) -> int:
        exists = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
        ).fetchone()[0]
        if not exists:
            return 0
        return self.con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()[0]

    def migrate(self) -> list[int]:
        """Apply every migration newer than the database, each in its own transaction."""
        self.con.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
        )
        current = self.schema_version()
        applied = []
        for version, name, sql in migrations():
            if version <= current:
                continue
            with self.transaction():
                self.con.execute(sql)
                self.con.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, now()::TIMESTAMP)", [version, name]
                )
            applied.append(version)
        return applied

    # -- transactions and queries ---------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[Store]:
        """One atomic unit of work; nested use joins the outer transaction."""
        if self._in_tx:
            yield self
            return
        self.con.execute("BEGIN TRANSACTION")
        self._in_tx = True
        try:
            yield self
        except BaseException:
            self._in_tx = False
            self.con.execute("ROLLBACK")
            raise
        self._in_tx = False
        self.con.execute("COMMIT")

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None):
        return self.con.execute(sql, params) if params is not None else self.con.execute(sql)

    def one(self, sql: str, params: Sequence[Any] | None = None) -> tuple | None:
        return self.execute(sql, params).fetchone()

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        row = self.one(sql, params)
        return None if row is None else row[0]

    def all(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        return self.execute(sql, params).fetchall()

    def dicts(self, sql: str, params: Sequence[Any] | None = None) -> list[dict[str, Any]]:
        cur = self.execute(sql, params)
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]

    def upsert(
        self,
        table: str,
        rows: Sequence[dict[str, Any]],
        key: Sequence[str],
        update: Sequence[str] | None = None,
    ) -> int:
        """Insert `rows`; on a `key` conflict update the `update` columns (default: all non-key).

        Table and column names come from our code, never from input; values are parameters.
        """
        if not rows:
            return 0
        cols = list(rows[0].keys())
        for name in [table, *cols, *key]:
            if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
                raise ValueError(f"bad identifier {name!r}")
        update = [c for c in (update if update is not None else cols) if c not in key]
        placeholders = ", ".join("?" for _ in cols)
        conflict = ", ".join(key)
        if update:
            action = "DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in update)
        else:
            action = "DO NOTHING"
        sql = (
            f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({placeholders}) "
            f"ON CONFLICT ({conflict}) {action}"
        )
        with self.transaction():
            self.con.executemany(sql, [[row[c] for c in cols] for row in rows])
        return len(rows)


def open_reader(path: str | Path, attempts: int = 20) -> Store:
    """A short-lived read-only connection that waits out a writer's lock (used by the app)."""
    return Store.open(path, read_only=True, lock_timeout=max(0.0, attempts * 0.25))
