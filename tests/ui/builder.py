"""A small, fully known database for the app's tests.

Three projects: `acme/rocket` (collected, scored twice, funded: channels, Sponsors, Open Collective
income, a grant and an uncertain one that must not be linked; hostile text in its description and
funding links), `beta/quiet` (collected, scored once, high risk, a hostile display
name, a failed GitHub run) and `gamma/new` (tracked, nothing collected: everything unknown).
The schema is the migrations' (Store.open migrates); rows name their columns.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

from tracker import registry
from tracker.runs import utcnow
from tracker.store import Store

HOSTILE_NAME = "<script>alert(1)</script> **Quiet** [click](javascript:alert(2)) :red[x]"
HOSTILE_DESCRIPTION = "Rockets <img src=x onerror=alert(3)> and [a link](javascript:alert(4))"

def _insert(store: Store, table: str, row: dict) -> None:
    store.execute(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
                  list(row.values()))


def _commits(store: Store, pid: int, start: datetime, weeks: int, people: list[tuple[str, str, int]],
             collected_at: datetime, bot_every: int = 0) -> None:
    """`people` (name, email, commits per week) commit every week from `start` for `weeks` weeks."""
    rows = []
    n = 0
    for w in range(weeks):
        at = start + timedelta(weeks=w, hours=10)
        for name, email, per_week in people:
            for k in range(per_week):
                n += 1
                rows.append([pid, f"{pid:02d}{n:038x}", "", False, name, email, email, at + timedelta(minutes=k),
                             at + timedelta(minutes=k), False, False])
        if bot_every and w % bot_every == 0:
            n += 1
            rows.append([pid, f"{pid:02d}{n:038x}", "", False, "dependabot[bot]", "support@dependabot.com",
                         "support@dependabot.com", at, at, True, False])
    store.con.executemany("INSERT INTO git_commits VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    store.execute("INSERT INTO git_repos (project_id, source, local_path, default_branch, head_sha, commits_stored,"
                  " collected_at) VALUES (?, 'test', 'test', 'main', 'x', ?, ?)", [pid, len(rows), collected_at])


def _score(store: Store, pid: int, at: datetime, health: float | None, risk: str, **extra) -> None:
    subscores = extra.pop("subscores", {
        "activity": {"score": health, "reason": "steady weekly commits over the last year",
                     "inputs": {"commits_365d": 150, "days_since_last_commit": 2}},
        "responsiveness": {"score": None, "reason": "unknown: GitHub issues not collected",
                           "inputs": {"median_time_to_first_response_hours_90d_issues": None}},
    })
    row = {"project_id": pid, "computed_at": at, "health": health, "coverage": extra.pop("coverage", 0.6),
           "subscores": json.dumps(subscores), "risk_level": risk,
           "flags": json.dumps(extra.pop("flags", [])), "weights_version": "test-1",
           "metrics": json.dumps(extra.pop("metrics", {}))}
    row.update(extra)
    _insert(store, "scores", row)


def _run(store: Store, source: str, pid: int | None, at: datetime, status: str, error: str | None = None) -> None:
    store.execute("INSERT INTO collection_runs (source, project_id, started_at, finished_at, status, error)"
                  " VALUES (?, ?, ?, ?, ?, ?)", [source, pid, at, at + timedelta(seconds=30), status, error])


def build(path: Path, now: datetime | None = None) -> Path:
    """Create the test database at `path` (timestamps relative to `now`, default the present)."""
    now = now or utcnow()
    with Store.open(path) as store:
        rocket, _ = registry.add(store, "acme/rocket", category="frameworks", display_name="Rocket",
                                 pypi_package="rocket")
        quiet, _ = registry.add(store, "beta/quiet", category="libraries", display_name=HOSTILE_NAME)
        registry.add(store, "gamma/new", category="libraries")
        _commits(store, rocket.id, now - timedelta(weeks=104), 104,
                 [("Alice Example", "alice@acme.example", 3), ("Bob Example", "bob@acme.example", 1),
                  ("Carol Example", "carol@gmail.com", 1)], now, bot_every=4)
        _commits(store, quiet.id, now - timedelta(weeks=300), 150, [("Dan Solo", "dan@solo.example", 1)], now)
        for i in range(8):
            at = now - timedelta(days=90 * i + 5)
            store.execute("INSERT INTO git_tags VALUES (?, ?, NULL, ?, true)", [rocket.id, f"v1.{8 - i}.0", at])
        store.execute("INSERT INTO git_tags VALUES (?, 'v0.1', NULL, ?, true)",
                      [quiet.id, now - timedelta(days=900)])
        rocket_metrics = {"commits_365d": 270, "active_contributors_365d": 3, "contributor_absence_factor_365d": 1,
                          "elephant_factor_365d": 1, "median_time_to_first_response_hours_90d_issues": 5.5,
                          "median_time_to_first_response_hours_90d_prs": 12.0, "funding_channels_count": 3,
                          "sponsors_count": 12, "oc_received_12m_usd": 24000.0, "grants_total_usd_5y": 50000.0,
                          "stars": 4200}
        _score(store, rocket.id, now - timedelta(days=120), 60.0, "medium", criticality=0.55, truck_factor=1,
               metrics=dict(rocket_metrics, oc_received_12m_usd=18000.0,
                            median_time_to_first_response_hours_90d_issues=9.0))
        subscores = {
            "activity": {"score": 72.0, "reason": "steady weekly commits over the last year",
                         "inputs": {"commits_365d": 150, "days_since_last_commit": 2}},
            "responsiveness": {"score": None, "reason": "unknown: GitHub issues not collected",
                               "inputs": {"median_time_to_first_response_hours_90d_issues": None}},
            "funding": {"score": 80.0, "reason": "three channels, 12 sponsors and a grant",
                        "inputs": {"funding_channels_count": 3}},
        }
        _score(store, rocket.id, now - timedelta(days=1), 72.0, "medium", criticality=0.61, truck_factor=1,
               subscores=subscores,
               maturity=None, funding_need=0.42, funding_need_reason="important and active, but funded",
               flags=[{"name": "single_maintainer", "evidence": "Alice made 60% of commits in 365 days"}],
               metrics=rocket_metrics)
        _score(store, quiet.id, now - timedelta(days=1), 35.0, "high", criticality=0.72, truck_factor=1,
               funding_need=0.81, funding_need_reason="=HYPERLINK(\"http://evil\") critical library, one person",
               flags=[{"name": "no_commits_12m", "evidence": "last commit 2023-04-01"},
                      {"name": "bus_factor_1", "evidence": "one person made all commits"}],
               metrics={"commits_365d": 0, "funding_channels_count": 0, "sponsors_count": 0})
        _insert(store, "funding_channels", {"project_id": rocket.id, "platform": "github", "account": "alice",
                                            "ref": "alice",
                                            "url": "https://github.com/sponsors/alice", "source": "funding_yml",
                                            "collected_at": now})
        _insert(store, "funding_channels", {"project_id": rocket.id, "platform": "open_collective",
                                            "account": "rocket", "ref": "rocket",
                                            "url": "https://opencollective.com/rocket",
                                            "source": "funding_yml", "collected_at": now})
        _insert(store, "funding_channels", {"project_id": rocket.id, "platform": "custom",
                                            "account": "evil", "ref": "evil", "url": "javascript:alert(5)",
                                            "source": "funding_yml", "collected_at": now})
        _insert(store, "github_sponsors", {"project_id": rocket.id, "collected_at": now, "owner_login": "acme",
                                           "owner_type": "Organization", "has_sponsors_listing": True,
                                           "sponsors_count": 12, "goal_title": "Pay a maintainer",
                                           "goal_percent_complete": 40,
                                           "tiers": json.dumps([{"name": "Backer", "monthly_price_usd": 5,
                                                                 "is_one_time": False}])})
        _insert(store, "github_repo_snapshots", {"project_id": rocket.id, "collected_at": now, "stars": 4200,
                                                 "forks": 300, "archived": False,
                                                 "description": HOSTILE_DESCRIPTION,
                                                 "homepage": "javascript:alert(6)"})
        _insert(store, "grants", {"funder": "Sovereign Tech Fund", "program": "STF", "recipient_project": "Rocket",
                                  "recipient_repo": "acme/rocket", "amount": 50000.0, "currency": "EUR",
                                  "awarded_on": (now - timedelta(days=400)).date(), "period_months": 12,
                                  "kind": "grant", "source_url": "https://example.org/stf-rocket", "note": "test",
                                  "grant_key": "stf|rocket", "recipient_repo_key": "acme/rocket",
                                  "repo_uncertain": False, "awarded_precision": "day", "imported_at": now})
        _insert(store, "grants", {"funder": "Maybe Fund", "program": "guess", "recipient_repo": "acme/rocket",
                                  "recipient_repo_key": "acme/rocket", "repo_uncertain": True, "amount": 1.0,
                                  "currency": "USD", "source_url": "https://example.org/maybe",
                                  "grant_key": "maybe|rocket", "imported_at": now})
        for k in range(12):
            back = now.year * 12 + now.month - 1 - (12 - k)
            month = date(back // 12, back % 12 + 1, 1)
            _insert(store, "opencollective_monthly", {"project_id": rocket.id, "slug": "rocket", "month": month,
                                                      "received": 1000.0 + 100 * k, "currency": "USD",
                                                      "collected_at": now})
        _insert(store, "opencollective_snapshots", {"project_id": rocket.id, "slug": "rocket", "collected_at": now,
                                                    "status": "ok", "name": "Rocket", "currency": "USD",
                                                    "balance": 5000.0, "yearly_budget": 20000.0,
                                                    "received_12m": 24000.0})
        # Issues and PRs of the last 60 days: answered after 2 h (issues) or 10 h (PRs), and 3 unanswered;
        # a bot's issue and an unchecked one do not count.
        for n in range(1, 21):
            opened = now - timedelta(days=3 * n)
            kind = "issue" if n % 2 else "pr"
            answered = None if n > 17 else opened + timedelta(hours=2 if kind == "issue" else 10)
            _insert(store, "github_issues", {"project_id": rocket.id, "number": n, "kind": kind, "state": "open",
                                             "author_is_bot": False, "created_at": opened, "updated_at": opened,
                                             "first_response_at": answered, "response_checked": True})
        _insert(store, "github_issues", {"project_id": rocket.id, "number": 21, "kind": "issue", "state": "open",
                                         "author_is_bot": True, "created_at": now, "updated_at": now,
                                         "first_response_at": None, "response_checked": True})
        _insert(store, "github_issues", {"project_id": rocket.id, "number": 22, "kind": "issue", "state": "open",
                                         "author_is_bot": False, "created_at": now, "updated_at": now,
                                         "first_response_at": None, "response_checked": False})
        _run(store, "git", rocket.id, now - timedelta(hours=3), "ok")
        _run(store, "git", quiet.id, now - timedelta(hours=3), "ok")
        _run(store, "github", quiet.id, now - timedelta(hours=2), "error", "HTTP 404: repository not found")
    return path


# -- a realistic portfolio, scored by the real score job ---------------------------------------------
# (slug, category, shape, people, stars, files, funding) - shape: how commits run over the history
PORTFOLIO = [
    ("aurora-ml/tensorflux", "frameworks", "busy", 14, 48_000, "all", "sponsors+oc+grant"),
    ("openweights/llama-serve", "inference", "busy", 9, 21_000, "license security contributing", "oc"),
    ("quantlab/quantize", "inference", "solo", 1, 6_500, "license", "channels"),
    ("dataforge/loaders", "data", "steady", 4, 3_200, "license contributing code_of_conduct", "sponsors"),
    ("evalkit/harness", "evaluation", "growing", 6, 9_800, "license security", "none"),
    ("agentsmith/agents", "agents", "growing", 3, 15_000, "license", "channels"),
    ("classic/sparse-svm", "classic-ml", "dormant", 2, 1_200, "license", "none"),
    ("classic/tree-boost", "classic-ml", "mature", 3, 7_400, "license contributing codeowners", "grant"),
    ("tooling/tokenize-rs", "tooling", "solo", 1, 2_100, "license security", "sponsors"),
    ("tooling/notebook-lint", "tooling", "fading", 2, 900, "license", "none"),
    ("vision/diffusers-lite", "frameworks", "busy", 8, 12_500, "license security contributing codeowners",
     "oc+grant"),
    ("speech/whisperlite", "inference", "steady", 3, 4_300, "license", "channels"),
    ("legacy/old-archived", "libraries", "dead", 1, 3_000, "license", "none"),
]
NO_DATA = ["newcomer/not-collected-yet", "newcomer/awaiting-first-run"]


def _shape(shape: str, week: int, weeks: int) -> int:
    """Commits by one person in a week of the history (deterministic, varied)."""
    wobble = (week * 7 + len(shape)) % 5
    return {
        "busy": 2 + wobble // 2,
        "steady": 1 if week % 2 == 0 else 0,
        "growing": (week * 4) // weeks + (1 if wobble > 2 else 0),
        "solo": 1 + wobble // 2,
        "fading": max(0, 3 - (week * 4) // weeks) if week < weeks - 20 else 0,
        "mature": 1 if week % 5 == 0 else 0,
        "dormant": 1 if week < weeks - 70 and week % 3 == 0 else 0,
        "dead": 1 if week < weeks - 120 else 0,
    }[shape]


def build_realistic(path: Path, now: datetime | None = None, history_months: int = 8) -> Path:
    """A portfolio of 15 projects with years of commits, tags, GitHub snapshots and issues, governance
    files, funding of every kind (or none), collection runs that went ok, partial and wrong, and two
    projects with nothing collected; scored by the real score job once a month for `history_months`
    months and today, so every page shows real scores, sub-scores, inputs and history."""
    from tracker.score import score_all

    now = (now or utcnow()).replace(microsecond=0)
    years = 6
    weeks = 52 * years
    start = now - timedelta(weeks=weeks)
    with Store.open(path) as store:
        store.execute("BEGIN")
        ids = {}
        for n, (slug, category, shape, people, stars, files, money) in enumerate(PORTFOLIO):
            project, _ = registry.add(store, slug, category=category,
                                      display_name=slug.split("/")[1].replace("-", " ").title())
            pid = ids[slug] = project.id
            rows = []
            for w in range(weeks):
                for person in range(people):
                    if shape in ("busy", "growing") and person > 0 and (w + person) % (person + 1):
                        continue  # the first person carries the most; the others come and go
                    if shape == "growing" and person >= 1 + (w * people) // weeks:
                        continue
                    for k in range(_shape(shape, w, weeks)):
                        at = start + timedelta(weeks=w, hours=9 + person, minutes=k)
                        email = f"dev{person}@{'org' if person % 3 else 'corp'}{person % 4}.example"
                        rows.append([pid, f"{pid:03d}{len(rows):037x}", "", False, f"Developer {chr(65 + person)}",
                                     email, email, at, at, False, False])
                if w % 4 == 0 and shape in ("busy", "steady", "growing"):
                    at = start + timedelta(weeks=w, hours=3)
                    rows.append([pid, f"{pid:03d}{len(rows):037x}", "", False, "dependabot[bot]",
                                 "support@dependabot.com", "support@dependabot.com", at, at, True, False])
            store.con.executemany("INSERT INTO git_commits VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            store.execute("INSERT INTO git_repos (project_id, source, local_path, default_branch, head_sha,"
                          " commits_stored, collected_at) VALUES (?, 'test', 'test', 'main', 'x', ?, ?)",
                          [pid, len(rows), now])
            last_commit_week = max((w for w in range(weeks) if _shape(shape, w, weeks)), default=0)
            every = {"busy": 6, "steady": 10, "growing": 8, "solo": 12, "mature": 26, "fading": 16,
                     "dormant": 20, "dead": 30}[shape]
            for i, w in enumerate(range(8, last_commit_week + 1, every)):
                store.execute("INSERT INTO git_tags VALUES (?, ?, NULL, ?, true)",
                              [pid, f"v{i // 10}.{i % 10}.0", start + timedelta(weeks=w, hours=20)])
            for kind in files.split():
                _insert(store, "repo_files", {"project_id": pid, "kind": kind, "path": kind.upper() + ".md",
                                              "size_bytes": 900, "collected_at": now})
            _insert(store, "github_repo_snapshots", {
                "project_id": pid, "collected_at": now, "full_name": slug, "stars": stars, "forks": stars // 9,
                "open_issues": 40 + n * 7, "open_prs": 5 + n, "archived": shape == "dead", "is_fork": False,
                "created_at": start, "pushed_at": start + timedelta(weeks=last_commit_week),
                "description": f"{slug.split('/')[1].replace('-', ' ')}: an open-source AI project",
                "contributors_count": people * 3, "commits_365d": None, "license_spdx": "Apache-2.0"})
            answer_hours = {"busy": 6, "steady": 30, "growing": 50, "solo": 400, "mature": 90, "fading": 900,
                            "dormant": 1500, "dead": None}[shape]
            for i in range(24 if answer_hours is not None else 0):
                opened = now - timedelta(days=3 + 3 * i, hours=n)
                kind = "issue" if i % 3 else "pr"
                answered = None if i % 7 == 6 else opened + timedelta(hours=answer_hours * (0.5 + (i % 4) / 3))
                closed = opened + timedelta(days=4) if i % 2 == 0 else None
                _insert(store, "github_issues", {
                    "project_id": pid, "number": i + 1, "kind": kind, "state": "closed" if closed else "open",
                    "author_is_bot": False, "created_at": opened, "updated_at": opened, "closed_at": closed,
                    "merged_at": closed if kind == "pr" else None, "comments": 2,
                    "first_response_at": answered if answered and answered < now else None,
                    "response_checked": True})
            if "channels" in money or "sponsors" in money or "oc" in money:
                _insert(store, "funding_channels", {
                    "project_id": pid, "platform": "github", "account": slug.split("/")[0],
                    "ref": slug.split("/")[0], "url": f"https://github.com/sponsors/{slug.split('/')[0]}",
                    "source": "funding_yml", "collected_at": now})
            if "sponsors" in money:
                _insert(store, "github_sponsors", {
                    "project_id": pid, "collected_at": now, "owner_login": slug.split("/")[0],
                    "owner_type": "Organization", "has_sponsors_listing": True, "sponsors_count": 8 + 3 * n,
                    "tiers": json.dumps([])})
            if "oc" in money:
                oc_slug = slug.split("/")[1]
                _insert(store, "funding_channels", {
                    "project_id": pid, "platform": "open_collective", "account": oc_slug, "ref": oc_slug,
                    "url": f"https://opencollective.com/{oc_slug}", "source": "funding_yml", "collected_at": now})
                _insert(store, "opencollective_snapshots", {
                    "project_id": pid, "slug": oc_slug, "collected_at": now, "status": "ok", "name": oc_slug,
                    "currency": "USD", "balance": 4000.0 * (n + 1), "yearly_budget": 9000.0 * (n + 1),
                    "received_12m": 7000.0 * (n + 1)})
            if "grant" in money:
                _insert(store, "grants", {
                    "funder": "Sovereign Tech Fund", "program": "STF", "recipient_project": slug,
                    "recipient_repo": slug, "amount": 120000.0 + 10000 * n, "currency": "EUR",
                    "awarded_on": (now - timedelta(days=200 + 40 * n)).date(), "period_months": 12, "kind": "grant",
                    "source_url": f"https://example.org/grants/{n}", "grant_key": f"stf|{slug}",
                    "recipient_repo_key": slug, "repo_uncertain": False, "awarded_precision": "day",
                    "imported_at": now})
            for source in ("git", "github", "funding"):
                status, error, parts = "ok", None, None
                if source == "github" and shape == "fading":
                    status, error = "partial", "issues: HTTP 502 from the API"
                    parts = {"rest": {"status": "ok"}, "issues": {"status": "failed",
                                                                  "reason": "HTTP 502 from the API"}}
                _insert(store, "collection_runs", {
                    "id": 1000 * (n + 1) + len(source), "source": source, "project_id": pid,
                    "started_at": now - timedelta(hours=2 + n), "finished_at": now - timedelta(hours=2 + n, minutes=-1),
                    "status": status, "error": error, "parts": json.dumps(parts) if parts else None})
        # an earlier failed github run of one project, then an ok one: its page must not show the old error
        pid = ids["aurora-ml/tensorflux"]
        _insert(store, "collection_runs", {"id": 99_001, "source": "opencollective", "project_id": pid,
                                           "started_at": now - timedelta(days=2), "finished_at": now - timedelta(days=2),
                                           "status": "error", "error": "unreachable: connection refused"})
        _insert(store, "collection_runs", {"id": 99_002, "source": "opencollective", "project_id": pid,
                                           "started_at": now - timedelta(hours=1), "finished_at": now - timedelta(hours=1),
                                           "status": "ok"})
        for slug in NO_DATA:
            project, _ = registry.add(store, slug, category="libraries")
            _insert(store, "collection_runs", {"id": 98_000 + project.id, "source": "git", "project_id": project.id,
                                               "started_at": now - timedelta(hours=5),
                                               "finished_at": now - timedelta(hours=5), "status": "error",
                                               "error": "git clone failed: could not resolve host"})
        store.execute("COMMIT")
        for months_back in range(history_months, 0, -1):
            score_all(store, now - timedelta(days=30 * months_back))
        score_all(store, now)
        store.execute("CHECKPOINT")
    return path
