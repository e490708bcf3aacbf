"""GitHub metrics from hand-made rows: each definition checked against numbers worked out by hand."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from tracker import metrics, registry
from tracker.metrics import github as gm

NOW = datetime(2024, 6, 1, 12, 0, 0)


def day(n: float) -> datetime:
    return NOW - timedelta(days=n)


@pytest.fixture
def pid(store):
    project, _ = registry.add(store, "acme/widget")
    return project.id


def snapshot(store, pid, **kw):
    row = dict(project_id=pid, collected_at=day(1), stars=10, forks=2, open_issues=3, open_prs=1, archived=False,
               created_at=day(730), pushed_at=day(65), contributors_count=42, commits_365d=104)
    row.update(kw)
    store.upsert("github_repo_snapshots", [row], key=["project_id", "collected_at"])
    store.upsert("github_state", [dict(project_id=pid, status="ok", collected_at=day(1))], key=["project_id"])


def issue(store, pid, number, kind="issue", created=10, closed=None, response_hours=None, bot=False,
          comments=1, updated=None, merged=None):
    created_at = day(created)
    store.upsert("github_issues", [dict(
        project_id=pid, number=number, kind=kind, state="closed" if closed is not None else "open",
        author_login="someone", author_is_bot=bot, author_association="NONE", created_at=created_at,
        updated_at=day(updated if updated is not None else (closed if closed is not None else created)),
        closed_at=day(closed) if closed is not None else None, merged_at=day(merged) if merged is not None else None,
        comments=comments,
        first_response_at=created_at + timedelta(hours=response_hours) if response_hours is not None else None,
        first_response_by="maintainer" if response_hours is not None else None, response_checked=True)],
        key=["project_id", "number"])


def test_never_collected_is_unknown_everywhere(store, pid):
    m = metrics.compute_all(store, pid, NOW)
    assert all(m[name] is None for name in gm.NAMES)


def test_responsiveness_closure_and_issue_age(store, pid):
    snapshot(store, pid)
    issue(store, pid, 1, created=10, response_hours=2, closed=5, comments=4)
    issue(store, pid, 2, created=20, response_hours=10, comments=2)
    issue(store, pid, 3, created=30, comments=0)                       # unanswered: waited 720 h so far
    issue(store, pid, 4, created=5, response_hours=1, bot=True)       # bots are left out
    issue(store, pid, 5, created=200, closed=50)                      # opened before the window, closed in it
    issue(store, pid, 6, kind="pr", created=10, response_hours=5, closed=9, merged=9)
    issue(store, pid, 7, kind="pr", created=15, response_hours=7)
    issue(store, pid, 8, kind="pr", created=12, response_hours=30, closed=2)
    m = metrics.compute_all(store, pid, NOW)
    assert m["median_time_to_first_response_hours_90d_issues"] == 10.0       # median(2, 10, 720 so far)
    assert m["median_time_to_first_response_hours_90d_prs"] == 7.0          # median(5, 7, 30)
    assert m["issue_closure_ratio_90d"] == round(2 / 3, 3)                  # closed 1, 5; opened 1, 2, 3
    assert m["change_request_closure_ratio_90d"] == round(2 / 3, 3)
    assert m["median_open_issue_age_days"] == 25.0                          # open, not bots': 20 and 30 days
    assert m["closed_issues_count_90d"] == 2                                 # issues 1 and 5
    assert m["updated_issues_count_90d"] == 5                                # 1-5 (bots' too, as criticality)
    assert m["comment_frequency_90d"] == pytest.approx((4 + 2 + 0 + 1 + 1) / 5, abs=0.01)
    assert (m["stars"], m["forks"], m["open_issues"], m["open_prs"], m["archived"]) == (10, 2, 3, 1, False)


def test_release_cadence(store, pid):
    snapshot(store, pid)
    rows = [(1, "v1.0", 500, False), (2, "v1.1", 300, False), (3, "v1.2", 100, False),
            (4, "v1.3rc1", 20, True), (5, "v1.3", 10, False)]
    store.upsert("github_releases", [dict(project_id=pid, release_id=i, tag=t, name=None, created_at=day(d),
                                          published_at=day(d), prerelease=p) for i, t, d, p in rows],
                 key=["project_id", "release_id"])
    m = metrics.compute_all(store, pid, NOW)
    assert m["releases_365d"] == 3 and m["recent_releases_count"] == 3      # v1.1, v1.2, v1.3
    assert m["days_since_last_release"] == 10
    assert m["median_release_interval_days"] == 200.0                       # gaps 200, 200, 90


def test_organisations_sponsors_and_criticality_signals(store, pid):
    snapshot(store, pid)
    store.upsert("github_contributors", [
        dict(project_id=pid, rank=1, login="alice", kind="User", contributions=9, company="@Acme Inc.",
             organizations=json.dumps(["acme"]), collected_at=day(1)),
        dict(project_id=pid, rank=2, login="bob", kind="User", contributions=5, company="acme",
             organizations="[]", collected_at=day(1)),
        dict(project_id=pid, rank=3, login="carol", kind="User", contributions=3, company="Initech, LLC",
             organizations="[]", collected_at=day(1)),
        dict(project_id=pid, rank=4, login="dave", kind="User", contributions=1, company=None,
             organizations="[]", collected_at=day(1)),
        dict(project_id=pid, rank=5, login="bot[bot]", kind="Bot", contributions=1, company="Bots Inc",
             organizations=None, collected_at=day(1)),
    ], key=["project_id", "rank"])
    store.upsert("github_sponsors", [dict(project_id=pid, collected_at=day(1), owner_login="acme",
                                          owner_type="Organization", has_sponsors_listing=False, sponsors_count=0,
                                          tiers=None)], key=["project_id", "collected_at"])
    m = metrics.compute_all(store, pid, NOW)
    assert m["org_count"] == 2                       # acme (twice spelled), initech; bots ignored
    assert m["has_sponsors_listing"] is False and m["sponsors_count"] == 0
    assert m["created_since_months"] == 23 and m["updated_since_months"] == 2
    assert m["contributor_count"] == 42 and m["commit_frequency_weekly"] == 2.0
    assert m["dependents_count"] is None


def test_a_later_snapshot_is_not_used_for_an_earlier_as_of(store, pid):
    snapshot(store, pid, collected_at=day(1), stars=10)
    snapshot(store, pid, collected_at=NOW + timedelta(days=3), stars=99)
    assert metrics.compute_all(store, pid, NOW)["stars"] == 10


@pytest.mark.parametrize("last_commit", [day(200), (NOW - timedelta(days=200)).isoformat() + "Z"])
def test_updated_since_and_commits_a_week_come_from_git_when_it_is_known(store, pid, last_commit):
    """criticality_score's signals: months since the last commit (git's, a datetime or ISO text as
    stored) before GitHub's last push; commits a week from GitHub's count of the year, else git's."""
    snapshot(store, pid, pushed_at=day(65), commits_365d=None)
    m = gm.compute(store, pid, NOW, {"last_commit_at": last_commit, "commits_365d": 100, "dependents_count": 7})
    assert m["updated_since_months"] == 6                  # 200 days / 30.44, whole months
    assert m["commit_frequency_weekly"] == 1.92            # 100 commits / 52 weeks, to 2 places
    assert m["dependents_count"] == 7
    bare = gm.compute(store, pid, NOW, {})
    assert bare["updated_since_months"] == 2 and bare["commit_frequency_weekly"] is None   # last push: 65 days


@pytest.mark.parametrize("created, months", [(None, None), (10, 0), (30.5, 0), (31, 1), (-3, 0), (730, 23)])
def test_months_since_creation_are_whole_months_of_30_44_days(store, pid, created, months):
    snapshot(store, pid, created_at=None if created is None else day(created))
    assert gm.compute(store, pid, NOW)["created_since_months"] == months


def test_counts_are_zero_once_collected_and_unknown_from_a_snapshot_alone(store, pid):
    """A collection reads releases and issues every time, so none found is 0; a snapshot without a
    successful collection (no github_state) says nothing about them: unknown, in the same set."""
    other = registry.add(store, "acme/other")[0].id
    snapshot(store, pid)
    store.upsert("github_repo_snapshots", [dict(project_id=other, collected_at=day(1), stars=5)],
                 key=["project_id", "collected_at"])
    issue(store, other, 1, created=20, closed=10)
    got = metrics.compute(store, [other, pid], NOW)
    counts = ("releases_365d", "recent_releases_count", "closed_issues_count_90d", "updated_issues_count_90d")
    assert [got[pid][n] for n in counts] == [0, 0, 0, 0]
    assert [got[other][n] for n in counts] == [None] * 4 and got[other]["stars"] == 5


def test_hours_days_and_comments_keep_their_published_decimals(store, pid):
    snapshot(store, pid)
    for number, created, comments in ((1, 10.123, 1), (2, 20, 2), (3, 30, 2)):
        issue(store, pid, number, created=created, response_hours=61 / 60, comments=comments,
              closed=3 if number == 2 else None)
    issue(store, pid, 4, kind="pr", created=5, response_hours=61 / 60)
    store.upsert("github_releases", [dict(project_id=pid, release_id=i, tag=t, name=None, created_at=day(d),
                                          published_at=day(d), prerelease=False)
                                     for i, t, d in ((1, "v1", 200.123), (2, "v2", 100))],
                 key=["project_id", "release_id"])
    m = metrics.compute_all(store, pid, NOW)
    assert m["median_time_to_first_response_hours_90d_issues"] == 1.02      # 1 h 1 min
    assert m["median_time_to_first_response_hours_90d_prs"] == 1.02
    assert m["median_open_issue_age_days"] == 20.1                         # (10.123 + 30) / 2, 1 place
    assert m["comment_frequency_90d"] == 1.67                               # (1 + 2 + 2) / 3
    assert m["issue_closure_ratio_90d"] == 0.333                            # 1 of 3
    assert m["median_release_interval_days"] == 100.12
