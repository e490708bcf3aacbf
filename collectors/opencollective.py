"""Open Collective collector: money in, money out and people behind a project's collective.

Asks the GraphQL API v2 (config.opencollective_api_url) about each collective slug of a project
(projects.yaml `opencollective`, FUNDING.yml `open_collective`, an opencollective.com funding link)
for its name, fiscal host, currency, balance, yearly budget, amounts received and spent over the
last 12 months, contributors count and the monthly amounts received over 24 months.

Open Collective allows about 10 requests a minute without a token; the client spaces its requests
to stay under that (more with OPENCOLLECTIVE_TOKEN, sent as the Personal-Token header), honours
429 + Retry-After, and takes its clock and sleep from the caller so tests never wait.
An unknown slug is stored as a `not_found` snapshot: checked, nothing there.
"""

from __future__ import annotations

import collections
import re
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from collectors import Source
from collectors.funding import read_manifests
from tracker.errors import CollectionError
from tracker.funding_files import open_collective_slugs
from tracker.registry import Project
from tracker.store import Store

PER_MINUTE_ANONYMOUS = 10
PER_MINUTE_TOKEN = 100          # assumption: authenticated requests get a higher allowance
MAX_RETRIES = 3
MAX_RESPONSE_BYTES = 5 * 1024 * 1024
SERIES_MONTHS = 24
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,254}$", re.I)

QUERY = """
query FundingStats($slug: String!, $yearAgo: DateTime!, $seriesFrom: DateTime!, $to: DateTime!) {
  account(slug: $slug) {
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


class RateLimiter:
    """At most `per_minute` requests in any 60 seconds, on the caller's clock."""

    def __init__(self, per_minute: int):
        self.per_minute = per_minute
        self.sent: collections.deque[float] = collections.deque()
        self.blocked_until = 0.0

    def wait(self, clock: Callable[[], float], sleep: Callable[[float], None]) -> None:
        now = clock()
        if self.blocked_until > now:
            sleep(self.blocked_until - now)
            now = clock()
        while self.sent and self.sent[0] <= now - 60:
            self.sent.popleft()
        if len(self.sent) >= self.per_minute:
            sleep(self.sent[0] + 60 - now)
            now = clock()
            while self.sent and self.sent[0] <= now - 60:
                self.sent.popleft()
        self.sent.append(now)


# One limiter per API and token state, shared by every project of a process (the limit is per client).
_LIMITERS: dict[tuple[str, bool], RateLimiter] = {}


def limiter_for(api_url: str, has_token: bool) -> RateLimiter:
    key = (api_url, has_token)
    if key not in _LIMITERS:
        _LIMITERS[key] = RateLimiter(PER_MINUTE_TOKEN if has_token else PER_MINUTE_ANONYMOUS)
    return _LIMITERS[key]


def _retry_after(value: str | None, default: float = 60.0) -> float:
    if not value:
        return default
    value = value.strip()
    if value.isdigit():
        return min(float(value), 3600.0)
    try:
        when = parsedate_to_datetime(value)
        return max(0.0, min((when - datetime.now(when.tzinfo)).total_seconds(), 3600.0))
    except (TypeError, ValueError):
        return default


class OpenCollectiveClient:
    """POSTs GraphQL queries; owns rate limiting, retries and the token header."""

    def __init__(self, api_url: str, token: str | None = None, session: requests.Session | None = None,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                 timeout: float = 30.0):
        self.api_url = api_url
        self.session = session or requests.Session()
        self.headers = {"Content-Type": "application/json", "Accept": "application/json",
                        "User-Agent": "oss-sustainability-tracker"}
        if token:
            self.headers["Personal-Token"] = token
        self.limiter = limiter_for(api_url, bool(token))
        self.clock, self.sleep, self.timeout = clock, sleep, timeout
        self.requests = 0

    def query(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        for attempt in range(MAX_RETRIES + 1):
            self.limiter.wait(self.clock, self.sleep)
            self.requests += 1
            try:
                resp = self.session.post(self.api_url, json={"query": query, "variables": variables},
                                         headers=self.headers, timeout=self.timeout)
            except requests.RequestException as exc:
                if attempt < MAX_RETRIES:
                    self.sleep(2.0 ** attempt)
                    continue
                raise CollectionError(f"Open Collective unreachable: {type(exc).__name__}") from None
            if resp.status_code == 429:
                pause = _retry_after(resp.headers.get("Retry-After"))
                self.limiter.blocked_until = self.clock() + pause
                if attempt < MAX_RETRIES:
                    continue
                raise CollectionError(f"Open Collective rate limit still exceeded after {MAX_RETRIES} waits; "
                                      "try later or set OPENCOLLECTIVE_TOKEN")
            if resp.status_code >= 500 and attempt < MAX_RETRIES:
                self.sleep(2.0 ** attempt)
                continue
            if resp.status_code in (401, 403):
                raise CollectionError(f"Open Collective refused the request (HTTP {resp.status_code}); "
                                      "check OPENCOLLECTIVE_TOKEN")
            if len(resp.content) > MAX_RESPONSE_BYTES:
                raise CollectionError("Open Collective answer larger than expected; not read")
            try:
                body = resp.json()
            except ValueError:
                raise CollectionError(f"Open Collective answered HTTP {resp.status_code} without JSON") from None
            if not isinstance(body, dict):
                raise CollectionError("Open Collective answered with unexpected JSON")
            errors = body.get("errors") or []
            if errors and _not_found(errors):
                raise NotFound()
            if resp.status_code != 200 or errors:
                first = errors[0].get("message") if errors and isinstance(errors[0], dict) else None
                raise CollectionError(f"Open Collective error (HTTP {resp.status_code}): "
                                      f"{str(first or resp.reason)[:200]}")
            return body.get("data") or {}
        raise CollectionError("Open Collective: no answer")  # pragma: no cover (loop always returns)


def _not_found(errors: list[Any]) -> bool:
    for e in errors:
        if not isinstance(e, dict):
            continue
        code = (e.get("extensions") or {}).get("code") if isinstance(e.get("extensions"), dict) else None
        if code == "NOT_FOUND" or "not found" in str(e.get("message", "")).lower():
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
    year_ago = now - timedelta(days=365)
    first = _month_start(now.date())
    for _ in range(SERIES_MONTHS - 1):
        first = _month_start(first - timedelta(days=1))
    data = client.query(QUERY, {"slug": slug, "yearAgo": year_ago.isoformat() + "Z",
                                "seriesFrom": first.isoformat() + "T00:00:00Z", "to": now.isoformat() + "Z"})
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


def slugs_for(store: Store, project: Project) -> list[str]:
    """The project's collectives: projects.yaml first, then FUNDING.yml, then stored funding links."""
    found = [project.opencollective_slug or ""]
    for _path, m in read_manifests(store, project):
        found += open_collective_slugs(m)
    found += [r[0] for r in store.all(
        "SELECT account FROM funding_channels WHERE project_id = ? AND platform = 'open_collective'"
        " AND account IS NOT NULL ORDER BY source", [project.id])]
    out: list[str] = []
    for slug in found:
        slug = slug.strip().lower()
        if slug and _SLUG.match(slug) and slug not in out:
            out.append(slug)
    return out


def save(store: Store, project: Project, slug: str, now: datetime, record: dict[str, Any] | None) -> None:
    """Append a snapshot (not_found when `record` is None) and upsert the monthly series."""
    with store.transaction():
        if record is None:
            store.execute("INSERT INTO opencollective_snapshots (project_id, slug, collected_at, status)"
                          " VALUES (?, ?, ?, 'not_found') ON CONFLICT DO NOTHING", [project.id, slug, now])
            return
        store.upsert("opencollective_snapshots", [dict(
            project_id=project.id, slug=slug, collected_at=now, status="ok",
            **{k: v for k, v in record.items() if k != "months"})],
            key=["project_id", "slug", "collected_at"])
        if record["months"]:
            store.upsert("opencollective_monthly", [dict(
                project_id=project.id, slug=slug, month=m["month"], received=m["received"],
                currency=m["currency"], collected_at=now) for m in record["months"]],
                key=["project_id", "slug", "month"])


def collect(ctx, project: Project) -> None:
    slugs = slugs_for(ctx.store, project)
    if not slugs:
        ctx.progress("no Open Collective account known (projects.yaml opencollective, FUNDING.yml)")
        ctx.run.counters.update(collectives=0)
        return
    client = OpenCollectiveClient(
        ctx.config.opencollective_api_url, ctx.config.opencollective_token,
        session=ctx.options.get("session"), clock=ctx.options.get("clock", time.monotonic),
        sleep=ctx.options.get("sleep", time.sleep))
    found = missing = 0
    try:
        for slug in slugs:
            try:
                record = fetch_collective(client, slug, ctx.now)
            except NotFound:
                ctx.progress.warn(f"Open Collective has no account {slug!r}")
                save(ctx.store, project, slug, ctx.now, None)
                missing += 1
                continue
            save(ctx.store, project, slug, ctx.now, record)
            found += 1
            ctx.progress(f"{slug}: {record['currency'] or ''} balance {record['balance']}, "
                         f"received {record['received_12m']} in 12 months, host {record['fiscal_host_slug']}")
    finally:
        ctx.run.requests = client.requests
        ctx.run.counters.update(collectives=found, not_found=missing)


SOURCE = Source(
    name="opencollective",
    description="Open Collective: balance, budget, 12-month income/spending, contributors, monthly income",
    collect=collect,
    order=35,
)
