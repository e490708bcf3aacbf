"""Benchmark: `tracker grants import` of a valid 20,000-row CSV into a fresh database.

Generates the CSV (every row valid: distinct funder/program/recipient/date keys, amounts in USD,
EUR and GBP, partial and full dates, http(s) and OWNER/REPO:path sources, notes with commas and
quotes), tracks 200 of its recipient repositories, then times the whole command in-process
(read, validate, upsert, link) three ways: into an empty registry, again with nothing changed,
and again with every amount changed (every row updated). Also measures an invalid file whose last
row is bad (nothing may be imported). Nothing leaves the machine.

Usage: python bench/grants_import.py [--rows 20000] [--runs 3]
Target (issue 14): under 5 s for 20,000 rows.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracker.cli import main  # noqa: E402
from tracker.grants import COLUMNS  # noqa: E402

CURRENCIES = ("USD", "EUR", "GBP")
KINDS = ("grant", "donation", "fellowship", "contract")


def rows(n: int, bump: int = 0) -> list[dict[str, str]]:
    """`n` valid grant rows; `bump` changes every amount (for the 'all updated' run)."""
    out = []
    for i in range(n):
        year, month, day = 2010 + i % 15, 1 + i % 12, 1 + i % 28
        date = (f"{year}" if i % 7 == 0 else f"{year}-{month:02d}" if i % 7 == 1
                else f"{year}-{month:02d}-{day:02d}")
        out.append({
            "funder": f"Funder {i % 97}",
            "program": f"Programme {i // 97}",
            "recipient_project": f"Project {i}",
            "recipient_repo": f"owner{i % 500}/repo-{i}" + ("?" if i % 50 == 0 else ""),
            "amount": str(1000 + (i * 37) % 250_000 + bump) if i % 11 else "",
            "currency": CURRENCIES[i % 3] if i % 11 else "",
            "awarded_on": date,
            "period_months": str(1 + i % 36) if i % 5 else "",
            "kind": KINDS[i % 4],
            "source_url": (f"https://funder{i % 97}.example.org/grants/{i}" if i % 3
                           else f"owner{i % 500}/repo-{i}:docs/funding.md"),
            "note": f'Row {i}: "quoted", with commas, and a long-ish note to make the file realistic' if i % 4 == 0
            else "",
        })
    return out


def write_csv(path: Path, data: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(data)
    return path


def run(*args: str) -> tuple[int, float, str, str]:
    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, time.perf_counter() - started, out.getvalue(), err.getvalue()


def main_(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    a = parser.parse_args(argv)
    figures: dict[str, list[float]] = {"new": [], "unchanged": [], "updated": [], "invalid last row": []}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = rows(a.rows)
        valid = write_csv(folder / "grants.csv", data)
        changed = write_csv(folder / "grants-changed.csv", rows(a.rows, bump=1))
        bad = data[:-1] + [{**data[-1], "amount": "lots"}]
        invalid = write_csv(folder / "grants-bad.csv", bad)
        print(f"{a.rows:,} rows, {valid.stat().st_size / 1e6:.1f} MB CSV")
        for i in range(a.runs):
            db = str(folder / f"bench-{i}.duckdb")
            for j in range(200):
                code, _, _, err = run("--db", db, "add", f"owner{j}/repo-{j}")
                assert code == 0, err
            code, seconds, out, err = run("--db", db, "grants", "import", str(invalid))
            assert code == 2 and "nothing imported" in err, (code, err[:300])
            figures["invalid last row"].append(seconds)
            for label, path in (("new", valid), ("unchanged", valid), ("updated", changed)):
                code, seconds, out, err = run("--db", db, "grants", "import", str(path))
                assert code == 0, err
                figures[label].append(seconds)
                print(f"run {i + 1} {label}: {seconds:.2f} s  ({out.strip()[:110]})")
            os.remove(db)
    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    for label, values in figures.items():
        print(f"{label:>16}: median {statistics.median(values):.2f} s (min {min(values):.2f}, "
              f"max {max(values):.2f}) over {len(values)} runs")
    worst = max(statistics.median(v) for v in figures.values())
    print(f"target: under 5 s -> {'met' if worst < 5 else 'NOT met'} (slowest median {worst:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main_())
