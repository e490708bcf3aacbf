"""The world as it was at DATE: a private in-memory database holding only what existed then.

The backtest never computes "as of DATE" on the live database, where a provider that forgets a
date filter (a HEAD file, a latest snapshot, a current count) would leak the future into the
verdict. Instead it copies into a fresh in-memory store (same migrations) only the rows that
existed at DATE, and runs the ordinary metric providers and scoring on that copy with now = DATE.
Whatever a provider reads, nothing after DATE is there to be read.

What is copied, per source:

* git: commits with committer date <= DATE and the paths they touched; tags dated <= DATE; the
  governance and funding files *as they were in the last commit of the default branch at DATE*
  (read again from the repository with `git ls-tree`/`cat-file` at that commit, never HEAD). The
  git data date is DATE (the history is complete up to it).
* GitHub: releases published by DATE; issues and pull requests opened by DATE, with what happened
  later masked (a close, merge or first response after DATE is removed, the state is what it was at
  DATE, comment counts, which are only known as of collection, are unknown); repository snapshots,
  contributors, community profile, Sponsors listing and funding links only if collected by DATE.
* PyPI: uploads by DATE (the package's existence is kept; its latest version is dropped).
* Open Collective: snapshots and monthly rows collected by DATE. Grants awarded by DATE.
* Not reconstructed (unknown at DATE): funding channels and funding.json history, which the funding
  collector derives from today's files, and the default community files of the owner's `.github`
  repository (another repository, read at its HEAD).

People are merged again from the aliases seen up to DATE (an alias first used later cannot join
people who were apart then). Known residue (docs/methodology.md, "Backtest"): names and e-mails are
as the repository's `.mailmap` at collection time maps them; a lightweight tag is dated by its commit
(git keeps no date for it), so one made after DATE on an older commit counts from that commit's
date; a PyPI release yanked after DATE is missing at DATE.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from tracker.identity import IdentityRules, merge_people
from tracker.scoring.weights import shipped
from tracker.store import Store

_IDS = "project_id IN (SELECT unnest($ids::INTEGER[]))"

# (table, SELECT of the rows that existed at $as_of); copied in this order.
COPIES: tuple[tuple[str, str], ...] = (
    ("projects", "SELECT * FROM projects WHERE id IN (SELECT unnest($ids::INTEGER[]))"),
    ("git_repos", f"SELECT * FROM git_repos WHERE {_IDS}"),
    ("git_commits", f"SELECT * FROM git_commits WHERE {_IDS} AND committer_at <= $as_of"),
    ("git_commit_files", f"""SELECT f.* FROM git_commit_files f
        SEMI JOIN (SELECT project_id, sha FROM git_commits WHERE {_IDS} AND committer_at <= $as_of) c
        ON c.project_id = f.project_id AND c.sha = f.sha
        WHERE f.{_IDS}"""),
    ("git_tags", f"SELECT * FROM git_tags WHERE {_IDS} AND tagged_at <= $as_of"),
    ("github_repo_snapshots", f"SELECT * FROM github_repo_snapshots WHERE {_IDS} AND collected_at <= $as_of"),
    ("github_state", f"SELECT * FROM github_state WHERE {_IDS} AND collected_at <= $as_of"),
    ("github_releases", f"""SELECT * FROM github_releases WHERE {_IDS}
        AND coalesce(published_at, created_at) <= $as_of"""),
    ("github_issues", f"SELECT * FROM github_issues WHERE {_IDS} AND created_at <= $as_of"),
    ("github_contributors", f"SELECT * FROM github_contributors WHERE {_IDS} AND collected_at <= $as_of"),
    ("github_community", f"SELECT * FROM github_community WHERE {_IDS} AND collected_at <= $as_of"),
    ("github_sponsors", f"SELECT * FROM github_sponsors WHERE {_IDS} AND collected_at <= $as_of"),
    ("github_funding_links", f"SELECT * FROM github_funding_links WHERE {_IDS} AND collected_at <= $as_of"),
    ("opencollective_snapshots", f"SELECT * FROM opencollective_snapshots WHERE {_IDS} AND collected_at <= $as_of"),
    ("opencollective_monthly", f"SELECT * FROM opencollective_monthly WHERE {_IDS} AND collected_at <= $as_of"),
    ("pypi_packages", """SELECT * REPLACE (NULL::VARCHAR AS latest_version) FROM pypi_packages
        WHERE package IN (SELECT lower(regexp_replace(pypi_package, '[-_.]+', '-', 'g')) FROM projects
                          WHERE id IN (SELECT unnest($ids::INTEGER[])) AND coalesce(pypi_package, '') <> '')"""),
    ("pypi_releases", """SELECT * FROM pypi_releases WHERE uploaded_at <= $as_of
        AND package IN (SELECT lower(regexp_replace(pypi_package, '[-_.]+', '-', 'g')) FROM projects
                        WHERE id IN (SELECT unnest($ids::INTEGER[])) AND coalesce(pypi_package, '') <> '')"""),
    ("grants", "SELECT * FROM grants WHERE awarded_on <= $as_of::DATE"),
)

# What was not yet known at $as_of, removed from the copied rows.
MASKS: tuple[str, ...] = (
    """UPDATE github_issues SET
         closed_at = CASE WHEN closed_at <= $as_of THEN closed_at END,
         merged_at = CASE WHEN merged_at <= $as_of THEN merged_at END,
         first_response_by = CASE WHEN first_response_at <= $as_of THEN first_response_by END,
         first_response_at = CASE WHEN first_response_at <= $as_of THEN first_response_at END,
         comments = NULL""",
    """UPDATE github_issues SET state = CASE WHEN closed_at IS NULL THEN 'open' ELSE 'closed' END,
         updated_at = CASE WHEN updated_at <= $as_of THEN updated_at
                           ELSE greatest(created_at, coalesce(closed_at, created_at),
                                         coalesce(first_response_at, created_at)) END""",
    # The history is complete up to DATE; the HEAD cursor is the default branch's commit at DATE.
    """UPDATE git_repos SET collected_at = $as_of, data_at = $as_of,
         commits_stored = (SELECT count(*) FROM git_commits c WHERE c.project_id = git_repos.project_id)""",
)


@dataclass
class AsOf:
    """The in-memory store as of `as_of`, and per project the commit its files were read at (None:
    no commit by DATE) and any problem reading them."""

    store: Store
    as_of: datetime
    commit_at_date: dict[int, str | None] = field(default_factory=dict)
    file_problems: dict[int, str] = field(default_factory=dict)

    def close(self) -> None:
        self.store.close()


def _params(sql: str, values: dict) -> dict:
    return {k: v for k, v in values.items() if f"${k}" in sql}


def copy_rows(source: Store, target: Store, table: str, sql: str, values: dict) -> int:
    """Copy the rows `sql` selects in `source` into `table` of `target` (same schema); the count."""
    cursor = source.con.cursor()  # its own connection to the same database: no pending result in the way
    try:
        batch = cursor.sql(sql, params=_params(sql, values)).to_arrow_table()
    finally:
        cursor.close()
    if batch.num_rows == 0:
        return 0
    target.con.register("asof_batch", batch)
    try:
        target.execute(f"INSERT INTO {table} SELECT * FROM asof_batch")
    finally:
        target.con.unregister("asof_batch")
    return batch.num_rows


def commit_at(local_path: str, head: str | None, as_of: datetime) -> str | None:
    """The default branch's commit at `as_of`: the newest commit on HEAD's first-parent line whose
    committer date is not after it (None: the branch had no commit yet)."""
    from collectors.git.repo import open_local

    if not head:
        return None
    repo = open_local(local_path)
    sha = repo.text("rev-list", "-1", "--first-parent", f"--before={as_of.isoformat()}Z", head, "--",
                    check=False)
    return sha or None


def _files_at(target: Store, project_id: int, local_path: str, sha: str, as_of: datetime) -> None:
    """The governance and funding files of commit `sha`, as the git collector stores HEAD's."""
    from collectors.git.repo import open_local, read_head_files

    files = read_head_files(open_local(local_path), rev=sha)
    if files:
        target.con.executemany(
            "INSERT INTO repo_files (project_id, kind, path, size_bytes, content, truncated, problem, blob_sha,"
            " collected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [[project_id, f.kind, f.path, f.size_bytes, f.content, f.truncated, f.problem, f.blob_sha, as_of]
             for f in files])


def merge_people_at_date(target: Store, rules: IdentityRules) -> None:
    """People as they could be told apart at the date: the aliases of each project's commits up to
    it merged again (tracker.identity.merge_people), so an alias first seen later (a name used with
    another person's e-mail) cannot join people who were apart at the date."""
    import numpy as np

    pairs: dict[int, list[tuple[str, str]]] = {}
    for pid, name, email in target.all("SELECT DISTINCT project_id, author_name, author_email FROM git_commits"):
        pairs.setdefault(pid, []).append((name, email))
    rows = [(pid, name, email, key) for pid, mine in pairs.items()
            for (name, email), key in merge_people(mine, rules).items()]
    if not rows:
        return
    keys = {  # noqa: F841 (scanned by name)
        "project_id": np.array([r[0] for r in rows], dtype=np.int32),
        "author_name": np.array([r[1] for r in rows], dtype=object),
        "author_email": np.array([r[2] for r in rows], dtype=object),
        "author_key": np.array([r[3] for r in rows], dtype=object),
    }
    target.con.register("asof_keys", keys)
    try:
        target.execute("UPDATE git_commits SET author_key = k.author_key FROM asof_keys k"
                       " WHERE git_commits.project_id = k.project_id AND git_commits.author_name = k.author_name"
                       " AND git_commits.author_email = k.author_email")
    finally:
        target.con.unregister("asof_keys")


def build(source: Store, project_ids: Sequence[int], as_of: datetime,
          progress: Callable[[str], None] | None = None, identity: IdentityRules | None = None) -> AsOf:
    """A fresh in-memory store holding what existed at `as_of` for `project_ids` (see the module);
    people merged with `identity` (default: the shipped [identity] rules)."""
    ids = [int(i) for i in project_ids]
    target = Store.open(":memory:")
    world = AsOf(target, as_of)
    values = {"ids": ids, "as_of": as_of}
    try:
        for table, sql in COPIES:
            copy_rows(source, target, table, sql, values)
        for sql in MASKS:
            target.execute(sql, _params(sql, values))
        merge_people_at_date(target, identity or IdentityRules.from_settings(shipped()["identity"]))
        repos = source.all(f"SELECT project_id, local_path, head_sha FROM git_repos WHERE {_IDS.replace('$ids', '?')}",
                           [ids])
        for pid, local_path, head in repos:
            try:
                sha = commit_at(local_path, head, as_of)
                world.commit_at_date[pid] = sha
                target.execute("UPDATE git_repos SET head_sha = ?, is_empty = (? AND commits_stored = 0)"
                               " WHERE project_id = ?", [sha, sha is None, pid])
                if sha:
                    _files_at(target, pid, local_path, sha, as_of)
            except Exception as exc:  # the repository moved or is damaged: files unknown, history kept
                world.file_problems[pid] = f"files as of the date not read: {exc}"
                if progress is not None:
                    progress(f"project {pid}: {world.file_problems[pid]}")
    except BaseException:
        target.close()
        raise
    return world
