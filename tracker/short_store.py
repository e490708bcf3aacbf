"""A writer's Store that holds the DuckDB file only while it uses it.

DuckDB lets one process write *or* many read, and a read-write connection blocks every other
process's read-only ones for as long as it is open. The scheduler runs for months and spends most
of its time idle or waiting on the network, so it must not keep a connection: this Store opens the
file for each statement or transaction and closes it right after, so the app's readers
(`tracker.store.open_reader`, which retries on a lock) only ever wait for one short write.

It is a drop-in `Store` for collectors: a statement outside a transaction runs on its own
connection and returns its rows already fetched; a transaction keeps one connection from BEGIN to
COMMIT; `held()` keeps one open across a block of many small queries (scoring).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb

from tracker.store import Store

_MIGRATED: set[str] = set()  # database files this process has already brought up to date


class Fetched:
    """The rows of a statement that already ran on a connection now closed."""

    def __init__(self, cursor: duckdb.DuckDBPyConnection):
        self.description = cursor.description
        try:
            self._rows = cursor.fetchall() if cursor.description else []
        except duckdb.Error:  # statements without a result set
            self._rows = []
        self._next = 0

    def fetchone(self) -> tuple | None:
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._rows[self._next - 1]

    def fetchmany(self, size: int = 1) -> list[tuple]:
        rows = self._rows[self._next:self._next + size]
        self._next += len(rows)
        return rows

    def fetchall(self) -> list[tuple]:
        rows = self._rows[self._next:]
        self._next = len(self._rows)
        return rows


class ShortStore(Store):
    """A read-write Store whose connection exists only while a statement or transaction runs."""

    holds_file = False   # other processes may write between two statements

    def __init__(self, path: str | Path, lock_timeout: float = 60.0):
        self.path = Path(path)
        self.read_only = False
        self.lock_timeout = lock_timeout
        self._in_tx = False
        self._con: duckdb.DuckDBPyConnection | None = None
        self.opened = 0  # connections opened so far (for tests and logs)

    # -- the connection --------------------------------------------------------------------
    @property
    def con(self) -> duckdb.DuckDBPyConnection:  # type: ignore[override]
        """The open connection, opened now if there is none (kept until `release`)."""
        if self._con is None:
            self._con = self._connect()
            self.opened += 1
        return self._con

    def _connect(self) -> duckdb.DuckDBPyConnection:
        # The first open migrates the schema; later ones connect straight away, and only go the
        # long way (Store.open retries while another process holds DuckDB's lock) when refused.
        key = str(self.path.resolve())
        if key in _MIGRATED:
            try:
                return duckdb.connect(key)
            except duckdb.Error:
                pass
        con = Store.open(self.path, lock_timeout=self.lock_timeout).con
        _MIGRATED.add(key)
        return con

    @con.setter
    def con(self, value: duckdb.DuckDBPyConnection | None) -> None:
        self._con = value

    @property
    def is_open(self) -> bool:
        return self._con is not None

    def release(self) -> None:
        """Close the connection unless a transaction is using it."""
        if self._con is not None and not self._in_tx:
            con, self._con = self._con, None
            con.close()

    def close(self) -> None:
        if self._in_tx and self._con is not None:
            with contextlib.suppress(duckdb.Error):
                self._con.execute("ROLLBACK")
            self._in_tx = False
        self.release()

    @contextlib.contextmanager
    def held(self) -> Iterator[ShortStore]:
        """Keep one connection open for the block (many small queries in a row)."""
        opened_here = self._con is None
        self.con  # noqa: B018 (opens it)
        try:
            yield self
        finally:
            if opened_here:
                self.release()

    # -- statements and transactions -------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[Store]:
        if self._in_tx:
            yield self
            return
        opened_here = self._con is None
        try:
            with super().transaction():
                yield self
        finally:
            if opened_here:
                self.release()

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None):
        if self._con is not None:
            return super().execute(sql, params)
        try:
            return Fetched(super().execute(sql, params))
        finally:
            self.release()
