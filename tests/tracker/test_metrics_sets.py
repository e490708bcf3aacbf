"""Set-based metrics against a hand computation per project, on real git repositories.

Several repositories (people, a bot, an implausible date, a merge that landed after it was
written, release and non-release tags, vendored and deleted files) are collected by the real git
collector; the metrics of all of them, computed together in a few SQL statements, must equal what
plain Python makes of `git log` and `git for-each-ref` for each one alone, and must not depend on
which other projects share the set.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from collectors.git.repo import EARLIEST_PLAUSIBLE, is_release_tag
from tests.tracker.scoring_helpers import track
from tracker import catalogue as c
from tracker import metrics, registry
from tracker.identity import email_domain, is_bot, merge_people
from tracker.metrics import criticality
from tracker.metrics import git as git_metrics
from tracker.metrics.truck_factor import for_project
from tracker.scoring import truck_factor as tf
from tracker.scoring.criticality import criticality_score

NOW = datetime(2026, 11, 1, 12, 0)
BOT = ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com")
PEOPLE = [
    ("Ann", "ann@example.org"),
    ("Bob", "bob@corp.example.net"),
    ("Cy", "cy@uni.example.edu"),
    ("Dee", "dee@gmail.com"),
    ("Eve", "Eve@Corp.Example.net"),
]


def _busy(repo):
    """Three years of work by five people and a bot, with tags of every kind."""
    day = datetime(2023, 9, 1, 9)
    n = 0
    while day < NOW - timedelta(days=3):
        who = PEOPLE[(n * 7 + n // 5) % len(PEOPLE) if n % 4 else 0]
        files = {f"src/m{n % 9}.py": str(n)}
        if n % 11 == 0:
            files["vendor/lib.py"] = str(n)
        if n == 6:
            files["old.py"] = "x"
        if n == 50:  # a move: the file's history continues under its new name
            (repo.path / "lib").mkdir()
            repo.git("mv", "src/m3.py", "lib/m3.py")
            files = {"src/m4.py": str(n)}
        repo.commit(day.isoformat(), name=who[0], email=who[1], files=files,
                    delete=["old.py"] if n == 40 else None)
        if n % 6 == 3:
            repo.commit((day + timedelta(hours=5)).isoformat(), name=BOT[0], email=BOT[1],
                        files={"requirements.txt": str(n)})
        if n % 13 == 12:
            repo.tag(f"v1.{n}", when=(day + timedelta(days=1)).isoformat(), annotated=n % 2 == 0)
        if n == 30:
            repo.tag("v2.0rc1")
            repo.tag("nightly-1")
        day += timedelta(days=9 + n % 5, hours=n % 7)
        n += 1


def _quiet(repo):
    """One person, long ago, one release; then a fix written in 2024 that landed (committer
    date) a year later, and a commit with an implausible date."""
    repo.commit("2019-05-01T10:00:00", files={"a.py": "1", "b.py": "1"})
    repo.commit("2019-06-01T10:00:00", files={"a.py": "2"})
    repo.tag("1.0", when="2019-06-02", annotated=True)
    repo.commit("2024-01-10T10:00:00", name="Bob", email="bob@corp.example.net", files={"c.py": "1"},
                committer_when="2025-12-20T10:00:00", committer=("Ann", "ann@example.org"))
    repo.commit("1985-01-01T00:00:00", files={"d.py": "1"})


def _merged(repo):
    """A feature branch merged back, and commits after the as-of time (left out of windows)."""
    repo.commit("2026-03-01T08:00:00", files={"a.py": "1"})
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("2026-03-05T08:00:00", name="Cy", email="cy@uni.example.edu", files={"f.py": "1"})
    repo.git("checkout", "-q", "main")
    repo.commit("2026-03-06T08:00:00", files={"a.py": "2"})
    repo.merge("feature", "2026-03-07T08:00:00")
    repo.tag("v0.1.0")
    repo.commit("2026-11-20T08:00:00", name="Dee", email="dee@gmail.com", files={"late.py": "1"})


# Aliases: Ann's e-mail in capitals, Fay's two noreply spellings, Gus Gray under his lab and his
# private address (same name in capitals: merged by name; his private commits count for the lab).
IDENTITIES = [*PEOPLE, ("Ann A.", "ANN@example.org"), ("Fay", "12345+fay@users.noreply.github.com"),
              ("Fay", "fay@users.noreply.github.com"), ("Gus Gray", "gus@lab.example.com"), BOT,
              ("renovate[bot]", "bot@renovateapp.com"), ("GUS GRAY", "gus.gray@gmail.com")]
EDGES = [NOW - timedelta(days=d) for d in (90, 365, 730)] + [
    datetime(2025, 6, 15, 18, 30) - timedelta(days=d) for d in (90, 365, 730)]


def _random(repo, seed: int, commits: int = 400):
    """A seeded random history written with `git fast-import`: Zipf-like authors (bots, e-mail
    spellings of one person), times bunched around the windows' edges, author dates that differ
    from committer dates, files added, changed and deleted (vendored ones too), and tags of every
    kind, annotated or not."""
    import random

    rng = random.Random(seed)
    start = NOW - timedelta(days=3 * 365 + 200)
    times = sorted({int((start + timedelta(seconds=rng.randrange(int((NOW - start).total_seconds()) + 86400 * 20)))
                        .replace(tzinfo=UTC).timestamp()) for _ in range(commits - 40)}
                   | {int((edge + timedelta(seconds=rng.randint(-7200, 7200))).replace(tzinfo=UTC).timestamp())
                      for edge in EDGES for _ in range(6)})
    weights = [1 / (k + 1) for k in range(len(IDENTITIES))]
    alive: list[str] = []
    out = []
    for mark, ct in enumerate(times, 1):
        name, email = rng.choices(IDENTITIES, weights)[0]
        at = ct - rng.choice([0, 0, 0, 3600, 86400 * 40])
        if mark == 17:
            ct = at = int(datetime(1980, 1, 2, tzinfo=UTC).timestamp())  # implausible: counted in the total only
        ops = []
        for _ in range(rng.choice([1, 1, 2, 3])):
            roll = rng.random()
            if not alive or roll < 0.3:
                path = f"{rng.choice(['src', 'lib', 'vendor', 'docs'])}/f{mark}_{len(ops)}.py"
                alive.append(path)
                ops.append(f"M 100644 inline {path}\ndata 2\n{mark % 10}\n")
            elif roll < 0.93:
                path = rng.choice(alive)
                ops.append(f"M 100644 inline {path}\ndata {len(str(mark)) + 1}\n{mark}\n")
            else:
                path = alive.pop(rng.randrange(len(alive)))
                ops.append(f"D {path}\n")
        message = f"change {mark}\n"
        out.append(f"commit refs/heads/main\nmark :{mark}\nauthor {name} <{email}> {at} +0000\n"
                   f"committer {name} <{email}> {ct} +0000\ndata {len(message)}\n{message}"
                   + (f"from :{mark - 1}\n" if mark > 1 else "") + "".join(ops) + "\n")
        if rng.random() < 0.08:
            tag = rng.choice([f"v{mark}.0", f"{mark}.1", f"v{mark}.0rc1", f"nightly-{mark}", f"release/{mark}",
                              f"v{mark}.2"])
            if rng.random() < 0.5:
                when = ct + rng.choice([0, 3600, 86400 * 3])
                out.append(f"tag {tag}\nfrom :{mark}\ntagger Rel <rel@example.org> {when} +0000\ndata 4\ntag\n\n")
            else:
                out.append(f"reset refs/tags/{tag}\nfrom :{mark}\n\n")
    repo.git("fast-import", "--quiet", input="".join(out).encode())
    repo.git("reset", "-q", "--hard", "main")


@pytest.fixture
def projects(store, make_repo):
    builders = {"acme/busy": _busy, "acme/quiet": _quiet, "acme/merged": _merged,
                "acme/random1": lambda repo: _random(repo, 1), "acme/random2": lambda repo: _random(repo, 2)}
    out = {}
    for slug, build in builders.items():
        repo = make_repo(slug.split("/")[1])
        build(repo)
        out[slug] = (track(store, repo, slug), repo)
    empty = make_repo("empty")
    out["acme/empty"] = (track(store, empty, "acme/empty"), empty)
    out["acme/never"] = (registry.add(store, "acme/never")[0], None)  # git never collected
    return out


def _utc(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC).replace(tzinfo=None)


def _log(repo) -> list[dict]:
    """Every commit reachable from HEAD as git reports it (mailmapped author), with its changes."""
    out = repo.git("log", "-M", "--name-status", "--format=%x01%H%x00%aN%x00%aE%x00%ct", "HEAD")
    commits = []
    for block in out.split("\x01")[1:]:
        head, _, rest = block.partition("\n")
        sha, name, email, ct = head.split("\x00")
        changes = [tuple(line.split("\t")) for line in rest.splitlines() if "\t" in line]
        at = int(ct)
        commits.append({"sha": sha, "name": name, "email": email, "bot": is_bot(name, email),
                        "at": _utc(at), "suspect": at < EARLIEST_PLAUSIBLE or at > time.time() + 86400,
                        "changes": changes})
    people = merge_people([(x["name"], x["email"]) for x in commits])  # aliases over the whole history
    for x in commits:
        x["key"] = people[(x["name"], x["email"])]
    return commits


def _fewest(counts) -> int | None:
    total, running = sum(counts), 0
    for k, n in enumerate(sorted(counts, reverse=True), 1):
        running += n
        if running >= total / 2:
            return k
    return None


def _median_gap(times) -> float | None:
    times = sorted(times)
    gaps = [(b - a).total_seconds() / 86400 for a, b in zip(times, times[1:], strict=False)]
    return round(statistics.median(gaps), 2) if gaps else None


def by_hand(repo, now: datetime) -> dict:
    """The git metrics of one repository, from git's own output, in plain Python."""
    empty = repo.git("for-each-ref", "refs/heads") == ""
    log = [] if empty else _log(repo)
    if not log:
        return {c.COMMITS_TOTAL: 0, c.CONTRIBUTORS_TOTAL: 0, c.TAGS_TOTAL: 0, c.TRUCK_FACTOR: None,
                c.REPO_FILES: None}
    d90, d365, d730 = (now - timedelta(days=d) for d in (90, 365, 730))
    dated = [x for x in log if not x["suspect"] and x["at"] <= now]
    human = [x for x in dated if not x["bot"]]
    first = {}
    for x in human:
        first[x["key"]] = min(first.get(x["key"], x["at"]), x["at"])
    year = Counter(x["key"] for x in human if x["at"] > d365)
    # A commit's organisation: its e-mail's domain, else its author's most used domain (ties: a-z).
    used: dict[str, Counter] = {}
    for x in human:
        if email_domain(x["email"]):
            used.setdefault(x["key"], Counter())[email_domain(x["email"])] += 1
    home = {k: sorted(cnt.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] for k, cnt in used.items()}
    domains = Counter()
    for x in human:
        dom = email_domain(x["email"]) or home.get(x["key"])
        if x["at"] > d365 and dom:
            domains[dom] += 1
    prev = {x["key"] for x in human if d730 < x["at"] <= d365}
    monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    start = monday - timedelta(weeks=51)
    weeks = Counter((x["at"] - timedelta(days=x["at"].weekday())).date() for x in dated if x["at"] >= start)
    human_weeks = {(x["at"] - timedelta(days=x["at"].weekday())).date() for x in human if x["at"] >= start}
    tags = []
    for line in repo.git("for-each-ref", "refs/tags", "--format=%(refname:short) %(creatordate:unix)").splitlines():
        name, when = line.rsplit(" ", 1)
        if is_release_tag(name) and _utc(int(when)) <= now:
            tags.append(_utc(int(when)))
    last = max((x["at"] for x in dated), default=None)
    last_human = max((x["at"] for x in human), default=None)
    c365 = sum(x["at"] > d365 for x in dated)
    # renames (git's own -M) link a file to its old path; bots' changes say which files exist
    changes = [tf.Change(c[-1], x["key"], x["at"], c[0][0], c[1] if c[0][0] == "R" else None, x["bot"])
               for x in dated for c in x["changes"]]
    return {
        c.COMMITS_TOTAL: int(repo.git("rev-list", "--count", "HEAD")),
        c.COMMITS_90D: sum(x["at"] > d90 for x in dated),
        c.COMMITS_365D: c365,
        c.CONTRIBUTORS_TOTAL: len({x["key"] for x in human}),
        c.ACTIVE_CONTRIBUTORS_90D: len({x["key"] for x in human if x["at"] > d90}),
        c.ACTIVE_CONTRIBUTORS_365D: len(year),
        c.FIRST_COMMIT_AT: min((x["at"] for x in dated), default=None),
        c.LAST_COMMIT_AT: last,
        c.DAYS_SINCE_LAST_COMMIT: (now - last).days if last else None,
        c.WEEKLY_COMMITS: [{"week": (start + timedelta(weeks=i)).date().isoformat(),
                            "commits": weeks.get((start + timedelta(weeks=i)).date(), 0)} for i in range(52)],
        c.CONTRIBUTOR_ABSENCE_FACTOR_365D: _fewest(year.values()),
        c.ELEPHANT_FACTOR_365D: _fewest(domains.values()),
        c.NEW_CONTRIBUTORS_365D: sum(f > d365 for f in first.values()),
        c.BOT_COMMIT_SHARE_365D: round(sum(x["bot"] and x["at"] > d365 for x in dated) / c365, 4) if c365 else None,
        c.TAGS_TOTAL: len(tags),
        c.TAGS_365D: sum(t > d365 for t in tags),
        c.DAYS_SINCE_LAST_TAG: (now - max(tags)).days if tags else None,
        c.MEDIAN_TAG_INTERVAL_DAYS: _median_gap(tags),
        c.LAST_HUMAN_COMMIT_DAYS: (now - last_human).days if last_human else None,
        c.HUMAN_COMMITS_90D: sum(x["at"] > d90 for x in human),
        c.HUMAN_COMMITS_365D: sum(x["at"] > d365 for x in human),
        c.HUMAN_ACTIVE_WEEKS_52: len(human_weeks),
        c.ACTIVE_CONTRIBUTORS_PREV_365D: len(prev),
        c.LEAVING_CONTRIBUTORS_365D: len(prev - set(year)),
        c.PROJECT_AGE_DAYS: (now - min(x["at"] for x in dated)).days if dated else None,
        c.TRUCK_FACTOR: tf.from_changes(changes)[0],
        "truck_factor_removed": tf.from_changes(changes)[1],
    }


@pytest.mark.parametrize("now", [NOW, datetime(2025, 6, 15, 18, 30)])
def test_set_based_git_metrics_equal_a_hand_computation_per_project(store, projects, now):
    ids = [p.id for p, _ in projects.values()]
    values = metrics.compute(store, ids, now)
    for slug, (project, repo) in projects.items():
        got = values[project.id]
        if repo is None:
            assert all(got[n] is None for n in git_metrics.NAMES), slug  # never collected: unknown
            assert got[c.TRUCK_FACTOR] is None
            continue
        expected = by_hand(repo, now)
        removed = expected.pop("truck_factor_removed", [])
        assert {n: got[n] for n in expected} == expected, slug
        assert for_project(store, project.id, now) == (expected[c.TRUCK_FACTOR], removed), slug
    # the cases the histories were built for did happen
    busy = values[projects["acme/busy"][0].id]
    if now == NOW:
        assert busy[c.CONTRIBUTORS_TOTAL] == 5
        assert busy[c.BOT_COMMIT_SHARE_365D] > 0 and busy[c.TAGS_TOTAL] >= 5
        assert busy[c.ELEPHANT_FACTOR_365D] is not None and busy[c.TRUCK_FACTOR] >= 1
        quiet = values[projects["acme/quiet"][0].id]
        assert quiet[c.COMMITS_TOTAL] == 4 and quiet[c.FIRST_COMMIT_AT] == datetime(2019, 5, 1, 10)
        assert quiet[c.LAST_HUMAN_COMMIT_DAYS] == (NOW - datetime(2025, 12, 20, 10)).days
        empty = values[projects["acme/empty"][0].id]
        assert empty[c.COMMITS_TOTAL] == 0 and empty[c.REPO_FILES] is None and empty[c.TRUCK_FACTOR] is None
        assert store.scalar("SELECT count(*) FROM git_commit_files WHERE project_id = ? AND change = 'R'"
                            " AND old_path = 'src/m3.py' AND path = 'lib/m3.py'", [projects["acme/busy"][0].id]) == 1
        for slug in ("acme/random1", "acme/random2"):  # Gus Gray's two addresses are one person
            gus = store.all("SELECT DISTINCT author_email, author_key FROM git_commits WHERE project_id = ?"
                            " AND lower(author_name) = 'gus gray'", [projects[slug][0].id])
            assert len(gus) == 2 and len({key for _, key in gus}) == 1, (slug, gus)


def test_a_project_gets_the_same_metrics_whatever_set_it_is_computed_in(store, projects):
    ids = [p.id for p, _ in projects.values()]
    together = metrics.compute(store, ids, NOW)
    for pid in ids:
        assert metrics.compute_all(store, pid, NOW) == together[pid]
    some = metrics.compute(store, ids[1:3], NOW)
    assert list(some) == ids[1:3] and all(some[pid] == together[pid] for pid in some)
    assert metrics.compute(store, [], NOW) == {}
    assert list(together[ids[0]]) == metrics.metric_names()


def test_providers_answer_for_every_project_in_a_few_statements(store, projects):
    """The number of statements does not grow with the number of projects."""
    ids = [p.id for p, _ in projects.values()]
    counted = []
    real = store.execute

    def counting(sql, params=None):
        counted.append(sql)
        return real(sql, params)

    store.execute = counting
    try:
        metrics.compute(store, ids[:1], NOW)
        one = len(counted)
        counted.clear()
        metrics.compute(store, ids, NOW)
        many = len(counted)
    finally:
        del store.execute
    assert many == one <= 25, (one, many)


def test_metrics_compute_on_a_read_only_connection(db_path, make_repo):
    """The app reads with short-lived read-only connections: the set-based path writes nothing,
    not even a temporary table."""
    from tracker.store import Store, open_reader

    repo = make_repo()
    _merged(repo)
    with Store.open(db_path) as store:
        project = track(store, repo, "acme/merged")
        expected = metrics.compute_all(store, project.id, NOW)
    with open_reader(db_path) as reader:
        assert reader.read_only
        assert metrics.compute(reader, [project.id], NOW) == {project.id: expected}
    assert expected[c.COMMITS_TOTAL] == 5 and expected[c.TRUCK_FACTOR] == 2


# -- the same set-based path from hand-made rows (fast: no git history to build) --------------------
def _git_rows(store, slug: str, commits, data_at: datetime | None = None, tags=()) -> int:
    """Track `slug` with a collected repository holding `commits`: (name, e-mail, committed at,
    is_bot) each, the name as the person's identity; `tags` are release tags (name, tagged at)."""
    pid = registry.add(store, slug)[0].id
    store.execute("INSERT INTO git_repos (project_id, source, local_path, default_branch, head_sha, is_shallow,"
                  " is_empty, commits_stored, collected_at, data_at) VALUES (?, 'x', 'x', 'main', 'h', false,"
                  " false, ?, ?, ?)", [pid, len(commits), NOW, data_at])
    for n, (name, email, when, bot) in enumerate(commits):
        store.execute("INSERT INTO git_commits VALUES (?, ?, '', false, ?, ?, ?, ?, ?, ?, false)",
                      [pid, f"{pid}-{n}", name, email, name, when, when, bot])
    for name, when in tags:
        store.execute("INSERT INTO git_tags (project_id, name, sha, tagged_at, is_release) VALUES (?, ?, 'x', ?, true)",
                      [pid, name, when])
    return pid


def _github_rows(store, pid: int, collected_at: datetime, stars: int) -> None:
    store.execute("INSERT INTO github_repo_snapshots (project_id, collected_at, stars) VALUES (?, ?, ?)",
                  [pid, collected_at, stars])
    store.execute("INSERT INTO github_state (project_id, status, collected_at) VALUES (?, 'ok', ?)",
                  [pid, collected_at])


def test_stale_git_data_is_judged_as_of_its_own_date_and_the_rest_as_of_now(store):
    """With a grace of 7 days, git data older than that at `now` has its history and release rhythm
    computed as of its own date (each project's own), while a GitHub snapshot taken yesterday stays
    as of `now`; git data exactly 7 days old is still current (docs/methodology.md, "Stale data is
    not death")."""
    ann = ("Ann", "ann@example.org")
    stale_at = NOW - timedelta(days=400)
    week_at = NOW - timedelta(days=8)
    stale = _git_rows(store, "acme/mirror", [(*ann, stale_at - timedelta(days=100), False),
                                             (*ann, stale_at - timedelta(days=10), False)],
                      data_at=stale_at, tags=[("v1.0", stale_at - timedelta(days=20))])
    _github_rows(store, stale, NOW - timedelta(days=1), stars=7)
    week = _git_rows(store, "acme/week", [(*ann, week_at - timedelta(days=89), False)], data_at=week_at)
    edge = _git_rows(store, "acme/edge", [(*ann, NOW - timedelta(days=95), False)], data_at=NOW - timedelta(days=7))
    fresh = _git_rows(store, "acme/fresh", [(*ann, NOW - timedelta(days=30), False),
                                            (*ann, NOW - timedelta(days=200), False)], data_at=NOW - timedelta(days=2))
    ids = [stale, week, edge, fresh]

    got = metrics.compute(store, ids, NOW, git_grace_days=7)
    assert got[stale][c.GIT_DATA_AT] == stale_at
    assert (got[stale][c.COMMITS_90D], got[stale][c.COMMITS_365D], got[stale][c.DAYS_SINCE_LAST_COMMIT]) == (1, 2, 10)
    assert got[stale][c.DAYS_SINCE_ANY_RELEASE] == 20 and got[stale][c.RELEASES_3Y] == 1   # releases: as of then
    assert got[stale][c.STARS] == 7                                 # GitHub: as of now (taken yesterday)
    assert (got[week][c.COMMITS_90D], got[week][c.DAYS_SINCE_LAST_COMMIT]) == (1, 89)   # as of its own date
    assert (got[edge][c.COMMITS_90D], got[edge][c.DAYS_SINCE_LAST_COMMIT]) == (0, 95)   # 7 days: current
    assert (got[fresh][c.COMMITS_90D], got[fresh][c.COMMITS_365D], got[fresh][c.DAYS_SINCE_LAST_COMMIT]) == (1, 2, 30)
    assert metrics.compute_all(store, stale, NOW, git_grace_days=7) == got[stale]
    assert metrics.compute_all(store, week, NOW, 7)[c.COMMITS_90D] == 1

    # without a grace, every project is judged as of `now`
    plain = metrics.compute(store, ids, NOW)
    assert (plain[stale][c.COMMITS_90D], plain[stale][c.COMMITS_365D], plain[stale][c.DAYS_SINCE_LAST_COMMIT]) \
        == (0, 0, 410)
    assert plain[stale][c.DAYS_SINCE_ANY_RELEASE] == 420 and plain[stale][c.STARS] == 7
    assert plain[week][c.COMMITS_90D] == 0 and plain[fresh] == got[fresh] and plain[edge] == got[edge]
    assert metrics.compute_all(store, stale, NOW) == plain[stale]
    # every project stale: none is left to judge as of now
    only = metrics.compute(store, [stale, week], NOW, git_grace_days=7)
    assert only == {stale: got[stale], week: got[week]}


def test_criticality_counts_the_organisations_of_the_top_15_people_of_each_project(store):
    """org_count without GitHub: the organisation domains of the 15 people with the most human
    commits up to `now` (a person's organisation: the domain of most of their commits, so private
    addresses count for their employer); bots and commits after `now` are left out. A project whose
    people use only free-mail has 0 organisations (known), one never collected no criticality."""
    day = NOW - timedelta(days=300)
    commits = []
    for k in range(13):
        commits += [(f"Acme{k:02}", f"a{k}@acme.example", day + timedelta(days=k + 3 * i), False) for i in range(3)]
    commits += [("Ini", "ini@initech.example", day + timedelta(days=50 + i), False) for i in range(3)]
    commits += [("Gus", "gus@globex.example", day + timedelta(days=60), False)]
    commits += [("Gus", "gus.g@gmail.com", day + timedelta(days=61 + i), False) for i in range(2)]
    commits += [("Uma", "uma@umbrella.example", day + timedelta(days=20 + i), False) for i in range(2)]  # 16th
    commits += [("bot[bot]", "bot@bots.example", day + timedelta(days=80 + i), True) for i in range(10)]
    commits += [("Later", "x@later.example", NOW + timedelta(days=1), False)]           # after now
    commits += [("Last", "last@gmail.com", NOW - timedelta(days=30), False)]
    wide = _git_rows(store, "acme/wide", commits)
    solo = _git_rows(store, "acme/solo", [("Dee", "dee@gmail.com", NOW - timedelta(days=60 + 30 * i), False)
                                          for i in range(2)])
    never = registry.add(store, "acme/never")[0].id

    got = metrics.compute(store, [wide, solo, never], NOW)
    # wide: 300 days old (10 months), last commit 30 days ago (1 month), 17 people by `now`
    # (13 + Ini, Gus, Uma, Last), 58 commits in the year (bots' too) a week, no release tag.
    assert criticality_score({"created_since": 10, "updated_since": 1, "contributor_count": 17, "org_count": 3,
                              "commit_frequency": round(58 / 52, 1), "recent_releases_count": 0}) \
        == got[wide][c.CRITICALITY]
    assert criticality_score({"created_since": 3, "updated_since": 2, "contributor_count": 1, "org_count": 0,
                              "commit_frequency": round(2 / 52, 1), "recent_releases_count": 0}) \
        == got[solo][c.CRITICALITY]
    assert got[never][c.CRITICALITY] is None
    assert criticality.git_org_counts(store, [wide, solo, never], NOW) == {wide: 3, solo: 0}
    # as of a day when only Acme's people had committed, and as of one when Uma was in the top 15
    assert criticality.git_org_counts(store, [wide], day + timedelta(days=10)) == {wide: 1}
    assert criticality.git_org_counts(store, [wide], day + timedelta(days=40)) == {wide: 2}


def test_a_metric_two_providers_claim_is_named_in_the_error(monkeypatch):
    one, two = SimpleNamespace(NAMES=("stars", "forks")), SimpleNamespace(NAMES=("forks",))
    monkeypatch.setattr(metrics, "providers", lambda: [one, two])
    with pytest.raises(RuntimeError, match="metric 'forks' is defined twice"):
        metrics.metric_names()


def _file(store, pid: int, kind: str, path: str, content: str | None = None, source_repo: str | None = None):
    store.execute("INSERT INTO repo_files (project_id, kind, path, content, collected_at, source_repo)"
                  " VALUES (?, ?, ?, ?, ?, ?)", [pid, kind, path, content, NOW, source_repo])


def test_files_and_readme_notices_by_project_and_unknown_for_an_empty_repository(store):
    ann = ("Ann", "ann@example.org", NOW - timedelta(days=3), False)
    done = _git_rows(store, "acme/done", [ann])
    _file(store, done, "license", "LICENSE")
    _file(store, done, "readme", "README.md", "# Done\n\nThis project is no longer maintained. Use acme/next.\n")
    _file(store, done, "readme", "README.rst", "Done\n====\n\nA library.\n")
    _file(store, done, "security", ".github:SECURITY.md", "Report here.", source_repo="acme/.github")
    alive = _git_rows(store, "acme/alive", [ann])
    _file(store, alive, "readme", "README.md", "# Alive\n\nA library that is maintained.\n")
    bare = _git_rows(store, "acme/bare", [ann])                   # collected, no file found
    empty = registry.add(store, "acme/empty")[0].id
    store.execute("INSERT INTO git_repos (project_id, source, local_path, is_empty, collected_at)"
                  " VALUES (?, 'x', 'x', true, ?)", [empty, NOW])
    _file(store, empty, "security", ".github:SECURITY.md", "Report here.", source_repo="acme/.github")
    _file(store, empty, "readme", "README.md", "This project is no longer maintained.")

    got = metrics.compute(store, [empty, done, alive, bare], NOW)
    assert (got[done][c.REPO_FILES], got[done][c.ORG_DEFAULT_FILES]) == (["license", "security"], ["security"])
    assert got[done][c.DEPRECATION_NOTICE] == 2
    assert got[done][c.DEPRECATION_NOTICE_TEXT] == ["This project is no longer maintained."]
    assert (got[alive][c.REPO_FILES], got[alive][c.ORG_DEFAULT_FILES]) == ([], [])
    assert (got[alive][c.DEPRECATION_NOTICE], got[alive][c.DEPRECATION_NOTICE_TEXT]) == (0, [])
    assert (got[bare][c.REPO_FILES], got[bare][c.ORG_DEFAULT_FILES]) == ([], [])
    assert got[bare][c.DEPRECATION_NOTICE] is None and got[bare][c.DEPRECATION_NOTICE_TEXT] is None  # no README
    assert got[empty][c.COMMITS_TOTAL] == 0
    assert [got[empty][n] for n in (c.REPO_FILES, c.ORG_DEFAULT_FILES, c.DEPRECATION_NOTICE,
                                    c.DEPRECATION_NOTICE_TEXT)] == [None] * 4


@pytest.mark.parametrize("counts, fewest", [
    ([], None), ([0, 0], None),
    ([2, 2], 1),                 # exactly half is enough
    ([3, 2, 2], 2), ([1, 1, 1, 1], 2), ([1, 1, 1], 2), ([5, 1, 1, 1, 1, 1], 1), ([4, 1, 1, 1, 1, 1], 2),
])
def test_the_fewest_for_half_of_the_work(counts, fewest):
    assert git_metrics.fewest_for_share(counts) == fewest
    assert git_metrics.fewest_for_share(counts[::-1]) == fewest


def test_commits_count_for_an_organisation_and_free_mail_ones_for_their_authors(store):
    """(project, person, e-mail, commits in the window, commits up to now) -> commits in the window per
    organisation: Xi's organisation is a.example (4 commits there in all, 3 at b.example), so her
    free-mail commits count for it; Yu never used an organisation address: left out."""
    rows = [(1, "xi", "xi@a.example", 1, 2), (1, "xi", "Xi.Wu@A.example", 0, 2), (1, "xi", "xi@b.example", 2, 3),
            (1, "xi", "xi@gmail.com", 5, 9), (1, "yu", "yu@gmail.com", 7, 7), (1, "zo", "zo@c.example", 0, 4),
            (2, "xi", "xi@gmail.com", 1, 1), (2, "xi", "xi@c.example", 1, 1)]
    got = git_metrics.organisation_commits(rows)
    assert got == {1: {"a.example": 6, "b.example": 2}, 2: {"c.example": 2}}
    assert all(n > 0 for counter in got.values() for n in counter.values())


def test_pypi_and_release_rhythm_per_project_known_only_where_pypi_knows_the_package(store):
    """PyPI cadence from uploads (yanked releases, releases without files and uploads after `now` left
    out), for each project of a set: a package PyPI knows but that has no release is 0 (known), one
    PyPI does not know or no package at all is unknown; release rhythm (`releases_3y`) alike."""
    def package(name, status, releases=()):
        store.execute("INSERT INTO pypi_packages (package, fetched_at, status) VALUES (?, ?, ?)", [name, NOW, status])
        for version, days, yanked, files in releases:
            store.execute("INSERT INTO pypi_releases (package, version, uploaded_at, yanked, files)"
                          " VALUES (?, ?, ?, ?, ?)",
                          [name, version, None if days is None else NOW - timedelta(days=days), yanked, files])

    widgets = registry.add(store, "acme/widgets", pypi_package="Acme.Widgets")[0].id
    package("acme-widgets", "ok", [("1.0", 400, False, 1), ("1.1", 300, False, 2), ("1.2", 100.123, False, 1),
                                   ("1.3", 50, True, 1), ("1.4", None, False, 0), ("2.0", -5, False, 1)])
    fresh = registry.add(store, "acme/fresh", pypi_package="New_Pkg")[0].id
    package("new-pkg", "ok")
    gone = registry.add(store, "acme/gone", pypi_package="gone-pkg")[0].id
    package("gone-pkg", "not_found")
    one = registry.add(store, "acme/one", pypi_package="one")[0].id
    package("one", "ok", [("0.1", 10, False, 1)])
    none = registry.add(store, "acme/none")[0].id

    got = metrics.compute(store, [none, gone, widgets, fresh, one], NOW)
    pypi = (c.PYPI_RELEASES_365D, c.DAYS_SINCE_LAST_PYPI_RELEASE, c.MEDIAN_PYPI_RELEASE_INTERVAL_DAYS)
    rhythm = (c.RELEASES_3Y, c.DAYS_SINCE_ANY_RELEASE, c.DAYS_SINCE_FIRST_RELEASE)
    # widgets: 1.1 and 1.2 in the year, the last 100 days ago, gaps 100 and 199.877 days
    assert [got[widgets][n] for n in pypi] == [2, 100, 149.94]
    assert [got[widgets][n] for n in rhythm] == [3, 100, 400]
    assert [got[fresh][n] for n in pypi] == [0, None, None] and [got[fresh][n] for n in rhythm] == [0, None, None]
    assert [got[one][n] for n in pypi] == [1, 10, None] and [got[one][n] for n in rhythm] == [1, 10, 10]
    for unknown in (gone, none):
        assert [got[unknown][n] for n in (*pypi, *rhythm)] == [None] * 6


def test_one_projects_metrics_through_the_set_based_path(store):
    """`one_project` makes a provider's one-project `compute`: the provider's values for that project
    (with what earlier providers knew, or nothing), None for a project it has nothing for."""
    from tracker.metrics import funding
    from tracker.metrics.sets import one_project

    compute = one_project(funding.compute_many, funding.NAMES)   # built here, as the providers build theirs
    assert "tracker.metrics.funding.compute_many" in compute.__doc__
    paid = registry.add(store, "acme/paid")[0].id
    store.execute("INSERT INTO funding_history (project_id, year, income, currency, collected_at)"
                  " VALUES (?, ?, 900.0, 'USD', ?)", [paid, NOW.year, NOW])
    got = compute(store, paid, NOW, {c.ACTIVE_CONTRIBUTORS_365D: 3})
    assert list(got) == list(funding.NAMES)
    assert got[c.REPORTED_INCOME_USD] == 900.0 and got[c.FUNDING_PER_ACTIVE_MAINTAINER_USD] == 300.0
    assert compute(store, paid, NOW)[c.FUNDING_PER_ACTIVE_MAINTAINER_USD] is None     # nobody known to share it
    nothing = registry.add(store, "acme/nothing")[0].id
    assert compute(store, nothing, NOW, {c.ACTIVE_CONTRIBUTORS_365D: 3}) == dict.fromkeys(funding.NAMES)


def test_statement_parameters_are_bound_by_name_and_a_missing_one_is_named(store):
    from tracker.metrics.sets import query

    assert query(store, "SELECT $Big + $small_1, len($ids)", [3, 4], Big=1, small_1=2, unused=5) == [(3, 2)]
    with pytest.raises(ValueError, match=r"^no value for SQL parameter\(s\) a, b$"):
        query(store, "SELECT $b, $a, $ids", [1])


@pytest.mark.parametrize("values", [[], [4.0], [1.0, 2.0], [5.0, 1.0, 3.0], [1.0, 2.0, 4.0, 8.0], [2.5] * 5 + [9.0]])
def test_sql_median_sorted_lists_and_gaps_are_pythons(store, values):
    """The SQL pieces every provider builds its statements from, against Python's statistics.median
    and `timedelta.total_seconds() / 86400` (built here, at test time)."""
    from tracker.metrics.sets import gaps_in_days, median, sorted_list

    row = store.one(f"SELECT {median('l')}, l FROM (SELECT {sorted_list('v', 'v > 0')} AS l"
                    f" FROM (SELECT unnest($vs::DOUBLE[]) AS v))", {"vs": values})
    assert row == ((statistics.median(values), sorted(values)) if values else (None, None))
    start = datetime(2026, 1, 1)
    times = [start + timedelta(days=v, seconds=7) for v in values]
    gaps = [r[0] for r in store.all(f"SELECT {gaps_in_days('t')} FROM (SELECT 1 AS project_id, unnest($ts::TIMESTAMP[])"
                                    f" AS t) ORDER BY t", {"ts": times})]
    ordered = sorted(times)
    expected = [None] + [(b - a).total_seconds() / 86400 for a, b in zip(ordered, ordered[1:], strict=False)]
    assert gaps == (expected if values else [])
