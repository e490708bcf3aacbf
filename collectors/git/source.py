"""The git source: fetch reads the repository (no store), save writes it in one transaction.

The stored HEAD is the cursor: a rerun reads only `old..new`; a rewritten history (force-push) is
detected and re-read whole; `--full` re-reads everything. Everything a run writes goes in one
transaction, together with the cursor, so a killed run changes nothing and the next run completes
it. The write is set-based: DuckDB scans the NumPy columns of the parsed history directly.

Two things are worked out over the whole history on every run, not only the new commits:
* people: every (name, e-mail) pair ever stored plus the new ones are merged into people
  (tracker/identity.py, rules from weights.toml [identity]); new commits are stored with their
  person's key and stored commits whose person changed (a new alias joined two people) are re-keyed;
* the owner's `.github` repository (collectors/git/org_defaults.py) supplies the community health
  files the repository lacks, for projects whose history comes from the forge (`GITHUB_SERVER_URL`).
  It is its own part: when it cannot be read the run is partial and the defaults stored before stay.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from collectors import SKIPPED, Batch, FetchContext
from collectors.git.org_defaults import FAILED, FOUND, GitSession, OrgDefaults
from collectors.git.repo import (
    ORG_DEFAULT_KINDS,
    GitRepo,
    HeadFile,
    History,
    Tag,
    clone_or_fetch,
    data_date,
    is_url,
    open_local,
    read_head,
    read_head_files,
    read_history,
    read_tags,
)
from tracker import failures
from tracker.errors import CollectionError
from tracker.identity import IdentityRules, is_bot, merge_people
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
    data_at: datetime | None = None  # when the history read was current (repo.data_date)
    history: History = field(default_factory=History)
    tags: list[Tag] = field(default_factory=list)
    files: list[HeadFile] = field(default_factory=list)   # own files, then the owner's defaults used
    rekey: list[tuple[str, str, str]] = field(default_factory=list)   # stored (name, e-mail) -> new key
    people: int = 0                                      # people among all the history's pairs
    identities: int = 0                                  # human (name, e-mail) pairs
    org: OrgDefaults | None = None
    renames_before: str | None = None                     # how the stored history's renames were found


def state(store: Store, project: Project) -> dict[str, Any]:
    """The stored HEAD (the incremental cursor), every stored (name, e-mail, key) of the history,
    and the default files taken from the owner's `.github` repository before (kept if it cannot be
    read this time)."""
    row = store.one("SELECT head_sha, renames FROM git_repos WHERE project_id = ?", [project.id])
    head, renames = row or (None, None)
    # Two lookups fewer for a project collected for the first time (about 1.5 ms each in the
    # writer): without a stored HEAD the history is read whole (mode full or empty), so the stored
    # pairs are not used; and a project's git rows, the owner's defaults among them, are only ever
    # written together with its git_repos row (save), so without that row there are none.
    return {
        "head": head,
        "renames": renames,
        "identities": store.all("SELECT author_name, author_email, min(author_key) FROM git_commits"
                                " WHERE project_id = ? GROUP BY author_name, author_email", [project.id])
        if head is not None else [],
        "org_files": [HeadFile(*row) for row in store.all(
            "SELECT kind, path, size_bytes, content, truncated, problem, blob_sha, source_repo FROM repo_files"
            " WHERE project_id = ? AND source_repo IS NOT NULL ORDER BY kind", [project.id])]
        if row is not None else [],
    }


def open_session(run: Any) -> GitSession:
    """The run's git session: each owner's `.github` repository is read once per run."""
    return GitSession(run)


def _open(ctx: FetchContext, project: Project) -> GitRepo:
    source = project.git_url(ctx.config.github_web_url)
    if is_url(source):
        # hosts found unreachable earlier in this run (offline, no route) are not tried again
        unreachable = ctx.session.unreachable if isinstance(ctx.session, GitSession) else {}
        host = failures.url_host(source) or source
        if host in unreachable:
            raise CollectionError(f"not tried: {host} could not be reached earlier in this run "
                                  f"({unreachable[host]})")
        try:
            return clone_or_fetch(source, ctx.config.git_cache, project, ctx.progress)
        except CollectionError as exc:
            if failures.unreachable(str(exc)):
                unreachable[host] = failures.reason_of(str(exc))
            raise
    return open_local(source)


def fetch(ctx: FetchContext, project: Project, prior: dict[str, Any]) -> Batch:
    """Read what is new on the default branch since the stored HEAD (all of it when asked)."""
    progress = ctx.progress
    repo = _open(ctx, project)
    branch = repo.text("symbolic-ref", "-q", "--short", "HEAD", check=False) or None
    shallow = repo.shallow if repo.shallow is not None else \
        repo.text("rev-parse", "--is-shallow-repository", check=False) == "true"
    top = read_head(repo)   # HEAD, its committer time and the folders governance files are in
    head = top.sha
    old_head = prior.get("head")
    if shallow:
        progress.warn("shallow clone: history before the cut is missing, so commits_total, "
                      "first_commit_at, contributors_total and new contributors are lower bounds")

    mode = "unchanged"
    history = History()
    if head is None:
        mode = "empty"
        progress("repository has no commits yet")
    elif old_head and prior.get("renames") is None:
        mode = "full"
        progress(f"reading the history of {branch or 'HEAD'} again, once, to find its renames")
        history = read_history(repo, head, ctx.now)
        progress(f"{len(history):,} commits, {len(history.file_path):,} paths touched")
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

    if history.renames not in ("detected", "not looked for"):
        progress.warn(f"renames: {history.renames} (such a file renamed with edits counts as deleted and added)")
    source = project.git_url(ctx.config.github_web_url)
    # a clone is current at its fetch
    when = ctx.now if is_url(source) else data_date(repo, ctx.now, progress, head_time=top.committed)
    data = GitBatch(ctx.now, source, str(repo.path), branch, head, shallow, mode, when, history,
                    read_tags(repo), read_head_files(repo, listings=top.listings) if head else [])
    data.renames_before = prior.get("renames")
    if mode == "incremental" and history.renames != "detected" and history.renames != "not looked for":
        data.renames_before = history.renames  # a worse finding of the new commits is remembered
    _merge_people(ctx, data, prior)
    batch = Batch(data, cursor={"head": head})
    batch.ok("history")
    _add_org_defaults(ctx, project, prior, data, batch)
    return batch


def complete(ctx: FetchContext, project: Project, prior: dict[str, Any], batch: Batch) -> None:
    """The part of a fetch that needs the run's session, done by the writer for a fetch that ran in
    a worker process or on a Dask worker (there `ctx.session` is None and the owner's `.github`
    defaults were skipped): read them once per owner and run, as a fetch in this process does."""
    if batch.data is not None and isinstance(ctx.session, GitSession):
        _add_org_defaults(ctx, project, prior, batch.data, batch)


def identity_rules(ctx: FetchContext) -> IdentityRules:
    """weights.toml [identity], or the run's `identity` option (benchmarks, tests)."""
    from tracker.scoring.weights import shipped  # not at import: the scoring package is not needed to collect

    return IdentityRules.from_settings(ctx.options.get("identity") or shipped()["identity"])


def _merge_people(ctx: FetchContext, g: GitBatch, prior: dict[str, Any]) -> None:
    """People over the whole history: the stored pairs (unless the history is replaced) and the new
    ones. New commits get their person's key; stored pairs whose key changed go to `rekey`."""
    stored = [] if g.mode in ("full", "rewritten", "empty") else list(prior.get("identities") or [])
    h = g.history
    pairs = [(name, email) for name, email, _ in stored]
    pairs += dict.fromkeys(zip(h.author_name, h.author_email, strict=True))
    keys = merge_people(pairs, identity_rules(ctx))
    h.author_key = [keys[pair] for pair in zip(h.author_name, h.author_email, strict=True)]
    g.rekey = [(name, email, keys[(name, email)]) for name, email, old in stored if keys[(name, email)] != old]
    humans = {pair: key for pair, key in keys.items() if not is_bot(*pair)}
    g.identities, g.people = len(humans), len(set(humans.values()))
    if g.identities > g.people:
        ctx.progress(f"{g.identities:,} name/e-mail identities are {g.people:,} people"
                     f" ({g.identities - g.people:,} aliases merged)")


def forge_owner(server: str, project: Project) -> str | None:
    """The owner whose `.github` repository applies: only for a project whose history comes from
    the forge itself (no `--git` path or other URL), since only then is the forge known."""
    server = server.rstrip("/")
    return project.owner if project.git_url(server).startswith(server + "/") else None


def _add_org_defaults(ctx: FetchContext, project: Project, prior: dict[str, Any], g: GitBatch,
                      batch: Batch) -> None:
    """Add the owner's default files for the kinds the repository has none of (in any location)."""
    if g.head is None:
        batch.ok("org_defaults", SKIPPED)
        return
    owner = forge_owner(ctx.config.github_web_url, project)
    if owner is None or not isinstance(ctx.session, GitSession):
        batch.ok("org_defaults", SKIPPED)
        return
    own = {f.kind for f in g.files}
    org = ctx.session.org_defaults(owner, ctx.progress)
    g.org = org
    if org.status == FAILED:
        batch.fail("org_defaults", org.reason or "the owner's .github repository could not be read")
        kept = [f for f in prior.get("org_files") or [] if f.kind not in own]
        g.files += kept
        if kept:
            ctx.progress.warn(f"keeping the {len(kept)} default file(s) read from {org.repo} before")
        return
    if org.via == "cache":  # known, but not refreshed: say so (partial run)
        batch.fail("org_defaults", org.reason or "could not be refreshed; the copy cached earlier was used")
    else:
        batch.ok("org_defaults")
    used = [f for f in org.files if f.kind in ORG_DEFAULT_KINDS and f.kind not in own]
    g.files += used
    if org.status == FOUND:
        what = ", ".join(f.path for f in used) if used else "nothing this repository lacks"
        ctx.progress(f"from the organisation's .github repository ({org.repo}): {what}")


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
        "old_path": _column(h.file_old_path),
    }


def save(store: Store, project: Project, batch: Batch) -> dict[str, Any]:
    """Write the commits, paths, tags, HEAD files and the cursor (inside the run's transaction).
    Idempotent: an incremental write skips commits already stored."""
    g: GitBatch = batch.data
    con = store.con
    # A project collected for the first time has no rows yet (its git_repos row and every other
    # git row are written in one transaction): one lookup instead of five deletes and a count,
    # a few ms a project at 10,000 projects. Saving the same batch again still replaces it.
    old = con.execute("SELECT 1 FROM git_repos WHERE project_id = ?", [project.id]).fetchone() is not None
    if old and g.mode in ("full", "rewritten", "empty"):
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
        con.execute("INSERT INTO git_commit_files (project_id, sha, change, path, old_path)"
                    " SELECT project_id, sha, change, path, old_path FROM new_files" + skip, params)
        inserted = con.execute("INSERT INTO git_commits SELECT * FROM new_commits" + skip, params).fetchone()[0]
    if old:
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
    if g.rekey:  # a new alias joined people who were apart: their stored commits follow
        rekey = {  # noqa: F841 (scanned by name)
            "author_name": _column([r[0] for r in g.rekey]),
            "author_email": _column([r[1] for r in g.rekey]),
            "author_key": _column([r[2] for r in g.rekey]),
        }
        con.execute("UPDATE git_commits SET author_key = rekey.author_key FROM rekey"
                    " WHERE git_commits.project_id = ? AND git_commits.author_name = rekey.author_name"
                    " AND git_commits.author_email = rekey.author_email", [project.id])
    if old:
        con.execute("DELETE FROM repo_files WHERE project_id = ?", [project.id])
    if g.files:  # one statement for all of them (executemany runs one statement per row)
        con.execute(
            "INSERT INTO repo_files (project_id, kind, path, size_bytes, content, truncated, problem, blob_sha,"
            " collected_at, source_repo) VALUES " + ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(g.files)),
            [v for f in g.files for v in (project.id, f.kind, f.path, f.size_bytes, f.content, f.truncated,
                                          f.problem, f.blob_sha, g.collected_at, f.source_repo)])
    if old:
        stored = con.execute("SELECT count(*) FROM git_commits WHERE project_id = ?", [project.id]).fetchone()[0]
        # The whole row is replaced: DELETE + INSERT is what an upsert of every column does, at a
        # third of DuckDB's ON CONFLICT cost (about 4 ms a project; docs/performance.md, Scale).
        con.execute("DELETE FROM git_repos WHERE project_id = ?", [project.id])
    else:
        stored = inserted   # nothing was stored before: what was inserted is what is stored
    renames = g.history.renames if g.mode in ("full", "rewritten", "empty") else None
    con.execute("INSERT INTO git_repos (project_id, source, local_path, default_branch, head_sha, is_shallow,"
                " is_empty, commits_stored, collected_at, data_at, renames)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [project.id, g.source, g.local_path, g.branch, g.head, g.shallow, g.head is None, stored,
                 g.collected_at, g.data_at, renames or g.renames_before])
    org_used = sum(f.source_repo is not None for f in g.files)
    counters: dict[str, Any] = {"mode": g.mode, "commits_stored": int(stored), "tags": len(g.tags),
                                "files": len(g.files) - org_used, "people": g.people,
                                "identities": g.identities, "people_rekeyed": len(g.rekey)}
    if g.org is not None:
        counters["org_defaults"] = g.org.status if g.org.via != "cache" else "found (cached copy)"
        counters["org_default_files"] = org_used
    if len(g.history):
        counters["commits_new"] = int(inserted)
    return counters


def summary(batch: Batch, counters: dict[str, Any]) -> str:
    org = counters.get("org_default_files")
    extra = f", {org} from the organisation's .github repository" if org else ""
    return (f"{counters.get('commits_stored', 0):,} commits stored, {counters.get('tags', 0)} tags, "
            f"{counters.get('files', 0)} governance files{extra}")
