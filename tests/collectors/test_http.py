"""The shared HTTP layer (collectors/http.py) against loopback servers, with requests over real HTTP
and an injected clock: cross-host rules, pagination limits, the per-run circuit breaker, rate
limits, size caps, redaction and GraphQL rejections."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from collectors import sources
from collectors.http import (
    GraphQLRejected,
    HttpError,
    HttpSession,
    PaginationStopped,
    Policy,
    RateLimited,
    RateLimitStop,
    TooLarge,
    Unavailable,
)
from collectors.opencollective.client import OpenCollectiveClient
from tests.fakes.loopback import Script, ScriptedHandler, serve
from tracker import collect, config, registry
from tracker.progress import Progress

TOKEN = "oc-personal-token-FAKE-0123456789"
CLOSED = "http://127.0.0.1:9"


class Clock:
    """Epoch seconds that move only when the code under test sleeps."""

    def __init__(self) -> None:
        self.t = 1_800_000_000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.t += seconds


def session(clock: Clock, **policy) -> HttpSession:
    return HttpSession(Policy(**policy), clock=clock, sleep=clock.sleep, secrets=[TOKEN])


def lower(headers: dict[str, str]) -> set[str]:
    return {k.lower() for k in headers}


# -- cross-host rules ---------------------------------------------------------------------------
@pytest.mark.parametrize("other_host", ["127.0.0.2", "127.0.0.1"])   # another host; the same host, another port
def test_a_307_to_another_origin_drops_custom_credentials(other_host):
    home, other = Script(), Script()
    with serve(ScriptedHandler, home) as base, serve(ScriptedHandler, other, host=other_host) as elsewhere:
        home.routes["/graphql/v2"] = [(307, {"Location": f"{elsewhere}/graphql/v2"}, {})]
        other.routes["/graphql/v2"] = [(200, {}, {"data": {"account": {"slug": "x"}}})]
        http = session(Clock())
        ep = http.endpoint("Open Collective", base + "/graphql/v2", headers={"Personal-Token": TOKEN},
                           secret_headers=("Personal-Token",))
        data, errors = ep.graphql("query Q { account { slug } }", {})
        assert data == {"account": {"slug": "x"}} and errors == []
        assert home.seen[0].headers["Personal-Token"] == TOKEN
        moved = other.seen[0]
        assert moved.method == "POST" and b"query Q" in moved.body      # 307 keeps the method and body
        assert "personal-token" not in lower(moved.headers) and "authorization" not in lower(moved.headers)
        assert http.requests == 2


def test_a_same_origin_redirect_keeps_credentials_and_a_return_trip_does_not_restore_them():
    home, other = Script(), Script()
    with serve(ScriptedHandler, home) as base, serve(ScriptedHandler, other, host="127.0.0.2") as elsewhere:
        home.routes["/a"] = [(302, {"Location": "/b"}, {})]
        home.routes["/b"] = [(200, {}, {"ok": 1})]
        home.routes["/c"] = [(307, {"Location": f"{elsewhere}/d"}, {})]
        other.routes["/d"] = [(307, {"Location": f"{base}/b"}, {})]
        ep = session(Clock()).endpoint("API", base, headers={"Authorization": f"bearer {TOKEN}"})
        assert ep.request("GET", "/a").data == {"ok": 1}
        assert [s.headers.get("Authorization") for s in home.seen] == [f"bearer {TOKEN}"] * 2
        assert ep.request("GET", "/c").data == {"ok": 1}
        assert "authorization" not in lower(other.seen[0].headers)
        assert "authorization" not in lower(home.seen[-1].headers)       # back home, still without it


def test_open_collective_client_keeps_its_token_at_home():
    home, other = Script(), Script()
    with serve(ScriptedHandler, home) as base, serve(ScriptedHandler, other, host="127.0.0.2") as elsewhere:
        home.routes["/graphql/v2"] = [(307, {"Location": f"{elsewhere}/steal"}, {})]
        other.routes["/steal"] = [(200, {}, {"data": {"account": None}, "errors": [
            {"message": "Account Not Found", "extensions": {"code": "NOT_FOUND"}}]})]
        client = OpenCollectiveClient(session(Clock()), base + "/graphql/v2", TOKEN)
        with pytest.raises(Exception) as info:
            client.query("query { account(slug: $slug) { slug } }", {"slug": "x"})
        assert type(info.value).__name__ == "NotFound"
        assert "personal-token" not in lower(other.seen[0].headers)


def test_too_many_redirects_is_an_error():
    home = Script()
    with serve(ScriptedHandler, home) as base:
        home.routes["/loop"] = [(302, {"Location": "/loop"}, {})]
        ep = session(Clock()).endpoint("API", base)
        with pytest.raises(HttpError, match="more than 5 redirects"):
            ep.request("GET", "/loop")
        assert len(home.seen) == 6


# -- pagination ---------------------------------------------------------------------------------
def test_a_self_referencing_next_link_stops_the_listing():
    home = Script()
    with serve(ScriptedHandler, home) as base:
        home.routes["/items?page=1"] = [(200, {"Link": f'<{base}/items?page=1>; rel="next"'}, [1, 2])]
        ep = session(Clock()).endpoint("API", base)
        got = []
        with pytest.raises(PaginationStopped, match="points to a page already read"):
            for resp in ep.pages("/items", params={"page": 1}):
                got += resp.data
        assert got == [1, 2] and len(home.seen) == 1


def test_a_next_link_cycle_and_the_page_cap_stop_the_listing():
    home = Script()
    with serve(ScriptedHandler, home) as base:
        home.routes["/l?page=1"] = [(200, {"Link": '</l?page=2>; rel="next"'}, [1])]
        home.routes["/l?page=2"] = [(200, {"Link": '</l?page=1>; rel="next"'}, [2])]
        ep = session(Clock()).endpoint("API", base)
        with pytest.raises(PaginationStopped, match="page 2 points to a page already read"):
            list(ep.pages("/l?page=1"))
        assert home.paths() == ["/l?page=1", "/l?page=2"]

        for n in range(1, 10):
            home.routes[f"/m?page={n}"] = [(200, {"Link": f'</m?page={n + 1}>; rel="next"'}, [n])]
        capped = session(Clock(), max_pages=3).endpoint("API", base)
        pages = []
        with pytest.raises(PaginationStopped, match="stopped after 3 pages"):
            for resp in capped.pages("/m", params={"page": 1}):
                pages += resp.data
        assert pages == [1, 2, 3] and home.paths()[2:] == ["/m?page=1", "/m?page=2", "/m?page=3"]


# -- the circuit breaker ------------------------------------------------------------------------
def test_a_down_endpoint_is_tried_once_more_after_probe_after_then_not_again():
    home = Script()
    with serve(ScriptedHandler, home) as base:
        home.routes["/x"] = [(502, {}, {"message": "Bad Gateway"})]
        clock = Clock()
        ep = session(clock, max_attempts=3, probe_after=120).endpoint("API", base)
        with pytest.raises(Unavailable, match="API answered 502 for /x; gave up after 3 attempts"):
            ep.request("GET", "/x", what="/x")
        assert len(home.seen) == 3 and clock.slept == [1, 2]
        with pytest.raises(Unavailable, match="not trying again before"):
            ep.request("GET", "/x", what="/x")
        assert len(home.seen) == 3                       # failed at once, nothing sent
        clock.sleep(120)
        with pytest.raises(Unavailable, match="still failing when tried once more"):
            ep.request("GET", "/x", what="/x")
        assert len(home.seen) == 4                       # the probe: one attempt, no backoff
        clock.sleep(10_000)
        with pytest.raises(Unavailable, match="not trying again in this run"):
            ep.request("GET", "/x", what="/x")
        assert len(home.seen) == 4 and clock.slept == [1, 2, 120, 10_000]


def test_a_successful_probe_closes_the_breaker():
    home = Script()
    with serve(ScriptedHandler, home) as base:
        home.routes["/x"] = [(503, {}, {})] * 2 + [(200, {}, {"ok": True})]
        clock = Clock()
        ep = session(clock, max_attempts=2, probe_after=60).endpoint("API", base)
        with pytest.raises(Unavailable):
            ep.request("GET", "/x")
        clock.sleep(60)
        assert ep.request("GET", "/x").data == {"ok": True}
        assert ep.request("GET", "/x").data == {"ok": True}
        assert len(home.seen) == 4


def test_an_unreachable_host_opens_the_breaker_of_every_endpoint_on_it():
    clock = Clock()
    http = session(clock, max_attempts=4)
    rest = http.endpoint("REST", CLOSED)
    graph = http.endpoint("GraphQL", CLOSED + "/graphql")
    with pytest.raises(Unavailable, match=r"cannot reach http://127.0.0.1:9 \(ConnectionError\); gave up after 4"):
        rest.request("GET", "/repos/a/b")
    with pytest.raises(Unavailable, match="not trying again before"):
        graph.graphql("query { x }", {})
    assert clock.slept == [1, 2, 4] and http.requests == 4


def test_breakers_belong_to_the_run(store, db_path, monkeypatch):
    """Open Collective unreachable for three accounts (three projects) costs one round of retries
    in the run, not one per account; a new run tries again."""
    monkeypatch.setenv("OPENCOLLECTIVE_API_URL", CLOSED + "/graphql/v2")
    projects = [registry.add(store, f"o/p{i}", opencollective_slug=f"c{i}")[0] for i in range(3)]
    clock = Clock()
    err = io.StringIO()
    outcomes = collect.collect(store, config.load(db_path), projects, ["opencollective"], Progress(err),
                               {"clock": clock, "sleep": clock.sleep})
    assert [o.status for o in outcomes] == ["error"] * 3
    assert all("cannot reach http://127.0.0.1:9" in o.error for o in outcomes)
    assert clock.slept == [1, 2, 4]                  # one round for the whole run (old: 7 s per account)
    assert all("not trying again before" in o.error for o in outcomes[1:])
    assert store.scalar("SELECT sum(requests) FROM collection_runs") == 4
    collect.collect(store, config.load(db_path), projects[:1], ["opencollective"], Progress(io.StringIO()),
                    {"clock": clock, "sleep": clock.sleep})
    assert clock.slept == [1, 2, 4, 1, 2, 4]


def test_one_collective_down_the_other_saved_is_partial(store, db_path, monkeypatch):
    home = Script()
    with serve(ScriptedHandler, home) as base:
        monkeypatch.setenv("OPENCOLLECTIVE_API_URL", base + "/graphql/v2")
        # the first collective's query keeps failing; the second one answers
        home.routes["/graphql/v2"] = [(500, {}, {})] * 4 + [(200, {}, {"data": {"account": {
            "slug": "two", "name": "Two", "type": "COLLECTIVE", "currency": "USD",
            "stats": {"balance": {"valueInCents": 500, "currency": "USD"}}}}})]
        project, _ = registry.add(store, "o/p", opencollective_slug="one")
        store.execute("INSERT INTO funding_channels (project_id, platform, account, url, source, ref, collected_at)"
                      " VALUES (?, 'open_collective', 'two', NULL, 'funding_yml', 'two', now())", [project.id])
        clock = Clock()
        outcome = collect.collect_one(store, config.load(db_path), sources()["opencollective"], project,
                                      Progress(io.StringIO()), {"clock": clock, "sleep": clock.sleep,
                                                                "policy": Policy(probe_after=0)})
    assert outcome.status == "partial" and list(outcome.failed) == ["collective one"]
    assert "collective one: Open Collective answered 500" in outcome.error
    assert store.all("SELECT slug, status, balance FROM opencollective_snapshots") == [("two", "ok", 5.0)]


# -- rate limits and sizes ----------------------------------------------------------------------
def test_retry_after_as_an_http_date_and_a_429_without_it():
    home = Script()
    clock = Clock()
    when = format_datetime(datetime.fromtimestamp(clock.t + 42, UTC), usegmt=True)
    with serve(ScriptedHandler, home) as base:
        home.routes["/x"] = [(429, {"Retry-After": when}, {}), (429, {}, {}), (200, {}, {"ok": 1})]
        ep = session(clock).endpoint("API", base)
        assert ep.request("GET", "/x").data == {"ok": 1}
    assert clock.slept == [42, 120]   # the date, then 60 s doubling for a bare 429 (second attempt)


def test_persistent_rate_limiting_gives_up_and_stop_mode_stops():
    home = Script()
    clock = Clock()
    with serve(ScriptedHandler, home) as base:
        home.routes["/x"] = [(429, {"Retry-After": "5"}, {})]
        ep = session(clock, max_attempts=3).endpoint("API", base)
        with pytest.raises(RateLimited, match="rate limit still exceeded after 3 attempts"):
            ep.request("GET", "/x")
        assert clock.slept == [5, 5]
        home.routes["/y"] = [(200, {"X-RateLimit-Remaining": "1", "X-RateLimit-Limit": "60",
                                    "X-RateLimit-Reset": str(int(clock.t) + 600)}, {})]
        stopper = session(clock, on_low_budget="stop").endpoint("API", base)
        stopper.request("GET", "/y")
        with pytest.raises(RateLimitStop, match="stopping as asked"):
            stopper.request("GET", "/y")
        waiter = session(clock).endpoint("API", base)
        waiter.request("GET", "/y")
        waiter.request("GET", "/y")
        assert 590 < clock.slept[-1] <= 601


def test_per_minute_allowance_spaces_requests():
    home = Script()
    clock = Clock()
    with serve(ScriptedHandler, home) as base:
        home.routes["/x"] = [(200, {}, {})]
        ep = session(clock).endpoint("API", base, per_minute=3)
        for _ in range(4):
            ep.request("GET", "/x")
    assert clock.slept == [60]


def test_an_answer_over_the_size_cap_is_not_read():
    home = Script()
    with serve(ScriptedHandler, home) as base:
        home.routes["/big"] = [(200, {}, {"data": "x" * 5000})]
        ep = session(Clock()).endpoint("API", base, max_bytes=1000)
        with pytest.raises(TooLarge, match="larger than 1000 bytes"):
            ep.request("GET", "/big")


def test_304_is_returned_and_counted_and_the_etag_sent():
    home = Script()
    with serve(ScriptedHandler, home) as base:
        home.routes["/x"] = [(304, {"ETag": '"abc"'}, None)]
        http = session(Clock())
        resp = http.endpoint("API", base).request("GET", "/x", etag='"abc"')
    assert resp.status == 304 and http.not_modified == 1
    assert home.seen[0].headers["If-None-Match"] == '"abc"'


# -- GraphQL and redaction ----------------------------------------------------------------------
def test_a_graphql_answer_without_data_is_a_rejection_and_server_text_is_redacted():
    home = Script()
    with serve(ScriptedHandler, home) as base:
        home.routes["/graphql"] = [(200, {}, {"errors": [{"message": f"Field 'x' unknown (token {TOKEN})"}]})]
        ep = session(Clock()).endpoint("GQL", base + "/graphql", headers={"Authorization": f"bearer {TOKEN}"})
        with pytest.raises(GraphQLRejected) as info:
            ep.graphql("query Q { x }", {})
        assert "GQL rejected the query: Field 'x' unknown (token ***)" in str(info.value)
        assert TOKEN not in str(info.value)
        home.routes["/graphql"] = [(401, {}, {"message": f"Bad credentials {TOKEN}"})]
        with pytest.raises(HttpError) as info:
            ep.graphql("query Q { x }", {})
        assert info.value.status == 401 and TOKEN not in str(info.value) and "***" in str(info.value)
        home.routes["/graphql"] = [(200, {}, {"data": {"x": None}, "errors": [{"message": "partial"}]})]
        assert ep.graphql("query Q { x }", {}) == ({"x": None}, [{"message": "partial"}])
