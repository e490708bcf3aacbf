"""Funding metrics: channels, Open Collective money, grants, and funding per active maintainer,
for a whole set of projects in three statements.

Channels are the funding collector's `funding_channels`, counted by their `identity` (the
collector's "same channel" rule, migration 0010), plus the owner's GitHub Sponsors listing
(`github_sponsors`) when no channel names GitHub. Money comes from `opencollective_snapshots` and
the grants registry, in dollars from the rates table (tracker/currency.py). `sponsors_count` belongs
to the GitHub provider and `active_contributors_365d` to the git provider (read from `known`; a
sponsor count is not money, so it is not turned into dollars). Unknown stays None: a project never
checked is not a project with no funding. See docs/methodology.md ("Funding metrics").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from tracker import catalogue as c
from tracker.currency import Rates, load_rates
from tracker.metrics.sets import SELECTED, Known, one_project, query
from tracker.store import Store
from tracker.windows import GRANT_YEARS, MONTH_DAYS, YEAR

NAMES = (
    c.FUNDING_CHANNELS_COUNT,
    c.FUNDING_PLATFORMS,
    c.OC_YEARLY_BUDGET_USD,
    c.OC_RECEIVED_12M_USD,
    c.OC_BALANCE_USD,
    c.GRANTS_TOTAL_USD_5Y,
    c.GRANTS_ACTIVE,
    c.LAST_GRANT_AT,
    c.REPORTED_INCOME_USD,
    c.FUNDING_PER_ACTIVE_MAINTAINER_USD,
)

# funding.json history older than this many years before as_of's year is not current income.
REPORTED_INCOME_YEARS = 2

# Rows written before the funding collector filled `identity` get the same rule here:
# "platform:account" (account lower-cased), else "platform:" + the URL without scheme, "www.",
# port, fragment and trailing slash, host and path lower-cased, else "platform:#" + the channel id.
_URL = "^[A-Za-z][A-Za-z0-9+.-]*://([^/?#]*)([^?#]*)(\\?[^#]*)?"
_IDENTITY = f"""coalesce(identity, platform || ':' || CASE
    WHEN coalesce(account, '') <> '' THEN lower(account)
    WHEN coalesce(url, '') <> '' THEN
        regexp_replace(regexp_replace(lower(regexp_extract(url, '{_URL}', 1)), ':[0-9]*$', ''), '^www\\.', '')
        || rtrim(lower(regexp_extract(url, '{_URL}', 2)), '/')
        || CASE WHEN length(regexp_extract(url, '{_URL}', 3)) > 1 THEN regexp_extract(url, '{_URL}', 3) ELSE '' END
    ELSE '#' || ref END)"""

# Whether any source was looked at for the project (git, GitHub, a channel), the latest Sponsors
# listing taken by `now`, and the distinct channels.
_CHANNELS = f"""
WITH sel AS (SELECT unnest($ids::INTEGER[]) AS project_id),
sponsors AS (
    SELECT project_id, has_sponsors_listing FROM github_sponsors WHERE {SELECTED} AND collected_at <= $now
    QUALIFY row_number() OVER (PARTITION BY project_id ORDER BY collected_at DESC) = 1
),
channels AS (
    SELECT project_id, count(DISTINCT {_IDENTITY}) AS n, list(DISTINCT platform ORDER BY platform) AS platforms
    FROM funding_channels WHERE {SELECTED} GROUP BY project_id
)
SELECT sel.project_id, ch.n, ch.platforms, sp.has_sponsors_listing,
       ch.project_id IS NOT NULL OR sp.project_id IS NOT NULL
       OR sel.project_id IN (SELECT project_id FROM git_repos)
       OR sel.project_id IN (SELECT project_id FROM github_repo_snapshots) AS looked
FROM sel LEFT JOIN channels ch USING (project_id) LEFT JOIN sponsors sp USING (project_id)
"""

# The latest snapshot of each of a project's collectives taken by `now`.
_OPEN_COLLECTIVE = f"""
SELECT project_id, status, currency, yearly_budget, received_12m, balance FROM opencollective_snapshots
WHERE {SELECTED} AND collected_at <= $now
QUALIFY row_number() OVER (PARTITION BY project_id, slug ORDER BY collected_at DESC) = 1
ORDER BY project_id, slug
"""

# Grants linked to tracked projects (never those whose repo the curator marked uncertain).
_GRANTS = """
SELECT p.id, g.amount, g.currency, g.awarded_on, g.period_months
FROM grants g JOIN projects p ON p.slug_key = g.recipient_repo_key
WHERE p.id IN (SELECT unnest($ids::INTEGER[])) AND NOT g.repo_uncertain
ORDER BY p.id, g.awarded_on NULLS LAST, g.id
"""


# The latest year of each project's funding.json history with a known income, not after as_of's year
# and at most REPORTED_INCOME_YEARS before it.
_REPORTED = f"""
SELECT project_id, income, currency FROM funding_history
WHERE {SELECTED} AND income IS NOT NULL AND year <= $year AND year >= $year - $back
QUALIFY row_number() OVER (PARTITION BY project_id ORDER BY year DESC) = 1
"""


def _overlap_days(start: date, end: date, lo: date, hi: date) -> int:
    return max(0, (min(end, hi) - max(start, lo)).days)


def grant_end(grant: dict[str, Any]) -> date:
    return grant["awarded_on"] + timedelta(days=round(grant["period_months"] * MONTH_DAYS))


def grant_usd_in(grant: dict[str, Any], lo: date, hi: date, rates: Rates) -> float | None:
    """The part of a grant's dollars falling in (lo, hi]: spread evenly over its period when the
    period is known, else counted whole on its award date."""
    usd = rates.to_usd(grant["amount"], grant["currency"])
    start = grant["awarded_on"]
    if usd is None or start is None:
        return None
    if not grant["period_months"]:
        return usd if lo < start <= hi else 0.0
    end = grant_end(grant)
    total = (end - start).days
    return usd * _overlap_days(start, end, lo, hi) / total if total > 0 else 0.0


def yearly_income(oc_received: float | None, reported: float | None, grant_parts: list[float | None]
                  ) -> float | None:
    """Money received in the last year, or None when income is unknown. Income is known only from a
    money flow: Open Collective's last 12 months or the income a funding.json history reports. The
    grants registry is curated, not exhaustive, so grants alone never make income known (they are
    added to Open Collective's figure); the larger of the two totals is kept, since a reported
    income may already include both."""
    if oc_received is None and reported is None:
        return None
    flows = (oc_received or 0.0) + sum(x for x in grant_parts if x is not None)
    return max(flows, reported or 0.0)


def _open_collective(rows: list[tuple], rates: Rates) -> dict[str, float | None] | None:
    """Sums in dollars over a project's collectives; None if none was found."""
    rows = [r for r in rows if r[0] == "ok"]
    if not rows:
        return None
    out: dict[str, float | None] = {}
    for i, column in enumerate((c.OC_YEARLY_BUDGET_USD, c.OC_RECEIVED_12M_USD, c.OC_BALANCE_USD), 2):
        values = [rates.to_usd(r[i], r[1]) for r in rows]
        out[column] = None if any(v is None for v in values) else round(sum(values), 2)
    return out


def _grants(grants: list[dict[str, Any]], today: date, rates: Rates) -> dict[str, Any]:
    window_start = today - timedelta(days=GRANT_YEARS.days)
    in_window = [g for g in grants if g["awarded_on"] is not None and g["awarded_on"] > window_start]
    amounts = [a for a in (rates.to_usd(g["amount"], g["currency"]) for g in in_window) if a is not None]
    dated = [g["awarded_on"] for g in grants if g["awarded_on"] is not None]
    return {
        c.GRANTS_TOTAL_USD_5Y: round(sum(amounts), 2) if amounts else None,
        c.GRANTS_ACTIVE: sum(1 for g in grants if g["awarded_on"] is not None and g["period_months"]
                             and g["awarded_on"] <= today < grant_end(g)) if grants else None,
        c.LAST_GRANT_AT: max(dated) if dated else None,
    }


def compute_many(store: Store, project_ids: Sequence[int], now: datetime, known: Known) -> dict[int, dict[str, Any]]:
    """Funding metrics of every project in `project_ids` (None where nothing is known)."""
    rates = load_rates()
    out: dict[int, dict[str, Any]] = {int(pid): dict.fromkeys(NAMES) for pid in project_ids}
    for pid, n, platforms, listing, looked in query(store, _CHANNELS, project_ids, now=now):
        if not looked:
            continue
        platforms = list(platforms or [])
        n = n or 0
        if listing and "github" not in platforms:  # the Sponsors listing is a channel of its own
            n += 1
            platforms = sorted([*platforms, "github"])
        out[pid][c.FUNDING_CHANNELS_COUNT] = n
        out[pid][c.FUNDING_PLATFORMS] = platforms

    collectives: dict[int, list[tuple]] = defaultdict(list)
    for pid, *row in query(store, _OPEN_COLLECTIVE, project_ids, now=now):
        collectives[pid].append(tuple(row))
    grants: dict[int, list[dict[str, Any]]] = defaultdict(list)
    today = now.date()
    for pid, amount, currency, awarded_on, period in query(store, _GRANTS, project_ids):
        if awarded_on is None or awarded_on <= today:
            grants[pid].append({"amount": amount, "currency": currency, "awarded_on": awarded_on,
                                "period_months": period})
    reported: dict[int, float | None] = {}
    for pid, income, currency in query(store, _REPORTED, project_ids, year=now.year, back=REPORTED_INCOME_YEARS):
        usd = rates.to_usd(income, currency or "USD")
        reported[pid] = None if usd is None else round(usd, 2)
    year_ago = today - timedelta(days=YEAR.days)
    for pid in set(collectives) | set(grants) | set(reported):
        m = out[pid]
        oc = _open_collective(collectives.get(pid, []), rates)
        if oc:
            m.update(oc)
        project_grants = grants.get(pid, [])
        m.update(_grants(project_grants, today, rates))
        m[c.REPORTED_INCOME_USD] = reported.get(pid)
        yearly = yearly_income(m[c.OC_RECEIVED_12M_USD], m[c.REPORTED_INCOME_USD],
                               [grant_usd_in(g, year_ago, today, rates) for g in project_grants])
        people = known.get(pid, {}).get(c.ACTIVE_CONTRIBUTORS_365D)
        m[c.FUNDING_PER_ACTIVE_MAINTAINER_USD] = (
            round(yearly / people, 2) if yearly is not None and isinstance(people, int) and people > 0 else None)
    return {pid: m for pid, m in out.items() if any(v is not None for v in m.values())}


compute = one_project(compute_many, NAMES)
