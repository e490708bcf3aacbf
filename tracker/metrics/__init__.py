"""Metrics computed from the store, by stable name (tracker/catalogue.py). None means unknown, never 0.

Every provider computes its metric family for a whole set of projects in a few SQL statements
(GROUP BY project_id, window functions, list aggregates), not project by project:

    values = metrics.compute(store, project_ids, now)    # {project_id: {name: value}}
    one = metrics.compute_all(store, project_id, now)     # one project, the same path

A provider is a module of this package that defines `NAMES` (its metric names, constants from
tracker.catalogue) and `compute_many(store, project_ids, now, known)` (see tracker/metrics/sets.py).
Providers run in `ORDER`; each sees, in `known`, what the ones before it computed (funding reads
git's active people, criticality everything before it).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from types import ModuleType
from typing import Any

from tracker.store import Store

ORDER = ("git", "github", "funding", "truck_factor", "criticality", "pypi")


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


def compute(store: Store, project_ids: Sequence[int], now: datetime) -> dict[int, dict[str, Any]]:
    """Every metric of every project in `project_ids`, in stable order; unknown ones are None."""
    ids = list(dict.fromkeys(int(i) for i in project_ids))
    values: dict[int, dict[str, Any]] = {pid: {} for pid in ids}
    if not ids:
        return values
    for module in providers():
        got = module.compute_many(store, ids, now, values)
        for pid, mine in values.items():
            computed = got.get(pid) or {}
            for n in module.NAMES:
                mine[n] = computed.get(n)
    return values


def compute_all(store: Store, project_id: int, now: datetime) -> dict[str, Any]:
    """Every metric of one project (the set-based path for a set of one)."""
    return compute(store, [project_id], now)[project_id]
