"""Helpers for the scoring tests: collect a real git repository into a test store."""

from __future__ import annotations

from tests.gitrepo import GitRepo
from tracker import collect, config, registry
from tracker.progress import Progress
from tracker.store import Store


def track(store: Store, repo: GitRepo, slug: str = "acme/lib") -> registry.Project:
    """Track `repo` under `slug` and run the git collector on it."""
    project, _ = registry.add(store, slug, git_source=str(repo.path))
    outcomes = collect.collect(store, config.load(store.path), [project], ["git"], Progress(quiet=True))
    assert [o.status for o in outcomes] == ["ok"], outcomes
    return project
