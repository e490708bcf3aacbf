"""A fake PyPI JSON API: GET /pypi/<name>/json as pypi.org answers it (info, releases with files
carrying upload_time_iso_8601 and yanked flags, urls), 404 {"message": "Not Found"} for unknown
projects, and queued failures (429/503 with Retry-After) for retry tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from tests.fakes.loopback import JSONHandler


def release_file(version: str, when: str, yanked: bool = False, reason: str | None = None,
                 kind: str = "sdist") -> dict[str, Any]:
    name = f"pkg-{version}.tar.gz" if kind == "sdist" else f"pkg-{version}-py3-none-any.whl"
    return {"filename": name, "packagetype": kind, "python_version": "source" if kind == "sdist" else "py3",
            "size": 12345, "digests": {"sha256": "0" * 64}, "requires_python": ">=3.8",
            "upload_time": when.replace("Z", "").split(".")[0],
            "upload_time_iso_8601": when, "url": f"https://files.example/{name}",
            "yanked": yanked, "yanked_reason": reason}


def package_doc(name: str, version: str, project_urls: dict[str, str] | None,
                releases: dict[str, list[dict[str, Any]]], home_page: str | None = None) -> dict[str, Any]:
    return {
        "info": {"name": name, "version": version, "summary": f"{name} package", "home_page": home_page or "",
                 "project_urls": project_urls, "license": "BSD-3-Clause", "requires_python": ">=3.8",
                 "yanked": False, "yanked_reason": None},
        "last_serial": 123456,
        "releases": releases,
        "urls": releases.get(version, []),
        "vulnerabilities": [],
    }


@dataclass
class PyPIState:
    packages: dict[str, dict[str, Any]] = field(default_factory=dict)    # normalised name -> document
    failures: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


class PyPIHandler(JSONHandler):
    def do_GET(self) -> None:  # noqa: N802
        state: PyPIState = self.server.state  # type: ignore[attr-defined]
        state.requests.append(self.path)
        if state.failures:
            status, headers = state.failures.pop(0)
            self.send_json(status, {"message": "Too Many Requests" if status == 429 else "Service Unavailable"},
                           headers)
            return
        parts = self.path.strip("/").split("/")
        if len(parts) != 3 or parts[0] != "pypi" or parts[2] != "json":
            self.send_json(404, {"message": "Not Found"})
            return
        doc = state.packages.get(unquote(parts[1]))
        if doc is None:
            self.send_json(404, {"message": "Not Found"})
            return
        self.send_json(200, doc, {"X-PyPI-Last-Serial": str(doc["last_serial"])})
