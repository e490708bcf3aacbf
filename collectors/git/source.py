"""The git source: fetch reads the repository (no store), save writes it in one transaction.

The stored HEAD is the cursor: a rerun reads only `old..new`; a rewritten history (force-push) is
detected and re-read whole; `--full` re-reads everything. Everything a run writes goes in one
transaction, together with the cursor, so a killed run changes nothing and the next run completes
it. The write is set-based: DuckDB scans the NumPy columns of the parsed history directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from collectors import Batch, FetchContext
from collectors.git.repo import (
    GitRepo,
    HeadFile,
    History,
    Tag,
    clone_or_fetch,
    is_url,
    open_local,
    read_head_files,
    read_history,
    read_tags,
)
from tracker import failures
from tracker.errors import CollectionError
from tracker.registry import Project
from tracker.store import Store


@dataclass
class GitBatch:
    """What one read of the repository found (plain data)."""

    collected_at: datetime
    source: str                 # the URL or path read
    local_path: str             # where git ran
    branch: str | None
    head: str | None
    shallow: bool
    mode: str                   # empty | unchanged | incremental | rewritten | full
    history: History = field(default_factory=History)
    tags: list[Tag] = field(default_factory=list)
    files: list[HeadFile] = field(default_factory=list)


def state(store: Store, project: Project) -> dict[str, Any]:
    """The stored HEAD: the incremental cursor."""
    return {"head": store.scalar("SELECT head_sha FROM git_repos WHERE project_id = ?", [project.id])}


@dataclass
class GitSession:
    """What the git fetches of one run share: hosts found unreachable (offline, no route), which
    the run's other projects on that host do not try again (one failure, not one per project)."""

    unreachable: dict[str, str] = field(default_factory=dict)   # host -> the first error


def open_session(run) -> GitSession:
    return GitSession()


def _open(ctx: FetchContext, project: Project) -> GitRepo:
    source = project.git_url(ctx.config.github_web_url)
    if is_url(source):
        session = ctx.session if isinstance(ctx.session, GitSession) else GitSession()
        host = failures.url_host(source) or source
        if host in session.unreachable:
            raise CollectionError(f"not tried: {host} could not be reached earlier in this run "
                                  f"({session.unreachable[host]})")
        try:
            return clone_or_fetch(source, ctx.config.git_cache, project, ctx.progress)
        except CollectionError as exc:
            if failures.unreachable(str(exc)):
                session.unreachable[host] = failures.reason_of(str(exc))
            raise
    return open_local(source)


def fetch(ctx: FetchContext, project: Project, prior: dict[str, Any]) -> Batch:
    """Read what is new on the default branch since the stored HEAD (all of it when asked)."""
    progress = ctx.progress
    repo = _open(ctx, project)
    branch = repo.text("symbolic-ref", "-q", "--short", "HEAD", check=False) or None
    shallow = repo.text("rev-parse", "--is-shallow-repository", check=False) == "true"
    head = repo.text("rev-parse", "-q", "--verify", "HEAD^{commit}", check=False) or None
    old_head = prior.get("head")
    if shallow:
        progress.warn("shallow clone: history before the cut is missing, so commits_total, "
                      "first_commit_at, contributors_total and new contributors are lower bounds")

    mode = "unchanged"
    history = History()
    if head is None:
        mode = "empty"
        progress("repository has no commits yet")
    elif old_head == head and not ctx.full:
        progress(f"no new commits on {branch or 'HEAD'} ({head[:12]})")
    elif old_head and not ctx.full and repo.ok("merge-base", "--is-ancestor", old_head, head):
        mode = "incremental"
        history = read_history(repo, f"{old_head}..{head}", ctx.now)
        progress(f"{len(history):,} new commits on {branch or 'HEAD'}")
    else:
        mode = "rewritten" if old_head and not ctx.full else "full"
        if mode == "rewritten":
            progress.warn(f"history was rewritten (stored HEAD {old_head[:12]} is no longer an "
                          "ancestor): reading it again in full")
        progress(f"reading history of {branch or 'HEAD'}")
        history = read_history(repo, head, ctx.now)
        progress(f"{len(history):,} commits, {len(history.file_path):,} paths touched")

    data = GitBatch(ctx.now, project.git_url(ctx.config.github_web_url), str(repo.path), branch, head, shallow,
                    mode, history, read_tags(repo), read_head_files(repo) if head else [])
    return Batch(data, cursor={"head": head})


def _column(values: list, dtype: str | type = object) -> np.ndarray:
    return np.array(values, dtype=dtype)


def _commits_table(h: History, project_id: int) -> dict[str, np.ndarray]:
    """Columns DuckDB scans directly (a dict of NumPy arrays: no pandas/pyarrow import needed)."""
    return {
        "project_id": np.full(len(h), project_id, dtype=np.int32),
        "sha": _column(h.sha),
        "parents": _column(h.parents),
        "is_merge": _column(h.is_merge, bool),
        "author_name": _column(h.author_name),
        "author_email": _column(h.author_email),
        "author_key": _column(h.author_key),
        "author_at": _column(h.author_at, "datetime64[s]"),
        "committer_at": _column(h.committer_at, "datetime64[s]"),
        "is_bot": _column(h.is_bot, bool),
        "date_suspect": _column(h.date_suspect, bool),
    }


def _files_table(h: History, project_id: int) -> dict[str, np.ndarray]:
    return {
        "project_id": np.full(len(h.file_sha), project_id, dtype=np.int32),
        "sha": _column(h.file_sha),
        "change": _column(h.file_change),
        "path": _column(h.file_path),
    }


def save(store: Store, project: Project, batch: Batch) -> dict[str, Any]:
    """Write the commits, paths, tags, HEAD files and the cursor (inside the run's transaction).
    Idempotent: an incremental write skips commits already stored."""
    g: GitBatch = batch.data
    con = store.con
    if g.mode in ("full", "rewritten", "empty"):
        con.execute("DELETE FROM git_commit_files WHERE project_id = ?", [project.id])
        con.execute("DELETE FROM git_commits WHERE project_id = ?", [project.id])
    inserted = 0
    if len(g.history):
        new_commits = _commits_table(g.history, project.id)  # noqa: F841 (scanned by name)
        new_files = _files_table(g.history, project.id)  # noqa: F841
        if g.mode == "incremental":
            # Files first: both inserts skip commits already stored, so nothing lands twice.
            skip = " WHERE sha NOT IN (SELECT sha FROM git_commits WHERE project_id = ?)"
            params = [project.id]
        else:
            skip, params = "", []  # the project's rows were deleted above
        con.execute("INSERT INTO git_commit_files SELECT * FROM new_files" + skip, params)
        inserted = con.execute("INSERT INTO git_commits SELECT * FROM new_commits" + skip, params).fetchone()[0]
    con.execute("DELETE FROM git_tags WHERE project_id = ?", [project.id])
    if g.tags:
        new_tags = {  # noqa: F841 (scanned by name)
            "project_id": np.full(len(g.tags), project.id, dtype=np.int32),
            "name": _column([t.name for t in g.tags]),
            "sha": _column([t.sha for t in g.tags]),
            "tagged_at": _column([t.tagged_at for t in g.tags], float),  # NaN: no date
            "is_release": _column([t.is_release for t in g.tags], bool),
        }
        con.execute("INSERT INTO git_tags SELECT project_id, name, sha,"
                    " CASE WHEN isnan(tagged_at) THEN NULL"
                    " ELSE make_timestamp(tagged_at::BIGINT * 1000000) END, is_release FROM new_tags")
    con.execute("DELETE FROM repo_files WHERE project_id = ?", [project.id])
    if g.files:
        con.executemany(
            "INSERT INTO repo_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [[project.id, f.kind, f.path, f.size_bytes, f.content, f.truncated, f.problem,
              f.blob_sha, g.collected_at] for f in g.files])
    stored = con.execute("SELECT count(*) FROM git_commits WHERE project_id = ?", [project.id]).fetchone()[0]
    store.upsert("git_repos", [dict(
        project_id=project.id, source=g.source, local_path=g.local_path, default_branch=g.branch,
        head_sha=g.head, is_shallow=g.shallow, is_empty=g.head is None, commits_stored=stored,
        collected_at=g.collected_at)], key=["project_id"])
    counters: dict[str, Any] = {"mode": g.mode, "commits_stored": int(stored), "tags": len(g.tags),
                                "files": len(g.files)}
    if len(g.history):
        counters["commits_new"] = int(inserted)
    return counters


def summary(batch: Batch, counters: dict[str, Any]) -> str:
    return (f"{counters.get('commits_stored', 0):,} commits stored, {counters.get('tags', 0)} tags, "
            f"{counters.get('files', 0)} governance files")
