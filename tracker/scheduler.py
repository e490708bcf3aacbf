"""`tracker schedule`: the collecting daemon, the single writer of the database.

One APScheduler `BlockingScheduler` in the foreground with one job per independent source, at
intervals from `tracker.schedule_config`. Each job collects every project in turn through
`tracker.collect.collect_one` (the same entry point as `tracker collect`), or with `workers` > 1
through `tracker.collect.Parallel` (portable fetches in worker processes, this process the one
writer), and scores each project as soon as its collection brought data (`tracker.score`, when that
module is installed). A host found unreachable is said once and not tried again in that job run,
on either path. A second small job polls `collection_requests`, the app's "track this repo" /
"collect now" requests.

Sources that need others (funding needs git and github; opencollective needs git and funding) have
no job of their own: they run right after their inputs, per project. When a job has collected
project P, each source that needs it runs for P at once, in dependency order, provided that
(1) its own interval has passed since its last run for P (or it never ran, or that run was cut
short) and (2) every input it needs that is switched on has run for P since that last run. So a
dependant never runs before its inputs have been collected in its cycle, and runs at most once
per interval. Inputs that are switched off are not waited for (what they stored is used); a source
whose inputs are all switched off gets a job of its own.

How it stays correct for months without a person watching:

* Jobs have `coalesce=True`, `max_instances=1` and a generous `misfire_grace_time`, and run one at
  a time, so a laptop that slept runs each job once on wake: no stacking, no dropping.
* The writer lock (`tracker.lock`) is taken per project, so `tracker collect`, `tracker add` or a
  second scheduler never write at the same time; waiters are let in between projects.
* The database is opened only for short transactions (`tracker.short_store.ShortStore`): while the
  daemon waits or reads from the network no connection is open, so the app's readers get in.
* On start, runs left `running` by a killed process are marked `interrupted` and redone first (the
  collector resumes from the stored cursor); a job cut short resumes with the projects it had not
  reached; requests left `running` go back to `pending`; rows of projects that are no longer
  tracked are deleted (tracker.doctor). A project removed while a job runs gets nothing written.
* SIGTERM/SIGINT: the current project's write is finished, the state recorded, exit 0. A second
  signal exits at once; every write is one transaction, so the file stays consistent.
* Each job run is one collection run (`tracker.collect.RunSession`): its projects and their
  dependants share one HTTP session, so an API that is down costs one round of retries per job
  run (and one later probe), not one per project.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import collectors
from tracker import collect, failures, registry, requests, runs
from tracker.config import Config, redact
from tracker.errors import TrackerError
from tracker.lock import FileLock, Holder, LockHeldError, StopWaiting, lock_path
from tracker.progress import Progress
from tracker.registry import Project
from tracker.schedule_config import ScheduleConfig
from tracker.short_store import ShortStore
from tracker.store import Store

log = logging.getLogger("tracker.scheduler")

DAEMON_JOB = "scheduler"
SCORE_JOB = "score"
REQUESTS_JOB = "requests"
YIELD_SECONDS = 5.0          # how long the daemon waits between projects for a waiting writer
MIN_LOCK_WAIT = 300.0        # a job waits at least this long for the writer lock
DB_LOCK_WAIT = 120.0         # how long a short write waits for DuckDB's own lock (a reader/app write)
RETRY_FIRST = 300.0          # a job whose hosts cannot be reached tries again after this, doubling
QUICK_ATTEMPTS = 2           # attempts per HTTP request while a person waits (the app's requests)
DAY = 86400.0


def collect_job_id(source: str) -> str:
    return f"collect:{source}"


class Stopping(Exception):  # noqa: N818 (control flow, not an error)
    """The daemon was asked to stop while waiting."""


class LogStream:
    """A text stream for `Progress` that sends each line to the log (INFO, or WARNING)."""

    def __init__(self, logger: logging.Logger):
        self.logger = logger
        self._buffer = ""
        self._lock = threading.Lock()  # jobs run in more than one thread

    def write(self, text: str) -> int:
        with self._lock:
            self._buffer += text
            lines = self._buffer.split("\n")
            self._buffer = lines.pop()
        for line in lines:
            if line.startswith("warning: "):
                self.logger.warning(line[len("warning: "):])
            elif line:
                self.logger.info(line)
        return len(text)

    def flush(self) -> None:
        pass


@dataclass
class JobPlan:
    job_id: str
    source: str
    interval: float
    first_run: datetime          # naive UTC
    resume_since: datetime | None


class Daemon:
    """The scheduler process: locks, recovery, jobs, requests, signals."""

    def __init__(self, config: Config, schedule: ScheduleConfig, command: str = "tracker schedule",
                 progress: Progress | None = None, on_signal: Callable[[int], None] | None = None):
        self.config = config
        self.schedule = schedule
        self.command = command
        self.db_path = config.db_path
        what = f"database {self.db_path}"
        self.writer = FileLock(lock_path(self.db_path, "write"), command, what=what)
        self.daemon_lock = FileLock(lock_path(self.db_path, "scheduler"), command,
                                    what=f"the scheduler of {what}")
        self.stopping = threading.Event()
        self.progress = progress or Progress(stream=LogStream(log))  # type: ignore[arg-type]
        self.scheduler: Any = None
        self.failures = 0
        self._resume: dict[str, datetime | None] = {}
        self._active = 0
        self._active_cv = threading.Condition()
        self._old_handlers: dict[int, Any] = {}
        self._loop_done = threading.Event()
        self.on_signal = on_signal            # `tracker serve`: passes the signal on to the app
        self._backoff: dict[str, float] = {}  # source -> seconds until the next try while its host is down
        self._said_no_scoring = False

    # -- locks and short writes ------------------------------------------------------------
    def _store(self) -> ShortStore:
        return ShortStore(self.db_path, lock_timeout=DB_LOCK_WAIT)

    def _wait_note(self, holder: Holder | None) -> None:
        if holder is not None and holder.pid == os.getpid():
            return  # another job of this daemon: it finishes soon
        who = holder.describe() if holder else "another process"
        log.info("waiting for the writer lock, held by %s", who)

    def _let_waiters_in(self) -> None:
        """Between projects: if `tracker collect`/`add` is waiting for the lock, let it go first."""
        if self.writer.held or not self.writer.others_waiting():
            return
        log.info("another command is waiting for the writer lock; letting it in")
        waited = 0.0
        while waited < YIELD_SECONDS and self.writer.others_waiting() and not self.stopping.is_set():
            self.stopping.wait(0.1)
            waited += 0.1

    @contextlib.contextmanager
    def writing(self, doing: str, wait: float = MIN_LOCK_WAIT) -> Iterator[ShortStore]:
        """Hold the writer lock for one unit of work, with a store that opens the file briefly."""
        if self.writer.held:
            self.writer.try_acquire()  # reentrant: one more level, released below
        else:
            self._let_waiters_in()
            try:
                self.writer.acquire(wait, should_stop=self.stopping.is_set, on_wait=self._wait_note)
            except StopWaiting:
                raise Stopping() from None
        previous = self.writer.command
        self.writer.set_command(f"{self.command}: {doing}")
        store = self._store()
        try:
            yield store
        finally:
            store.close()
            self.writer.set_command(previous)
            self.writer.release()

    def _record(self, store: Store, job_id: str, **fields: Any) -> None:
        row = {"job_id": job_id, **fields, "pid": os.getpid(), "host": socket.gethostname(),
               "pid_started": runs.own_start(), "updated_at": runs.utcnow()}
        store.upsert("scheduler_jobs", [row], key=["job_id"])

    def record(self, job_id: str, **fields: Any) -> None:
        """Write a job's state (a short transaction under the writer lock)."""
        try:
            with self.writing(f"recording {job_id}", wait=60) as store:
                self._record(store, job_id, **fields)
        except (Stopping, LockHeldError) as exc:
            log.warning("could not record the state of %s: %s", job_id, exc)

    def _next_run(self, job_id: str) -> datetime | None:
        job = self.scheduler.get_job(job_id) if self.scheduler is not None else None
        when = getattr(job, "next_run_time", None)
        return when.astimezone(UTC).replace(tzinfo=None) if when else None

    # -- signals ---------------------------------------------------------------------------
    def install_signals(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in (signal.SIGTERM, signal.SIGINT):
            self._old_handlers[sig] = signal.signal(sig, self._on_signal)

    def restore_signals(self) -> None:
        for sig, handler in self._old_handlers.items():
            signal.signal(sig, handler)
        self._old_handlers.clear()

    def _on_signal(self, signum: int, frame: Any) -> None:
        name = signal.Signals(signum).name
        if self.on_signal is not None:
            with contextlib.suppress(Exception):
                self.on_signal(signum)
        if self.stopping.is_set():
            log.warning("second %s: exiting at once (every write is a transaction: nothing half-written"
                        " is kept; the interrupted run is redone on the next start)", name)
            for handler in logging.getLogger().handlers + log.handlers:
                with contextlib.suppress(Exception):
                    handler.flush()
            os._exit(128 + signum)
        log.info("%s received: finishing the current project's write, then stopping"
                 " (send it again to exit at once)", name)
        self.stop()

    def stop(self) -> None:
        """Stop after the current project's write (from any thread; what a first signal does)."""
        self.stopping.set()
        if self.scheduler is not None:
            threading.Thread(target=self._shutdown_scheduler, name="scheduler-stop", daemon=True).start()

    def _shutdown_scheduler(self) -> None:
        """Stop the scheduler's loop (from a thread: the signal may arrive before it has started)."""
        from apscheduler.schedulers import SchedulerNotRunningError

        for _ in range(1200):
            try:
                self.scheduler.shutdown(wait=False)
                return
            except SchedulerNotRunningError:
                if self._loop_done.wait(0.05):
                    return

    @contextlib.contextmanager
    def _busy(self) -> Iterator[None]:
        with self._active_cv:
            self._active += 1
        try:
            yield
        finally:
            with self._active_cv:
                self._active -= 1
                self._active_cv.notify_all()

    def _wait_until_idle(self) -> None:
        with self._active_cv:
            while self._active:
                self._active_cv.wait(0.2)

    # -- start-up --------------------------------------------------------------------------
    def start(self) -> None:
        """Take the scheduler lock (one daemon per database) and repair what a crash left."""
        try:
            self.daemon_lock.acquire(self.schedule.lock_timeout, should_stop=self.stopping.is_set,
                                     on_wait=lambda h: log.info(
                                         "another scheduler is running (%s); waiting up to %.0fs",
                                         h.describe() if h else "unknown", self.schedule.lock_timeout))
        except StopWaiting:
            raise Stopping() from None
        except LockHeldError as exc:
            who = exc.holder.describe() if exc.holder else "another process"
            raise LockHeldError(f"another scheduler is already running on {self.db_path}: {who}",
                                exc.holder) from None
        now = runs.utcnow()
        with self.writing("starting") as store:
            with store.transaction():
                previous = store.dicts("SELECT * FROM scheduler_jobs WHERE job_id = ?", [DAEMON_JOB])
                if previous and previous[0]["last_status"] == "running":
                    p = previous[0]
                    log.warning("the previous scheduler (pid %s on %s, started %s) did not stop cleanly;"
                                " recovering", p["pid"], p["host"], p["last_started_at"])
                self._record(store, DAEMON_JOB, last_started_at=now, last_finished_at=None,
                             last_status="running", last_error=None)
            # Requests a killed daemon had started go back in the queue.
            reset = store.scalar("SELECT count(*) FROM collection_requests WHERE status = 'running'")
            if reset:
                store.execute("UPDATE collection_requests SET status = 'pending', handled_at = NULL"
                              " WHERE status = 'running'")
                log.info("%s request(s) interrupted last time are pending again", reset)
            marked = runs.mark_interrupted(store)
            # In a container the daemon is often pid 1 again: a run recorded under our own pid and
            # host cannot be ours (we have not started one), so it was interrupted too.
            own = store.all("SELECT id FROM collection_runs WHERE status = 'running' AND pid = ?"
                            " AND host = ?", [os.getpid(), socket.gethostname()])
            for (run_id,) in own:
                store.execute("UPDATE collection_runs SET status = 'interrupted', finished_at = ?,"
                              " error = coalesce(error, 'the process stopped before the run finished')"
                              " WHERE id = ?", [now, run_id])
            if marked or own:
                log.info("%d run(s) left running by a stopped process marked interrupted",
                         marked + len(own))
            from tracker import doctor

            cleaned = doctor.clean_orphans(store)   # rows of projects removed under an older version
            if cleaned:
                log.info("deleted %d row(s) of projects that are no longer tracked (%s)", sum(cleaned.values()),
                         ", ".join(f"{t}: {n}" for t, n in sorted(cleaned.items())))

    def interrupted_pairs(self, store: Store) -> list[tuple[str, int | None]]:
        """(source, project_id) whose latest run was interrupted: to be redone from its cursor."""
        rows = store.all(
            "SELECT source, project_id, status FROM collection_runs"
            " QUALIFY row_number() OVER (PARTITION BY source, project_id"
            "   ORDER BY started_at DESC, id DESC) = 1")
        return [(s, p) for s, p, status in rows if status == "interrupted"]

    def recover(self) -> list[collect.Outcome]:
        """Redo every run that was interrupted, before anything else."""
        outcomes: list[collect.Outcome] = []
        available = collectors.sources()
        with self.writing("looking for interrupted runs") as store:
            pairs = self.interrupted_pairs(store)
            projects = {p.id: p for p in registry.all_projects(store)}
        for source_name, project_id in pairs:
            if self.stopping.is_set():
                break
            source = available.get(source_name)
            project = projects.get(project_id) if project_id is not None else None
            if source is None or project is None:
                continue  # the collector or the project is gone
            label = f"{source_name} {project.slug}"
            log.info("resuming the interrupted run of %s", label)
            try:
                with self.writing(f"resuming {label}") as store:
                    if (source_name, project_id) not in self.interrupted_pairs(store):
                        continue  # already redone meanwhile (by a job or `tracker collect`)
                    outcome = collect.collect_one(store, self.config, source, project,
                                                  self.progress.child(f"{label}: "))
            except Stopping:
                break
            outcomes.append(outcome)
            log.info("resumed %s: %s", label, outcome.status)
        if outcomes and not self.stopping.is_set():
            self.score()
        return outcomes

    def enabled(self, name: str) -> bool:
        return self.schedule.interval_for(name) is not None

    def chained(self, source: collectors.Source) -> bool:
        """True when the source runs after its inputs instead of on a job of its own."""
        return any(self.enabled(n) for n in source.needs)

    def plan(self) -> list[JobPlan]:
        """Each independent source's job: its interval and first run (due now if cut short or
        never run). Sources that need others run after them (see `run_dependants`)."""
        now = runs.utcnow()
        plans = []
        with self.writing("planning") as store:
            rows = {r["job_id"]: r for r in store.dicts("SELECT * FROM scheduler_jobs")}
            for name, source in collectors.sources().items():
                interval = self.schedule.interval_for(name)
                if interval is None:
                    log.info("source %s is switched off in the configuration", name)
                    continue
                if self.chained(source):
                    log.info("source %s runs after %s, per project, at most every %s", name,
                             " and ".join(n for n in source.needs if self.enabled(n)), _human(interval))
                    # a job it had in an earlier version would show a stale next run in `status`
                    store.execute("DELETE FROM scheduler_jobs WHERE job_id = ?", [collect_job_id(name)])
                    continue
                job_id = collect_job_id(name)
                row = rows.get(job_id)
                resume = None
                if row and row["last_status"] in ("running", "stopped") and row["last_started_at"]:
                    first, resume = now, row["last_started_at"]
                else:
                    last = row["last_started_at"] if row else store.scalar(
                        "SELECT max(started_at) FROM collection_runs WHERE source = ?", [name])
                    first = now if last is None else max(now, last + timedelta(seconds=interval))
                plans.append(JobPlan(job_id, name, interval, first, resume))
        for name in self.schedule.intervals:
            if name not in collectors.sources():
                log.warning("the configuration names source %r, but no such collector is installed", name)
        return plans

    # -- the jobs --------------------------------------------------------------------------
    def _projects_for(self, store: Store, source: collectors.Source,
                      since: datetime | None) -> list[Project]:
        projects = [p for p in registry.all_projects(store) if source.serves(p)]
        if since is not None:
            done = {pid for (pid,) in store.all(
                "SELECT project_id FROM collection_runs WHERE source = ? AND started_at >= ?"
                " QUALIFY row_number() OVER (PARTITION BY project_id ORDER BY started_at DESC, id DESC) = 1"
                " AND status IN ('ok', 'partial', 'error')", [source.name, since])}
            projects = [p for p in projects if p.id not in done]
        return self.order(store, source, projects)

    def order(self, store: Store, source: collectors.Source, projects: list[Project]) -> list[Project]:
        """Smallest work first, so the most projects get fresh data soonest. git: fewest commits
        stored first (a history read in full costs about its size; a repository never read, whose
        size nobody knows yet, last). github without a token (60 requests an hour): the most
        critical projects first, as last scored. Other sources cost about the same per project:
        those never collected first, then the ones collected longest ago."""
        if not projects:
            return projects
        if source.name == "git":
            stored = dict(store.all("SELECT project_id, commits_stored FROM git_repos"))
            return sorted(projects, key=lambda p: (stored.get(p.id) is None, stored.get(p.id) or 0, p.slug.lower()))
        if source.name == "github" and not self.config.github_token:
            critical = {pid: c for pid, c in store.all("SELECT project_id, criticality FROM latest_scores")
                        if c is not None}
            return sorted(projects, key=lambda p: (-critical.get(p.id, -1.0), p.slug.lower()))
        last = dict(store.all("SELECT project_id, max(started_at) FROM data_runs WHERE source = ? GROUP BY ALL",
                              [source.name]))
        return sorted(projects, key=lambda p: (last.get(p.id) is not None, last.get(p.id) or datetime.min,
                                               p.slug.lower()))

    def _last_run(self, store: Store, source: str, project_id: int) -> datetime | None:
        """Start of the source's last finished run for the project (ok, partial or error: a run
        cut short does not count)."""
        return store.scalar("SELECT max(started_at) FROM collection_runs WHERE source = ? AND project_id = ?"
                            " AND status IN ('ok', 'partial', 'error')", [source, project_id])

    def dependant_due(self, store: Store, source: collectors.Source, project: Project,
                      now: datetime | None = None) -> str | None:
        """Why `source` (which needs others) should not run for `project` now, or None if it should:
        its interval must have passed since its last finished run for the project, and every input
        that is switched on must have run for the project (whatever the result) since then."""
        now = now or runs.utcnow()
        interval = self.schedule.interval_for(source.name)
        if interval is None:
            return "switched off"
        last = self._last_run(store, source.name, project.id)
        if last is not None and now - last < timedelta(seconds=interval):
            return f"ran less than {_human(interval)} ago"
        available = collectors.sources()
        for need in source.needs:
            if not self.enabled(need) or not available[need].serves(project):
                continue
            got = self._last_run(store, need, project.id)
            if got is None:
                return f"{need} has not run for it yet"
            if last is not None and got <= last:
                return f"{need} has not run for it since its last run"
        return None

    def run_dependants(self, store: Store, source: collectors.Source, project: Project,
                       run: collect.RunSession, label: str, progress: Progress | None = None) -> list[collect.Outcome]:
        """Right after `source` collected `project`: the sources that need it, when due."""
        progress = progress or self.progress
        outcomes = []
        for dep in collectors.dependants(source.name):
            if not self.enabled(dep.name) or not dep.serves(project) or self.stopping.is_set():
                continue
            why_not = self.dependant_due(store, dep, project)
            if why_not is not None:
                log.debug("%s %s not run after %s: %s", dep.name, project.slug, source.name, why_not)
                continue
            child = progress.child(f"{label} -> {dep.name}: ")
            outcomes.append(collect.collect_one(store, self.config, dep, project, child, run=run))
        return outcomes

    def host(self, source: collectors.Source, project: Project) -> str | None:
        """The host a source reaches for a project (None: local, e.g. a repository on disk)."""
        from collectors.git.repo import is_url

        if source.name == "git":
            url = project.git_url(self.config.github_web_url)
            return failures.url_host(url) if is_url(url) else None
        urls = {"github": self.config.github_api_url, "pypi": self.config.pypi_url,
                "opencollective": self.config.opencollective_api_url}
        return failures.url_host(urls[source.name]) if source.name in urls else None

    def run_source(self, name: str, resume_since: datetime | None = None) -> list[collect.Outcome]:
        """One run of a source's job: every project in turn (or those not reached last time),
        smallest work first; each project is scored as soon as its collection brought data."""
        job_id = collect_job_id(name)
        source = collectors.sources().get(name)
        if source is None:
            log.warning("job %s: the collector is no longer installed", job_id)
            return []
        started = runs.utcnow()
        outcomes: list[collect.Outcome] = []
        status = "ok"
        # One printer family per job run: a host that cannot be reached is said once, by the job.
        progress = self.progress.fresh(hide=_said_by_the_daemon)
        targets: list[Project] = []
        skipped: list[str] = []
        try:
            with self.writing(f"starting {job_id}") as store:
                targets = list(self._projects_for(store, source, resume_since))
                self._record(store, job_id, source=name, interval_seconds=self.schedule.interval_for(name),
                             last_started_at=started, last_finished_at=None, last_status="running",
                             last_error=None, next_run_at=self._next_run(job_id), progress_done=0,
                             progress_total=len(targets), current=None)
            if resume_since is not None:
                log.info("job %s resumes where it stopped: %d project(s) left", job_id, len(targets))
            else:
                log.info("job %s: %d project(s)", job_id, len(targets))
            down: dict[str, collect.Outcome] = {}   # hosts found unreachable in this run
            # A host found down in the last run, or that takes no connection now, gets two attempts,
            # not six: the answer (still down, or back) comes in a second, not half a minute.
            quick = name in self._backoff or (source.name != "git" and bool(targets) and not _connects(
                self.host(source, targets[0])))
            if self.schedule.workers > 1:
                outcomes = self.run_parallel(source, targets, progress, quick, down, skipped)
                if self.stopping.is_set():
                    status = "stopped"
            else:
                with collect.RunSession(self.config, self._options(quick=quick), progress, targets) as run:
                    for i, project in enumerate(targets, 1):
                        if self.stopping.is_set():
                            status = "stopped"
                            break
                        host = self.host(source, project)
                        if host in down:   # not tried again in this run: said once, at the end
                            skipped.append(project.slug)
                            continue
                        label = f"{name} {project.slug}"
                        with self.writing(f"collecting {label}") as store:
                            self.serve_requests(store)
                            self._record(store, job_id, progress_done=i - 1, current=project.slug)
                            child = progress.child(f"[{i}/{len(targets)}] {label}: ")
                            first = collect.collect_one(store, self.config, source, project, child, run=run)
                            mine = [first]
                            if first.status == "error" and failures.unreachable(first.error):
                                if host:   # nothing new came in: what needs it has nothing new to read
                                    down[host] = first
                            else:
                                mine += self.run_dependants(store, source, project, run,
                                                            f"[{i}/{len(targets)}] {label}", progress)
                            outcomes += mine
                            if any(o.status in ("ok", "partial") for o in mine) and not self.stopping.is_set():
                                self.score_projects(store, [project])
        except Stopping:
            status = "stopped"
        except LockHeldError as exc:
            status = "skipped"
            log.warning("job %s skipped: %s", job_id, exc)
        failed = [o for o in outcomes if o.status == "error"]
        partial = [o for o in outcomes if o.status == "partial"]
        self.failures += len(failed)
        if status == "ok" and (failed or partial):
            status = "error" if failed else "partial"
        error = "; ".join(f.line() for f in failures.group(failed + partial, ("error", "partial")))[:2000] or None
        notice = self._offline(name, outcomes, len(skipped)) if status != "stopped" else None
        if notice is None:
            log.info("job %s %s: %d collected%s, %d failed", job_id, status, len(outcomes) - len(failed),
                     f" ({len(partial)} partial)" if partial else "", len(failed))
            for failure in failures.group(failed):
                log.warning("%s", failure.line())
        self.record(job_id, last_finished_at=runs.utcnow(), last_status=status, last_error=error,
                    next_run_at=self._next_run(job_id), current=None, notice=notice,
                    **({"progress_done": len(targets)} if status in ("ok", "partial", "error") else {}))
        return outcomes

    def run_parallel(self, source: collectors.Source, targets: list[Project], progress: Progress | None = None,
                     quick: bool = False, down: dict[str, collect.Outcome] | None = None,
                     skipped: list[str] | None = None) -> list[collect.Outcome]:
        """A job's projects with `workers` worker processes for portable fetches: the writer lock is
        taken for each short write (opening runs, saving a batch), requests from the app are
        served between projects, and dependants run for a project when due, after its inputs.
        As on the sequential path, each project is scored as soon as its collection (and its
        dependants') brought data, and a host found unreachable is not tried again in this run:
        its projects' fetches are not started (their slugs go to `skipped`) and nothing that
        needs what it failed to bring runs."""
        progress = progress or self.progress
        down = {} if down is None else down
        skipped = [] if skipped is None else skipped
        job_id = collect_job_id(source.name)
        finished: set[int] = set()

        def skip(task: collectors.Source, project: Project) -> bool:
            if task.name == source.name and self.host(task, project) in down:
                skipped.append(project.slug)
                return True
            return False

        def on_finish(store: Store, project: Project, outcome: collect.Outcome) -> None:
            if outcome.source == source.name and outcome.status == "error" and failures.unreachable(outcome.error):
                host = self.host(source, project)
                if host:
                    down.setdefault(host, outcome)

        def follow_ups(store: Store, done: collectors.Source, project: Project) -> list[collectors.Source]:
            if done.name == source.name and self.host(done, project) in down:
                return []   # it brought nothing new: what needs it has nothing new to read
            return [dep for dep in collectors.dependants(done.name)
                    if self.enabled(dep.name) and dep.serves(project)
                    and self.dependant_due(store, dep, project) is None]

        def project_done(store: Store, project: Project, outcomes: list[collect.Outcome]) -> None:
            finished.add(project.id)
            self._record(store, job_id, progress_done=len(finished), current=None)
            if any(o.status in ("ok", "partial") for o in outcomes) and not self.stopping.is_set():
                self.score_projects(store, [project])

        with collect.RunSession(self.config, self._options(quick=quick), progress, targets) as run:
            engine = collect.Parallel(self.config, run, progress, lambda doing: self.writing(doing),
                                      workers=self.schedule.workers, follow_ups=follow_ups,
                                      should_stop=self.stopping.is_set, between=self.serve_requests,
                                      fatal=(Stopping, LockHeldError), skip=skip, on_finish=on_finish,
                                      project_done=project_done)
            for project in targets:
                engine.add(source, project)
            return engine.run()

    def _options(self, quick: bool = False) -> dict[str, Any] | None:
        """The run's options. Without a GitHub token the HTTP layer stops (the next run resumes)
        rather than waiting an hour for the anonymous budget of 60 requests to come back. `quick`
        (a request from the app, which a person is waiting for): a failing request is tried twice,
        not six times, so an answer comes in seconds."""
        if self.config.github_token and not quick:
            return None
        from dataclasses import replace

        from collectors.http import Policy

        policy = Policy.from_env()
        if not self.config.github_token:
            policy = replace(policy, on_low_budget="stop")
        if quick:
            policy = replace(policy, max_attempts=min(policy.max_attempts, QUICK_ATTEMPTS))
        return {"policy": policy}

    def _offline(self, name: str, outcomes: list[collect.Outcome], skipped: int = 0) -> str | None:
        """When every collection of the job failed because a host cannot be reached: say so in one
        line, keep what is stored, and try again sooner than the interval, backing off (5 minutes,
        doubling up to the interval). None when the job reached its hosts."""
        interval = self.schedule.interval_for(name) or DAY
        down = [o for o in outcomes if o.status == "error" and failures.unreachable(o.error)]
        if not down or len(down) < len([o for o in outcomes if o.source == name]):
            self._backoff.pop(name, None)
            return None
        wait = min(self._backoff.get(name, RETRY_FIRST / 2) * 2, interval)
        self._backoff[name] = wait
        retry_at = runs.utcnow() + timedelta(seconds=wait)
        missed = len(down) + skipped
        notice = (f"{name}: {failures.describe(down[0].error)}; {missed} project{'s' if missed != 1 else ''} not "
                  f"collected, what is stored stays; next try at {retry_at:%H:%M} UTC")
        log.warning("%s (then less often, at least every %s)", notice, _human(interval))
        if self.scheduler is not None and self.scheduler.get_job(collect_job_id(name)) is not None:
            with contextlib.suppress(Exception):
                self.scheduler.modify_job(collect_job_id(name), next_run_time=retry_at.replace(tzinfo=UTC))
        return notice

    def score_projects(self, store: Store, projects: list[Project]) -> int:
        """Score these projects now, each as of its data date (a project still showing the bundled
        snapshot is scored as of the date its history was taken: silence after it is unknown, not
        inactivity). The caller holds the writer lock. A scoring error never stops collection."""
        if not self.schedule.score_after_collect or not projects:
            return 0
        try:
            from tracker.score import score_projects
        except ImportError as exc:
            if exc.name not in ("tracker.score", "tracker.scoring", "tracker"):
                raise
            if not self._said_no_scoring:
                self._said_no_scoring = True
                log.info("scoring skipped: tracker.score is not installed in this version")
                with contextlib.suppress(Exception):
                    self._record(store, SCORE_JOB, last_finished_at=runs.utcnow(), last_status="skipped",
                                 last_error="tracker.score is not installed")
            return 0
        from tracker.readmodel.snapshot import score_dates

        started = runs.utcnow()
        written = 0
        try:
            with store.held() if hasattr(store, "held") else contextlib.nullcontext():
                dates = score_dates(store, [p.id for p in projects], started)
                by_date: dict[datetime, list[Project]] = {}
                for p in projects:
                    by_date.setdefault(dates[p.id], []).append(p)
                for when, group in by_date.items():
                    result = score_projects(store, group, when, keep_results=False)
                    written += result.written
                    for slug, problem in result.failures:
                        log.error("scoring %s failed: %s", slug, redact(problem, self.config))
                    log.info("scored %s%s", ", ".join(p.slug for p in group[:5]) + (" ..." if len(group) > 5 else ""),
                             "" if when == started else f" as of {when:%Y-%m-%d} (its data date)")
                self._record(store, SCORE_JOB, last_started_at=started, last_finished_at=runs.utcnow(),
                             last_status="ok", last_error=None,
                             current=", ".join(p.slug for p in projects[:3]) + (" ..." if len(projects) > 3 else ""))
        except Exception as exc:  # a scoring bug must not stop collection
            message = redact(f"{type(exc).__name__}: {exc}", self.config)
            log.error("scoring failed: %s", message)
            with contextlib.suppress(Exception):
                self._record(store, SCORE_JOB, last_started_at=started, last_finished_at=runs.utcnow(),
                             last_status="error", last_error=message)
            return 0
        return written

    def score(self) -> int | None:
        """Score every tracked project (each as of its data date), if the scoring module is installed."""
        if not self.schedule.score_after_collect:
            return None
        try:
            with self.writing("scoring") as store:
                rows = self.score_projects(store, registry.all_projects(store))
        except (Stopping, LockHeldError) as exc:
            log.warning("scoring skipped: %s", exc)
            return None
        log.info("scored: %d row(s) written", rows)
        return rows

    def serve_requests(self, store: Store) -> int:
        """Carry out pending requests from the app, source by source, scoring the project after.
        The caller holds the writer lock. A request is `done` when at least one source brought
        data (what failed is in its error), `error` when none did."""
        handled = 0
        for req in requests.pending(store):
            if self.stopping.is_set():
                break
            rid, slug = req["id"], req["project_slug"]
            requests.mark(store, rid, "running")
            log.info("request %s: %s %s%s", rid, req["kind"], slug,
                     f" ({req['source']})" if req["source"] else "")
            try:
                if req["kind"] == "track":
                    project, created = registry.add(store, slug, git_source=req["git_source"])
                    log.info("request %s: %s %s", rid, "now tracking" if created else "already tracked",
                             project.slug)
                elif req["kind"] == "collect":
                    project = registry.get(store, slug)
                else:
                    raise TrackerError(f"unknown request kind {req['kind']!r}")
                # "every source" means every source this schedule has switched on
                wanted = [req["source"]] if req["source"] else [
                    name for name in collectors.sources() if self.schedule.interval_for(name) is not None]
                chosen = [s for s in collect.select_sources(wanted) if s.serves(project)]
                progress = self.progress.fresh(hide=_said_by_the_daemon)
                outcomes: list[collect.Outcome] = []
                with collect.RunSession(self.config, self._options(quick=True), progress, [project]) as run:
                    for k, source in enumerate(chosen, 1):
                        if self.stopping.is_set():
                            break
                        self._record(store, REQUESTS_JOB, current=f"request {rid}: {source.name} {project.slug}",
                                     progress_done=k - 1, progress_total=len(chosen), last_started_at=runs.utcnow(),
                                     last_status="running")
                        outcomes.append(collect.collect_one(store, self.config, source, project,
                                                            progress.child(f"request {rid} {source.name}: "),
                                                            run=run))
                brought = [o for o in outcomes if o.status in ("ok", "partial")]
                if brought:
                    self.score_projects(store, [project])
                problems = failures.group(outcomes, ("error", "partial", "interrupted"))
                error = "; ".join(f"{f.source}: {f.text}" for f in problems)[:2000] or None
                status = "error" if outcomes and not brought else "done"
                requests.mark(store, rid, status, error)
                log.info("request %s %s: %d of %d sources brought data%s", rid, status, len(brought),
                         len(outcomes), f"; {error}" if error else "")
                self._record(store, REQUESTS_JOB, current=None, progress_done=len(chosen),
                             last_finished_at=runs.utcnow(), last_status="ok")
            except TrackerError as exc:
                requests.mark(store, rid, "error", redact(str(exc), self.config))
            except Exception as exc:  # a bug: record it and keep serving
                log.exception("request %s failed", rid)
                requests.mark(store, rid, "error", redact(f"{type(exc).__name__}: {exc}", self.config))
            handled += 1
        return handled

    def poll_requests(self) -> int:
        """The polling job: serve requests if nobody else is writing (else the next poll will)."""
        if self.stopping.is_set() or not self.writer.try_acquire():
            return 0
        try:
            try:
                with self.writing("serving requests") as store:
                    handled = self.serve_requests(store)
            except Stopping:
                return 0
        finally:
            self.writer.release()
        return handled

    # -- running ---------------------------------------------------------------------------
    def _job(self, name: str) -> Callable[[], None]:
        def run() -> None:
            if self.stopping.is_set():
                return
            with self._busy():
                try:
                    self.run_source(name, self._resume.pop(name, None))
                except Exception as exc:  # keep the daemon alive; the job runs again next time
                    log.exception("job %s failed", collect_job_id(name))
                    self.record(collect_job_id(name), last_finished_at=runs.utcnow(), last_status="error",
                                last_error=redact(f"{type(exc).__name__}: {exc}", self.config))
        return run

    def _requests_job(self) -> None:
        if self.stopping.is_set():
            return
        with self._busy():
            try:
                self.poll_requests()
            except Exception:
                log.exception("serving requests failed")

    def token_notice(self) -> str | None:
        """One line when GitHub is collected without a token: what stays unknown, how to set one."""
        if self.config.github_token or self.config.github_app_id or not self.enabled("github"):
            return None   # with a GitHub App, each run warns about owners it has no token for
        return ("no GITHUB_TOKEN: GitHub allows 60 requests an hour without one, spent on the repository "
                "details of the most critical projects first; issues, first responses, contributors, "
                "funding links and Sponsors stay unknown. Set GITHUB_TOKEN (a token without scopes is enough) "
                "in the environment of `tracker serve` or `tracker schedule`")

    def stop_record(self, status: str = "stopped") -> None:
        self.record(DAEMON_JOB, last_finished_at=runs.utcnow(), last_status=status)

    def run_once(self) -> int:
        """Recover, run every enabled source once, serve pending requests, exit (cron style)."""
        self.install_signals()
        try:
            self.start()
            self.recover()
            for plan in self.plan():
                if self.stopping.is_set():
                    break
                with self._busy():
                    self.run_source(plan.source, None)
            if not self.stopping.is_set():
                with self.writing("serving requests") as store:
                    self.serve_requests(store)
            self.stop_record()
        except Stopping:
            self.stop_record()
        finally:
            self._release_daemon_lock()
            self.restore_signals()
        return 1 if self.failures else 0

    def serve(self) -> int:
        """Run until SIGTERM/SIGINT. Returns 0 after a graceful stop."""
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.blocking import BlockingScheduler
        from apscheduler.triggers.interval import IntervalTrigger

        self.install_signals()
        try:
            self.start()
            log.info("scheduler started on %s (pid %d)", self.db_path, os.getpid())
            notice = self.token_notice()
            if notice:
                log.warning("%s", notice)
            self.record(DAEMON_JOB, notice=notice)
            self.recover()
            if self.stopping.is_set():
                return self._stopped()
            executors = {"default": ThreadPoolExecutor(1), "collect": ThreadPoolExecutor(1)}
            logging.getLogger("apscheduler.scheduler").addFilter(_busy_poll)
            self.scheduler = BlockingScheduler(
                timezone=UTC, executors=executors,
                job_defaults={"coalesce": True, "max_instances": 1,
                              "misfire_grace_time": self.schedule.misfire_grace_time})
            plans = self.plan()
            for plan in plans:
                self._resume[plan.source] = plan.resume_since
                self.scheduler.add_job(
                    self._job(plan.source), IntervalTrigger(seconds=plan.interval, timezone=UTC),
                    id=plan.job_id, name=plan.job_id, executor="collect",
                    next_run_time=plan.first_run.replace(tzinfo=UTC))
                log.info("job %s every %s, next run %s%s", plan.job_id, _human(plan.interval),
                         plan.first_run.replace(microsecond=0).isoformat() + "Z",
                         " (resuming a run that was cut short)" if plan.resume_since else "")
            self.scheduler.add_job(self._requests_job, IntervalTrigger(seconds=self.schedule.poll, timezone=UTC),
                                   id=REQUESTS_JOB, name=REQUESTS_JOB, executor="default",
                                   misfire_grace_time=None)
            with self.writing("recording the schedule") as store, store.transaction():
                for plan in plans:
                    self._record(store, plan.job_id, source=plan.source, interval_seconds=plan.interval,
                                 next_run_at=plan.first_run)
            if not self.stopping.is_set():
                self.scheduler.start()  # blocks until a signal shuts it down
            for executor in executors.values():
                executor.shutdown(wait=True)
            self._wait_until_idle()
            return self._stopped()
        except Stopping:   # asked to stop while it waited (for a lock, during start-up)
            return self._stopped()
        finally:
            self._loop_done.set()
            self._release_daemon_lock()
            self.restore_signals()

    def _stopped(self) -> int:
        """A graceful stop, whenever the signal came: recorded and said."""
        self.stop_record()
        log.info("scheduler stopped cleanly")
        return 0

    def _release_daemon_lock(self) -> None:
        if self.daemon_lock.held:
            self.daemon_lock.release()


def _busy_poll(record: logging.LogRecord) -> bool:
    """APScheduler warns each time the request poll falls due while the previous poll is still
    carrying out a request (it then simply runs later): not worth a line every five seconds."""
    return not (REQUESTS_JOB in record.getMessage() and "maximum number of running instances" in record.getMessage())


def _connects(host: str | None, port: int = 443, timeout: float = 3.0) -> bool:
    """Whether a TCP connection to the host can be made now (no host: a local source)."""
    if not host:
        return True
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _said_by_the_daemon(message: str) -> bool:
    """Messages a job leaves out of the log because the daemon says them once itself: a host that
    cannot be reached (the job's one line), and the missing token (said at start)."""
    return failures.unreachable(message) or message.startswith("no GITHUB_TOKEN")


def _human(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


# -- status ------------------------------------------------------------------------------------
def scheduler_holder(db_path: str | os.PathLike[str]) -> Holder | None:
    """Who runs the scheduler on this database now (None: no scheduler running)."""
    try:
        return FileLock(lock_path(db_path, "scheduler"), "tracker status").probe()
    except OSError:  # a read-only folder: nobody can be running a scheduler there
        return None


def _table_exists(store: Store, name: str) -> bool:
    return bool(store.scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]))


def status(store: Store, db_path: str | os.PathLike[str]) -> dict[str, Any]:
    """Per source and project: last run, result, error, next run; plus the scheduler and its jobs."""
    holder = scheduler_holder(db_path)
    jobs = store.dicts("SELECT * FROM scheduler_jobs ORDER BY job_id") if _table_exists(
        store, "scheduler_jobs") else []
    by_job = {j["job_id"]: j for j in jobs}
    daemon = by_job.get(DAEMON_JOB, {})
    running = holder is not None

    def next_run(source: str) -> datetime | None:
        job = by_job.get(collect_job_id(source))
        return job["next_run_at"] if running and job else None

    def next_after_inputs(source: collectors.Source) -> datetime | None:
        """A source that runs after its inputs: when the last of them runs next."""
        times = [next_run(n) for n in source.needs if collect_job_id(n) in by_job]
        times = [t for t in times if t is not None]
        return max(times) if times and len(times) == len([n for n in source.needs
                                                          if collect_job_id(n) in by_job]) else None

    last = {(r["source"], r["project"]): r for r in runs.last_runs(store)}
    projects = registry.all_projects(store)
    rows: list[dict[str, Any]] = []
    seen = set()
    for name, source in collectors.sources().items():
        when = next_run(name) if collect_job_id(name) in by_job else next_after_inputs(source)
        for slug in [p.slug for p in projects if source.serves(p)]:
            seen.add((name, slug))
            rows.append(_status_row(name, slug, last.get((name, slug)), when))
    for key, run in last.items():
        if key not in seen and (key[1] is None or any(p.slug == key[1] for p in projects)):
            rows.append(_status_row(key[0], key[1], run, next_run(key[0])))
    rows.sort(key=lambda r: (r["source"], r["project"] or ""))
    pending = store.scalar("SELECT count(*) FROM collection_requests WHERE status = 'pending'") \
        if _table_exists(store, "collection_requests") else None
    return {
        "scheduler": {
            "running": running,
            "pid": holder.pid if holder else daemon.get("pid"),
            "host": holder.host if holder else daemon.get("host"),
            "since": holder.since if holder else None,
            "command": holder.command if holder else None,
            "last_started_at": daemon.get("last_started_at"),
            "last_stopped_at": daemon.get("last_finished_at"),
            "last_status": daemon.get("last_status"),
        },
        "pending_requests": pending,
        "jobs": [{k: j[k] for k in ("job_id", "source", "interval_seconds", "last_started_at",
                                    "last_finished_at", "last_status", "last_error")}
                 | {"next_run_at": j["next_run_at"] if running and j["job_id"].startswith("collect:")
                    else None}
                 for j in jobs if j["job_id"] != DAEMON_JOB],
        "runs": rows,
    }


def _status_row(source: str, project: str | None, run: dict[str, Any] | None,
                next_run: datetime | None) -> dict[str, Any]:
    return {
        "source": source,
        "project": project,
        "last_run": run["started_at"] if run else None,
        "finished": run["finished_at"] if run else None,
        "result": run["status"] if run else "never",
        "error": run["error"] if run else None,
        "next_run": next_run,
    }
