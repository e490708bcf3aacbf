"""PyPI collector: release history (upload times, yanked flags) and the package -> repository map.

Reads the JSON API (`GET {config.pypi_url}/pypi/<name>/json`). A release's time is the earliest
upload among its files; a release without files has no time (NULL). The repository comes from
`project_urls` (source-like labels first, then any github.com link, then the home page) and is
cached in `pypi_packages`, 'not found' included, so dependency risk can map thousands of packages
without asking twice: see `repo_for_package`.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import requests

from collectors import Source
from tracker.config import Config
from tracker.errors import CollectionError, UsageError
from tracker.funding_files import safe_url
from tracker.packages import normalise, valid_name
from tracker.registry import Project, parse_repo
from tracker.runs import utcnow
from tracker.store import Store

MAX_RESPONSE_BYTES = 64 * 1024 * 1024   # the largest packages' JSON is tens of MB
MAX_RETRIES = 3
# project_urls labels that name the source repository, in order of trust (compared normalised).
SOURCE_LABELS = ("source", "sourcecode", "source code", "repository", "code", "github", "git", "homepage",
                 "home", "home page")


def _label(text: str) -> str:
    return re.sub(r"[^a-z ]", "", text.lower().replace("_", " ").replace("-", " ")).strip()


def repo_from_urls(project_urls: dict[str, Any] | None, home_page: str | None = None) -> str | None:
    """OWNER/REPO of the package's GitHub repository, from its project_urls, or None."""
    candidates: list[tuple[int, str]] = []
    for label, url in (project_urls or {}).items():
        if not isinstance(label, str) or not isinstance(url, str):
            continue
        norm = _label(label)
        rank = SOURCE_LABELS.index(norm) if norm in SOURCE_LABELS else len(SOURCE_LABELS)
        candidates.append((rank, url))
    if home_page:
        candidates.append((len(SOURCE_LABELS) + 1, home_page))
    for _, url in sorted(candidates, key=lambda c: c[0]):
        slug = _github_slug(url)
        if slug:
            return slug
    return None


def _github_slug(url: str) -> str | None:
    url = safe_url(url.strip()) if isinstance(url, str) else None
    if not url:
        return None
    try:
        owner, repo = parse_repo(url)
    except UsageError:
        return None
    if owner.lower() in ("sponsors", "orgs", "features", "marketplace", "apps", "topics", "about"):
        return None
    return f"{owner}/{repo}"


class PyPIClient:
    """GETs the JSON API with retries on 429/5xx; sleep injectable for tests."""

    def __init__(self, base_url: str, session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep, timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.sleep, self.timeout = sleep, timeout
        self.requests = 0

    def package(self, name: str) -> dict[str, Any] | None:
        """The package's JSON document, or None when PyPI has no such project."""
        url = f"{self.base_url}/pypi/{quote(name, safe='')}/json"
        for attempt in range(MAX_RETRIES + 1):
            self.requests += 1
            try:
                resp = self.session.get(url, timeout=self.timeout, stream=True,
                                        headers={"Accept": "application/json",
                                                 "User-Agent": "oss-sustainability-tracker"})
            except requests.RequestException as exc:
                if attempt < MAX_RETRIES:
                    self.sleep(2.0 ** attempt)
                    continue
                raise CollectionError(f"PyPI unreachable: {type(exc).__name__}") from None
            with resp:
                if resp.status_code == 404:
                    return None
                if resp.status_code == 429 or resp.status_code >= 500:
                    if attempt < MAX_RETRIES:
                        wait = resp.headers.get("Retry-After", "")
                        self.sleep(min(float(wait), 300.0) if wait.isdigit() else 2.0 ** attempt)
                        continue
                    raise CollectionError(f"PyPI answered HTTP {resp.status_code} for {name} "
                                          f"{MAX_RETRIES + 1} times; try later")
                if resp.status_code != 200:
                    raise CollectionError(f"PyPI answered HTTP {resp.status_code} for {name}")
                body = resp.raw.read(MAX_RESPONSE_BYTES + 1, decode_content=True)
            if len(body) > MAX_RESPONSE_BYTES:
                raise CollectionError(f"PyPI answer for {name} is larger than {MAX_RESPONSE_BYTES} bytes")
            try:
                data = json.loads(body)
            except ValueError:
                raise CollectionError(f"PyPI answered {name} without valid JSON") from None
            if not isinstance(data, dict) or not isinstance(data.get("info"), dict):
                raise CollectionError(f"PyPI answer for {name} has no 'info'")
            return data
        raise CollectionError("PyPI: no answer")  # pragma: no cover


def _time(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def releases_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    """One record per release: earliest upload time, yanked (every file yanked), reason, files."""
    out = []
    releases = data.get("releases") if isinstance(data.get("releases"), dict) else {}
    for version, files in releases.items():
        files = [f for f in files if isinstance(f, dict)] if isinstance(files, list) else []
        times = [t for t in (_time(f.get("upload_time_iso_8601") or f.get("upload_time")) for f in files) if t]
        yanked = bool(files) and all(bool(f.get("yanked")) for f in files)
        reason = next((str(f["yanked_reason"])[:500] for f in files if f.get("yanked_reason")), None)
        out.append(dict(version=str(version)[:200], uploaded_at=min(times) if times else None,
                        yanked=yanked, yanked_reason=reason if yanked else None, files=len(files)))
    return out


def save_package(store: Store, name: str, data: dict[str, Any] | None, now: datetime) -> dict[str, Any]:
    """Cache the package (or its absence) and replace its releases, in one transaction."""
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
    releases = releases_of(data) if data else []
    with store.transaction():
        store.upsert("pypi_packages", [row], key=["package"])
        store.execute("DELETE FROM pypi_releases WHERE package = ?", [package])
        if releases:
            store.upsert("pypi_releases", [dict(package=package, **r) for r in releases],
                         key=["package", "version"])
    row["releases"] = len(releases)
    row["yanked"] = sum(r["yanked"] for r in releases)
    return row


MAX_URL_TEXT = 2048


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


def collect(ctx, project: Project) -> None:
    name = (project.pypi_package or "").strip()
    if not valid_name(name):
        raise CollectionError(f"{name!r} is not a valid PyPI package name")
    client = PyPIClient(ctx.config.pypi_url, session=ctx.options.get("session"),
                        sleep=ctx.options.get("sleep", time.sleep))
    try:
        data = client.package(normalise(name))
    finally:
        ctx.run.requests = client.requests
    row = save_package(ctx.store, name, data, ctx.now)
    ctx.run.counters.update(status=row["status"], releases=row["releases"], yanked=row["yanked"])
    if data is None:
        raise CollectionError(f"PyPI has no package {name!r} (check the project's pypi entry)")
    ctx.progress(f"{row['display_name']}: {row['releases']} releases ({row['yanked']} yanked), "
                 f"repository {row['repo_slug'] or 'unknown'}")


SOURCE = Source(
    name="pypi",
    description="PyPI: release history with upload times and yanked flags, package -> repository map",
    collect=collect,
    order=40,
    applies=lambda p: bool(p.pypi_package),
)
