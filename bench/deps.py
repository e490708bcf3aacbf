"""Benchmark: `tracker deps`.

1. The report (issue 8): a 500-package uv.lock whose repositories are already scored. A throw-away
   database with 500 tracked, scored projects (two score rows each, so "latest row per project" is
   exercised), half of them mapped through the index cache (filled beforehand) and half through the
   registry's PyPI names; the whole command in-process (parse, read the cache, map, read scores,
   render), `--offline`, for every output format. Also parsing a 10,000-line requirements file.
   Target: under 3 s for the report.
2. Index lookups (issue 16): the real 85-package uv.lock (tests/deps/files/real) against the
   loopback PyPI fake (tests/fakes/pypi_server.py, documents built from real recorded answers)
   made to add 100 ms to every request: a cold run (empty index cache), a warm run (fresh cache:
   no request), a `--refresh` run (every copy revalidated: 304s), and the cold run one request at a
   time (concurrency 1) as the reference; the same for the real package-lock.json (124 npm
   packages) against the npm fake. Target: 84 uncached packages in under 5 s; no request when warm.

Nothing leaves the machine. Usage: python bench/deps.py [--runs 5] [--delay 0.1]
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

from tests.deps.index_fill import fill  # noqa: E402
from tests.fakes.loopback import serve  # noqa: E402
from tests.fakes.npm_server import NpmHandler, NpmState  # noqa: E402
from tests.fakes.pypi_server import PyPIHandler, PyPIState, package_doc, release_file  # noqa: E402
from tracker.cli import main  # noqa: E402
from tracker.deps.formats import parse_path  # noqa: E402
from tracker.deps.index import reduce_pypi  # noqa: E402
from tracker.deps.indexcache import IndexCache  # noqa: E402
from tracker.store import Store  # noqa: E402

REAL = Path(__file__).resolve().parent.parent / "tests" / "deps" / "files" / "real"

PACKAGES = 500
LEVELS = ("low", "medium", "high", "critical")
SCORES_DDL = """
CREATE TABLE IF NOT EXISTS scores (
    project_id INTEGER NOT NULL, computed_at TIMESTAMP NOT NULL, health DOUBLE, coverage DOUBLE NOT NULL,
    subscores JSON NOT NULL, risk_level VARCHAR NOT NULL, flags JSON NOT NULL, maturity VARCHAR,
    criticality DOUBLE, truck_factor INTEGER, funding_need DOUBLE, funding_need_reason VARCHAR,
    weights_version VARCHAR NOT NULL, metrics JSON NOT NULL, PRIMARY KEY (project_id, computed_at));
"""


def fill_cache(path: Path, packages: list[tuple[str, str]]) -> None:
    """Index cache entries (package -> repository) for the packages mapped through the index."""
    cache = IndexCache(path)
    for name, slug in packages:
        doc = package_doc(name, "1.0.0", {"Source": f"https://github.com/{slug}"},
                          {"1.0.0": [release_file("1.0.0", "2026-05-01T00:00:00Z")]})
        cache.put(f"pypi:{name}", "ok", reduce_pypi(name, doc).to_doc(), {}, 10 ** 9)
    cache.close()


def build_db(path: Path) -> None:
    now = datetime(2026, 6, 1)
    cached = []
    with Store.open(path) as store, store.transaction():
        store.execute(SCORES_DDL)
        projects, scores, releases = [], [], []
        for i in range(PACKAGES):
            slug = f"org{i % 40}/pkg-{i}"
            via_registry = i % 2 == 0
            projects.append([i + 1, slug, slug.lower(), slug.split("/")[0], f"pkg-{i}",
                             f"pkg-{i}" if via_registry else None, now])
            if not via_registry:
                cached.append((f"pkg-{i}", slug))
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
        store.con.executemany("INSERT INTO pypi_releases (package, version, uploaded_at, yanked, files)"
                              " VALUES (?, ?, ?, ?, ?)", releases)
        store.con.executemany("INSERT INTO scores (project_id, computed_at, health, coverage, subscores, risk_level, flags,"
        " maturity, criticality, truck_factor, funding_need, funding_need_reason, weights_version, metrics)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", scores)
    fill_cache(Path(os.environ["TRACKER_INDEX_CACHE"]), cached)


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


def report_bench(runs: int) -> None:
    os.environ["PYPI_URL"] = "http://127.0.0.1:9"   # closed port: nothing is asked (--offline anyway)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        os.environ["TRACKER_INDEX_CACHE"] = str(tmp_path / "index-cache.sqlite")
        db, lock = tmp_path / "bench.duckdb", tmp_path / "uv.lock"
        build_db(db)
        write_lock(lock)
        print(f"lock file: {PACKAGES} packages, {len(lock.read_text().splitlines())} lines; runs: {runs}")
        for fmt in ("table", "json", "csv", "markdown", "sarif"):
            times = []
            for _ in range(runs):
                elapsed, code, out, err = run(["--db", str(db), "-q", "deps", str(lock), "--offline", "--format", fmt])
                assert code == 0, err
                assert "warning" not in err, err
                times.append(elapsed)
            if fmt == "json":
                data = json.loads(out)
                assert len(data["dependencies"]) == PACKAGES
                assert data["summary"]["risk"]["unknown"] == 0, data["summary"]["risk"]
            print(f"tracker deps uv.lock --offline --format {fmt:8}  median {statistics.median(times):.3f} s"
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


def _lookup_runs(name: str, lock: Path, state, runs: int, tmp_path: Path) -> None:
    sequential = tmp_path / "sequential.toml"
    sequential.write_text("[cache]\nconcurrency = 1\n")
    rows: dict[str, list[tuple[float, int, int]]] = {"cold": [], "warm": [], "refresh": [], "cold, 1 at a time": []}
    for i in range(runs):
        for case, extra in (("cold", []), ("warm", []), ("refresh", ["--refresh"]),
                            ("cold, 1 at a time", ["--thresholds", str(sequential)])):
            if case.startswith("cold"):
                os.environ["TRACKER_INDEX_CACHE"] = str(tmp_path / f"cache-{name}-{i}-{len(case)}.sqlite")
            before, conditional = len(state.requests), sum("if-none-match" in h for h in state.headers)
            elapsed, code, out, err = run(["--db", str(tmp_path / "none.duckdb"), "deps", str(lock), "--format", "json"]
                                          + extra)
            assert code in (0, 3), err
            data = json.loads(out)
            assert all(r["risk"] for r in data["dependencies"]), "a package without a risk level"
            sent = len(state.requests) - before
            rows[case].append((elapsed, sent, sum("if-none-match" in h for h in state.headers) - conditional))
    count = len(json.loads(out)["dependencies"])
    for case, results in rows.items():
        times = [r[0] for r in results]
        print(f"{name}: {count} packages, {case:18} median {statistics.median(times):.2f} s  min {min(times):.2f} s"
              f"  max {max(times):.2f} s  requests {results[0][1]} (conditional {results[0][2]})")
    cold = statistics.median(r[0] for r in rows["cold"])
    one = statistics.median(r[0] for r in rows["cold, 1 at a time"])
    print(f"{name}: concurrent cold run {one / cold:.1f}x faster than one request at a time")


def lookup_bench(runs: int, delay: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        pypi, npm = PyPIState(delay=delay), NpmState(delay=delay)
        uv_lock, npm_lock = REAL / "uv.lock", REAL / "package-lock.json"
        fill([parse_path(uv_lock)], pypi)
        fill([parse_path(npm_lock)], npm_state=npm)
        with serve(PyPIHandler, pypi) as pypi_url, serve(NpmHandler, npm) as npm_url:
            os.environ["PYPI_URL"], os.environ["NPM_REGISTRY_URL"] = pypi_url, npm_url
            print(f"loopback indexes adding {delay * 1000:.0f} ms to every request; runs: {runs}")
            _lookup_runs("uv.lock (PyPI)", uv_lock, pypi, runs, tmp_path)
            _lookup_runs("package-lock.json (npm)", npm_lock, npm, runs, tmp_path)


def main_bench() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--delay", type=float, default=0.1, help="seconds the loopback indexes add per request")
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores,"
          f" Python {platform.python_version()}")
    report_bench(args.runs)
    lookup_bench(args.runs, args.delay)
    return 0


if __name__ == "__main__":
    raise SystemExit(main_bench())
