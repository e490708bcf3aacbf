"""Recognising GitHub repositories in the URLs dependency files carry (VCS links, archives,
SBOM references). Anything else is not a repository we can score."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from tracker.errors import UsageError
from tracker.registry import parse_repo

_VCS_PREFIX = re.compile(r"^(git|hg|svn|bzr)\+", re.IGNORECASE)


def github_repo(url: str | None) -> str | None:
    """'OWNER/REPO' when `url` points into a GitHub repository, else None.

    Handles pip VCS links (git+https://github.com/o/r.git@v1#egg=x), scp-style
    (git@github.com:o/r.git), archive and tree URLs, and ssh://git@github.com/o/r.
    """
    if not url or not isinstance(url, str):
        return None
    text = _VCS_PREFIX.sub("", url.strip())
    if "://" in text:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower()
        if host not in ("github.com", "www.github.com"):
            return None
        segments = [s for s in parts.path.split("/") if s][:2]
        if len(segments) < 2:
            return None
        segments[1] = segments[1].split("@", 1)[0]
        candidate = "/".join(segments)
    elif re.match(r"^[\w.-]+@github\.com:", text, re.IGNORECASE):
        candidate = text.split(":", 1)[1].split("#", 1)[0]
        candidate = "/".join(candidate.split("/")[:2]).split("@", 1)[0]
    else:
        return None
    try:
        owner, repo = parse_repo(candidate)
    except UsageError:
        return None
    return f"{owner}/{repo}"
