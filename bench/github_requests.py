"""Requests the GitHub collector spends per project, counted at a loopback GitHub.

    python bench/github_requests.py [--projects 20] [--items 250] [--releases 30]

Runs the real collector (PyGithub + requests over HTTP) against tests/fakes/github_server.py with a
fake clock, for: a first collection, a refresh of unchanged projects, and a refresh after a little
activity. Prints a Markdown table of REST requests, GraphQL queries and GraphQL points per project,
next to the budget the issue sets (ceil(N/100) + ceil(M/100) + a small constant) and to the
published figures of OpenSSF Scorecard (~70 requests per repository) and criticality_score (~10).
"""

from __future__ import annotations

import argparse
import io
import math
import platform
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from collectors.http import Policy  # noqa: E402
from tests.fakes.github_server import FakeClock, FakeGitHub, FakeRepo, Item, Person, Release, make_items  # noqa: E402
from tracker import collect, registry, runs  # noqa: E402
from tracker.config import Config  # noqa: E402
from tracker.progress import Progress  # noqa: E402
from tracker.store import Store  # noqa: E402

TOKEN = "bench-token"


def _repo(i: int, items: int, releases: int, now) -> FakeRepo:
    return FakeRepo(
        "org", f"project{i:03d}", 1000 + i, stars=100 + i, commits_365d=300,
        items=make_items(items, now - timedelta(days=300), step=timedelta(days=290) / max(1, items)),
        releases=[Release(j, f"v{j}", now - timedelta(days=600 - j)) for j in range(1, releases + 1)],
        contributors=[{"login": f"dev{k}", "contributions": 100 - k} for k in range(40)],
        funding_links=[{"platform": "GITHUB", "url": "https://github.com/org"}],
        sponsors={"has_listing": True, "count": 3, "goal": None, "tiers": [{"name": "$5", "price": 5}]})


def _phase(fake: FakeGitHub, store: Store, cfg: Config, clock: FakeClock, n_projects: int) -> dict[str, float]:
    """One collection run of every project (its own HTTP session, on the fake clock)."""
    start = len(fake.log)
    outcomes = collect.collect(store, cfg, registry.all_projects(store), ["github"], Progress(io.StringIO()),
                               {"clock": clock, "sleep": clock.sleep, "policy": Policy(),
                                "github": {"window_days": 730}})
    bad = [o for o in outcomes if o.status != "ok"]
    if bad:
        raise SystemExit(f"collection failed: {bad[0]}")
    log = fake.log[start:]
    rest = [r for r in log if r.method == "GET"]
    gql = [r for r in log if r.method == "POST"]
    return {
        "rest": len(rest) / n_projects,
        "rest_charged": sum(1 for r in rest if r.status != 304) / n_projects,
        "graphql": len(gql) / n_projects,
        "total": len(log) / n_projects,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--projects", type=int, default=20)
    ap.add_argument("--items", type=int, default=250, help="issues + PRs per project (N)")
    ap.add_argument("--releases", type=int, default=30, help="releases per project (M)")
    args = ap.parse_args()
    now = runs.utcnow().replace(microsecond=0)
    clock = FakeClock(now)
    with tempfile.TemporaryDirectory() as tmp, FakeGitHub(clock, token=TOKEN) as fake:
        for i in range(args.projects):
            fake.add(_repo(i, args.items, args.releases, now))
        for k in range(40):
            fake.users[f"dev{k}"] = {"company": f"company{k % 7}", "orgs": []}
        cfg = Config(db_path=Path(tmp) / "bench.duckdb", github_api_url=fake.api_url, github_token=TOKEN)
        store = Store.open(cfg.db_path)
        for i in range(args.projects):
            registry.add(store, f"org/project{i:03d}")
        first = _phase(fake, store, cfg, clock, args.projects)
        clock.sleep(3600)
        unchanged = _phase(fake, store, cfg, clock, args.projects)
        clock.sleep(3600)
        later = clock.datetime()
        for repo in fake.repos.values():
            repo.items.append(Item(len(repo.items) + 1, "issue", Person("newcomer"), later, later))
        active = _phase(fake, store, cfg, clock, args.projects)
        store.close()
    budget = math.ceil(args.items / 100) + math.ceil(args.releases / 100)
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}; "
          f"{args.projects} projects, N={args.items} issues/PRs and M={args.releases} releases each\n")
    print("| run | REST / project | of which charged (not 304) | GraphQL queries / project | "
          "all requests / project |")
    print("|---|---|---|---|---|")
    for name, f in (("first collection", first), ("refresh, unchanged", unchanged),
                    ("refresh, 1 new issue", active)):
        print(f"| {name} | {f['rest']:.2f} | {f['rest_charged']:.2f} | {f['graphql']:.2f} | {f['total']:.2f} |")
    print(f"\nissue budget for the first collection: ceil(N/100) + ceil(M/100) + constant = {budget} + c; "
          f"REST measured {first['rest']:.2f} (c = {first['rest'] - budget:.2f}); "
          f"GraphQL adds ceil(N/100) first-response queries, 1 contributors query and a share of one "
          f"batched query (20 repositories each).")
    print("reference: OpenSSF Scorecard ~70 requests per repository, criticality_score ~10.")


if __name__ == "__main__":
    main()
