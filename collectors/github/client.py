"""GitHub's two APIs on the shared HTTP layer: REST through PyGithub's requester, GraphQL over requests.

Retries, Retry-After, the rate-limit budgets (`X-RateLimit-*`, read per endpoint: REST is GitHub's
`core` budget, GraphQL its `graphql` budget), ETags, redaction, the cross-host rules, pagination
caps and the run's circuit breaker all live in collectors/http.py. This module only adds what is
GitHub's own: which answers mean "not found" (404), "blocked" (451), "empty repository" (409) or
"bad token" (401), the GraphQL points a query cost, and the token hint.

PyGithub is built with `retry=None` and no request spacing so that every wait is the layer's, on
the run's clock. PyGithub follows a same-host 301 (a renamed repository) itself; every other
redirect comes back to the layer, which follows it without the token when it leaves the host.
It retries a 202 with real sleeps, so statistics endpoints (which answer 202) are never called.

One client is one token: GITHUB_TOKEN (or none), or the installation token a GitHub App minted
for one owner (collectors/github/app.py routes each owner to its client). Each client has its own
endpoints, so its own rate-limit budgets; the breaker and the concurrency slots are the API's.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

from github import Auth, Github

from collectors.http import GraphQLRejected, HttpError, HttpSession, Response
from tracker.config import Config
from tracker.errors import CollectionError

USER_AGENT = "oss-sustainability-tracker"
REST = "GitHub REST"
GRAPHQL = "GitHub GraphQL"
UNAUTHENTICATED_HINT = (
    "no GITHUB_TOKEN or GH_TOKEN set: GitHub allows only 60 requests an hour without a token and no "
    "GraphQL, so they go to repository details and releases; issues, first responses, contributors, "
    "funding links and Sponsors stay unknown. Set GITHUB_TOKEN (a token without scopes is enough) for full data"
)


class NotFoundError(CollectionError):
    """404: the repository was deleted, made private, or never existed."""


class BlockedError(CollectionError):
    """451: GitHub blocks access (DMCA takedown or legal reasons)."""


class EmptyRepositoryError(CollectionError):
    """409 'Git Repository is empty'."""


class CurrentToken(Auth.Auth):
    """PyGithub's token authentication with the token read at each request (an installation's is
    renewed before it expires); masked in PyGithub's debug log as Auth.Token is."""

    def __init__(self, current: Callable[[], str]):
        self._current = current

    @property
    def token_type(self) -> str:
        return "token"

    @property
    def token(self) -> str:
        return self._current()

    @property
    def _masked_token(self) -> str:
        return "token (removed)"


class BearerTransport:
    """GraphQL's transport for one token: the plain session with the current token added. The
    layer uses it only on the API's own origin (it switches to the plain one once a redirect
    leaves it), so the token never goes elsewhere."""

    def __init__(self, plain, current: Callable[[], str]):
        self.plain = plain
        self.current = current

    def send(self, method: str, url: str, headers: dict[str, str], body: bytes | None,
             timeout: float, max_bytes: int):
        return self.plain.send(method, url, {**headers, "Authorization": f"bearer {self.current()}"}, body,
                               timeout, max_bytes)


class PyGithubTransport:
    """Sends a request through PyGithub's requester (which adds the token). Used only for URLs on
    the API's own origin: the HTTP layer switches to a plain session for any other."""

    def __init__(self, gh: Github):
        self.gh = gh
        self.requester = gh.requester

    def send(self, method: str, url: str, headers: dict[str, str], body: bytes | None,
             timeout: float, max_bytes: int) -> tuple[int, dict[str, str], str]:
        try:
            status, h, output = self.requester.requestJson(
                method, url, headers=headers, input=json.loads(body) if body else None)
        except RuntimeError as exc:  # PyGithub refuses a 301 to another host or scheme
            raise HttpError(f"{url}: GitHub redirected elsewhere; not followed ({str(exc)[:120]})", REST) from None
        return status, h, output or ""


class GitHubClient:
    """REST + GraphQL with one token for one run; thread-safe (the collector fetches some parts side
    by side). The run's default client uses GITHUB_TOKEN (or none); a GitHub App installation's
    client gets `token` (read at each request), `who` (named in its messages and its endpoints)
    and the default client's `slots`."""

    def __init__(self, config: Config, http: HttpSession, token: Callable[[], str] | None = None, *,
                 who: str = "", slots: threading.Semaphore | None = None):
        if token is None and not who and config.github_token:
            fixed = config.github_token
            token = lambda: fixed  # noqa: E731
        self.config = config
        self.http = http
        self.who = who
        self.token_name = f"the GitHub App's installation token ({who})" if who else "GITHUB_TOKEN or GH_TOKEN"
        self.authenticated = token is not None
        policy = http.policy
        self._gh = Github(auth=CurrentToken(token) if token else None, base_url=config.github_api_url,
                          per_page=100, retry=None, seconds_between_requests=None, seconds_between_writes=None,
                          timeout=int(policy.timeout), pool_size=policy.max_concurrency, user_agent=USER_AGENT)
        # REST and GraphQL together, and every token's client of the run
        self.slots = slots or threading.BoundedSemaphore(policy.max_concurrency)
        self.rest = http.endpoint(REST, config.github_api_url, key=f"{REST} {who}".strip(), who=who,
                                  transport=PyGithubTransport(self._gh), slots=self.slots)
        self.graph = http.endpoint(GRAPHQL, config.github_graphql_url, key=f"{GRAPHQL} {who}".strip(), who=who,
                                   headers={"Accept": "application/json"},
                                   transport=BearerTransport(http.plain, token) if token else None, slots=self.slots)
        self.rejected: dict[str, str] = {}   # GraphQL operation -> why GitHub rejected it (not resent)
        self._lock = threading.Lock()

    @property
    def settings(self):
        return self.http.policy

    def count_extra_request(self) -> None:
        """A request PyGithub made on its own (following a 301) that we only learn of afterwards."""
        self.http.count(requests=1)

    # -- REST -------------------------------------------------------------------------------------
    def _check(self, resp: Response, what: str) -> Response:
        if resp.status in (200, 204, 304):
            return resp
        message = resp.message()
        detail = f" ({message})" if message else ""
        redact = self.http.redact
        if resp.status == 404:
            raise NotFoundError(f"{what}: not found on GitHub (404): deleted, private or renamed away")
        if resp.status == 451:
            raise BlockedError(redact(f"{what}: access blocked by GitHub (451){detail}"))
        if resp.status == 409:
            raise EmptyRepositoryError(redact(f"{what}: repository is empty (409){detail}"))
        if resp.status == 401:
            raise CollectionError(f"GitHub rejected the token (401 Bad credentials): check {self.token_name}")
        raise HttpError(redact(f"{what}: GitHub answered {resp.status}{detail}"), REST, resp.status)

    def get(self, url: str, params: dict[str, Any] | None = None, etag: str | None = None,
            what: str = "") -> Response:
        """GET a REST path (or a full URL from a Link header). 304 when `etag` still matches."""
        what = what or url
        return self._check(self.rest.request("GET", url, params=params, etag=etag, what=what), what)

    def pages(self, url: str, params: dict[str, Any] | None = None, etag: str | None = None,
              what: str = "") -> Iterator[Response]:
        """A listing page by page (page cap and repeat detection from the HTTP layer)."""
        what = what or url
        for resp in self.rest.pages(url, params=params, etag=etag, what=what):
            yield self._check(resp, what)

    # -- GraphQL ----------------------------------------------------------------------------------
    def graphql(self, query: str, variables: dict[str, Any], what: str = "GraphQL query"
                ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Run a query; returns (data, errors): partial data comes back with its errors.

        A query GitHub rejected as a whole (errors, no data: e.g. after a schema change) raises
        GraphQLRejected, and the same operation is not sent again in this run. The query should
        select `rateLimit { cost ... }`: its cost is counted as points.
        """
        if not self.authenticated:
            raise CollectionError("GitHub GraphQL needs a token (set GITHUB_TOKEN or GH_TOKEN)")
        operation = query.split("(", 1)[0].split("{", 1)[0].strip()
        with self._lock:
            if operation in self.rejected:
                raise GraphQLRejected(self.rejected[operation], GRAPHQL, 200)
        try:
            data, errors = self.graph.graphql(query, variables, what=what)
        except GraphQLRejected as exc:
            with self._lock:
                self.rejected[operation] = f"{exc} (not sent again in this run)"
            raise
        except HttpError as exc:
            if exc.status == 401:
                raise CollectionError(f"GitHub rejected the token (401 Bad credentials): check {self.token_name}"
                                      ) from None
            raise
        cost = (data.get("rateLimit") or {}).get("cost") if isinstance(data.get("rateLimit"), dict) else None
        self.http.count(points=int(cost) if isinstance(cost, int | float) else 1)
        return data, errors

    def close(self) -> None:
        self._gh.close()
