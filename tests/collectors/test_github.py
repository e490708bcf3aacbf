"""The GitHub collector against a loopback GitHub: real PyGithub and requests over HTTP, fake clock."""

from __future__ import annotations

import io
import json
import logging
import traceback
from datetime import timedelta

import graphql
import pytest

from collectors import sources
from collectors.github import graphql as gql
from collectors.github.client import EmptyRepositoryError, GitHubClient
from collectors.http import HttpSession, Policy
from tests.conftest import offline_config
from tests.fakes.github_server import (
    Comment,
    FakeClock,
    FakeGitHub,
    FakeRepo,
    Fault,
    Item,
    Person,
    Release,
    commit_dates,
    make_items,
)
from tests.fakes.graphql_support import load_schema
from tests.fakes.loopback import Script, ScriptedHandler, serve
from tracker import collect, metrics, registry, runs
from tracker.config import Config
from tracker.errors import CollectionError
from tracker.progress import Progress
from tracker.store import Store

TOKEN = "fake-token-FAKE0for0tests0only0X7qZ"


@pytest.fixture
def now():
    return runs.utcnow().replace(microsecond=0)


@pytest.fixture
def clock(now):
    return FakeClock(now)


@pytest.fixture
def fake(clock):
    with FakeGitHub(clock, token=TOKEN) as server:
        yield server


def config(fake, db_path, token=TOKEN) -> Config:
    return offline_config(db_path, github_api_url=fake.api_url, github_token=token)


def run(store, cfg, clock, *, slugs=None, policy=None, window_days=None, full=False):
    """Collect the github source in one run (its own HTTP session, on the fake clock);
    returns (outcomes, progress text)."""
    stream = io.StringIO()
    projects = [registry.get(store, s) for s in slugs] if slugs else registry.all_projects(store)
    outcomes = collect.collect(store, cfg, projects, ["github"], Progress(stream),
                               {"clock": clock, "sleep": clock.sleep, "policy": policy or Policy(), "full": full,
                                "github": {"window_days": window_days, "refresh_days": 7}})
    return outcomes, stream.getvalue()


def client_for(cfg, clock) -> GitHubClient:
    return GitHubClient(cfg, HttpSession(clock=clock, sleep=clock.sleep, secrets=cfg.secrets()))


def widget(now, **kw) -> FakeRepo:
    """A project with issues/PRs, releases (one draft), contributors, funding, a Sponsors listing and
    a default branch with 520 commits in the last year and 80 older ones."""
    base = dict(
        stars=1200, forks=80, watchers=40, topics=["ml", "python"], security_policy=True,
        commits=commit_dates(520, now - timedelta(days=364), now - timedelta(hours=1))
        + commit_dates(80, now - timedelta(days=1500), now - timedelta(days=366)),
        license="Apache-2.0", homepage="https://widget.example", created_at=now - timedelta(days=3000),
        pushed_at=now - timedelta(days=2),
        items=make_items(150, now - timedelta(days=80), step=timedelta(hours=12)),
        releases=[Release(i, f"v1.{i}", now - timedelta(days=400 - 30 * i)) for i in range(1, 13)]
        + [Release(99, "v2.0-draft", now - timedelta(days=1), draft=True),
           Release(98, "v1.13rc1", now - timedelta(days=5), prerelease=True)],
        contributors=[{"login": "alice", "contributions": 300}, {"login": "bob", "contributions": 120},
                      {"login": "dependabot[bot]", "type": "Bot", "contributions": 50},
                      {"login": "carol", "contributions": 10}, {"login": None, "contributions": 4}],
        funding_links=[{"platform": "GITHUB", "url": "https://github.com/acme"},
                       {"platform": "OPEN_COLLECTIVE", "url": "https://opencollective.com/widget"}],
        sponsors={"has_listing": True, "count": 12,
                  "goal": {"kind": "MONTHLY_SPONSORSHIP_AMOUNT", "targetValue": 2000, "percentComplete": 35,
                           "title": "a maintainer one day a week"},
                  "tiers": [{"name": "$5 a month", "price": 5}, {"name": "$100 once", "price": 100,
                                                                "one_time": True}]},
    )
    base.update(kw)
    return FakeRepo("acme", "widget", 1001, **base)


def people(fake):
    fake.users.update({"alice": {"company": "@Acme Inc.", "orgs": ["acme", "psf"]},
                       "bob": {"company": "Initech", "orgs": []},
                       "carol": {"company": "acme", "orgs": ["acme"]}})


def rest_requests(fake, since=0):
    return [r for r in fake.log[since:] if r.method == "GET"]


def graphql_requests(fake, since=0):
    return [r for r in fake.log[since:] if r.method == "POST"]


# -- first collection ---------------------------------------------------------------------------------
def test_first_collection_stores_every_kind_of_data(store, db_path, fake, clock, now):
    repo = fake.add(widget(now))
    people(fake)
    # Item 1: a bot comments first, then the author, then a maintainer: the maintainer is the response.
    repo.items[0].comments = [Comment(Person("github-actions[bot]", "Bot"), repo.items[0].created_at + timedelta(minutes=5)),
                              Comment(Person("reporter"), repo.items[0].created_at + timedelta(hours=1)),
                              Comment(Person("maintainer"), repo.items[0].created_at + timedelta(hours=3))]
    registry.add(store, "acme/widget")
    outcomes, out = run(store, config(fake, db_path), clock)
    assert [o.status for o in outcomes] == ["ok"], outcomes

    snap = store.dicts("SELECT * FROM github_repo_snapshots")[0]
    assert (snap["stars"], snap["forks"], snap["watchers"]) == (1200, 80, 40)
    assert snap["license_spdx"] == "Apache-2.0" and json.loads(snap["topics"]) == ["ml", "python"]
    assert snap["open_issues"] + snap["open_prs"] == snap["open_issues_and_prs"] == 75
    assert snap["open_prs"] == sum(1 for i in repo.items if i.kind == "pr" and i.state == "open")
    assert snap["contributors_count"] == 5 and snap["commits_365d"] == 520 and snap["security_policy"] is True
    assert snap["homepage"] == "https://widget.example" and snap["default_branch"] == "main"

    tags = {r[0]: r[1] for r in store.all("SELECT tag, prerelease FROM github_releases")}
    assert len(tags) == 13 and "v2.0-draft" not in tags and tags["v1.13rc1"] is True

    issues = store.dicts("SELECT * FROM github_issues ORDER BY number")
    assert len(issues) == 150
    assert {i["kind"] for i in issues} == {"issue", "pr"}
    first = issues[0]
    assert first["first_response_by"] == "maintainer"
    assert first["first_response_at"] == repo.items[0].created_at + timedelta(hours=3)
    review_pr = next(i for i in issues if i["kind"] == "pr" and i["number"] % 2 == 0)
    assert review_pr["first_response_by"] == "maintainer"  # a review counts as a response
    merged = next(i for i in issues if i["kind"] == "pr" and i["state"] == "closed")
    assert merged["merged_at"] is not None

    contributors = store.dicts("SELECT * FROM github_contributors ORDER BY rank")
    assert [c["kind"] for c in contributors] == ["User", "User", "Bot", "User", "Anonymous"]
    assert contributors[0]["company"] == "@Acme Inc." and json.loads(contributors[0]["organizations"]) == ["acme", "psf"]

    community = store.dicts("SELECT * FROM github_community")[0]
    assert community["health_percentage"] == 71 and community["has_contributing"] is True
    assert community["has_code_of_conduct"] is False and community["has_security_policy"] is True

    links = store.all("SELECT platform, url FROM github_funding_links ORDER BY platform")
    assert links == [("GITHUB", "https://github.com/acme"), ("OPEN_COLLECTIVE", "https://opencollective.com/widget")]
    sp = store.dicts("SELECT * FROM github_sponsors")[0]
    assert (sp["owner_login"], sp["owner_type"], sp["has_sponsors_listing"], sp["sponsors_count"]) == \
        ("acme", "Organization", True, 12)
    assert (sp["goal_kind"], sp["goal_target_value"], sp["goal_percent_complete"]) == \
        ("MONTHLY_SPONSORSHIP_AMOUNT", 2000, 35)
    assert json.loads(sp["tiers"])[1] == {"name": "$100 once", "monthly_price_usd": 100, "is_one_time": True}

    run_row = store.dicts("SELECT * FROM collection_runs WHERE source = 'github'")[0]
    assert run_row["status"] == "ok"
    assert run_row["requests"] == len(fake.log)
    assert run_row["points"] == len(graphql_requests(fake))
    assert not any("/stats/" in r.path for r in fake.log)  # 202 endpoints are never relied on
    assert "done:" in out


def test_first_collection_costs_pages_plus_a_constant(store, db_path, fake, clock, now):
    fake.add(widget(now, items=make_items(250, now - timedelta(days=200)),
                    releases=[Release(i, f"v{i}", now - timedelta(days=700 - i)) for i in range(1, 151)]))
    people(fake)
    registry.add(store, "acme/widget")
    run(store, config(fake, db_path), clock)
    rest = rest_requests(fake)
    issue_pages = [r for r in rest if r.path.endswith("/issues")]
    release_pages = [r for r in rest if r.path.endswith("/releases")]
    assert len(issue_pages) == 3 and len(release_pages) == 2  # ceil(250/100), ceil(150/100)
    assert len(rest) - len(issue_pages) - len(release_pages) == 3  # repository, contributors, community
    # GraphQL: the batch, the contributors' organisations, one first-response query per issue page.
    assert len(graphql_requests(fake)) == 2 + 3


# -- incremental ------------------------------------------------------------------------------------
def test_refresh_of_unchanged_project_costs_one_304_and_a_graphql_share(store, db_path, fake, clock, now):
    fake.add(widget(now))
    people(fake)
    registry.add(store, "acme/widget")
    cfg = config(fake, db_path)
    run(store, cfg, clock)
    clock.sleep(3600)
    before = len(fake.log)
    outcomes, out = run(store, cfg, clock)
    assert [o.status for o in outcomes] == ["ok"]
    rest = rest_requests(fake, before)
    assert len(rest) <= 2 and all(r.status == 304 for r in rest)
    assert len(graphql_requests(fake, before)) == 1
    assert "nothing updated since the last collection" in out
    runs_rows = store.dicts("SELECT requests, counters FROM collection_runs ORDER BY id")
    assert runs_rows[-1]["requests"] == 2 and json.loads(runs_rows[-1]["counters"])["not_modified"] == 1
    assert store.scalar("SELECT count(*) FROM github_repo_snapshots") == 2  # history kept
    assert store.scalar("SELECT count(*) FROM github_issues") == 150  # nothing duplicated


def test_new_activity_is_read_with_since_and_releases_stop_at_known(store, db_path, fake, clock, now):
    repo = fake.add(widget(now))
    people(fake)
    registry.add(store, "acme/widget")
    cfg = config(fake, db_path)
    run(store, cfg, clock)
    cursor = store.scalar("SELECT issues_since FROM github_state")
    clock.sleep(86400)
    later = clock.datetime()
    repo.items[3].state, repo.items[3].closed_at, repo.items[3].updated_at = "closed", later, later
    repo.items.append(Item(151, "issue", Person("newbie"), later, later))
    repo.releases.append(Release(200, "v1.14", later))
    before = len(fake.log)
    outcomes, _ = run(store, cfg, clock)
    assert [o.status for o in outcomes] == ["ok"]
    listing = [r for r in rest_requests(fake, before) if r.path.endswith("/issues")]
    assert len(listing) == 1 and listing[0].query["since"] == [cursor.isoformat() + "Z"]
    assert len([r for r in rest_requests(fake, before) if r.path.endswith("/releases")]) == 1
    assert store.scalar("SELECT count(*) FROM github_releases") == 14
    assert store.scalar("SELECT state FROM github_issues WHERE number = 4") == "closed"
    assert store.scalar("SELECT count(*) FROM github_issues") == 151
    listings = store.all("SELECT url FROM github_etags WHERE url LIKE '%/issues?%'")
    assert len(listings) == 1 and "since=" in listings[0][0]  # validators do not pile up


def test_killed_run_resumes_from_the_cursor_saved_with_each_page(store, db_path, fake, clock, now):
    fake.add(widget(now, items=make_items(250, now - timedelta(days=100), step=timedelta(hours=6))))
    people(fake)
    registry.add(store, "acme/widget")
    cfg = config(fake, db_path)
    # Page 2 of the issue listing fails for good (every retry): the listing stops after page 1,
    # the rest of the project's data is saved, and the run is partial, naming the issues.
    fake.faults.append(Fault("/repos/acme/widget/issues", 502, skip=1, times=10))
    outcomes, out = run(store, cfg, clock)
    assert outcomes[0].status == "partial" and "issues:" in outcomes[0].error and "502" in outcomes[0].error
    assert list(outcomes[0].failed) == ["issues"]
    assert store.scalar("SELECT count(*) FROM github_issues") == 100
    assert store.scalar("SELECT stars FROM github_repo_snapshots") == 1200
    assert store.scalar("SELECT count(*) FROM github_releases") == 13
    parts = json.loads(store.scalar("SELECT parts FROM collection_runs"))
    assert parts["issues"]["status"] == "failed" and parts["releases"] == {"status": "ok"}
    saved = store.scalar("SELECT issues_since FROM github_state")
    run_cursor = json.loads(store.scalar("SELECT cursor FROM collection_runs"))
    assert run_cursor["issues_since"] == saved.isoformat() + "Z"
    assert any(s == 1 for s in clock.slept)  # backed off on the fake clock
    fake.faults.clear()
    before = len(fake.log)
    outcomes, _ = run(store, cfg, clock)
    assert outcomes[0].status == "ok"
    first_listing = next(r for r in rest_requests(fake, before) if r.path.endswith("/issues"))
    assert first_listing.query["since"] == [saved.isoformat() + "Z"]
    assert store.scalar("SELECT count(*) FROM github_issues") == 250


def test_first_collection_window_is_said_and_keeps_old_open_items(store, db_path, fake, clock, now):
    old = now - timedelta(days=400)
    items = [Item(1, "issue", Person("a"), old, old, state="closed", closed_at=old),
             Item(2, "issue", Person("a"), old, old),                      # open, untouched for a year
             Item(3, "issue", Person("a"), now - timedelta(days=5), now - timedelta(days=5))]
    fake.add(widget(now, items=items))
    people(fake)
    registry.add(store, "acme/widget")
    outcomes, out = run(store, config(fake, db_path), clock, window_days=30)
    assert outcomes[0].status == "ok"
    assert "updated in the last 30 days" in out
    assert sorted(r[0] for r in store.all("SELECT number FROM github_issues")) == [2, 3]
    m = metrics.compute_all(store, registry.get(store, "acme/widget").id, runs.utcnow())
    assert m["median_open_issue_age_days"] == pytest.approx((400 + 5) / 2, abs=1)


# -- rate limits and faults -------------------------------------------------------------------------
def test_low_budget_pauses_until_reset_with_a_message(store, db_path, fake, clock, now):
    fake.add(widget(now))
    people(fake)
    registry.add(store, "acme/widget")
    fake.set_remaining("core", 3, reset_in=1200)
    outcomes, out = run(store, config(fake, db_path), clock)
    assert outcomes[0].status == "ok"
    assert "rate limit low" in out and "pausing" in out
    assert any(1100 < s <= 1202 for s in clock.slept)


def test_low_budget_can_stop_instead_and_other_projects_continue(store, db_path, fake, clock, now):
    fake.add(widget(now))
    people(fake)
    registry.add(store, "acme/widget")
    fake.set_remaining("core", 2, reset_in=1200)
    outcomes, out = run(store, config(fake, db_path), clock, policy=Policy(on_low_budget="stop"))
    assert outcomes[0].status == "error" and "stopping as asked" in outcomes[0].error
    assert not any(s > 100 for s in clock.slept)


def test_exhausted_budget_403_waits_for_the_reset(store, db_path, fake, clock, now):
    fake.add(widget(now))
    people(fake)
    registry.add(store, "acme/widget")
    fake.set_remaining("core", 0, reset_in=600)
    outcomes, out = run(store, config(fake, db_path), clock)
    assert outcomes[0].status == "ok"
    assert any(r.status == 403 for r in fake.log)
    assert "rate limit exhausted" in out and any(590 < s <= 602 for s in clock.slept)


def test_secondary_limit_retry_after_and_5xx_are_retried(store, db_path, fake, clock, now):
    fake.add(widget(now))
    people(fake)
    registry.add(store, "acme/widget")
    fake.faults += [
        Fault("/repos/acme/widget/releases", 403, {"Retry-After": "45"},
              {"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
               "documentation_url": "https://docs.github.com/rest"}),
        Fault("/repos/acme/widget/community", 429, {}, {"message": "You have exceeded a secondary rate limit."}),
        Fault("/repos/acme/widget/contributors", 503, {}, {"message": "Service Unavailable"}, times=2),
        Fault("/graphql", 502, {}, None),
    ]
    outcomes, out = run(store, config(fake, db_path), clock, policy=Policy(max_concurrency=1))
    assert outcomes[0].status == "ok", outcomes
    assert 45 in clock.slept and 60 in clock.slept  # Retry-After obeyed; secondary limit without it: 60 s
    assert clock.slept.count(1) >= 2 and 2 in clock.slept  # 5xx backoff 1, 2, ...
    assert "Retry-After 45s" in out
    assert store.scalar("SELECT count(*) FROM github_releases") == 13
    assert not fake.faults


def test_concurrent_requests_are_bounded(store, db_path, clock, now):
    with FakeGitHub(clock, token=TOKEN, latency=0.05) as fake:
        fake.add(widget(now))
        people(fake)
        registry.add(store, "acme/widget")
        outcomes, _ = run(store, config(fake, db_path), clock, policy=Policy(max_concurrency=2))
        assert outcomes[0].status == "ok"
        assert fake.max_in_flight == 2


# -- edge cases -------------------------------------------------------------------------------------
def test_rename_is_followed_and_updates_the_registry_keeping_history(store, db_path, fake, clock, now):
    repo = fake.add(widget(now))
    people(fake)
    project, _ = registry.add(store, "acme/widget")
    cfg = config(fake, db_path)
    run(store, cfg, clock)
    fake.rename(repo, "newhome", "gadget")
    clock.sleep(3600)
    outcomes, out = run(store, cfg, clock)
    assert outcomes[0].status == "ok"
    assert "renamed or transferred to newhome/gadget" in out
    moved = registry.get(store, "newhome/gadget")
    assert moved.id == project.id and registry.find(store, "acme/widget") is None
    assert store.scalar("SELECT count(*) FROM github_repo_snapshots WHERE project_id = ?", [project.id]) == 2


def test_rename_seen_through_rest_301_without_a_token(store, db_path, clock, now):
    with FakeGitHub(clock) as fake:
        repo = fake.add(widget(now))
        project, _ = registry.add(store, "acme/widget")
        fake.rename(repo, "newhome", "gadget")
        outcomes, out = run(store, config(fake, db_path, token=None), clock)
        assert outcomes[0].status == "ok", outcomes
        assert any(r.status == 301 for r in fake.log)
        assert registry.get(store, "newhome/gadget").id == project.id


def test_missing_blocked_and_empty_repositories(store, db_path, fake, clock, now):
    fake.add(FakeRepo("gone", "away", 1, status=404))
    fake.add(FakeRepo("dmca", "blocked", 2, status=451))
    fake.add(FakeRepo("acme", "empty", 3, empty=True, contributors=[], items=[], releases=[]))
    fake.add(widget(now))
    people(fake)
    for slug in ("gone/away", "dmca/blocked", "acme/empty", "acme/widget"):
        registry.add(store, slug)
    outcomes, out = run(store, config(fake, db_path), clock)
    status = {o.project: (o.status, o.error) for o in outcomes}
    assert status["gone/away"][0] == "error" and "not found on GitHub (404)" in status["gone/away"][1]
    assert status["dmca/blocked"][0] == "error" and "blocked by GitHub (451)" in status["dmca/blocked"][1]
    assert status["acme/empty"] == ("ok", None) and status["acme/widget"] == ("ok", None)
    states = dict(store.all("SELECT p.slug, s.status FROM github_state s JOIN projects p ON p.id = s.project_id"))
    assert states == {"gone/away": "not_found", "dmca/blocked": "blocked", "acme/empty": "empty", "acme/widget": "ok"}
    empty_id = registry.get(store, "acme/empty").id
    assert store.scalar("SELECT contributors_count FROM github_repo_snapshots WHERE project_id = ?", [empty_id]) == 0
    assert not any(r.path.startswith("/repos/acme/empty/issues") for r in fake.log)


def test_empty_repository_409_is_a_clear_error(fake, clock, db_path):
    fake.add(FakeRepo("acme", "empty", 3, empty=True))
    client = client_for(config(fake, db_path), clock)
    with pytest.raises(EmptyRepositoryError, match="repository is empty"):
        client.get("/repos/acme/empty/commits")


def test_graphql_partial_data_keeps_what_came(store, db_path, fake, clock, now):
    fake.add(widget(now, graphql_forbidden=["owner.sponsorsListing"]))
    people(fake)
    registry.add(store, "acme/widget")
    outcomes, out = run(store, config(fake, db_path), clock)
    assert outcomes[0].status == "ok"
    assert "partial data" in out and "Resource not accessible" in out
    sp = store.dicts("SELECT * FROM github_sponsors")[0]
    assert sp["has_sponsors_listing"] is True and sp["sponsors_count"] == 12
    assert sp["tiers"] is None and sp["goal_kind"] is None   # unknown, not empty
    assert store.scalar("SELECT stars FROM github_repo_snapshots") == 1200


def test_a_token_echoed_in_graphql_partial_errors_is_redacted(store, db_path, fake, clock, now):
    fake.add(widget(now, graphql_forbidden=["owner.sponsorsListing"]))
    fake.echo_auth_in_errors = True
    people(fake)
    registry.add(store, "acme/widget")
    outcomes, out = run(store, config(fake, db_path), clock)
    assert outcomes[0].status == "ok"
    assert "partial data: Resource not accessible by integration (sponsorsListing) for bearer ***" in out
    assert TOKEN not in out


def test_many_repositories_share_one_graphql_query(store, db_path, fake, clock, now):
    for i in range(6):
        fake.add(FakeRepo("org", f"p{i}", 10 + i, stars=i, items=[], releases=[], contributors=[]))
        registry.add(store, f"org/p{i}")
    outcomes, _ = run(store, config(fake, db_path), clock)
    assert [o.status for o in outcomes] == ["ok"] * 6
    batches = [r for r in graphql_requests(fake) if "query Repos" in r.body]
    assert len(batches) == 1 and json.loads(batches[0].body)["query"].count("repository(owner:") == 6
    assert sorted(r[0] for r in store.all("SELECT stars FROM github_repo_snapshots")) == list(range(6))
    points = [r[0] for r in store.all("SELECT points FROM collection_runs ORDER BY id")]
    assert points[0] == 1 and points[1:] == [None] * 5  # the batch's point is the first run's


def test_without_a_token_it_says_so_and_spends_the_hour_on_repository_and_releases(store, db_path, clock, now):
    """60 requests an hour: the repository and its releases (one or two requests a project), not
    the issue listing's pages, contributors or the community profile."""
    with FakeGitHub(clock) as fake:
        fake.add(widget(now))
        registry.add(store, "acme/widget")
        outcomes, out = run(store, config(fake, db_path, token=None), clock)
        assert outcomes[0].status == "ok"
        assert "60 requests an hour" in out and "Set GITHUB_TOKEN" in out
        assert not graphql_requests(fake)
        assert all(r.authorization is None for r in fake.log)
        assert sorted({r.path for r in fake.log}) == ["/repos/acme/widget", "/repos/acme/widget/releases"]
        parts = json.loads(store.scalar("SELECT parts FROM collection_runs WHERE source = 'github'"))
        assert {k: v["status"] for k, v in parts.items()} == {
            "graphql": "skipped", "rest": "ok", "releases": "ok", "contributors": "skipped",
            "community": "skipped", "issues": "skipped"}
        m = metrics.compute_all(store, registry.get(store, "acme/widget").id, runs.utcnow())
        assert m["stars"] == 1200 and m["open_prs"] is None and m["sponsors_count"] is None
        assert m["median_time_to_first_response_hours_90d_issues"] is None  # not looked up: unknown
        assert store.scalar("SELECT count(*) FROM github_issues") == 0
        assert store.scalar("SELECT count(*) FROM github_releases") > 0


def test_enterprise_layout_uses_the_same_code_path(store, db_path, clock, now):
    with FakeGitHub(clock, prefix="/api/v3", token=TOKEN) as fake:
        fake.add(widget(now))
        people(fake)
        registry.add(store, "acme/widget")
        cfg = config(fake, db_path)
        assert cfg.github_graphql_url == fake.base + "/api/graphql"
        outcomes, _ = run(store, cfg, clock)
        assert outcomes[0].status == "ok"
        assert all(r.path.startswith("/api/") for r in fake.log)
        assert store.scalar("SELECT sponsors_count FROM github_sponsors") == 12


def test_the_token_never_reaches_db_logs_errors_or_output(store, db_path, fake, clock, now, caplog):
    fake.add(widget(now))
    people(fake)
    registry.add(store, "acme/widget")
    fake.faults.append(Fault("/repos/acme/widget/issues", 422, echo_auth=True))
    caplog.set_level(logging.DEBUG)
    logging.getLogger("github").setLevel(logging.DEBUG)
    try:
        outcomes, out = run(store, config(fake, db_path), clock)
    finally:
        logging.getLogger("github").setLevel(logging.NOTSET)
    assert outcomes[0].status == "partial" and "***" in outcomes[0].error   # the issues failed, the rest came
    assert any(TOKEN in (r.authorization or "") for r in fake.log)  # it was sent, in the header only
    assert TOKEN not in out and TOKEN not in outcomes[0].error
    assert TOKEN not in caplog.text
    for (table,) in store.all("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"):
        dump = json.dumps(store.all(f"SELECT * FROM {table}"), default=str)
        assert TOKEN not in dump, table
    client = client_for(config(fake, db_path), clock)
    fake.faults.append(Fault("/repos/acme/widget", 422, echo_auth=True))
    with pytest.raises(CollectionError) as info:
        client.get("/repos/acme/widget")
    text = "".join(traceback.format_exception(info.value))
    assert TOKEN not in text and TOKEN not in repr(client) and "***" in str(info.value)


def test_bad_token_is_reported_without_echoing_it(store, db_path, fake, clock, now):
    fake.add(widget(now))
    registry.add(store, "acme/widget")
    outcomes, out = run(store, config(fake, db_path, token="fake-wrong-token-value-123456"), clock)
    assert outcomes[0].status == "error" and "401 Bad credentials" in outcomes[0].error
    assert "fake-wrong-token-value-123456" not in outcomes[0].error + out


def test_source_is_registered_after_git():
    names = list(sources())
    assert "github" in names and names.index("github") == names.index("git") + 1


def test_cli_collect_and_report(cli, fake, clock, now, monkeypatch):
    fake.add(widget(now))
    people(fake)
    monkeypatch.setenv("GITHUB_API_URL", fake.api_url)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    assert cli("add", "acme/widget").code == 0
    result = cli("collect", "--source", "github")
    assert result.code == 0, result.err
    assert TOKEN not in result.out + result.err
    report = cli("report", "acme/widget", "--format", "json").json()
    assert report["metrics"]["stars"] == 1200 and report["metrics"]["sponsors_count"] == 12
    assert report["metrics"]["has_sponsors_listing"] is True and report["metrics"]["org_count"] == 2


def test_contributor_count_comes_from_the_last_page_link(store, db_path, fake, clock, now):
    fake.add(widget(now, contributors=[{"login": f"dev{k}", "contributions": 500 - k} for k in range(230)]))
    registry.add(store, "acme/widget")
    outcomes, _ = run(store, config(fake, db_path), clock)
    assert outcomes[0].status == "ok"
    assert store.scalar("SELECT contributors_count FROM github_repo_snapshots") == 230
    pages = [r.query.get("page", ["1"])[0] for r in fake.log if r.path.endswith("/contributors")]
    assert pages == ["1", "3"]  # the first page (top contributors) and the last (the count)
    assert store.scalar("SELECT count(*) FROM github_contributors") == 100


def test_network_down_costs_one_projects_retries_not_every_projects(store, db_path, clock):
    """With the API unreachable, the first project retries with backoff and gives up; the others
    fail at once (for a while) instead of each sitting through the same retries."""
    for slug in ("acme/one", "acme/two", "acme/three"):
        registry.add(store, slug)
    cfg = offline_config(db_path, github_api_url="http://127.0.0.1:9", github_token=TOKEN)
    outcomes, out = run(store, cfg, clock)
    assert [o.status for o in outcomes] == ["error", "error", "error"]
    assert "gave up after 6 attempts" in out               # said once, for the first request
    assert all("cannot reach http://127.0.0.1:9" in o.error for o in outcomes)
    assert all("not trying again before" in o.error for o in outcomes[1:])
    assert sum(clock.slept) == 1 + 2 + 4 + 8 + 16   # one project's backoff, not three
    assert TOKEN not in out + "".join(o.error for o in outcomes)


# -- partial results and the run's circuit breaker ---------------------------------------------------
def test_graphql_down_keeps_rest_data_and_is_tried_at_most_once_more(store, db_path, fake, clock, now):
    """GraphQL answering 502: stars, forks, releases and issues from REST are saved, each run is
    partial naming GraphQL, and across the whole run GraphQL gets one round of retries plus one
    probe (probe_after=0: the probe is the very next GraphQL request), never a round per project."""
    fake.add(widget(now, items=make_items(20, now - timedelta(days=30))))
    for i in (1, 2):
        fake.add(FakeRepo("acme", f"w{i}", 2000 + i, stars=10 * i, forks=i, items=make_items(5, now - timedelta(days=9)),
                          releases=[Release(3000 + i, f"v{i}", now - timedelta(days=3))],
                          contributors=[{"login": "alice", "contributions": 3}]))
    people(fake)
    for slug in ("acme/widget", "acme/w1", "acme/w2"):
        registry.add(store, slug)
    fake.faults.append(Fault("/graphql", 502, times=10_000))
    policy = Policy(probe_after=0)
    outcomes, out = run(store, config(fake, db_path), clock, policy=policy)

    assert [o.status for o in outcomes] == ["partial"] * 3, outcomes
    # each GraphQL query failed its own part: the repository's fields, the first responses, the
    # contributors' organisations; everything from REST arrived
    assert all(sorted(o.failed) == ["first_responses", "graphql", "organisations"] for o in outcomes)
    assert all("GitHub GraphQL answered 502" in o.error for o in outcomes)
    assert "partial: what arrived is saved" in out and "GraphQL unavailable" in out
    assert len(graphql_requests(fake)) == policy.max_attempts + 1       # one round, then one probe
    assert all(r.status == 502 for r in graphql_requests(fake))
    assert sum(clock.slept) == 1 + 2 + 4 + 8 + 16                       # one backoff round in the run

    snaps = dict(store.all("SELECT p.slug, (s.stars, s.forks) FROM github_repo_snapshots s"
                           " JOIN projects p ON p.id = s.project_id"))
    assert snaps == {"acme/widget": (1200, 80), "acme/w1": (10, 1), "acme/w2": (20, 2)}
    assert store.scalar("SELECT open_prs FROM github_repo_snapshots WHERE stars = 1200") is None  # GraphQL-only
    assert store.scalar("SELECT count(*) FROM github_releases") == 13 + 1 + 1
    assert store.scalar("SELECT count(*) FROM github_issues") == 20 + 5 + 5
    # first responses could not be looked up: unknown, not "no response"
    assert store.scalar("SELECT count(*) FROM github_issues WHERE first_response_at IS NOT NULL") == 0
    assert store.scalar("SELECT count(*) FROM github_issues WHERE comments > 0 AND response_checked") == 0
    rows = store.dicts("SELECT status, error, parts, counters FROM collection_runs ORDER BY id")
    assert [r["status"] for r in rows] == ["partial"] * 3
    parts = json.loads(rows[0]["parts"])
    assert parts["graphql"]["status"] == "failed" and "502" in parts["graphql"]["reason"]
    assert parts["first_responses"]["status"] == parts["organisations"]["status"] == "failed"
    assert {parts[k]["status"] for k in ("rest", "releases", "issues", "contributors", "community")} == {"ok"}
    assert json.loads(rows[0]["counters"])["graphql_failed"] >= 1


def test_default_probe_waits_so_a_dead_graphql_costs_one_round(store, db_path, fake, clock, now):
    fake.add(widget(now))
    fake.add(FakeRepo("acme", "w1", 2001, stars=5, items=[], releases=[], contributors=[]))
    people(fake)
    registry.add(store, "acme/widget")
    registry.add(store, "acme/w1")
    fake.faults.append(Fault("/graphql", 503, times=10_000))
    outcomes, out = run(store, config(fake, db_path), clock)
    assert [o.status for o in outcomes] == ["partial", "partial"]
    assert len(graphql_requests(fake)) == Policy().max_attempts       # no probe within 300 s of the run clock
    assert "not trying again before" in outcomes[1].error


def test_rejected_graphql_query_is_a_partial_run_naming_graphql(cli, fake, clock, now, monkeypatch, db_path):
    """HTTP 200 with `errors` and no `data` (GitHub's answer after a schema change) is a failure of
    the GraphQL part: partial, named in `collect`'s summary and in `status`, counted; the rejected
    query is not sent again for the next project."""
    fake.add(widget(now))
    fake.add(FakeRepo("acme", "w1", 2001, stars=5, items=[], releases=[], contributors=[]))
    people(fake)
    fake.removed_fields.add("Repository.fundingLinks")   # a schema change: the field is gone
    monkeypatch.setenv("GITHUB_API_URL", fake.api_url)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    assert cli("add", "acme/widget").code == 0 and cli("add", "acme/w1").code == 0
    result = cli("collect", "--source", "github")
    assert result.code == 0, result.err
    assert "2 of 2 collections partial (github graphql failed)" in result.err
    lines = [line for line in result.out.splitlines() if "acme/" in line]   # one line per distinct failure
    assert len(lines) == 2 and all(line.startswith("partial: github: graphql:") for line in lines)
    assert "(1 project: acme/widget)" in result.out and "(1 project: acme/w1)" in result.out
    assert "rejected the query: Field 'fundingLinks' doesn't exist on type 'Repository'" in result.out + result.err
    repos_queries = [r for r in graphql_requests(fake) if "query Repos" in r.body]
    assert len(repos_queries) == 1                                     # not resent in the run
    assert any("query Users" in r.body for r in graphql_requests(fake))  # other queries still asked

    with Store.open(db_path) as store:
        assert store.scalar("SELECT stars FROM github_repo_snapshots WHERE full_name = 'acme/widget'") == 1200
        assert store.scalar("SELECT sponsors_count FROM github_sponsors") is None
        rows = store.dicts("SELECT status, counters FROM collection_runs ORDER BY id")
        assert [r["status"] for r in rows] == ["partial", "partial"]
        assert all(json.loads(r["counters"])["graphql_failed"] >= 1 for r in rows)
    status = cli("status", "--format", "json").json()
    github = [r for r in status["runs"] if r["source"] == "github"]
    assert {r["result"] for r in github} == {"partial"} and all("graphql:" in r["error"] for r in github)
    table = cli("status").out
    assert " partial " in table and "graphql:" in table


def test_the_collectors_queries_select_only_what_githubs_schema_has():
    """Each GraphQL query the collector sends validates against GitHub's published schema."""
    schema = load_schema("github")
    queries = {"Repos": gql.repos_query([("acme", "widget"), ("acme", "w1")], "2024-01-01T00:00:00Z")[0],
               "Responses": gql.responses_query([1, 2]), "Users": gql.users_query(["alice", "bob"])[0]}
    problems = {name: [e.message for e in graphql.validate(schema, graphql.parse(q))] for name, q in queries.items()}
    assert problems == {"Repos": [], "Responses": [], "Users": []}


def test_commits_365d_counts_the_commits_of_the_last_365_days(store, db_path, fake, clock, now):
    """The repository query asks `history(since:)` a year back; the fake counts dated commits from
    the time it is sent, so commits half a day either side of the edge decide the number."""
    fake.add(FakeRepo("acme", "edge", 5, items=[], releases=[], contributors=[],
                      commits=[now - timedelta(days=d) for d in (1, 200, 364.5, 365.5, 366, 2000)]))
    registry.add(store, "acme/edge")
    outcomes, _ = run(store, config(fake, db_path), clock)
    assert outcomes[0].status == "ok"
    assert store.scalar("SELECT commits_365d FROM github_repo_snapshots") == 3


def test_a_rejected_organisations_query_fails_only_the_organisations(store, db_path, fake, clock, now):
    """GitHub rejecting the contributors' query (schema change) leaves every other part, including
    the repository's GraphQL fields, as it came; company and organisations stay unknown."""
    fake.add(widget(now))
    people(fake)
    fake.removed_fields.add("User.organizations")
    registry.add(store, "acme/widget")
    outcomes, out = run(store, config(fake, db_path), clock)
    o = outcomes[0]
    assert o.status == "partial" and list(o.failed) == ["organisations"], o
    assert ("contributors' organisations: GitHub GraphQL rejected the query: Field 'organizations' doesn't exist "
            "on type 'User'") in o.error
    snap = store.dicts("SELECT * FROM github_repo_snapshots")[0]
    assert (snap["stars"], snap["open_prs"], snap["commits_365d"]) == (1200, 25, 520)   # GraphQL fields arrived
    people_rows = store.all("SELECT login, company, organizations FROM github_contributors ORDER BY rank")
    assert len(people_rows) == 5 and all(company is None and orgs is None for _, company, orgs in people_rows)
    assert store.scalar("SELECT sponsors_count FROM github_sponsors") == 12
    assert store.scalar("SELECT count(*) FROM github_issues WHERE first_response_at IS NOT NULL") == 150
    row = store.dicts("SELECT status, parts, counters FROM collection_runs")[0]
    parts = json.loads(row["parts"])
    assert row["status"] == "partial" and parts["graphql"] == {"status": "ok"}
    assert parts["organisations"]["status"] == "failed" and json.loads(row["counters"])["graphql_failed"] == 1
    assert len([r for r in graphql_requests(fake) if "query Users" in r.body]) == 1


def test_a_rejected_first_responses_query_fails_only_the_first_responses(store, db_path, fake, clock, now):
    """The per-page first-response query rejected: every page is still stored, first responses stay
    unknown (not 'none'), the query is not sent again for the next page, the rest arrives."""
    fake.add(widget(now))
    people(fake)
    fake.removed_fields.add("PullRequestReview.submittedAt")
    registry.add(store, "acme/widget")
    outcomes, out = run(store, config(fake, db_path), clock)
    o = outcomes[0]
    assert o.status == "partial" and list(o.failed) == ["first_responses"], o
    assert "first responses: GitHub GraphQL rejected the query: Field 'submittedAt' doesn't exist" in o.error
    assert store.scalar("SELECT count(*) FROM github_issues") == 150
    assert store.scalar("SELECT count(*) FROM github_issues WHERE first_response_at IS NOT NULL OR response_checked"
                        ) == 0
    assert store.scalar("SELECT open_prs FROM github_repo_snapshots") == 25
    assert json.loads(store.scalar("SELECT organizations FROM github_contributors WHERE login = 'alice'")) == \
        ["acme", "psf"]
    assert len([r for r in graphql_requests(fake) if "query Responses" in r.body]) == 1   # 2 pages, sent once


def test_a_repository_graphql_refuses_fails_only_that_projects_graphql(store, db_path, fake, clock, now):
    """In a batched query, one repository answered null with an error (an organisation enforcing
    SAML): that project's GraphQL part fails, the other project of the batch is whole."""
    fake.add(widget(now))
    people(fake)
    fake.add(FakeRepo("sso", "locked", 3001, stars=9, items=[], releases=[], contributors=[], graphql_forbidden=[""]))
    registry.add(store, "acme/widget")
    registry.add(store, "sso/locked")
    outcomes, out = run(store, config(fake, db_path), clock)
    status = {o.project: o for o in outcomes}
    assert status["acme/widget"].status == "ok"
    locked = status["sso/locked"]
    assert locked.status == "partial" and list(locked.failed) == ["graphql"]
    assert "GitHub GraphQL answered no repository (Resource protected by organization SAML enforcement" in locked.error
    assert len([r for r in graphql_requests(fake) if "query Repos" in r.body]) == 1
    rows = dict(store.all("SELECT full_name, (stars, open_prs) FROM github_repo_snapshots"))
    assert rows == {"acme/widget": (1200, 25), "sso/locked": (9, None)}   # REST stars; GraphQL-only unknown


def test_github_cross_host_redirect_drops_the_token(fake, clock, db_path):
    """A 307 from the API to another loopback host is followed without the Authorization header
    (PyGithub, which holds the token, is not used for the other host)."""
    state = Script()
    with serve(ScriptedHandler, state, host="127.0.0.2") as elsewhere:
        state.routes["/moved/repo"] = [(200, {}, {"id": 7, "full_name": "acme/widget", "stargazers_count": 3})]
        fake.faults.append(Fault("/repos/acme/widget", 307, {"Location": f"{elsewhere}/moved/repo"}, None))
        client = client_for(config(fake, db_path), clock)
        reply = client.get("/repos/acme/widget")
        assert reply.data["stargazers_count"] == 3
        assert fake.log[0].authorization == f"token {TOKEN}"      # sent to the API itself
        assert {k.lower() for k in state.seen[0].headers} & {"authorization", "cookie"} == set()
