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
        deadline = time.monotonic() + 180  # a guard against a hang, generous for a loaded machine
        while True:
            assert proc.poll() is None, proc.stdout.read()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as resp:
                    assert resp.read() == b"ok"
                    break
            except OSError:
                assert time.monotonic() < deadline, "the app did not start"
                time.sleep(0.3)
        assert f"--server.port {port}" in _running_servers()  # what the check below looks for
    finally:
        proc.terminate()  # the command became the server: this stops it, leaving nothing behind
        assert proc.wait(20) is not None
    assert f"--server.port {port}" not in _running_servers()


def _running_servers() -> str:
    out = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True)
    return "\n".join(line for line in out.stdout.splitlines()
                     if "streamlit run" in line or "tracker.ui.serve" in line)
