"""Funding channels held in GitHub's tables (written by the GitHub collector, when it has run).

Used by the funding collector and the funding metrics; works when those tables do not exist.
"""

from __future__ import annotations

from tracker.funding_files import Channel, classify_url, safe_url
from tracker.store import Store


def table_exists(store: Store, name: str) -> bool:
    return bool(store.scalar(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ? AND table_schema = 'main'",
        [name]))


def github_channels(store: Store, project_id: int) -> list[tuple[str, Channel]]:
    """Channels from the GitHub collector's tables, if they exist: (source, channel)."""
    found: list[tuple[str, Channel]] = []
    if table_exists(store, "github_funding_links"):
        for platform, url in store.all(
                "SELECT platform, url FROM github_funding_links WHERE project_id = ?", [project_id]):
            url = safe_url(url)
            if not url:
                continue
            name = str(platform or "custom").lower()
            kind, account = classify_url(url)
            found.append(("github_funding_links", Channel(name, account if kind == name else None, url)))
    if table_exists(store, "github_sponsors"):
        row = store.one(
            "SELECT owner_login, has_sponsors_listing FROM github_sponsors WHERE project_id = ?"
            " ORDER BY collected_at DESC LIMIT 1", [project_id])
        if row and row[1] and row[0]:
            found.append(("github_sponsors",
                          Channel("github", row[0], f"https://github.com/sponsors/{row[0]}")))
    return found
