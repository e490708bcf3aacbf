"""A loopback HTTP server that answers like GitHub's REST API v3 and GraphQL API v4.

Real clients (PyGithub, requests) talk to it over HTTP. It reproduces what the collector relies on:
JSON bodies in GitHub's shapes, `Link` pagination, `X-RateLimit-*` headers on a fake clock (so a
reset arrives when the test's clock says so), ETag / If-None-Match -> 304 (not charged), 202 from
statistics endpoints, 301 for renamed repositories (REST and GraphQL follow them), 404, 409 for
empty repositories, 451 for blocked ones, injected faults (5xx, 403/429 with Retry-After,
secondary limits, redirects), GraphQL partial data with `errors`, and GraphQL queries rejected as
a whole (HTTP 200, `errors`, no `data`: what GitHub answers after a schema change).

A GitHub App: `app_id` and `app_public_key` make the fake answer `GET /app/installations`
(paginated) and `POST /app/installations/{id}/access_tokens` as GitHub does, only to a request
whose `Authorization: Bearer` JWT is RS256-signed by the App's key, with `iss` the App's id and
`iat`/`exp` valid now (real time: PyGithub signs with it) and at most 10 minutes apart. A minted
token (`ghs_...`, made at run time) is accepted until its `expires_at` on the fake clock and has
its installation's own rate-limit budgets, as on GitHub.

It is our own model written from GitHub's documentation, not recorded data. GraphQL is answered by
tests/fakes/github_graphql.py: each query is parsed, validated against GitHub's published schema
and executed over the fixtures below with graphql-core, so only the selected fields come back and
arguments (`first`, `after`, `orderBy`, `states`, `history(since:)`, variables) decide what; a
query that is not valid gets GitHub's error shape (HTTP 200, `errors`, no `data`).
`FakeGitHub.removed_fields` plays a schema change: those fields no longer exist.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import jwt

from tests.fakes import github_graphql
from tests.fakes.github_graphql import gh_time
from tracker.clock import utcnow

DOCS = "https://docs.github.com/rest"
__all__ = ["gh_time", "FakeGitHub", "FakeRepo", "FakeClock", "Fault", "Item", "Comment", "Person", "Release",
           "make_items", "commit_dates"]


class FakeClock:
    """Epoch seconds that only move when the test (or an injected sleep) moves them."""

    def __init__(self, start: datetime):
        self.now = start.replace(tzinfo=UTC).timestamp()
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += max(0.0, seconds)

    def datetime(self) -> datetime:
        return datetime.fromtimestamp(self.now, UTC).replace(tzinfo=None)


@dataclass
class Person:
    login: str
    type: str = "User"            # 'User' | 'Bot'

    def json(self) -> dict[str, Any]:
        return {"login": self.login, "id": abs(hash(self.login)) % 10**8, "node_id": "U_" + self.login,
                "type": self.type, "site_admin": False,
                "url": f"https://api.github.com/users/{self.login}"}


@dataclass
class Comment:
    by: Person
    at: datetime
    review: bool = False


@dataclass
class Item:
    number: int
    kind: str                      # 'issue' | 'pr'
    author: Person
    created_at: datetime
    updated_at: datetime
    state: str = "open"
    closed_at: datetime | None = None
    merged_at: datetime | None = None
    association: str = "NONE"
    comments: list[Comment] = field(default_factory=list)


@dataclass
class Release:
    id: int
    tag: str
    created_at: datetime
    published_at: datetime | None = None
    prerelease: bool = False
    draft: bool = False
    name: str | None = None


@dataclass
class FakeRepo:
    owner: str
    name: str
    id: int
    owner_type: str = "Organization"
    stars: int = 0
    forks: int = 0
    watchers: int = 0
    archived: bool = False
    disabled: bool = False
    parent: str | None = None
    license: str | None = "MIT"
    topics: list[str] = field(default_factory=list)
    language: str | None = "Python"
    created_at: datetime = datetime(2015, 1, 1)
    pushed_at: datetime = datetime(2024, 1, 1)
    homepage: str | None = None
    description: str | None = "a project"
    empty: bool = False
    security_policy: bool = False
    commits: list[datetime] = field(default_factory=list)   # commit times on the default branch
    commits_365d: dataclasses.InitVar[int] = 0              # shorthand: that many commits in the last year
    items: list[Item] = field(default_factory=list)
    releases: list[Release] = field(default_factory=list)
    contributors: list[dict[str, Any]] = field(default_factory=list)   # {login|None, type, contributions}
    community: dict[str, Any] | None = field(default_factory=lambda: {
        "health_percentage": 71, "readme": True, "contributing": True, "code_of_conduct": False,
        "license": True, "issue_template": True, "pull_request_template": False})
    funding_links: list[dict[str, str]] = field(default_factory=list)
    sponsors: dict[str, Any] | None = None  # has_listing, count, goal {...} | None, tiers [...]
    status: int | None = None               # 404 or 451 for every request
    # GraphQL fields answered null with a FORBIDDEN error: dotted paths below the repository
    # ('owner.sponsorsListing'), or '' for the repository itself (e.g. an organisation enforcing SAML)
    graphql_forbidden: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)   # path -> text, for the contents endpoint

    def __post_init__(self, commits_365d: int) -> None:
        if commits_365d:
            self.commits = self.commits + commit_dates(commits_365d, utcnow() - timedelta(days=360), utcnow())

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def updated_at(self) -> datetime:
        times = [self.pushed_at] + [i.updated_at for i in self.items]
        return max(times)


@dataclass
class Fault:
    """Answer `status` (with headers/body) to requests whose path starts with `path`, `times` times."""

    path: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    times: int = 1
    echo_auth: bool = False   # a hostile server that quotes the Authorization header back
    skip: int = 0             # let this many matching requests through first


@dataclass
class Logged:
    method: str
    path: str
    query: dict[str, list[str]]
    status: int
    authorization: str | None
    body: str = ""


class FakeGitHub:
    """The fake. Use as a context manager; `api_url` is what GITHUB_API_URL should be."""

    def __init__(self, clock: FakeClock, prefix: str = "", token: str | None = None,
                 core_limit: int = 5000, graphql_limit: int = 5000, latency: float = 0.0,
                 app_id: int | None = None, app_public_key: Any = None):
        self.clock = clock
        self.prefix = prefix.rstrip("/")          # '' (github.com style) or '/api/v3' (Enterprise)
        self.token = token
        self.app_id = app_id
        self.app_public_key = app_public_key
        self.installations: dict[int, dict[str, Any]] = {}   # id -> {login, type, suspended}
        self.minted: dict[str, tuple[int, float]] = {}        # token -> (installation id, expires at)
        self.token_life = 3600.0
        self.repos: dict[str, FakeRepo] = {}
        self.redirects: dict[str, int] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.faults: list[Fault] = []
        # 'Type.field's GitHub's schema no longer has (a schema change): queries selecting them are
        # rejected as a whole, as GitHub rejects them (HTTP 200, `errors`, no `data`).
        self.removed_fields: set[str] = set()
        self.echo_auth_in_errors = False   # a hostile server quoting the Authorization header in errors
        self.log: list[Logged] = []
        self.latency = latency
        self.limits = {"core": core_limit, "graphql": graphql_limit}
        # budgets per credential: 'default' (the token, or none) or 'installation <id>'
        self.remaining: dict[tuple[str, str], int] = {}
        self.reset: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        self._server: ThreadingHTTPServer | None = None

    # -- set-up -----------------------------------------------------------------------------
    def add(self, repo: FakeRepo) -> FakeRepo:
        self.repos[repo.full_name.lower()] = repo
        return repo

    def rename(self, repo: FakeRepo, owner: str, name: str) -> None:
        self.redirects[repo.full_name.lower()] = repo.id
        del self.repos[repo.full_name.lower()]
        repo.owner, repo.name = owner, name
        self.add(repo)

    @property
    def base(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_url(self) -> str:
        return self.base + self.prefix

    def __enter__(self) -> FakeGitHub:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def requests(self, method: str | None = None, contains: str = "") -> list[Logged]:
        return [r for r in self.log if (method is None or r.method == method) and contains in r.path]

    # -- the App ----------------------------------------------------------------------------------
    def install(self, login: str, installation_id: int, account_type: str = "Organization",
                suspended: bool = False) -> None:
        """The App installed by the account `login`."""
        self.installations[installation_id] = {"login": login, "type": account_type, "suspended": suspended}

    def installation_of(self, authorization: str | None) -> int | None:
        """The installation whose token `authorization` carries (expired or not), or None."""
        token = (authorization or "").split(" ", 1)[-1]
        held = self.minted.get(token)
        return held[0] if held else None

    def token_of(self, login: str) -> str | None:
        """The newest token minted for the installation of `login`."""
        iid = next((i for i, a in self.installations.items() if a["login"].lower() == login.lower()), None)
        tokens = [t for t, (i, _) in self.minted.items() if i == iid]
        return tokens[-1] if tokens else None

    def who(self, authorization: str | None) -> str:
        """Whose budget a request spends: its installation's, or the default one."""
        iid = self.installation_of(authorization)
        return "default" if iid is None else f"installation {iid}"

    def check_jwt(self, authorization: str | None) -> str | None:
        """Why GitHub would refuse this App JWT (None when it is good)."""
        parts = (authorization or "").split(" ", 1)
        if len(parts) != 2 or parts[0].lower() != "bearer":
            return "A JSON web token could not be decoded"
        try:
            claims = jwt.decode(parts[1], self.app_public_key, algorithms=["RS256"],
                                options={"require": ["iat", "exp", "iss"]})
        except jwt.ExpiredSignatureError:
            return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires"
        except jwt.InvalidTokenError:
            return "A JSON web token could not be decoded"
        if str(claims["iss"]) != str(self.app_id):
            return "Integration not found"
        if claims["exp"] - claims["iat"] > 660:
            return "'Expiration time' claim ('exp') is too far in the future"
        return None

    # -- rate limits ------------------------------------------------------------------------------
    def _budget(self, resource: str, authed: bool, who: str = "default") -> tuple[int, int, int]:
        limit = self.limits[resource] if authed else 60
        key = (who, resource)
        if key not in self.reset or self.clock() >= self.reset[key]:
            self.remaining[key] = self.limits[resource]
            self.reset[key] = self.clock() + 3600
        return limit, min(self.remaining[key], limit), int(self.reset[key])

    def spend(self, resource: str, who: str = "default") -> None:
        self.remaining[(who, resource)] = max(0, self.remaining[(who, resource)] - 1)

    def rate_headers(self, resource: str, authed: bool, who: str = "default") -> dict[str, str]:
        limit, remaining, reset = self._budget(resource, authed, who)
        return {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining),
                "X-RateLimit-Reset": str(reset), "X-RateLimit-Used": str(limit - remaining),
                "X-RateLimit-Resource": resource}

    def set_remaining(self, resource: str, remaining: int, reset_in: float, who: str = "default") -> None:
        self._budget(resource, True, who)
        self.remaining[(who, resource)] = remaining
        self.reset[(who, resource)] = self.clock() + reset_in

    # -- REST ---------------------------------------------------------------------------------------
    def repo_by_path(self, owner: str, name: str) -> FakeRepo | int | None:
        key = f"{owner}/{name}".lower()
        if key in self.repos:
            return self.repos[key]
        if key in self.redirects:
            return self.redirects[key]
        return None

    def repo_by_id(self, rid: int) -> FakeRepo | None:
        return next((r for r in self.repos.values() if r.id == rid), None)

    def repo_json(self, r: FakeRepo) -> dict[str, Any]:
        api = self.api_url
        open_count = sum(1 for i in r.items if i.state == "open")
        data = {
            "id": r.id, "node_id": f"R_{r.id}", "name": r.name, "full_name": r.full_name, "private": False,
            "owner": {**Person(r.owner, r.owner_type).json(), "type": r.owner_type},
            "html_url": f"https://github.com/{r.full_name}", "description": r.description, "fork": r.parent is not None,
            "url": f"{api}/repos/{r.full_name}", "created_at": gh_time(r.created_at),
            "updated_at": gh_time(r.updated_at()), "pushed_at": gh_time(r.pushed_at),
            "homepage": r.homepage or "", "size": 0 if r.empty else 1234, "stargazers_count": r.stars,
            "watchers_count": r.stars, "language": r.language, "has_issues": True, "forks_count": r.forks,
            "archived": r.archived, "disabled": r.disabled, "open_issues_count": open_count,
            "license": None if r.license is None else {"key": r.license.lower(), "name": r.license,
                                                         "spdx_id": r.license, "url": None, "node_id": "L"},
            "topics": list(r.topics), "visibility": "public", "forks": r.forks, "open_issues": open_count,
            "watchers": r.stars, "default_branch": "main", "network_count": r.forks,
            "subscribers_count": r.watchers,
        }
        if r.parent:
            data["parent"] = {"full_name": r.parent, "id": r.id + 1}
        return data

    def issue_json(self, r: FakeRepo, i: Item) -> dict[str, Any]:
        api = f"{self.api_url}/repos/{r.full_name}"
        data = {
            "url": f"{api}/issues/{i.number}", "id": r.id * 100000 + i.number, "node_id": f"I_{i.number}",
            "number": i.number, "title": f"item {i.number}", "user": i.author.json(), "labels": [],
            "state": i.state, "locked": False, "assignee": None, "assignees": [], "milestone": None,
            "comments": sum(1 for c in i.comments if not c.review), "created_at": gh_time(i.created_at),
            "updated_at": gh_time(i.updated_at), "closed_at": gh_time(i.closed_at),
            "author_association": i.association, "active_lock_reason": None, "body": "text",
            "state_reason": "completed" if i.state == "closed" else None,
        }
        if i.kind == "pr":
            data["pull_request"] = {"url": f"{api}/pulls/{i.number}", "html_url": "", "diff_url": "",
                                    "patch_url": "", "merged_at": gh_time(i.merged_at)}
        return data


class _Handler(BaseHTTPRequestHandler):
    fake: FakeGitHub
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    # -- plumbing ---------------------------------------------------------------------------------
    def _authed(self) -> tuple[bool, bool]:
        """(sent a token, token accepted): the token, or an installation token not yet expired."""
        auth = self.headers.get("Authorization")
        if not auth:
            return False, True
        parts = auth.split(" ", 1)
        held = self.fake.minted.get(parts[-1]) if self.fake.app_id is not None else None
        if held is not None:
            return True, self.fake.clock() < held[1]
        ok = self.fake.token is None or (len(parts) == 2 and parts[1] == self.fake.token)
        return True, ok

    def _who(self) -> str:
        return self.fake.who(self.headers.get("Authorization"))

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None,
              resource: str = "core", charge: bool = True) -> None:
        fake = self.fake
        sent, _ = self._authed()
        who = "app" if self._path.startswith(fake.prefix + "/app/") else self._who()
        with fake._lock:
            if charge and status != 304:
                fake._budget(resource, sent, who)
                fake.spend(resource, who)
            rate = fake.rate_headers(resource, sent, who)
        raw = b"" if body is None else json.dumps(body).encode()
        with fake._lock:   # logged before answering: a client that has its answer finds it in the log
            fake.log.append(Logged(self.command, self._path, self._query, status,
                                   self.headers.get("Authorization"), self._body))
        self.send_response(status)
        all_headers = {"Content-Type": "application/json; charset=utf-8", **rate, **(headers or {})}
        for k, v in all_headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        if raw:
            self.wfile.write(raw)

    def _fault(self) -> bool:
        fake = self.fake
        with fake._lock:
            fault = next((f for f in fake.faults if self._path.startswith(fake.prefix + f.path) or
                          self._path.startswith(f.path)), None)
            if fault is None:
                return False
            if fault.skip > 0:
                fault.skip -= 1
                return False
            fault.times -= 1
            if fault.times <= 0:
                fake.faults.remove(fault)
        body = fault.body
        if fault.echo_auth:
            body = {"message": f"Server error while handling {self.headers.get('Authorization')}"}
        self._send(fault.status, body, fault.headers,
                   resource="graphql" if self._path.endswith("graphql") else "core")
        return True

    def _enter(self) -> bool:
        parts = urlsplit(self.path)
        self._path, self._query = parts.path, parse_qs(parts.query)
        length = int(self.headers.get("Content-Length") or 0)
        self._body = self.rfile.read(length).decode() if length else ""
        with self.fake._lock:
            self.fake.in_flight += 1
            self.fake.max_in_flight = max(self.fake.max_in_flight, self.fake.in_flight)
        if self.fake.latency:
            time.sleep(self.fake.latency)
        return True

    def _leave(self) -> None:
        with self.fake._lock:
            self.fake.in_flight -= 1

    # -- REST ---------------------------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._enter()
        try:
            self._get()
        finally:
            self._leave()

    def _get(self) -> None:
        fake = self.fake
        if fake.app_id is not None and self._path.startswith(fake.prefix + "/app/"):
            return self._app()
        sent, ok = self._authed()
        if not ok:
            return self._send(401, {"message": "Bad credentials", "documentation_url": DOCS})
        if self._fault():
            return None
        with fake._lock:
            _, remaining, _ = fake._budget("core", sent, self._who())
        if remaining <= 0:
            return self._send(403, {"message": "API rate limit exceeded for 127.0.0.1.",
                                    "documentation_url": DOCS}, charge=False)
        path = self._path
        if fake.prefix:
            if not path.startswith(fake.prefix + "/"):
                return self._send(404, {"message": "Not Found", "documentation_url": DOCS})
            path = path[len(fake.prefix):]
        m = re.match(r"^/repositories/(\d+)(/.*)?$", path)
        if m:
            repo = fake.repo_by_id(int(m.group(1)))
            rest = m.group(2) or ""
        else:
            m = re.match(r"^/repos/([^/]+)/([^/]+)(/.*)?$", path)
            if not m:
                return self._send(404, {"message": "Not Found", "documentation_url": DOCS})
            found = fake.repo_by_path(m.group(1), m.group(2))
            rest = m.group(3) or ""
            if isinstance(found, int):
                location = f"{fake.api_url}/repositories/{found}{rest}"
                if self._query:
                    location += "?" + urlsplit(self.path).query
                return self._send(301, {"message": "Moved Permanently", "url": location,
                                        "documentation_url": DOCS}, {"Location": location})
            repo = found
        if repo is None:
            return self._send(404, {"message": "Not Found", "documentation_url": DOCS, "status": "404"})
        if repo.status == 451:
            return self._send(451, {"message": "Repository access blocked", "block": {
                "reason": "dmca", "created_at": "2020-10-23T17:10:11Z",
                "html_url": "https://github.com/github/dmca/blob/master/2020/10/2020-10-23-example.md"}})
        if repo.status == 404:
            return self._send(404, {"message": "Not Found", "documentation_url": DOCS, "status": "404"})
        return self._route(repo, rest)

    def _conditional(self, body: Any, headers: dict[str, str] | None = None) -> None:
        etag = 'W/"' + hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:32] + '"'
        if self.headers.get("If-None-Match") == etag:
            return self._send(304, None, {"ETag": etag, **(headers or {})})
        return self._send(200, body, {"ETag": etag, "Cache-Control": "private, max-age=60, s-maxage=60",
                                      **(headers or {})})

    def _page(self, items: list[Any]) -> None:
        fake = self.fake
        per_page = min(100, int((self._query.get("per_page") or ["30"])[0]))
        page = max(1, int((self._query.get("page") or ["1"])[0]))
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page: page * per_page]
        links = []

        def url(n: int) -> str:
            q = {k: v[0] for k, v in self._query.items()}
            q["page"] = str(n)
            return f"{fake.base}{self._path}?" + "&".join(f"{k}={v}" for k, v in q.items())

        if page < last:
            links += [f'<{url(page + 1)}>; rel="next"', f'<{url(last)}>; rel="last"']
        if page > 1:
            links += [f'<{url(page - 1)}>; rel="prev"', f'<{url(1)}>; rel="first"']
        return self._conditional(chunk, {"Link": ", ".join(links)} if links else None)

    def _route(self, repo: FakeRepo, rest: str) -> None:
        fake = self.fake
        q = {k: v[0] for k, v in self._query.items()}
        if rest == "":
            return self._conditional(fake.repo_json(repo))
        if rest == "/issues":
            items = list(repo.items)
            state = q.get("state", "open")
            if state != "all":
                items = [i for i in items if i.state == state]
            if "since" in q:
                since = datetime.fromisoformat(q["since"].replace("Z", ""))
                items = [i for i in items if i.updated_at >= since]
            key = (lambda i: i.updated_at) if q.get("sort") == "updated" else (lambda i: i.created_at)
            items.sort(key=lambda i: (key(i), i.number), reverse=q.get("direction", "desc") == "desc")
            return self._page([fake.issue_json(repo, i) for i in items])
        if rest == "/releases":
            rels = sorted(repo.releases, key=lambda r: (r.created_at, r.id), reverse=True)
            return self._page([{
                "url": f"{fake.api_url}/repos/{repo.full_name}/releases/{r.id}", "id": r.id, "node_id": f"RE_{r.id}",
                "tag_name": r.tag, "target_commitish": "main", "name": r.name if r.name is not None else r.tag,
                "draft": r.draft, "prerelease": r.prerelease, "created_at": gh_time(r.created_at),
                "published_at": None if r.draft else gh_time(r.published_at or r.created_at),
                "author": Person("releaser").json(), "assets": [], "body": ""} for r in rels])
        if rest == "/contributors":
            if repo.empty:
                return self._send(204, None)
            people = [{**Person(c["login"], c.get("type", "User")).json(), "contributions": c["contributions"]}
                      if c.get("login") else {"email": c.get("email", "x@example.org"), "name": "someone",
                                              "type": "Anonymous", "contributions": c["contributions"]}
                      for c in repo.contributors]
            return self._page(people)
        if rest == "/community/profile":
            c = repo.community
            if c is None:
                return self._send(404, {"message": "Not Found", "documentation_url": DOCS})
            file = lambda present, key: {"url": f"{fake.api_url}/repos/{repo.full_name}/{key}",  # noqa: E731
                                         "html_url": ""} if present else None
            return self._conditional({
                "health_percentage": c["health_percentage"], "description": repo.description,
                "documentation": None, "files": {
                    "code_of_conduct": {"key": "contributor_covenant", "name": "Contributor Covenant", "url": "",
                                        "html_url": ""} if c["code_of_conduct"] else None,
                    "code_of_conduct_file": file(c["code_of_conduct"], "coc"),
                    "contributing": file(c["contributing"], "contributing"),
                    "issue_template": file(c["issue_template"], "issue_template"),
                    "pull_request_template": file(c["pull_request_template"], "pr_template"),
                    "license": {"key": "mit", "name": "MIT License", "spdx_id": "MIT", "url": "", "node_id": "L",
                                "html_url": ""} if c["license"] else None,
                    "readme": file(c["readme"], "readme"),
                },
                "updated_at": gh_time(repo.pushed_at), "content_reports_enabled": False})
        if rest == "/commits":
            if repo.empty:
                return self._send(409, {"message": "Git Repository is empty.", "documentation_url": DOCS})
            return self._page([])
        if rest.startswith("/stats/"):
            return self._send(202, {})
        if rest == "/contents" or rest.startswith("/contents/"):
            return self._contents(repo, unquote(rest[len("/contents"):].strip("/")))
        return self._send(404, {"message": "Not Found", "documentation_url": DOCS})

    def _contents(self, repo: FakeRepo, path: str) -> None:
        """GET /repos/{owner}/{repo}/contents/{path}: a folder's entries, or a file base64-encoded
        (GitHub's shapes; 404 for a path that is not there)."""
        fake = self.fake

        def entry(p: str, kind: str) -> dict[str, Any]:
            data = repo.files.get(p, "").encode()
            sha = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest() if kind == "file" else "0" * 40
            return {"name": p.rsplit("/", 1)[-1], "path": p, "sha": sha, "size": len(data) if kind == "file" else 0,
                    "type": kind, "url": f"{fake.api_url}/repos/{repo.full_name}/contents/{p}"}

        if path in repo.files:
            data = repo.files[path].encode()
            return self._conditional({**entry(path, "file"), "encoding": "base64",
                                      "content": base64.encodebytes(data).decode()})
        prefix = path + "/" if path else ""
        children: dict[str, str] = {}
        for p in repo.files:
            if p.startswith(prefix):
                head = p[len(prefix):].split("/", 1)
                children[prefix + head[0]] = "file" if len(head) == 1 else "dir"
        if not children:
            return self._send(404, {"message": "Not Found", "documentation_url": DOCS, "status": "404"})
        return self._conditional([entry(p, kind) for p, kind in sorted(children.items())])

    # -- GraphQL ------------------------------------------------------------------------------------
    def do_POST(self) -> None:  # noqa: N802
        self._enter()
        try:
            self._post()
        finally:
            self._leave()

    def _app(self) -> None:
        """The App's own endpoints: listing its installations, minting an installation's token."""
        fake = self.fake
        why = fake.check_jwt(self.headers.get("Authorization"))
        if why is not None:
            return self._send(401, {"message": why, "documentation_url": DOCS})
        if self._fault():
            return None
        path = self._path[len(fake.prefix):]
        if self.command == "GET" and path == "/app/installations":
            return self._page([{
                "id": iid, "account": {**Person(a["login"], a["type"]).json(), "type": a["type"]},
                "app_id": fake.app_id, "target_type": a["type"], "repository_selection": "all",
                "access_tokens_url": f"{fake.api_url}/app/installations/{iid}/access_tokens",
                "permissions": {"metadata": "read", "issues": "read"}, "events": [],
                "suspended_at": "2024-01-01T00:00:00Z" if a["suspended"] else None,
            } for iid, a in sorted(fake.installations.items())])
        m = re.match(r"^/app/installations/(\d+)/access_tokens$", path)
        if self.command == "POST" and m:
            found = fake.installations.get(int(m.group(1)))
            if found is None:
                return self._send(404, {"message": "Not Found", "documentation_url": DOCS}, charge=False)
            if found["suspended"]:
                return self._send(403, {"message": "This installation has been suspended",
                                        "documentation_url": DOCS}, charge=False)
            token = "ghs_" + secrets.token_hex(18)
            expires = fake.clock() + fake.token_life
            with fake._lock:
                fake.minted[token] = (int(m.group(1)), expires)
            return self._send(201, {"token": token, "expires_at": gh_time(
                datetime.fromtimestamp(expires, UTC).replace(tzinfo=None)), "permissions": {"metadata": "read"},
                "repository_selection": "all"}, charge=False)
        return self._send(404, {"message": "Not Found", "documentation_url": DOCS}, charge=False)

    def _post(self) -> None:
        fake = self.fake
        if fake.app_id is not None and self._path.startswith(fake.prefix + "/app/"):
            return self._app()
        if self._path != fake.prefix.removesuffix("/v3") + "/graphql" and self._path != "/graphql":
            return self._send(404, {"message": "Not Found", "documentation_url": DOCS})
        sent, ok = self._authed()
        if not sent:
            return self._send(401, {"message": "This endpoint requires you to be authenticated.",
                                    "documentation_url": DOCS}, resource="graphql")
        if not ok:
            return self._send(401, {"message": "Bad credentials", "documentation_url": DOCS}, resource="graphql")
        if self._fault():
            return None
        with fake._lock:
            _, remaining, _ = fake._budget("graphql", True, self._who())
        if remaining <= 0:
            return self._send(200, {"errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded"}]},
                              resource="graphql", charge=False)
        try:
            body = json.loads(self._body)
            if not isinstance(body, dict):
                raise TypeError
        except (ValueError, TypeError):
            return self._send(400, {"message": "Problems parsing JSON", "documentation_url": DOCS},
                              resource="graphql")
        status, out = github_graphql.answer(fake, body, self.headers.get("Authorization"))
        return self._send(status, out, resource="graphql")


def commit_dates(count: int, start: datetime, end: datetime) -> list[datetime]:
    """`count` commit times spread evenly from `start` to `end` (both inside)."""
    if count <= 0:
        return []
    step = (end - start) / count
    return [(start + step * (i + 0.5)).replace(microsecond=0) for i in range(count)]


def make_items(count: int, start: datetime, *, prs_every: int = 3, author: str = "reporter",
               responder: str = "maintainer", step: timedelta = timedelta(hours=6)) -> list[Item]:
    """`count` items, one every `step`: every `prs_every`-th a PR; most answered after 2 hours."""
    items = []
    for n in range(1, count + 1):
        created = start + step * n
        kind = "pr" if n % prs_every == 0 else "issue"
        comments = [Comment(Person(responder), created + timedelta(hours=2), review=kind == "pr" and n % 2 == 0)]
        closed = created + timedelta(days=1) if n % 2 else None
        items.append(Item(n, kind, Person(author), created, closed or created + timedelta(hours=2),
                          state="closed" if closed else "open", closed_at=closed,
                          merged_at=closed if kind == "pr" and closed else None, comments=comments))
    return items

