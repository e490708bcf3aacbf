"""tracker serve: the scheduler (the single writer) and the app in one command, one process tree.

This process runs the scheduler (tracker/scheduler.py) in its main thread and the Streamlit app
(`tracker app`'s command line) as its one child process. Ctrl-C or SIGTERM stops both: the signal is
passed on to the app, the scheduler finishes the current project's write, then this process waits
for the app to exit (and kills it if it has not after a few seconds), so nothing is left running. If
the app exits on its own, the scheduler is stopped too and the exit code is 1. On a first start with
an empty database the bundled snapshot (data/sample/) is loaded first, so the app shows real projects
at once while the scheduler starts collecting in the background.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

from tracker import schedule_config
from tracker.commands import app as app_cmd
from tracker.errors import TrackerError

log = logging.getLogger("tracker.serve")
DEFAULT_ADDRESS = app_cmd.DEFAULT_ADDRESS   # the app's binding: this machine only unless told otherwise
APP_STOP_WAIT = 10.0   # seconds the app gets to stop after the signal before it is killed
APP_START_WAIT = 60.0  # seconds the app gets to answer before the scheduler starts anyway


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve", help="run the scheduler and the app together (what `make run` runs)",
        description="Run the collecting scheduler (`tracker schedule`, the single writer) and the app "
        "(`tracker app`) as one process tree: one Ctrl-C or SIGTERM stops both cleanly. On a first start "
        "with an empty database the bundled snapshot (data/sample/, real data of the curated projects) is "
        "loaded first, so the app shows real projects at once; the scheduler then collects in the "
        "background, smallest work first, scoring each project as soon as its sources are in, and carries "
        "out the app's requests (track, collect now). Split deployments run `tracker schedule` and "
        "`tracker app` separately instead.")
    p.add_argument("--port", type=int, default=8501, help="port the app listens on (default: 8501)")
    p.add_argument("--address", default=DEFAULT_ADDRESS,
                   help="interface the app listens on (default: 127.0.0.1, this machine only; the app has no "
                        "login, so 0.0.0.0 lets anyone who can reach the machine use it)")
    p.add_argument("--config", metavar="FILE", help="scheduler intervals, TOML (default: $TRACKER_SCHEDULE_CONFIG)")
    p.add_argument("--sample", metavar="DIR", help="the bundled snapshot to load into an empty database "
                   "(default: data/sample)")
    p.add_argument("--no-sample", action="store_true",
                   help="start from an empty database instead (the curated list is tracked and collected)")
    p.add_argument("--log-level", choices=("DEBUG", "INFO", "WARNING", "ERROR"), default="INFO")
    p.set_defaults(func=cmd_serve)


def app_command(ctx) -> list[str]:
    """`tracker app`'s command line for these options (headless: the address is printed)."""
    args = SimpleNamespace(port=ctx.args.port, address=ctx.args.address or DEFAULT_ADDRESS, headless=True)
    return app_cmd.command(SimpleNamespace(args=args, config=ctx.config))


def _first_start(ctx) -> None:
    """An empty database gets the bundled snapshot (or, without one, the curated list to collect)."""
    from tracker import sample

    a = ctx.args
    summary = sample.first_start(ctx.config.db_path, Path(a.sample) if a.sample else None,
                                 use_sample=not a.no_sample, say=log.info, warn=log.warning)
    if summary is not None and summary.get("built_at") is not None:
        span = (f" (git histories as of {summary['data_from']:%Y-%m-%d} to {summary['data_to']:%Y-%m-%d},"
                " each project scored as of its own date)" if summary["data_from"] else "")
        log.info("first start: the app shows the bundled snapshot of %s%s until fresh collections replace it, "
                 "project by project", f"{summary['built_at']:%Y-%m-%d}", span)


class AppProcess:
    """The app as a child process: started, watched, stopped."""

    def __init__(self, command: list[str], env: dict[str, str]):
        self.command = command
        self.env = env
        self.popen: subprocess.Popen[bytes] | None = None
        self.stopping = False
        self.signalled = False
        self.exited = threading.Event()

    def start(self) -> None:
        self.popen = subprocess.Popen(self.command, env=self.env)

    def signal(self, signum: int) -> None:
        """Pass SIGTERM on. SIGINT is not passed on: a terminal's Ctrl-C reaches the app by itself,
        and one sent to this process alone stops the app on the way out (`stop`)."""
        self.stopping = True
        if signum == signal.SIGINT:
            return
        if self.popen is not None and self.popen.poll() is None and not self.signalled:
            self.signalled = True
            self.popen.send_signal(signal.SIGTERM)

    def wait_ready(self, address: str, port: int, timeout: float) -> bool:
        """Wait until the app answers its health check (False: it exited, or `timeout` passed)."""
        host = "127.0.0.1" if address in ("0.0.0.0", "", "localhost") else "::1" if address == "::" else address
        url = f"http://{'[' + host + ']' if ':' in host else host}:{port}/_stcore/health"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen is None or self.popen.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 (our own loopback URL)
                    if resp.status == 200:
                        return True
            except OSError:
                time.sleep(0.2)
        return False

    def watch(self, on_exit) -> None:
        """Call `on_exit(returncode)` from a thread when the app exits."""
        def run() -> None:
            assert self.popen is not None
            code = self.popen.wait()
            self.exited.set()
            on_exit(code)
        threading.Thread(target=run, name="app-watch", daemon=True).start()

    def stop(self, wait: float = APP_STOP_WAIT) -> int | None:
        """Stop the app (SIGTERM, then SIGKILL after `wait` seconds); its exit code."""
        if self.popen is None:
            return None
        self.stopping = True
        if self.popen.poll() is None:
            if not self.signalled:
                self.signalled = True
                self.popen.terminate()
            try:
                self.popen.wait(wait)
            except subprocess.TimeoutExpired:
                log.warning("the app did not stop within %.0fs: killed", wait)
                self.popen.kill()
                self.popen.wait()
        return self.popen.returncode


def cmd_serve(ctx) -> int:
    from tracker.commands.schedule import _setup_logging
    from tracker.scheduler import Daemon, scheduler_holder

    a = ctx.args
    handler = _setup_logging("WARNING" if a.quiet and a.log_level == "INFO" else a.log_level)
    for name in ("tracker.serve", "tracker.sample"):
        logging.getLogger(name).setLevel(logging.INFO)
    schedule = schedule_config.load(a.config)
    address = a.address or DEFAULT_ADDRESS
    if not app_cmd.is_loopback(address):   # `tracker app`'s warning, said before anything starts
        print(app_cmd.NO_LOGIN.format(address=address, port=a.port).replace("tracker app:", "tracker serve:", 1),
              file=sys.stderr)
    app: AppProcess | None = None
    previous = _stop_on_sigterm()
    try:
        _first_start(ctx)
        command = app_command(ctx)
        env = dict(os.environ, TRACKER_DB=str(Path(ctx.config.db_path).resolve()))
        app = AppProcess(command, env)
        app.start()
        # The app starts first and the scheduler once it answers: the two cores go to the app's
        # start-up, and its warm-up reads the database before the first collection writes.
        if not app.wait_ready(address, a.port, APP_START_WAIT):
            if app.popen is not None and app.popen.poll() is not None:
                raise TrackerError(f"the app did not start (exit code {app.popen.returncode}); see the lines above")
            log.warning("the app did not answer within %.0fs; starting the scheduler anyway", APP_START_WAIT)
        log.info("the app: http://%s:%d (database %s)", "localhost" if address in ("127.0.0.1", "::1")
                 else address, a.port, ctx.config.db_path)
        holder = scheduler_holder(ctx.config.db_path)
        if holder is not None:
            log.warning("a scheduler is already running on this database (%s): serving the app only; it "
                        "carries out the app's requests", holder.describe())
            return _app_only(app)
        daemon = Daemon(ctx.config, schedule, command="tracker serve", on_signal=app.signal)
        died: list[int] = []

        def app_exited(code: int) -> None:
            if not app.stopping and not daemon.stopping.is_set():
                died.append(code)
                log.error("the app stopped on its own (exit code %s): stopping the scheduler too", code)
                daemon.stop()

        app.watch(app_exited)
        code = daemon.serve()
        return 1 if died else code
    except TrackerError:
        raise
    finally:
        if app is not None:
            app.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        for name in ("tracker", "apscheduler"):
            logging.getLogger(name).removeHandler(handler)


def _stop_on_sigterm():
    """Until the scheduler installs its own handlers: SIGTERM stops like Ctrl-C (the app is
    stopped on the way out) instead of killing this process and leaving the app behind."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, interrupt)


def _app_only(app: AppProcess) -> int:
    """Wait for the app (another process schedules); pass Ctrl-C and SIGTERM on to it."""
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda signum, _frame: app.signal(signum))
    assert app.popen is not None
    code = app.popen.wait()
    return 0 if app.stopping else (code or 1)

