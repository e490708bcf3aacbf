"""Benchmark: `tracker score` end to end, as a whole process, on generated databases.

    python bench/score_e2e.py [--projects 1000 10000] [--rounds 3] [--seed 1] [--keep DIR]

For each size, writes a database with realistic data in every table the metrics read: git commits
with a spread of sizes (most projects small, a few large: log-normal, median 60 commits, capped at
20,000), the paths they touch, release tags, governance files, GitHub snapshots, issues and pull
requests with first responses, releases, top contributors with employers, Sponsors listings,
funding channels, Open Collective snapshots, PyPI packages and releases, and grants. Then it runs
`python -m tracker --db DB -q score --as-of 2026-11-01` as a child process on a fresh copy of the
database, `--rounds` times, and reports wall time (median and every run) and the child's peak
memory (max RSS from wait4). A last, instrumented run in a child process counts the SQL statements
the score issues (every `execute` of a DuckDB connection, and every parameter row of an
`executemany`, which DuckDB runs as one statement per row).

Targets (issue 19): under 5 s for 1,000 projects, under 30 s for 10,000, memory under 2 GB.
Results go in docs/performance.md ("Scoring end to end").
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NOW = datetime(2026, 11, 1)
AS_OF = "2026-11-01"
TARGETS = {1_000: 5.0, 10_000: 30.0}
MEMORY_TARGET_MB = 2048


def project_parameters(n: int, seed: int) -> list[dict]:
    """Per project: history size and shape, people, files, and which sources know it."""
    rng = random.Random(seed)
    rows = []
    for pid in range(1, n + 1):
        commits = min(20_000, max(1, int(rng.lognormvariate(math.log(60), 1.4))))
        age_days = rng.randint(60, 12 * 365)
        # Most projects are alive; a quarter went quiet some time ago.
        quiet_days = rng.randint(0, 30) if rng.random() < 0.75 else rng.randint(0, min(1500, age_days))
        quiet_days = min(quiet_days, age_days - 1)
        people = max(1, min(400, int(1 + math.sqrt(commits) * rng.uniform(0.3, 1.5))))
        files = max(1, min(3_000, int(3 + commits * rng.uniform(0.1, 0.6))))
        rows.append({
            "id": pid,
            "commits": commits,
            "first_at": NOW - timedelta(days=age_days),
            "last_at": NOW - timedelta(days=quiet_days, hours=rng.randint(0, 23)),
            "people": people,
            "files": files,
            "bot_share": rng.choice([0.0, 0.0, 0.0, 0.05, 0.2, 0.5]),
            "has_git": rng.random() < 0.95,
            "empty": rng.random() < 0.01,
            "has_github": rng.random() < 0.85,
            "token": rng.random() < 0.9,          # GraphQL data (first responses, companies) known
            "sponsors": rng.random() < 0.5,
            "channels": rng.choice([0, 0, 1, 1, 2, 3]),
            "oc": rng.random() < 0.1,
            "pypi": rng.random() < 0.5,
            "grants": rng.choice([0] * 18 + [1, 3]),
            "stars": int(rng.lognormvariate(math.log(200), 2.0)),
        })
    return rows


def generate(path: Path, n: int, seed: int) -> dict[str, int]:
    """Write the database with set-based SQL over the per-project parameters."""
    import pandas as pd

    from tracker.store import Store

    params = pd.DataFrame(project_parameters(n, seed))
    with Store.open(path) as store:
        con = store.con
        con.register("params_df", params)
        con.execute("CREATE TEMP TABLE p AS SELECT * FROM params_df")
        con.execute("BEGIN")
        con.execute(
            "INSERT INTO projects (id, slug, slug_key, owner, name, pypi_package, opencollective_slug, added_at)"
            " SELECT id, 'org' || (id % 211) || '/project-' || id, lower('org' || (id % 211) || '/project-' || id),"
            " 'org' || (id % 211), 'project-' || id, CASE WHEN pypi THEN 'Project_' || id END,"
            " CASE WHEN oc THEN 'collective-' || id END, ? FROM p", [NOW - timedelta(days=400)])
        con.execute(
            "INSERT INTO git_repos SELECT id, 'bench', 'bench', 'main', CASE WHEN empty THEN NULL ELSE 'h' END,"
            " false, empty, CASE WHEN empty THEN 0 ELSE commits END, ?, NULL, 'detected' FROM p WHERE has_git", [NOW])
        # Commits: spread over the project's life, authors skewed (a few people do most of the work),
        # some by bots, one in a few hundred with an implausible date.
        con.execute("""
            CREATE TEMP TABLE c AS
            SELECT id AS project_id, k, commits, files, people,
                   first_at + to_microseconds(((epoch_us(last_at) - epoch_us(first_at))
                       * (k + (hash(id, k, 'j') % 1000) / 1000.0) / commits)::BIGINT) AS ts,
                   (hash(id, k, 'b') % 1000) < bot_share * 1000 AS is_bot,
                   (hash(id, k, 's') % 400) = 0 AS suspect,
                   floor(people * pow((hash(id, k, 'a') % 1000000) / 1000000.0, 2.5))::INTEGER AS who
            FROM (SELECT *, unnest(range(commits)) AS k FROM p WHERE has_git AND NOT empty)
        """)
        con.execute("""
            INSERT INTO git_commits
            SELECT project_id, md5(project_id || '-' || k), '', k % 50 = 49,
                   CASE WHEN is_bot THEN 'dependabot[bot]' ELSE 'Dev ' || who || ' of ' || project_id END,
                   CASE WHEN is_bot THEN '49699333+dependabot[bot]@users.noreply.github.com'
                        WHEN who % 3 = 0 THEN 'dev' || who || '.' || project_id || '@gmail.com'
                        ELSE 'dev' || who || '@org' || ((project_id + who % 4) % 300) || '.example' END AS email,
                   CASE WHEN is_bot THEN 'dependabot[bot]@users.noreply.github.com'
                        WHEN who % 3 = 0 THEN 'dev' || who || '.' || project_id || '@gmail.com'
                        ELSE 'dev' || who || '@org' || ((project_id + who % 4) % 300) || '.example' END,
                   CASE WHEN suspect THEN TIMESTAMP '1980-01-01' ELSE ts END,
                   CASE WHEN suspect THEN TIMESTAMP '1980-01-01' ELSE ts END, is_bot, suspect
            FROM c
        """)
        # Paths: commit k adds file k while there are files to add; every commit also changes one
        # or two files added before it; one commit in sixty deletes one, one in eighty moves one.
        con.execute("""
            INSERT INTO git_commit_files (project_id, sha, change, path, old_path)
            SELECT project_id, md5(project_id || '-' || k), 'R', 'src/moved/f' || f || '.py', 'src/f' || f || '.py'
            FROM (SELECT *, (hash(project_id, k, 'r') % least(k, files))::INTEGER AS f FROM c
                  WHERE k % 80 = 79 AND k > 0)
        """)
        con.execute("""
            INSERT INTO git_commit_files (project_id, sha, change, path)
            SELECT project_id, md5(project_id || '-' || k), 'A',
                   CASE WHEN k % 17 = 16 THEN 'vendor/' ELSE 'src/' END || 'f' || k || '.py'
            FROM c WHERE k < files
            UNION ALL
            SELECT project_id, md5(project_id || '-' || k),
                   CASE WHEN k % 60 = 59 AND j = 0 THEN 'D' ELSE 'M' END,
                   CASE WHEN f % 17 = 16 THEN 'vendor/' ELSE 'src/' END || 'f' || f || '.py'
            FROM (SELECT *, (hash(project_id, k, j, 'f') % least(k, files))::INTEGER AS f
                  FROM (SELECT *, unnest(range((1 + hash(project_id, k, 'n') % 2)::BIGINT)) AS j
                        FROM c WHERE k > 0))
        """)
        con.execute("""
            INSERT INTO git_tags
            SELECT project_id, 'v1.' || k, md5(project_id || '-' || k), ts, true
            FROM c WHERE k % 25 = 24 AND NOT suspect
            UNION ALL
            SELECT project_id, 'v1.' || k || 'rc1', md5(project_id || '-' || k), ts, false
            FROM c WHERE k % 75 = 73 AND NOT suspect
        """)
        con.execute("""
            INSERT INTO repo_files (project_id, kind, path, size_bytes, collected_at)
            SELECT id, kind, kind || '.md', 100, ? FROM p,
                   (VALUES ('license'), ('security'), ('contributing'), ('codeowners'),
                           ('code_of_conduct'), ('governance')) v(kind)
            WHERE has_git AND NOT empty AND hash(id, kind) % 3 > 0
        """, [NOW])
        # GitHub: two snapshots, state, issues and pull requests of the last two years, releases
        # for the release tags, top contributors with employers, Sponsors listings, funding links.
        con.execute("""
            INSERT INTO github_repo_snapshots (project_id, collected_at, github_id, full_name, stars, forks,
                watchers, open_issues, open_prs, open_issues_and_prs, archived, disabled, is_fork, created_at,
                pushed_at, updated_at, default_branch, is_empty, security_policy, commits_365d,
                contributors_count)
            SELECT id, ? - to_days(d), id, 'org/project-' || id, stars, stars // 10, stars // 30,
                   CASE WHEN token THEN stars // 50 END, CASE WHEN token THEN stars // 200 END, stars // 40,
                   hash(id) % 50 = 0, false, false, first_at, last_at, last_at, 'main', false, token,
                   CASE WHEN token THEN commits // 4 END, people
            FROM p, (VALUES (1), (8)) v(d) WHERE has_github
        """, [NOW])
        con.execute("INSERT INTO github_state (project_id, github_id, status, collected_at)"
                    " SELECT id, id, 'ok', ? FROM p WHERE has_github", [NOW - timedelta(days=1)])
        con.execute("""
            INSERT INTO github_issues
            SELECT id, k + 1, CASE WHEN k % 3 = 0 THEN 'pr' ELSE 'issue' END,
                   CASE WHEN closed THEN 'closed' ELSE 'open' END, 'user' || (k % 40),
                   k % 20 = 19, 'NONE', created, coalesce(closed_at, created + to_hours(k % 100)),
                   closed_at, CASE WHEN closed AND k % 3 = 0 THEN closed_at END, (k * 7) % 12,
                   CASE WHEN token AND k % 5 < 3 THEN created + to_minutes((hash(id, k) % 20000)::BIGINT) END,
                   CASE WHEN token AND k % 5 < 3 THEN 'maintainer' END, token
            FROM (SELECT *, ?::TIMESTAMP - to_hours((hash(id, k, 'c') % 17520)::BIGINT) AS created,
                         k % 10 < 7 AS closed,
                         CASE WHEN k % 10 < 7 THEN ?::TIMESTAMP - to_hours((hash(id, k, 'c') % 17520)::BIGINT)
                              + to_hours((hash(id, k, 'x') % 2000)::BIGINT) END AS closed_at
                  FROM (SELECT *, unnest(range((commits // 3 + hash(id) % 20)::BIGINT)) AS k FROM p WHERE has_github))
        """, [NOW, NOW])
        con.execute("UPDATE github_issues SET closed_at = ?, updated_at = ? WHERE closed_at > ?",
                    [NOW - timedelta(hours=1), NOW - timedelta(hours=1), NOW])
        con.execute("""
            INSERT INTO github_releases
            SELECT t.project_id, row_number() OVER (), t.name, t.name, t.tagged_at, t.tagged_at, NOT t.is_release
            FROM git_tags t JOIN p ON p.id = t.project_id WHERE p.has_github
        """)
        con.execute("""
            INSERT INTO github_contributors
            SELECT id, r + 1, 'user' || r, CASE WHEN r = 5 THEN 'Bot' ELSE 'User' END, 1000 // (r + 1),
                   CASE WHEN token AND hash(id, r) % 5 < 2
                        THEN ['Acme Inc.', '@acme', 'Initech, LLC', 'Globex Corporation', 'Uni ' || (id % 7)]
                             [1 + (hash(id, r, 'c') % 5)::INTEGER] END,
                   CASE WHEN token THEN '[]' END, ?
            FROM (SELECT *, unnest(range(least(people, 30))) AS r FROM p WHERE has_github)
        """, [NOW])
        con.execute("""
            INSERT INTO github_sponsors (project_id, collected_at, owner_login, owner_type, has_sponsors_listing,
                sponsors_count, tiers)
            SELECT id, ?, 'org' || (id % 211), 'Organization', hash(id, 's') % 2 = 0,
                   CASE WHEN hash(id, 's') % 2 = 0 THEN (hash(id) % 120)::INTEGER ELSE 0 END, '[]'
            FROM p WHERE has_github AND token AND sponsors
        """, [NOW - timedelta(days=1)])
        # Funding channels as the funding collector leaves them (identity filled, migration 0010).
        con.execute("""
            INSERT INTO funding_channels (project_id, platform, account, url, source, ref, collected_at, identity)
            SELECT id, platform, account, url, source, coalesce(account, url), ?,
                   platform || ':' || coalesce(lower(account), regexp_replace(url, '^https://', ''))
            FROM (SELECT id, unnest(range(channels)) AS c FROM p),
                 LATERAL (SELECT
                    ['github', 'open_collective', 'custom'][c + 1] AS platform,
                    CASE WHEN c < 2 THEN 'acct' || id END AS account,
                    ['https://github.com/sponsors/acct', 'https://opencollective.com/acct',
                     'https://project-' || id || '.example/donate'][c + 1] AS url,
                    CASE WHEN c = 2 THEN 'funding_json' ELSE 'funding_yml' END AS source)
        """, [NOW])
        con.execute("""
            INSERT INTO opencollective_snapshots (project_id, slug, collected_at, status, name, currency,
                balance, yearly_budget, received_12m, spent_12m, contributors_count)
            SELECT id, 'collective-' || id, ? - to_days(d), CASE WHEN id % 9 = 0 THEN 'not_found' ELSE 'ok' END,
                   'Collective ' || id, CASE WHEN id % 2 = 0 THEN 'USD' ELSE 'EUR' END,
                   (hash(id, d) % 50000)::DOUBLE, (hash(id, d, 'y') % 200000)::DOUBLE,
                   (hash(id, d, 'r') % 150000)::DOUBLE, (hash(id, d, 's') % 100000)::DOUBLE, (hash(id) % 300)::INTEGER
            FROM p, (VALUES (2), (40)) v(d) WHERE oc
        """, [NOW])
        con.execute("""
            INSERT INTO pypi_packages (package, repo_slug, fetched_at, status, display_name)
            SELECT 'project-' || id, 'org' || (id % 211) || '/project-' || id, ?,
                   CASE WHEN id % 10 = 0 THEN 'not_found' ELSE 'ok' END, 'Project_' || id
            FROM p WHERE pypi
        """, [NOW])
        con.execute("""
            INSERT INTO pypi_releases
            SELECT 'project-' || id, '1.' || k || CASE WHEN k % 7 = 6 THEN 'rc1' ELSE '' END,
                   CASE WHEN k % 31 = 30 THEN NULL
                        ELSE first_at + to_microseconds(((epoch_us(last_at) - epoch_us(first_at)) * (k + 1)
                             / (commits // 20 + 2))::BIGINT) END,
                   k % 23 = 22, NULL, CASE WHEN k % 31 = 30 THEN 0 ELSE 2 END
            FROM (SELECT *, unnest(range(commits // 20 + 1)) AS k FROM p WHERE pypi)
        """)
        con.execute("""
            INSERT INTO grants (grant_key, funder, program, recipient_repo, recipient_repo_key, repo_uncertain,
                amount, currency, awarded_on, awarded_precision, period_months, kind, source_url, imported_at)
            SELECT 'g-' || id || '-' || g, ['Sovereign Tech Fund', 'NLnet', 'CZI'][1 + g % 3], 'programme',
                   'org' || (id % 211) || '/project-' || id, lower('org' || (id % 211) || '/project-' || id),
                   false, CASE WHEN g = 2 THEN NULL ELSE (50000 * (1 + hash(id, g) % 20))::DOUBLE END,
                   ['EUR', 'USD', 'EUR'][1 + g % 3],
                   (DATE '2026-10-01' - to_days((hash(id, g, 'd') % 2500)::INTEGER))::DATE, 'month',
                   CASE WHEN g = 1 THEN NULL ELSE 12 + (hash(id, g) % 24)::INTEGER END, 'grant',
                   'https://grants.example/' || id, ?
            FROM (SELECT id, unnest(range(grants)) AS g FROM p WHERE grants > 0)
        """, [NOW])
        con.execute("COMMIT")
        counts = {t: store.scalar(f"SELECT count(*) FROM {t}") for t in (
            "projects", "git_commits", "git_commit_files", "git_tags", "repo_files", "github_repo_snapshots",
            "github_issues", "github_releases", "github_contributors", "github_sponsors", "funding_channels",
            "opencollective_snapshots", "pypi_releases", "grants")}
        store.execute("CHECKPOINT")
    return counts


def timed_child(args: list[str]) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in MB, exit code) of one child process."""
    start = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    err = child.stderr.read().decode(errors="replace") if child.stderr else ""
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode not in (0, 1):
        raise SystemExit(f"tracker score failed ({child.returncode}): {err[-2000:]}")
    return wall, usage.ru_maxrss / 1024, child.returncode


COUNTER = r"""
import json, sys, duckdb
from tracker import store as store_mod
counts = {"execute": 0, "executemany_rows": 0, "executemany_calls": 0}

class Counting:
    def __init__(self, con):
        self._con = con
    def execute(self, sql, *a, **k):
        counts["execute"] += 1
        return self._con.execute(sql, *a, **k)
    def executemany(self, sql, rows, *a, **k):
        rows = list(rows)
        counts["executemany_calls"] += 1
        counts["executemany_rows"] += len(rows)
        return self._con.executemany(sql, rows, *a, **k)
    def __getattr__(self, name):
        return getattr(self._con, name)

_open = store_mod.Store.open.__func__
def counting_open(cls, *a, **k):
    s = _open(cls, *a, **k)
    s.con = Counting(s.con)
    return s
store_mod.Store.open = classmethod(counting_open)
from tracker import cli
code = cli.main(sys.argv[1:])
print(json.dumps(counts), file=sys.stderr)
sys.exit(code)
"""


def count_statements(db: Path) -> dict[str, int]:
    child = subprocess.run([sys.executable, "-c", COUNTER, "--db", str(db), "-q", "score", "--as-of", AS_OF],
                           cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return json.loads(child.stderr.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", metavar="DIR", help="keep (and reuse) the generated databases in DIR")
    parser.add_argument("--no-count", action="store_true", help="skip the instrumented statement-count run")
    args = parser.parse_args()
    import duckdb

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-score-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()},"
          f" {platform.platform()}; load average {os.getloadavg()[0]:.2f}")
    try:
        for n in args.projects:
            source = work / f"bench-{n}-{args.seed}.duckdb"
            if not source.exists():
                start = time.perf_counter()
                counts = generate(source, n, args.seed)
                print(f"\n{n:,} projects: generated in {time.perf_counter() - start:.1f} s,"
                      f" {source.stat().st_size / 1e6:.0f} MB:")
                print("  " + ", ".join(f"{t} {c:,}" for t, c in counts.items()))
            else:
                print(f"\n{n:,} projects: reusing {source}")
            run_db = work / f"run-{n}.duckdb"
            walls, peaks = [], []
            for _ in range(args.rounds):
                shutil.copyfile(source, run_db)
                wall, peak, code = timed_child(
                    [sys.executable, "-m", "tracker", "--db", str(run_db), "-q", "score", "--as-of", AS_OF])
                walls.append(wall)
                peaks.append(peak)
            target = TARGETS.get(n)
            print(f"  tracker score: median {statistics.median(walls):.2f} s (runs: "
                  f"{', '.join(f'{w:.2f}' for w in walls)}), peak memory {max(peaks):.0f} MB, exit {code}"
                  + (f"; target {target:.0f} s: {statistics.median(walls) / target:.2f}x of it" if target else ""))
            with duckdb.connect(str(run_db), read_only=True) as con:
                rows, projects = con.execute(
                    "SELECT count(*), count(DISTINCT project_id) FROM scores").fetchone()
            print(f"  scores written: {rows:,} rows for {projects:,} projects")
            if not args.no_count:
                shutil.copyfile(source, run_db)
                counts = count_statements(run_db)
                print(f"  SQL statements: {counts['execute']:,} execute + {counts['executemany_rows']:,} rows in"
                      f" {counts['executemany_calls']:,} executemany = "
                      f"{counts['execute'] + counts['executemany_rows']:,}"
                      f" ({(counts['execute'] + counts['executemany_rows']) / n:.2f} per project)")
            run_db.unlink(missing_ok=True)
            print(f"  load average after: {os.getloadavg()[0]:.2f}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
