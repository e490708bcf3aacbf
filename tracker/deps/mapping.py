"""Package -> source repository, in this order of precedence:

1. the user's override file (`--overrides`: package -> OWNER/REPO, or "none" for no repository);
2. a GitHub repository the dependency file itself names (VCS link, pkg:github purl, SBOM vcs
   reference, a git dependency in package-lock.json);
3. a tracked project registered with that PyPI package name;
4. the package index: PyPI's `project_urls`, npm's `repository` field (tracker.deps.lookup,
   answered from the index cache when fresh; with `--offline` only from the cache).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tracker.deps.index import IndexRecord
from tracker.deps.names import normalise, valid_name
from tracker.deps.npm import valid_name as valid_npm_name
from tracker.errors import UsageError
from tracker.registry import parse_repo
from tracker.store import Store
from tracker.userfiles import read_yaml


@dataclass(frozen=True)
class Mapped:
    repo: str | None      # OWNER/REPO, or None when unknown or explicitly none
    by: str               # override | file | tracked | pypi | npm | none
    note: str | None = None


def load_overrides(path: str | Path) -> dict[str, str | None]:
    """Read an override file: a YAML mapping package (PyPI or npm name) -> OWNER/REPO (or a GitHub
    URL) or "none"."""
    data = read_yaml(path, "override file")
    if isinstance(data, dict) and isinstance(data.get("overrides"), dict):
        data = data["overrides"]
    if not isinstance(data, dict):
        raise UsageError(f"{path}: expected a mapping 'package: OWNER/REPO' (or 'package: none')")
    out: dict[str, str | None] = {}
    for package, value in data.items():
        if not isinstance(package, str) or not (valid_name(package) or valid_npm_name(package)):
            raise UsageError(f"{path}: {package!r} is not a valid package name")
        # a PyPI name compares PEP 503-normalised, an npm name as written: keep both spellings
        keys = {normalise(package), package} if valid_name(package) else {package}
        if value is None or (isinstance(value, str) and value.strip().lower() == "none"):
            out.update(dict.fromkeys(keys))
            continue
        if not isinstance(value, str):
            raise UsageError(f"{path}: {package}: expected OWNER/REPO or none, got {value!r}")
        owner, repo = parse_repo(value)  # raises a UsageError naming the value
        out.update(dict.fromkeys(keys, f"{owner}/{repo}"))
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


def override_key(ecosystem: str, key: str) -> str:
    """How an override or ignore file names a package: PEP 503 for PyPI, the npm name as is."""
    return normalise(key) if ecosystem == "pypi" else key


def map_packages(store: Store | None, deps: list[tuple[str, str, str | None]],
                 overrides: dict[str, str | None], records: dict[tuple[str, str], IndexRecord | None],
                 offline: bool = False) -> dict[tuple[str, str], Mapped]:
    """Map each (ecosystem, key, repo named by the file) to a repository, by (ecosystem, key).
    `records` are the index's answers (None: unknown); nothing here asks the network."""
    tracked = tracked_by_package(store)
    out: dict[tuple[str, str], Mapped] = {}
    for ecosystem, key, file_repo in deps:
        record = records.get((ecosystem, key))
        index = "PyPI" if ecosystem == "pypi" else "the npm registry"
        okey = override_key(ecosystem, key)
        if okey in overrides:
            repo = overrides[okey]
            out[(ecosystem, key)] = Mapped(repo, "override" if repo else "none",
                                           None if repo else "the override file says it has no repository")
        elif file_repo:
            out[(ecosystem, key)] = Mapped(file_repo, "file")
        elif ecosystem == "pypi" and key in tracked:
            out[(ecosystem, key)] = Mapped(tracked[key], "tracked")
        elif ecosystem not in ("pypi", "npm"):
            out[(ecosystem, key)] = Mapped(None, "none", f"no repository for this {ecosystem} dependency")
        elif record is None:
            out[(ecosystem, key)] = Mapped(None, "none", "not in the index cache (--offline)" if offline
                                           else f"{index} could not be asked")
        elif not record.found:
            out[(ecosystem, key)] = Mapped(None, "none", f"not on {index}")
        elif record.repo:
            out[(ecosystem, key)] = Mapped(record.repo, ecosystem)
        else:
            out[(ecosystem, key)] = Mapped(None, "none", f"{index} names no GitHub repository for it")
    return out
