"""Parsing funding manifests: GitHub's `.github/FUNDING.yml` and fundingjson.org `funding.json`.

Both come from repositories, so they are untrusted: YAML is read with a safe loader that also
refuses aliases (the "billion laughs" bomb) and very large documents, JSON with NaN/Infinity
refused and nesting depth bounded; files over the size caps are not parsed; only http(s) URLs are
kept. Nothing here raises on bad input: every problem is recorded on the `Manifest`, whose
`status` says what came of it (ok, empty, invalid, not_manifest, unreadable).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from tracker.userfiles import load_yaml

MAX_YML_BYTES = 64 * 1024         # GitHub's own template is under 1 KiB
MAX_JSON_BYTES = 256 * 1024       # the git collector stores at most this much per file
MAX_ITEMS = 100                   # channels, plans, history years read from one funding.json
MAX_URL = 2048
MAX_TEXT = 250
MAX_PROBLEMS = 50

# GitHub's FUNDING.yml keys: URL of an account, and how many values GitHub shows.
PLATFORMS: dict[str, tuple[str | None, int]] = {
    "github": ("https://github.com/sponsors/{}", 4),
    "patreon": ("https://www.patreon.com/{}", 1),
    "open_collective": ("https://opencollective.com/{}", 1),
    "ko_fi": ("https://ko-fi.com/{}", 1),
    "tidelift": ("https://tidelift.com/funding/github/{}", 1),
    "community_bridge": ("https://funding.communitybridge.org/projects/{}", 1),
    "liberapay": ("https://liberapay.com/{}", 1),
    "issuehunt": ("https://issuehunt.io/r/{}", 1),
    "lfx_crowdfunding": ("https://crowdfunding.lfx.linuxfoundation.org/projects/{}", 1),
    "polar": ("https://polar.sh/{}", 1),
    "buy_me_a_coffee": ("https://buymeacoffee.com/{}", 1),
    "thanks_dev": ("https://thanks.dev/{}", 1),
    "custom": (None, 4),
}
# Where an account lives on each platform's web site: host -> (platform, path prefix to strip).
_HOSTS: dict[str, tuple[str, str]] = {
    "github.com": ("github", "sponsors/"),
    "opencollective.com": ("open_collective", ""),
    "patreon.com": ("patreon", ""),
    "ko-fi.com": ("ko_fi", ""),
    "tidelift.com": ("tidelift", "funding/github/"),
    "funding.communitybridge.org": ("community_bridge", "projects/"),
    "liberapay.com": ("liberapay", ""),
    "issuehunt.io": ("issuehunt", "r/"),
    "crowdfunding.lfx.linuxfoundation.org": ("lfx_crowdfunding", "projects/"),
    "polar.sh": ("polar", ""),
    "buymeacoffee.com": ("buy_me_a_coffee", ""),
    "thanks.dev": ("thanks_dev", ""),
    "paypal.me": ("paypal", ""),
    "paypal.com": ("paypal", ""),
    "otechie.com": ("otechie", ""),
}
_GITHUB_USER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
_ACCOUNT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._@+~-]{0,99}(?:/[A-Za-z0-9_][A-Za-z0-9._@+~-]{0,99}){0,2}$")
_BARE_HOST = re.compile(r"^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?:[/?#].*)?$")

CHANNEL_TYPES = ("bank", "payment-provider", "cheque", "cash", "other")
PLAN_FREQUENCIES = ("one-time", "weekly", "fortnightly", "monthly", "yearly", "other")
PLAN_STATUSES = ("active", "inactive")


class Problems:
    """Parse problems in order of first appearance; repeats are counted, not listed again."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()

    def add(self, message: str) -> None:
        if message in self._counts or len(self._counts) < MAX_PROBLEMS:
            self._counts[message] += 1

    def __bool__(self) -> bool:
        return bool(self._counts)

    def as_list(self) -> list[str]:
        return [m if n == 1 else f"{m} ({n} times)" for m, n in self._counts.items()]


@dataclass
class Channel:
    platform: str
    account: str | None = None
    url: str | None = None
    guid: str | None = None          # funding.json channel id

    @property
    def ref(self) -> str:
        return self.account or self.url or self.guid or ""

    def identity(self) -> tuple[str, str]:
        """What makes two channels the same, whichever source named them."""
        if self.account:
            return self.platform, self.account.lower()
        return self.platform, normalise_url(self.url) if self.url else f"#{self.guid}"


@dataclass
class Plan:
    guid: str
    name: str | None
    status: str | None
    amount: float | None
    currency: str | None
    frequency: str | None
    channels: list[str]


@dataclass
class HistoryYear:
    year: int
    income: float | None
    expenses: float | None
    taxes: float | None
    currency: str | None
    description: str | None


@dataclass
class Manifest:
    kind: str                          # funding_yml | funding_json
    status: str = "ok"                 # ok | empty | invalid | not_manifest | unreadable
    version: str | None = None
    channels: list[Channel] = field(default_factory=list)
    plans: list[Plan] = field(default_factory=list)
    history: list[HistoryYear] = field(default_factory=list)
    problems: Problems = field(default_factory=Problems)
    unknown_keys: dict[str, Any] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)
    source_repo: str | None = None     # 'owner/.github' when it is the organisation's default


# -- URLs ---------------------------------------------------------------------------------------
def safe_url(value: Any, allow_bare_host: bool = False) -> str | None:
    """`value` as an http(s) URL, or None: other schemes (javascript:, data:, file:), credentials,
    spaces, control characters and over-long text are refused."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > MAX_URL or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in text):
        return None
    if allow_bare_host and "://" not in text and _BARE_HOST.match(text):
        text = "https://" + text
    try:
        parts = urlsplit(text)
        host = parts.hostname
        _ = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host or "." not in host:
        return None
    if parts.username is not None or parts.password is not None:
        return None
    return text


def normalise_url(url: str) -> str:
    """Lower-cased host and path without scheme, 'www.' or trailing slash: for comparing links."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = parts.path.rstrip("/").lower()
    return host + path + (("?" + parts.query) if parts.query else "")


def classify_url(url: str) -> tuple[str, str | None]:
    """(platform, account) of a link to a known funding platform, else ('custom', None)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    known = _HOSTS.get(host)
    if known is None:
        return "custom", None
    platform, prefix = known
    path = parts.path.strip("/")
    if prefix and path.lower().startswith(prefix):
        path = path[len(prefix):]
    elif prefix and platform != "github":
        return platform, None
    if platform == "github":
        first = path.split("/")[0] if path else ""
        return platform, first if _GITHUB_USER.match(first) else None
    if platform == "open_collective":
        path = path.split("/")[0]
    return platform, path if path and _ACCOUNT.match(path) else None


def account_url(platform: str, account: str) -> str | None:
    template = PLATFORMS.get(platform, (None, 0))[0]
    return template.format(account) if template else None


# -- FUNDING.yml -------------------------------------------------------------------------------
def _short(value: Any) -> Any:
    """A JSON-safe, size-capped copy of an unknown key's value, to keep and show."""
    if isinstance(value, str):
        return value[:MAX_TEXT]
    if isinstance(value, bool | int | float) or value is None:
        return value if not isinstance(value, float) or math.isfinite(value) else str(value)
    if isinstance(value, list):
        return [_short(v) for v in value[:10]]
    return str(value)[:MAX_TEXT]


def _scalars(key: str, value: Any, problems: Problems) -> list[str]:
    """A FUNDING.yml value as a list of strings (GitHub accepts a value or a list of values)."""
    if value is None:
        return []
    if isinstance(value, dict):
        problems.add(f"{key}: a mapping is not a valid value (expected a name or a list)")
        return []
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if item is None or item == "":
            continue
        if isinstance(item, bool) or isinstance(item, dict | list):
            problems.add(f"{key}: {type(item).__name__} value ignored (expected a name or URL)")
            continue
        text = str(item).strip()
        if text:
            out.append(text)
    return out


def _funding_yml_channel(key: str, value: str, problems: Problems) -> Channel | None:
    if key == "custom":
        url = safe_url(value, allow_bare_host=True)
        if url is None:
            problems.add(f"custom: {value[:80]!r} is not an http(s) URL; dropped")
            return None
        return Channel("custom", None, url)
    if safe_url(value):  # a URL where a name was expected: keep it, note it
        platform, account = classify_url(value)
        problems.add(f"{key}: expected an account name, got a URL")
        return Channel(key, account if platform == key else None, value)
    pattern = _GITHUB_USER if key == "github" else _ACCOUNT
    if not pattern.match(value):
        problems.add(f"{key}: {value[:80]!r} is not a valid account name; dropped")
        return None
    return Channel(key, value, account_url(key, value))


def parse_funding_yml(text: str | None, truncated: bool = False) -> Manifest:
    """Read a FUNDING.yml the way GitHub does, recording every deviation as a problem."""
    m = Manifest("funding_yml")
    if text is None:
        m.status = "unreadable"
        m.problems.add("file content not available")
        return m
    if truncated or len(text.encode("utf-8", "replace")) > MAX_YML_BYTES:
        m.status = "invalid"
        m.problems.add(f"file larger than {MAX_YML_BYTES} bytes; not parsed")
        return m
    try:
        data = load_yaml(text)
    except ValueError as exc:
        m.status = "invalid"
        m.problems.add(str(exc))
        return m
    if data is None:
        m.status = "empty"
        m.problems.add("no platform set (GitHub's template with everything commented out?)")
        return m
    if not isinstance(data, dict):
        m.status = "invalid"
        m.problems.add(f"expected 'platform: account' lines, got a YAML {type(data).__name__}")
        return m
    given = 0
    for raw_key, value in data.items():
        key = str(raw_key).strip()
        if key not in PLATFORMS:
            m.unknown_keys[key[:MAX_TEXT]] = _short(value)
            m.problems.add(f"unknown key {key[:60]!r} (not a GitHub FUNDING.yml platform); kept, not used")
            continue
        values = _scalars(key, value, m.problems)
        given += len(values)
        limit = PLATFORMS[key][1]
        if len(values) > limit:
            what = "usernames" if key == "github" else ("URLs" if key == "custom" else "values")
            m.problems.add(f"{key}: {len(values)} {what}, GitHub uses at most {limit}; the first kept")
            values = values[:limit]
        for v in values:
            ch = _funding_yml_channel(key, v, m.problems)
            if ch is not None:
                m.channels.append(ch)
    m.channels = dedupe(m.channels)
    if not m.channels:
        m.status = "empty" if given == 0 else "invalid"
        if given == 0:
            m.problems.add("no platform set (GitHub's template with everything commented out?)")
    return m


def dedupe(channels: list[Channel]) -> list[Channel]:
    seen: set[tuple[str, str]] = set()
    out = []
    for ch in channels:
        if ch.identity() not in seen:
            seen.add(ch.identity())
            out.append(ch)
    return out


# -- funding.json ------------------------------------------------------------------------------
def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _text(value: Any, limit: int = MAX_TEXT) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()[:limit]
    return None


def _amount(value: Any, where: str, problems: Problems) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        problems.add(f"{where} is not a number; ignored")
        return None
    if not math.isfinite(value) or value < 0 or value > 1e12:
        problems.add(f"{where} is out of range; ignored")
        return None
    return float(value)


def _currency(value: Any, where: str, problems: Problems) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z]{3}", value.strip()):
        return value.strip().upper()
    problems.add(f"{where} is not a three-letter currency code; ignored")
    return None


def _guid(item: dict[str, Any], fallback: str) -> str:
    for key in ("guid", "id"):  # v1 spec says guid; early tools wrote id
        value = item.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:64]
    return fallback


def _items(container: Any, key: str, problems: Problems) -> list[dict[str, Any]]:
    value = container.get(key) if isinstance(container, dict) else None
    if value is None:
        return []
    if not isinstance(value, list):
        problems.add(f"funding.{key} is not a list; ignored")
        return []
    if len(value) > MAX_ITEMS:
        problems.add(f"funding.{key}: {len(value)} entries, only the first {MAX_ITEMS} read")
    out = []
    for i, item in enumerate(value[:MAX_ITEMS]):
        if isinstance(item, dict):
            out.append(item)
        else:
            problems.add(f"funding.{key}[{i}] is not an object; ignored")
    return out


def _json_channel(i: int, item: dict[str, Any], problems: Problems) -> Channel:
    guid = _guid(item, f"channel-{i + 1}")
    ctype = item.get("type")
    ctype = ctype.strip().lower() if isinstance(ctype, str) else None
    if ctype not in CHANNEL_TYPES:
        problems.add(f"channel type {str(item.get('type'))[:40]!r} is not one of {', '.join(CHANNEL_TYPES)}")
        ctype = "other"
    address = item.get("address")
    url = None
    if isinstance(address, str) and address.strip():
        addr = address.strip()
        if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", addr) and not addr.lower().startswith(("http:", "https:")) \
                and "@" not in addr.split(":", 1)[0]:
            problems.add(f"channel {guid}: address with a {addr.split(':', 1)[0][:20]!r} link dropped")
        else:
            url = safe_url(addr, allow_bare_host=addr.lower().startswith("www."))
            if url is None and addr.lower().startswith(("http:", "https:")):
                problems.add(f"channel {guid}: address is not a valid URL; dropped")
    elif address is not None and not isinstance(address, str):
        problems.add(f"channel {guid}: address is not text; ignored")
    if url:
        platform, account = classify_url(url)
        if platform == "custom":
            platform = ctype
        return Channel(platform, account, url, guid)
    # Bank details, e-mail addresses and postal addresses are not kept: only that the channel exists.
    return Channel(ctype, None, None, guid)


def _json_plan(i: int, item: dict[str, Any], channel_ids: set[str], problems: Problems) -> Plan:
    guid = _guid(item, f"plan-{i + 1}")
    status = item.get("status")
    if isinstance(status, str):
        norm = status.strip().lower()
        if norm != status:
            problems.add(f"plan status {status[:20]!r} read as {norm!r}")
        status = norm if norm in PLAN_STATUSES else None
        if status is None:
            problems.add(f"plan status {norm[:20]!r} is not active/inactive")
    else:
        status = None
    freq = item.get("frequency")
    freq = freq.strip().lower() if isinstance(freq, str) else None
    if freq is not None and freq not in PLAN_FREQUENCIES:
        problems.add(f"plan frequency {freq[:20]!r} is not one of {', '.join(PLAN_FREQUENCIES)}")
        freq = "other"
    channels = item.get("channels")
    refs = []
    if isinstance(channels, list):
        for c in channels[:MAX_ITEMS]:
            if isinstance(c, str) and c in channel_ids:
                refs.append(c)
            else:
                problems.add(f"plan {guid}: channel {str(c)[:40]!r} is not among funding.channels")
    return Plan(guid, _text(item.get("name")), status, _amount(item.get("amount"), f"plan {guid} amount", problems),
                _currency(item.get("currency"), f"plan {guid} currency", problems), freq, refs)


def _json_year(item: dict[str, Any], problems: Problems) -> HistoryYear | None:
    year = item.get("year")
    if isinstance(year, str) and year.strip().isdigit():
        year = int(year.strip())
    if isinstance(year, bool) or not isinstance(year, int) or not 1970 <= year <= 2100:
        problems.add(f"history entry with year {str(year)[:20]!r} ignored (expected 1970-2100)")
        return None
    return HistoryYear(
        year,
        _amount(item.get("income"), f"history {year} income", problems),
        _amount(item.get("expenses"), f"history {year} expenses", problems),
        _amount(item.get("taxes"), f"history {year} taxes", problems),
        _currency(item.get("currency"), f"history {year} currency", problems),
        _text(item.get("description"), 500),
    )


def _lists_repo(projects: Any, repo_slug: str | None) -> bool | None:
    if not repo_slug or not isinstance(projects, list):
        return None
    for p in projects[:MAX_ITEMS]:
        url = p.get("repositoryUrl") if isinstance(p, dict) else None
        url = url.get("url") if isinstance(url, dict) else url
        url = safe_url(url)
        if url and urlsplit(url).path.strip("/").removesuffix(".git").lower() == repo_slug.lower():
            return True
    return False


def parse_funding_json(text: str | None, truncated: bool = False, repo_slug: str | None = None) -> Manifest:
    """Read a fundingjson.org manifest (v1.0.0, v1.1.0), tolerating the drift seen in real files."""
    m = Manifest("funding_json")
    if text is None:
        m.status = "unreadable"
        m.problems.add("file content not available")
        return m
    if truncated or len(text.encode("utf-8", "replace")) > MAX_JSON_BYTES:
        m.status = "invalid"
        m.problems.add(f"file larger than {MAX_JSON_BYTES} bytes; not parsed")
        return m
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        m.status = "invalid"
        m.problems.add("JSON nested too deeply")
        return m
    except ValueError as exc:
        m.status = "invalid"
        m.problems.add("not valid JSON: " + str(exc).splitlines()[0][:200])
        return m
    if not isinstance(data, dict) or not ({"entity", "funding"} & set(data)):
        m.status = "not_manifest"
        m.problems.add("not a fundingjson.org manifest (no 'entity' or 'funding'): another format uses this name")
        return m
    version = data.get("version")
    if isinstance(version, str) and re.fullmatch(r"v?1\.\d+\.\d+", version.strip()):
        m.version = version.strip()
    elif version is None:
        m.problems.add("no 'version'; read as v1")
    else:
        m.version = str(version)[:20]
        m.problems.add(f"version {m.version!r} is not v1.x; read as v1")
    entity = data.get("entity")
    if not isinstance(entity, dict):
        m.problems.add("'entity' is missing or not an object")
        entity = {}
    projects = data.get("projects")
    if projects is not None and not isinstance(projects, list):
        m.problems.add("'projects' is not a list; ignored")
    m.detail = {
        "entity_type": _text(entity.get("type"), 40),
        "entity_role": _text(entity.get("role"), 40),
        "entity_name": _text(entity.get("name")),
        "projects": len(projects) if isinstance(projects, list) else 0,
        "lists_this_repo": _lists_repo(projects, repo_slug),
    }
    funding = data.get("funding")
    if not isinstance(funding, dict):
        m.problems.add("'funding' is missing or not an object")
        funding = {}
    channel_items = _items(funding, "channels", m.problems)
    m.channels = dedupe([_json_channel(i, c, m.problems) for i, c in enumerate(channel_items)])
    ids = {c.guid for c in m.channels if c.guid}
    seen_plans: set[str] = set()
    for i, item in enumerate(_items(funding, "plans", m.problems)):
        plan = _json_plan(i, item, ids, m.problems)
        if plan.guid in seen_plans:
            m.problems.add(f"plan id {plan.guid!r} used twice; the first kept")
            continue
        seen_plans.add(plan.guid)
        m.plans.append(plan)
    seen_years: set[int] = set()
    for item in _items(funding, "history", m.problems):
        year = _json_year(item, m.problems)
        if year is None:
            continue
        if year.year in seen_years:
            m.problems.add(f"history year {year.year} given twice; the first kept")
            continue
        seen_years.add(year.year)
        m.history.append(year)
    if not (m.channels or m.plans or m.history):
        m.status = "empty"
    return m


def open_collective_slugs(manifest: Manifest) -> list[str]:
    """Open Collective accounts named by a manifest (FUNDING.yml key or an opencollective.com link)."""
    return [c.account for c in manifest.channels if c.platform == "open_collective" and c.account]
