"""The index cache and the concurrent lookups, against the loopback PyPI and npm fakes answering
with the real registries' headers: a fresh answer costs no request, a stale one a conditional
request (304: no body), a changed one a new body; max-age, Age and the minimum TTL; the cache file
across runs; bounded concurrency through the shared HTTP layer. The clock is injected: no test
waits for a TTL."""

from __future__ import annotations

import threading

from tests.fakes.npm_server import package as npm_package
from tests.fakes.npm_server import recorded as npm_recorded
from tests.fakes.pypi_server import package_doc, recorded, release_file
from tracker import config
from tracker.deps import thresholds as thresholds_mod
from tracker.deps.indexcache import FORMAT, IndexCache, freshness
from tracker.deps.lookup import IndexLookup


class Clock:
    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def thresholds(tmp_path, **cache):
    path = tmp_path / "t.toml"
    path.write_text("[cache]\n" + "".join(f"{k} = {v}\n" for k, v in cache.items()))
    return thresholds_mod.load(path)


def lookup(tmp_path, clock, **cache) -> IndexLookup:
    return IndexLookup(config.load(), thresholds(tmp_path, **cache), clock=clock, sleep=lambda s: None)


def test_fresh_then_revalidated_then_changed(tmp_path, pypi_api):
    pypi_api.packages["requests"] = recorded("requests")
    clock = Clock()
    first = lookup(tmp_path, clock, min_ttl_seconds=3600)
    record = first.lookup([("pypi", "requests")])[("pypi", "requests")]
    first.close()
    assert record.latest == "2.34.2" and record.source == "network"
    assert "if-none-match" not in pypi_api.headers[0]
    # the answer carried pypi.org's validators and freshness: reused for max(900 s, min TTL 3600 s)
    clock.now += 3599
    second = lookup(tmp_path, clock, min_ttl_seconds=3600)
    again = second.lookup([("pypi", "requests")])[("pypi", "requests")]
    assert len(pypi_api.requests) == 1 and again.source == "cache" and again.latest == "2.34.2"
    assert second.stats.cached == {"pypi": 1} and second.stats.requests == 0
    second.close()
    # stale: one conditional request, answered 304 without a body; the cached record stands
    clock.now += 2
    third = lookup(tmp_path, clock, min_ttl_seconds=3600)
    revalidated = third.lookup([("pypi", "requests")])[("pypi", "requests")]
    third.close()
    etag = pypi_api.headers[-1].get("if-none-match")
    assert len(pypi_api.requests) == 2 and etag and etag.startswith('"')
    assert revalidated.source == "revalidated" and revalidated.latest == "2.34.2"
    assert third.stats.unchanged == {"pypi": 1}
    # ...and fresh again for the next hour
    fourth = lookup(tmp_path, clock, min_ttl_seconds=3600)
    fourth.lookup([("pypi", "requests")])
    fourth.close()
    assert len(pypi_api.requests) == 2
    # a new release changes the document (and its ETag): a full answer replaces the record
    doc = recorded("requests")
    doc["info"]["version"] = "2.35.0"
    doc["releases"]["2.35.0"] = [release_file("2.35.0", "2026-11-29T10:00:00Z")]
    pypi_api.packages["requests"] = doc
    clock.now += 3601
    fifth = lookup(tmp_path, clock, min_ttl_seconds=3600)
    changed = fifth.lookup([("pypi", "requests")])[("pypi", "requests")]
    fifth.close()
    assert pypi_api.headers[-1]["if-none-match"] == etag and changed.latest == "2.35.0"
    assert fifth.stats.downloaded == {"pypi": 1}


def test_the_servers_max_age_when_it_is_longer_than_the_minimum(tmp_path, pypi_api):
    pypi_api.packages["requests"] = recorded("requests")
    clock = Clock()
    for step in (0, 899):                       # pypi.org: max-age=900
        clock.now += step
        run = lookup(tmp_path, clock, min_ttl_seconds=60)
        run.lookup([("pypi", "requests")])
        run.close()
    assert len(pypi_api.requests) == 1
    clock.now += 2
    run = lookup(tmp_path, clock, min_ttl_seconds=60)
    run.lookup([("pypi", "requests")])
    run.close()
    assert len(pypi_api.requests) == 2 and run.stats.unchanged == {"pypi": 1}


def test_npm_age_shortens_freshness_and_if_modified_since_revalidates(tmp_path, npm_api):
    npm_api.packages["axios"] = npm_recorded("axios")
    npm_api.age = 250                           # the CDN held it 250 s of its 300 s max-age
    clock = Clock()
    run = lookup(tmp_path, clock, min_ttl_seconds=0)
    run.lookup([("npm", "axios")])
    run.close()
    clock.now += 49
    run = lookup(tmp_path, clock, min_ttl_seconds=0)
    run.lookup([("npm", "axios")])
    run.close()
    assert len(npm_api.requests) == 1           # 300 - 250 = 50 s left
    clock.now += 2
    run = lookup(tmp_path, clock, min_ttl_seconds=0)
    record = run.lookup([("npm", "axios")])[("npm", "axios")]
    run.close()
    sent = npm_api.headers[-1]
    assert "if-none-match" in sent and "if-modified-since" in sent
    assert record.source == "revalidated" and record.latest == "1.21.1" and record.repo == "axios/axios"
    # a cached copy with only Last-Modified (no ETag) is revalidated by date
    cache = IndexCache(config.load().index_cache_path, clock=clock)
    entry = cache.get("npm:axios")
    cache.put("npm:axios", "ok", entry.doc, {"last-modified": entry.last_modified}, 0)
    cache.close()
    clock.now += 1
    run = lookup(tmp_path, clock, min_ttl_seconds=0)
    run.lookup([("npm", "axios")])
    run.close()
    assert "if-none-match" not in npm_api.headers[-1] and npm_api.headers[-1]["if-modified-since"]
    assert run.stats.unchanged == {"npm": 1}


def test_not_found_is_cached_too_and_offline_reads_stale_copies(tmp_path, pypi_api):
    clock = Clock()
    run = lookup(tmp_path, clock)
    assert run.lookup([("pypi", "ghost")])[("pypi", "ghost")].found is False
    run.close()
    clock.now += 10 ** 6                        # very stale
    offline = IndexLookup(config.load(), thresholds_mod.load(), offline=True, clock=clock)
    assert offline.lookup([("pypi", "ghost")])[("pypi", "ghost")].found is False
    assert offline.lookup([("pypi", "other")])[("pypi", "other")] is None
    offline.close()
    assert len(pypi_api.requests) == 1


def test_freshness_rules():
    assert freshness({"cache-control": "max-age=900, public"}, 1000.0, 60) == 1900.0
    assert freshness({"cache-control": "public, max-age=300", "age": "1634"}, 1000.0, 60) == 1060.0
    assert freshness({"cache-control": "max-age=900", "age": "bogus"}, 0.0, 0) == 900.0
    assert freshness({"cache-control": "no-cache, max-age=900"}, 0.0, 30) == 30.0
    assert freshness({"cache-control": "private, no-store"}, 0.0, 30) is None
    assert freshness({}, 0.0, 3600) == 3600.0


def test_the_cache_file_its_format_and_an_unwritable_place(tmp_path):
    path = tmp_path / "cache" / "index.sqlite"
    cache = IndexCache(path, clock=Clock())
    cache.put("pypi:x", "ok", {"n": "x"}, {"etag": '"a"', "cache-control": "max-age=10"}, 0)
    assert cache.put("pypi:y", "ok", {"n": "y"}, {"cache-control": "no-store"}, 0).doc == {"n": "y"}
    cache.close()
    reopened = IndexCache(path, clock=Clock())
    assert reopened.get("pypi:x").etag == '"a"' and reopened.get("pypi:y") is None
    reopened._con.execute("UPDATE entries SET format = ?", [FORMAT + 1])     # written by another version
    assert reopened.get("pypi:x") is None
    reopened.close()
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    memory = IndexCache(blocked / "index.sqlite")
    assert memory.problem and "kept in memory for this run only" in memory.problem
    memory.put("pypi:x", "ok", {}, {}, 60)
    assert memory.get("pypi:x") is not None
    memory.close()


def test_lookups_run_concurrently_and_within_the_limit(tmp_path, pypi_api, npm_api):
    for i in range(9):
        pypi_api.packages[f"p{i}"] = package_doc(f"p{i}", "1.0", None, {"1.0": [release_file("1.0", "2026-01-01Z")]})
        npm_api.packages[f"n{i}"] = npm_package(f"n{i}", {"1.0.0": "2026-01-01T00:00:00.000Z"})
    # each index holds every answer until 3 of its requests are in flight together: a client that
    # asked one at a time would never get past the first
    pypi_api.gate = threading.Barrier(3)
    npm_api.gate = threading.Barrier(3)
    run = lookup(tmp_path, Clock(), concurrency=3)
    records = run.lookup([("pypi", f"p{i}") for i in range(9)] + [("npm", f"n{i}") for i in range(9)])
    run.close()
    assert all(r is not None and r.found for r in records.values()) and len(records) == 18
    assert pypi_api.max_in_flight == 3 and npm_api.max_in_flight == 3      # never more than the limit
    assert run.stats.downloaded == {"pypi": 9, "npm": 9} and run.stats.requests == 18
