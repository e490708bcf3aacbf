"""A repository's files through GitHub's contents endpoint (REST, `GET /repos/{owner}/{repo}/contents/
{path}`): what the git source falls back to when git cannot reach the owner's `.github` repository.

It goes through the run's GitHub client (collectors/github/client.py), so the HTTP layer's retries,
rate-limit budget, breaker and redaction apply. Listings and files are returned in the git
source's shapes; which files matter is decided there (collectors/git/repo.py).
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import quote

from collectors.github.client import GitHubClient, NotFoundError

# The contents endpoint lists at most 1,000 entries per folder and returns the content of files
# up to 1 MB inline (larger ones come back without content): enough for community health files.
INLINE_LIMIT = 1024 * 1024


class RepositoryContents:
    """The files of one repository as the contents endpoint shows them (default branch)."""

    def __init__(self, client: GitHubClient, owner: str, name: str):
        self.client = client
        self.base = f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}"
        self.slug = f"{owner}/{name}"

    def exists(self) -> bool:
        """False when GitHub answers 404 (no such repository, or a private one)."""
        try:
            self.client.get(self.base, what=f"{self.slug} (repository)")
        except NotFoundError:
            return False
        return True

    def listing(self, folder: str) -> list[tuple[str, str, str, int | None, str]]:
        """The entries of `folder` ('' for the root) as `git ls-tree -l` gives them: (mode, type,
        oid, size, name); [] when the folder does not exist."""
        path = self.base + "/contents" + (("/" + quote(folder)) if folder else "")
        try:
            resp = self.client.get(path, what=f"{self.slug}/{folder} (contents)")
        except NotFoundError:
            return []
        entries = resp.data if isinstance(resp.data, list) else []
        out = []
        for e in entries:
            if not isinstance(e, dict) or not isinstance(e.get("name"), str) or not isinstance(e.get("sha"), str):
                continue
            kind = e.get("type")
            if kind not in ("file", "symlink"):
                continue
            size = e.get("size")
            out.append(("100644", "blob", e["sha"], size if isinstance(size, int) and size >= 0 else None, e["name"]))
        return out

    def read(self, path: str) -> bytes | None:
        """The content of the file at `path`, or None when it is missing, too large to come inline
        or not a file."""
        try:
            resp = self.client.get(self.base + "/contents/" + quote(path), what=f"{self.slug}/{path} (contents)")
        except NotFoundError:
            return None
        data = resp.data
        if not isinstance(data, dict) or data.get("type") not in ("file", None):
            return None
        if data.get("encoding") != "base64" or not isinstance(data.get("content"), str):
            return None
        try:
            return base64.b64decode(data["content"], validate=False)
        except (binascii.Error, ValueError):
            return None
