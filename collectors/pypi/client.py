"""PyPI's JSON API (`GET {config.pypi_url}/pypi/<name>/json`) and the parsing of its answers.

A release's time is the earliest upload among its files; a release without files has no time
(NULL). The repository comes from `project_urls` (source-like labels first, then any github.com
link, then the home page).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import requests

from collectors.funding.files import safe_url
from collectors.http import HttpSession, Policy, RequestsTransport
from tracker.errors import CollectionError, UsageError
from tracker.registry import parse_repo

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


@dataclass
class Answer:
    """One answer of a conditional GET: 200 with the document, 304 (unchanged: no body) or 404,
    with the response headers (lower-case names) that say how long it may be reused."""

    status: int
    data: dict[str, Any] | None
    headers: dict[str, str]


class PyPIClient:
    """GETs the JSON API through the shared HTTP layer (retries on 429/5xx with Retry-After, the
    run's breaker, a size cap). Standalone (`tracker deps`) it makes an HTTP session of its own;
    `sleep` is injectable for tests."""

    def __init__(self, base_url: str, session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep, timeout: float = 30.0,
                 http: HttpSession | None = None):
        self.base_url = base_url.rstrip("/")
        self.http = http or HttpSession(Policy(timeout=timeout), sleep=sleep,
                                        plain=RequestsTransport(session) if session else None)
        self.endpoint = self.http.endpoint("PyPI", self.base_url, headers={"Accept": "application/json"},
                                           max_attempts=MAX_RETRIES + 1, max_bytes=MAX_RESPONSE_BYTES)

    @property
    def requests(self) -> int:
        return self.endpoint.requests

    def package(self, name: str) -> dict[str, Any] | None:
        """The package's JSON document, or None when PyPI has no such project."""
        resp = self.endpoint.request("GET", f"/pypi/{quote(name, safe='')}/json", what=name)
        if resp.status == 404:
            return None
        if resp.status != 200:
            raise CollectionError(f"PyPI answered HTTP {resp.status} for {name}")
        data = resp.data
        if data is None:
            raise CollectionError(f"PyPI answered {name} without valid JSON")
        if not isinstance(data, dict) or not isinstance(data.get("info"), dict):
            raise CollectionError(f"PyPI answer for {name} has no 'info'")
        return data

    def conditional(self, name: str, etag: str | None = None, last_modified: str | None = None) -> Answer:
        """GET the package's JSON with the validators of a cached copy (`If-None-Match`,
        `If-Modified-Since`): 304 means the copy still holds. Raises CollectionError otherwise."""
        headers = {"If-Modified-Since": last_modified} if last_modified else None
        resp = self.endpoint.request("GET", f"/pypi/{quote(name, safe='')}/json", etag=etag, headers=headers,
                                     what=name)
        if resp.status in (304, 404):
            return Answer(resp.status, None, resp.headers)
        if resp.status != 200:
            raise CollectionError(f"PyPI answered HTTP {resp.status} for {name}")
        data = resp.data
        if not isinstance(data, dict) or not isinstance(data.get("info"), dict):
            raise CollectionError(f"PyPI answer for {name} is not a package document")
        return Answer(200, data, resp.headers)


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


