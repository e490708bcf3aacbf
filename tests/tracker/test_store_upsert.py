"""`Store.upsert` writes many rows in a few statements and leaves exactly what inserting them one
at a time (DuckDB's executemany, one statement per row) leaves: the same rows, the same values for
keys met twice in one call, in both conflict modes, across its statement size."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import duckdb
import pytest

from tracker import store as store_mod
from tracker.store import Store

TABLE = ("CREATE TABLE t (project_id INTEGER, number INTEGER, title VARCHAR, state VARCHAR, seen_at TIMESTAMP,"
         " labels VARCHAR[], PRIMARY KEY (project_id, number))")
COLUMNS = "project_id, number, title, state, seen_at, labels"


def one_at_a_time(rows, key, update):
    """The reference: the statement upsert used to run, once per row (executemany)."""
    con = duckdb.connect()
    con.execute(TABLE)
    con.execute("INSERT INTO t VALUES (1, 0, 'there before', 'open', '2020-01-01', ['old'])")
    cols = list(rows[0])
    upd = [c for c in (update if update is not None else cols) if c not in key]
    action = ("DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in upd)) if upd else "DO NOTHING"
    con.executemany(f"INSERT INTO t ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})"
                    f" ON CONFLICT ({', '.join(key)}) {action}", [[r[c] for c in cols] for r in rows])
    return con.execute(f"SELECT {COLUMNS} FROM t ORDER BY project_id, number").fetchall()


def upserted(tmp_path, rows, key, update):
    with Store.open(tmp_path / "t.duckdb") as store:
        store.execute(TABLE)
        store.execute("INSERT INTO t VALUES (1, 0, 'there before', 'open', '2020-01-01', ['old'])")
        assert store.upsert("t", rows, key=key, update=update) == len(rows)
        return store.all(f"SELECT {COLUMNS} FROM t ORDER BY project_id, number")


def random_rows(n: int, seed: int) -> list[dict]:
    rnd = random.Random(seed)
    start = datetime(2024, 1, 1)
    return [dict(project_id=rnd.choice([1, 2]), number=rnd.randrange(n // 3 + 1), title=f"t{i}",
                 state=rnd.choice(["open", "closed", None]), seen_at=start + timedelta(hours=i),
                 labels=rnd.choice([[], ["bug"], ["bug", f"l{i}"], None])) for i in range(n)]


@pytest.mark.parametrize("update", [None, ["state"], []], ids=["all columns", "one column", "do nothing"])
@pytest.mark.parametrize("n", [1, 7, store_mod.UPSERT_ROWS + 37])
def test_upsert_leaves_what_one_row_at_a_time_leaves(tmp_path, n, update):
    """Keys repeat within the call (a third as many keys as rows) and one is already stored: the
    later rows update the columns they may update, DO NOTHING keeps the first; over UPSERT_ROWS
    rows the call takes more than one statement."""
    rows = random_rows(n, seed=n)
    rows[0].update(project_id=1, number=0)            # conflicts with the stored row
    key = ["project_id", "number"]
    assert upserted(tmp_path, rows, key, update) == one_at_a_time(rows, key, update)


def test_a_key_met_twice_keeps_its_first_insert_and_its_last_update(tmp_path):
    rows = [dict(project_id=5, number=1, title="first", state="open"),
            dict(project_id=5, number=1, title="second", state="closed"),
            dict(project_id=5, number=1, title="third", state="merged")]
    with Store.open(tmp_path / "t.duckdb") as store:
        store.execute(TABLE)
        store.upsert("t", rows, key=["project_id", "number"], update=["state"])
        assert store.all("SELECT title, state FROM t") == [("first", "merged")]   # state from the last row
        store.upsert("t", rows, key=["project_id", "number"], update=[])
        assert store.all("SELECT title, state FROM t") == [("first", "merged")]   # DO NOTHING: kept


def test_rows_whose_unique_key_holds_null_never_conflict(tmp_path):
    """A NULL in a UNIQUE key matches nothing in SQL: such rows are all inserted, not merged."""
    with Store.open(tmp_path / "t.duckdb") as store:
        store.execute("CREATE TABLE u (k VARCHAR, j INTEGER, v INTEGER, UNIQUE (k, j))")
        rows = [dict(k=None, j=1, v=1), dict(k=None, j=1, v=2), dict(k="a", j=1, v=3), dict(k="a", j=1, v=4)]
        store.upsert("u", rows, key=["k", "j"])
        assert store.all("SELECT k, j, v FROM u ORDER BY v") == [(None, 1, 1), (None, 1, 2), ("a", 1, 4)]


def test_a_refused_row_writes_nothing_of_the_call(tmp_path):
    """All or nothing: a value the table refuses in the last statement undoes the first ones."""
    n = store_mod.UPSERT_ROWS + 1
    rows = [dict(project_id=1, number=i, title="x") for i in range(n)]
    rows[-1]["number"] = "not a number"
    with Store.open(tmp_path / "t.duckdb") as store:
        store.execute(TABLE)
        with pytest.raises(duckdb.ConversionException):
            store.upsert("t", rows, key=["project_id", "number"])
        assert store.scalar("SELECT count(*) FROM t") == 0


def test_names_are_checked_and_values_are_only_parameters(tmp_path):
    with Store.open(tmp_path / "t.duckdb") as store:
        store.execute(TABLE)
        with pytest.raises(ValueError, match="bad identifier"):
            store.upsert("t", [{"title; DROP TABLE t": 1}], key=["project_id"])
        hostile = "x'); DROP TABLE t; --"
        store.upsert("t", [dict(project_id=1, number=1, title=hostile)], key=["project_id", "number"])
        assert store.all("SELECT title FROM t") == [(hostile,)]
