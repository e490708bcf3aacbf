"""Metrics computed from the store, by stable name. NULL (None) means unknown, never zero.

Each module in this package that defines `NAMES` (ordered metric names) and
`compute(store, project_id, now) -> dict` contributes its metrics to every report.
"""

from __future__ import annotations

import importlib
import pkgutil
from datetime import datetime
from types import ModuleType
from typing import Any

from tracker.store import Store

# Providers run in this order; any other module found runs after them, by name.
_ORDER = ["git", "github", "funding", "scoring"]


def providers() -> list[ModuleType]:
    names = [m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")]
    names.sort(key=lambda n: (_ORDER.index(n) if n in _ORDER else len(_ORDER), n))
    found = []
    for name in names:
        module = importlib.import_module(f"{__name__}.{name}")
        if hasattr(module, "NAMES") and hasattr(module, "compute"):
            found.append(module)
    return found


def metric_names() -> list[str]:
    names: list[str] = []
    for module in providers():
        for n in module.NAMES:
            if n in names:
                raise RuntimeError(f"metric {n!r} is defined twice")
            names.append(n)
    return names


def compute_all(store: Store, project_id: int, now: datetime) -> dict[str, Any]:
    """Every metric of one project, in stable order; those a provider could not compute are None."""
    values: dict[str, Any] = {}
    for module in providers():
        got = module.compute(store, project_id, now, values)
        for n in module.NAMES:
            values[n] = got.get(n)
    return values
