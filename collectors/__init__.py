"""Collectors: one folder per source (`collectors/<source>/`). None of them scores.

A source is declared once, in its package's `__init__.py`, as `SOURCE = Source(...)`: its name,
the tables it owns, the sources it needs, and the module that implements it. That module defines

    state(store, project) -> State              optional: what fetch needs from the store (plain data)
    fetch(ctx, project, state) -> Batch         no store: HTTP, git, parsing; or an iterator of
                                                batches for a long fetch that must stay resumable
    save(store, project, batch) -> dict | None  in the run's transaction; may return counters
    open_session(run) -> session                optional: run-scoped clients (remote sources)
    summary(batch, counters) -> str             optional: the "done: ..." progress line

`tracker.collect` runs them: state is read, fetch runs with no database connection in use, and
each batch is saved in one transaction together with the run's bookkeeping. Batches and states
are plain, picklable data, so fetches can run elsewhere (another process, a cluster) later.
The declaration module imports nothing heavy: the implementation is imported when first used.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracker.config import Config
    from tracker.registry import Project


@dataclass(frozen=True)
class Source:
    """A source as the framework, `tracker collect`, the scheduler and `tracker remove` see it."""

    name: str                                   # stable id: git, github, pypi, ...
    description: str                            # one line for --help
    implementation: str                         # module with state/fetch/save (imported on use)
    tables: tuple[str, ...] = ()                # tables it writes and owns
    needs: tuple[str, ...] = ()                 # sources whose tables it reads: they run first
    applies: Callable[[Project], bool] | None = None  # skip projects it cannot serve

    @property
    def module(self) -> ModuleType:
        return importlib.import_module(self.implementation)

    def serves(self, project: Project) -> bool:
        return self.applies is None or self.applies(project)


# -- what a fetch brings -----------------------------------------------------------------------
OK, FAILED, UNCHANGED, SKIPPED = "ok", "failed", "unchanged", "skipped"


@dataclass
class Part:
    """One part of a source's data (e.g. GitHub's releases): arrived, failed (with the reason),
    unchanged since the last run, or skipped (not due, or not available without a token)."""

    status: str
    reason: str | None = None


@dataclass
class Batch:
    """What one fetch brought, for `save`: plain data plus, per part, what arrived and what failed.

    `final=False` marks an intermediate batch of a resumable fetch (saved in its own transaction
    with its `cursor`); the last batch closes the run. `error` makes the run an error even though
    the batch is saved (e.g. 'repository not found', recorded as such).
    """

    data: Any = None
    parts: dict[str, Part] = field(default_factory=dict)
    counters: dict[str, Any] = field(default_factory=dict)
    cursor: Any = None
    final: bool = True
    error: str | None = None

    def ok(self, part: str, status: str = OK) -> None:
        if self.parts.get(part, Part(OK)).status != FAILED:
            self.parts[part] = Part(status)

    def fail(self, part: str, reason: str) -> None:
        """Record a failure of `part` (the first reason is kept)."""
        old = self.parts.get(part)
        if old is None or old.status != FAILED:
            self.parts[part] = Part(FAILED, reason)

    def failed(self) -> dict[str, str]:
        return {name: p.reason or "failed" for name, p in self.parts.items() if p.status == FAILED}

    @property
    def status(self) -> str:
        """ok, partial (some parts failed, others arrived) or error (a fatal error, or every
        part that was tried failed)."""
        if self.error:
            return "error"
        tried = [p for p in self.parts.values() if p.status != SKIPPED]
        failed = [p for p in tried if p.status == FAILED]
        if not failed:
            return "ok"
        return "partial" if len(failed) < len(tried) else "error"

    def failure_text(self) -> str | None:
        """The failed parts in one line, parts with the same reason together."""
        by_reason: dict[str, list[str]] = {}
        for name, reason in self.failed().items():
            by_reason.setdefault(reason, []).append(name)
        if not by_reason:
            return None
        return "; ".join(f"{', '.join(names)}: {reason}" for reason, names in by_reason.items())


@dataclass
class FetchContext:
    """What a fetch gets: configuration, the run's time, its options, a progress printer, its
    source's run-scoped session (None for local sources) and the cursor an interrupted earlier
    run left (if any). No store."""

    config: Config
    now: datetime
    progress: Any
    session: Any = None
    options: dict[str, Any] = field(default_factory=dict)
    resume: Any = None

    @property
    def full(self) -> bool:
        return bool(self.options.get("full"))


# -- the registry of sources -------------------------------------------------------------------
class SourceGraphError(RuntimeError):
    """The sources' declarations contradict each other (checked when they are loaded)."""


def order(declared: list[Source]) -> list[Source]:
    """Check the declarations against each other and put them in run order: dependencies first,
    among sources ready at the same time by name. A source name or table claimed twice, a need no
    source provides, or needs that form a cycle are errors (at start-up, not mid-collection)."""
    found: dict[str, Source] = {}
    owner: dict[str, str] = {}
    for source in declared:
        if source.name in found:
            raise SourceGraphError(f"two collectors claim the source name {source.name!r}")
        for table in source.tables:
            if table in owner:
                raise SourceGraphError(f"sources {owner[table]!r} and {source.name!r} both claim table {table!r}")
            owner[table] = source.name
        found[source.name] = source
    for s in found.values():
        unknown = [n for n in s.needs if n not in found]
        if unknown:
            raise SourceGraphError(f"source {s.name!r} needs {', '.join(unknown)}, which no collector provides")
    ordered: list[Source] = []
    done: set[str] = set()
    while len(ordered) < len(found):
        ready = sorted(n for n, s in found.items() if n not in done and all(d in done for d in s.needs))
        if not ready:
            raise SourceGraphError("the sources' needs form a cycle: " + ", ".join(sorted(set(found) - done)))
        ordered.append(found[ready[0]])
        done.add(ready[0])
    return ordered


@cache
def _load() -> tuple[Source, ...]:
    declared = []
    for info in pkgutil.iter_modules(__path__):
        if not info.ispkg or info.name.startswith("_"):
            continue
        source = getattr(importlib.import_module(f"{__name__}.{info.name}"), "SOURCE", None)
        if source is not None:
            declared.append(source)
    ordered = order(declared)
    from tracker.registry import register_project_table

    for s in ordered:  # `tracker remove` deletes each source's per-project rows
        for table in s.tables:
            register_project_table(table)
    return tuple(ordered)


def sources() -> dict[str, Source]:
    """Every source, by name, dependencies before their dependants."""
    return {s.name: s for s in _load()}


def dependants(name: str) -> list[Source]:
    """Sources that need `name`, directly or through another, in run order."""
    found: set[str] = {name}
    out = []
    for s in _load():
        if any(n in found for n in s.needs):
            found.add(s.name)
            out.append(s)
    return out


def table_owner(table: str) -> str | None:
    return next((s.name for s in _load() if table in s.tables), None)

