"""Funding metrics: channels, Open Collective money, grants, and funding per active maintainer.

Reads `funding_channels` (and GitHub's `github_funding_links` when that table exists),
`opencollective_snapshots`, and the grants registry; `has_sponsors_listing` and
`sponsors_count` belong to the GitHub provider and `active_contributors_365d` to the git provider
(read from `known`; a sponsor count is not money, so it is not turned into dollars). Dollar
figures use the rates table (tracker/currency.py). Unknown stays None: a project never checked is
not a project with no funding. See docs/methodology.md, "Funding metrics".
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from collectors.funding.channels import github_channels, table_exists
from collectors.funding.files import Channel
from tracker.currency import Rates, load_rates
from tracker.grants import project_grants
from tracker.store import Store

NAMES = [
    "funding_channels_count",
    "funding_platforms",
    "oc_yearly_budget_usd",
    "oc_received_12m_usd",
    "oc_balance_usd",
    "grants_total_usd_5y",
    "grants_active",
    "last_grant_at",
    "funding_per_active_maintainer_usd",
]
GRANT_WINDOW_DAYS = round(5 * 365.25)


def channels(store: Store, project_id: int, known: dict[str, Any] | None = None) -> list[Channel] | None:
    """Distinct funding channels over every source; None when no source was ever looked at.

    Reads the funding collector's table and, directly, GitHub's tables (so a GitHub collection
    newer than the last funding run still counts); a Sponsors listing reported by the GitHub
    provider (`known`) counts as a GitHub channel when no table names it.
    """
    known = known or {}
    rows = store.all("SELECT platform, account, url, ref FROM funding_channels WHERE project_id = ?", [project_id])
    found = [Channel(p, a, u, None if (a or u) else r) for p, a, u, r in rows]
    found += [ch for _source, ch in github_channels(store, project_id)]
    looked = bool(found) or bool(store.scalar("SELECT count(*) FROM git_repos WHERE project_id = ?", [project_id]))
    if known.get("has_sponsors_listing") is not None:
        looked = True
        if known["has_sponsors_listing"] and not any(c.platform == "github" for c in found):
            found.append(Channel("github", None, None, "sponsors-listing"))
    if not looked and table_exists(store, "github_repo_snapshots"):
        looked = bool(store.scalar("SELECT count(*) FROM github_repo_snapshots WHERE project_id = ?", [project_id]))
    if not looked:
        return None
    unique: dict[tuple[str, str], Channel] = {}
    for ch in found:
        unique.setdefault(ch.identity(), ch)
    return list(unique.values())


def _oc_figures(store: Store, project_id: int, rates: Rates, now: datetime) -> dict[str, float | None] | None:
    """Sums in dollars over the project's collectives (latest snapshot of each taken by `now`),
    None if none found."""
    rows = store.dicts(
        "SELECT * FROM opencollective_snapshots WHERE project_id = ? AND date_trunc('second', collected_at) <= ?"
        " QUALIFY row_number() OVER (PARTITION BY slug ORDER BY collected_at DESC) = 1", [project_id, now])
    rows = [r for r in rows if r["status"] == "ok"]
    if not rows:
        return None
    out: dict[str, float | None] = {}
    for column in ("yearly_budget", "received_12m", "balance"):
        values = [rates.to_usd(r[column], r["currency"]) for r in rows]
        out[column] = None if any(v is None for v in values) else round(sum(values), 2)
    return out


def _overlap_days(start: date, end: date, lo: date, hi: date) -> int:
    return max(0, (min(end, hi) - max(start, lo)).days)


def grant_usd_in(grant: dict[str, Any], lo: date, hi: date, rates: Rates) -> float | None:
    """The part of a grant's dollars falling in (lo, hi]: spread evenly over its period when the
    period is known, else counted whole on its award date."""
    usd = rates.to_usd(grant["amount"], grant["currency"])
    start = grant["awarded_on"]
    if usd is None or start is None:
        return None
    if not grant["period_months"]:
        return usd if lo < start <= hi else 0.0
    end = start + timedelta(days=round(grant["period_months"] * 30.44))
    total = (end - start).days
    return usd * _overlap_days(start, end, lo, hi) / total if total > 0 else 0.0


def compute(store: Store, project_id: int, now: datetime, known: dict[str, Any] | None = None) -> dict[str, Any]:
    known = known or {}
    rates = load_rates()
    m: dict[str, Any] = {}
    chans = channels(store, project_id, known)
    m["funding_channels_count"] = len(chans) if chans is not None else None
    m["funding_platforms"] = sorted({c.platform for c in chans}) if chans is not None else None

    oc = _oc_figures(store, project_id, rates, now)
    m["oc_yearly_budget_usd"] = oc["yearly_budget"] if oc else None
    m["oc_received_12m_usd"] = oc["received_12m"] if oc else None
    m["oc_balance_usd"] = oc["balance"] if oc else None

    today = now.date()
    grants = [g for g in project_grants(store, project_id) if g["awarded_on"] is None or g["awarded_on"] <= today]
    window_start = today - timedelta(days=GRANT_WINDOW_DAYS)
    in_window = [g for g in grants if g["awarded_on"] is not None and g["awarded_on"] > window_start]
    amounts = [rates.to_usd(g["amount"], g["currency"]) for g in in_window]
    amounts = [a for a in amounts if a is not None]
    m["grants_total_usd_5y"] = round(sum(amounts), 2) if amounts else None
    if grants:
        m["grants_active"] = sum(
            1 for g in grants if g["awarded_on"] is not None and g["period_months"]
            and g["awarded_on"] <= today < g["awarded_on"] + timedelta(days=round(g["period_months"] * 30.44)))
    else:
        m["grants_active"] = None
    dated = [g["awarded_on"] for g in grants if g["awarded_on"] is not None]
    m["last_grant_at"] = max(dated) if dated else None

    year_ago = today - timedelta(days=365)
    parts = [p for p in (grant_usd_in(g, year_ago, today, rates) for g in grants) if p is not None]
    yearly = None
    if m["oc_received_12m_usd"] is not None or parts:
        yearly = (m["oc_received_12m_usd"] or 0.0) + sum(parts)
    people = known.get("active_contributors_365d")
    m["funding_per_active_maintainer_usd"] = (
        round(yearly / people, 2) if yearly is not None and isinstance(people, int) and people > 0 else None)
    return m
