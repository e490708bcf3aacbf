"""Failures of collections in words, grouped: one line per distinct failure with the projects it
hit (`tracker collect`'s summary, the scheduler's log, the app's banner), and whether a failure
means that a host cannot be reached at all (offline, or no route to the forge), which is said once
instead of once per project.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

# Why a host could not be reached, most specific first (the first found is the reason given).
_REASONS = (
    ("could not resolve host|does not resolve|name or service not known|temporary failure in name resolution|"
     "nodename nor servname|no address associated|NameResolutionError", "its name does not resolve"),
    ("connection refused", "connection refused"),
    ("connection timed out|ConnectTimeout|timed out", "connection timed out"),
    ("network (?:is )?unreachable|no route to host", "no route to it"),
    ("failed to connect|couldn't connect|cannot reach|could not be reached|Max retries exceeded|ConnectionError",
     "no connection"),
)
_UNREACHABLE = re.compile("|".join(f"(?:{p})" for p, _ in _REASONS), re.IGNORECASE)
_NAME = r"((?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}|\d{1,3}(?:\.\d{1,3}){3}|localhost)"
_HOST = (re.compile(r"resolve host:?\s*'?" + _NAME, re.I),
         re.compile(r"(?:https?|ssh|git)://(?:[^@/\s]+@)?" + _NAME, re.I),
         re.compile(r"git@" + _NAME + ":", re.I),
         re.compile(_NAME + r" (?:could not|cannot) be reached", re.I),
         re.compile(r"connect to " + _NAME, re.I))
_TIME = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?(?: UTC)?\b")
_COUNT = re.compile(r"\b\d+\b")
SHOWN_PROJECTS = 5


def unreachable(error: str | None) -> bool:
    """True when the error says the host could not be reached at all (DNS, no route, refused,
    timed out), as opposed to an answer the host gave."""
    return bool(error and _UNREACHABLE.search(error))


def host_of(error: str | None) -> str | None:
    """The host an error names (`Could not resolve host: github.com`, a URL), if any."""
    if not error:
        return None
    for pattern in _HOST:
        m = pattern.search(error)
        if m:
            return m.group(1).lower()
    return None


def url_host(url: str) -> str | None:
    """The host of a URL (https://, ssh://, git@host:path), lower case; None for a local path."""
    m = re.match(r"^[\w.-]+@([\w.-]+):", url)
    if m:
        return m.group(1).lower()
    if "://" not in url:
        return None
    return urlsplit(url).hostname


def reason_of(error: str) -> str:
    """Why a host could not be reached, in words (e.g. 'its name does not resolve')."""
    for pattern, words in _REASONS:
        if re.search(pattern, error, re.IGNORECASE):
            return words
    return "no connection"


def describe(error: str | None, project: str | None = None) -> str:
    """An error in words that are the same for every project it hit: the project's name, times
    and counts taken out; a host that cannot be reached said as such."""
    text = (error or "failed").strip()
    if unreachable(text):
        return f"{host_of(text) or 'the server'} cannot be reached ({reason_of(text)}): offline, or blocked"
    if project:
        text = re.sub(re.escape(project), "OWNER/REPO", text, flags=re.IGNORECASE)
    text = _TIME.sub("HH:MM", text)
    return text[:300]


def key(error: str | None, project: str | None = None) -> str:
    """What makes two failures the same kind (for not repeating them): for a host that cannot be
    reached, the host."""
    if unreachable(error):
        return f"unreachable {host_of(error)}"
    if error and "no GITHUB_TOKEN" in error:
        return "no github token"
    return _COUNT.sub("N", describe(error, project)).lower()


@dataclass
class Failure:
    source: str
    text: str
    projects: list[str] = field(default_factory=list)

    def line(self, shown: int = SHOWN_PROJECTS) -> str:
        names = [p for p in self.projects if p]
        n = len(names)
        listed = ", ".join(names[:shown]) + (f" and {n - shown} more" if n > shown else "")
        who = f"{n} project{'s' if n != 1 else ''}: {listed}" if n else "no project"
        return f"{self.source}: {self.text} ({who})"


def group(outcomes: Iterable[Any], statuses: tuple[str, ...] = ("error", "interrupted")) -> list[Failure]:
    """Outcomes (source, project, status, error) that failed, one entry per source and kind of
    failure, most projects first."""
    found: dict[tuple[str, str], Failure] = {}
    for o in outcomes:
        if o.status not in statuses:
            continue
        text = describe(o.error, o.project)
        entry = found.setdefault((o.source, key(o.error, o.project)), Failure(o.source, text))
        entry.projects.append(o.project or "")
    return sorted(found.values(), key=lambda f: (-len(f.projects), f.source, f.text))
