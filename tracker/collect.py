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
import heapq
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
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
    *,
    workers: int = 1,
    executor: str = "local",
    scheduler: Any = None,
) -> list[Outcome]:
    """Every chosen source for every project it serves, in one run; a source's needs for a
    project are saved before its fetch for that project starts.

    `workers=1` (the default here; `tracker collect` picks one per core) runs everything in this
    process, one project at a time. More workers run the fetches of portable sources (git,
    funding) in that many worker processes, or on a Dask cluster with `executor="dask"` and
    `scheduler` (an address or a `distributed.Client`), and the remote sources on one thread of
    this process; this process stays the single writer and saves each batch as it returns.
    """
    with store.threads(1):
        return _collect(store, config, projects, source_names, progress, options, workers, executor, scheduler)


def _collect(store: Store, config: Config, projects: list[Project], source_names: Iterable[str] | None,
             progress: Progress | None, options: dict[str, Any] | None, workers: int, executor: str,
             scheduler: Any) -> list[Outcome]:
    progress = progress or Progress()
    chosen = select_sources(None if source_names is None else list(source_names))
    note = unselected_needs(chosen)
    if note:
        progress(note)
    if workers <= 1 and executor == "local":
        outcomes = []
        with RunSession(config, options, progress, projects) as run:
            for source in chosen:
                targets = [p for p in projects if source.serves(p)]
                for i, project in enumerate(targets, 1):
                    child = progress.child(f"[{i}/{len(targets)}] {source.name} {project.slug}: ")
                    outcomes.append(collect_one(store, config, source, project, child, run=run))
        return outcomes
    names = {s.name for s in chosen}
    with RunSession(config, options, progress, projects) as run:
        engine = Parallel(config, run, progress, lambda label: contextlib.nullcontext(store),
                          workers=workers, executor=executor, scheduler=scheduler)
        for source in chosen:
            for project in projects:
                if source.serves(project):
                    engine.add(source, project, [n for n in source.needs if n in names])
        return engine.run()


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


class _Job:
    """One source for one project, as the writer sees it: its run row, the batches saved so far
    and how it ended. Used alike whether the fetch runs here, on a thread or in a worker."""

    def __init__(self, config: Config, source: Source, project: Project, progress: Progress, rs: RunSession):
        self.config, self.source, self.project, self.progress, self.rs = config, source, project, progress, rs
        self.row: runs.Run | None = None
        self.last: Batch | None = None
        self.status: str | None = None           # set once the run is closed
        self.error: str | None = None
        self.base = (0, 0)
        self.metered = True          # False for a fetch in a worker: the run's HTTP session is not its own
        self.state: Any = None       # what the fetch was given (kept for a worker's fetch: `complete`)

    def open(self, store: Store) -> Any:
        """Open the run row and read the state the fetch needs. ProjectRemoved (no row written)
        when the project is no longer tracked."""
        self.row = runs.start(store, self.source.name, self.project.id, self.project.slug)
        self.base = self.rs.spent()
        return _read_state(store, self.source, self.project)

    def meter(self) -> None:
        """Requests and points the run's HTTP session spent since this job opened (exact while
        one remote fetch at a time runs; portable sources spend none)."""
        if self.row is not None and self.metered:
            requests, points = self.rs.spent()
            self.row.requests, self.row.points = requests - self.base[0], points - self.base[1]

    def save(self, store: Store, batch: Batch) -> None:
        assert self.row is not None
        self.row.store = store
        self.meter()
        _save(store, self.config, self.source, self.project, self.row, batch)
        if self.last is not None:
            self.last.data = None       # saved: a long run must not keep every project's history
        self.last = batch

    def end(self, store: Store) -> None:
        """The fetch ended and every batch is saved: close the run if the last batch did not."""
        assert self.row is not None
        self.row.store = store
        last = self.last
        if last is None or not last.final:  # a resumable fetch that ended without its last batch
            with store.transaction():
                self.row.finish("ok" if last is None else last.status,
                                None if last is None else redact(last.error or last.failure_text() or "",
                                                                 self.config) or None,
                                parts=None if last is None else last.parts)
        self.status = last.status if last is not None else "ok"
        self.error = None if last is None else redact(last.error or last.failure_text() or "", self.config) or None

    def fail(self, store: Store | None, exc: BaseException | str, status: str = "error") -> None:
        """The fetch or a save failed: roll back what is half-done and record why. A project
        removed meanwhile keeps nothing, not even this run's row (outcome `removed`)."""
        if isinstance(exc, ProjectRemoved):
            self.status, self.error = "removed", str(exc)
            if self.row is not None and store is not None:
                self.row.store = store
                _close(store, self.row, "error", self.error, self.last)
                runs.forget(store, self.row.id)
            return
        if isinstance(exc, TrackerError) or isinstance(exc, str):
            error = str(exc)
        else:
            error = f"{type(exc).__name__}: {exc}"
        self.status, self.error = status, redact(error, self.config)
        self.meter()
        if self.row is not None and store is not None:
            self.row.store = store
            _close(store, self.row, status, self.error, self.last)

    def outcome(self, speak: bool = True) -> Outcome:
        """The result; with `speak`, says what went wrong or the 'done' line."""
        status, error, last = self.status or "error", self.error, self.last
        failed = last.failed() if last is not None else {}
        name, slug = self.source.name, self.project.slug
        if not speak:
            pass
        elif status == "removed":
            self.progress(error or f"{slug} was removed")
        elif status in ("error", "interrupted") and error:
            self.progress.warn(f"{name} {slug}: {error}")
        elif status == "partial":
            self.progress.warn(f"{name} {slug}: partial: what arrived is saved, the rest stays "
                               f"unknown ({error})")
        if status in ("ok", "partial") and last is not None and speak:
            line = self.summary()
            if line:
                self.progress(f"done: {line}")
        return Outcome(name, slug, status, error, dict(self.row.counters) if self.row else {}, failed)

    def summary(self) -> str | None:
        summary = getattr(self.source.module, "summary", None)
        if summary is None or self.last is None or self.row is None:
            return None
        return summary(self.last, self.row.counters)


def _collect_one(store: Store, config: Config, source: Source, project: Project, progress: Progress,
                 rs: RunSession) -> Outcome:
    job = _Job(config, source, project, progress, rs)
    rs.speak_to(progress)
    try:
        state = job.open(store)
        ctx = FetchContext(config, runs.utcnow(), progress, rs.session_for(source), rs.options,
                           job.row.resume_cursor)
        for batch in _batches(source.module.fetch(ctx, project, state)):
            job.save(store, batch)
        job.end(store)
    except KeyboardInterrupt:
        job.fail(store, "stopped by the user", "interrupted")
        raise
    except Exception as exc:  # a TrackerError, a bug or an unexpected reply: record it, keep going
        if _user_stop(exc):
            job.fail(store, "stopped by the user", "interrupted")
            raise KeyboardInterrupt from None
        job.fail(store, exc)
    return job.outcome()


def _user_stop(exc: BaseException) -> bool:
    """Ctrl-C that arrived while DuckDB ran a statement: DuckDB stops the statement and raises
    this instead of KeyboardInterrupt. It is the user's stop, not a failure of the project."""
    import duckdb

    return isinstance(exc, getattr(duckdb, "InterruptException", ())) or (
        isinstance(exc, RuntimeError) and str(exc).strip() == "Query interrupted")


# -- parallel runs: many fetches at once, one writer ------------------------------------------------
PREPARE_AHEAD = 16      # portable tasks whose run rows are opened together, in one transaction
_FAILED = object()
Writer = Callable[[str], contextlib.AbstractContextManager[Store]]


class Parallel:
    """A run whose fetches run side by side while this process saves what they bring.

    Tasks are (source, project) pairs. A task waits until the tasks it needs for the same project
    are finished and saved; then the writer opens its run row, reads its state and hands the
    fetch to its lane: a portable source's to the worker processes (or the Dask cluster), a
    remote source's to one thread of this process (it uses the run's HTTP session), or, without
    workers, runs it right here. Every batch is saved by this thread, in its own transaction, as
    it arrives; each finished task prints one line.

    `writer(label)` gives the store for one short unit of writing (the scheduler takes its writer
    lock there; its errors listed in `fatal` end the run, the runs in flight recorded as
    interrupted when the writer still can); `follow_ups(store, source, project)` names sources to run next for the project
    (the scheduler's dependants when due); `should_stop()` stops starting new tasks (those in
    flight are finished and saved); `between(store)` runs after each finished task.
    `skip(source, project)`: a task for which it is true when its turn comes is not started (no run
    row, no line; its outcome says `skipped`): the scheduler's host found unreachable in this run.
    `on_finish(store, project, outcome)` hears each finished task before its follow-ups are planned;
    `project_done(store, project, outcomes)` runs once every task of a project planned so far has
    finished (the scheduler scores the project there).
    """

    def __init__(self, config: Config, run: RunSession, progress: Progress, writer: Writer, *,
                 workers: int = 1, executor: str = "local", scheduler: Any = None,
                 follow_ups: Callable[[Store, Source, Project], list[Source]] | None = None,
                 should_stop: Callable[[], bool] | None = None,
                 between: Callable[[Store], None] | None = None,
                 fatal: tuple[type[BaseException], ...] = (),
                 skip: Callable[[Source, Project], bool] | None = None,
                 on_finish: Callable[[Store, Project, Outcome], None] | None = None,
                 project_done: Callable[[Store, Project, list[Outcome]], None] | None = None):
        self.config, self.run_session, self.progress, self.writer = config, run, progress, writer
        self.fatal = fatal          # errors of the writer that end the run (e.g. the lock is gone)
        self.workers, self.executor, self.scheduler = workers, executor, scheduler
        self.follow_ups, self.should_stop, self.between = follow_ups, should_stop, between
        self.skip, self.on_finish, self.project_done = skip, on_finish, project_done
        self.by_project: dict[int, list[_Job]] = {}
        self.rank = {name: i for i, name in enumerate(sources())}
        self.order: dict[int, int] = {}
        self.jobs: dict[tuple[str, int], _Job] = {}
        self.waits: dict[tuple[str, int], set[tuple[str, int]]] = {}
        self.blocks: dict[tuple[str, int], list[tuple[str, int]]] = {}
        self.ready: dict[str, list[tuple[int, int, tuple[str, int]]]] = {"pool": [], "remote": [], "inline": []}
        self.flying: dict[tuple[str, int], str] = {}
        self.finished: list[_Job] = []
        self.events: queue.SimpleQueue = queue.SimpleQueue()
        self.lane: Any = None
        self.prepared: deque[tuple[tuple[str, int], Any]] = deque()
        self.remote_busy = False
        self.pool_tasks = 0
        self.small = False          # at most one portable task: no worker process is worth starting

    # -- planning ----------------------------------------------------------------------------
    def add(self, source: Source, project: Project, needs: Iterable[str] = ()) -> bool:
        """Plan `source` for `project` after the named sources (those planned in this run)."""
        key = (source.name, project.id)
        if key in self.jobs:
            return False
        self.order.setdefault(project.id, len(self.order))
        self.jobs[key] = _Job(self.config, source, project, self.progress, self.run_session)
        self.by_project.setdefault(project.id, []).append(self.jobs[key])
        waits = {(n, project.id) for n in needs if (n, project.id) in self.jobs
                 and self.jobs[(n, project.id)].status is None}
        self.waits[key] = waits
        for w in waits:
            self.blocks.setdefault(w, []).append(key)
        if not waits:
            self._make_ready(key)
        return True

    def _lane_of(self, source: Source) -> str:
        from tracker.executors import portable

        if self.workers <= 1 and self.executor == "local":
            return "inline"
        if portable(source):
            return "inline" if self.small else "pool"
        return "remote"

    def _make_ready(self, key: tuple[str, int]) -> None:
        job = self.jobs[key]
        lane = self._lane_of(job.source)
        if lane == "pool":
            self.pool_tasks += 1
        heapq.heappush(self.ready[lane], (-self.rank.get(key[0], 0), self.order[key[1]], key))

    # -- running -----------------------------------------------------------------------------
    def run(self) -> list[Outcome]:
        from tracker.executors import worker_config

        self._worker_config = worker_config(self.config)
        self.total = len(self.jobs)
        self.pool_size = self.workers
        if self.executor == "local" and self.follow_ups is None:
            if self.pool_tasks <= 1:
                # one portable task (or none): a worker process would only add its start-up
                self.small = True
                self.ready["inline"].extend(self.ready["pool"])
                heapq.heapify(self.ready["inline"])
                self.ready["pool"] = []
            self.pool_size = max(1, min(self.workers, self.pool_tasks))
        self.run_session.speak_to(self.progress)   # the HTTP layer's waits and retries, as they happen
        try:
            while True:
                self._dispatch()
                if not self.flying:
                    if self.ready["inline"] and not self._stopping():
                        continue
                    break
                self._handle(self.events.get())
        except KeyboardInterrupt:
            self._interrupt()
            raise
        except self.fatal:
            self._interrupt("the run stopped before it finished")
            raise
        finally:
            if self.lane is not None:
                self.lane.close(kill=bool(self.flying))
        self.finished.sort(key=lambda j: (self.rank.get(j.source.name, 0), self.order[j.project.id]))
        return [j.outcome(speak=False) for j in self.finished]

    def _skipped(self, key: tuple[str, int]) -> bool:
        """Whether the task is not to be started (`skip`); if so it is finished as `skipped`."""
        job = self.jobs[key]
        if self.skip is None or not self.skip(job.source, job.project):
            return False
        job.status = "skipped"
        self._finish(job)
        return True

    def _stopping(self) -> bool:
        return bool(self.should_stop and self.should_stop())

    def _dispatch(self) -> None:
        if self._stopping():
            self._drop_prepared()
            return
        if self.ready["pool"] and self.lane is None:
            from tracker import executors

            self.lane = executors.make_lane(self.executor, self.pool_size, self.scheduler)
        while self.lane is not None and self.lane.free() > 0 and (self.prepared or self.ready["pool"]):
            if not self.prepared:
                self._prepare()
                continue
            key, state = self.prepared.popleft()
            if self.skip is not None and self.skip(self.jobs[key].source, self.jobs[key].project):
                self._unopen(self.jobs[key])
                continue
            self._submit(key, state)
        if self.ready["remote"] and not self.remote_busy:
            self._start(heapq.heappop(self.ready["remote"])[2], "remote")
        if self.ready["inline"] and not self._stopping():
            self._start(heapq.heappop(self.ready["inline"])[2], "inline")

    def _record_failure(self, job: _Job, exc: Exception, label: str) -> None:
        """Called while `exc` is handled: Ctrl-C and fatal errors go on up; any other failure is
        recorded on the job's run (a failure to record it is not a second failure)."""
        if _user_stop(exc):
            raise KeyboardInterrupt from None
        if isinstance(exc, self.fatal):
            raise exc
        with contextlib.suppress(Exception), self.writer(f"recording {label}") as store:
            job.fail(store, exc)

    def _label(self, job: _Job) -> str:
        return f"{job.source.name} {job.project.slug}"

    def _prepare(self) -> None:
        """Open the run rows and read the states of the next few portable tasks in one
        transaction (one commit for several rows: the writer's time per project matters)."""
        keys = [heapq.heappop(self.ready["pool"])[2]
                for _ in range(min(PREPARE_AHEAD, len(self.ready["pool"])))]
        keys = [key for key in keys if not self._skipped(key)]
        if not keys:
            return
        opened: list[tuple[tuple[str, int], Any]] = []
        removed: list[_Job] = []
        try:
            with self.writer(f"starting {len(keys)} fetches") as store, store.transaction():
                for key in keys:
                    try:
                        opened.append((key, self.jobs[key].open(store)))
                    except ProjectRemoved as exc:   # no row was written: nothing to roll back
                        self.jobs[key].fail(None, exc)
                        removed.append(self.jobs[key])
        except Exception as exc:  # rolled back: open them one by one to find the culprit
            if _user_stop(exc):
                raise KeyboardInterrupt from None
            if isinstance(exc, self.fatal):
                raise
            for key in keys:
                self.jobs[key].row = None
                self.jobs[key].status = self.jobs[key].error = None
            opened, removed = [], []
            if self._stopping():
                return
            for key in keys:
                state = self._open_one(self.jobs[key])
                if state is not _FAILED:
                    opened.append((key, state))
        self.prepared.extend(opened)
        for job in removed:
            self._finish(job)

    def _open_one(self, job: _Job) -> Any:
        try:
            with self.writer(f"starting {self._label(job)}") as store:
                return job.open(store)
        except Exception as exc:
            if _user_stop(exc):
                raise KeyboardInterrupt from None
            if isinstance(exc, self.fatal):
                raise
            if self._stopping():        # the scheduler is stopping: the task is simply not started
                return _FAILED
            with contextlib.suppress(Exception), self.writer(f"recording {self._label(job)}") as store:
                job.fail(store, exc)
            self._finish(job)
            return _FAILED

    def _unopen(self, job: _Job) -> None:
        """A prepared task that is skipped after all: its run row goes (nothing was tried)."""
        if job.row is not None:
            with contextlib.suppress(Exception), self.writer(f"recording {self._label(job)}") as store:
                runs.discard(store, job.row.id)
        job.status = "skipped"
        self._finish(job)

    def _drop_prepared(self) -> None:
        """Stopping: the tasks whose rows are open but whose fetch never started."""
        while self.prepared:
            key, _ = self.prepared.popleft()
            job = self.jobs[key]
            with contextlib.suppress(Exception), self.writer(f"recording {self._label(job)}") as store:
                job.fail(store, "stopped before its fetch started", "interrupted")
            self._finish(job)

    def _submit(self, key: tuple[str, int], state: Any) -> None:
        from tracker.executors import FetchTask, worker_options

        job = self.jobs[key]
        job.metered = False
        job.state = state           # for the writer's `complete` of what comes back
        self.flying[key] = "pool"
        task = FetchTask(job.source.name, job.project, state, runs.utcnow(), worker_options(self.run_session.options),
                         job.row.resume_cursor, self._worker_config)
        try:
            self.lane.submit(task, lambda result, error: self.events.put((key, "result", (result, error))))
        except Exception as exc:  # e.g. the task cannot be pickled, or the cluster is gone
            self.events.put((key, "result", (None, exc)))

    def _start(self, key: tuple[str, int], lane: str) -> None:
        if self._skipped(key):
            return
        job = self.jobs[key]
        state = self._open_one(job)
        if state is _FAILED:
            return
        now = runs.utcnow()
        self.flying[key] = lane
        if lane == "remote":
            self.remote_busy = True
            threading.Thread(target=self._remote, args=(key, job, state, now), daemon=True,
                             name=f"fetch {self._label(job)}").start()
        else:
            self._inline(key, job, state, now)

    def _remote(self, key: tuple[str, int], job: _Job, state: Any, now: Any) -> None:
        """A remote source's fetch on its thread: each batch goes to the writer as it comes."""
        from tracker.executors import Recorder

        recorder = Recorder()
        try:
            ctx = FetchContext(self.config, now, recorder, self.run_session.session_for(job.source),
                               self.run_session.options, job.row.resume_cursor)
            for batch in _batches(job.source.module.fetch(ctx, job.project, state)):
                if job.status is not None:      # a save failed: stop fetching
                    break
                self.events.put((key, "batch", batch))
            self.events.put((key, "end", (recorder.lines, None)))
        except BaseException as exc:  # noqa: BLE001 (recorded by the writer)
            self.events.put((key, "end", (recorder.lines, exc)))

    def _inline(self, key: tuple[str, int], job: _Job, state: Any, now: Any) -> None:
        job.progress = self.progress.child(f"{self._label(job)}: ")
        if self.workers <= 1 and self.executor == "local":
            self.run_session.speak_to(job.progress)
        try:
            ctx = FetchContext(self.config, now, job.progress, self.run_session.session_for(job.source),
                               self.run_session.options, job.row.resume_cursor)
            for batch in _batches(job.source.module.fetch(ctx, job.project, state)):
                with self.writer(f"saving {self._label(job)}") as store:
                    job.save(store, batch)
            with self.writer(f"saving {self._label(job)}") as store:
                job.end(store)
        except KeyboardInterrupt:
            raise
        except Exception as exc:
            self._record_failure(job, exc, self._label(job))
        self.flying.pop(key, None)
        self._finish(job)

    def _handle(self, event: tuple[tuple[str, int], str, Any]) -> None:
        key, kind, payload = event
        job = self.jobs[key]
        label = self._label(job)
        try:
            if kind == "batch":
                if job.status is None:
                    with self.writer(f"saving {label}") as store:
                        job.save(store, payload)
                return
            if kind == "end":
                self.remote_busy = False
                lines, error = payload
                self._say(job, lines)
                if job.status is None:
                    with self.writer(f"saving {label}") as store:
                        if error is not None:
                            job.fail(store, error, "interrupted" if isinstance(error, KeyboardInterrupt) else "error")
                        else:
                            job.end(store)
            else:  # a worker's result
                result, error = payload
                with self.writer(f"saving {label}") as store:
                    if error is not None:
                        from tracker.executors import LaneLost

                        job.fail(store, str(error) if isinstance(error, LaneLost) else error,
                                 "interrupted" if isinstance(error, LaneLost) else "error")
                    else:
                        self._say(job, result.messages)
                        self._complete(job, result.batches)
                        for batch in result.batches:
                            job.save(store, batch)
                        if result.error is not None:
                            job.fail(store, result.error)
                        else:
                            job.end(store)
        except Exception as exc:  # a save failed (e.g. the project was removed meanwhile)
            self._record_failure(job, exc, label)
            if job.status is None:
                if isinstance(exc, ProjectRemoved):
                    job.status, job.error = "removed", str(exc)
                else:
                    job.status, job.error = "error", redact(f"{type(exc).__name__}: {exc}", self.config)
        self.flying.pop(key, None)
        self._finish(job)

    def _complete(self, job: _Job, batches: list[Batch]) -> None:
        """What a worker's fetch left to the run's session (the source's `complete`), done here."""
        complete = getattr(job.source.module, "complete", None)
        if complete is None or not batches:
            return
        from tracker.executors import Recorder

        recorder = Recorder()
        ctx = FetchContext(self.config, runs.utcnow(), recorder, self.run_session.session_for(job.source),
                           self.run_session.options, job.row.resume_cursor if job.row else None)
        try:
            for batch in batches:
                complete(ctx, job.project, job.state, batch)
        finally:   # the writer's own work (e.g. cloning an owner's .github once): said as it happens
            for kind, text in recorder.lines:
                (self.progress.warn if kind == "warn" else self.progress)(f"{self._label(job)}: {text}")

    def _say(self, job: _Job, lines: list[tuple[str, str]]) -> None:
        for kind, text in lines:
            if kind == "warn":
                self.progress.warn(f"{self._label(job)}: {text}")

    def _finish(self, job: _Job) -> None:
        """Print the task's line, release the tasks waiting for it, plan its follow-ups."""
        key = (job.source.name, job.project.id)
        if job.status is None:
            job.status = "error"
        if job.status == "skipped":     # not started: no line, not among the outcomes
            self.total -= 1
            for blocked in self.blocks.pop(key, []):
                self.waits[blocked].discard(key)
                if not self.waits[blocked]:
                    self._make_ready(blocked)
            self._after(job)
            return
        self.finished.append(job)
        line = job.summary() if job.status in ("ok", "partial") else None
        text = job.status if not line else f"{job.status}: {line}"
        if job.status not in ("ok", "partial") and job.error:
            text = f"{job.status}: {job.error}"
        job.progress = self.progress
        if job.last is not None:
            job.last.data = None        # saved (or failed): only its parts and status are kept
        # the item prefix drives the progress bar on a terminal (tracker.progress); elsewhere one line
        item = self.progress.child(f"{self.progress.prefix}[{len(self.finished)}/{self.total}] {self._label(job)}: ")
        say = item if job.status in ("ok", "partial", "removed") else item.warn
        say(text)
        for blocked in self.blocks.pop(key, []):
            self.waits[blocked].discard(key)
            if not self.waits[blocked]:
                self._make_ready(blocked)
        self._after(job)

    def _after(self, job: _Job) -> None:
        """The hooks after a finished task, in one short write: `on_finish`, follow-ups,
        `project_done` when the project has nothing left in this run, `between`."""
        hooks = (self.follow_ups, self.between, self.on_finish, self.project_done)
        if all(h is None for h in hooks):
            return
        skipped = job.status == "skipped"
        try:
            with self.writer(f"after {self._label(job)}") as store:
                if self.on_finish is not None and not skipped:
                    self.on_finish(store, job.project, job.outcome(speak=False))
                if self.follow_ups is not None and not skipped and not self._stopping():
                    for source in self.follow_ups(store, job.source, job.project):
                        if self.add(source, job.project, source.needs):
                            self.total += 1
                mine = self.by_project.get(job.project.id, [])
                if self.project_done is not None and all(j.status is not None for j in mine):
                    self.project_done(store, job.project,
                                      [j.outcome(speak=False) for j in mine if j.status != "skipped"])
                if self.between is not None:
                    self.between(store)
        except Exception as exc:  # noqa: BLE001 (the scheduler logs its own problems)
            if isinstance(exc, self.fatal):
                raise
            if not self._stopping():
                self.progress.warn(f"after {self._label(job)}: {type(exc).__name__}: {exc}")

    def _interrupt(self, why: str = "stopped by the user") -> None:
        """Ctrl-C (or a fatal writer error): every run in flight is recorded as interrupted; the
        workers are stopped."""
        for key in list(self.flying) + [k for k, _ in self.prepared]:
            job = self.jobs[key]
            if job.status is None:
                with contextlib.suppress(Exception), self.writer(f"recording {self._label(job)}") as store:
                    job.fail(store, why, "interrupted")
        if self.lane is not None:
            self.lane.close(kill=True)
            self.lane = None


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
