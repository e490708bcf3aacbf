"""tracker schedule: the collecting daemon (see tracker/scheduler.py and docs/operations.md)."""

from __future__ import annotations

import argparse
import logging
import sys
import time

from tracker import schedule_config
from tracker.scheduler import Daemon

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "schedule", help="run the collecting daemon (the single writer): every source on its interval",
        description="Collect every source on its own interval (defaults: github 1h, git 6h, pypi and "
        "opencollective 1d, others 1d), score after each collection, and carry out the app's requests. "
        "A source that needs others (funding needs git and github; opencollective needs git and funding) "
        "runs for each project right after its inputs were collected there, at most once per its interval. "
        "Runs in the foreground and logs to stderr; SIGTERM or Ctrl-C stops it after the current "
        "project's write. Intervals: a TOML file (--config) and TRACKER_SCHEDULE_* variables, see "
        "docs/operations.md.",
    )
    p.add_argument("--once", action="store_true",
                   help="run every source once (after resuming interrupted runs) and exit, e.g. from cron")
    p.add_argument("--config", metavar="FILE", help="TOML file with [intervals] and [scheduler] "
                   "(default: $TRACKER_SCHEDULE_CONFIG, else built-in defaults)")
    p.add_argument("--log-level", choices=("DEBUG", "INFO", "WARNING", "ERROR"), default="INFO")
    p.set_defaults(func=cmd_schedule)


def _setup_logging(level: str) -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    formatter = logging.Formatter(LOG_FORMAT, "%Y-%m-%dT%H:%M:%SZ")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    for name in ("tracker", "apscheduler"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        # APScheduler says "running job ..." at INFO for every poll: only its warnings by default.
        logger.setLevel(level if name == "tracker" or level == "DEBUG" else max(logging.WARNING,
                                                                               logging.getLevelName(level)))
        logger.propagate = False
    return handler


def cmd_schedule(ctx) -> int:
    a = ctx.args
    schedule = schedule_config.load(a.config)
    command = "tracker schedule" + (" --once" if a.once else "") + (f" --config {a.config}" if a.config else "")
    handler = _setup_logging("WARNING" if a.quiet and a.log_level == "INFO" else a.log_level)
    try:
        daemon = Daemon(ctx.config, schedule, command=command)
        return daemon.run_once() if a.once else daemon.serve()
    finally:
        for name in ("tracker", "apscheduler"):
            logging.getLogger(name).removeHandler(handler)
