"""Metrics computed from the store, by stable name (tracker/catalogue.py). None means unknown, never 0.

Every provider computes its metric family for a whole set of projects in a few SQL statements
(GROUP BY project_id, window functions, list aggregates), not project by project:

    values = metrics.compute(store, project_ids, now)    # {project_id: {name: value}}
    one = metrics.compute_all(store, project_id, now)     # one project, the same path

A provider is a module of this package that defines `NAMES` (its metric names, constants from
tracker.catalogue) and `compute_many(store, project_ids, now, known)` (see tracker/metrics/sets.py).
Providers run in `ORDER`; each sees, in `known`, what the ones before it computed (funding reads
git's active people, criticality everything before it).

Stale git data: with `git_grace_days`, a project whose git data (`git_data_at`) is older than that
at `now` has the providers in `AS_OF_GIT_DATA` computed as of its git data's date instead (the
others, e.g. a GitHub snapshot taken today, stay as of `now`): silence after a snapshot is
unknown, not inactivity (docs/methodology.md, "Stale data is not death").
"""

from __future__ import annotations

import importlib
import pkgutil
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from types import ModuleType
from typing import Any

from tracker.store import Store

ORDER = ("git_data", "git", "github", "funding", "truck_factor", "criticality", "pypi", "releases")
# Providers whose metrics are judged as of the git data's date when it is stale (their windows would
# otherwise count the time after a snapshot as silence): history, people, tags, release rhythm.
AS_OF_GIT_DATA = ("git", "releases")


@lru_cache(maxsize=1)
def _providers() -> tuple[ModuleType, ...]:
    names = [m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")]
    names.sort(key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n))
    found = []
    for name in names:
        module = importlib.import_module(f"{__name__}.{name}")
        if hasattr(module, "NAMES") and hasattr(module, "compute_many"):
            found.append(module)
    return tuple(found)


def providers() -> list[ModuleType]:
    """The provider modules in the order they run."""
    return list(_providers())


def metric_names() -> list[str]:
    """Every metric name, in provider order; a name two providers claim is an error."""
    names: list[str] = []
    for module in providers():
        for n in module.NAMES:
            if n in names:
                raise RuntimeError(f"metric {n!r} is defined twice")
            names.append(n)
    return names


def stale_git_data(values: dict[int, dict[str, Any]], now: datetime, grace_days: float) -> dict[int, datetime]:
    """Project id -> its git data's date, for projects whose git data is more than `grace_days` older
    than `now` (tracker.catalogue.GIT_DATA_AT)."""
    from tracker import catalogue

    limit = now - timedelta(days=grace_days)
    return {pid: m[catalogue.GIT_DATA_AT] for pid, m in values.items()
            if isinstance(m.get(catalogue.GIT_DATA_AT), datetime) and m[catalogue.GIT_DATA_AT] < limit}


def compute(store: Store, project_ids: Sequence[int], now: datetime,
            git_grace_days: float | None = None) -> dict[int, dict[str, Any]]:
    """Every metric of every project in `project_ids`, in stable order; unknown ones are None. With
    `git_grace_days`, stale git data is judged as of its own date (see the module's docstring)."""
    ids = list(dict.fromkeys(int(i) for i in project_ids))
    values: dict[int, dict[str, Any]] = {pid: {} for pid in ids}
    if not ids:
        return values
    by_date: dict[datetime, list[int]] = {}
    for module in providers():
        short = module.__name__.rsplit(".", 1)[-1]
        if by_date and short in AS_OF_GIT_DATA:
            stale = {pid for group in by_date.values() for pid in group}
            fresh = [pid for pid in ids if pid not in stale]
            got = module.compute_many(store, fresh, now, values) if fresh else {}
            for when, group in by_date.items():
                got.update(module.compute_many(store, group, when, {pid: values[pid] for pid in group}))
        else:
            got = module.compute_many(store, ids, now, values)
        for pid, mine in values.items():
            computed = got.get(pid) or {}
            for n in module.NAMES:
                mine[n] = computed.get(n)
        if short == "git_data" and git_grace_days is not None:
            grouped: dict[datetime, list[int]] = defaultdict(list)
            for pid, when in stale_git_data(values, now, git_grace_days).items():
                grouped[when].append(pid)
            by_date = dict(grouped)
    return values


def compute_all(store: Store, project_id: int, now: datetime, git_grace_days: float | None = None) -> dict[str, Any]:
    """Every metric of one project (the set-based path for a set of one)."""
    return compute(store, [project_id], now, git_grace_days)[project_id]
