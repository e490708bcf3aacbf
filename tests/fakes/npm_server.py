"""A fake npm registry: GET /<name> (a scoped name as /@scope%2Fname) as registry.npmjs.org answers
it (github.com/npm/registry, docs/responses/package-metadata.md).

Bodies: the full package document ("packument": _id, name, dist-tags, versions, time with
`created` and `modified`, the latest version's description/repository hoisted to the top), or,
for `Accept: application/vnd.npm.install-v1+json`, the abbreviated one (name, modified,
dist-tags, versions with name, version, dist, deprecated, ...); 404 {"error": "Not found"} for
unknown packages.

Documents come from real answers recorded on 2026-11-30 (tests/fakes/recorded/npm/, see its
README) via `recorded(name)`, with what the proxy this machine reaches drops put back: the
`deprecated` message on every version of left-pad and request (as npm shows them), `modified`,
`time.created`/`time.modified`, and publish dates (the proxy's are not real).

Headers, as registry.npmjs.org sends them: `Cache-Control: public, max-age=300`, a quoted `ETag`,
`Last-Modified`, `Vary: Accept-Encoding, Accept`, and the CDN's `Age`. `If-None-Match` (or an
`If-Modified-Since` not older than Last-Modified) answers 304 with no body. `delay` adds latency;
every request's path and headers are recorded.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from tests.fakes.loopback import JSONHandler

RECORDED = Path(__file__).parent / "recorded" / "npm"
ABBREVIATED = "application/vnd.npm.install-v1+json"
_ABBREVIATED_FIELDS = ("name", "version", "dependencies", "optionalDependencies", "devDependencies",
                       "bundleDependencies", "peerDependencies", "bin", "directories", "dist", "engines",
                       "_hasShrinkwrap", "deprecated")
# What npm shows for these two (npm deprecate applies to every version), and the publish day of
# their latest version as publicly reported; earlier versions get synthetic dates (see README).
DEPRECATED = {"left-pad": ("use String.prototype.padStart()", "2018-04-09T00:00:00.000Z"),
              "request": ("request has been deprecated, see https://github.com/request/request/issues/3142",
                          "2020-02-11T00:00:00.000Z")}


def _key(version: str) -> tuple:
    core = version.split("-", 1)[0].split("+", 1)[0]
    try:
        return tuple(int(p) for p in core.split(".")) + ((0,) if "-" in version else (1,))
    except ValueError:
        return (0,)


def recorded(name: str) -> dict[str, Any]:
    """A recorded packument with the fields the proxy drops put back (see the module docstring)."""
    doc = json.loads((RECORDED / f"{name}.json").read_text(encoding="utf-8"))
    latest = doc["dist-tags"]["latest"]
    if name in DEPRECATED:
        message, published = DEPRECATED[name]
        for meta in doc["versions"].values():
            meta["deprecated"] = message
        when = datetime.fromisoformat(published.replace("Z", "+00:00"))
        ordered = sorted((v for v in doc["versions"] if _key(v) <= _key(latest)), key=_key)
        times = {v: (when - timedelta(days=30 * (len(ordered) - 1 - i))).isoformat().replace("+00:00", ".000Z")
                 for i, v in enumerate(ordered)}
        doc["time"] = {**times, "created": min(times.values()), "modified": published}
    else:
        stamps = [t for k, t in doc["time"].items() if k not in ("created", "modified")]
        doc["time"].setdefault("created", min(stamps))
        doc["time"].setdefault("modified", max(stamps))
    head = doc["versions"].get(latest, {})
    for hoisted in ("description", "repository", "homepage", "license"):
        if hoisted in head:
            doc.setdefault(hoisted, head[hoisted])
    doc["modified"] = doc["time"]["modified"]
    return doc


def package(name: str, versions: dict[str, str], latest: str | None = None, repository: Any = None,
            deprecated: dict[str, str] | None = None, funding: Any = None) -> dict[str, Any]:
    """A small packument: versions -> publish time (ISO 8601), optional deprecation messages."""
    latest = latest or max(versions, key=_key)
    docs = {}
    for v in versions:
        meta: dict[str, Any] = {"name": name, "version": v,
                                "dist": {"tarball": f"https://registry.npmjs.org/{name}/-/{name}-{v}.tgz",
                                         "shasum": hashlib.sha1(f"{name}{v}".encode()).hexdigest()}}
        if repository is not None:
            meta["repository"] = repository
        if funding is not None:
            meta["funding"] = funding
        if deprecated and v in deprecated:
            meta["deprecated"] = deprecated[v]
        docs[v] = meta
    stamps = sorted(versions.values())
    return {"_id": name, "name": name, "dist-tags": {"latest": latest}, "versions": docs,
            "time": {**versions, "created": stamps[0], "modified": stamps[-1]}, "modified": stamps[-1],
            **({"repository": repository} if repository is not None else {})}


def _abbreviated(doc: dict[str, Any]) -> dict[str, Any]:
    return {"name": doc["name"], "modified": doc.get("modified"), "dist-tags": doc["dist-tags"],
            "versions": {v: {k: m[k] for k in _ABBREVIATED_FIELDS if k in m} for v, m in doc["versions"].items()}}


@dataclass
class NpmState:
    packages: dict[str, dict[str, Any]] = field(default_factory=dict)     # name -> full packument
    requests: list[str] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    failures: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    delay: float = 0.0
    max_age: int = 300
    age: int = 0                                                          # the CDN's Age header
    gate: threading.Barrier | None = None      # hold each answer until this many requests are in flight
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class NpmHandler(JSONHandler):
    protocol_version = "HTTP/1.1"

    def _send(self, status: int, body: bytes | None, headers: dict[str, str], kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)) if body is not None else "0")
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        if body is not None:
            self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        state: NpmState = self.server.state  # type: ignore[attr-defined]
        with state.lock:
            state.requests.append(self.path)
            state.headers.append({k.lower(): v for k, v in self.headers.items()})
            failure = state.failures.pop(0) if state.failures else None
            state.in_flight += 1
            state.max_in_flight = max(state.max_in_flight, state.in_flight)
        try:
            if state.gate is not None:
                state.gate.wait(timeout=20)
            if state.delay:
                time.sleep(state.delay)
        finally:
            with state.lock:
                state.in_flight -= 1
        if failure is not None:
            status, headers = failure
            self.send_json(status, {"error": "Too Many Requests" if status == 429 else "Service Unavailable"},
                           headers)
            return
        doc = state.packages.get(unquote(self.path.lstrip("/").split("?", 1)[0]))
        if doc is None:
            self.send_json(404, {"error": "Not found"})
            return
        short = ABBREVIATED in (self.headers.get("Accept") or "")
        body = json.dumps(_abbreviated(doc) if short else doc).encode()
        tag = f'"{hashlib.md5(body).hexdigest()}"'
        modified = datetime.fromisoformat(str(doc.get("modified") or doc["time"]["modified"]).replace("Z", "+00:00"))
        headers = {"Cache-Control": f"public, max-age={state.max_age}", "ETag": tag,
                   "Last-Modified": format_datetime(modified, usegmt=True), "Vary": "Accept-Encoding, Accept",
                   "Age": str(state.age), "CF-Cache-Status": "HIT"}
        kind = ABBREVIATED if short else "application/json"
        if tag in [t.strip() for t in (self.headers.get("If-None-Match") or "").split(",")]:
            self._send(304, None, headers, kind)
            return
        since = self.headers.get("If-Modified-Since")
        if since and not self.headers.get("If-None-Match"):
            try:
                if parsedate_to_datetime(since) >= modified.replace(microsecond=0):
                    self._send(304, None, headers, kind)
                    return
            except (TypeError, ValueError):
                pass
        self._send(200, body, headers, kind)
