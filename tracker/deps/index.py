"""What a package index says about a package, in one shape for PyPI and npm: its releases with
publish times, yanked and deprecated flags, the latest version, classifiers, summary, the start
of its description, requires-python, project URLs, the repository and funding links.

`reduce_pypi` turns a PyPI JSON API document (`GET /pypi/NAME/json`) into an `IndexRecord`;
tracker.deps.npm does the same for npm packuments. The reduced record is what the index cache
keeps (a few KB where the index sends up to tens of MB) and what tracker.deps.signals judges.
Everything in it is untrusted text from the index: lengths and counts are capped here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from collectors.funding.files import classify_url, safe_url
from collectors.pypi.client import releases_of, repo_from_urls
from tracker.values import iso, parse_time

MAX_RELEASES = 20_000          # versions kept per package (npm's busiest packages have ~10k)
MAX_SUMMARY = 500
MAX_DESCRIPTION = 6_000        # the start of a README: where a deprecation notice stands
MAX_URLS = 50
MAX_CLASSIFIERS = 200
# project_urls labels that name a funding page, compared lower-case without punctuation
FUNDING_LABELS = ("funding", "fund", "sponsor", "sponsors", "donate", "donation", "donations", "github sponsors",
                  "open collective", "opencollective", "tidelift", "patreon", "ko fi", "kofi", "liberapay",
                  "buy me a coffee", "polar", "thanks dev", "support the project", "support us")


@dataclass
class Release:
    version: str
    published: datetime | None          # earliest upload (PyPI) or publish time (npm)
    yanked: bool = False                # PyPI: every file yanked (PEP 592)
    yanked_reason: str | None = None
    deprecated: str | None = None       # npm: the version's deprecation message
    requires_python: str | None = None  # PyPI: Requires-Python of its files


@dataclass
class IndexRecord:
    ecosystem: str                      # pypi | npm
    name: str                           # the key asked for (PEP 503 name; npm name)
    found: bool = True
    display_name: str | None = None
    latest: str | None = None           # PyPI info.version; npm dist-tags.latest
    releases: dict[str, Release] = field(default_factory=dict)
    summary: str | None = None
    description: str | None = None      # the first MAX_DESCRIPTION characters
    classifiers: list[str] = field(default_factory=list)
    requires_python: str | None = None  # of the latest release
    project_urls: dict[str, str] = field(default_factory=dict)
    repo: str | None = None             # OWNER/REPO on GitHub
    funding: list[str] = field(default_factory=list)
    modified: datetime | None = None    # npm: the document's last change
    source: str = "network"             # network | cache | revalidated | stale cache: how it was answered

    # -- the cache's JSON form ---------------------------------------------------------------
    def to_doc(self) -> dict[str, Any]:
        return {"e": self.ecosystem, "n": self.name, "f": self.found, "d": self.display_name, "l": self.latest,
                "r": [[r.version, iso(r.published), int(r.yanked), r.yanked_reason, r.deprecated, r.requires_python]
                      for r in self.releases.values()],
                "s": self.summary, "t": self.description, "c": self.classifiers, "p": self.requires_python,
                "u": self.project_urls, "g": self.repo, "fu": self.funding, "m": iso(self.modified)}

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> IndexRecord:
        releases = {}
        for item in doc.get("r") or []:
            version, published, yanked, reason, deprecated, requires = (list(item) + [None] * 6)[:6]
            releases[str(version)] = Release(str(version), parse_time(published), bool(yanked), reason, deprecated,
                                             requires)
        return cls(doc.get("e", "pypi"), doc.get("n", ""), bool(doc.get("f", True)), doc.get("d"), doc.get("l"),
                   releases, doc.get("s"), doc.get("t"), list(doc.get("c") or []), doc.get("p"),
                   dict(doc.get("u") or {}), doc.get("g"), list(doc.get("fu") or []), parse_time(doc.get("m")))

    @classmethod
    def missing(cls, ecosystem: str, name: str) -> IndexRecord:
        return cls(ecosystem, name, found=False)


def _text(value: Any, limit: int) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value[:limit] if value else None


def _label(text: str) -> str:
    return " ".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def funding_links(urls: dict[str, str]) -> list[str]:
    """The funding pages among a package's links: a funding label (Funding, Sponsor, Donate, ...)
    or a known funding platform's address (GitHub Sponsors, Open Collective, Tidelift, ...)."""
    found = []
    for label, url in urls.items():
        url = safe_url(url)
        if not url:
            continue
        platform, _ = classify_url(url)
        github_non_sponsor = platform == "github" and "/sponsors/" not in url.lower()
        if (_label(label) in FUNDING_LABELS or (platform != "custom" and not github_non_sponsor)) and url not in found:
            found.append(url)
    return found


def reduce_pypi(name: str, data: dict[str, Any]) -> IndexRecord:
    """The record of a PyPI JSON API document (its `info` and `releases`)."""
    info = data.get("info") if isinstance(data.get("info"), dict) else {}
    raw_urls = info.get("project_urls") if isinstance(info.get("project_urls"), dict) else {}
    urls = {str(k)[:100]: v[:2048] for k, v in list(raw_urls.items())[:MAX_URLS] if isinstance(v, str)}
    home = info.get("home_page") if isinstance(info.get("home_page"), str) else None
    requires: dict[str, str] = {}
    raw_releases = data.get("releases") if isinstance(data.get("releases"), dict) else {}
    for version, files in raw_releases.items():
        for f in files if isinstance(files, list) else []:
            if isinstance(f, dict) and isinstance(f.get("requires_python"), str) and f["requires_python"].strip():
                requires[str(version)] = f["requires_python"].strip()[:200]
                break
    releases = {}
    for r in releases_of(data)[:MAX_RELEASES]:
        releases[r["version"]] = Release(r["version"], r["uploaded_at"], r["yanked"], r["yanked_reason"], None,
                                         requires.get(r["version"]))
    classifiers = [c[:200] for c in info.get("classifiers") or [] if isinstance(c, str)][:MAX_CLASSIFIERS]
    return IndexRecord(
        "pypi", name, True, _text(info.get("name"), 200), _text(info.get("version"), 200), releases,
        _text(info.get("summary"), MAX_SUMMARY), _text(info.get("description"), MAX_DESCRIPTION), classifiers,
        _text(info.get("requires_python"), 200), urls, repo_from_urls(urls, home),
        funding_links(urls))
