"""Collectors: one module per source. Each turns its source into plain records and saves them;
none of them scores. A module takes part in `tracker collect` by defining `SOURCE`."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tracker.collect import CollectContext
    from tracker.registry import Project


@dataclass(frozen=True)
class Source:
    name: str                                   # stable id: git, github, pypi, ...
    description: str                            # one line for --help
    collect: Callable[[CollectContext, Project], None]
    order: int = 50                             # run order when collecting every source
    per_project: bool = True                    # False: one call covers all projects
    applies: Callable[[Project], bool] | None = None  # skip projects it cannot serve


def sources() -> dict[str, Source]:
    """Every collector module's SOURCE, by name, in run order."""
    found: dict[str, Source] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        source = getattr(module, "SOURCE", None)
        if source is None:
            continue
        if source.name in found:
            raise RuntimeError(f"two collectors claim the source name {source.name!r}")
        found[source.name] = source
    return dict(sorted(found.items(), key=lambda kv: (kv[1].order, kv[0])))
