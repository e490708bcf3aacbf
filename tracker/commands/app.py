"""tracker app: start the Streamlit app on the configured database."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("app", help="open the Streamlit app (reads the database; never writes collected data)")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--address", help="interface to listen on (default: Streamlit's, all interfaces); "
                                     "use 127.0.0.1 to keep it to this machine")
    p.add_argument("--headless", action="store_true", help="do not open a browser")
    p.set_defaults(func=cmd_app)


def command(ctx) -> list[str]:
    """The command line that serves app.py (`streamlit run`, through tracker.ui.serve's start-up
    measures) for the options given."""
    cmd = [sys.executable, "-m", "tracker.ui.serve",  # finds app.py itself (checkout or container)
           "--server.port", str(ctx.args.port), "--browser.gatherUsageStats", "false"]
    if ctx.args.address:
        cmd += ["--server.address", ctx.args.address]
    if ctx.args.headless:
        cmd += ["--server.headless", "true"]
    return cmd


def cmd_app(ctx) -> int:
    """Become the Streamlit server (exec), so signals such as Ctrl-C or a service manager's SIGTERM
    reach it directly and no orphaned server is left behind."""
    env = dict(os.environ, TRACKER_DB=str(ctx.config.db_path.resolve()))
    cmd = command(ctx)
    if not hasattr(os, "execve") or os.name == "nt":
        return subprocess.call(cmd, env=env)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(cmd[0], cmd, env)
    return 0  # not reached
