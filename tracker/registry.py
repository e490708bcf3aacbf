"""The registry of tracked projects: name parsing, add, list, remove, curated-list import."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tracker.errors import UsageError
from tracker.store import Store

# GitHub's own rules: owner 1-39 chars of letters, digits and single inner hyphens;
# repository 1-100 chars of letters, digits, '.', '-', '_' (not '.' or '..').
_OWNER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
_REPO = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
_GITHUB_HOSTS = {"github.com", "www.github.com"}
MAX_LIST_BYTES = 1_000_000
CATEGORY = re.compile(r"^[\w .&/+-]{1,60}$")
PYPI_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,98}[A-Za-z0-9])?$")   # PEP 508 names
MAX_NAME = 200
GIT_SCHEMES = ("https", "http", "ssh", "git", "file", "git+ssh", "ssh+git")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Project:
    id: int
    slug: str
    owner: str
    name: str
    git_source: str | None = None
    pypi_package: str | None = None
    category: str | None = None
    display_name: str | None = None
    opencollective_slug: str | None = None

    def git_url(self, web_url: str = "https://github.com") -> str:
        return self.git_source or f"{web_url.rstrip('/')}/{self.slug}.git"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_repo(text: str, extra_hosts: frozenset[str] = frozenset()) -> tuple[str, str]:
    """Turn 'owner/repo' or a GitHub URL in its usual forms into (owner, repo).

    Accepted: owner/repo, https://github.com/owner/repo[.git][/tree/...], github.com/owner/repo,
    git@github.com:owner/repo.git, ssh://git@github.com/owner/repo, git+https://...
    """
    raw = text
    text = (text or "").strip()
    if not text:
        raise UsageError("repository name is empty: expected OWNER/REPO or a GitHub URL")
    if any(c.isspace() or ord(c) < 32 for c in text):
        raise UsageError(f"repository {raw!r} contains spaces or control characters: expected OWNER/REPO")
    hosts = _GITHUB_HOSTS | extra_hosts
    path = None
    scp = re.match(r"^[\w.-]+@([\w.-]+):(.+)$", text)  # git@github.com:owner/repo.git
    if scp:
        if scp.group(1).lower() not in hosts:
            raise UsageError(f"{raw!r} is not a GitHub repository (host {scp.group(1)})")
        path = scp.group(2)
    elif "://" in text:
        parts = urlsplit(text.removeprefix("git+"))
        if parts.scheme not in ("http", "https", "ssh", "git"):
            raise UsageError(f"{raw!r}: unsupported URL scheme {parts.scheme!r}")
        host = (parts.hostname or "").lower()
        if host not in hosts:
            raise UsageError(
                f"{raw!r} is not a GitHub URL; track it as OWNER/REPO --git URL for other hosts"
            )
        path = parts.path
    elif text.lower().split("/", 1)[0] in hosts:
        path = text.split("/", 1)[1] if "/" in text else ""
    else:
        path = text
        if path.count("/") != 1:
            raise UsageError(f"repository {raw!r} is not of the form OWNER/REPO")
    segments = [s for s in path.strip("/").split("/") if s]
    if len(segments) < 2:
        raise UsageError(f"repository {raw!r} is not of the form OWNER/REPO")
    owner, repo = segments[0], segments[1]
    if repo.endswith(".git"):
        repo = repo[:-4]
    if not _OWNER.match(owner):
        raise UsageError(f"repository {raw!r}: owner {owner!r} is not a valid GitHub user or organisation name")
    if not _REPO.match(repo) or repo in (".", ".."):
        raise UsageError(f"repository {raw!r}: {repo!r} is not a valid GitHub repository name")
    return owner, repo


def _row_to_project(row: dict[str, Any]) -> Project:
    return Project(**{k: row[k] for k in Project.__dataclass_fields__})


_SELECT = (
    "SELECT id, slug, owner, name, git_source, pypi_package, category, display_name,"
    " opencollective_slug FROM projects"
)


def get(store: Store, text: str) -> Project:
    """The tracked project named by `text` (OWNER/REPO or URL); a clear error if not tracked."""
    owner, repo = parse_repo(text)
    rows = store.dicts(_SELECT + " WHERE slug_key = ?", [f"{owner}/{repo}".lower()])
    if not rows:
        raise UsageError(f"{owner}/{repo} is not tracked; add it with: tracker add {owner}/{repo}")
    return _row_to_project(rows[0])


def find(store: Store, text: str) -> Project | None:
    try:
        return get(store, text)
    except UsageError:
        return None


def all_projects(store: Store) -> list[Project]:
    return [_row_to_project(r) for r in store.dicts(_SELECT + " ORDER BY slug_key")]


def select(store: Store, names: list[str] | None) -> list[Project]:
    """The projects named (OWNER/REPO or URLs, each must be tracked), or every tracked one;
    a clear error when nothing is tracked yet."""
    if names:
        return [get(store, n) for n in names]
    projects = all_projects(store)
    if not projects:
        raise UsageError("no projects tracked yet: tracker add OWNER/REPO (or --from data/projects.yaml)")
    return projects


def add(
    store: Store,
    text: str,
    git_source: str | None = None,
    pypi_package: str | None = None,
    category: str | None = None,
    display_name: str | None = None,
    opencollective_slug: str | None = None,
) -> tuple[Project, bool]:
    """Track a project. Returns (project, created). Adding again changes nothing, except that
    details given explicitly (--git, package, category) fill in or replace the stored ones."""
    owner, repo = parse_repo(text)
    slug = f"{owner}/{repo}"
    if git_source is not None:
        git_source = normalise_git_source(git_source)
    check_details(category=category, pypi_package=pypi_package, display_name=display_name)
    existing = find(store, slug)
    if existing is not None:
        changes = {
            k: v
            for k, v in dict(
                git_source=git_source,
                pypi_package=pypi_package,
                category=category,
                display_name=display_name,
                opencollective_slug=opencollective_slug,
            ).items()
            if v is not None and getattr(existing, k) != v
        }
        if changes:
            sets = ", ".join(f"{k} = ?" for k in changes)
            store.execute(f"UPDATE projects SET {sets} WHERE id = ?", [*changes.values(), existing.id])
            return get(store, slug), False
        return existing, False
    store.execute(
        "INSERT INTO projects (slug, slug_key, owner, name, git_source, pypi_package, category,"
        " display_name, opencollective_slug, added_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, now()::TIMESTAMP)",
        [slug, slug.lower(), owner, repo, git_source, pypi_package, category, display_name,
         opencollective_slug],
    )
    return get(store, slug), True


def rename(store: Store, project: Project, new_slug: str) -> Project:
    """Record that a tracked repository now lives at `new_slug` (renamed or transferred on GitHub).

    The project keeps its id, so every row collected under the old name stays its history.
    """
    owner, repo = parse_repo(new_slug)
    slug = f"{owner}/{repo}"
    other = find(store, slug)
    if other is not None and other.id != project.id:
        raise UsageError(f"{project.slug} now lives at {slug}, which is tracked separately; "
                         f"remove one of them (tracker remove {project.slug})")
    store.execute("UPDATE projects SET slug = ?, slug_key = ?, owner = ?, name = ? WHERE id = ?",
                  [slug, slug.lower(), owner, repo, project.id])
    return get(store, slug)


def check_details(category: str | None = None, pypi_package: str | None = None,
                  display_name: str | None = None) -> None:
    """A project's details as given (--category, --pypi, a list's `name`): a clear error for a
    package name that is not a PyPI name, text too long, and any control character (they would
    reach terminals and files as escape sequences). Lists also keep categories to CATEGORY."""
    if category is not None and (_CONTROL.search(category) or not category.strip() or len(category) > 60):
        raise UsageError(f"category {category[:80]!r} is not allowed: 1 to 60 characters, no control characters")
    if pypi_package is not None and not PYPI_NAME.match(pypi_package):
        raise UsageError(f"PyPI package {pypi_package[:80]!r} is not a package name (letters, digits, . _ -)")
    if display_name is not None and (_CONTROL.search(display_name) or len(display_name) > MAX_NAME):
        raise UsageError(f"name {display_name[:80]!r} has control characters or is longer than {MAX_NAME}"
                         " characters")


def normalise_git_source(source: str) -> str:
    """A --git value: a URL (kept as given) or a local path (made absolute; must exist).

    Values given to git are never options: one starting with '-' is refused (git would read
    `-u...` as --upload-pack), and so is a URL whose user or host starts with '-' (ssh would read
    it as an option) or that uses another scheme than https, http, ssh, git or file."""
    source = source.strip()
    if not source:
        raise UsageError("--git is empty: give a clone URL or a local path")
    if _CONTROL.search(source):
        raise UsageError(f"--git {source[:80]!r} contains control characters")
    if source.startswith("-"):
        raise UsageError(f"--git {source[:80]!r} starts with '-', which git would read as an option: "
                         "give a clone URL or a local path (./-name for a folder named so)")
    url = re.match(r"^([a-z][a-z0-9+.-]*)://", source, re.I)
    scp = re.match(r"^([^/@:\s]+)@([^/:\s]+):(.*)$", source)
    if url:
        if url.group(1).lower() not in GIT_SCHEMES:
            raise UsageError(f"--git {source[:80]!r}: unsupported scheme {url.group(1)!r} "
                             f"(use {', '.join(GIT_SCHEMES[:5])})")
        parts = urlsplit(source)
        if any(p.startswith("-") for p in (parts.username or "", parts.netloc.rsplit("@", 1)[-1], parts.path)):
            raise UsageError(f"--git {source[:80]!r}: a user, host or path starting with '-' would be read "
                             "as an option")
        return source
    if scp:
        if any(p.startswith("-") for p in scp.groups()):
            raise UsageError(f"--git {source[:80]!r}: a user, host or path starting with '-' would be read "
                             "as an option")
        return source
    path = Path(source).expanduser()
    if not path.exists():
        raise UsageError(f"--git {source!r}: no such path")
    return str(path.resolve())


# Tables holding per-project data; other modules register theirs with `register_project_table`.
_PROJECT_TABLES: list[str] = ["git_commit_files", "git_commits", "git_tags", "repo_files", "git_repos"]


def register_project_table(table: str) -> None:
    """Declare a table with a `project_id` column, so `remove` deletes its rows too."""
    if table not in _PROJECT_TABLES:
        _PROJECT_TABLES.append(table)


def _tables_with_project_id(store: Store) -> list[str]:
    rows = store.all(
        "SELECT DISTINCT c.table_name FROM information_schema.columns c"
        " JOIN information_schema.tables t USING (table_schema, table_name)"
        " WHERE c.column_name = 'project_id' AND c.table_schema = 'main' AND t.table_type = 'BASE TABLE'"
    )
    found = {r[0] for r in rows}
    ordered = [t for t in _PROJECT_TABLES if t in found]
    return ordered + sorted(found - set(ordered))


def remove(store: Store, text: str) -> tuple[Project, dict[str, int]]:
    """Stop tracking a project and delete its collected data, in one transaction."""
    project = get(store, text)
    deleted: dict[str, int] = {}
    with store.transaction():
        for table in _tables_with_project_id(store):
            n = store.scalar(f"SELECT count(*) FROM {table} WHERE project_id = ?", [project.id])
            if n:
                store.execute(f"DELETE FROM {table} WHERE project_id = ?", [project.id])
                deleted[table] = n
        store.execute("DELETE FROM projects WHERE id = ?", [project.id])
    return project, deleted


def load_list(path: str | Path) -> list[dict[str, Any]]:
    """Read a curated project list (YAML): a list of entries, or {projects: [...]}.

    Entry keys: repo (required), pypi, category, name, git, opencollective.
    """
    from tracker.userfiles import read_yaml  # YAML only for list files: not imported by every command

    data = read_yaml(path, max_bytes=MAX_LIST_BYTES)
    if isinstance(data, dict):
        data = data.get("projects")
    if not isinstance(data, list):
        raise UsageError(f"{path}: expected a list of projects (or a 'projects:' key holding one)")
    entries = []
    for i, item in enumerate(data, 1):
        if isinstance(item, str):
            item = {"repo": item}
        if not isinstance(item, dict) or not isinstance(item.get("repo"), str):
            raise UsageError(f"{path}: entry {i} has no 'repo: OWNER/REPO'")
        for key in ("pypi", "category", "name", "git", "opencollective"):
            if item.get(key) is not None and not isinstance(item[key], str):
                raise UsageError(f"{path}: entry {i} ({item['repo'][:80]!r}): '{key}' must be text")
        try:
            parse_repo(item["repo"])
        except UsageError as exc:
            raise UsageError(f"{path}: entry {i}: {exc}") from None
        if item.get("category") and not CATEGORY.match(item["category"]):
            raise UsageError(f"{path}: entry {i} ({item['repo']}): category {item['category'][:80]!r} is not allowed")
        try:
            check_details(category=item.get("category"), pypi_package=item.get("pypi"),
                          display_name=item.get("name"))
            if item.get("git") is not None:
                normalise_git_source(item["git"])
        except UsageError as exc:
            raise UsageError(f"{path}: entry {i} ({item['repo']}): {exc}") from None
        entries.append(item)
    return entries


def import_list(store: Store, path: str | Path) -> tuple[int, int]:
    """Add every project of a curated list in one transaction. Returns (added, already tracked)."""
    entries = load_list(path)
    added = 0
    with store.transaction():
        for item in entries:
            _, created = add(
                store,
                item["repo"],
                git_source=item.get("git"),
                pypi_package=item.get("pypi"),
                category=item.get("category"),
                display_name=item.get("name"),
                opencollective_slug=item.get("opencollective"),
            )
            added += created
    return added, len(entries) - added
