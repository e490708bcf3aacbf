"""tracker app: start the Streamlit app on the configured database.

The app has no login: it listens on 127.0.0.1 (this machine only) unless `--address` says
otherwise, and then says plainly that anyone who can reach the address can use it.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import subprocess
import sys

DEFAULT_ADDRESS = "127.0.0.1"
NO_LOGIN = ("tracker app: warning: the app has no login: anyone who can reach {address}:{port} can read "
            "every project and score and ask for repositories to be tracked and collected. Put it behind "
            "an authenticating proxy, or keep it on 127.0.0.1 (the default).")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "app", help="open the Streamlit app (reads the database; never writes collected data)",
        description="Serve the Streamlit app (app.py) on the database given by --db or TRACKER_DB. Before it "
        "starts listening it imports its modules and opens the database once, read-only, so the first "
        "visitor does not wait for that (about 1 s; TRACKER_APP_WARMUP=0 skips it). The app only writes "
        "requests (track a repository, collect now) that `tracker schedule` carries out. See docs/app.md.")
    p.add_argument("--port", type=int, default=8501, help="port to listen on (default: 8501)")
    p.add_argument("--address", default=DEFAULT_ADDRESS,
                   help="interface to listen on (default: 127.0.0.1, this machine only). The app has no "
                        "login: 0.0.0.0 (every interface, e.g. in a container) lets anyone who can reach "
                        "the machine use it; a warning says so")
    p.add_argument("--headless", action="store_true", help="do not open a browser")
    p.set_defaults(func=cmd_app)


def command(ctx) -> list[str]:
    """The command line that serves app.py (`streamlit run`, through tracker.ui.serve's start-up
    measures) for the options given."""
    cmd = [sys.executable, "-m", "tracker.ui.serve",  # finds app.py itself (checkout or container)
           "--server.port", str(ctx.args.port), "--browser.gatherUsageStats", "false",
           "--server.address", ctx.args.address or DEFAULT_ADDRESS]
    if ctx.args.headless:
        cmd += ["--server.headless", "true"]
    return cmd


def is_loopback(address: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if address.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip().strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def cmd_app(ctx) -> int:
    """Become the Streamlit server (exec), so signals such as Ctrl-C or a service manager's SIGTERM
    reach it directly and no orphaned server is left behind."""
    address = ctx.args.address or DEFAULT_ADDRESS
    if not is_loopback(address):
        print(NO_LOGIN.format(address=address, port=ctx.args.port), file=sys.stderr)
    env = dict(os.environ, TRACKER_DB=str(ctx.config.db_path.resolve()))
    cmd = command(ctx)
    if not hasattr(os, "execve") or os.name == "nt":
        return subprocess.call(cmd, env=env)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(cmd[0], cmd, env)
    return 0  # not reached
