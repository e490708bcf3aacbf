"""The writer lock: exclusive across processes and threads, says who holds it, dies with its holder;
and commands that only read never take it (they wait for a writer politely, and read read-only files)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from tests.tracker.daemon import ROOT, wait_for
from tracker.cli import Context
from tracker.lock import FileLock, LockHeldError, acquire_writer, lock_path

HOLDER = """
import sys, time
from tracker.lock import acquire_writer
lock = acquire_writer(sys.argv[1], "tracker collect --source git", timeout=0)
print("held", flush=True)
time.sleep(120)
"""


@pytest.fixture
def holder(db_path):
    """Another process holding the writer lock of the test database."""
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(db_path)], cwd=ROOT, stdout=subprocess.PIPE,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.stdout.readline().strip() == b"held"
    yield proc
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def test_a_held_lock_names_its_holder(holder, db_path):
    with pytest.raises(LockHeldError) as info:
        acquire_writer(db_path, "tracker add", timeout=0.3)
    message = str(info.value)
    assert f"pid {holder.pid} on {socket.gethostname()}" in message
    assert "`tracker collect --source git`" in message and "since 20" in message
    assert "gave up after waiting 0s" in message and "TRACKER_LOCK_TIMEOUT" in message
    assert info.value.holder.pid == holder.pid


def test_kill_9_of_the_holder_frees_the_lock(holder, db_path):
    lock = FileLock(lock_path(db_path), "tracker add")
    assert not lock.try_acquire()
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    lock.acquire(timeout=10)
    assert lock.held
    lock.release()


def test_a_waiter_waits_and_is_visible_to_the_holder(holder, db_path):
    lock = FileLock(lock_path(db_path), "tracker collect")
    assert not lock.others_waiting()
    got: list[bool] = []
    done = threading.Event()

    def wait_then_hold() -> None:
        lock.acquire(timeout=60)
        got.append(lock.held)
        done.wait(60)
        lock.release()

    thread = threading.Thread(target=wait_then_hold)
    thread.start()
    observer = FileLock(lock_path(db_path), "observer")
    # The waiter's marker is visible to other processes, not to the waiter itself.
    wait_for(lambda: list(lock.path.parent.glob("*.wait-*")), what="the waiter's marker")
    assert not lock.others_waiting()
    holder.send_signal(signal.SIGTERM)
    wait_for(lambda: got, what="the waiter to get the lock")
    assert got == [True]
    assert not list(lock.path.parent.glob("*.wait-*"))
    seen = observer.probe()
    assert seen is not None and seen.pid == os.getpid() and seen.command == "tracker collect"
    done.set()
    thread.join(60)
    assert observer.probe() is None


def test_reentrant_in_one_thread_exclusive_between_threads(db_path):
    lock = FileLock(lock_path(db_path), "tracker schedule")
    lock.acquire()
    lock.acquire()  # nested use by the same thread
    other: list[bool] = []
    t = threading.Thread(target=lambda: other.append(lock.try_acquire()))
    t.start()
    t.join()
    assert other == [False]
    lock.release()
    assert lock.held
    lock.release()
    assert not lock.held
    t = threading.Thread(target=lambda: (other.append(lock.try_acquire()), lock.release()))
    t.start()
    t.join()
    assert other == [False, True]


def test_should_stop_ends_a_wait(holder, db_path):
    from tracker.lock import StopWaiting

    lock = FileLock(lock_path(db_path), "tracker schedule")
    calls = []
    # StopWaiting (not LockHeldError after the timeout) on the 4th poll, the first that says stop.
    with pytest.raises(StopWaiting):
        lock.acquire(timeout=600, should_stop=lambda: len(calls) > 2 or calls.append(1))
    assert calls == [1, 1, 1] and not lock.held


def test_writing_commands_take_the_lock(holder, cli, monkeypatch):
    monkeypatch.setenv("TRACKER_LOCK_TIMEOUT", "0.2")
    result = cli("add", "octo/cat")
    assert result.code == 1
    assert result.err.startswith("tracker: error: database") and result.err.count("\n") == 1
    assert f"pid {holder.pid}" in result.err and "tracker collect --source git" in result.err
    holder.kill()
    holder.wait()
    assert cli("add", "octo/cat").code == 0
    assert cli("list").code == 0


def test_bad_timeout_variable(cli, monkeypatch):
    monkeypatch.setenv("TRACKER_LOCK_TIMEOUT", "soon")
    result = cli("add", "octo/cat")
    assert result.code == 1 and "TRACKER_LOCK_TIMEOUT='soon' is not a number" in result.err


# -- readers take no writer lock, wait for a writer politely, and read a read-only copy ----------------
READ_COMMANDS = [("list",), ("report", "octo/cat"), ("badge", "octo/cat"), ("grants", "list"), ("status",),
                 ("grants", "impact")]
WRITER = """
import sys, time
from tracker.lock import acquire_writer
from tracker.store import Store
lock = acquire_writer(sys.argv[1], "tracker collect --source git", timeout=0)
store = Store.open(sys.argv[1])
print("writing", flush=True)
sys.stdin.readline()
store.close()
lock.release()
"""


@pytest.mark.parametrize("command", READ_COMMANDS + [("export", "--format", "csv", "OUT"),
                                                     ("deps", "--offline", "REQS")])
def test_commands_that_only_read_do_not_wait_for_the_writer_lock(db_path, cli, tmp_path, monkeypatch, command):
    assert cli("add", "octo/cat").code == 0
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(db_path)], cwd=ROOT, stdout=subprocess.PIPE,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))
    try:
        assert proc.stdout.readline().strip() == b"held"
        monkeypatch.setenv("TRACKER_LOCK_TIMEOUT", "0")  # a command taking the lock would fail at once
        (tmp_path / "reqs.txt").write_text("requests==2.31.0\n")
        args = [str(tmp_path / "out") if a == "OUT" else str(tmp_path / "reqs.txt") if a == "REQS" else a
                for a in command]
        result = cli(*args)
        assert result.code == 0, result.err
        assert "waiting" not in result.err
        assert cli("add", "octo/dog").code == 1  # the lock really is held: a writer gives up
    finally:
        proc.kill()
        proc.wait()


def test_a_reader_waits_for_a_writer_saying_so_once(db_path, cli, monkeypatch):
    """While `tracker collect` holds the database, a reader waits (one line on stderr naming the
    writer) and answers once the writer is done."""
    assert cli("add", "octo/cat").code == 0
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db_path)], cwd=ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert writer.stdout.readline().strip() == b"writing"
    monkeypatch.setenv("TRACKER_LOCK_TIMEOUT", "120")
    waiting = threading.Event()
    say = Context._waiting

    def said(self) -> None:
        say(self)
        waiting.set()

    monkeypatch.setattr(Context, "_waiting", said)
    result: list = []
    reader = threading.Thread(target=lambda: result.append(cli("list")))
    reader.start()
    try:
        assert waiting.wait(120), "the reader never had to wait"
        writer.stdin.write(b"done\n")
        writer.stdin.flush()
        reader.join(120)
    finally:
        writer.kill()
        writer.wait()
    assert result and result[0].code == 0, result
    lines = result[0].err.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("tracker: waiting for `tracker collect --source git` (pid ")
    assert "to finish writing the database" in lines[0]
    assert "octo/cat" in result[0].out


def test_a_reader_gives_up_after_the_timeout_in_one_line(db_path, cli, monkeypatch):
    assert cli("add", "octo/cat").code == 0
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db_path)], cwd=ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    try:
        assert writer.stdout.readline().strip() == b"writing"
        monkeypatch.setenv("TRACKER_LOCK_TIMEOUT", "0.5")
        result = cli("badge", "octo/cat")
    finally:
        writer.kill()
        writer.wait()
    assert result.code == 1
    waiting, error = result.err.splitlines()
    assert waiting.startswith("tracker: waiting for `tracker collect --source git`")
    assert error.startswith("tracker: error: database") and "is locked by another process" in error


def _obeying_permissions(command: list[str]) -> list[str]:
    """`command` run so that file permissions bind it: as is for an ordinary user; for root (which
    writes anywhere) without the capabilities that override them (util-linux's setpriv)."""
    if os.geteuid() != 0:
        return command
    setpriv = shutil.which("setpriv")
    assert setpriv, "running as root: setpriv (util-linux) is needed to drop CAP_DAC_OVERRIDE"
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search", "--", *command]


def test_commands_that_only_read_work_on_a_read_only_copy(db_path, cli, tmp_path, make_repo):
    """A copy of the database in a folder nobody may write (chmod; as root, the commands run without
    the capability to override permissions): every read-only command answers, leaves no file behind."""
    repo = make_repo("cat")
    repo.commit("2025-01-01")
    assert cli("add", "octo/cat", "--git", str(repo.path)).code == 0
    assert cli("collect", "--source", "git").code == 0
    assert cli("score").code == 0
    shared = Path(tempfile.mkdtemp(prefix="tracker-ro-"))
    try:
        folder = shared / "ro"
        folder.mkdir()
        copy = folder / "tracker.duckdb"
        shutil.copy(db_path, copy)
        out = shared / "out"
        out.mkdir()
        for path, mode in ((copy, 0o444), (folder, 0o555), (out, 0o777), (shared, 0o755)):
            path.chmod(mode)
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
        env.update(PYTHONPATH=str(ROOT), HOME=str(out), TRACKER_GIT_CACHE=str(out / "cache"))
        for command in READ_COMMANDS + [("export", "--format", "json", str(out / "export"))]:
            proc = subprocess.run(_obeying_permissions([sys.executable, "-m", "tracker", "--db", str(copy),
                                                        *command]),
                                  cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
            assert proc.returncode == 0, (command, proc.stderr)
            assert "error" not in proc.stderr.lower(), (command, proc.stderr)
        assert sorted(p.name for p in folder.iterdir()) == ["tracker.duckdb"]  # no lock file, no WAL
        assert (out / "export" / "scores.json").exists()
        denied = subprocess.run(_obeying_permissions([sys.executable, "-m", "tracker", "--db", str(copy), "add",
                                                      "octo/dog"]),
                                cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert denied.returncode != 0  # the copy really is read-only for this user
    finally:
        for path in (shared, *shared.rglob("*")):
            if path.is_dir():
                path.chmod(0o755)
        shutil.rmtree(shared)
