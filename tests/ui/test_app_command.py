"""`tracker app` starts the real Streamlit server (on the database given with --db)."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request

from tests.ui import builder
from tests.ui.server import free_port
from tracker.config import REPO_ROOT


def test_tracker_app_starts_the_server(tmp_path):
    db = builder.build(tmp_path / "cli.duckdb")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "tracker", "--db", str(db), "app", "--headless", "--port",
                             str(port), "--address", "127.0.0.1"], cwd=REPO_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stdout.read()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as resp:
                    assert resp.read() == b"ok"
                    break
            except OSError:
                assert time.monotonic() < deadline, "the app did not start"
                time.sleep(0.3)
    finally:
        proc.terminate()
        proc.wait(20)
