"""The owner's `.github` repository: default community health files for every repository of the
owner that lacks its own (FUNDING.yml, SECURITY.md, CONTRIBUTING.md, CODE_OF_CONDUCT.md, SUPPORT.md,
GOVERNANCE.md), as GitHub applies them.

Read with git like any repository: `{GITHUB_SERVER_URL}/{owner}/.github.git` (no token, no rate
limit) is cloned once into the git cache as a bare blob-less clone, `{cache}/{owner}+.github.git`,
shared by all the owner's projects and fetched at most once per collection run (the run's
`GitSession` remembers the answer per owner). When git cannot reach it, GitHub's contents API is
asked instead (through the run's GitHub client and HTTP layer); when that fails too, the cached
clone is read as it is, if there is one. An owner without a `.github` repository is normal: the
answer is "none", quietly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from collectors.git.repo import (
    FILE_READ_LIMIT,
    ORG_DEFAULTS_REPO,
    GitRepo,
    HeadFile,
    RepositoryNotFound,
    cache_dir,
    clone_or_fetch_into,
    head_file,
    pick_org_defaults,
    read_head_files,
)
from tracker.config import Config
from tracker.errors import CollectionError

FOUND, NONE, FAILED = "found", "none", "failed"


@dataclass
class OrgDefaults:
    """What the owner's `.github` repository offers: `status` found (it exists; `files` may still
    be empty), none (no such repository) or failed (`reason`); `via` git, api or cache (found,
    but only in the clone cached earlier: `reason` says why it could not be refreshed)."""

    repo: str
    status: str
    via: str | None = None
    files: list[HeadFile] = field(default_factory=list)
    reason: str | None = None


class GitSession:
    """What the git source's fetches share in one run: the owners' `.github` answers, made
    only when git cannot reach a `.github` repository, a GitHub client for the contents API, and the
    hosts found unreachable (offline, no route), which the run's other projects on that host do not
    try again (one failure, not one per project)."""

    def __init__(self, run: Any):
        self.run = run
        self.config: Config = run.config
        self._answers: dict[str, OrgDefaults] = {}
        self._github: Any = None
        self.unreachable: dict[str, str] = {}   # host -> the first error

    def github(self) -> Any:
        if self._github is None:
            from collectors.github.client import GitHubClient

            self._github = GitHubClient(self.config, self.run.http)
        return self._github

    def org_defaults(self, owner: str, progress: Any) -> OrgDefaults:
        """The owner's `.github` answer, looked up once per run (then remembered)."""
        key = owner.lower()
        if key not in self._answers:
            self._answers[key] = lookup(self.config, owner, progress, self.github)
        else:
            progress(f"{self._answers[key].repo}: already read in this run")
        return self._answers[key]

    def close(self) -> None:
        if self._github is not None:
            self._github.close()


def lookup(config: Config, owner: str, progress: Any, github: Any) -> OrgDefaults:
    """Read the owner's `.github` repository with git, else through the contents API, else from the
    cached clone. `github` makes the run's GitHub client (only called for the fallback)."""
    slug = f"{owner}/{ORG_DEFAULTS_REPO}"
    url = f"{config.github_web_url.rstrip('/')}/{slug}.git"
    target = cache_dir(config.git_cache, owner.lower(), ORG_DEFAULTS_REPO)
    try:
        repo = clone_or_fetch_into(url, target, progress)
    except RepositoryNotFound:
        return OrgDefaults(slug, NONE, "git")
    except CollectionError as exc:
        git_error = str(exc)
    else:
        return OrgDefaults(slug, FOUND, "git", read_head_files(repo, org_defaults=slug))
    progress.warn(f"{slug}: git cannot reach it ({git_error}); asking GitHub's API instead")
    try:
        return _through_api(github(), owner, slug)
    except CollectionError as exc:
        api_error = str(exc)
    reason = f"{slug}: {git_error}; GitHub API: {api_error}"
    if (target / "HEAD").exists():
        progress.warn(f"{slug}: GitHub's API failed too ({api_error}); using the copy cached earlier")
        return OrgDefaults(slug, FOUND, "cache", read_head_files(GitRepo(target, offline=True), org_defaults=slug),
                           reason=f"{reason} (the copy cached earlier was used)")
    return OrgDefaults(slug, FAILED, reason=reason)


def _through_api(client: Any, owner: str, slug: str) -> OrgDefaults:
    from collectors.github.contents import RepositoryContents

    contents = RepositoryContents(client, owner, ORG_DEFAULTS_REPO)
    if not contents.exists():
        return OrgDefaults(slug, NONE, "api")
    listings = {folder: contents.listing(folder) for folder in ("", ".github", "docs")}
    files = []
    for kind, path, _mode, oid, size in pick_org_defaults(listings):
        data = contents.read(path) if (size or 0) <= FILE_READ_LIMIT else None
        problem = None if data is not None or (size or 0) > FILE_READ_LIMIT else "file contents not returned by GitHub's API"
        files.append(head_file(kind, path, size, data, oid, problem, slug))
    return OrgDefaults(slug, FOUND, "api", files)
