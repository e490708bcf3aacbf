"""Weights and thresholds of the scores: the shipped TOML, merged with a user's override, validated.

Every number a score uses lives in `tracker/config/weights.toml`; code only knows the names.
A bad override is reported in one line naming the file, the table and what is wrong.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import math
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from tracker.errors import UsageError
from tracker.userfiles import read_toml

LEVELS = ("low", "medium", "high", "critical")  # severities a flag can have, lowest first
UNKNOWN_LEVEL = "unknown"  # the risk level when the evidence rule is not met: not a severity, never "medium"
RISK_LEVELS = (*LEVELS, UNKNOWN_LEVEL)  # every level a score can carry
SUBSCORES = {
    "activity": ("recency", "volume", "regularity"),
    "contributor_resilience": (
        "absence_factor",
        "truck_factor",
        "elephant_factor",
        "active_people",
        "renewal",
    ),
    "responsiveness": (
        "issue_first_response",
        "pr_first_response",
        "change_request_closure",
        "issue_closure",
        "open_issue_age",
    ),
    "release_cadence": ("last_release", "rate", "on_rhythm"),
    "funding": ("asks_for_funding", "sponsors", "oc_income", "grants", "reported_income", "per_maintainer"),
    "hygiene": ("license", "security_policy", "contributing", "codeowners", "code_of_conduct", "governance"),
}
FLAGS = {
    "archived": (),
    "abandoned": (),
    "no_commits_12m": ("days",),
    "quiet_90d": ("days",),
    "deprecation_notice": (),
    "bus_factor_1": ("min_human_commits",),
    "no_release_18m": ("days",),
    "issues_unanswered": ("median_first_response_hours",),
    "contributors_declining": ("min_previous", "max_ratio"),
    "funding_lapsed": ("grant_lapse_days",),
}
# Severities beside `severity` and `mature_severity` that a flag's table may set (levels, not numbers).
FLAG_LEVEL_KEYS = {"deprecation_notice": ("maintenance_severity",), "abandoned": ("few_commits_severity",)}
MATURITY_KEYS = (
    "abandoned_no_commit_days",
    "abandoned_no_release_days",
    "abandoned_max_human_commits_365d",
    "abandoned_few_commits_release_days",
    "abandoned_late_gaps",
    "young_days",
    "mature_min_age_days",
    "mature_max_commits_365d",
    "mature_min_active_weeks",
    "mature_recent_fix_days",
    "mature_recent_release_days",
    "mature_max_open_issues",
    "active_min_human_commits_365d",
    "active_min_active_weeks",
)
EVIDENCE_KEYS = ("min_coverage", "required", "git_data_grace_days", "funding_max_without_money")
FUNDING_NEED_KEYS = (
    "dependents_log_target",
    "stars_log_target",
    "alive_floor",
    "strain_floor",
    "strain_points",
    "high",
    "low",
)
CRITICALITY_SIGNALS = (
    "created_since",
    "updated_since",
    "contributor_count",
    "org_count",
    "commit_frequency",
    "recent_releases_count",
    "closed_issues_count",
    "updated_issues_count",
    "comment_frequency",
    "dependents_count",
)
# Published constants: a --weights file may not change them (they define the named algorithms).
FIXED_TABLES = ("truck_factor", "criticality")
# Applied when git history is collected (tracker/identity.py), not when scoring: shipped file only.
COLLECTION_TABLES = ("identity",)
SHIPPED = "weights.toml"


@dataclass(frozen=True)
class Weights:
    """The validated configuration, where it came from, and a version naming it exactly."""

    data: dict[str, Any]
    source: str
    version: str

    def __getitem__(self, key: str) -> Any:
        return self.data[key]


MAX_WEIGHTS_BYTES = 200_000  # the shipped file is under 10 KB
# Bounds on every number, far beyond any sensible value and far below where sums and ratios of them
# overflow to infinity (1e308 weights made health NaN). Weights may not exceed MAX_WEIGHT.
MAX_NUMBER = 1e9
MAX_WEIGHT = 1e6


def _shipped_text() -> str:
    return resources.files("tracker").joinpath("config", SHIPPED).read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def shipped() -> Weights:
    """The shipped configuration (cached: it never changes while running)."""
    data = tomllib.loads(_shipped_text())
    validate(data, "tracker/config/weights.toml")
    return Weights(data, "tracker/config/weights.toml", _version(data))


def load(path: str | Path | None = None) -> Weights:
    """The shipped configuration, with the file at `path` merged over it when given."""
    if path is None:
        return shipped()
    where = str(path)
    override = read_toml(path, "--weights", MAX_WEIGHTS_BYTES)
    for table in FIXED_TABLES:
        if table in override:
            raise UsageError(
                f"--weights {where}: [{table}] holds published constants and cannot be overridden"
            )
    for table in COLLECTION_TABLES:
        if table in override:
            raise UsageError(
                f"--weights {where}: [{table}] is applied when git history is collected, not when scoring;"
                f" set it in tracker/config/weights.toml and collect git again"
            )
    data = merge(copy.deepcopy(shipped().data), override)
    validate(data, where)
    return Weights(data, where, _version(data))


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Tables merge key by key; any other value replaces the base value."""
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge(base[key], value)
        else:
            base[key] = value
    return base


def _version(data: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:10]
    return f"{data['version']}+{digest}"


# -- validation --------------------------------------------------------------------------------
class _Checker:
    def __init__(self, where: str):
        self.where = where

    def fail(self, table: str, message: str) -> None:
        raise UsageError(f"weights {self.where}: [{table}] {message}")

    def table(self, parent: dict[str, Any], key: str, name: str) -> dict[str, Any]:
        value = parent.get(key)
        if not isinstance(value, dict):
            self.fail(name, "is missing or is not a table")
        return value

    def number(
        self, table: dict[str, Any], key: str, name: str, low: float | None = None, positive: bool = False,
        high: float = MAX_NUMBER,
    ) -> float:
        value = table.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            self.fail(name, f"{key} must be a number, got {value!r}")
        if abs(value) > high:
            self.fail(name, f"{key} must be between {-high:g} and {high:g}, got {value!r}")
        if low is not None and value < low:
            self.fail(name, f"{key} must be >= {low}, got {value!r}")
        if positive and value <= 0:
            self.fail(name, f"{key} must be > 0, got {value!r}")
        return float(value)

    def level(self, table: dict[str, Any], key: str, name: str) -> None:
        if table.get(key) not in LEVELS:
            self.fail(name, f"{key} must be one of {', '.join(LEVELS)}, got {table.get(key)!r}")

    def only(self, table: dict[str, Any], allowed: tuple[str, ...] | set[str], name: str) -> None:
        extra = sorted(set(table) - set(allowed))
        if extra:
            self.fail(name, f"unknown key(s) {', '.join(extra)}; expected {', '.join(sorted(allowed))}")

    def points(self, value: Any, name: str, key: str = "points", score_max: float = 100) -> None:
        ok = (
            isinstance(value, list)
            and len(value) >= 2
            and all(
                isinstance(p, list)
                and len(p) == 2
                and all(
                    isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in p
                )
                for p in value
            )
        )
        if not ok:
            self.fail(name, f"{key} must be a list of at least two [x, score] pairs of numbers")
        if any(abs(v) > MAX_NUMBER for p in value for v in p):
            self.fail(name, f"{key}: numbers must be between {-MAX_NUMBER:g} and {MAX_NUMBER:g}")
        xs = [p[0] for p in value]
        if any(b <= a for a, b in zip(xs, xs[1:], strict=False)):
            self.fail(name, f"{key}: x values must be strictly ascending, got {xs}")
        if any(not 0 <= p[1] <= score_max for p in value):
            self.fail(name, f"{key}: scores must be between 0 and {score_max:g}")


def validate(data: dict[str, Any], where: str) -> None:
    """Raise UsageError naming the first problem in `data`; return quietly if it is usable."""
    c = _Checker(where)
    c.only(
        data,
        ("version", "evidence", "health", "subscores", "maturity", "risk", "funding_need", *FIXED_TABLES,
         *COLLECTION_TABLES),
        "top level",
    )
    if not isinstance(data.get("version"), str) or not data["version"]:
        c.fail("top level", "version must be a non-empty string")
    evidence = c.table(data, "evidence", "evidence")
    c.only(evidence, EVIDENCE_KEYS, "evidence")
    if not 0 <= c.number(evidence, "min_coverage", "evidence") <= 1:
        c.fail("evidence", "min_coverage must be between 0 and 1 (a share of the health weight)")
    required = evidence.get("required")
    if not isinstance(required, list) or any(r not in SUBSCORES for r in required):
        c.fail("evidence", f"required must be a list of sub-score names ({', '.join(SUBSCORES)}), got {required!r}")
    c.number(evidence, "git_data_grace_days", "evidence", low=0)
    if not 0 <= c.number(evidence, "funding_max_without_money", "evidence") <= 100:
        c.fail("evidence", "funding_max_without_money must be between 0 and 100 (a sub-score)")
    weights = c.table(c.table(data, "health", "health"), "weights", "health.weights")
    c.only(weights, tuple(SUBSCORES), "health.weights")
    for name in SUBSCORES:
        c.number(weights, name, "health.weights", low=0, high=MAX_WEIGHT)
    if sum(weights.values()) <= 0:
        c.fail("health.weights", "at least one sub-score weight must be > 0")
    subs = c.table(data, "subscores", "subscores")
    c.only(subs, tuple(SUBSCORES), "subscores")
    for sub, components in SUBSCORES.items():
        table = c.table(subs, sub, f"subscores.{sub}")
        c.only(table, components, f"subscores.{sub}")
        total = 0.0
        for comp in components:
            name = f"subscores.{sub}.{comp}"
            spec = c.table(table, comp, name)
            c.only(spec, ("weight", "points", "log_target"), name)
            total += c.number(spec, "weight", name, low=0, high=MAX_WEIGHT)
            if ("points" in spec) == ("log_target" in spec):
                c.fail(name, "needs exactly one scale: points = [[x, score], ...] or log_target = N")
            if "points" in spec:
                c.points(spec["points"], name)
            else:
                c.number(spec, "log_target", name, positive=True)
        if total <= 0:
            c.fail(f"subscores.{sub}", "at least one component weight must be > 0")
    maturity = c.table(data, "maturity", "maturity")
    c.only(maturity, MATURITY_KEYS, "maturity")
    for key in MATURITY_KEYS:
        c.number(maturity, key, "maturity", low=0)
    risk = c.table(data, "risk", "risk")
    c.only(risk, ("escalate_after", "flags"), "risk")
    c.number(risk, "escalate_after", "risk", positive=True)
    flags = c.table(risk, "flags", "risk.flags")
    c.only(flags, tuple(FLAGS), "risk.flags")
    for flag, keys in FLAGS.items():
        name = f"risk.flags.{flag}"
        spec = c.table(flags, flag, name)
        levels = FLAG_LEVEL_KEYS.get(flag, ())
        c.only(spec, ("severity", "mature_severity", *keys, *levels), name)
        c.level(spec, "severity", name)
        if "mature_severity" in spec:
            c.level(spec, "mature_severity", name)
        for key in levels:
            c.level(spec, key, name)
        for key in keys:
            c.number(spec, key, name, low=0)
    need = c.table(data, "funding_need", "funding_need")
    c.only(need, FUNDING_NEED_KEYS, "funding_need")
    for key in FUNDING_NEED_KEYS:
        if key == "strain_points":
            c.points(need[key] if key in need else None, "funding_need", key, score_max=1)
        elif key in ("alive_floor", "strain_floor"):
            if not 0 <= c.number(need, key, "funding_need") <= 1:
                c.fail("funding_need", f"{key} must be between 0 and 1")
        else:
            c.number(need, key, "funding_need", positive=True)
    tf = c.table(data, "truck_factor", "truck_factor")
    for key in (
        "doa_intercept",
        "doa_first_authorship",
        "doa_deliveries",
        "doa_acceptances",
        "author_min_normalised_doa",
        "author_min_doa",
        "coverage",
    ):
        c.number(tf, key, "truck_factor")
    identity = c.table(data, "identity", "identity")
    c.only(identity, ("merge_names", "min_name_words"), "identity")
    if not isinstance(identity.get("merge_names"), bool):
        c.fail("identity", f"merge_names must be true or false, got {identity.get('merge_names')!r}")
    if c.number(identity, "min_name_words", "identity", low=1) != int(identity["min_name_words"]):
        c.fail("identity", "min_name_words must be a whole number")
    if not isinstance(tf.get("exclude_prefixes"), list):
        c.fail("truck_factor", "exclude_prefixes must be a list of path prefixes")
    crit = c.table(data, "criticality", "criticality")
    for algo in ("pike", "pike_v2"):
        table = c.table(crit, algo, f"criticality.{algo}")
        c.only(table, CRITICALITY_SIGNALS, f"criticality.{algo}")
        for signal in CRITICALITY_SIGNALS:
            spec = c.table(table, signal, f"criticality.{algo}.{signal}")
            c.number(spec, "weight", f"criticality.{algo}.{signal}")
            c.number(spec, "threshold", f"criticality.{algo}.{signal}", positive=True)
    sig = c.table(crit, "signals", "criticality.signals")
    for key in ("top_contributors_for_orgs", "days_per_month", "weeks_per_year"):
        c.number(sig, key, "criticality.signals", positive=True)
