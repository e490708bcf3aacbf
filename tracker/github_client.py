"""The one HTTP layer for GitHub: REST through PyGithub's requester, GraphQL over requests.

Everything about talking to GitHub safely lives here, so collectors only turn answers into rows:

* conditional GETs (`If-None-Match`), answered 304 for free when nothing changed;
* primary rate limits: `X-RateLimit-Remaining/Reset` are read from every answer; when the budget
  runs low the client pauses until the reset with a visible message, or stops if asked to;
* secondary limits: a 403/429 with `Retry-After` is obeyed; without it, an exponential wait;
* 5xx answers and connection errors are retried with backoff;
* at most `max_concurrency` requests in flight at once;
* every request and every GraphQL point is counted (the collector copies them into its run);
* the token is sent only in the Authorization header and is redacted from every message.

PyGithub is built with `retry=None` and no request spacing so that the waits above are ours, on
the injected clock and sleep (tests wait no real time). PyGithub follows 301 redirects itself and
retries a 202 with real sleeps, so statistics endpoints (which answer 202) are never called.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests
from github import Auth, Github

from tracker.config import Config, redact
from tracker.errors import CollectionError

USER_AGENT = "oss-sustainability-tracker"
UNAUTHENTICATED_HINT = (
    "no GITHUB_TOKEN or GH_TOKEN set: GitHub allows only 60 REST requests an hour without a token "
    "and no GraphQL at all, so stars/issue counts by kind, first responses, funding links and "
    "Sponsors data stay unknown; set GITHUB_TOKEN (a token without scopes is enough) for full data"
)


class NotFoundError(CollectionError):
    """404: the repository was deleted, made private, or never existed."""


class BlockedError(CollectionError):
    """451: GitHub blocks access (DMCA takedown or legal reasons)."""


class EmptyRepositoryError(CollectionError):
    """409 'Git Repository is empty'."""


class RateLimitStop(CollectionError):
    """The budget ran low and the user asked to stop rather than wait."""


@dataclass
class Budget:
    """What GitHub last said about one rate-limit resource ('core' or 'graphql')."""

    remaining: int | None = None
    limit: int | None = None
    reset: float | None = None  # epoch seconds


@dataclass
class Reply:
    status: int                 # 200, 204 or 304
    headers: dict[str, str]
    data: Any                   # parsed JSON; None for 204/304
    url: str

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    def link(self, rel: str) -> str | None:
        """The `rel` URL of the Link header (GitHub's pagination)."""
        for item in requests.utils.parse_header_links(self.headers.get("link", "")):
            if item.get("rel") == rel:
                return item.get("url")
        return None


@dataclass
class Settings:
    """Knobs of the client; defaults suit a personal token."""

    max_concurrency: int = 4
    on_low_budget: str = "wait"       # 'wait' until the reset, or 'stop'
    min_remaining: int = 50           # pause when fewer requests than this are left
    max_attempts: int = 6             # per request, for 5xx / connection errors / secondary limits
    unreachable_pause: float = 300.0  # after giving up on an unreachable API, fail fast for this long
    timeout: int = 30
    max_wait_seconds: float = 3700.0  # a single wait longer than this is refused (bad reset header)


_SECRETS: set[str] = set()


class _RedactSecrets(logging.Filter):
    """Scrubs tokens from PyGithub's and urllib3's debug log records (a server could echo one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _SECRETS:
            text = record.getMessage()
            if any(secret in text for secret in _SECRETS):
                for secret in _SECRETS:
                    text = text.replace(secret, "***")
                record.msg, record.args = text, None
        return True


for _name in ("github", "github.Requester", "urllib3.connectionpool"):
    logging.getLogger(_name).addFilter(_RedactSecrets())


def _message(data: Any) -> str:
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return data["message"][:300]
    return ""


@dataclass
class GitHubClient:
    """REST + GraphQL client with rate-limit safety. One per collection process, shared by threads."""

    config: Config
    settings: Settings = field(default_factory=Settings)
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    say: Callable[[str], None] = print

    def __post_init__(self) -> None:
        token = self.config.github_token
        self.authenticated = bool(token)
        self._gh = Github(
            auth=Auth.Token(token) if token else None,
            base_url=self.config.github_api_url,
            per_page=100,
            retry=None,
            seconds_between_requests=None,
            seconds_between_writes=None,
            timeout=self.settings.timeout,
            pool_size=self.settings.max_concurrency,
            user_agent=USER_AGENT,
        )
        self._requester = self._gh.requester
        self._http = requests.Session()
        self._http.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
        if token:
            self._http.headers["Authorization"] = f"bearer {token}"
        _SECRETS.update(self.config.secrets())
        self._slots = threading.BoundedSemaphore(self.settings.max_concurrency)
        self._lock = threading.Lock()
        self.budgets = {"core": Budget(), "graphql": Budget()}
        self.requests = 0
        self.points = 0
        self.not_modified = 0
        self.unreachable_until = 0.0   # network down: later projects fail at once instead of retrying
        self.unreachable_why = ""

    # -- bookkeeping --------------------------------------------------------------------------
    def _redact(self, text: str) -> str:
        return redact(text, self.config)

    def _note_headers(self, headers: dict[str, Any], default: str) -> None:
        h = {k.lower(): v for k, v in headers.items()}
        resource = h.get("x-ratelimit-resource", default)
        budget = self.budgets.setdefault(resource if resource in self.budgets else default, Budget())
        try:
            if "x-ratelimit-remaining" in h:
                budget.remaining = int(float(h["x-ratelimit-remaining"]))
            if "x-ratelimit-limit" in h:
                budget.limit = int(float(h["x-ratelimit-limit"]))
            if "x-ratelimit-reset" in h:
                budget.reset = float(h["x-ratelimit-reset"])
        except ValueError:
            pass

    def count_extra_request(self) -> None:
        """A request PyGithub made on its own (following a 301) that we only learn of afterwards."""
        with self._lock:
            self.requests += 1

    # -- waiting ------------------------------------------------------------------------------
    def _until(self, reset: float) -> str:
        return datetime.fromtimestamp(reset, UTC).strftime("%H:%M:%S UTC")

    def _pause(self, seconds: float, why: str, stoppable: bool = True) -> None:
        seconds = max(0.0, seconds)
        if stoppable and self.settings.on_low_budget == "stop":
            raise RateLimitStop(f"{why}; stopping as asked (resumes where it stopped on the next run)")
        if seconds > self.settings.max_wait_seconds:
            raise CollectionError(f"{why}: GitHub asks for a wait of {seconds / 60:.0f} minutes; giving up")
        self.say(f"{why}: pausing {seconds:.0f}s")
        self.sleep(seconds)

    def _await_budget(self, resource: str) -> None:
        """Before a request: if the resource's budget is low, wait for its reset (or stop)."""
        with self._lock:
            b = self.budgets[resource]
            if b.remaining is None or b.reset is None:
                return
            floor = min(self.settings.min_remaining, max(1, (b.limit or 60) // 10))
            if b.remaining > floor:
                return
            wait = b.reset - self.clock() + 1
            if wait <= 0:
                return
            self._pause(wait, f"GitHub {resource} rate limit low ({b.remaining} of {b.limit} left, "
                              f"resets at {self._until(b.reset)})")
            b.remaining = None  # unknown until the next answer

    def _check_reachable(self) -> None:
        """Fail at once while the API is known to be unreachable (so that with the network down a
        collection of many projects does not sit through every project's retries)."""
        if self.unreachable_until and self.clock() < self.unreachable_until:
            raise CollectionError(self._redact(
                f"{self.unreachable_why}; not trying again before {self._until(self.unreachable_until)}"))

    def _backoff(self, attempt: int, why: str, unreachable: bool = False) -> None:
        if attempt + 1 >= self.settings.max_attempts:
            if unreachable:
                self.unreachable_until = self.clock() + self.settings.unreachable_pause
                self.unreachable_why = self._redact(why)
            raise CollectionError(self._redact(f"{why}; gave up after {attempt + 1} attempts"))
        delay = min(60.0, 2.0 ** attempt)
        self.say(f"{why}: retrying in {delay:.0f}s")
        self.sleep(delay)

    def _limited(self, status: int, headers: dict[str, Any], message: str, resource: str,
                 attempt: int) -> bool:
        """Handle a 403/429 that is a rate limit by waiting; False if it is a plain refusal."""
        h = {k.lower(): v for k, v in headers.items()}
        low = message.lower()
        if "retry-after" in h:
            try:
                seconds = float(h["retry-after"])
            except ValueError:
                seconds = 60.0
            if attempt + 1 >= self.settings.max_attempts:
                raise CollectionError(f"GitHub keeps asking to slow down (secondary rate limit, {status})")
            self._pause(seconds, f"GitHub asked to slow down ({status}, Retry-After {seconds:.0f}s)",
                        stoppable=False)
            return True
        if h.get("x-ratelimit-remaining") == "0" and "x-ratelimit-reset" in h:
            reset = float(h["x-ratelimit-reset"])
            self._pause(reset - self.clock() + 1,
                        f"GitHub {resource} rate limit exhausted (resets at {self._until(reset)})")
            return True
        if "secondary rate limit" in low or "abuse" in low or status == 429:
            if attempt + 1 >= self.settings.max_attempts:
                raise CollectionError(f"GitHub keeps reporting a secondary rate limit ({status})")
            self._pause(60.0 * 2 ** attempt, f"GitHub secondary rate limit ({status})", stoppable=False)
            return True
        return False

    # -- REST -----------------------------------------------------------------------------------
    def get(self, url: str, params: dict[str, Any] | None = None, etag: str | None = None,
            what: str = "") -> Reply:
        """GET a REST path (or a full URL from a Link header). 304 when `etag` still matches.

        Raises NotFoundError (404), BlockedError (451), EmptyRepositoryError (409) and
        CollectionError for anything else it cannot get past.
        """
        what = what or url
        headers = {"If-None-Match": etag} if etag else {}
        attempt = 0
        while True:
            self._check_reachable()
            self._await_budget("core")
            try:
                with self._slots:
                    with self._lock:
                        self.requests += 1
                    status, raw_headers, output = self._requester.requestJson(
                        "GET", url, parameters=params, headers=dict(headers))
            except requests.exceptions.RequestException as exc:
                self._backoff(attempt, self._redact(f"cannot reach {self.config.github_api_url} "
                                                    f"({type(exc).__name__})"), unreachable=True)
                attempt += 1
                continue
            h = {k.lower(): v for k, v in raw_headers.items()}
            self._note_headers(h, "core")
            try:
                data = json.loads(output) if output else None
            except ValueError:
                data = None
            if status in (403, 429) and self._limited(status, h, _message(data), "core", attempt):
                attempt += 1
                continue
            if status >= 500:
                self._backoff(attempt, f"GitHub answered {status} for {what}")
                attempt += 1
                continue
            if status >= 400 or status not in (200, 204, 304):
                raise self._error(status, _message(data), what)
            if status == 304:
                with self._lock:
                    self.not_modified += 1
                data = None
            return Reply(status, h, data, url)

    def _error(self, status: int, message: str, what: str) -> CollectionError:
        detail = f" ({message})" if message else ""
        if status == 404:
            return NotFoundError(f"{what}: not found on GitHub (404): deleted, private or renamed away")
        if status == 451:
            return BlockedError(self._redact(f"{what}: access blocked by GitHub (451){detail}"))
        if status == 409:
            return EmptyRepositoryError(self._redact(f"{what}: repository is empty (409){detail}"))
        if status == 401:
            return CollectionError("GitHub rejected the token (401 Bad credentials): check GITHUB_TOKEN "
                                   "or GH_TOKEN")
        return CollectionError(self._redact(f"{what}: GitHub answered {status}{detail}"))

    # -- GraphQL ----------------------------------------------------------------------------------
    def graphql(self, query: str, variables: dict[str, Any], what: str = "GraphQL query"
                ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Run a query; returns (data, errors). Partial data comes back with its errors.

        The query should select `rateLimit { cost remaining resetAt limit }`: its cost is counted.
        """
        if not self.authenticated:
            raise CollectionError("GitHub GraphQL needs a token (set GITHUB_TOKEN or GH_TOKEN)")
        attempt = 0
        while True:
            self._check_reachable()
            self._await_budget("graphql")
            try:
                with self._slots:
                    with self._lock:
                        self.requests += 1
                    resp = self._http.post(self.config.github_graphql_url,
                                           json={"query": query, "variables": variables},
                                           timeout=self.settings.timeout)
            except requests.exceptions.RequestException as exc:
                self._backoff(attempt, self._redact(f"cannot reach {self.config.github_graphql_url} "
                                                    f"({type(exc).__name__})"), unreachable=True)
                attempt += 1
                continue
            self._note_headers(dict(resp.headers), "graphql")
            try:
                body = resp.json()
            except ValueError:
                body = None
            message = _message(body)
            if resp.status_code in (403, 429) and self._limited(
                    resp.status_code, dict(resp.headers), message, "graphql", attempt):
                attempt += 1
                continue
            if resp.status_code >= 500:
                self._backoff(attempt, f"GitHub GraphQL answered {resp.status_code} for {what}")
                attempt += 1
                continue
            if resp.status_code != 200 or not isinstance(body, dict):
                raise self._error(resp.status_code, message, what)
            errors = [e for e in body.get("errors") or [] if isinstance(e, dict)]
            if any(e.get("type") == "RATE_LIMITED" for e in errors):
                reset = self.budgets["graphql"].reset or (self.clock() + 60)
                self._pause(reset - self.clock() + 1,
                            f"GitHub GraphQL rate limit exhausted (resets at {self._until(reset)})")
                attempt += 1
                continue
            data = body.get("data") or {}
            cost = (data.get("rateLimit") or {}).get("cost") if isinstance(data, dict) else None
            with self._lock:
                self.points += int(cost) if isinstance(cost, int | float) else 1
            return data, errors

    def close(self) -> None:
        self._http.close()
        self._gh.close()
