"""Funding channels found in GitHub's data: Repository.fundingLinks and the owner's Sponsors listing.

`from_github` turns the rows the GitHub source stored into channels (pure, used by the funding
source's fetch); `github_channels` reads those rows too (used by the funding metrics).
"""

from __future__ import annotations

from collectors.funding.files import Channel, classify_url, safe_url
from tracker.store import Store


def table_exists(store: Store, name: str) -> bool:
    return bool(store.scalar(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ? AND table_schema = 'main'",
        [name]))


def from_github(links: list[tuple[str, str]], sponsor_login: str | None,
                has_listing: bool | None) -> list[tuple[str, Channel]]:
    """(source, channel) for each funding link and for a Sponsors listing."""
    found: list[tuple[str, Channel]] = []
    for platform, url in links:
        url = safe_url(url)
        if not url:
            continue
        name = str(platform or "custom").lower()
        kind, account = classify_url(url)
        found.append(("github_funding_links", Channel(name, account if kind == name else None, url)))
    if has_listing and sponsor_login:
        found.append(("github_sponsors", Channel("github", sponsor_login,
                                                 f"https://github.com/sponsors/{sponsor_login}")))
    return found


def github_links(store: Store, project_id: int) -> list[tuple[str, str]]:
    return [(p, u) for p, u in store.all(
        "SELECT platform, url FROM github_funding_links WHERE project_id = ? ORDER BY platform, url", [project_id])]


def latest_sponsors(store: Store, project_id: int) -> tuple[str | None, bool | None, str | None]:
    """(owner login, has a listing, tiers JSON) of the latest Sponsors snapshot, or Nones."""
    row = store.one("SELECT owner_login, has_sponsors_listing, tiers FROM github_sponsors WHERE project_id = ?"
                    " ORDER BY collected_at DESC LIMIT 1", [project_id])
    return (row[0], row[1], row[2]) if row else (None, None, None)


def github_channels(store: Store, project_id: int) -> list[tuple[str, Channel]]:
    """Channels from the GitHub source's tables: (source, channel)."""
    login, has_listing, _tiers = latest_sponsors(store, project_id)
    return from_github(github_links(store, project_id), login, has_listing)
