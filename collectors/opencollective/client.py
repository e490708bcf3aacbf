"""Open Collective's GraphQL API v2: the query of a collective's figures and its parser.

For a collective slug: name, fiscal host, currency, balance, yearly budget, amounts received and
spent over the last 12 months, contributors count and the monthly amounts received over 24
months. Open Collective allows about 10 requests a minute without a token; the endpoint spaces
its requests to stay under that (more with OPENCOLLECTIVE_TOKEN, sent as the Personal-Token
header and never to another host), honours 429 + Retry-After, and waits on the run's clock.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from collectors.http import GraphQLRejected, HttpError, HttpSession, RateLimited
from tracker.errors import CollectionError
from tracker.windows import YEAR

PER_MINUTE_ANONYMOUS = 10
PER_MINUTE_TOKEN = 100          # assumption: authenticated requests get a higher allowance
MAX_RETRIES = 3
MAX_RESPONSE_BYTES = 5 * 1024 * 1024
SERIES_MONTHS = 24

QUERY = """
query FundingStats($slug: String!, $yearAgo: DateTime!, $seriesFrom: DateTime!, $to: DateTime!) {
  account(slug: $slug, throwIfMissing: false) {
    slug
    name
    type
    currency
    ... on AccountWithHost { host { slug name } }
    stats {
      balance { valueInCents currency }
      yearlyBudget { valueInCents currency }
      received: totalAmountReceived(dateFrom: $yearAgo, dateTo: $to) { valueInCents currency }
      spent: totalAmountSpent(dateFrom: $yearAgo, dateTo: $to) { valueInCents currency }
      contributorsCount
      receivedSeries: totalAmountReceivedTimeSeries(dateFrom: $seriesFrom, dateTo: $to, timeUnit: MONTH) {
        timeUnit
        nodes { date amount { valueInCents currency } }
      }
    }
  }
}
"""


class NotFound(Exception):
    """Open Collective has no account with that slug."""


class OpenCollectiveClient:
    """Open Collective's GraphQL API on the shared HTTP layer (collectors/http.py): retries,
    Retry-After, the per-minute allowance, the token header kept to its own origin."""

    def __init__(self, http: HttpSession, api_url: str, token: str | None = None):
        headers = {"Accept": "application/json"}
        if token:
            headers["Personal-Token"] = token
        self.redact = http.redact
        self.endpoint = http.endpoint(
            "Open Collective", api_url, headers=headers, secret_headers=("Personal-Token",),
            max_attempts=MAX_RETRIES + 1, per_minute=PER_MINUTE_TOKEN if token else PER_MINUTE_ANONYMOUS,
            max_bytes=MAX_RESPONSE_BYTES)

    @property
    def requests(self) -> int:
        return self.endpoint.requests

    def query(self, query: str, variables: dict[str, Any], what: str = "Open Collective query") -> dict[str, Any]:
        """The query's data. Raises NotFound for an unknown account, CollectionError otherwise."""
        try:
            data, errors = self.endpoint.graphql(query, variables, what=what)
        except GraphQLRejected as exc:
            raise CollectionError(f"Open Collective error (HTTP 200): {exc}") from None
        except RateLimited as exc:
            raise CollectionError(f"{exc}; or set OPENCOLLECTIVE_TOKEN") from None
        except HttpError as exc:
            if exc.status in (401, 403):
                raise CollectionError(f"Open Collective refused the request (HTTP {exc.status}); "
                                      "check OPENCOLLECTIVE_TOKEN") from None
            if exc.status is not None:
                raise CollectionError(f"Open Collective error (HTTP {exc.status}): {exc}") from None
            raise
        if errors and _not_found(errors):
            raise NotFound()
        if errors:
            first = errors[0].get("message")
            raise CollectionError(self.redact(f"Open Collective error (HTTP 200): {str(first or 'error')[:200]}"))
        return data


def _not_found(errors: list[Any]) -> bool:
    for e in errors:
        if not isinstance(e, dict):
            continue
        code = (e.get("extensions") or {}).get("code") if isinstance(e.get("extensions"), dict) else None
        message = str(e.get("message", "")).lower()
        # "No collective found with slug x" is what the API says without throwIfMissing: false
        if code == "NOT_FOUND" or "not found" in message or message.startswith("no collective found"):
            return True
    return False


def _money(amount: Any) -> tuple[float | None, str | None]:
    if not isinstance(amount, dict):
        return None, None
    cents = amount.get("valueInCents")
    value = amount.get("value")
    currency = amount.get("currency") if isinstance(amount.get("currency"), str) else None
    if isinstance(cents, int | float) and not isinstance(cents, bool):
        return round(cents / 100.0, 2), currency
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value), currency
    return None, currency


def _month_start(d: date) -> date:
    return d.replace(day=1)


def fetch_collective(client: OpenCollectiveClient, slug: str, now: datetime) -> dict[str, Any]:
    """One collective's figures as a flat record plus its monthly series. Raises NotFound."""
    year_ago = YEAR.start(now)  # the metrics' 12 months (tracker/windows.py)
    first = _month_start(now.date())
    for _ in range(SERIES_MONTHS - 1):
        first = _month_start(first - timedelta(days=1))
    data = client.query(QUERY, {"slug": slug, "yearAgo": year_ago.isoformat() + "Z",
                                "seriesFrom": first.isoformat() + "T00:00:00Z", "to": now.isoformat() + "Z"},
                        what=f"collective {slug}")
    account = data.get("account")
    if not isinstance(account, dict):
        raise NotFound()
    stats = account.get("stats") if isinstance(account.get("stats"), dict) else {}
    host = account.get("host") if isinstance(account.get("host"), dict) else {}
    balance, cur_b = _money(stats.get("balance"))
    budget, cur_y = _money(stats.get("yearlyBudget"))
    received, cur_r = _money(stats.get("received"))
    spent, cur_s = _money(stats.get("spent"))
    currency = account.get("currency") if isinstance(account.get("currency"), str) else (cur_b or cur_y or cur_r)
    contributors = stats.get("contributorsCount")
    months = []
    series = stats.get("receivedSeries") if isinstance(stats.get("receivedSeries"), dict) else {}
    for node in series.get("nodes") or []:
        if not isinstance(node, dict):
            continue
        try:
            month = datetime.fromisoformat(str(node.get("date")).replace("Z", "+00:00")).date().replace(day=1)
        except ValueError:
            continue
        value, cur = _money(node.get("amount"))
        if value is not None:
            months.append({"month": month, "received": value, "currency": cur or currency})
    return {
        "name": str(account.get("name"))[:250] if account.get("name") else None,
        "account_type": str(account.get("type"))[:40] if account.get("type") else None,
        "fiscal_host_slug": str(host.get("slug"))[:250] if host.get("slug") else None,
        "fiscal_host_name": str(host.get("name"))[:250] if host.get("name") else None,
        "currency": currency,
        "balance": balance,
        "yearly_budget": budget,
        "received_12m": received,
        "spent_12m": abs(spent) if spent is not None else None,  # the API reports spending as negative
        "contributors_count": contributors if isinstance(contributors, int) and not isinstance(contributors, bool)
        else None,
        "months": months,
    }
