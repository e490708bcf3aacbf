"""A fake Open Collective GraphQL API v2 answering `account(slug:)` queries as the real one does.

Shapes follow the public schema (Account, AccountStats, Amount {value, valueInCents, currency},
TimeSeriesAmount {timeUnit, nodes {date, amount}}, Host): response keys follow the query's
aliases, an unknown slug answers HTTP 200 with `errors: [{message: "Account Not Found",
extensions: {code: "NOT_FOUND"}}]` and `data: {account: null}`, and queued failures let a test
force 429 (with Retry-After) or 5xx answers.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tests.fakes.loopback import JSONHandler


@dataclass
class Collective:
    slug: str
    name: str
    currency: str = "USD"
    type: str = "COLLECTIVE"
    host: tuple[str, str] | None = ("opensource", "Open Source Collective")
    balance_cents: int = 0
    yearly_budget_cents: int = 0
    received_12m_cents: int = 0
    spent_12m_cents: int = 0          # reported negative, as the API does
    contributors: int = 0
    monthly_cents: dict[str, int] = field(default_factory=dict)   # "2025-03" -> cents


@dataclass
class OCState:
    collectives: dict[str, Collective] = field(default_factory=dict)
    failures: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # queued (status, headers)
    requests: list[dict[str, Any]] = field(default_factory=list)


def _amount(cents: int, currency: str) -> dict[str, Any]:
    return {"value": cents / 100, "valueInCents": cents, "currency": currency}


def _stats(c: Collective, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    fields = {
        "balance": lambda: _amount(c.balance_cents, c.currency),
        "yearlyBudget": lambda: _amount(c.yearly_budget_cents, c.currency),
        "totalAmountReceived": lambda: _amount(c.received_12m_cents, c.currency),
        "totalAmountSpent": lambda: _amount(-abs(c.spent_12m_cents), c.currency),
        "contributorsCount": lambda: c.contributors,
        "totalAmountReceivedTimeSeries": lambda: _series(c, variables),
    }
    for alias, name in re.findall(r"(?:(\w+)\s*:\s*)?\b(balance|yearlyBudget|totalAmountReceivedTimeSeries|"
                                  r"totalAmountReceived|totalAmountSpent|contributorsCount)\b", query):
        out[alias or name] = fields[name]()
    return out


def _series(c: Collective, variables: dict[str, Any]) -> dict[str, Any]:
    start = datetime.fromisoformat(variables["seriesFrom"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(variables["to"].replace("Z", "+00:00"))
    nodes = []
    for month, cents in sorted(c.monthly_cents.items(), reverse=True):  # the API answers newest first
        when = datetime.fromisoformat(month + "-01T00:00:00+00:00")
        if start <= when <= end:
            nodes.append({"date": when.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "amount": _amount(cents, c.currency)})
    return {"timeUnit": "MONTH", "dateFrom": variables["seriesFrom"], "dateTo": variables["to"], "nodes": nodes}


class OCHandler(JSONHandler):
    def do_POST(self) -> None:  # noqa: N802 (stdlib name)
        state: OCState = self.server.state  # type: ignore[attr-defined]
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        state.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
        if state.failures:
            status, headers = state.failures.pop(0)
            self.send_json(status, {"error": {"message": "Rate limit exceeded" if status == 429 else "error"}},
                           headers)
            return
        if self.path != "/graphql/v2":
            self.send_json(404, {"error": "not found"})
            return
        query, variables = body.get("query", ""), body.get("variables") or {}
        if "account(slug: $slug)" not in query or "slug" not in variables:
            self.send_json(400, {"errors": [{"message": "Syntax Error", "extensions": {"code": "GRAPHQL_PARSE_FAILED"}}]})
            return
        c = state.collectives.get(variables["slug"])
        if c is None:
            self.send_json(200, {"errors": [{"message": "Account Not Found", "locations": [{"line": 3, "column": 3}],
                                             "path": ["account"], "extensions": {"code": "NOT_FOUND"}}],
                                 "data": {"account": None}})
            return
        account = {"slug": c.slug, "name": c.name, "type": c.type, "currency": c.currency,
                   "host": {"slug": c.host[0], "name": c.host[1]} if c.host else None,
                   "stats": _stats(c, query, variables)}
        self.send_json(200, {"data": {"account": account}})
