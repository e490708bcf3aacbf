"""Configuration in one place: environment variables with defaults that work out of the box.

Tokens are read here and only here, and are never written anywhere (see `redact`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = Path("data") / "tracker.duckdb"
DEFAULT_GIT_CACHE = Path("data") / "git-cache"


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


@dataclass(frozen=True)
class Config:
    db_path: Path = DEFAULT_DB
    git_cache: Path = DEFAULT_GIT_CACHE
    github_web_url: str = "https://github.com"
    github_api_url: str = "https://api.github.com"
    pypi_url: str = "https://pypi.org"
    npm_url: str = "https://registry.npmjs.org"
    index_cache: Path | None = None     # package-index answers (tracker deps); None: next to the database
    opencollective_api_url: str = "https://api.opencollective.com/graphql/v2"
    rates_path: Path | None = None      # currency rates table overriding the shipped one
    # Secrets are excluded from repr so they never reach a log line or a traceback.
    github_token: str | None = field(default=None, repr=False)
    opencollective_token: str | None = field(default=None, repr=False)

    @property
    def github_graphql_url(self) -> str:
        """GraphQL endpoint derived the way GitHub Enterprise Server lays it out.

        github.com: https://api.github.com -> https://api.github.com/graphql
        GHES:       https://HOST/api/v3    -> https://HOST/api/graphql
        """
        base = self.github_api_url.rstrip("/")
        if base.endswith("/api/v3"):
            return base[: -len("/v3")] + "/graphql"
        return base + "/graphql"

    @property
    def index_cache_path(self) -> Path:
        """The package-index cache file (`tracker deps`, the app's Dependencies page): a SQLite
        file of its own beside the database, never inside it (see tracker/deps/indexcache.py)."""
        if self.index_cache is not None:
            return self.index_cache
        folder = Path("data") if str(self.db_path) == ":memory:" else Path(self.db_path).parent
        return folder / "index-cache.sqlite"

    def secrets(self) -> list[str]:
        return [s for s in (self.github_token, self.opencollective_token) if s]


def load(db_path: str | os.PathLike[str] | None = None) -> Config:
    """Read configuration from the environment; `db_path` (the --db option) wins over TRACKER_DB."""
    db = db_path or _env("TRACKER_DB") or DEFAULT_DB
    return Config(
        db_path=Path(db),
        git_cache=Path(_env("TRACKER_GIT_CACHE") or DEFAULT_GIT_CACHE),
        github_web_url=(_env("GITHUB_SERVER_URL") or "https://github.com").rstrip("/"),
        github_api_url=(_env("GITHUB_API_URL") or "https://api.github.com").rstrip("/"),
        pypi_url=(_env("PYPI_URL") or "https://pypi.org").rstrip("/"),
        npm_url=(_env("NPM_REGISTRY_URL") or "https://registry.npmjs.org").rstrip("/"),
        index_cache=Path(_env("TRACKER_INDEX_CACHE")) if _env("TRACKER_INDEX_CACHE") else None,
        opencollective_api_url=(_env("OPENCOLLECTIVE_API_URL")
                                or "https://api.opencollective.com/graphql/v2").rstrip("/"),
        rates_path=Path(_env("TRACKER_RATES")) if _env("TRACKER_RATES") else None,
        github_token=_env("GITHUB_TOKEN") or _env("GH_TOKEN"),
        opencollective_token=_env("OPENCOLLECTIVE_TOKEN"),
    )


def redact(text: str, config: Config | None = None) -> str:
    """Remove every configured secret from `text` (error messages, logs)."""
    secrets = (config or load()).secrets()
    for secret in secrets:
        text = text.replace(secret, "***")
    return text
