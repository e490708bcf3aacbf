"""Accepted risks (`--ignore FILE`): a YAML list of entries naming a package or a repository,
each with a reason and an expiry date. An active entry keeps its dependency out of the CI gate
(the row still shows, marked accepted); an expired one no longer does, and the report says so.

    - package: six
      reason: only used by the legacy importer, removed in Q3
      until: 2026-09-30
    - repo: someone/tiny-lib
      reason: vendored fork planned
      until: 2026-12-31
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from tracker.deps.names import normalise, valid_name
from tracker.deps.npm import valid_name as valid_npm_name
from tracker.errors import UsageError
from tracker.registry import parse_repo
from tracker.userfiles import read_yaml

MAX_REASON = 500


@dataclass(frozen=True)
class Accepted:
    package: str | None    # normalised PyPI name, or the npm name
    repo: str | None       # lower-case OWNER/REPO
    reason: str
    until: date
    entry: int             # 1-based position in the file, for messages
    written: str | None = None   # the package name as the file spells it (npm names compare as written)

    def expired(self, today: date) -> bool:
        return self.until < today

    def label(self) -> str:
        return self.package or self.repo or "?"


def _date(value: object, where: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise UsageError(f"{where}: 'until' must be a date like 2026-12-31, got {value!r}")


def load(path: str | Path) -> list[Accepted]:
    """Read and validate an ignore file; every entry needs package or repo, reason and until."""
    data = read_yaml(path, "ignore file")
    if isinstance(data, dict):
        data = data.get("accepted", data.get("ignore"))
    if data is None:
        return []
    if not isinstance(data, list):
        raise UsageError(f"ignore file {path}: expected a list of entries (package/repo, reason, until)")
    out = []
    for i, item in enumerate(data, 1):
        where = f"ignore file {path}, entry {i}"
        if not isinstance(item, dict):
            raise UsageError(f"{where}: expected 'package: NAME' or 'repo: OWNER/REPO' with reason and until")
        package, repo = item.get("package"), item.get("repo")
        if (package is None) == (repo is None):
            raise UsageError(f"{where}: give exactly one of 'package' or 'repo'")
        if package is not None and (not isinstance(package, str)
                                    or not (valid_name(package) or valid_npm_name(package))):
            raise UsageError(f"{where}: {package!r} is not a valid package name")
        if repo is not None:
            if not isinstance(repo, str):
                raise UsageError(f"{where}: repo must be OWNER/REPO")
            owner, name = parse_repo(repo)
            repo = f"{owner}/{name}".lower()
        reason = item.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise UsageError(f"{where}: a 'reason' is required (why is this risk accepted?)")
        if "until" not in item:
            raise UsageError(f"{where}: an 'until' date is required (when to look again)")
        key = (normalise(package) if valid_name(package) else package) if package else None
        out.append(Accepted(key, repo, reason.strip()[:MAX_REASON], _date(item["until"], where), i,
                            package if package else None))
    return out


def match(entries: list[Accepted], package_key: str, repo: str | None) -> Accepted | None:
    """The entry for this dependency: an active one wins over an expired one."""
    found = [e for e in entries
             if (package_key and package_key in (e.package, e.written))
             or (e.repo and repo and e.repo == repo.lower())]
    if not found:
        return None
    return max(found, key=lambda e: e.until)
