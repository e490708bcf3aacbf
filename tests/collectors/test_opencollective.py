"""Open Collective collector against a loopback GraphQL server answering in the real shapes."""

from __future__ import annotations

import io
import json
import os
from datetime import date, datetime, timedelta

import pytest
import requests

from collectors import opencollective
from collectors.http import HttpSession
from collectors.opencollective.client import QUERY, NotFound, OpenCollectiveClient
from tests.fakes.loopback import serve
from tests.fakes.opencollective_server import Collective, OCHandler, OCState, Txn
from tracker import collect, config, registry
from tracker.clock import utcnow
from tracker.metrics import funding as funding_metrics
from tracker.progress import Progress

LATER = datetime(2100, 1, 1)  # metrics as of a time after the collection (which runs at the real now)


class FakeClock:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.t += seconds


@pytest.fixture
def oc(monkeypatch):
    state = OCState()
    with serve(OCHandler, state) as base:
        monkeypatch.setenv("OPENCOLLECTIVE_API_URL", base + "/graphql/v2")
        yield state


def months_ago(n: int) -> date:
    """The first day of the month `n` months before the current one (collections run at the real now)."""
    today = date.today()
    index = today.year * 12 + today.month - 1 - n
    return date(index // 12, index % 12 + 1, 1)


def numpy_collective() -> tuple[Collective, list[tuple[date, float]]]:
    """NumPy with dated transactions around the 12-month and 24-month edges, and the monthly series
    the collector should store (received per month, 24 months back from the current month)."""
    now = utcnow()

    def ago(days: float) -> datetime:
        return now - timedelta(days=days)

    credits = {900: 9_99,        # 29+ months back: outside the series and the 12 months
               650: 4_000_00,    # 21 months back: in the 24-month series only
               380: 2_500_00,
               365.5: 700_00,    # half a day outside the 12 months (the collector asks for 365 days)
               364.5: 800_00,    # half a day inside
               150: 3_500_00,
               1: 1_000_00}
    debits = {365.5: 7_000_00, 90: 3_000_00}
    transactions = [Txn(ago(d), c) for d, c in credits.items()] + [Txn(ago(d), c, "DEBIT") for d, c in debits.items()]
    series: dict[date, float] = {}
    for d, cents in credits.items():
        if d < 900:
            month = ago(d).date().replace(day=1)
            series[month] = series.get(month, 0) + cents / 100
    c = Collective(slug="numpy", name="NumPy", currency="USD", host=("numfocus", "NumFOCUS"),
                   balance_cents=12_345_67, yearly_budget_cents=50_000_00, contributors=321,
                   transactions=transactions)
    return c, sorted(series.items())


def run(store, db_path, project, clock=None):
    err = io.StringIO()
    options = {"clock": clock, "sleep": clock.sleep} if clock else {"sleep": lambda s: None}
    outcome = collect.collect_one(store, config.load(db_path), opencollective.SOURCE, project,
                                  Progress(stream=err, quiet=True), options)
    return outcome, err.getvalue()


def test_collects_figures_series_and_host(store, db_path, oc):
    oc.collectives["numpy"], series = numpy_collective()
    project, _ = registry.add(store, "numpy/numpy", opencollective_slug="numpy")
    outcome, _ = run(store, db_path, project, FakeClock())
    assert outcome.status == "ok" and outcome.counters["collectives"] == 1
    row = store.dicts("SELECT * FROM opencollective_snapshots WHERE project_id = ?", [project.id])[0]
    assert {k: row[k] for k in ("slug", "status", "name", "account_type", "fiscal_host_slug", "fiscal_host_name",
                                "currency", "balance", "yearly_budget", "received_12m", "spent_12m",
                                "contributors_count")} == {
        "slug": "numpy", "status": "ok", "name": "NumPy", "account_type": "COLLECTIVE",
        "fiscal_host_slug": "numfocus", "fiscal_host_name": "NumFOCUS", "currency": "USD", "balance": 12345.67,
        "yearly_budget": 50000.0, "received_12m": 800.0 + 3500.0 + 1000.0, "spent_12m": 3000.0,
        "contributors_count": 321}
    months = store.all("SELECT month, received FROM opencollective_monthly WHERE project_id = ? ORDER BY month",
                       [project.id])
    # 24 months are asked for; the credit 900 days back is outside that window
    assert months == series and months[0][0] >= months_ago(23) and len(months) >= 4
    sent = oc.requests[0]
    assert "Personal-Token" not in sent["headers"]
    v = sent["body"]["variables"]
    assert v["slug"] == "numpy" and v["seriesFrom"].startswith(months_ago(23).isoformat())
    run_row = store.one("SELECT requests, status FROM collection_runs WHERE source = 'opencollective'")
    assert run_row == (1, "ok")

    assert funding_metrics.compute(store, project.id, datetime(2020, 1, 1), {})["oc_balance_usd"] is None
    m = funding_metrics.compute(store, project.id, LATER, {})
    assert (m["oc_balance_usd"], m["oc_yearly_budget_usd"], m["oc_received_12m_usd"]) == (12345.67, 50000.0, 5300.0)


def test_slug_from_funding_yml_and_euro_conversion(store, db_path, oc, make_repo):
    oc.collectives["tool"] = Collective(slug="tool", name="Tool", currency="EUR", balance_cents=100_00,
                                        yearly_budget_cents=1000_00, received_12m_cents=500_00)
    repo = make_repo("tool")
    repo.commit("2024-01-01", files={".github/FUNDING.yml": "open_collective: Tool\n"})
    project, _ = registry.add(store, "ann/tool", git_source=str(repo.path))
    collect.collect(store, config.load(db_path), [project], ["git"], Progress(quiet=True))
    outcome, _ = run(store, db_path, project)
    assert outcome.status == "ok"
    assert oc.requests[0]["body"]["variables"]["slug"] == "tool"
    m = funding_metrics.compute(store, project.id, LATER, {})
    assert m["oc_balance_usd"] == 104.11  # EUR at the shipped ECB rate of 2025-02-28 (1 EUR = 1.0411 USD)
    assert m["oc_yearly_budget_usd"] == 1041.1 and m["oc_received_12m_usd"] == 520.55


def test_unknown_slug_is_recorded_as_not_found(store, db_path, oc):
    project, _ = registry.add(store, "ghost/ghost", opencollective_slug="no-such-collective")
    outcome, err = run(store, db_path, project)
    assert outcome.status == "ok" and outcome.counters == {"collectives": 0, "not_found": 1}
    assert "has no account 'no-such-collective'" in err
    assert store.all("SELECT slug, status FROM opencollective_snapshots") == [("no-such-collective", "not_found")]
    assert funding_metrics.compute(store, project.id, LATER, {})["oc_balance_usd"] is None


def test_429_with_retry_after_waits_on_the_injected_clock(store, db_path, oc):
    oc.collectives["numpy"], _ = numpy_collective()
    oc.failures = [(429, {"Retry-After": "30"}), (502, {})]
    project, _ = registry.add(store, "numpy/numpy", opencollective_slug="numpy")
    clock = FakeClock()
    outcome, _ = run(store, db_path, project, clock)
    assert outcome.status == "ok"
    assert clock.sleeps == [30.0, 2.0]  # Retry-After, then exponential backoff after the 502
    assert len(oc.requests) == 3
    assert store.scalar("SELECT requests FROM collection_runs WHERE source = 'opencollective'") == 3


def test_persistent_rate_limiting_fails_the_project_clearly(store, db_path, oc):
    oc.failures = [(429, {"Retry-After": "60"})] * 4
    project, _ = registry.add(store, "numpy/numpy", opencollective_slug="numpy")
    clock = FakeClock()
    outcome, _ = run(store, db_path, project, clock)
    assert outcome.status == "error" and "rate limit still exceeded" in outcome.error
    assert clock.sleeps == [60.0, 60.0, 60.0]
    assert store.scalar("SELECT count(*) FROM opencollective_snapshots") == 0


def test_anonymous_rate_limit_spaces_requests_ten_a_minute(store, db_path, oc):
    """The allowance belongs to the run: every project of one collection shares it."""
    for i in range(12):
        oc.collectives[f"c{i}"] = Collective(slug=f"c{i}", name=f"C{i}")
    projects = [registry.add(store, f"o/p{i}", opencollective_slug=f"c{i}")[0] for i in range(12)]
    clock = FakeClock()
    outcomes = collect.collect(store, config.load(db_path), projects, ["opencollective"], Progress(quiet=True),
                               {"clock": clock, "sleep": clock.sleep})
    assert [o.status for o in outcomes] == ["ok"] * 12
    assert len(oc.requests) == 12
    assert clock.sleeps == [60.0]  # the 11th request waits for the first to leave the window
    assert store.scalar("SELECT count(*) FROM opencollective_snapshots WHERE status = 'ok'") == 12


def test_token_is_sent_as_personal_token_and_never_stored(store, db_path, oc, monkeypatch):
    secret = "oc-secret-token-123"
    monkeypatch.setenv("OPENCOLLECTIVE_TOKEN", secret)
    oc.collectives["numpy"], _ = numpy_collective()
    project, _ = registry.add(store, "numpy/numpy", opencollective_slug="numpy")
    assert run(store, db_path, project)[0].status == "ok"
    assert oc.requests[0]["headers"]["Personal-Token"] == secret
    oc.failures = [(401, {})]
    outcome, err = run(store, db_path, project)
    assert outcome.status == "error" and "HTTP 401" in outcome.error
    dump = "".join(str(r) for t in ("collection_runs", "opencollective_snapshots")
                   for r in store.all(f"SELECT * FROM {t}"))
    assert secret not in dump and secret not in err


def test_graphql_errors_and_no_collective(store, db_path, oc):
    project, _ = registry.add(store, "a/b")
    outcome, _ = run(store, db_path, project)
    assert outcome.status == "ok" and outcome.counters == {"collectives": 0}
    assert oc.requests == []
    project, _ = registry.add(store, "a/c", opencollective_slug="x")
    oc.failures = [(400, {})]
    outcome, _ = run(store, db_path, project)
    assert outcome.status == "error" and "Open Collective error (HTTP 400)" in outcome.error


# -- the fake is as strict as Open Collective's API ---------------------------------------------------
def ask(oc_url: str, query: str, variables: dict) -> requests.Response:
    return requests.post(oc_url, json={"query": query, "variables": variables}, timeout=10)


def window(days: float) -> dict[str, str]:
    now = utcnow()
    return {"slug": "numpy", "yearAgo": (now - timedelta(days=days)).isoformat() + "Z",
            "seriesFrom": (now - timedelta(days=days)).isoformat() + "Z", "to": now.isoformat() + "Z"}


def test_totals_are_those_of_the_window_sent(monkeypatch, oc):
    """received/spent are summed from the collective's dated transactions between dateFrom and dateTo:
    a collector asking for 10 years instead of 12 months gets other numbers."""
    oc.collectives["numpy"], _ = numpy_collective()
    url = os.environ["OPENCOLLECTIVE_API_URL"]

    def totals(days: float) -> tuple[int, int]:
        stats = ask(url, QUERY, window(days)).json()["data"]["account"]["stats"]
        return stats["received"]["valueInCents"], stats["spent"]["valueInCents"]

    assert totals(365) == (800_00 + 3_500_00 + 1_000_00, -3_000_00)
    assert totals(366) == (700_00 + 800_00 + 3_500_00 + 1_000_00, -(7_000_00 + 3_000_00))
    assert totals(3650) == (9_99 + 4_000_00 + 2_500_00 + 700_00 + 800_00 + 3_500_00 + 1_000_00, -10_000_00)
    by_period = ask(url, "query { account(slug: \"numpy\") { stats { totalAmountReceived(periodInMonths: 12) "
                         "{ valueInCents } } } }", {}).json()["data"]["account"]["stats"]
    assert by_period["totalAmountReceived"]["valueInCents"] == 800_00 + 3_500_00 + 1_000_00


def test_a_field_open_collective_does_not_have_is_a_400_and_fails_the_collective(store, db_path, oc):
    oc.collectives["numpy"], _ = numpy_collective()
    url = os.environ["OPENCOLLECTIVE_API_URL"]
    reply = ask(url, QUERY.replace("contributorsCount", "contributorCount"), window(365))
    assert reply.status_code == 400
    assert reply.json() == {"errors": [{
        "message": 'Cannot query field "contributorCount" on type "AccountStats". Did you mean "contributorsCount"?',
        "locations": [{"line": 14, "column": 7}], "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}]}
    missing = ask(url, QUERY, {"slug": "numpy"})
    assert missing.status_code == 400
    assert {e["extensions"]["code"] for e in missing.json()["errors"]} == {"BAD_USER_INPUT"}
    assert 'Variable "$yearAgo" of required type "DateTime!" was not provided.' in \
        [e["message"] for e in missing.json()["errors"]]
    # the collector's own query validates, and a schema change that drops a field it asks for fails
    # that collective (the others of the project would still be read)
    project, _ = registry.add(store, "numpy/numpy", opencollective_slug="numpy")
    assert run(store, db_path, project)[0].status == "ok"
    oc.removed_fields.add("AccountStats.yearlyBudget")
    outcome, _ = run(store, db_path, project)
    assert outcome.status == "error" and "collective numpy" in outcome.error and "HTTP 400" in outcome.error


def test_the_apis_own_answer_for_an_unknown_slug_is_not_found(oc):
    """Without `throwIfMissing: false` the API answers an error ('No collective found with slug x')
    next to `account: null`; the client still reads that as 'no such collective'."""
    session = HttpSession(clock=FakeClock(), sleep=lambda s: None)
    client = OpenCollectiveClient(session, os.environ["OPENCOLLECTIVE_API_URL"])
    plain = QUERY.replace(", throwIfMissing: false", "")
    reply = ask(client.endpoint.base_url, plain, window(365) | {"slug": "ghost"}).json()
    assert reply["data"] == {"account": None}
    assert reply["errors"][0]["message"] == "No collective found with slug ghost"
    assert reply["errors"][0]["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    with pytest.raises(NotFound):
        client.query(plain, window(365) | {"slug": "ghost"})
    assert json.dumps(ask(client.endpoint.base_url, QUERY, window(365) | {"slug": "ghost"}).json()) == \
        '{"data": {"account": null}}'
