"""The PyPI source: release history (upload times, yanked flags) and the package -> repository map.

`fetch` asks PyPI for the project's package and turns the answer into rows (no store); `save`
caches the package (or its absence) in `pypi_packages` and replaces its releases. The cache,
'not found' included, also serves dependency risk: `repo_for_package` maps thousands of packages
without asking PyPI twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from collectors import Batch, FetchContext
from collectors.pypi.client import PyPIClient, releases_of, repo_from_urls
from tracker.config import Config
from tracker.errors import CollectionError
from tracker.packages import normalise, valid_name
from tracker.registry import Project
from tracker.runs import utcnow
from tracker.store import Store

MAX_URL_TEXT = 2048


@dataclass
class PackageRecord:
    """A package's row for `pypi_packages` and its releases (empty when PyPI has no such package)."""

    row: dict[str, Any]
    releases: list[dict[str, Any]] = field(default_factory=list)


def package_record(name: str, data: dict[str, Any] | None, now: datetime) -> PackageRecord:
    package = normalise(name)
    info = data.get("info", {}) if data else {}
    urls = info.get("project_urls") if isinstance(info.get("project_urls"), dict) else None
    urls = {str(k)[:100]: str(v)[:MAX_URL_TEXT] for k, v in list(urls.items())[:50]} if urls else None
    home = info.get("home_page") if isinstance(info.get("home_page"), str) else None
    row = dict(package=package, repo_slug=repo_from_urls(urls, home) if data else None,
               project_urls=json.dumps(urls) if urls else None, fetched_at=now,
               status="ok" if data else "not_found",
               display_name=str(info.get("name"))[:200] if info.get("name") else None,
               latest_version=str(info.get("version"))[:200] if info.get("version") else None,
               home_page=home[:MAX_URL_TEXT] if home else None)
    return PackageRecord(row, [dict(package=package, **r) for r in releases_of(data)] if data else [])


def store_package(store: Store, record: PackageRecord) -> dict[str, Any]:
    """Cache the package and replace its releases (idempotent); returns its counters."""
    package = record.row["package"]
    with store.transaction():
        store.upsert("pypi_packages", [record.row], key=["package"])
        store.execute("DELETE FROM pypi_releases WHERE package = ?", [package])
        if record.releases:
            store.upsert("pypi_releases", record.releases, key=["package", "version"])
    return {"status": record.row["status"], "releases": len(record.releases),
            "yanked": sum(r["yanked"] for r in record.releases)}


def save_package(store: Store, name: str, data: dict[str, Any] | None, now: datetime) -> dict[str, Any]:
    """Cache a package document (None: not on PyPI) in one transaction; its row plus counts."""
    record = package_record(name, data, now)
    return {**record.row, **store_package(store, record)}


def repo_for_package(store: Store, config: Config, package: str, *, fetch: bool = True,
                     client: PyPIClient | None = None) -> str | None:
    """OWNER/REPO for a PyPI package: from the cache, else (when `fetch`) from PyPI, cached.
    None when the package has no GitHub repository, does not exist, or is not cached and not fetched."""
    if not valid_name(package):
        return None
    key = normalise(package)
    row = store.one("SELECT repo_slug FROM pypi_packages WHERE package = ?", [key])
    if row is not None:
        return row[0]
    if not fetch:
        return None
    client = client or PyPIClient(config.pypi_url)
    data = client.package(key)
    return save_package(store, key, data, utcnow())["repo_slug"]


def open_session(run) -> PyPIClient:
    return PyPIClient(run.config.pypi_url, http=run.http)


def fetch(ctx: FetchContext, project: Project, _state: None) -> Batch:
    name = (project.pypi_package or "").strip()
    if not valid_name(name):
        raise CollectionError(f"{name!r} is not a valid PyPI package name")
    client: PyPIClient = ctx.session
    data = client.package(normalise(name))
    record = package_record(name, data, ctx.now)
    batch = Batch(record)
    if data is None:  # cached as not found, and the run says so
        batch.error = f"PyPI has no package {name!r} (check the project's pypi entry)"
    return batch


def save(store: Store, project: Project, batch: Batch) -> dict[str, Any]:
    return store_package(store, batch.data)


def summary(batch: Batch, counters: dict[str, Any]) -> str:
    row = batch.data.row
    return (f"{row['display_name']}: {counters['releases']} releases ({counters['yanked']} yanked), "
            f"repository {row['repo_slug'] or 'unknown'}")
