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
