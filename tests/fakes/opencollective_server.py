"""A fake Open Collective GraphQL API v2 that validates and executes queries as the real one does.

Each query is parsed, validated (graphql-core, the JavaScript reference implementation's port)
against Open Collective's published schema (opencollective_schema.graphql, trimmed; see
schema_trim.py) and executed over the fixtures: only the selected fields are answered, under their
aliases. Amounts come from each collective's dated transactions: `totalAmountReceived` and
`totalAmountSpent` sum the credits and debits of the window the query sends (`dateFrom` inclusive,
`dateTo` exclusive, or `periodInMonths` back from now, as the API does), spending reported negative;
`totalAmountReceivedTimeSeries` groups the window's credits by month, newest first.

Answers follow the real server (Apollo Server over graphql-js): a query that does not parse or
validate is HTTP 400 with `errors` (`extensions.code` GRAPHQL_PARSE_FAILED or
GRAPHQL_VALIDATION_FAILED), a missing or ill-typed variable HTTP 400 with BAD_USER_INPUT; an
unknown slug is `account: null` with `throwIfMissing: false`, and otherwise the API's own error
("No collective found with slug ...", code INTERNAL_SERVER_ERROR) next to `data: {"account": null}`.
Queued failures let a test force 429 (with Retry-After) or 5xx answers. A field or argument the
fixtures cannot answer is HTTP 500 naming it.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import graphql
from graphql import GraphQLResolveInfo

from tests.fakes.graphql_support import (
    Node,
    Unmodelled,
    default_of,
    load_schema,
    location,
    make_resolver,
    operation_of,
    parse_and_validate,
    parse_time,
    resolve_type,
)
from tests.fakes.loopback import JSONHandler
from tracker.clock import utcnow

ACCOUNT_TYPES = {"COLLECTIVE": "Collective", "EVENT": "Event", "FUND": "Fund", "PROJECT": "Project",
                 "ORGANIZATION": "Organization", "INDIVIDUAL": "Individual", "VENDOR": "Vendor"}
WITH_HOST = {"Collective", "Event", "Fund", "Project"}


@dataclass
class Txn:
    """A transaction of the collective: money received (CREDIT) or spent (DEBIT), in cents."""

    at: datetime
    cents: int
    kind: str = "CREDIT"


@dataclass
class Collective:
    """A collective and its transactions. The `received_12m_cents`, `spent_12m_cents` and
    `monthly_cents` shorthands become dated transactions: a credit on the first of each month of
    `monthly_cents`, and enough more (in the newest of those months inside the last 12 months, or
    30 days ago) for the last 12 months to total `received_12m_cents`; a debit 30 days ago."""

    slug: str
    name: str
    currency: str = "USD"
    type: str = "COLLECTIVE"
    host: tuple[str, str] | None = ("opensource", "Open Source Collective")
    balance_cents: int = 0
    yearly_budget_cents: int = 0
    received_12m_cents: dataclasses.InitVar[int] = 0
    spent_12m_cents: dataclasses.InitVar[int] = 0
    contributors: int = 0
    monthly_cents: dataclasses.InitVar[dict[str, int] | None] = None   # "2025-03" -> cents
    transactions: list[Txn] = field(default_factory=list)

    def __post_init__(self, received_12m_cents: int, spent_12m_cents: int, monthly_cents: dict[str, int] | None):
        now = utcnow()
        year_ago = now - timedelta(days=365)
        monthly = [Txn(datetime.fromisoformat(m + "-01T00:00:00"), c) for m, c in sorted((monthly_cents or {}).items())]
        self.transactions = self.transactions + monthly
        if received_12m_cents:
            inside = [t for t in self.transactions if t.kind == "CREDIT" and year_ago <= t.at < now]
            rest = received_12m_cents - sum(t.cents for t in inside)
            if rest < 0:
                raise ValueError(f"{self.slug}: the dated credits of the last 12 months exceed received_12m_cents")
            if rest:
                at = max((t.at for t in inside if t in monthly), default=now - timedelta(days=30))
                self.transactions.append(Txn(at, rest))
        if spent_12m_cents:
            self.transactions.append(Txn(now - timedelta(days=30), abs(spent_12m_cents), "DEBIT"))


@dataclass
class OCState:
    collectives: dict[str, Collective] = field(default_factory=dict)
    failures: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # queued (status, headers)
    requests: list[dict[str, Any]] = field(default_factory=list)
    removed_fields: set[str] = field(default_factory=set)   # 'Type.field's the schema no longer has


# -- answering ------------------------------------------------------------------------------------
def _js(message: str) -> str:
    """graphql-js quotes names with double quotes where graphql-core uses single ones."""
    return re.sub(r"'([^'\s]*)'", r'"\1"', message)


def _locations(error: graphql.GraphQLError) -> list[dict[str, int]]:
    return [{"line": x.line, "column": x.column} for x in error.locations or []]


def answer(state: OCState, body: Any) -> tuple[int, dict[str, Any]]:
    """(HTTP status, JSON body) for a POST /graphql/v2 body."""
    query = body.get("query") if isinstance(body, dict) else None
    variables = (body.get("variables") or {}) if isinstance(body, dict) else {}
    if not isinstance(query, str) or not query.strip():
        return 400, {"errors": [{"message": "GraphQL operations must contain a non-empty `query` or a "
                                            "`persistedQuery` extension.", "extensions": {"code": "BAD_REQUEST"}}]}
    schema = load_schema("opencollective", frozenset(state.removed_fields))
    document, exc, found, _ = parse_and_validate(schema, query)
    if document is None:
        return 400, {"errors": [{"message": _js(exc.message), "locations": _locations(exc),
                                 "extensions": {"code": "GRAPHQL_PARSE_FAILED"}}]}
    if found:
        return 400, {"errors": [{"message": _js(f.error.message), "locations": _locations(f.error),
                                 "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}} for f in found]}
    operation_name = body.get("operationName")
    operation = operation_of(document, operation_name)
    if operation is None:
        return 400, {"errors": [{"message": "Must provide operation name if query contains multiple operations.",
                                 "extensions": {"code": "BAD_REQUEST"}}]}
    problems = _variable_errors(schema, operation, variables if isinstance(variables, dict) else {})
    if problems:
        return 400, {"errors": problems}
    result = graphql.execute(schema, document, root_value=QueryRoot(state), variable_values=variables,
                             operation_name=operation_name, field_resolver=make_resolver(),
                             type_resolver=resolve_type)
    errors = []
    for error in result.errors or []:
        original = error.original_error
        if isinstance(original, Unmodelled):
            return 500, {"errors": [{"message": f"fake Open Collective: {original}"}]}
        if isinstance(original, ApiError):
            errors.append({"message": error.message, "locations": _locations(error), "path": error.path,
                           "extensions": {"code": original.code}})
        else:
            return 500, {"errors": [{"message": f"fake Open Collective: {error.message}"}]}
    out: dict[str, Any] = {"data": result.data}
    if errors:
        out["errors"] = errors
    return 200, out


def _invalid(name: str, value: Any, var_type: graphql.GraphQLInputType) -> list[str]:
    """graphql-js 16's messages for a variable value that does not fit its type."""
    messages: list[str] = []

    def on_error(error: graphql.GraphQLError, path: list[str | int]) -> None:
        at = "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in path)
        messages.append(f'Variable "${name}" got invalid value {json.dumps(value)}'
                        + (f' at "{name}{at}"' if at else "") + f"; {_js(error.message)}")

    graphql.utilities.validate_input_value(value, var_type, on_error)
    return messages


def _variable_errors(schema: graphql.GraphQLSchema, operation: graphql.language.OperationDefinitionNode,
                     values: dict[str, Any]) -> list[dict[str, Any]]:
    """Missing or ill-typed variables in graphql-js 16's words (the API's version), code BAD_USER_INPUT."""
    out = []
    for d in operation.variable_definitions or ():
        name, printed = d.variable.name.value, graphql.print_ast(d.type)
        var_type = graphql.utilities.type_from_ast(schema, d.type)
        messages: list[str] = []
        if name not in values:
            if graphql.is_non_null_type(var_type) and d.default_value is None:
                messages.append(f'Variable "${name}" of required type "{printed}" was not provided.')
        elif values[name] is None:
            if graphql.is_non_null_type(var_type):
                messages.append(f'Variable "${name}" of non-null type "{printed}" must not be null.')
        else:
            messages = _invalid(name, values[name], var_type)
        out += [{"message": m, "locations": location(d), "extensions": {"code": "BAD_USER_INPUT"}} for m in messages]
    return out


class ApiError(Exception):
    """An error the API raises in a resolver (the field is null, `code` in `extensions`)."""

    def __init__(self, message: str, code: str = "INTERNAL_SERVER_ERROR"):
        super().__init__(message)
        self.code = code


# -- the object graph over the fixtures -----------------------------------------------------------
def _only(info: GraphQLResolveInfo, args: dict[str, Any], allowed: set[str]) -> None:
    defs = info.parent_type.fields[info.field_name].args
    given = sorted(k for k, v in args.items() if k not in allowed and v is not None and v != default_of(defs[k]))
    if given:
        raise Unmodelled(f"arguments {', '.join(given)} of {info.parent_type.name}.{info.field_name}")


def _amount(cents: int, currency: str) -> Node:
    return Node("Amount", value=cents / 100, valueInCents=cents, currency=currency)


def _months_back(now: datetime, months: int) -> datetime:
    index = now.year * 12 + now.month - 1 - months
    year, month = divmod(index, 12)
    day = min(now.day, [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30,
                        31, 31, 30, 31, 30, 31][month])
    return now.replace(year=year, month=month + 1, day=day, second=0, microsecond=0)


def _window(args: dict[str, Any]) -> tuple[datetime | None, datetime | None]:
    """(from inclusive, to exclusive) as the API reads dateFrom/dateTo/periodInMonths."""
    if args.get("periodInMonths"):
        return _months_back(utcnow(), args["periodInMonths"]), None
    start, end = args.get("dateFrom"), args.get("dateTo")
    return (parse_time(start) if start else None), (parse_time(end) if end else None)


def _inside(t: Txn, start: datetime | None, end: datetime | None) -> bool:
    return (start is None or t.at >= start) and (end is None or t.at < end)


class QueryRoot(Node):
    typename = "Query"

    def __init__(self, state: OCState):
        super().__init__()
        self.state = state

    def account(self, info: GraphQLResolveInfo, throwIfMissing: bool = True, **args: Any):  # noqa: N803
        _only(info, args, {"slug"})
        slug = (args.get("slug") or "").lower()
        if not slug:
            raise Unmodelled("account looked up by something other than its slug")
        c = self.state.collectives.get(slug)
        if c is None:
            if throwIfMissing:
                raise ApiError(f"No collective found with slug {slug}")
            return None
        return Account(c)


class Account(Node):
    def __init__(self, c: Collective):
        super().__init__(ACCOUNT_TYPES[c.type])
        self.c = c
        self.slug, self.name, self.type, self.currency = c.slug, c.name, c.type, c.currency
        if self.typename in WITH_HOST:
            self.host = Node("Host", slug=c.host[0], name=c.host[1]) if c.host else None

    def stats(self, info: GraphQLResolveInfo) -> Node:
        return Stats(self.c)


class Stats(Node):
    typename = "AccountStats"

    def __init__(self, c: Collective):
        super().__init__()
        self.c = c
        self.yearlyBudget = _amount(c.yearly_budget_cents, c.currency)

    def balance(self, info, **args):
        _only(info, args, set())
        return _amount(self.c.balance_cents, self.c.currency)

    def contributorsCount(self, info, **args):  # noqa: N802
        _only(info, args, set())
        return self.c.contributors

    def _total(self, info, kind: str, args: dict[str, Any]) -> int:
        _only(info, args, {"dateFrom", "dateTo", "periodInMonths"})
        start, end = _window(args)
        return sum(t.cents for t in self.c.transactions if t.kind == kind and _inside(t, start, end))

    def totalAmountReceived(self, info, **args):  # noqa: N802
        return _amount(self._total(info, "CREDIT", args), self.c.currency)

    def totalAmountSpent(self, info, **args):  # noqa: N802
        return _amount(-self._total(info, "DEBIT", args), self.c.currency)   # the API reports spending negative

    def totalAmountReceivedTimeSeries(self, info, timeUnit=None, **args):  # noqa: N802, N803
        _only(info, args, {"dateFrom", "dateTo", "periodInMonths"})
        if timeUnit != "MONTH":
            raise Unmodelled(f"time series by {timeUnit}")
        start, end = _window(args)
        months: dict[datetime, int] = defaultdict(int)
        for t in self.c.transactions:
            if t.kind == "CREDIT" and _inside(t, start, end):
                months[t.at.replace(day=1, hour=0, minute=0, second=0, microsecond=0)] += t.cents
        nodes = [Node("TimeSeriesAmountNode", date=month.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                      amount=_amount(cents, self.c.currency), label=None)
                 for month, cents in sorted(months.items(), reverse=True)]   # the API answers newest first
        return Node("TimeSeriesAmount", timeUnit="MONTH", nodes=nodes, dateFrom=args.get("dateFrom"),
                    dateTo=args.get("dateTo"))


class OCHandler(JSONHandler):
    def do_POST(self) -> None:  # noqa: N802 (stdlib name)
        state: OCState = self.server.state  # type: ignore[attr-defined]
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        state.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
        if state.failures:
            status, headers = state.failures.pop(0)
            self.send_json(status, {"error": {"message": "Rate limit exceeded" if status == 429 else "error"}},
                           headers)
            return
        if self.path != "/graphql/v2":
            self.send_json(404, {"error": "not found"})
            return
        if not isinstance(body, dict):
            self.send_json(400, {"errors": [{"message": "POST body sent invalid JSON.",
                                             "extensions": {"code": "BAD_REQUEST"}}]})
            return
        status, out = answer(state, body)
        self.send_json(status, out)
