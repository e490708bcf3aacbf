"""The writer lock: exclusive across processes and threads, says who holds it, dies with its holder."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from tests.tracker.daemon import ROOT, wait_for
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
    started = time.monotonic()
    calls = []
    with pytest.raises(StopWaiting):
        lock.acquire(timeout=60, should_stop=lambda: len(calls) > 2 or calls.append(1))
    assert time.monotonic() - started < 30


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
