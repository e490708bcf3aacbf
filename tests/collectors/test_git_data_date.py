"""The date of git data (`git_repos.data_at`, metric `git_data_at`): a clone is current at its fetch;
a local path or a mirror is a snapshot dated by its refs, or by `git config tracker.dataDate`."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from tests.gitrepo import GitRepo
from tracker import metrics
from tracker.clock import utcnow

SNAPSHOT = datetime(2024, 3, 28, 15, 34, 53)


def _date_refs(repo: GitRepo, when: datetime) -> None:
    """Give every ref file the time a snapshot archive would have kept (as the mirrors have)."""
    stamp = when.replace(tzinfo=UTC).timestamp()
    git_dir = repo.path / ".git"
    for folder, _dirs, files in os.walk(git_dir / "refs"):
        for name in files:
            os.utime(os.path.join(folder, name), (stamp, stamp))
    if (git_dir / "packed-refs").exists():
        os.utime(git_dir / "packed-refs", (stamp, stamp))


def _data_at(store, slug: str) -> datetime:
    return store.scalar("SELECT data_at FROM git_repos r JOIN projects p ON p.id = r.project_id"
                        " WHERE p.slug = ?", [slug])


def test_a_local_snapshot_is_dated_by_its_refs(make_repo, cli, store):
    repo = make_repo()
    repo.commit("2016-03-03", "Ann", "ann@acme.com")
    repo.tag("v1.3.7")
    repo.git("pack-refs", "--all")
    _date_refs(repo, SNAPSHOT)
    cli("add", "acme/old", "--git", str(repo.path))
    assert cli("collect", "--source", "git").code == 0
    assert _data_at(store, "acme/old") == SNAPSHOT
    pid = store.scalar("SELECT id FROM projects")
    assert metrics.compute_all(store, pid, datetime(2026, 11, 1))["git_data_at"] == SNAPSHOT


def test_the_data_is_never_older_than_head_nor_later_than_the_collection(make_repo, cli, store):
    repo = make_repo()
    repo.commit("2025-05-05T10:00:00", "Ann", "ann@acme.com")
    _date_refs(repo, datetime(2020, 1, 1))  # refs older than the commit they point at (a copy)
    cli("add", "acme/copy", "--git", str(repo.path))
    assert cli("collect", "--source", "git").code == 0
    assert _data_at(store, "acme/copy") == datetime(2025, 5, 5, 10, 0, 0)
    _date_refs(repo, datetime(2099, 1, 1))  # a clock gone wrong
    before = utcnow()
    assert cli("collect", "--source", "git").code == 0
    assert before <= _data_at(store, "acme/copy") <= utcnow()


def test_an_explicit_data_date_wins(make_repo, cli, store):
    repo = make_repo()
    repo.commit("2022-01-10", "Ann", "ann@acme.com")
    repo.git("config", "tracker.dataDate", "2023-06-30T12:00:00Z")
    cli("add", "acme/dated", "--git", str(repo.path))
    assert cli("collect", "--source", "git").code == 0
    assert _data_at(store, "acme/dated") == datetime(2023, 6, 30, 12, 0, 0)
    repo.git("config", "tracker.dataDate", "last tuesday")
    _date_refs(repo, SNAPSHOT)
    result = cli("collect", "--source", "git")
    assert result.code == 0 and "tracker.dataDate = 'last tuesday' is not an ISO date" in result.err
    assert _data_at(store, "acme/dated") == SNAPSHOT


def test_a_clone_is_current_at_its_fetch(make_repo, cli, store):
    origin = make_repo("origin")
    origin.commit("2019-01-01", "Ann", "ann@acme.com")
    _date_refs(origin, SNAPSHOT)  # the origin's own file times do not matter: the fetch does
    cli("add", "acme/remote", "--git", f"file://{origin.path}")
    before = utcnow()
    assert cli("collect", "--source", "git").code == 0
    data_at, collected_at = store.one("SELECT data_at, collected_at FROM git_repos")
    assert data_at == collected_at and before <= data_at <= utcnow()
