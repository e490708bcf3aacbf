"""A fake PyPI JSON API: GET /pypi/<name>/json as pypi.org answers it.

Bodies: the document (info, releases with files carrying upload_time_iso_8601 and yanked flags,
urls, vulnerabilities, last_serial), or 404 {"message": "Not Found"} for unknown projects.
Documents come from `package_doc` or from real answers recorded on 2026-11-30
(tests/fakes/recorded/pypi/, see its README) via `recorded(name)`.

Headers, as pypi.org sends them (a real response: Cache-Control "max-age=900, public", a quoted
ETag, X-PyPI-Last-Serial, Access-Control-* and Vary; no Last-Modified): the proxy this machine
reaches strips them all, so they are added here. `If-None-Match` with the current ETag answers
304 with no body and the same validators ("If-None-Match returns 304", PyPI's API docs on
caching). Queued failures (429/503 with Retry-After) test retries; `delay` adds latency per
request (the concurrency bench); every request's path and headers are recorded.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from tests.fakes.loopback import JSONHandler

RECORDED = Path(__file__).parent / "recorded" / "pypi"


def release_file(version: str, when: str, yanked: bool = False, reason: str | None = None,
                 kind: str = "sdist", requires_python: str | None = ">=3.8") -> dict[str, Any]:
    name = f"pkg-{version}.tar.gz" if kind == "sdist" else f"pkg-{version}-py3-none-any.whl"
    return {"filename": name, "packagetype": kind, "python_version": "source" if kind == "sdist" else "py3",
            "size": 12345, "digests": {"sha256": "0" * 64}, "requires_python": requires_python,
            "upload_time": when.replace("Z", "").split(".")[0],
            "upload_time_iso_8601": when, "url": f"https://files.example/{name}",
            "yanked": yanked, "yanked_reason": reason}


def package_doc(name: str, version: str, project_urls: dict[str, str] | None,
                releases: dict[str, list[dict[str, Any]]], home_page: str | None = None,
                summary: str | None = None, description: str = "", classifiers: list[str] | None = None,
                requires_python: str | None = ">=3.8") -> dict[str, Any]:
    return {
        "info": {"name": name, "version": version, "summary": summary if summary is not None else f"{name} package",
                 "description": description, "home_page": home_page or "", "project_urls": project_urls,
                 "license": "BSD-3-Clause", "requires_python": requires_python, "classifiers": classifiers or [],
                 "yanked": False, "yanked_reason": None},
        "last_serial": 123456,
        "releases": releases,
        "urls": releases.get(version, []),
        "vulnerabilities": [],
    }


def recorded(name: str) -> dict[str, Any]:
    """A real PyPI answer recorded on 2026-11-30 (trimmed: see tests/fakes/recorded/README.md)."""
    return json.loads((RECORDED / f"{name}.json").read_text(encoding="utf-8"))


def etag_of(body: bytes) -> str:
    """A quoted opaque validator in pypi.org's style ("LllhZJePrmTnTxzMUEAwQA": 22 base64 characters)."""
    return '"' + base64.urlsafe_b64encode(hashlib.md5(body).digest()).decode().rstrip("=") + '"'


@dataclass
class PyPIState:
    packages: dict[str, dict[str, Any]] = field(default_factory=dict)    # normalised name -> document
    failures: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)          # request headers, in order
    delay: float = 0.0                                                   # seconds added to every answer
    max_age: int = 900                                                   # pypi.org's Cache-Control max-age
    gate: threading.Barrier | None = None      # hold each answer until this many requests are in flight
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def not_modified(self) -> int:
        return sum(1 for h in self.headers if "if-none-match" in h)


class PyPIHandler(JSONHandler):
    protocol_version = "HTTP/1.1"

    def _send(self, status: int, body: bytes | None, headers: dict[str, str]) -> None:
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
        else:
            self.send_header("Content-Length", "0")
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        if body is not None:
            self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        state: PyPIState = self.server.state  # type: ignore[attr-defined]
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
            self.send_json(status, {"message": "Too Many Requests" if status == 429 else "Service Unavailable"},
                           headers)
            return
        parts = self.path.strip("/").split("/")
        doc = state.packages.get(unquote(parts[1])) if len(parts) == 3 and parts[0] == "pypi" \
            and parts[2] == "json" else None
        if doc is None:
            self.send_json(404, {"message": "Not Found"})
            return
        body = json.dumps(doc).encode()
        tag = etag_of(body)
        headers = {"Cache-Control": f"max-age={state.max_age}, public", "ETag": tag,
                   "X-PyPI-Last-Serial": str(doc.get("last_serial", 0)),
                   "Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "X-PyPI-Last-Serial",
                   "Vary": "Accept-Encoding", "X-Cache": "HIT", "X-Cache-Hits": "1"}
        if tag in [t.strip() for t in (self.headers.get("If-None-Match") or "").split(",")]:
            self._send(304, None, headers)
            return
        self._send(200, body, headers)
