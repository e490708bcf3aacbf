"""The thresholds of dependency risk: the shipped `tracker/config/deps.toml`, merged with a user's
override (`tracker deps --thresholds FILE`), validated once. Code knows only the names; a bad file
is a one-line error naming the file, the table and what is wrong."""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from tracker.errors import UsageError
from tracker.userfiles import load_toml, read_toml

LEVELS = ("none", "low", "medium", "high", "critical")
# signal -> the numeric keys it needs besides `level` (no_recent_release has levels by days)
SIGNAL_KEYS: dict[str, tuple[str, ...]] = {
    "yanked_in_use": (),
    "deprecated": (),
    "version_deprecated": (),
    "inactive": (),
    "early_status": (),
    "no_recent_release": ("medium_days", "high_days"),
    "cadence_stopped": ("factor", "min_days", "min_releases"),
    "behind": ("major", "days"),
    "python_ceiling": (),
    "version_unknown": (),
}


@dataclass(frozen=True)
class Thresholds:
    version: str
    min_ttl: float
    concurrency: int
    newest_python: Version
    critical_when_high: int
    min_coverage: float
    signals: dict[str, dict[str, Any]]

    def level(self, signal: str) -> str:
        return self.signals[signal].get("level", "none")

    def value(self, signal: str, key: str) -> float:
        return self.signals[signal][key]


@functools.cache
def _shipped() -> dict[str, Any]:
    text = resources.files("tracker").joinpath("config/deps.toml").read_text(encoding="utf-8")
    return load_toml(text)


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _number(where: str, value: Any, minimum: float = 0, integer: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value or value < minimum:
        raise UsageError(f"{where}: expected a {'whole ' if integer else ''}number >= {minimum:g}, got {value!r}")
    if integer and int(value) != value:
        raise UsageError(f"{where}: expected a whole number, got {value!r}")
    return int(value) if integer else float(value)


def validate(data: dict[str, Any], name: str = "tracker/config/deps.toml") -> Thresholds:
    """Thresholds from a merged document; UsageError naming `name` and the key when it is wrong."""
    known = {"version", "cache", "python", "risk", "signals"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise UsageError(f"{name}: unknown table {unknown[0]!r} (known: {', '.join(sorted(known))})")
    cache, python, risk = data.get("cache", {}), data.get("python", {}), data.get("risk", {})
    signals = data.get("signals", {})
    for table, value in (("cache", cache), ("python", python), ("risk", risk), ("signals", signals)):
        if not isinstance(value, dict):
            raise UsageError(f"{name}: [{table}] must be a table")
    try:
        newest = Version(str(python.get("newest", "")))
    except InvalidVersion:
        raise UsageError(f"{name}: [python] newest must be a Python version like \"3.14\", got "
                         f"{python.get('newest')!r}") from None
    out_signals: dict[str, dict[str, Any]] = {}
    for signal, table in signals.items():
        if signal not in SIGNAL_KEYS:
            raise UsageError(f"{name}: unknown signal [signals.{signal}] (known: {', '.join(SIGNAL_KEYS)})")
        if not isinstance(table, dict):
            raise UsageError(f"{name}: [signals.{signal}] must be a table")
        entry: dict[str, Any] = {}
        for key, value in table.items():
            where = f"{name}: [signals.{signal}] {key}"
            if key == "level":
                if value not in LEVELS:
                    raise UsageError(f"{where}: expected one of {', '.join(LEVELS)}, got {value!r}")
                entry[key] = value
            elif key in SIGNAL_KEYS[signal]:
                entry[key] = _number(where, value, integer=key.endswith(("days", "releases")) or key == "major")
            else:
                raise UsageError(f"{where}: unknown key")
        missing = [k for k in SIGNAL_KEYS[signal] if k not in entry]
        if missing:
            raise UsageError(f"{name}: [signals.{signal}] needs {', '.join(missing)}")
        if signal != "no_recent_release" and "level" not in entry:
            raise UsageError(f"{name}: [signals.{signal}] needs a level")
        out_signals[signal] = entry
    absent = [s for s in SIGNAL_KEYS if s not in out_signals]
    if absent:
        raise UsageError(f"{name}: no [signals.{absent[0]}] table")
    stale = out_signals["no_recent_release"]
    if stale["high_days"] < stale["medium_days"]:
        raise UsageError(f"{name}: [signals.no_recent_release] high_days must be at least medium_days")
    coverage = _number(f"{name}: [risk] min_coverage", risk.get("min_coverage"))
    if coverage > 1:
        raise UsageError(f"{name}: [risk] min_coverage is a share between 0 and 1, got {coverage:g}")
    return Thresholds(
        version=str(data.get("version", "custom")),
        min_ttl=_number(f"{name}: [cache] min_ttl_seconds", cache.get("min_ttl_seconds")),
        concurrency=max(1, int(_number(f"{name}: [cache] concurrency", cache.get("concurrency"), 1, True))),
        newest_python=newest,
        critical_when_high=int(_number(f"{name}: [risk] critical_when_high", risk.get("critical_when_high"), 1,
                                       True)),
        min_coverage=coverage, signals=out_signals)


def load(path: str | Path | None = None) -> Thresholds:
    """The shipped thresholds, with the TOML file at `path` merged over them."""
    data = _shipped()
    name = "tracker/config/deps.toml"
    if path is not None:
        override = read_toml(path, "thresholds file")
        data = _merge(data, override)
        name = str(path)
    return validate(data, name)
