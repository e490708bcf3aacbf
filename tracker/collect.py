"""Run collectors for projects: the one entry point used by the CLI and the scheduler."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from collectors import Source, sources
from tracker import runs
from tracker.config import Config, redact
from tracker.errors import TrackerError, UsageError
from tracker.progress import Progress
from tracker.registry import Project
from tracker.store import Store


@dataclass
class CollectContext:
    """What a collector gets: the store, configuration, its run, a progress printer, the clock."""

    store: Store
    config: Config
    run: runs.Run
    progress: Progress
    now: datetime
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    source: str
    project: str | None
    status: str
    error: str | None
    counters: dict[str, Any]


def select_sources(names: Iterable[str] | None) -> list[Source]:
    available = sources()
    if names is None:
        return list(available.values())
    chosen = []
    for name in names:
        if name not in available:
            raise UsageError(f"unknown source {name!r}; available: {', '.join(available)}")
        chosen.append(available[name])
    return chosen


def collect_one(
    store: Store,
    config: Config,
    source: Source,
    project: Project | None,
    progress: Progress,
    options: dict[str, Any] | None = None,
) -> Outcome:
    """Run one source for one project. Errors are recorded in its run, never raised: a failure
    on one project does not stop the others."""
    run = runs.start(store, source.name, project.id if project else None)
    ctx = CollectContext(store, config, run, progress, runs.utcnow(), dict(options or {}))
    status, error = "ok", None
    try:
        source.collect(ctx, project)
    except KeyboardInterrupt:
        _finish(store, run, "interrupted", "stopped by the user")
        raise
    except TrackerError as exc:
        status, error = "error", redact(str(exc), config)
    except Exception as exc:  # a bug or an unexpected reply: record it, keep going
        status, error = "error", redact(f"{type(exc).__name__}: {exc}", config)
    current = store.scalar("SELECT status FROM collection_runs WHERE id = ?", [run.id])
    if current == "running":
        _finish(store, run, status, error)
    elif status == "ok":
        status = current
    if error:
        progress.warn(f"{source.name} {project.slug if project else ''}: {error}".replace("  ", " "))
    return Outcome(source.name, project.slug if project else None, status, error, dict(run.counters))


def _finish(store: Store, run: runs.Run, status: str, error: str | None) -> None:
    try:
        store.execute("ROLLBACK") if store._in_tx else None
    except Exception:
        pass
    store._in_tx = False
    run.finish(status, error)


def collect(
    store: Store,
    config: Config,
    projects: list[Project],
    source_names: Iterable[str] | None = None,
    progress: Progress | None = None,
    options: dict[str, Any] | None = None,
) -> list[Outcome]:
    progress = progress or Progress()
    outcomes = []
    for source in select_sources(None if source_names is None else list(source_names)):
        if not source.per_project:
            progress(f"{source.name}: all projects")
            outcomes.append(collect_one(store, config, source, None, progress, options))
            continue
        targets = [p for p in projects if source.applies is None or source.applies(p)]
        for i, project in enumerate(targets, 1):
            child = progress.child(f"[{i}/{len(targets)}] {source.name} {project.slug}: ")
            outcomes.append(collect_one(store, config, source, project, child, options))
    return outcomes
