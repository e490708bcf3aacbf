"""The npm registry, as dependency risk uses it: `GET {NPM_REGISTRY_URL}/NAME` (the full package
document, "packument": github.com/npm/registry, docs/responses/package-metadata.md) reduced to an
`IndexRecord`: versions with their publish time (`time`) and `deprecated` message, `dist-tags.latest`,
the `repository` field (-> OWNER/REPO), `funding`, `description`, `time.modified`.

Why here and not in collectors/: npm is not a collected source. No tracked project has an npm
package and nothing from npm is stored in the database; it is a lookup for `tracker deps` and the
app's Dependencies page, answered through the shared HTTP layer (collectors/http.py: retries,
backoff, Retry-After, the breaker, concurrency slots) and kept in the index cache
(tracker/deps/indexcache.py), exactly like the PyPI lookups of the same report.

The full document is asked for (not the abbreviated `application/vnd.npm.install-v1+json` one):
only the full one has `time`, the publish time of each version.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from collectors.funding.files import safe_url
from collectors.http import HttpSession, Policy
from collectors.pypi.client import Answer
from tracker.deps.index import MAX_DESCRIPTION, MAX_RELEASES, MAX_SUMMARY, IndexRecord, Release
from tracker.deps.urls import github_repo
from tracker.errors import CollectionError
from tracker.values import parse_time

MAX_RESPONSE_BYTES = 64 * 1024 * 1024
MAX_RETRIES = 3
# npm package names: lower case for new packages, a few old ones have capitals; a scope is
# '@scope/'. At most 214 characters (validate-npm-package-name's rules, in our own words).
_NAME = re.compile(r"^(?:@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9_][a-z0-9._~-]*$", re.IGNORECASE)
_SHORTHAND = re.compile(r"^(?:github:)?([A-Za-z0-9][A-Za-z0-9-]*)/([A-Za-z0-9._-]+?)(?:\.git)?(?:#.*)?$")


def valid_name(name: str) -> bool:
    return bool(name) and len(name) <= 214 and bool(_NAME.match(name))


def repo_of(repository: Any) -> str | None:
    """OWNER/REPO from package.json's `repository`: a URL (git+https, git://, git@github.com:),
    the shorthand 'owner/repo' or 'github:owner/repo', or {type, url, directory}."""
    if isinstance(repository, dict):
        repository = repository.get("url")
    if not isinstance(repository, str) or not repository.strip() or len(repository) > 2048:
        return None
    text = repository.strip()
    short = _SHORTHAND.match(text)
    if short and "://" not in text and "@" not in text:
        return github_repo(f"https://github.com/{short.group(1)}/{short.group(2)}")
    return github_repo(text)


def _funding_urls(funding: Any) -> dict[str, str]:
    """package.json `funding`: a URL, {type, url}, or a list of either."""
    items = funding if isinstance(funding, list) else [funding]
    out: dict[str, str] = {}
    for i, item in enumerate(items[:20]):
        url = item.get("url") if isinstance(item, dict) else item
        url = safe_url(url)
        if url:
            out[f"funding {i + 1}"] = url
    return out


def reduce_npm(name: str, data: dict[str, Any]) -> IndexRecord:
    """The record of a full npm package document."""
    versions = data.get("versions") if isinstance(data.get("versions"), dict) else {}
    times = data.get("time") if isinstance(data.get("time"), dict) else {}
    tags = data.get("dist-tags") if isinstance(data.get("dist-tags"), dict) else {}
    latest = tags.get("latest") if isinstance(tags.get("latest"), str) else None
    releases: dict[str, Release] = {}
    for version, meta in list(versions.items())[:MAX_RELEASES]:
        meta = meta if isinstance(meta, dict) else {}
        deprecated = meta.get("deprecated")
        # npm un-deprecates a version by setting the message to ""
        message = deprecated.strip()[:500] if isinstance(deprecated, str) and deprecated.strip() else None
        releases[str(version)[:200]] = Release(str(version)[:200], parse_time(times.get(version)), False, None,
                                               message, None)
    head = versions.get(latest) if isinstance(versions.get(latest), dict) else {}
    repository = data.get("repository") or head.get("repository")
    urls: dict[str, str] = {}
    for label, value in (("homepage", data.get("homepage") or head.get("homepage")),
                         ("repository", repository.get("url") if isinstance(repository, dict) else repository),
                         ("bugs", (data.get("bugs") or {}).get("url") if isinstance(data.get("bugs"), dict)
                          else data.get("bugs"))):
        url = safe_url(value) if isinstance(value, str) else None
        if url:
            urls[label] = url[:2048]
    funding = _funding_urls(head.get("funding"))
    summary = data.get("description") if isinstance(data.get("description"), str) else head.get("description")
    return IndexRecord(
        "npm", name, True, str(data.get("name") or name)[:214], latest, releases,
        summary.strip()[:MAX_SUMMARY] if isinstance(summary, str) and summary.strip() else None,
        data["readme"][:MAX_DESCRIPTION] if isinstance(data.get("readme"), str) and data["readme"].strip() else None,
        [], None, {**urls, **funding}, repo_of(repository), list(funding.values()),
        parse_time(times.get("modified") or data.get("modified")))


class NpmClient:
    """GETs package documents from the npm registry through the shared HTTP layer."""

    def __init__(self, base_url: str, http: HttpSession | None = None,
                 sleep: Callable[[float], None] | None = None):
        self.base_url = base_url.rstrip("/")
        self.http = http or HttpSession(Policy(), **({"sleep": sleep} if sleep else {}))
        self.endpoint = self.http.endpoint("npm", self.base_url, headers={"Accept": "application/json"},
                                           max_attempts=MAX_RETRIES + 1, max_bytes=MAX_RESPONSE_BYTES)

    @property
    def requests(self) -> int:
        return self.endpoint.requests

    def conditional(self, name: str, etag: str | None = None, last_modified: str | None = None) -> Answer:
        """GET the package document with a cached copy's validators: 200, 304 (unchanged) or 404."""
        if not valid_name(name):
            raise CollectionError(f"{name!r} is not a valid npm package name")
        # a scoped name keeps its '@' and has its '/' encoded, as npm itself asks: /@scope%2Fname
        path = "/" + quote(name, safe="@")
        headers = {"If-Modified-Since": last_modified} if last_modified else None
        resp = self.endpoint.request("GET", path, etag=etag, headers=headers, what=name)
        if resp.status in (304, 404):
            return Answer(resp.status, None, resp.headers)
        if resp.status != 200:
            raise CollectionError(f"the npm registry answered HTTP {resp.status} for {name}")
        data = resp.data
        if not isinstance(data, dict) or not isinstance(data.get("versions"), dict):
            raise CollectionError(f"the npm registry's answer for {name} is not a package document")
        return Answer(200, data, resp.headers)
