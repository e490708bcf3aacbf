"""Sources as units: declarations (tables, needs, order), the framework's run of state -> fetch ->
save, idempotent and atomic saves, picklable states and batches, removal during collection.

Every source runs for real: a git repository made here, and loopback GitHub, Open Collective and
PyPI servers answering as the real APIs do.
"""

from __future__ import annotations

import io
import pickle
from datetime import timedelta

import pytest

from collectors import Batch, FetchContext, Source, SourceGraphError, order, sources
from tests.fakes.github_server import FakeClock, FakeGitHub, FakeRepo, Release, make_items
from tests.fakes.loopback import serve
from tests.fakes.opencollective_server import Collective, OCHandler, OCState
from tests.fakes.pypi_server import PyPIHandler, PyPIState, package_doc, release_file
from tracker import collect, config, registry, runs
from tracker.progress import Progress

TOKEN = "fake-token-FAKE0for0tests0only0Z9"
CORE_TABLES = {"collection_runs", "scores", "bundled_snapshot", "backtest_results"}  # per-project, no source


def _src(name: str, needs: tuple[str, ...] = (), tables: tuple[str, ...] = ()) -> Source:
    return Source(name, name, "collectors.git.source", tables=tables, needs=needs)


# -- declarations -------------------------------------------------------------------------------
def test_run_order_puts_needs_first():
    names = list(sources())
    assert names == ["git", "github", "funding", "opencollective", "pypi"]
    for s in sources().values():
        assert all(names.index(n) < names.index(s.name) for n in s.needs), s.name
    assert sources()["funding"].needs == ("git", "github")
    shuffled = [_src("c", ("b",)), _src("b", ("a",)), _src("a")]
    assert [s.name for s in order(shuffled)] == ["a", "b", "c"]


@pytest.mark.parametrize("declared, message", [
    ([_src("a", ("zzz",))], "needs zzz, which no collector provides"),
    ([_src("a", ("b",)), _src("b", ("a",))], "form a cycle: a, b"),
    ([_src("a", tables=("t",)), _src("b", tables=("t",))], "both claim table 't'"),
    ([_src("a"), _src("a")], "two collectors claim the source name 'a'"),
])
def test_contradicting_declarations_fail_at_start_up(declared, message):
    with pytest.raises(SourceGraphError, match=message):
        order(declared)


def test_every_per_project_table_is_owned_by_one_source(store):
    with_project = {r[0] for r in store.all(
        "SELECT DISTINCT c.table_name FROM information_schema.columns c JOIN information_schema.tables t"
        " USING (table_schema, table_name) WHERE c.column_name = 'project_id' AND t.table_type = 'BASE TABLE'")}
    owned = [t for s in sources().values() for t in s.tables]
    assert len(owned) == len(set(owned))
    assert with_project - CORE_TABLES <= set(owned), with_project - CORE_TABLES - set(owned)


# -- a world with every source ------------------------------------------------------------------
@pytest.fixture
def world(store, db_path, make_repo, monkeypatch):
    """One project that every source serves, and the options that put the run on a fake clock."""
    now = runs.utcnow().replace(microsecond=0)
    clock = FakeClock(now)
    repo = make_repo("widget")
    repo.commit("2024-01-01", files={".github/FUNDING.yml": "github: octo\nopen_collective: widget\n",
                                     "funding.json": "{}", "SECURITY.md": "report to security@example.org\n"})
    repo.commit("2024-02-01", files={"src/a.py": "a = 1\n"})
    repo.tag("v1.0")
    oc, pypi = OCState(), PyPIState()
    oc.collectives["widget"] = Collective("widget", "Widget", balance_cents=12_300, received_12m_cents=50_000,
                                          monthly_cents={now.strftime("%Y-%m"): 1_000})
    pypi.packages["widget"] = package_doc("widget", "1.1", {"Source": "https://github.com/acme/widget"},
                                          {"1.0": [release_file("1.0", "2024-01-02T00:00:00Z")],
                                           "1.1": [release_file("1.1", "2024-02-02T00:00:00Z", yanked=True)]})
    with FakeGitHub(clock, token=TOKEN) as gh, serve(OCHandler, oc) as oc_url, serve(PyPIHandler, pypi) as pypi_url:
        gh.add(FakeRepo("acme", "widget", 1001, stars=7, items=make_items(130, now - timedelta(days=60)),
                        releases=[Release(i, f"v1.{i}", now - timedelta(days=90 - i)) for i in range(1, 4)],
                        contributors=[{"login": "alice", "contributions": 9}],
                        funding_links=[{"platform": "GITHUB", "url": "https://github.com/octo"}],
                        sponsors={"has_listing": True, "count": 2, "goal": None,
                                  "tiers": [{"name": "$5", "price": 5}]}))
        gh.users["alice"] = {"company": "Acme", "orgs": ["acme"]}
        for name, value in (("GITHUB_API_URL", gh.api_url), ("GITHUB_TOKEN", TOKEN),
                            ("OPENCOLLECTIVE_API_URL", oc_url + "/graphql/v2"), ("PYPI_URL", pypi_url)):
            monkeypatch.setenv(name, value)
        project, _ = registry.add(store, "acme/widget", git_source=str(repo.path), pypi_package="widget")
        yield {"project": project, "cfg": config.load(db_path), "clock": clock, "github": gh,
               "options": {"clock": clock, "sleep": clock.sleep}}


def counts(store) -> dict[str, int]:
    tables = [r[0] for r in store.all("SELECT table_name FROM information_schema.tables"
                                      " WHERE table_schema = 'main' AND table_type = 'BASE TABLE'")]
    return {t: store.scalar(f"SELECT count(*) FROM {t}") for t in sorted(tables) if t != "collection_runs"}


def fetch_all(store, world, source: Source):
    """state -> fetch by hand (as the framework does), every batch kept."""
    project = registry.get(store, world["project"].slug)
    with collect.RunSession(world["cfg"], world["options"], Progress(io.StringIO()), [project]) as run:
        state = source.module.state(store, project) if hasattr(source.module, "state") else None
        ctx = FetchContext(world["cfg"], runs.utcnow(), Progress(io.StringIO()), run.session_for(source),
                           world["options"])
        result = source.module.fetch(ctx, project, state)
        batches = [result] if isinstance(result, Batch) else list(result)
    return project, state, batches


def save_all(store, source: Source, project, batches) -> None:
    for batch in batches:
        with store.transaction():
            source.module.save(store, project, batch)


def test_every_source_saves_idempotently_and_its_state_and_batches_are_plain_data(store, world):
    for source in sources().values():
        project, state, batches = fetch_all(store, world, source)
        assert batches and all(isinstance(b, Batch) for b in batches)
        assert batches[-1].final and all(not b.final for b in batches[:-1])
        assert batches[-1].status == "ok", (source.name, batches[-1].failed())
        # a fetch's input and output can travel to another process
        assert pickle.loads(pickle.dumps(state)) == state or state is None
        for batch in batches:
            copy = pickle.loads(pickle.dumps(batch))
            assert copy.parts == batch.parts and copy.cursor == batch.cursor
        save_all(store, source, project, batches)
        once = counts(store)
        save_all(store, source, project, batches)
        assert counts(store) == once, source.name         # saving again adds nothing
        owned = [t for t in source.tables if once.get(t)]
        assert owned, f"{source.name} saved nothing"
    got = counts(store)
    assert got["github_issues"] == 130 and got["git_commits"] == 2 and got["pypi_releases"] == 2
    assert got["opencollective_monthly"] == 1 and got["funding_channels"] >= 3
    identities = {r[0] for r in store.all("SELECT identity FROM funding_channels")}
    assert {"github:octo", "open_collective:widget"} <= identities


def test_a_failure_mid_save_leaves_the_previous_state(store, world, monkeypatch):
    project = world["project"]
    first = collect.collect(store, world["cfg"], [project], None, Progress(io.StringIO()), world["options"])
    assert [o.status for o in first] == ["ok"] * 5, first
    world["github"].repos["acme/widget"].stars = 99          # new data the failed runs must not leave behind
    world["clock"].sleep(30 * 86400)
    before = counts(store)
    for source in sources().values():
        real = source.module.save

        def failing(store_, project_, batch, real=real):
            real(store_, project_, batch)                       # everything written, then the failure
            raise RuntimeError("disk full")

        monkeypatch.setattr(source.module, "save", failing)
        outcome = collect.collect_one(store, world["cfg"], source, project, Progress(io.StringIO()),
                                      world["options"])
        monkeypatch.setattr(source.module, "save", real)
        assert outcome.status == "error" and "RuntimeError: disk full" in outcome.error, source.name
        assert counts(store) == before, source.name
    assert store.scalar("SELECT max(stars) FROM github_repo_snapshots") == 7
    last = store.all("SELECT status FROM collection_runs ORDER BY id DESC LIMIT 5")
    assert [r[0] for r in last] == ["error"] * 5


def test_collect_runs_needs_first_and_says_once_when_they_are_not_selected(store, world):
    project = world["project"]
    other, _ = registry.add(store, "acme/other", git_source=world["project"].git_source)
    err = io.StringIO()
    outcomes = collect.collect(store, world["cfg"], [project, other], ["opencollective", "funding", "git"],
                               Progress(err), world["options"])
    assert [o.source for o in outcomes] == ["git", "git", "funding", "funding", "opencollective", "opencollective"]
    text = err.getvalue()
    assert text.count("not selected") == 1
    assert "funding needs github: not selected, so what they stored in earlier runs is used" in text
    ids = store.all("SELECT source, project_id, id FROM collection_runs ORDER BY id")
    for pid in (project.id, other.id):
        order_ = [s for s, p, _ in ids if p == pid]
        assert order_ == ["git", "funding", "opencollective"]


def test_tracker_remove_deletes_every_per_project_row(store, world):
    project = world["project"]
    collect.collect(store, world["cfg"], [project], None, Progress(io.StringIO()), world["options"])
    _, deleted = registry.remove(store, project.slug)
    for source in sources().values():
        for table in source.tables:
            has_project = store.scalar("SELECT count(*) FROM information_schema.columns WHERE table_name = ?"
                                       " AND column_name = 'project_id'", [table])
            if has_project:
                assert store.scalar(f"SELECT count(*) FROM {table}") == 0, table
    assert deleted["github_issues"] == 130 and deleted["git_commits"] == 2 and deleted["funding_channels"] >= 3


def test_a_project_removed_while_it_is_collected_gets_nothing_written(store, world, monkeypatch):
    """`tracker remove` between fetch and save wins: the save's transaction finds the project gone."""
    project = world["project"]
    git = sources()["git"]
    real_fetch = git.module.fetch

    def fetch_then_removed(ctx, project_, state):
        batch = real_fetch(ctx, project_, state)
        registry.remove(store, project_.slug)       # what another process's `tracker remove` does
        return batch

    monkeypatch.setattr(git.module, "fetch", fetch_then_removed)
    outcome = collect.collect_one(store, world["cfg"], git, project, Progress(io.StringIO()))
    assert outcome.status == "removed" and "was removed while it was being collected" in outcome.error
    assert store.scalar("SELECT count(*) FROM git_commits") == 0
    assert store.scalar("SELECT count(*) FROM git_repos") == 0
    assert store.scalar("SELECT count(*) FROM collection_runs WHERE project_id = ?", [project.id]) == 0
