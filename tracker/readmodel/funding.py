"""Funding as readers show it: "asks for funding" (declared channels) apart from "money received",
and the one "has funding" rule; the channels, Sponsors listing, Open Collective accounts and grants
of a project.

A declared channel (FUNDING.yml, funding.json, a Sponsors listing) says a project asks for money,
not that money arrives. `has_funding` is about money:

- yes: any money evidence is positive (GitHub sponsors, Open Collective income over 12 months or
  yearly budget, grants over 5 years, an active grant);
- no: none is positive and at least one of them was looked up (e.g. 0 sponsors);
- unknown: none of them is known.

The figures are the metrics stored with the project's latest score (`tracker score`), so the
funding a page shows is the funding its scores were computed from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tracker import display
from tracker.currency import Rates
from tracker.grants import awarded_text
from tracker.store import Store

YES, NO, UNKNOWN = "yes", "no", "unknown"
TRI_STATE = (YES, NO, UNKNOWN)
GRANT_YEARS = 5


def _num(value: Any) -> float | None:
    return None if display.is_unknown(value) or isinstance(value, bool) or not isinstance(value, int | float) \
        else float(value)


@dataclass(frozen=True)
class FundingStatus:
    """What is known of a project's funding, from its scored metrics."""

    channels: int | None           # distinct declared channels
    sponsors_listing: bool | None  # the owner has a GitHub Sponsors listing
    sponsors: int | None           # GitHub sponsors
    oc_received_12m_usd: float | None
    oc_yearly_budget_usd: float | None
    grants_usd_5y: float | None
    grants_active: int | None

    @property
    def asks(self) -> str:
        """Asks for funding: yes (a channel or a Sponsors listing) / no (none declared) / unknown."""
        if (self.channels or 0) > 0 or self.sponsors_listing:
            return YES
        if self.channels == 0:
            return NO
        return UNKNOWN

    @property
    def received(self) -> str:
        """Money received: yes / no / unknown (see the module's docstring)."""
        evidence = [self.sponsors, self.oc_received_12m_usd, self.oc_yearly_budget_usd, self.grants_usd_5y,
                    self.grants_active]
        known = [v for v in evidence if v is not None]
        if any(v > 0 for v in known):
            return YES
        return NO if known else UNKNOWN

    @property
    def has_funding(self) -> str:
        """The one "has funding" rule: money received (yes / no / unknown), never a channel alone."""
        return self.received

    @property
    def received_usd_per_year(self) -> float | None:
        """Dollars a year: Open Collective's last 12 months plus a fifth of 5 years of grants
        (None when neither is known)."""
        if self.oc_received_12m_usd is None and self.grants_usd_5y is None:
            return None
        return (self.oc_received_12m_usd or 0.0) + (self.grants_usd_5y or 0.0) / GRANT_YEARS

    def text(self) -> str:
        """In words: 'received: 12 sponsors, $24,000 OC/12 mo · asks for funding: 3 channels'."""
        if self.asks == UNKNOWN and self.received == UNKNOWN:
            return UNKNOWN
        if self.received == YES:
            parts = []
            if self.sponsors:
                parts.append(display.count(self.sponsors, "sponsor"))
            if self.oc_received_12m_usd:
                parts.append(f"{display.money(self.oc_received_12m_usd)} OC/12 mo")
            elif self.oc_yearly_budget_usd:
                parts.append(f"{display.money(self.oc_yearly_budget_usd)}/yr OC budget")
            if self.grants_usd_5y:
                parts.append(f"{display.money(self.grants_usd_5y)} grants/{GRANT_YEARS} y")
            elif self.grants_active:
                parts.append(display.count(self.grants_active, "active grant"))
            received = ", ".join(parts)
        else:
            received = "none found" if self.received == NO else UNKNOWN
        if self.asks == YES:
            asks = display.count(self.channels, "channel") if self.channels else "GitHub Sponsors listing"
        else:
            asks = "no channel" if self.asks == NO else UNKNOWN
        return f"received: {received} · asks for funding: {asks}"


def funding_status(metrics: dict[str, Any] | None) -> FundingStatus:
    """The funding status from a project's scored metrics (empty or None: everything unknown)."""
    m = metrics or {}
    listing = m.get("has_sponsors_listing")
    channels, sponsors, active = (_num(m.get(k)) for k in ("funding_channels_count", "sponsors_count",
                                                            "grants_active"))
    return FundingStatus(
        channels=None if channels is None else int(channels),
        sponsors_listing=listing if isinstance(listing, bool) else None,
        sponsors=None if sponsors is None else int(sponsors),
        oc_received_12m_usd=_num(m.get("oc_received_12m_usd")),
        oc_yearly_budget_usd=_num(m.get("oc_yearly_budget_usd")),
        grants_usd_5y=_num(m.get("grants_total_usd_5y")),
        grants_active=None if active is None else int(active),
    )


# -- the details of one project ---------------------------------------------------------------
def channels(store: Store, project_id: int) -> list[dict[str, Any]]:
    """The project's distinct funding channels (platform, account, url, sources, collected_at)."""
    return store.dicts("SELECT platform, account, url, sources, collected_at FROM funding_channel_list"
                       " WHERE project_id = ? ORDER BY platform, channel", [project_id])


def sponsors(store: Store, project_id: int) -> dict[str, Any] | None:
    """The owner's GitHub Sponsors listing as last collected (tiers parsed), or None."""
    rows = store.dicts("SELECT * FROM latest_github_sponsors WHERE project_id = ?", [project_id])
    if not rows:
        return None
    row = rows[0]
    try:
        tiers = json.loads(row["tiers"]) if isinstance(row.get("tiers"), str) else row.get("tiers")
    except ValueError:
        tiers = None
    row["tiers"] = [t for t in tiers if isinstance(t, dict)] if isinstance(tiers, list) else []
    return row


def opencollective(store: Store, project_id: int) -> list[dict[str, Any]]:
    """The project's Open Collective accounts, each as last collected (amounts in its currency)."""
    return store.dicts(
        "SELECT slug, name, status, fiscal_host_name, currency, balance, yearly_budget, received_12m, spent_12m,"
        " contributors_count, collected_at FROM latest_opencollective_snapshots WHERE project_id = ?"
        " ORDER BY slug", [project_id])


def opencollective_monthly(store: Store, project_id: int) -> list[dict[str, Any]]:
    """Money received per month and account (in the account's currency), oldest first."""
    return store.dicts("SELECT month, slug, currency, sum(received) AS received FROM opencollective_monthly"
                       " WHERE project_id = ? GROUP BY ALL ORDER BY month, slug", [project_id])


GRANT_COLUMNS = ["funder", "program", "amount", "currency", "awarded_on", "awarded_precision", "period_months",
                 "kind", "source_url", "note"]


def grants(store: Store, project_id: int) -> list[dict[str, Any]]:
    """Grants linked to the project (never an uncertain link), newest first."""
    return store.dicts(f"SELECT {', '.join(GRANT_COLUMNS)} FROM linked_grants WHERE project_id = ?"
                       " ORDER BY awarded_on DESC NULLS LAST, id", [project_id])


def grants_imported(store: Store) -> bool:
    """Whether a grants registry was imported at all (else a project's grants are unknown)."""
    return bool(store.scalar("SELECT count(*) > 0 FROM grants"))


def grant_list(store: Store, rates: Rates, project_id: int | None = None) -> list[dict[str, Any]]:
    """The grants registry for listing (`tracker grants list`): original amount and currency,
    dollars at `rates`, the tracked project it is linked to; only one project's with `project_id`."""
    where, params = "", []
    if project_id is not None:
        where, params = " WHERE p.id = ? AND NOT g.repo_uncertain", [project_id]
    rows = store.dicts(
        "SELECT g.*, CASE WHEN g.repo_uncertain THEN NULL ELSE p.slug END AS project FROM grants g"
        " LEFT JOIN projects p ON p.slug_key = g.recipient_repo_key" + where +
        " ORDER BY g.awarded_on DESC NULLS LAST, g.funder, g.id", params)
    return [{
        "funder": r["funder"], "program": r["program"], "recipient": r["recipient_project"],
        "repo": (r["recipient_repo"] + "?") if r["recipient_repo"] and r["repo_uncertain"] else r["recipient_repo"],
        "tracked": r["project"], "amount": r["amount"], "currency": r["currency"],
        "amount_usd": rates.to_usd(r["amount"], r["currency"]),
        "awarded_on": awarded_text(r["awarded_on"], r["awarded_precision"]),
        "period_months": r["period_months"], "kind": r["kind"], "source_url": r["source_url"],
        "note": r["note"],
    } for r in rows]


def grant_impact(store: Store, project_id: int | None, now: datetime, months: int = 12) -> list[dict[str, Any]]:
    """Activity before and after each dated grant (tracker.funding_impact: correlation, not cause)."""
    from tracker import funding_impact

    return funding_impact.impact(store, now, months, project_id)
