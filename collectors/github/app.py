"""Tokens per owner from one GitHub App: each owner (organisation or user) that installed the App
gets the token of its own installation, used only for that owner's repositories.

This is the one lawful form of "several tokens" (docs/scaling.md): GitHub gives each installation
its own rate-limit budget for the repositories of the account that installed the App. Routing an
owner's repositories through another owner's installation (or anybody's personal token) to get
past a limit is what GitHub's terms forbid, so an owner is never moved to another installation;
an owner without an installation (or whose token could not be minted) uses GITHUB_TOKEN, or no
token, as without an App.

PyGithub does the App's part: `Auth.AppAuth` signs the RS256 JWT (PyJWT + cryptography) and
`GithubIntegration` lists the installations (`GET /app/installations`, paginated) and mints a
token (`POST /app/installations/{id}/access_tokens`), against GITHUB_API_URL. Installations are
listed once per run; a token is minted on the owner's first use and again when less than
`RENEW_BEFORE` seconds of its hour are left, on the run's clock (never by sleeping). Tokens and
the private key are added to the run's redaction as soon as they are known.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import jwt
import requests
from github import Auth, GithubException, GithubIntegration

from collectors.github.client import USER_AGENT, GitHubClient
from collectors.http import HttpSession
from tracker.config import Config
from tracker.errors import CollectionError, TrackerError

RENEW_BEFORE = 300.0    # seconds of a token's life left when it is minted again
TOKEN_LIFE = 3600.0     # what GitHub gives when an answer has no `expires_at`


def _why(exc: Exception) -> str:
    if isinstance(exc, GithubException):
        message = exc.data.get("message") if isinstance(exc.data, dict) else None
        return f"GitHub answered {exc.status}" + (f": {str(message)[:200]}" if message else "")
    if isinstance(exc, requests.exceptions.RequestException | OSError):
        return f"cannot reach GitHub ({type(exc).__name__})"
    if isinstance(exc, jwt.PyJWTError):
        return f"the App's private key cannot sign its JWT ({type(exc).__name__}); check GITHUB_APP_PRIVATE_KEY_PATH"
    return str(exc)[:200] or type(exc).__name__


class AppTokens:
    """The configured App's installations and their tokens, for one run (thread-safe)."""

    def __init__(self, config: Config, http: HttpSession):
        self.config = config
        self.http = http
        self._app: GithubIntegration | None = None
        self._accounts: dict[str, int] | None = None     # account login, lower case -> installation id
        self._tokens: dict[int, tuple[str, float]] = {}  # installation id -> (token, expires at, epoch)
        self._lock = threading.Lock()

    def _integration(self) -> GithubIntegration:
        if self._app is None:
            key = self.config.github_app_key()
            self.http.add_secret(key.strip())
            self._app = GithubIntegration(
                auth=Auth.AppAuth(self.config.github_app_id or "", key), base_url=self.config.github_api_url,
                per_page=100, retry=None, seconds_between_requests=None, seconds_between_writes=None,
                timeout=int(self.http.policy.timeout), user_agent=USER_AGENT)
        return self._app

    def _call(self, what: str, call: Callable):
        try:
            return call()
        except (GithubException, requests.exceptions.RequestException, OSError, ValueError, TypeError,
                jwt.PyJWTError, TrackerError) as exc:
            raise CollectionError(self.http.redact(f"{what}: {_why(exc)}")) from None

    def installation(self, owner: str) -> int | None:
        """The installation of `owner` (case-insensitive), or None. The App's installations are
        listed on the first call; CollectionError (once) when that fails: no owner has one then."""
        with self._lock:
            if self._accounts is None:
                self._accounts = {}
                found = self._call("GitHub App (GITHUB_APP_ID): listing its installations",
                                   lambda: [(i.account.login, i.id) for i in self._integration().get_installations()])
                self.http.count(requests=max(1, -(-len(found) // 100)))   # pages of 100
                self._accounts = {login.lower(): iid for login, iid in found if login}
            return self._accounts.get(owner.lower())

    def token(self, installation: int, owner: str) -> str:
        """The installation's token, minted now when there is none or it has less than
        `RENEW_BEFORE` seconds left. CollectionError when GitHub will not mint one."""
        with self._lock:
            held = self._tokens.get(installation)
            if held is not None and held[1] - self.http.clock() > RENEW_BEFORE:
                return held[0]
            minted = self._call(f"GitHub App: no token for owner '{owner}' (installation {installation})",
                                lambda: self._integration().get_access_token(installation))
            self.http.count(requests=1)
            token = minted.token
            if not isinstance(token, str) or not token:
                raise CollectionError(f"GitHub App: no token for owner '{owner}' (installation {installation}): "
                                      "GitHub's answer has none")
            self.http.add_secret(token)
            expires = minted.expires_at.timestamp() if minted.expires_at else self.http.clock() + TOKEN_LIFE
            self._tokens[installation] = (token, expires)
            return token

    def close(self) -> None:
        if self._app is not None:
            self._app.close()


class OwnerClients:
    """owner -> the GitHubClient whose token may be used for that owner's repositories: its App
    installation's, else the run's default client (GITHUB_TOKEN, or none)."""

    def __init__(self, config: Config, http: HttpSession):
        self.config = config
        self.default = GitHubClient(config, http)
        self.app = AppTokens(config, http) if config.github_app_id else None
        self._clients: dict[int, GitHubClient] = {}
        self._fallen: set[int] = set()   # installations whose token could not be minted in this run
        self._lock = threading.Lock()

    def _installation(self, owner: str, warn: Callable[[str], None]) -> int | None:
        if self.app is None:
            return None
        try:
            found = self.app.installation(owner)
        except CollectionError as exc:
            warn(f"{exc}; every owner is collected with {self._fallback()}")
            return None
        return None if found in self._fallen else found

    def _fallback(self) -> str:
        return "GITHUB_TOKEN" if self.default.authenticated else "no token (no GITHUB_TOKEN set)"

    def key(self, owner: str) -> str:
        """Which token `owner`'s repositories are asked with (GraphQL batches hold one token's)."""
        found = self._installation(owner, lambda message: None)
        return "default" if found is None else f"installation {found}"

    def client(self, owner: str, warn: Callable[[str], None]) -> GitHubClient:
        """The client for `owner`'s repositories; its installation's token is minted on first use.
        A minting failure makes the owner use the default client for the rest of the run, with
        a warning naming the owner; never another owner's installation."""
        found = self._installation(owner, warn)
        if found is None or self.app is None:
            return self.default
        with self._lock:
            client = self._clients.get(found)
        if client is not None:
            return client
        app = self.app
        try:
            app.token(found, owner)
        except CollectionError as exc:
            self._fallen.add(found)
            warn(f"{exc}; its repositories are collected with {self._fallback()}")
            return self.default

        def current() -> str:
            try:
                return app.token(found, owner)
            except CollectionError:
                self._fallen.add(found)   # this request fails; the owner's next project uses the default
                raise

        with self._lock:
            if found not in self._clients:
                self._clients[found] = GitHubClient(self.config, self.default.http, current,
                                                    who=f"App installation for {owner}", slots=self.default.slots)
            return self._clients[found]

    def close(self) -> None:
        for client in [self.default, *self._clients.values()]:
            client.close()
        if self.app is not None:
            self.app.close()
