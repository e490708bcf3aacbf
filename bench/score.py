"""Benchmark: score 10,000 projects of generated metrics (target: under 2 s on 2 cores).

Usage: python bench/score.py [--projects N] [--seed S] [--repeat R] [--write]

Times `score_metrics` over N generated metric dicts (every metric family present, about a fifth
of values unknown), R times, reporting the best run as timeit does (the machine is shared, so
the median and worst are printed too), then, with --write, the same rows serialised and
bulk-inserted (Arrow) into an in-memory DuckDB `scores` table in one transaction. Prints the
figures for docs/performance.md.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracker.score import to_row  # noqa: E402
from tracker.scoring import score_metrics  # noqa: E402
from tracker.scoring import weights as weights_mod  # noqa: E402
from tracker.store import Store  # noqa: E402

NOW = datetime(2026, 11, 1)
UNKNOWN_SHARE = 0.2


def generate(rng: random.Random) -> dict:
    """One project's metrics, shaped like `compute_all` plus the scoring extras."""

    def maybe(value):
        return None if rng.random() < UNKNOWN_SHARE else value

    age = rng.randint(30, 5000)
    last = rng.randint(0, min(age, 1500))
    commits_90 = 0 if last > 90 else int(rng.expovariate(1 / 40))
    people = rng.randint(1, 200)
    return {
        "commits_total": rng.randint(1, 100000),
        "commits_90d": commits_90,
        "human_commits_90d": commits_90,
        "commits_365d": commits_90 * 4,
        "human_commits_365d": commits_90 * 4,
        "contributors_total": people * 3,
        "active_contributors_365d": people,
        "active_contributors_prev_365d": rng.randint(0, 200),
        "first_commit_at": NOW - timedelta(days=age),
        "project_age_days": age,
        "last_human_commit_days": last,
        "days_since_last_commit": last,
        "human_active_weeks_52": rng.randint(0, 52),
        "weekly_commits": [{"week": "2026-01-05", "commits": rng.randint(0, 9)} for _ in range(52)],
        "contributor_absence_factor_365d": maybe(rng.randint(1, 12)),
        "elephant_factor_365d": maybe(rng.randint(1, 5)),
        "new_contributors_365d": rng.randint(0, 50),
        "leaving_contributors_365d": rng.randint(0, 50),
        "tags_total": rng.randint(0, 300),
        "tags_365d": rng.randint(0, 30),
        "days_since_last_tag": maybe(rng.randint(0, 2000)),
        "median_tag_interval_days": maybe(rng.uniform(1, 400)),
        "truck_factor": maybe(rng.randint(0, 10)),
        "criticality": maybe(rng.random()),
        "stars": maybe(rng.randint(0, 200000)),
        "archived": maybe(rng.random() < 0.03),
        "open_issues": maybe(rng.randint(0, 5000)),
        "median_time_to_first_response_hours_90d_issues": maybe(rng.uniform(0, 3000)),
        "median_time_to_first_response_hours_90d_prs": maybe(rng.uniform(0, 3000)),
        "change_request_closure_ratio_90d": maybe(rng.random()),
        "issue_closure_ratio_90d": maybe(rng.random()),
        "median_open_issue_age_days": maybe(rng.uniform(0, 1500)),
        "releases_365d": maybe(rng.randint(0, 40)),
        "days_since_last_release": maybe(rng.randint(0, 2000)),
        "median_release_interval_days": maybe(rng.uniform(1, 400)),
        "dependents_count": maybe(rng.randint(0, 10**6)),
        "sponsors_count": maybe(rng.randint(0, 300)),
        "funding_channels_count": maybe(rng.randint(0, 4)),
        "oc_received_12m_usd": maybe(rng.uniform(0, 300000)),
        "oc_balance_usd": maybe(rng.uniform(0, 50000)),
        "grants_total_usd_5y": maybe(rng.uniform(0, 2 * 10**6)),
        "grants_active": maybe(rng.random() < 0.3),
        "last_grant_at": maybe(NOW - timedelta(days=rng.randint(0, 2000))),
        "funding_per_active_maintainer_usd": maybe(rng.uniform(0, 100000)),
        "repo_files": maybe(
            rng.sample(
                ["license", "security", "contributing", "codeowners", "code_of_conduct", "governance"],
                rng.randint(0, 6),
            )
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs; the best is reported (as timeit)")
    parser.add_argument("--write", action="store_true", help="also serialise and insert the rows into DuckDB")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    projects = [generate(rng) for _ in range(args.projects)]
    weights = weights_mod.load(None)
    score_metrics(projects[0], weights, NOW)  # warm-up: compiles the scales once
    # The 10,000 generated inputs stay alive for the whole run (the score job holds a chunk at a time):
    # keep the garbage collector from re-walking them, so the figure is scoring's own cost.
    gc.collect()
    gc.freeze()

    walls, cpus = [], []
    for _ in range(args.repeat):
        start, cpu = time.perf_counter(), time.process_time()
        results = [score_metrics(m, weights, NOW) for m in projects]
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    scoring, scoring_cpu = min(walls), min(cpus)
    levels = {
        lvl: sum(r["risk_level"] == lvl for r in results) for lvl in ("low", "medium", "high", "critical")
    }
    print(
        f"scored {args.projects:,} projects in {scoring:.3f} s wall, {scoring_cpu:.3f} s CPU (best of"
        f" {args.repeat}; median wall {statistics.median(walls):.3f} s, worst {max(walls):.3f} s);"
        f" {scoring / args.projects * 1e6:.0f} us each; target 2 s: {2 / scoring:.1f}x headroom"
    )
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    print(f"risk levels: {levels}")

    if args.write:
        start = time.perf_counter()
        rows = [to_row(i + 1, NOW, r, m) for i, (r, m) in enumerate(zip(results, projects, strict=True))]
        store = Store.open(":memory:")
        store.con.register("batch", pa.Table.from_pylist(rows))
        with store.transaction():
            store.execute(f"INSERT INTO scores ({', '.join(rows[0])}) SELECT * FROM batch")
        written = time.perf_counter() - start
        print(
            f"serialised and inserted {store.scalar('SELECT count(*) FROM scores'):,} rows in {written:.3f} s"
        )
    print(
        f"machine: {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()},"
        f" {platform.platform()}"
    )


if __name__ == "__main__":
    main()
