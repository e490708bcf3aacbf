"""Run sources for projects: the one entry point of `tracker collect`, the scheduler and the app's
requests.

A *run* (one `collect()` call, one scheduler job) has one `RunSession`: the HTTP layer's state
(circuit breakers, rate-limit budgets, request counters; see collectors/http.py) and each remote
source's session (e.g. GitHub's batched GraphQL answers), shared by every project of the run.

For each source and project (`collect_one`):
1. a `collection_runs` row is opened as `running` (its own short transaction);
2. the source's `state(store, project)` is read: everything its fetch needs from the database;
3. `fetch(ctx, project, state)` runs with no transaction open (network, git, parsing);
4. each batch is saved in one transaction together with the run row: the transaction first checks
   that the project is still tracked (a `tracker remove` meanwhile wins and nothing is written),
   then calls the source's `save`, then records counters, cursor and parts; the final batch also
   closes the run as `ok`, `partial` (some parts failed: what arrived is saved, the rest stays
   unknown) or `error`.
A failure is recorded in its run and never raised: one project's failure never stops the others.
A project removed meanwhile gets nothing, not even its run row: the outcome is `removed`.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from collectors import Batch, FetchContext, Source, sources
from tracker import runs
from tracker.config import Config, redact
from tracker.errors import TrackerError, UsageError
from tracker.progress import Progress
from tracker.registry import Project
from tracker.runs import ProjectRemoved
from tracker.store import Store


@dataclass
class Outcome:
    source: str
    project: str | None
    status: str                     # ok | partial | error | interrupted | removed
    error: str | None               # the error, or for a partial run what failed
    counters: dict[str, Any]
    failed: dict[str, str] = field(default_factory=dict)   # part -> reason


class RunSession:
    """What the fetches of one run share: the HTTP session and each source's session.

    `options` may carry `clock` and `sleep` (tests inject both), `policy` (a collectors.http.Policy,
    else from the environment) and per-source settings (e.g. `github`).
    """

    def __init__(self, config: Config, options: dict[str, Any] | None = None, progress: Progress | None = None,
                 projects: Iterable[Project] = ()):
        self.config = config
        self.options = dict(options or {})
        self.projects = list(projects)
        self.progress = progress or Progress()
        self._http: Any = None
        self._sessions: dict[str, Any] = {}

    @property
    def http(self) -> Any:
        """The run's collectors.http.HttpSession, made when a remote source first needs it (a run
        of local sources never imports the HTTP stack)."""
        if self._http is None:
            from collectors.http import HttpSession, Policy

            self._http = HttpSession(self.options.get("policy") or Policy.from_env(),
                                     clock=self.options.get("clock") or time.time,
                                     sleep=self.options.get("sleep") or time.sleep,
                                     say=self.progress, secrets=self.config.secrets())
        return self._http

    def speak_to(self, progress: Progress) -> None:
        """Where progress messages of the HTTP layer (waits, retries) go from now on."""
        self.progress = progress
        if self._http is not None:
            self._http.say = progress

    def spent(self) -> tuple[int, int]:
        """Requests and GraphQL points spent so far in this run."""
        return (0, 0) if self._http is None else (self._http.requests, self._http.points)

    def session_for(self, source: Source) -> Any:
        """The source's run-scoped session (made on first use), or None for local sources."""
        if source.name not in self._sessions:
            opener = getattr(source.module, "open_session", None)
            self._sessions[source.name] = opener(self) if opener else None
        return self._sessions[source.name]

    def close(self) -> None:
        for session in self._sessions.values():
            closer = getattr(session, "close", None)
            if closer:
                with contextlib.suppress(Exception):
                    closer()
        self._sessions.clear()
        if self._http is not None:
            self._http.close()

    def __enter__(self) -> RunSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def select_sources(names: Iterable[str] | None) -> list[Source]:
    """The sources named (every one if None), in run order: what a source needs runs first."""
    available = sources()
    if names is None:
        return list(available.values())
    wanted = list(names)
    for name in wanted:
        if name not in available:
            raise UsageError(f"unknown source {name!r}; available: {', '.join(available)}")
    return [s for s in available.values() if s.name in wanted]


def unselected_needs(chosen: list[Source]) -> str | None:
    """One line saying which selected sources need sources that are not selected, or None."""
    names = {s.name for s in chosen}
    parts = [f"{s.name} needs {', '.join(n for n in s.needs if n not in names)}"
             for s in chosen if any(n not in names for n in s.needs)]
    if not parts:
        return None
    return ("; ".join(parts) + ": not selected, so what they stored in earlier runs is used "
            "(add them with --source to refresh it first)")


def collect(
    store: Store,
    config: Config,
    projects: list[Project],
    source_names: Iterable[str] | None = None,
    progress: Progress | None = None,
    options: dict[str, Any] | None = None,
) -> list[Outcome]:
    """Every chosen source for every project it serves, dependencies first, in one run."""
    progress = progress or Progress()
    chosen = select_sources(None if source_names is None else list(source_names))
    note = unselected_needs(chosen)
    if note:
        progress(note)
    outcomes = []
    with RunSession(config, options, progress, projects) as run:
        for source in chosen:
            targets = [p for p in projects if source.serves(p)]
            for i, project in enumerate(targets, 1):
                child = progress.child(f"[{i}/{len(targets)}] {source.name} {project.slug}: ")
                outcomes.append(collect_one(store, config, source, project, child, run=run))
    return outcomes


def collect_one(
    store: Store,
    config: Config,
    source: Source,
    project: Project,
    progress: Progress,
    options: dict[str, Any] | None = None,
    run: RunSession | None = None,
) -> Outcome:
    """Run one source for one project (in `run`, else in a run of its own). Errors are recorded
    in its run row, never raised."""
    if run is None:
        with RunSession(config, options, progress, [project]) as own:
            return _collect_one(store, config, source, project, progress, own)
    return _collect_one(store, config, source, project, progress, run)


def _read_state(store: Store, source: Source, project: Project) -> Any:
    reader = getattr(source.module, "state", None)
    if reader is None:
        return None
    held = getattr(store, "held", None)  # the scheduler's short-lived store: one connection for all reads
    with held() if held else contextlib.nullcontext():
        return reader(store, project)


def _batches(result: Batch | Iterator[Batch]) -> Iterator[Batch]:
    if isinstance(result, Batch):
        yield result
    else:
        yield from result


def _collect_one(store: Store, config: Config, source: Source, project: Project, progress: Progress,
                 rs: RunSession) -> Outcome:
    try:
        row = runs.start(store, source.name, project.id, project.slug)
    except ProjectRemoved as exc:
        progress(str(exc))
        return Outcome(source.name, project.slug, "removed", str(exc), {})
    rs.speak_to(progress)
    requests0, points0 = rs.spent()

    def meter() -> None:
        requests, points = rs.spent()
        row.requests, row.points = requests - requests0, points - points0

    status, error, last = "ok", None, None
    try:
        state = _read_state(store, source, project)
        ctx = FetchContext(config, runs.utcnow(), progress, rs.session_for(source), rs.options, row.resume_cursor)
        for batch in _batches(source.module.fetch(ctx, project, state)):
            meter()
            _save(store, config, source, project, row, batch)
            last = batch
        if last is None or not last.final:  # a resumable fetch that ended without its last batch
            with store.transaction():
                row.finish("ok" if last is None else last.status,
                           None if last is None else redact(last.error or last.failure_text() or "", config) or None,
                           parts=None if last is None else last.parts)
        status = last.status if last is not None else "ok"
        error = None if last is None else redact(last.error or last.failure_text() or "", config) or None
    except KeyboardInterrupt:
        meter()
        _close(store, row, "interrupted", "stopped by the user")
        raise
    except ProjectRemoved as exc:
        _close(store, row, "error", str(exc), last)
        runs.forget(store, row.id)
        progress(str(exc))
        return Outcome(source.name, project.slug, "removed", str(exc), {})
    except TrackerError as exc:
        status, error = "error", redact(str(exc), config)
        meter()
        _close(store, row, status, error, last)
    except Exception as exc:  # a bug or an unexpected reply: record it, keep going
        status, error = "error", redact(f"{type(exc).__name__}: {exc}", config)
        meter()
        _close(store, row, status, error, last)
    failed = last.failed() if last is not None else {}
    if status == "error" and error:
        progress.warn(f"{source.name} {project.slug}: {error}")
    elif status == "partial":
        progress.warn(f"{source.name} {project.slug}: partial: what arrived is saved, the rest stays "
                      f"unknown ({error})")
    if status in ("ok", "partial") and last is not None:
        summary = getattr(source.module, "summary", None)
        line = summary(last, row.counters) if summary else None
        if line:
            progress(f"done: {line}")
    return Outcome(source.name, project.slug, status, error, dict(row.counters), failed)


def _save(store: Store, config: Config, source: Source, project: Project, row: runs.Run, batch: Batch) -> None:
    """One batch and the run's bookkeeping in one transaction (the final one closes the run)."""
    with store.transaction():
        if not store.scalar("SELECT count(*) FROM projects WHERE id = ?", [project.id]):
            raise ProjectRemoved(f"{project.slug} was removed while it was being collected; nothing saved")
        extra = source.module.save(store, project, batch)
        row.counters.update(batch.counters)
        if extra:
            row.counters.update(extra)
        if batch.final:
            row.finish(batch.status, redact(batch.error or batch.failure_text() or "", config) or None,
                       parts=batch.parts, cursor=batch.cursor)
        else:
            row.save_cursor(batch.cursor, parts=batch.parts)


def _close(store: Store, row: runs.Run, status: str, error: str | None, last: Batch | None = None) -> None:
    """Finish a run whose work failed: roll back what is half-done, record the failure."""
    if store._in_tx:
        with contextlib.suppress(Exception):
            store.execute("ROLLBACK")
        store._in_tx = False
    with contextlib.suppress(Exception):
        row.finish(status, error, parts=last.parts if last is not None else None)
