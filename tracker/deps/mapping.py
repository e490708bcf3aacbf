"""Package -> source repository, in this order of precedence:

1. the user's override file (`--overrides`: package -> OWNER/REPO, or "none" for no repository);
2. a GitHub repository the dependency file itself names (VCS link, pkg:github purl, SBOM vcs
   reference);
3. a tracked project registered with that PyPI package name;
4. PyPI's `project_urls` via `collectors.pypi.repo_for_package` (cached in `pypi_packages`;
   with `--offline` only the cache is read).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tracker.config import Config
from tracker.deps.names import normalise, valid_name
from tracker.errors import TrackerError, UsageError
from tracker.registry import parse_repo
from tracker.store import Store
from tracker.userfiles import read_yaml


@dataclass(frozen=True)
class Mapped:
    repo: str | None      # OWNER/REPO, or None when unknown or explicitly none
    by: str               # override | file | tracked | pypi | none
    note: str | None = None


def load_overrides(path: str | Path) -> dict[str, str | None]:
    """Read an override file: a YAML mapping package -> OWNER/REPO (or a GitHub URL) or "none"."""
    data = read_yaml(path, "override file")
    if isinstance(data, dict) and isinstance(data.get("overrides"), dict):
        data = data["overrides"]
    if not isinstance(data, dict):
        raise UsageError(f"{path}: expected a mapping 'package: OWNER/REPO' (or 'package: none')")
    out: dict[str, str | None] = {}
    for package, value in data.items():
        if not isinstance(package, str) or not valid_name(package):
            raise UsageError(f"{path}: {package!r} is not a valid package name")
        if value is None or (isinstance(value, str) and value.strip().lower() == "none"):
            out[normalise(package)] = None
            continue
        if not isinstance(value, str):
            raise UsageError(f"{path}: {package}: expected OWNER/REPO or none, got {value!r}")
        owner, repo = parse_repo(value)  # raises a UsageError naming the value
        out[normalise(package)] = f"{owner}/{repo}"
    return out


def tracked_by_package(store: Store | None) -> dict[str, str]:
    """Normalised PyPI package name -> slug of the tracked project that declares it."""
    if store is None:
        return {}
    rows = store.all("SELECT pypi_package, slug FROM projects WHERE pypi_package IS NOT NULL ORDER BY id")
    out: dict[str, str] = {}
    for package, slug in rows:
        if valid_name(package):
            out.setdefault(normalise(package), slug)
    return out


def _table_exists(store: Store, table: str) -> bool:
    return bool(store.scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]))


def map_packages(store: Store | None, config: Config, deps: list[tuple[str, str, str | None]],
                 overrides: dict[str, str | None], offline: bool,
                 warn=lambda message: None, client=None, progress=None) -> dict[str, Mapped]:
    """Map each (ecosystem, key, repo named by the file) to a repository. Keys are returned as given.

    `client` (a collectors.pypi.PyPIClient) may be given to reuse a session or inject its sleep.
    A PyPI failure (network, server) is reported once through `warn`; the remaining packages are
    then answered from the cache only, so a dead network does not cost a timeout per package.
    """
    tracked = tracked_by_package(store)
    out: dict[str, Mapped] = {}
    to_ask: list[str] = []
    for ecosystem, key, file_repo in deps:
        if key in overrides:
            repo = overrides[key]
            out[key] = Mapped(repo, "override" if repo else "none",
                              None if repo else "the override file says it has no repository")
        elif file_repo:
            out[key] = Mapped(file_repo, "file")
        elif ecosystem != "pypi":
            out[key] = Mapped(None, "none", f"no repository for this {ecosystem} dependency")
        elif key in tracked:
            out[key] = Mapped(tracked[key], "tracked")
        else:
            to_ask.append(key)
    if not to_ask:
        return out
    if store is None or not _table_exists(store, "pypi_packages"):
        for key in to_ask:
            out[key] = Mapped(None, "none", "no PyPI cache in this database" if offline or store is None
                              else "PyPI mapping is not available in this database")
        return out
    from collectors.pypi import PyPIClient, repo_for_package

    cached = {row[0]: row[1] for row in store.all(
        "SELECT package, status FROM pypi_packages WHERE package IN (SELECT unnest(?::VARCHAR[]))", [to_ask])}
    client = None if offline else (client or PyPIClient(config.pypi_url))
    fetch = not offline
    missing = sum(key not in cached for key in to_ask)
    if fetch and missing and progress is not None:
        progress(f"asking PyPI for the repositories of {missing} packages not in the cache")
    for key in to_ask:
        try:
            repo = repo_for_package(store, config, key, fetch=fetch and key not in cached, client=client)
        except TrackerError as exc:
            warn(f"PyPI lookup failed for {key} ({exc}); the remaining packages are mapped from the cache only")
            fetch = False
            repo = None
        if repo:
            out[key] = Mapped(repo, "pypi")
        elif key in cached or fetch:
            status = cached.get(key) or store.scalar("SELECT status FROM pypi_packages WHERE package = ?", [key])
            out[key] = Mapped(None, "none", "not on PyPI" if status == "not_found"
                              else "PyPI names no GitHub repository for it")
        else:
            out[key] = Mapped(None, "none", "not in the PyPI cache (--offline)" if offline
                              else "PyPI could not be asked")
    return out
