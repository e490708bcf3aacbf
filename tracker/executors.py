"""Where fetches run: in the writer itself, in a pool of worker processes, or on a Dask cluster.

The writer (the process that holds the database) reads each task's state, hands the fetch to a
*lane* and saves the batches that come back, one transaction per batch (tracker/collect.py). This
module holds the lanes and the one function that runs a fetch away from the writer:

* `run_fetch(task)` runs a `FetchTask` (source name, project, state, time, options, a config
  without tokens) anywhere the package is installed and returns a `FetchResult`: the batches, the
  progress messages it would have printed, and the error if the fetch raised. No store, no
  network session of the writer's.
* `ProcessLane`: N worker processes, each its own one-process `concurrent.futures`
  `ProcessPoolExecutor`. One process per executor is what makes a crash lose only its own task:
  a worker killed with `kill -9` (or by the OOM killer) breaks only its executor
  (`BrokenProcessPool` for the one task it was running), which is replaced; a shared
  `ProcessPoolExecutor` would fail every pending task and could not say which one was running
  on the dead process.
* `DaskLane`: the same tasks submitted to a `dask.distributed` cluster (`pip install '.[dask]'`).

Only *portable* sources go to a lane: those without a run-scoped session (`open_session`), or
whose session is needed only to complete a batch in the writer (`complete`), i.e. git and funding. Remote sources (GitHub, PyPI, Open Collective) share the run's HTTP session
(circuit breakers, rate-limit budgets, concurrency slots, GitHub's batched GraphQL answers): that
state lives in the writer and cannot be shared by other processes, so they run on a thread of
the writer (see docs/scaling.md for why they do not go to Dask).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from collectors import Batch, FetchContext, Source, sources
from tracker.config import Config
from tracker.errors import TrackerError, UsageError

if TYPE_CHECKING:  # the worker machinery is imported when a lane is made, not by `tracker --help`
    from concurrent.futures import Future, ProcessPoolExecutor

    from tracker.registry import Project

MAX_WORKERS_DEFAULT = 4          # more git processes than this gain nothing on a laptop's disk
TASKS_PER_WORKER_PROCESS = 1000  # a worker process is replaced after this many fetches (bounded RSS)
EXECUTORS = ("local", "dask")


# -- what travels to a worker and back ------------------------------------------------------------
@dataclass
class FetchTask:
    """Everything a fetch needs, as plain picklable data (no store, no session, no tokens)."""

    source: str
    project: Project
    state: Any
    now: datetime
    options: dict[str, Any]
    resume: Any
    config: Config
    on_cluster: bool = False    # runs on another machine: clone into that worker's own git cache


@dataclass
class FetchResult:
    """What a fetch brought back: its batches, the messages it said and how it ended."""

    batches: list[Batch] = field(default_factory=list)
    messages: list[tuple[str, str]] = field(default_factory=list)   # (info|warn, text)
    error: str | None = None            # the fetch raised: its message (redacted by the writer)
    error_kind: str | None = None       # tracker (a TrackerError: the user's words) | bug
    seconds: float = 0.0                # the fetch's own wall time where it ran
    where: str = ""                     # host:pid


class Recorder:
    """A Progress for a fetch that runs away from the writer: it keeps the lines instead of
    printing them, so the writer prints one line per finished project."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []
        self.quiet = True

    def child(self, prefix: str) -> Recorder:
        return self

    def __call__(self, message: str) -> None:
        self.lines.append(("info", message))

    def warn(self, message: str) -> None:
        self.lines.append(("warn", message))


def portable(source: Source) -> bool:
    """A source whose fetch can run in another process or on another machine: one without a
    run-scoped session shared by the run's projects, or one whose module has `complete(ctx,
    project, state, batch)`: its fetch runs without the session (`ctx.session` None) and the
    writer completes each returned batch with it (git: the owners' `.github` defaults)."""
    module = source.module
    return getattr(module, "open_session", None) is None or callable(getattr(module, "complete", None))


def worker_config(config: Config) -> Config:
    """The configuration a task carries: no tokens (portable sources need none, and a task's
    arguments may end up in a cluster's logs and dashboards)."""
    return replace(config, github_token=None, opencollective_token=None, github_app_id=None,
                   github_app_private_key_path=None, github_app_private_key=None)


def worker_options(options: dict[str, Any]) -> dict[str, Any]:
    """The run's options a task carries: plain values only (clocks, sleeps and the HTTP policy
    belong to the writer's session)."""
    return {k: v for k, v in options.items() if k != "policy" and not callable(v)}


def run_fetch(task: FetchTask) -> FetchResult:
    """Run one fetch where this function is called (a worker process, a Dask worker). Exceptions
    are returned, not raised, so the writer records them exactly as for a fetch it ran itself."""
    started = time.perf_counter()
    config = task.config
    cache = os.environ.get("TRACKER_GIT_CACHE")
    if cache and task.on_cluster:
        # on a cluster each worker clones into its own cache (its environment says where)
        from pathlib import Path

        config = replace(config, git_cache=Path(cache).expanduser())
    recorder = Recorder()
    result = FetchResult(messages=recorder.lines, where=f"{_host()}:{os.getpid()}")
    try:
        source = sources()[task.source]
        ctx = FetchContext(config, task.now, recorder, None, task.options, task.resume)
        fetched = source.module.fetch(ctx, task.project, task.state)
        if isinstance(fetched, Batch):
            result.batches.append(fetched)
        else:
            result.batches.extend(fetched)
    except TrackerError as exc:
        result.error, result.error_kind = str(exc), "tracker"
    except Exception as exc:  # a bug or an unexpected answer: the writer records it and goes on
        result.error, result.error_kind = f"{type(exc).__name__}: {exc}", "bug"
        recorder.lines.append(("debug", "".join(traceback.format_exception(exc))[-4000:]))
    result.seconds = time.perf_counter() - started
    return result


def _host() -> str:
    import socket

    return socket.gethostname()


# -- how many workers ------------------------------------------------------------------------------
def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def default_workers() -> int:
    """Worker processes for git when nothing is set: one per core, at most 4 (measured in
    docs/performance.md: git reads are CPU-bound here, more processes than cores only add
    switching, and past 4 a laptop's disk is the limit)."""
    return max(1, min(cpu_count(), MAX_WORKERS_DEFAULT))


def parse_workers(value: Any, what: str = "--workers") -> int | None:
    """A worker count from the command line or the environment: a whole number >= 1, or 'auto'
    (None: the default for this machine)."""
    if value is None:
        return None
    text = str(value).strip().lower()
    if text in ("", "auto"):
        return None
    try:
        n = int(text)
    except ValueError:
        raise UsageError(f"{what}={value!r}: expected a whole number of worker processes or 'auto'") from None
    if n < 1:
        raise UsageError(f"{what}={value!r}: at least 1 (1 = everything in this process, one project at a time)")
    return n


# -- lanes -----------------------------------------------------------------------------------------
Done = Callable[[FetchResult | None, BaseException | None], None]


class LaneLost(Exception):  # noqa: N818 (a reason, shown to the user)
    """The process or cluster worker running a fetch went away; its message says how."""


def _ignore_sigint() -> None:
    # Ctrl-C is the writer's to handle: it stops dispatching, records the runs in flight as
    # interrupted and shuts the workers down.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class ProcessLane:
    """`workers` worker processes; at most one task each at a time (see the module docstring)."""

    kind = "processes"

    def __init__(self, workers: int):
        import multiprocessing

        self.workers = max(1, workers)
        self._context = multiprocessing.get_context("spawn")
        self._slots: list[ProcessPoolExecutor | None] = [None] * self.workers
        self._busy: list[bool] = [False] * self.workers
        self._lock = threading.Lock()

    @property
    def capacity(self) -> int:
        return self.workers

    def free(self) -> int:
        with self._lock:
            return self._busy.count(False)

    def _executor(self, i: int) -> ProcessPoolExecutor:
        from concurrent.futures import ProcessPoolExecutor

        ex = self._slots[i]
        if ex is None:
            ex = self._slots[i] = ProcessPoolExecutor(
                max_workers=1, mp_context=self._context, initializer=_ignore_sigint,
                max_tasks_per_child=TASKS_PER_WORKER_PROCESS)
        return ex

    def submit(self, task: FetchTask, done: Done) -> None:
        from concurrent.futures.process import BrokenProcessPool

        with self._lock:
            i = self._busy.index(False)
            self._busy[i] = True
            ex = self._executor(i)

        def finished(future: Future) -> None:
            error: BaseException | None = None
            result = None
            try:
                result = future.result()
            except BrokenProcessPool:
                error = LaneLost(self._death(ex))
                with self._lock:
                    if self._slots[i] is ex:
                        self._slots[i] = None       # a fresh process for the next task
                with contextlib.suppress(Exception):
                    ex.shutdown(wait=False, cancel_futures=True)
            except BaseException as exc:  # e.g. the task could not be pickled
                error = exc
            with self._lock:
                self._busy[i] = False
            done(result, error)

        try:
            future = ex.submit(run_fetch, task)
        except BrokenProcessPool:
            with self._lock:
                self._slots[i] = None
            ex = self._executor(i)
            future = ex.submit(run_fetch, task)
        future.add_done_callback(finished)

    @staticmethod
    def _death(ex: ProcessPoolExecutor) -> str:
        """How the worker process died, as far as its executor knows (exit code or signal)."""
        how = "it stopped abruptly"
        for proc in list((getattr(ex, "_processes", None) or {}).values()):
            with contextlib.suppress(Exception):
                proc.join(1.0)      # already gone: this only collects its exit status
            code = getattr(proc, "exitcode", None)
            if code is not None and code < 0:
                try:
                    how = f"it was killed by {signal.Signals(-code).name}"
                except ValueError:
                    how = f"it was killed by signal {-code}"
            elif code:
                how = f"it exited with code {code}"
        return f"the worker process collecting it died ({how}); nothing of it was saved"

    def close(self, kill: bool = False) -> None:
        """Shut the worker processes down; with `kill` (Ctrl-C, a fatal error) stop them at once:
        SIGTERM, then SIGKILL for one still there after 3 s, so nothing outlives the command."""
        procs = []
        for ex in self._slots:
            if ex is not None and kill:
                procs += list((getattr(ex, "_processes", None) or {}).values())
        for proc in procs:
            with contextlib.suppress(Exception):
                proc.terminate()
        for proc in procs:
            with contextlib.suppress(Exception):
                proc.join(3)
                if proc.is_alive():
                    proc.kill()
                    proc.join(3)
        for i, ex in enumerate(self._slots):
            if ex is None:
                continue
            with contextlib.suppress(Exception):
                ex.shutdown(wait=not kill, cancel_futures=True)
            self._slots[i] = None


class DaskLane:
    """Fetch tasks on a `dask.distributed` cluster. The writer stays here and saves what returns.

    `scheduler` is the scheduler's address (tcp://HOST:PORT) or an existing `distributed.Client`
    (tests pass one for a LocalCluster). Workers need this package installed (same version), git
    on PATH, and the repositories' paths (a shared file system) or network access for URLs; each
    worker clones into its own TRACKER_GIT_CACHE.
    """

    kind = "dask"

    def __init__(self, scheduler: Any, timeout: float = 30.0):
        try:
            from distributed import Client
        except ImportError:
            raise UsageError("--executor dask needs dask.distributed: pip install 'oss-sustainability-tracker[dask]'"
                             " (or pip install 'dask[distributed]')") from None
        if isinstance(scheduler, Client):
            self.client, self._own = scheduler, False
        else:
            if not scheduler:
                raise UsageError("--executor dask needs the scheduler's address: --scheduler tcp://HOST:PORT "
                                 "(or TRACKER_DASK_SCHEDULER)")
            try:
                self.client, self._own = Client(scheduler, timeout=timeout, set_as_default=False), True
            except OSError as exc:
                raise TrackerError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        self.run_id = uuid.uuid4().hex[:8]
        self._in_flight = 0
        self._lock = threading.Lock()
        self._capacity, self._capacity_at = 2, float("-inf")

    @property
    def capacity(self) -> int:
        """Tasks kept in flight: two per worker thread of the cluster, so no thread waits for the
        writer (asked of the scheduler every 10 s: workers may join or leave)."""
        now = time.monotonic()
        if now - self._capacity_at > 10:
            try:
                threads = sum(self.client.nthreads().values())
            except Exception:
                threads = 1
            self._capacity, self._capacity_at = max(2, 2 * threads), now
        return self._capacity

    def free(self) -> int:
        with self._lock:
            return max(0, self.capacity - self._in_flight)

    def submit(self, task: FetchTask, done: Done) -> None:
        with self._lock:
            self._in_flight += 1
        key = f"tracker-fetch-{task.source}-{task.project.id}-{self.run_id}-{uuid.uuid4().hex[:6]}"
        future = self.client.submit(run_fetch, replace(task, on_cluster=True), key=key, pure=False, retries=0)

        def finished(f: Any) -> None:
            result, error = None, None
            try:
                if f.status == "cancelled":
                    error = LaneLost("the Dask cluster cancelled the task (a scheduler restart or the client "
                                     "disconnected); nothing of it was saved")
                else:
                    result = f.result()
            except BaseException as exc:
                error = _dask_reason(exc)
            with self._lock:
                self._in_flight -= 1
            done(result, error)

        future.add_done_callback(finished)

    def close(self, kill: bool = False) -> None:
        if self._own:
            with contextlib.suppress(Exception):
                self.client.close()


def _dask_reason(exc: BaseException) -> BaseException:
    name = type(exc).__name__
    if name == "KilledWorker":
        return LaneLost(f"the Dask workers running it died ({exc}); nothing of it was saved")
    if name in ("CommClosedError", "FutureCancelledError", "CancelledError", "TimeoutError"):
        return LaneLost(f"the Dask cluster lost the task ({name}: {exc}); nothing of it was saved")
    return exc


def make_lane(executor: str, workers: int, scheduler: Any = None) -> ProcessLane | DaskLane:
    if executor == "dask":
        return DaskLane(scheduler)
    if executor == "local":
        return ProcessLane(workers)
    raise UsageError(f"unknown executor {executor!r}; available: {', '.join(EXECUTORS)}")
