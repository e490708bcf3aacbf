"""Package-index lookups for a whole report at once: every dependency's PyPI or npm document,
from the index cache when it is fresh, else asked concurrently (bounded by the shared HTTP layer's
slots) with the cached copy's validators, so an unchanged package costs a 304 and no body.

`IndexLookup.lookup` returns an IndexRecord per (ecosystem, name): found, not found (the index
answered 404), or None when it could not be known (offline without a cached copy, or the index
failed and nothing was cached). A failing index is reported once per index, with how many
packages it cost; a stale cached copy then still answers (and says so).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from collectors.http import HttpSession, Policy
from tracker.config import Config
from tracker.deps.index import IndexRecord, reduce_pypi
from tracker.deps.indexcache import Entry, IndexCache
from tracker.deps.npm import NpmClient, reduce_npm
from tracker.deps.thresholds import Thresholds
from tracker.errors import TrackerError

INDEX_NAMES = {"pypi": "PyPI", "npm": "the npm registry"}


@dataclass
class LookupStats:
    """What one lookup did, per index: answered from the cache, unchanged (304), downloaded,
    not found, failed; and the requests sent."""

    cached: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    downloaded: dict[str, int] = field(default_factory=dict)
    not_found: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)
    stale: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    seconds: float = 0.0

    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, kind: str, ecosystem: str) -> None:
        with self._lock:
            counter: dict[str, int] = getattr(self, kind)
            counter[ecosystem] = counter.get(ecosystem, 0) + 1

    def as_dict(self) -> dict[str, Any]:
        return {"cached": self.cached, "unchanged": self.unchanged, "downloaded": self.downloaded,
                "not_found": self.not_found, "failed": self.failed, "stale": self.stale, "requests": self.requests,
                "seconds": round(self.seconds, 2)}


def _key(ecosystem: str, name: str) -> str:
    return f"{ecosystem}:{name}"


class IndexLookup:
    """One report's lookups. `refresh` asks again even for fresh cached answers (still with their
    validators). `http`, `clock` and `sleep` are injectable (tests never wait)."""

    def __init__(self, config: Config, thresholds: Thresholds, *, offline: bool = False,
                 cache: IndexCache | None = None, http: HttpSession | None = None,
                 clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep,
                 progress: Callable[[str], None] | None = None, warn: Callable[[str], None] | None = None,
                 refresh: bool = False):
        self.config = config
        self.thresholds = thresholds
        self.offline = offline
        self.clock = clock
        self.cache = cache if cache is not None else IndexCache(config.index_cache_path, clock=clock)
        self._own_http = http is None
        self.http = http or HttpSession(Policy(max_concurrency=thresholds.concurrency, max_attempts=4),
                                        clock=clock, sleep=sleep, say=progress)
        self.progress = progress or (lambda message: None)
        self.warn = warn or (lambda message: None)
        self.refresh = refresh
        self.stats = LookupStats()
        self._clients: dict[str, Any] = {}
        self._errors: dict[str, str] = {}
        self._lock = threading.Lock()

    def client(self, ecosystem: str) -> Any:
        with self._lock:
            if ecosystem not in self._clients:
                if ecosystem == "pypi":
                    from collectors.pypi.client import PyPIClient

                    self._clients[ecosystem] = PyPIClient(self.config.pypi_url, http=self.http)
                else:
                    self._clients[ecosystem] = NpmClient(self.config.npm_url, http=self.http)
            return self._clients[ecosystem]

    def lookup(self, wanted: list[tuple[str, str]]) -> dict[tuple[str, str], IndexRecord | None]:
        started = time.monotonic()
        out: dict[tuple[str, str], IndexRecord | None] = {}
        to_ask: list[tuple[str, str, Entry | None]] = []
        now = self.clock()
        for ecosystem, name in dict.fromkeys(wanted):
            entry = self.cache.get(_key(ecosystem, name))
            if entry is not None and ((entry.fresh(now) and not self.refresh) or self.offline):
                out[(ecosystem, name)] = self._record(ecosystem, name, entry, "cache")
                self.stats.add("cached", ecosystem)
            elif self.offline:
                out[(ecosystem, name)] = None
            else:
                to_ask.append((ecosystem, name, entry))
        if to_ask:
            counts: dict[str, int] = {}
            for ecosystem, _, _ in to_ask:
                counts[ecosystem] = counts.get(ecosystem, 0) + 1
            asked = ", ".join(f"{INDEX_NAMES[e]} for {n} {'package' if n == 1 else 'packages'}"
                              for e, n in counts.items())
            self.progress(f"asking {asked} ({self.thresholds.concurrency} at a time per index;"
                          f" {len(out)} answered from the index cache)")
            # interleave the indexes, so both are asked at once rather than one after the other
            seen: dict[str, int] = {}
            ranked = []
            for item in to_ask:
                seen[item[0]] = seen.get(item[0], 0) + 1
                ranked.append((seen[item[0]], item))
            to_ask = [item for _, item in sorted(ranked, key=lambda pair: pair[0])]
            workers = min(len(to_ask), self.thresholds.concurrency * len(counts))
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="index") as pool:
                for (ecosystem, name, _), record in zip(to_ask, pool.map(self._ask, to_ask), strict=True):
                    out[(ecosystem, name)] = record
            for ecosystem, error in self._errors.items():
                failed = self.stats.failed.get(ecosystem, 0)
                stale = self.stats.stale.get(ecosystem, 0)
                self.warn(f"{INDEX_NAMES[ecosystem]} could not be asked for {failed}"
                          f" {'package' if failed == 1 else 'packages'} ({error}); "
                          + (f"{stale} answered from an older cached copy, " if stale else "")
                          + "the rest have no index signals in this report")
        self.stats.requests = sum(getattr(c, "requests", 0) for c in self._clients.values())
        self.stats.seconds = time.monotonic() - started
        if to_ask:
            self.progress(self.summary())
        return out

    def summary(self) -> str:
        s = self.stats
        parts = []
        for label, counter in (("from the cache", s.cached), ("unchanged (304)", s.unchanged),
                               ("downloaded", s.downloaded), ("not found", s.not_found), ("failed", s.failed)):
            total = sum(counter.values())
            if total:
                parts.append(f"{total} {label}")
        return (f"index lookups: {', '.join(parts) or 'none'}; {s.requests}"
                f" {'request' if s.requests == 1 else 'requests'} in {s.seconds:.1f} s")

    def _record(self, ecosystem: str, name: str, entry: Entry, source: str) -> IndexRecord:
        if entry.status != "ok" or entry.doc is None:
            record = IndexRecord.missing(ecosystem, name)
        else:
            record = IndexRecord.from_doc(entry.doc)
        record.source = source
        return record

    def _ask(self, item: tuple[str, str, Entry | None]) -> IndexRecord | None:
        ecosystem, name, entry = item
        key = _key(ecosystem, name)
        try:
            client = self.client(ecosystem)
            answer = client.conditional(name, entry.etag if entry else None, entry.last_modified if entry else None)
        except TrackerError as exc:
            with self._lock:
                self._errors.setdefault(ecosystem, str(exc).splitlines()[0][:300])
            self.stats.add("failed", ecosystem)
            if entry is not None:
                self.stats.add("stale", ecosystem)
                return self._record(ecosystem, name, entry, "stale cache")
            return None
        min_ttl = self.thresholds.min_ttl
        if answer.status == 304 and entry is not None:
            self.stats.add("unchanged", ecosystem)
            return self._record(ecosystem, name, self.cache.renew(entry, answer.headers, min_ttl), "revalidated")
        if answer.status == 404 or answer.data is None:
            self.stats.add("not_found", ecosystem)
            return self._record(ecosystem, name, self.cache.put(key, "not_found", None, answer.headers, min_ttl),
                                "network")
        record = reduce_pypi(name, answer.data) if ecosystem == "pypi" else reduce_npm(name, answer.data)
        self.stats.add("downloaded", ecosystem)
        self.cache.put(key, "ok", record.to_doc(), answer.headers, min_ttl)
        record.source = "network"
        return record

    def close(self) -> None:
        if self._own_http:
            self.http.close()
        self.cache.close()
