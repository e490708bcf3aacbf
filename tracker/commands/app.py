"""tracker app: start the Streamlit app on the configured database."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from tracker.config import REPO_ROOT


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("app", help="open the Streamlit app")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--headless", action="store_true", help="do not open a browser")
    p.set_defaults(func=cmd_app)


def cmd_app(ctx) -> int:
    env = dict(os.environ, TRACKER_DB=str(ctx.config.db_path.resolve()))
    cmd = [sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "app.py"),
           "--server.port", str(ctx.args.port), "--browser.gatherUsageStats", "false"]
    if ctx.args.headless:
        cmd += ["--server.headless", "true"]
    return subprocess.call(cmd, env=env)
