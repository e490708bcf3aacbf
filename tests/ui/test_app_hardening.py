"""The app on a network and on a broken database (issue 14): it listens on 127.0.0.1 unless told
otherwise (and then warns that it has no login); a missing, locked or corrupt database is a clear
message on every page, never a traceback."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from types import SimpleNamespace

import pytest
from streamlit.testing.v1 import AppTest

from tests.ui import builder
from tests.ui.server import free_port
from tracker.commands import app as app_command
from tracker.config import REPO_ROOT
from tracker.ui.nav import PAGES

PAGE_NAMES = [key for key, *_ in PAGES]


def ctx(**args):
    base = {"port": 8600, "address": None, "headless": True}
    return SimpleNamespace(args=SimpleNamespace(**{**base, **args}))


def test_the_app_listens_on_localhost_by_default():
    cmd = app_command.command(ctx())
    assert cmd[cmd.index("--server.address") + 1] == "127.0.0.1"
    from tracker.cli import build_parser

    args = build_parser().parse_args(["app"])
    assert args.address == "127.0.0.1"


@pytest.mark.parametrize("address, warned", [("0.0.0.0", True), ("::", True), ("192.0.2.10", True),
                                             ("127.0.0.1", False), ("localhost", False), ("::1", False)])
def test_opening_the_app_to_the_network_warns_that_it_has_no_login(cli, monkeypatch, address, warned):
    started = []
    monkeypatch.setattr(os, "execve", lambda path, cmd, env: started.append(cmd))
    result = cli("app", "--address", address, "--headless")
    assert result.code == 0, result.err
    assert started and started[0][started[0].index("--server.address") + 1] == address
    said = "no login" in result.err and "anyone who can reach" in result.err
    assert said == warned, result.err


def _listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on `port` (Linux's /proc/net/tcp and tcp6)."""
    found = set()
    for table, family in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
        try:
            lines = open(table, encoding="ascii").read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            host, hexport = local.split(":")
            if state != "0A" or int(hexport, 16) != port:      # 0A: LISTEN
                continue
            raw = bytes.fromhex(host)
            if family == socket.AF_INET:
                found.add(socket.inet_ntop(family, raw[::-1]))
            else:
                found.add(socket.inet_ntop(family, b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))))
    return found


@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="reads Linux's socket table")
def test_tracker_app_without_address_is_reachable_from_this_machine_only(tmp_path):
    db = builder.build(tmp_path / "cli.duckdb")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "tracker", "--db", str(db), "app", "--headless", "--port",
                             str(port)], cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env={**os.environ, "TRACKER_APP_WARMUP": "0"})
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
        assert _listening_addresses(port) == {"127.0.0.1"}
    finally:
        proc.terminate()
        proc.wait(20)


# -- broken databases -----------------------------------------------------------------------------
def _texts(at) -> str:
    parts = [m.value for m in at.markdown] + [e.value for e in at.error] + [e.value for e in at.info]
    parts += [t.value for t in at.title] + [c.value for c in at.caption] + [w.value for w in at.warning]
    return "\n".join(str(p) for p in parts)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return builder.build(tmp_path_factory.mktemp("built") / "app.duckdb")


def _corrupt(kind: str, built, tmp_path):
    path = tmp_path / f"{kind}.duckdb"
    if kind == "random":
        path.write_bytes(os.urandom(300_000))
    elif kind == "empty":
        path.write_bytes(b"")
    else:  # truncated: a real tracker database cut short, as a full disk or a bad copy leaves it
        shutil.copy(built, path)
        with path.open("r+b") as f:
            f.truncate(path.stat().st_size // 2)
    return path


@pytest.mark.parametrize("kind", ["random", "empty", "truncated"])
@pytest.mark.parametrize("name", PAGE_NAMES)
def test_a_corrupt_database_is_a_clear_message_on_every_page(built, tmp_path, monkeypatch, kind, name):
    path = _corrupt(kind, built, tmp_path)
    monkeypatch.setenv("TRACKER_DB", str(path))
    query = {"project": "acme/rocket"} if name == "project" else {}
    at = AppTest.from_string(f"from tracker.ui import {name}\n{name}.show()\n", default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    if name == "dependencies":                  # works without the database until a report is asked for
        return
    text = _texts(at)
    if name == "methodology":  # the docs, never the database: they still read, with no database message
        assert "How every metric and score is computed" in text and "Traceback" not in text
        return
    assert "damaged" in text and "tracker doctor" in text, text
    assert "Traceback" not in text and "IO Error" not in text


def test_the_whole_app_on_a_corrupt_database(built, tmp_path, monkeypatch):
    path = _corrupt("truncated", built, tmp_path)
    monkeypatch.setenv("TRACKER_DB", str(path))
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "damaged" in _texts(at)


def test_the_cli_says_a_corrupt_database_is_damaged(built, tmp_path):
    from contextlib import redirect_stderr, redirect_stdout
    from io import StringIO

    from tracker.cli import main

    for kind in ("random", "truncated"):
        path = _corrupt(kind, built, tmp_path)
        for args in (["list"], ["report", "acme/rocket"], ["status"], ["add", "acme/other"]):
            out, err = StringIO(), StringIO()
            with redirect_stdout(out), redirect_stderr(err):
                code = main(["--db", str(path), *args])
            text = err.getvalue()
            assert code != 0 and "internal error" not in text, (kind, args, text)
            assert text.startswith("tracker: error: ") and "damaged" in text, (kind, args, text)


def test_warm_up_survives_a_corrupt_database(built, tmp_path):
    from tracker.ui import serve

    assert serve.warm_up(str(_corrupt("random", built, tmp_path))) == ["database"]
    # a file cut short may still open and answer the warm-up's small read: the pages then say it
    assert serve.warm_up(str(_corrupt("truncated", built, tmp_path))) in ([], ["database"])
