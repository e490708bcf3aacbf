"""Benchmark: `tracker deps` on a 500-package uv.lock whose repositories are already scored.

Builds a throw-away database with 500 tracked, scored projects (two score rows each, so "latest
row per project" is exercised), half of them mapped through the PyPI cache (`pypi_packages`, via
collectors.pypi.repo_for_package) and half through the registry's PyPI names, then times the
whole command in-process (parse, map, read scores, render) for every output format. Also times
parsing a 10,000-line requirements file. PyPI points at a closed loopback port, so nothing leaves
the machine (and a cache miss would show up as a warning, not as a hidden network wait).

Usage: python bench/deps.py [--runs 5]
Target (issue 8): under 3 s for the report.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracker.cli import main  # noqa: E402
from tracker.deps.formats import parse_path  # noqa: E402
from tracker.store import Store  # noqa: E402

PACKAGES = 500
LEVELS = ("low", "medium", "high", "critical")
SCORES_DDL = """
CREATE TABLE IF NOT EXISTS scores (
    project_id INTEGER NOT NULL, computed_at TIMESTAMP NOT NULL, health DOUBLE, coverage DOUBLE NOT NULL,
    subscores JSON NOT NULL, risk_level VARCHAR NOT NULL, flags JSON NOT NULL, maturity VARCHAR,
    criticality DOUBLE, truck_factor INTEGER, funding_need DOUBLE, funding_need_reason VARCHAR,
    weights_version VARCHAR NOT NULL, metrics JSON NOT NULL, PRIMARY KEY (project_id, computed_at));
"""


def build_db(path: Path) -> None:
    now = datetime(2026, 6, 1)
    with Store.open(path) as store, store.transaction():
        store.execute(SCORES_DDL)
        projects, scores, cache, releases = [], [], [], []
        for i in range(PACKAGES):
            slug = f"org{i % 40}/pkg-{i}"
            via_registry = i % 2 == 0
            projects.append([i + 1, slug, slug.lower(), slug.split("/")[0], f"pkg-{i}",
                             f"pkg-{i}" if via_registry else None, now])
            if not via_registry:
                cache.append([f"pkg-{i}", slug, now, "ok"])
            releases.append([f"pkg-{i}", f"1.{i}.0", now - timedelta(days=i), False, 2])
            subscores = {name: {"score": (i * 7 + k * 13) % 100, "reason": f"{name} reason", "inputs": {}}
                         for k, name in enumerate(("activity", "contributors", "responsiveness", "releases",
                                                   "funding", "hygiene"))}
            metrics = {"days_since_last_release": i % 400, "has_sponsors_listing": i % 5 == 0,
                       "sponsors_count": i % 17, "funding_channels_count": i % 3,
                       "oc_yearly_budget_usd": float(i * 100) if i % 7 == 0 else None,
                       **{f"metric_{k}": k * i for k in range(40)}}
            flags = [{"name": "single_maintainer", "evidence": "one person made 90% of commits"}] if i % 9 == 0 else []
            for age in (90, 1):
                scores.append([i + 1, now - timedelta(days=age), float((i * 37) % 100), 0.8, json.dumps(subscores),
                               LEVELS[i % 4], json.dumps(flags), None, (i % 100) / 100, 1 + i % 5, None, None,
                               "bench", json.dumps(metrics)])
        store.con.executemany("INSERT INTO projects (id, slug, slug_key, owner, name, pypi_package, added_at)"
                              " VALUES (?, ?, ?, ?, ?, ?, ?)", projects)
        store.con.executemany("INSERT INTO pypi_packages (package, repo_slug, fetched_at, status)"
                              " VALUES (?, ?, ?, ?)", cache)
        store.con.executemany("INSERT INTO pypi_releases (package, version, uploaded_at, yanked, files)"
                              " VALUES (?, ?, ?, ?, ?)", releases)
        store.con.executemany("INSERT INTO scores (project_id, computed_at, health, coverage, subscores, risk_level, flags,"
        " maturity, criticality, truck_factor, funding_need, funding_need_reason, weights_version, metrics)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", scores)


def write_lock(path: Path) -> None:
    """A uv.lock: the project, 500 locked packages, the first 60 direct, each with two edges."""
    out = ['version = 1', 'revision = 2', 'requires-python = ">=3.11"', "",
           "[[package]]", 'name = "bench-app"', 'version = "0.1.0"', 'source = { editable = "." }',
           "dependencies = ["] + [f'    {{ name = "pkg-{i}" }},' for i in range(60)] + ["]", ""]
    for i in range(PACKAGES):
        out += ["[[package]]", f'name = "pkg-{i}"', f'version = "1.{i}.0"',
                'source = { registry = "https://pypi.org/simple" }',
                f'dependencies = [{{ name = "pkg-{(i * 3 + 1) % PACKAGES}" }}, {{ name = "pkg-{(i * 7 + 2) % PACKAGES}" }}]',
                f'sdist = {{ url = "https://files.example/pkg-{i}-1.{i}.0.tar.gz", hash = "sha256:{i:064x}", size = {1000 + i} }}',
                ""]
    path.write_text("\n".join(out))


def run(args: list[str]) -> tuple[float, int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    return time.perf_counter() - start, code, out.getvalue(), err.getvalue()


def main_bench() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    os.environ["PYPI_URL"] = "http://127.0.0.1:9"   # closed port: a cache miss would fail fast and warn
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        db, lock = tmp_path / "bench.duckdb", tmp_path / "uv.lock"
        build_db(db)
        write_lock(lock)
        print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores,"
              f" Python {platform.python_version()}")
        print(f"lock file: {PACKAGES} packages, {len(lock.read_text().splitlines())} lines; runs: {runs}")
        for fmt in ("table", "json", "csv", "markdown"):
            times = []
            for _ in range(runs):
                elapsed, code, out, err = run(["--db", str(db), "deps", str(lock), "--format", fmt])
                assert code == 0, err
                assert "warning" not in err, err
                times.append(elapsed)
            if fmt == "json":
                data = json.loads(out)
                assert len(data["dependencies"]) == PACKAGES
                assert data["summary"]["risk"]["unknown"] == 0, data["summary"]["risk"]
            print(f"tracker deps uv.lock --format {fmt:8}  median {statistics.median(times):.3f} s"
                  f"  min {min(times):.3f} s  max {max(times):.3f} s")
        big = tmp_path / "requirements-big.txt"
        big.write_text("".join(f"package-{i}=={i % 7}.{i % 11}.0 ; python_version >= '3.8'"
                               f" --hash=sha256:{i:064x}\n" for i in range(10_000)))
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            result = parse_path(big)
            times.append(time.perf_counter() - start)
        assert len(result.dependencies) == 10_000
        print(f"parse 10,000-line requirements file     median {statistics.median(times):.3f} s"
              f"  min {min(times):.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main_bench())
