"""Requests to the collecting process ("track this repo", "collect this project now").

The app never writes collected data; it only appends a request row here, in a short transaction,
and the scheduler (the single writer) carries it out. A pending duplicate is not added twice.
"""

from __future__ import annotations

from typing import Any

from tracker.errors import UsageError
from tracker.registry import normalise_git_source, parse_repo
from tracker.runs import utcnow
from tracker.store import Store

KINDS = ("collect", "track")


def _request(store: Store, kind: str, slug: str, source: str | None, git_source: str | None,
             requested_by: str | None) -> int:
    with store.transaction():
        existing = store.scalar(
            "SELECT id FROM collection_requests WHERE status = 'pending' AND kind = ?"
            " AND lower(project_slug) = lower(?) AND source IS NOT DISTINCT FROM ?",
            [kind, slug, source],
        )
        if existing is not None:
            return existing
        return store.scalar(
            "INSERT INTO collection_requests (kind, project_slug, git_source, source, requested_at,"
            " requested_by, status) VALUES (?, ?, ?, ?, ?, ?, 'pending') RETURNING id",
            [kind, slug, git_source, source, utcnow(), requested_by],
        )


def request_track(store: Store, text: str, git_source: str | None = None,
                  requested_by: str | None = "app") -> int:
    """Ask the collector to track OWNER/REPO (validated now, so bad names fail at once)."""
    owner, repo = parse_repo(text)
    if git_source:
        git_source = normalise_git_source(git_source)
    return _request(store, "track", f"{owner}/{repo}", None, git_source, requested_by)


def request_collection(store: Store, slug: str, source: str | None = None,
                       requested_by: str | None = "app") -> int:
    """Ask the collector to collect one project now (every source, or `source`)."""
    owner, repo = parse_repo(slug)
    if source is not None and not source.isidentifier():
        raise UsageError(f"unknown source {source!r}")
    return _request(store, "collect", f"{owner}/{repo}", source, None, requested_by)


def pending(store: Store) -> list[dict[str, Any]]:
    return store.dicts("SELECT * FROM collection_requests WHERE status = 'pending' ORDER BY id")


def mark(store: Store, request_id: int, status: str, error: str | None = None) -> None:
    store.execute(
        "UPDATE collection_requests SET status = ?, handled_at = ?, error = ? WHERE id = ?",
        [status, utcnow(), error, request_id],
    )
