"""The one HTTP layer of every remote source: GitHub REST and GraphQL, PyPI, Open Collective.

Sources only turn answers into records; how to talk to a server safely is decided here, once:

* **Retries**: connection errors and 5xx answers are retried with exponential backoff (1, 2, 4, ...
  seconds, at most `backoff_cap`) up to the endpoint's number of attempts. `Retry-After` (seconds or
  an HTTP date) is obeyed on 429, 403 and 5xx answers.
* **Rate limits**: `X-RateLimit-Remaining/Limit/Reset` are read from every answer. When the budget
  runs low the next request waits for the reset with a visible message, or stops with
  `RateLimitStop` when the policy says so (`on_low_budget="stop"`). An exhausted budget (403/429
  with remaining 0) waits for the reset; a secondary limit without `Retry-After` waits 60 s,
  doubling. An endpoint can also have a client-side allowance (requests per minute) that spaces
  its requests (Open Collective's anonymous limit).
* **Conditional requests**: `etag=` sends `If-None-Match`; a 304 comes back as such (GitHub does
  not charge it) and is counted in `not_modified`.
* **Redaction**: every message this layer builds (they can quote the server) has the configured
  tokens replaced by `***`; PyGithub's and urllib3's debug logs are filtered too.
* **Cross-host rules**: redirects are followed here, never by the client library, at most
  `max_redirects` times. Once a redirect leaves the endpoint's origin (scheme, host and port),
  `Authorization`, `Personal-Token`, cookies and every header the endpoint declared secret are
  dropped for the rest of that request, and the library that holds the token is not used.
* **Pagination**: `pages()` follows `Link: rel="next"` up to `max_pages` pages and stops with
  `PaginationStopped` when a next link repeats a page already read.
* **Circuit breaker, per endpoint, per run**: an endpoint that is down (unreachable, or 5xx after
  every attempt) is not asked again for `probe_after` seconds; the first request after that is a
  single attempt (the probe). If the probe fails too, the endpoint is not asked again in this run.
  A host that cannot be reached opens the breaker of every endpoint on that host. A run is one
  `tracker collect` or one scheduler job: each has its own `HttpSession`.
* **Concurrency**: at most `max_concurrency` requests of an endpoint in flight (endpoints of one
  service may share their slots).
* **Several tokens for one API** (GitHub App installations, one per owner): each token has an
  endpoint of its own (`key=`), hence its own budget read from its own answers; they share the
  API's name, so its breaker, and its concurrency slots.

Waits use the session's clock and sleep, so tests inject both and never wait for real.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import requests

from tracker.config import redact_patterns
from tracker.errors import CollectionError

USER_AGENT = "oss-sustainability-tracker"
# Headers that carry credentials: never sent to another origin than the endpoint's own.
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "personal-token",
                            "private-token", "x-api-key"})
REDIRECTS = frozenset({301, 302, 303, 307, 308})
DEFAULT_MAX_BYTES = 64 * 1024 * 1024


# -- errors -------------------------------------------------------------------------------------
class HttpError(CollectionError):
    """A request that could not be completed. `endpoint` names the API, `status` the last answer."""

    def __init__(self, message: str, endpoint: str = "", status: int | None = None):
        super().__init__(message)
        self.endpoint = endpoint
        self.status = status


class Unavailable(HttpError):
    """The endpoint is down: unreachable, or 5xx after every attempt, or its breaker is open."""


class RateLimited(HttpError):
    """The server kept refusing for rate limits after every wait, or asked for too long a wait."""


class RateLimitStop(HttpError):
    """The budget ran low and the policy says stop rather than wait (the next run resumes)."""


class TooLarge(HttpError):
    """An answer larger than the endpoint accepts; not read."""


class PaginationStopped(HttpError):
    """A listing was cut short: the page cap was reached or a next link repeats a page."""


class GraphQLRejected(HttpError):
    """The server rejected the whole GraphQL query (errors and no data), e.g. after a schema change."""


# -- policy -------------------------------------------------------------------------------------
def _int_env(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return max(0, int(raw))
    except ValueError:
        raise CollectionError(f"{name}={raw!r} is not a whole number") from None


@dataclass(frozen=True)
class Policy:
    """The knobs of the HTTP layer; the defaults suit a personal GitHub token."""

    max_attempts: int = 6              # per request, for connection errors, 5xx and rate limits
    backoff_cap: float = 60.0          # longest wait between two attempts after an error
    limit_wait: float = 60.0           # a rate-limit refusal with no Retry-After/reset: this, doubling
    max_wait_seconds: float = 3700.0   # a single wait longer than this is refused (bad header)
    on_low_budget: str = "wait"        # 'wait' for the reset, or 'stop'
    min_remaining: int = 50            # a budget this low waits for its reset
    probe_after: float = 300.0         # an endpoint found down is tried once more after this
    max_pages: int = 2000              # pages of one listing
    max_redirects: int = 5
    max_concurrency: int = 4
    timeout: float = 30.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Policy:
        """The defaults, changed by TRACKER_GITHUB_CONCURRENCY / _ON_RATE_LIMIT / _MIN_REMAINING
        (GitHub is the one API that sends budgets) and TRACKER_HTTP_MAX_PAGES."""
        env = os.environ if env is None else env
        on_low = env.get("TRACKER_GITHUB_ON_RATE_LIMIT", "wait").strip().lower() or "wait"
        if on_low not in ("wait", "stop"):
            raise CollectionError(f"TRACKER_GITHUB_ON_RATE_LIMIT={on_low!r}: expected 'wait' or 'stop'")
        return cls(max_concurrency=max(1, _int_env(env, "TRACKER_GITHUB_CONCURRENCY", 4)),
                   on_low_budget=on_low,
                   min_remaining=_int_env(env, "TRACKER_GITHUB_MIN_REMAINING", 50),
                   max_pages=max(1, _int_env(env, "TRACKER_HTTP_MAX_PAGES", 2000)))


# -- answers ------------------------------------------------------------------------------------
_UNPARSED = object()


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


@dataclass
class Response:
    """A final answer (redirects already followed). Header names are lower case."""

    status: int
    headers: dict[str, str]
    body: bytes | str
    url: str
    _data: Any = field(default=_UNPARSED, repr=False)

    @property
    def data(self) -> Any:
        """The body as JSON, or None (no body, or not JSON)."""
        if self._data is _UNPARSED:
            try:
                # NaN and Infinity are not JSON: an answer carrying them is not JSON either (such a
                # number must never reach the database)
                self._data = json.loads(self.body, parse_constant=_not_json) if self.body else None
            except ValueError:
                self._data = None
        return self._data

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    def link(self, rel: str) -> str | None:
        """The URL of `rel` in the Link header (pagination), resolved against this answer's URL."""
        for item in requests.utils.parse_header_links(self.headers.get("link", "")):
            if item.get("rel") == rel and item.get("url"):
                return urljoin(self.url, item["url"])
        return None

    def message(self) -> str:
        """The server's own short message (`message` or the first GraphQL error), if any."""
        data = self.data
        if isinstance(data, dict):
            if isinstance(data.get("message"), str):
                return data["message"][:300]
            errors = data.get("errors")
            if isinstance(errors, list) and errors and isinstance(errors[0], dict):
                return str(errors[0].get("message") or "")[:300]
            error = data.get("error")
            if isinstance(error, dict) and isinstance(error.get("message"), str):
                return error["message"][:300]
        return ""


class Transport(Protocol):
    """Sends one request without following redirects; raises requests' or OS errors when the
    server cannot be reached."""

    def send(self, method: str, url: str, headers: dict[str, str], body: bytes | None,
             timeout: float, max_bytes: int) -> tuple[int, dict[str, str], bytes | str]: ...


def _ca_bundle() -> str | bool:
    """The CA bundle requests would use from the environment (REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE),
    else its own (certifi)."""
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True


class RequestsTransport:
    """A plain `requests` session: no credentials of its own, no redirects, a size cap."""

    def __init__(self, session: requests.Session | None = None):
        self.session = session or requests.Session()
        self.session.trust_env = False  # no ~/.netrc credentials added behind our back
        # ...but the CA bundle the environment names still applies (a TLS-inspecting company proxy)
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if bundle and session is None:
            self.session.verify = bundle

    def send(self, method: str, url: str, headers: dict[str, str], body: bytes | None,
             timeout: float, max_bytes: int) -> tuple[int, dict[str, str], bytes]:
        # trust_env is off (no .netrc), so the machine's CA bundle is passed as requests itself
        # would read it (a proxy that inspects TLS, or a private CA, has its own certificate).
        resp = self.session.request(method, url, headers=headers, data=body, timeout=timeout,
                                    allow_redirects=False, stream=True, verify=_ca_bundle())
        with resp:
            raw = resp.raw.read(max_bytes + 1, decode_content=True) if resp.raw is not None else b""
        if len(raw) > max_bytes:
            raise TooLarge(f"the answer from {_origin(url)} is larger than {max_bytes} bytes; not read")
        return resp.status_code, {k.lower(): v for k, v in resp.headers.items()}, raw

    def close(self) -> None:
        self.session.close()


# -- secrets in logs ----------------------------------------------------------------------------
_LOG_SECRETS: set[str] = set()


class _RedactSecrets(logging.Filter):
    """Scrubs tokens from PyGithub's and urllib3's debug records (a server could echo one), and
    published token formats (an installation token is logged in the very answer that mints it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        clean = redact_patterns(text, named=False)
        for secret in list(_LOG_SECRETS):
            if secret in clean:
                clean = clean.replace(secret, "***")
        if clean != text:
            record.msg, record.args = clean, None
        return True


for _name in ("github", "github.Requester", "urllib3.connectionpool"):
    logging.getLogger(_name).addFilter(_RedactSecrets())


# -- per-run state ------------------------------------------------------------------------------
@dataclass
class Budget:
    """What the server last said about the endpoint's rate limit, and its client-side allowance."""

    remaining: int | None = None
    limit: int | None = None
    reset: float | None = None          # epoch seconds
    per_minute: int | None = None
    sent: deque[float] = field(default_factory=deque)


@dataclass
class Breaker:
    state: str = "closed"               # closed | open | probing | dead
    opened_at: float = 0.0
    why: str = ""


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _page_key(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}{parts.path}?{sorted(parse_qsl(parts.query))}"


def _retry_after(value: str | None, now: float) -> float | None:
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


def _at(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%H:%M:%S UTC")


class HttpSession:
    """The HTTP state of one run, shared by every source and thread of it: breakers, budgets,
    counters, the clock and sleep, and where progress messages go."""

    def __init__(self, policy: Policy | None = None, *, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep, say: Callable[[str], None] | None = None,
                 secrets: Iterable[str] = (), plain: Transport | None = None):
        self.policy = policy or Policy()
        self.clock = clock
        self.sleep = sleep
        self.say: Callable[[str], None] = say or (lambda message: None)
        self.secrets = [s for s in secrets if s]
        _LOG_SECRETS.update(self.secrets)
        self.plain: Transport = plain or RequestsTransport()
        self.requests = 0
        self.not_modified = 0
        self.points = 0
        self.breakers: dict[str, Breaker] = {}
        self.endpoints: dict[str, Endpoint] = {}
        self.lock = threading.RLock()

    def redact(self, text: str) -> str:
        for secret in list(self.secrets):
            text = text.replace(secret, "***")
        return text

    def add_secret(self, secret: str) -> None:
        """A secret learnt during the run (a minted installation token): redacted from now on."""
        with self.lock:
            if secret and secret not in self.secrets:
                self.secrets.append(secret)
                _LOG_SECRETS.add(secret)

    def endpoint(self, name: str, base_url: str, *, key: str | None = None, **kw: Any) -> Endpoint:
        """The endpoint `key` (default `name`) of this run, made on first use with `kw` (see
        `Endpoint`). Endpoints of one API with several tokens share `name` (the breaker's)."""
        key = key or name
        with self.lock:
            if key not in self.endpoints:
                self.endpoints[key] = Endpoint(self, name, base_url, **kw)
            return self.endpoints[key]

    def count(self, requests: int = 0, not_modified: int = 0, points: int = 0) -> None:
        with self.lock:
            self.requests += requests
            self.not_modified += not_modified
            self.points += points

    # -- the breaker --------------------------------------------------------------------------
    def admit(self, endpoint: Endpoint) -> bool:
        """Before a request: raise Unavailable while the endpoint's breaker is open; True when
        this request is the one probe after `probe_after`."""
        with self.lock:
            b = self.breakers.get(endpoint.name)
            if b is None or b.state == "closed":
                return False
            now = self.clock()
            if b.state == "open" and now >= b.opened_at + self.policy.probe_after:
                b.state = "probing"
                return True
            if b.state == "dead":
                raise Unavailable(f"{b.why}; still failing when tried once more: not trying again in this run",
                                  endpoint.name)
            raise Unavailable(f"{b.why}; not trying again before {_at(b.opened_at + self.policy.probe_after)}",
                              endpoint.name)

    def down(self, endpoint: Endpoint, why: str, probe: bool, host_wide: bool) -> None:
        """Open the breaker (of every endpoint on the host when it cannot be reached)."""
        with self.lock:
            names = [endpoint.name]
            if host_wide:
                names += [e.name for e in self.endpoints.values() if e.netloc == endpoint.netloc]
            for name in names:
                b = self.breakers.setdefault(name, Breaker())
                if probe and name == endpoint.name:
                    b.state = "dead"
                elif b.state in ("closed", "probing"):
                    b.state, b.opened_at, b.why = "open", self.clock(), why

    def reopen(self, endpoint: Endpoint) -> None:
        """A probe that neither succeeded nor found the endpoint down: wait `probe_after` again."""
        with self.lock:
            b = self.breakers.get(endpoint.name)
            if b is not None and b.state == "probing":
                b.state, b.opened_at = "open", self.clock()

    def up(self, endpoint: Endpoint) -> None:
        with self.lock:
            b = self.breakers.get(endpoint.name)
            if b is not None and b.state == "probing":
                b.state = "closed"

    def close(self) -> None:
        closer = getattr(self.plain, "close", None)
        if closer:
            closer()
        for e in list(self.endpoints.values()):
            e.close()


class Endpoint:
    """One API (and token) as a run sees it: its base URL, headers (credentials among them),
    transport, budget, breaker and concurrency slots. Make it with `HttpSession.endpoint`.
    `who` names the token in rate-limit messages when the API has several."""

    def __init__(self, session: HttpSession, name: str, base_url: str, *,
                 headers: Mapping[str, str] | None = None, secret_headers: Iterable[str] = (),
                 transport: Transport | None = None, max_attempts: int | None = None,
                 per_minute: int | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                 slots: threading.Semaphore | None = None, who: str = ""):
        self.session = session
        self.name = name
        self.title = f"{name} ({who})" if who else name
        self.base_url = base_url.rstrip("/")
        self.origin = _origin(self.base_url)
        self.netloc = urlsplit(self.base_url).netloc.lower()
        self.headers = {"User-Agent": USER_AGENT, **(headers or {})}
        self.secret = SECRET_HEADERS | {h.lower() for h in secret_headers}
        self.transport = transport or session.plain
        self.max_attempts = max_attempts or session.policy.max_attempts
        self.max_bytes = max_bytes
        self.budget = Budget(per_minute=per_minute)
        self.slots = slots or threading.BoundedSemaphore(session.policy.max_concurrency)
        self.requests = 0
        self._lock = threading.Lock()

    @property
    def policy(self) -> Policy:
        return self.session.policy

    def url(self, path_or_url: str, params: Mapping[str, Any] | None = None) -> str:
        url = path_or_url if "://" in path_or_url else self.base_url + "/" + path_or_url.lstrip("/")
        if params:
            url += ("&" if "?" in url else "?") + urlencode(list(params.items()))
        return url

    # -- one request --------------------------------------------------------------------------
    def request(self, method: str, path_or_url: str, *, params: Mapping[str, Any] | None = None,
                json_body: Any = None, headers: Mapping[str, str] | None = None, etag: str | None = None,
                what: str = "") -> Response:
        """Send a request with this layer's policy; returns the final answer (any status under
        500 that is not a rate-limit refusal). Raises Unavailable, RateLimited, RateLimitStop,
        TooLarge or HttpError; their messages are redacted."""
        url = self.url(path_or_url, params)
        what = what or url
        hdrs = {**self.headers, **(headers or {})}
        if etag:
            hdrs["If-None-Match"] = etag
        body = None
        if json_body is not None:
            body = json.dumps(json_body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        probe = self.session.admit(self)
        try:
            return self._attempts(method, url, hdrs, body, what, probe)
        except BaseException:
            if probe:
                self.session.reopen(self)   # the probe ended some other way (rate limit, stop): later
            raise

    def _attempts(self, method: str, url: str, hdrs: dict[str, str], body: bytes | None, what: str,
                  probe: bool) -> Response:
        attempts = 1 if probe else self.max_attempts
        attempt = 0
        while True:
            self._await_budget()
            try:
                with self.slots:
                    resp = self._send(method, url, hdrs, body, what)
            except (requests.exceptions.RequestException, OSError) as exc:
                why = self.session.redact(f"cannot reach {self.origin} ({type(exc).__name__})")
                attempt = self._retry_or_give_up(attempt, attempts, why, probe, host_wide=True)
                continue
            self._note_budget(resp.headers)
            wait = self._rate_wait(resp, attempt)
            if wait is not None:
                seconds, why, stoppable = wait
                if attempt + 1 >= attempts:
                    raise RateLimited(self.session.redact(
                        f"{what}: {self.title} rate limit still exceeded after {attempt + 1} attempts ({why}); "
                        "try later"), self.name, resp.status)
                self._pause(seconds, why, stoppable)
                attempt += 1
                continue
            if resp.status >= 500:
                why = self.session.redact(f"{self.name} answered {resp.status} for {what}")
                later = _retry_after(resp.headers.get("retry-after"), self.session.clock())
                attempt = self._retry_or_give_up(attempt, attempts, why, probe, host_wide=False, delay=later)
                continue
            self.session.up(self)
            if resp.status == 304:
                self.session.count(not_modified=1)
            return resp

    def _retry_or_give_up(self, attempt: int, attempts: int, why: str, probe: bool, host_wide: bool,
                          delay: float | None = None) -> int:
        if attempt + 1 >= attempts:
            self.session.down(self, why, probe, host_wide)
            if probe:
                raise Unavailable(f"{why}; still failing when tried once more: not trying again in this run",
                                  self.name)
            raise Unavailable(f"{why}; gave up after {attempt + 1} attempts", self.name)
        seconds = delay if delay is not None else min(self.policy.backoff_cap, 2.0 ** attempt)
        if seconds > self.policy.max_wait_seconds:
            raise Unavailable(f"{why}; the server asks for a wait of {seconds / 60:.0f} minutes: giving up",
                              self.name)
        self.session.say(f"{why}: retrying in {seconds:.0f}s")
        self.session.sleep(seconds)
        return attempt + 1

    def _send(self, method: str, url: str, headers: dict[str, str], body: bytes | None,
              what: str) -> Response:
        """One attempt, following redirects here: credentials never leave the endpoint's origin."""
        crossed = False
        for _ in range(self.policy.max_redirects + 1):
            crossed = crossed or _origin(url) != self.origin
            if crossed:
                headers = {k: v for k, v in headers.items() if k.lower() not in self.secret}
            transport = self.session.plain if crossed else self.transport
            with self._lock:
                self.requests += 1
            self.session.count(requests=1)
            status, raw_headers, raw = transport.send(method, url, dict(headers), body, self.policy.timeout,
                                                      self.max_bytes)
            h = {k.lower(): v for k, v in raw_headers.items()}
            if status in REDIRECTS and h.get("location"):
                if status == 303 or (status in (301, 302) and method == "POST"):
                    method, body = "GET", None
                    headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
                url = urljoin(url, h["location"])
                continue
            return Response(status, h, raw, url)
        raise HttpError(self.session.redact(f"{what}: more than {self.policy.max_redirects} redirects"),
                        self.name)

    # -- rate limits --------------------------------------------------------------------------
    def _note_budget(self, headers: Mapping[str, str]) -> None:
        b = self.budget
        try:
            with self._lock:
                if "x-ratelimit-remaining" in headers:
                    b.remaining = int(float(headers["x-ratelimit-remaining"]))
                if "x-ratelimit-limit" in headers:
                    b.limit = int(float(headers["x-ratelimit-limit"]))
                if "x-ratelimit-reset" in headers:
                    b.reset = float(headers["x-ratelimit-reset"])
        except ValueError:
            pass

    def _pause(self, seconds: float, why: str, stoppable: bool) -> None:
        seconds = max(0.0, seconds)
        if stoppable and self.policy.on_low_budget == "stop":
            raise RateLimitStop(self.session.redact(
                f"{why}; stopping as asked (resumes where it stopped on the next run)"), self.name)
        if seconds > self.policy.max_wait_seconds:
            raise RateLimited(self.session.redact(
                f"{why}: the server asks for a wait of {seconds / 60:.0f} minutes; giving up"), self.name)
        self.session.say(f"{why}: pausing {seconds:.0f}s")
        self.session.sleep(seconds)

    def _await_budget(self) -> None:
        """Before a request: keep to the per-minute allowance, and wait for the reset (or stop)
        when the server's budget is low."""
        b = self.budget
        clock, sleep = self.session.clock, self.session.sleep
        with self._lock:
            if b.per_minute:
                now = clock()
                while b.sent and b.sent[0] <= now - 60:
                    b.sent.popleft()
                if len(b.sent) >= b.per_minute:
                    sleep(b.sent[0] + 60 - now)
                    now = clock()
                    while b.sent and b.sent[0] <= now - 60:
                        b.sent.popleft()
                b.sent.append(now)
            if b.remaining is None or b.reset is None:
                return
            floor = min(self.policy.min_remaining, max(1, (b.limit or 60) // 10))
            if b.remaining > floor:
                return
            wait = b.reset - clock() + 1
            if wait <= 0:
                return
            self._pause(wait, f"{self.title} rate limit low ({b.remaining} of {b.limit} left, "
                              f"resets at {_at(b.reset)})", stoppable=True)
            b.remaining = None  # unknown until the next answer

    def _rate_wait(self, resp: Response, attempt: int) -> tuple[float, str, bool] | None:
        """(seconds, why, stoppable) when the answer is a rate-limit refusal to wait out."""
        h = resp.headers
        status = resp.status
        now = self.session.clock()
        later = _retry_after(h.get("retry-after"), now)
        if status in (403, 429) and later is not None:
            return later, f"{self.title} asked to slow down ({status}, Retry-After {later:.0f}s)", False
        if status not in (403, 429):
            return None
        if h.get("x-ratelimit-remaining") == "0" and "x-ratelimit-reset" in h:
            try:
                reset = float(h["x-ratelimit-reset"])
            except ValueError:
                reset = now + self.policy.limit_wait
            return reset - now + 1, f"{self.title} rate limit exhausted (resets at {_at(reset)})", True
        low = resp.message().lower()
        if status == 429 or "secondary rate limit" in low or "abuse" in low:
            return (self.policy.limit_wait * 2 ** attempt,
                    f"{self.title} secondary rate limit ({status})", False)
        return None

    # -- listings and GraphQL -----------------------------------------------------------------
    def pages(self, path_or_url: str, *, params: Mapping[str, Any] | None = None, etag: str | None = None,
              what: str = "", max_pages: int | None = None) -> Iterator[Response]:
        """The first answer, then each `rel="next"` page. Stops with PaginationStopped after
        `max_pages` pages or when a next link repeats a page already read."""
        cap = max_pages or self.policy.max_pages
        url = self.url(path_or_url, params)
        what = what or url
        resp = self.request("GET", url, etag=etag, what=what)
        seen = {_page_key(url)}
        read = 1
        yield resp
        while resp.status == 200 and (nxt := resp.link("next")):
            key = _page_key(nxt)
            if key in seen:
                raise PaginationStopped(f"{what}: the next-page link of page {read} points to a page already "
                                        "read; listing stopped", self.name)
            if read >= cap:
                raise PaginationStopped(f"{what}: stopped after {cap} pages (the page cap, "
                                        "TRACKER_HTTP_MAX_PAGES)", self.name)
            seen.add(key)
            read += 1
            resp = self.request("GET", nxt, what=f"{what} (page {read})")
            yield resp

    def graphql(self, query: str, variables: Mapping[str, Any], *, what: str = "GraphQL query"
                ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """POST a query; returns (data, errors): partial data comes back with its errors.

        Raises GraphQLRejected when the answer has errors and no data (the whole query refused),
        HttpError(status=...) for an answer other than 200, and waits out a RATE_LIMITED error.
        """
        attempt = 0
        while True:
            resp = self.request("POST", self.base_url, json_body={"query": query, "variables": dict(variables)},
                                what=what)
            body = resp.data
            if resp.status != 200 or not isinstance(body, dict):
                detail = resp.message()
                raise HttpError(self.session.redact(
                    f"{what}: {self.name} answered {resp.status}" + (f" ({detail})" if detail else "")),
                    self.name, resp.status)
            errors = [e for e in body.get("errors") or [] if isinstance(e, dict)]
            if any(e.get("type") == "RATE_LIMITED" for e in errors) and attempt + 1 < self.max_attempts:
                reset = self.budget.reset or (self.session.clock() + self.policy.limit_wait)
                self._pause(reset - self.session.clock() + 1,
                            f"{self.title} rate limit exhausted (resets at {_at(reset)})", stoppable=True)
                attempt += 1
                continue
            data = body.get("data")
            if not isinstance(data, dict):
                messages = "; ".join(sorted({str(e.get("message", e.get("type", "error")))[:160]
                                             for e in errors})[:3]) or "no data and no reason given"
                raise GraphQLRejected(self.session.redact(f"{what}: {self.name} rejected the query: {messages}"),
                                      self.name, resp.status)
            return data, errors

    def close(self) -> None:
        closer = getattr(self.transport, "close", None)
        if closer and self.transport is not self.session.plain:
            closer()
