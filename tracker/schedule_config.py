"""Configuration of `tracker schedule`: how often each source is collected, and the daemon's knobs.

Read from an optional TOML file (`--config FILE` or TRACKER_SCHEDULE_CONFIG), then from
environment variables, which win (handy in containers). Durations are seconds (a number) or text
such as "90s", "15m", "6h", "1d", "1h30m"; "off" disables a source.

    [intervals]             # per source; a source not listed gets `default`
    default = "1d"
    github = "1h"
    git = "6h"

    [scheduler]
    poll = "5s"                   # how often requests from the app are looked for
    misfire_grace_time = "7d"     # how late a missed run may still start ("none": any)
    lock_timeout = "30s"          # how long a second scheduler waits for the first to stop
    score_after_collect = true
    workers = 1                   # worker processes for git/funding fetches ("auto": one per core, at most 4)

Environment: TRACKER_SCHEDULE_<SOURCE> (e.g. TRACKER_SCHEDULE_GITHUB=30m), TRACKER_SCHEDULE_DEFAULT,
TRACKER_SCHEDULE_POLL, TRACKER_SCHEDULE_MISFIRE_GRACE, TRACKER_SCHEDULE_LOCK_TIMEOUT,
TRACKER_SCHEDULE_SCORE (1/0), TRACKER_SCHEDULE_WORKERS.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker.errors import UsageError
from tracker.userfiles import read_toml

HOUR = 3600.0
DAY = 86400.0
DEFAULT_INTERVALS: dict[str, float] = {
    "github": HOUR,          # incremental: only what changed since the last run
    "git": 6 * HOUR,
    "pypi": DAY,
    "opencollective": DAY,
}
DEFAULT_INTERVAL = DAY       # any other source
MAX_DURATION = 365 * DAY     # longer is surely a mistake (and far enough to overflow a timer or a date)
MAX_CONFIG_BYTES = 100_000
_UNITS = {"s": 1, "m": 60, "h": HOUR, "d": DAY, "w": 7 * DAY}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")
_SCHEDULER_KEYS = {"poll", "misfire_grace_time", "lock_timeout", "score_after_collect", "workers"}


@dataclass(frozen=True)
class ScheduleConfig:
    intervals: dict[str, float | None] = field(default_factory=dict)  # None: source switched off
    default_interval: float = DEFAULT_INTERVAL
    poll: float = 5.0
    misfire_grace_time: int | None = int(7 * DAY)
    lock_timeout: float = 30.0
    score_after_collect: bool = True
    workers: int = 1              # worker processes for portable fetches (tracker.executors)
    path: Path | None = None

    def interval_for(self, source: str) -> float | None:
        """Seconds between runs of `source`, or None if it is switched off."""
        if source in self.intervals:
            return self.intervals[source]
        return DEFAULT_INTERVALS.get(source, self.default_interval)


def parse_duration(value: Any, what: str, allow_off: bool = False) -> float | None:
    """Seconds from 90, "90s", "15m", "6h", "1d", "1h30m" (more than 0, at most 365 days); None for
    "off" when allowed."""
    if isinstance(value, bool):
        raise UsageError(f"{what}: {value!r} is not a duration (e.g. 90, \"15m\", \"6h\", \"1d\")")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip().lower()
        if allow_off and text in ("off", "never", "none", "disabled"):
            return None
        try:
            seconds = float(text)
        except ValueError:
            parts = _DURATION.findall(text)
            if not parts or _DURATION.sub("", text).strip():
                hint = ' or "off"' if allow_off else ""
                raise UsageError(
                    f'{what}: {value!r} is not a duration (e.g. 90, "15m", "6h", "1d"{hint})') from None
            seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    else:
        raise UsageError(f"{what}: {value!r} is not a duration")
    if not math.isfinite(seconds) or seconds > MAX_DURATION:
        raise UsageError(f"{what}: {str(value)[:40]!r} is not a duration between 1s and 365d")
    if seconds <= 0:
        raise UsageError(f"{what}: must be more than 0 seconds" + (" (or \"off\")" if allow_off else ""))
    return seconds


def _read_toml(path: Path) -> dict[str, Any]:
    return read_toml(path, "--config", MAX_CONFIG_BYTES)


def _grace(value: Any, what: str) -> int | None:
    if isinstance(value, str) and value.strip().lower() in ("none", "off", "unlimited"):
        return None
    seconds = parse_duration(value, what)
    return max(1, int(seconds or 1))


def _flag(value: Any, what: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise UsageError(f"{what}: {value!r} is not true or false")


def _workers(value: Any, what: str) -> int:
    from tracker.executors import default_workers, parse_workers

    if isinstance(value, bool):
        raise UsageError(f"{what}: {value!r} is not a number of worker processes")
    return parse_workers(value, what) or default_workers()


def load(path: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None) -> ScheduleConfig:
    """Defaults, then the TOML file, then the environment."""
    env = os.environ if env is None else env
    path = path or env.get("TRACKER_SCHEDULE_CONFIG") or None
    data: dict[str, Any] = _read_toml(Path(path)) if path else {}
    where = f"--config {path}" if path else ""
    unknown = set(data) - {"intervals", "scheduler"}
    if unknown:
        raise UsageError(f"{where}: unknown section(s) {', '.join(sorted(unknown))};"
                         " expected [intervals] and [scheduler]")
    intervals_raw = data.get("intervals", {})
    sched_raw = data.get("scheduler", {})
    if not isinstance(intervals_raw, dict) or not isinstance(sched_raw, dict):
        raise UsageError(f"{where}: [intervals] and [scheduler] must be tables")
    unknown = set(sched_raw) - _SCHEDULER_KEYS
    if unknown:
        raise UsageError(f"{where}: unknown [scheduler] key(s) {', '.join(sorted(unknown))};"
                         f" known: {', '.join(sorted(_SCHEDULER_KEYS))}")

    intervals: dict[str, float | None] = {}
    default_interval = DEFAULT_INTERVAL
    for name, value in intervals_raw.items():
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise UsageError(f"{where}: [intervals] {name!r} is not a source name")
        if name == "default":
            default_interval = parse_duration(value, f"{where} [intervals] default") or DEFAULT_INTERVAL
        else:
            intervals[name] = parse_duration(value, f"{where} [intervals] {name}", allow_off=True)
    poll = parse_duration(sched_raw.get("poll", 5), f"{where} [scheduler] poll") or 5.0
    grace = _grace(sched_raw.get("misfire_grace_time", "7d"), f"{where} [scheduler] misfire_grace_time")
    lock_timeout = parse_duration(sched_raw.get("lock_timeout", 30), f"{where} [scheduler] lock_timeout")
    score = _flag(sched_raw.get("score_after_collect", True), f"{where} [scheduler] score_after_collect")
    workers = _workers(sched_raw.get("workers", 1), f"{where} [scheduler] workers")

    prefix = "TRACKER_SCHEDULE_"
    special = {"CONFIG", "DEFAULT", "POLL", "MISFIRE_GRACE", "LOCK_TIMEOUT", "SCORE", "WORKERS"}
    for key, value in env.items():
        if not key.startswith(prefix) or value == "":
            continue
        name = key[len(prefix):]
        if name == "DEFAULT":
            default_interval = parse_duration(value, key) or DEFAULT_INTERVAL
        elif name == "POLL":
            poll = parse_duration(value, key) or poll
        elif name == "MISFIRE_GRACE":
            grace = _grace(value, key)
        elif name == "LOCK_TIMEOUT":
            lock_timeout = parse_duration(value, key)
        elif name == "SCORE":
            score = _flag(value, key)
        elif name == "WORKERS":
            workers = _workers(value, key)
        elif name not in special and re.fullmatch(r"[A-Z][A-Z0-9_]*", name):
            intervals[name.lower()] = parse_duration(value, key, allow_off=True)
    return ScheduleConfig(intervals=intervals, default_interval=default_interval, poll=poll,
                          misfire_grace_time=grace, lock_timeout=lock_timeout or 30.0,
                          score_after_collect=score, workers=workers, path=Path(path) if path else None)
