"""Bulk grants import (issue 14): thousands of rows are written in bulk, still all-or-nothing with
the same row-level messages, and the stored rows are exactly what the row-by-row upsert stored.
The speed itself is measured by bench/grants_import.py (docs/performance.md), not asserted here."""

from __future__ import annotations

from datetime import date, datetime

from bench.grants_import import rows as bench_rows
from bench.grants_import import write_csv
from tracker import grants
from tracker.store import Store

NOW = datetime(2026, 1, 1)


def stored(db_path) -> list[tuple]:
    with Store.open(db_path, read_only=True) as store:
        return store.all("SELECT grant_key, funder, program, recipient_project, recipient_repo, recipient_repo_key,"
                         " repo_uncertain, amount, currency, awarded_on, awarded_precision, period_months, kind,"
                         " source_url, note, imported_from FROM grants ORDER BY grant_key")


def test_a_file_whose_last_row_is_bad_imports_nothing(cli, tmp_path, db_path):
    good = bench_rows(2000)
    assert cli("grants", "import", str(write_csv(tmp_path / "first.csv", good[:10]))).code == 0
    before = stored(db_path)
    bad = good[:-1] + [{**good[-1], "amount": "lots"}]
    result = cli("grants", "import", str(write_csv(tmp_path / "grants.csv", bad)))
    assert result.code == 2
    assert "1 invalid row(s), nothing imported" in result.err
    assert "row 2000 (owner499/repo-1999): amount 'lots' is not a number" in result.err
    assert stored(db_path) == before                       # the earlier import is untouched, nothing added


def test_bulk_import_counts_links_and_stores_every_field(cli, tmp_path, db_path):
    for i in range(5):
        assert cli("add", f"owner{i}/repo-{i}").code == 0
    data = bench_rows(3000)
    data.append(dict(data[1]))                            # an in-file duplicate: skipped, reported
    path = write_csv(tmp_path / "grants.csv", data)
    first = cli("grants", "import", str(path))
    assert first.code == 0, first.err
    assert "3000 grants read" in first.out and "3000 new, 0 updated, 0 unchanged" in first.out
    assert "1 duplicate rows skipped (rows 3001)" in first.out
    assert "4 grants in the registry are linked to tracked projects" in first.out  # owner0: uncertain
    rows = stored(db_path)
    assert len(rows) == 3000
    by_project = {r[3]: r for r in rows}
    one = by_project["Project 1"]                          # row 2 of the file, dated to the month
    assert one[1:] == ("Funder 1", "Programme 0", "Project 1", "owner1/repo-1", "owner1/repo-1", False, 1037.0,
                       "EUR", date(2011, 2, 1), "month", 2, "donation", "https://funder1.example.org/grants/1",
                       None, "grants.csv")
    zero = by_project["Project 0"]                         # uncertain repo, no amount, dated to the year
    assert zero[4:11] == ("owner0/repo-0", "owner0/repo-0", True, None, None, date(2010, 1, 1), "year")
    assert zero[14] == 'Row 0: "quoted", with commas, and a long-ish note to make the file realistic'

    again = cli("grants", "import", str(path))
    assert "0 new, 0 updated, 3000 unchanged" in again.out and stored(db_path) == rows
    changed = bench_rows(3000, bump=1)
    third = cli("grants", "import", str(write_csv(tmp_path / "changed.csv", changed)))
    amounts = sum(1 for r in changed if r["amount"])
    assert f"0 new, {amounts} updated, {3000 - amounts} unchanged" in third.out
    after = {r[3]: r for r in stored(db_path)}
    assert after["Project 1"][7] == 1038.0 and after["Project 1"][-1] == "changed.csv"
    assert len(after) == 3000


def test_import_file_function_is_all_or_nothing_inside_a_failing_transaction(store, tmp_path):
    """Even a failure while writing (after validation) leaves the registry as it was."""
    path = write_csv(tmp_path / "grants.csv", bench_rows(50))
    grants.import_file(store, path, NOW)
    before = store.all("SELECT * FROM grants ORDER BY id")
    store.execute("ALTER TABLE grants ADD COLUMN must_not_be_null VARCHAR DEFAULT 'x'")
    store.execute("ALTER TABLE grants ALTER COLUMN must_not_be_null SET NOT NULL")
    store.execute("ALTER TABLE grants ALTER COLUMN must_not_be_null DROP DEFAULT")
    try:
        grants.import_file(store, write_csv(tmp_path / "more.csv", bench_rows(60, bump=5)), NOW)
    except Exception:  # noqa: BLE001 - any failure: what matters is what is left
        pass
    else:
        raise AssertionError("the write should have failed")
    assert [r[:-1] for r in store.all("SELECT * FROM grants ORDER BY id")] == before
