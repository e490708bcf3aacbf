"""Configuration in one place: environment variables with defaults that work out of the box.

Tokens are read here and only here, and are never written anywhere. `redact` is the one place
secrets are taken out of text: the configured tokens, published token formats and passwords in
URLs (any server text printed or stored), and `redact_patterns` (also NAME=value pairs) for text
read out of a user's file (tracker.userfiles.redact_secrets).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from tracker.errors import CollectionError

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
    # A GitHub App whose installations give each owner that installed it its own token
    # (collectors/github/app.py): its id, and its private key as a PEM file or as PEM text.
    github_app_id: str | None = None
    github_app_private_key_path: Path | None = None
    github_app_private_key: str | None = field(default=None, repr=False)

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
        return [s for s in (self.github_token, self.opencollective_token, self.github_app_private_key) if s]

    def github_app_key(self) -> str:
        """The GitHub App's private key (PEM text): GITHUB_APP_PRIVATE_KEY, else the file
        GITHUB_APP_PRIVATE_KEY_PATH names (read with the size cap of every user file)."""
        if self.github_app_private_key:
            return self.github_app_private_key
        if self.github_app_private_key_path is None:
            raise CollectionError("GITHUB_APP_ID is set but neither GITHUB_APP_PRIVATE_KEY_PATH nor "
                                  "GITHUB_APP_PRIVATE_KEY gives the App's private key")
        from tracker.userfiles import read_text  # it imports this module

        key = read_text(self.github_app_private_key_path, "GITHUB_APP_PRIVATE_KEY_PATH", max_bytes=64_000)
        if not key.strip():
            raise CollectionError(f"GITHUB_APP_PRIVATE_KEY_PATH {self.github_app_private_key_path}: the file is empty")
        return key


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
        github_app_id=_env("GITHUB_APP_ID"),
        github_app_private_key_path=Path(_env("GITHUB_APP_PRIVATE_KEY_PATH"))
        if _env("GITHUB_APP_PRIVATE_KEY_PATH") else None,
        github_app_private_key=_env("GITHUB_APP_PRIVATE_KEY"),
    )


# Published token formats (GitHub, GitLab, Slack, AWS, PyPI, npm, Hugging Face, Google, OpenAI-style
# "sk-" keys; GitHub App installation tokens are "ghs_"), private key blocks (the whole block, a
# GitHub App's PEM among them), passwords in URLs and NAME=value lines whose name says secret.
_TOKEN_PATTERNS = [
    re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})"),
    re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}"),
    re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    re.compile(r"\bpypi-[A-Za-z0-9_-]{40,}"),
    re.compile(r"\bnpm_[A-Za-z0-9]{30,}"),
    re.compile(r"\bhf_[A-Za-z0-9]{30,}"),
    re.compile(r"\bAIza[0-9A-Za-z_-]{35}"),
    re.compile(r"\bsk-[A-Za-z0-9_-]{20,}"),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[A-Za-z0-9+/=\s\\]*(?:-----END [A-Z ]*PRIVATE KEY-----)?"),
]
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]{0,30}://)[^/@\s:]{1,200}:[^/@\s]{1,200}@")
_NAMED_SECRET = re.compile(   # no dots in the name: 'secret.txt: it was not uploaded' is prose
    r"(?i)\b([A-Z0-9_-]{0,60}(?:TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|AUTH)"
    r"[A-Z0-9_-]{0,60})(\s{0,10}[=:]\s{0,10})[^\s'\"]{1,}")
MIN_SECRET_LENGTH = 8  # a configured "token" shorter than this would blank ordinary words: not replaced
# The text each pattern needs, looked for first (a plain substring search): a pattern runs only
# over text that has it. A 29 MB JSON report took 15 s to redact pattern by pattern.
_TOKEN_NEEDS = (("gh", "github_pat_"), ("glpat-",), ("xox",), ("AKIA", "ASIA"), ("pypi-",), ("npm_",), ("hf_",),
                ("AIza",), ("sk-",), ("-----BEGIN ",))
_SECRET_WORD = re.compile(r"(?i)TOKEN|SECRET|PASSW|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|AUTH")


def redact_patterns(text: str, named: bool = True) -> str:
    """`text` with anything shaped like a secret replaced by '***': published token formats,
    private key blocks, user names and passwords in URLs (`https://***@host`) and, when `named`, NAME=value
    pairs whose name says token/secret/password/key (for text read out of files: servers' prose
    such as '401 Unauthorized: Bad credentials' keeps its words)."""
    if "@" in text:
        text = _URL_PASSWORD.sub(r"\1***@", text)
    if named and _SECRET_WORD.search(text):
        text = _NAMED_SECRET.sub(r"\1\2***", text)
    for needs, pattern in zip(_TOKEN_NEEDS, _TOKEN_PATTERNS, strict=True):
        if any(literal in text for literal in needs):
            text = pattern.sub("***", text)
    return text


def redact(text: str, config: Config | None = None) -> str:
    """`text` without secrets: every configured token (GITHUB_TOKEN/GH_TOKEN, OPENCOLLECTIVE_TOKEN,
    GITHUB_APP_PRIVATE_KEY; read from the environment when no `config` is given), published token
    formats (a GitHub App's installation tokens, minted at run time, are `ghs_...`), private key
    blocks and passwords in URLs. Used for every message that can carry a server's or a repository's text, wherever it
    is printed (tracker.output.TerminalStream) or stored (tracker.runs, the scheduler's records)."""
    if not text:
        return text
    for secret in (config or load()).secrets():
        if len(secret) >= MIN_SECRET_LENGTH:
            text = text.replace(secret, "***")
    return redact_patterns(text, named=False)
