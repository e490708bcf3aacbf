"""The DuckDB store: one file, numbered migrations, transactions, idempotent upserts.

Every table keyed by a natural key; every collection written in one transaction, so a killed
process leaves the previous consistent state and a rerun redoes the work without duplicates.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from tracker.errors import StoreLockedError, TrackerError

_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_LOCK_HINTS = ("Could not set lock", "Conflicting lock", "lock on file")
_SAME_PROCESS = "different configuration"  # DuckDB: this process has the file open in another mode
READER_TIMEOUT = 5.0  # seconds a reader waits for a writer's lock by default (the app)
# A writer's commit whose changes exceed this is checkpointed at the commit: DuckDB then writes the
# rows into the file once instead of into the WAL first and the file again at the next checkpoint
# (its default, 16 MB, sends a first collection of numpy's 41,819 commits through the WAL). Smaller
# commits (the scheduler's) still go to the WAL, checkpointed when it reaches this size.
CHECKPOINT_THRESHOLD = "4MB"


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


class DatabaseDamaged(TrackerError):
    """The database file is not a DuckDB database, or cannot be read to the end (cut short by a
    full disk or a bad copy, or damaged)."""


_DAMAGE_HINTS = ("not a valid DuckDB database", "Could not read enough bytes", "checksum", "corrupt",
                 "Corrupt", "INTERNAL Error", "Serialization Error", "truncated")
# IO errors are damage only with one of the hints above (a refused lock or permission is not)
_DAMAGE_TYPES = tuple(getattr(duckdb, name) for name in ("SerializationException", "InternalException",
                                                          "FatalException") if hasattr(duckdb, name))


def is_damage(exc: BaseException) -> bool:
    """True when a DuckDB error says the file itself is unreadable (not a lock, not a query bug)."""
    if not isinstance(exc, duckdb.Error) or _is_lock_error(exc):
        return False
    return isinstance(exc, _DAMAGE_TYPES) or any(hint in str(exc) for hint in _DAMAGE_HINTS)


def damaged(path: str | Path, exc: BaseException) -> DatabaseDamaged:
    """The one message for an unreadable database file (CLI and app), in words."""
    text = " ".join(str(exc).split())
    if "not a valid DuckDB database" in text:
        reason = "it is not a DuckDB database file"
    elif "Could not read enough bytes" in text:
        reason = "the file ends early: it was cut short, by a full disk or an interrupted copy"
    else:
        reason = "DuckDB cannot read it: " + re.sub(r"^[A-Za-z ]*Error: ", "", text)[:160]
    return DatabaseDamaged(
        f"the database {path} is damaged or is not a tracker database ({reason}). Restore it from a "
        "backup, or move it away and start again with `tracker add`; `tracker doctor` checks a "
        "database that opens")


class Store:
    """A connection to the tracker database. Use `Store.open(...)` or `with Store.open(...) as s`."""

    holds_file = True   # the file stays open (and no other process can write) until close()

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, read_only: bool):
        self.con = con
        self.path = path
        self.read_only = read_only
        self._in_tx = False

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path, read_only: bool = False, lock_timeout: float = 0.0,
             on_wait: Callable[[], None] | None = None) -> Store:
        """Open (and for writers create and migrate) the database at `path`.

        A held lock is retried for `lock_timeout` seconds (`on_wait` is called once when the wait
        starts), then reported clearly. A reader never creates a file or folder.
        """
        path = Path(path)
        if str(path) != ":memory:":
            if read_only and not path.exists():
                raise TrackerError(f"no database at {path}: add a project first (tracker add OWNER/REPO)")
            if not read_only:
                path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + lock_timeout
        delay = 0.05
        waiting = False
        while True:
            try:
                con = duckdb.connect(str(path), read_only=read_only)
                break
            except duckdb.Error as exc:
                if read_only and _SAME_PROCESS in str(exc):
                    # This process already has the file open read-write (a writer's store in the same
                    # process): DuckDB allows no read-only one beside it, so read through that instance.
                    con = duckdb.connect(str(path))
                    break
                if not _is_lock_error(exc):
                    if is_damage(exc):
                        raise damaged(path, exc) from None
                    raise TrackerError(f"cannot open database {path}: {exc}") from None
                if time.monotonic() >= deadline:
                    waited = f" and stayed locked for {lock_timeout:.0f}s" if lock_timeout >= 1 else ""
                    raise StoreLockedError(
                        f"database {path} is locked by another process (a running `tracker schedule`"
                        f" or `tracker collect`?){waited}; try again when it has finished"
                    ) from None
                if on_wait is not None and not waiting:
                    on_wait()
                waiting = True
                time.sleep(delay)
                # short polls: a writer that commits in short transactions (the scheduler) leaves
                # gaps of a fraction of a second, and a reader must land in one
                delay = min(delay * 2, 0.1)
        store = cls(con, path, read_only)
        if not read_only:
            try:
                con.execute(f"SET checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")
                store.migrate()
            except duckdb.Error as exc:
                store.close()
                if is_damage(exc):
                    raise damaged(path, exc) from None
                raise
        return store

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema ----------------------------------------------------------------------------
    def schema_version(self) -> int:
        return schema_version(self)

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
    def threads(self, n: int) -> Iterator[Store]:
        """DuckDB's threads set to `n` for a while, then back to what they were. A collection's
        writer makes small appends, for which a second thread costs more than it gives, while git
        and the worker processes want the cores (numpy's whole-process collection: about 0.04 s)."""
        before = int(self.con.execute("SELECT current_setting('threads')").fetchone()[0])
        self.con.execute(f"SET threads = {int(n)}")
        try:
            yield self
        finally:
            with contextlib.suppress(duckdb.Error):   # a store closed meanwhile keeps nothing to reset
                self.con.execute(f"SET threads = {before}")

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
        The result is what inserting the rows one at a time would leave, in one statement per
        UPSERT_ROWS rows (DuckDB's executemany runs one statement per row: 1-2 ms each).

        Table and column names come from our code, never from input; values are parameters.
        """
        if not rows:
            return 0
        cols = list(rows[0].keys())
        for name in [table, *cols, *key]:
            if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
                raise ValueError(f"bad identifier {name!r}")
        update = [c for c in (update if update is not None else cols) if c not in key]
        conflict = ", ".join(key)
        if update:
            action = "DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in update)
        else:
            action = "DO NOTHING"
        values = _one_per_key([[row[c] for c in cols] for row in rows], [cols.index(k) for k in key],
                              [cols.index(c) for c in update] if update else None)
        row_sql = "(" + ", ".join("?" for _ in cols) + ")"
        with self.transaction():
            for start in range(0, len(values), UPSERT_ROWS):
                part = values[start:start + UPSERT_ROWS]
                self.con.execute(
                    f"INSERT INTO {table} ({', '.join(cols)}) VALUES {', '.join([row_sql] * len(part))} "
                    f"ON CONFLICT ({conflict}) {action}", [v for row in part for v in row])
        return len(rows)


# Rows per INSERT statement of Store.upsert (its parameters: rows x columns).
UPSERT_ROWS = 500


def _one_per_key(values: list[list[Any]], key: list[int], update: list[int] | None) -> list[list[Any]]:
    """`values` with the rows that share a key merged as inserting them one at a time would: the
    first row, its `update` columns taken from the last (with `update` None, DO NOTHING: the first
    row alone). One INSERT ... ON CONFLICT must not meet the same key twice. A key holding a NULL
    conflicts with nothing, so those rows stay as they are."""
    first: dict[tuple, list[Any]] = {}
    merged: list[list[Any]] = []
    for row in values:
        k = tuple(row[i] for i in key)
        if any(v is None for v in k):
            merged.append(row)
            continue
        seen = first.get(k)
        if seen is None:
            first[k] = row = list(row)
            merged.append(row)
        elif update is not None:
            for i in update:
                seen[i] = row[i]
    return merged


class SchemaMismatch(TrackerError):
    """The database's schema is older or newer than this tracker's migrations."""


def latest_version() -> int:
    """The schema version this tracker's migrations bring a database to."""
    return migrations()[-1][0]


def schema_version(store: Store) -> int:
    """The database's schema version (0: no tracker schema at all), read without writing."""
    try:
        return store.scalar("SELECT coalesce(max(version), 0) FROM schema_migrations")
    except duckdb.CatalogException:
        return 0


def check_schema(store: Store) -> int:
    """The database's schema version, if it is the one this tracker reads; else a clear error.

    Readers rely on the schema the migrations guarantee and never guess at it, so a database
    made by an older tracker (not migrated yet) or a newer one is refused here, once.
    """
    version, latest = schema_version(store), latest_version()
    if version == latest:
        return version
    if version == 0:
        raise SchemaMismatch(f"{store.path} is not a tracker database (it has no schema version)")
    if version < latest:
        raise SchemaMismatch(
            f"the database {store.path} has schema version {version}, older than this tracker's ({latest}):"
            " run any command that writes (for example `tracker score`, `tracker collect` or"
            " `tracker schedule`) to migrate it, then try again")
    raise SchemaMismatch(
        f"the database {store.path} has schema version {version}, newer than this tracker knows ({latest}):"
        " it was written by a newer version; upgrade tracker to read it")


def open_reader(path: str | Path, timeout: float = READER_TIMEOUT,
                on_wait: Callable[[], None] | None = None, *, attempts: int | None = None) -> Store:
    """A read-only connection for a reader (the app, and commands that only read): takes no writer
    lock, creates nothing (a read-only file or folder is fine), waits up to `timeout` seconds while
    a writer holds DuckDB's lock (`on_wait` is called once if it has to), and checks the schema
    version once (SchemaMismatch when the database is older or newer than this tracker).
    `attempts` is the older way to say how long to wait (about a quarter second each)."""
    if attempts is not None:
        timeout = attempts * 0.25
    store = Store.open(path, read_only=True, lock_timeout=max(0.0, timeout), on_wait=on_wait)
    try:
        check_schema(store)
    except duckdb.Error as exc:
        store.close()
        if is_damage(exc):
            raise damaged(path, exc) from None
        raise
    except BaseException:
        store.close()
        raise
    return store
