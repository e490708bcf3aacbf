"""The writer lock: one process at a time writes the database (`tracker schedule`, `tracker collect`...).

DuckDB's own file lock lasts only while a connection is open, and the scheduler keeps its
connections short so that the app's readers get in between. A logical unit of work (one project's
collection) spans several of those short transactions, so writers also take this lock for the
whole unit. It is an advisory `flock` on a file next to the database (a byte-range lock from
msvcrt on Windows): the kernel drops it when the holder exits, even on `kill -9`, so it never goes
stale. The file says who holds it (pid, host, since when, command), so a process that has to wait
can say so, and one that gives up says who was in the way.

A waiter leaves a small `<lock>.wait-<pid>` file while it waits; the scheduler, which takes the
lock once per project, looks for such files between projects and lets the waiter in first.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tracker.errors import StoreLockedError

try:
    import fcntl
except ImportError:  # Windows: byte-range locks from msvcrt instead (not exercised by the test suite)
    fcntl = None  # type: ignore[assignment]
    import msvcrt

DEFAULT_TIMEOUT = 30.0
WAITER_FRESH_SECONDS = 3.0
_POLL = 0.1
_WIN_LOCK_OFFSET = 1 << 30  # Windows locks a byte range; lock one far past the holder's info


def _lock_fd(fd: int) -> bool:
    """Take an exclusive lock on the open file without waiting; False if someone else has it."""
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True
    os.lseek(fd, _WIN_LOCK_OFFSET, os.SEEK_SET)
    try:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:
        return False
    return True


def _unlock_fd(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
    else:
        os.lseek(fd, _WIN_LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


class LockHeldError(StoreLockedError):
    """The lock is held by another process (or thread) and did not come free in time."""

    def __init__(self, message: str, holder: Holder | None):
        super().__init__(message)
        self.holder = holder


class StopWaiting(Exception):
    """Raised by `FileLock.acquire` when its `should_stop` callback says to give up waiting."""


@dataclass(frozen=True)
class Holder:
    """Who holds a lock, as written in the lock file."""

    pid: int | None
    host: str | None
    since: str | None
    command: str | None

    def describe(self) -> str:
        where = f"pid {self.pid or '?'} on {self.host or 'an unknown host'}"
        since = f" since {self.since}" if self.since else ""
        return f"`{self.command or 'an unknown command'}` ({where}{since})"


def lock_path(db_path: str | os.PathLike[str], kind: str = "write") -> Path:
    """The lock file of `kind` ('write' or 'scheduler') for the database at `db_path`."""
    db = Path(db_path).expanduser().resolve()
    return db.with_name(f"{db.name}.{kind}.lock")


def timeout_from_env(default: float = DEFAULT_TIMEOUT) -> float:
    """TRACKER_LOCK_TIMEOUT: seconds a writing command waits for the writer lock."""
    raw = os.environ.get("TRACKER_LOCK_TIMEOUT")
    if raw in (None, ""):
        return default
    try:
        value = float(raw)
    except ValueError:
        raise StoreLockedError(f"TRACKER_LOCK_TIMEOUT={raw!r} is not a number of seconds") from None
    return max(0.0, value)


def _now_text() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class FileLock:
    """An exclusive lock on `path`, reentrant within the thread that holds it.

    Threads of one process exclude each other too (a thread lock in front of the flock).
    """

    def __init__(self, path: str | os.PathLike[str], command: str, what: str = "the database"):
        self.path = Path(path)
        self.command = command
        self.what = what
        self._thread_lock = threading.Lock()
        self._owner: int | None = None
        self._depth = 0
        self._fd: int | None = None
        self._since = ""

    # -- taking and releasing --------------------------------------------------------------
    @property
    def held(self) -> bool:
        return self._owner == threading.get_ident()

    def try_acquire(self) -> bool:
        """Take the lock if it is free now. Never waits."""
        if self.held:
            self._depth += 1
            return True
        if not self._thread_lock.acquire(blocking=False):
            return False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            if not _lock_fd(fd):
                os.close(fd)
                self._thread_lock.release()
                return False
        except BaseException:
            self._thread_lock.release()
            raise
        self._fd, self._owner, self._depth = fd, threading.get_ident(), 1
        self._since = _now_text()
        self._write_info()
        return True

    def acquire(self, timeout: float = 0.0, should_stop: Callable[[], bool] | None = None,
                on_wait: Callable[[Holder | None], None] | None = None) -> None:
        """Take the lock, waiting up to `timeout` seconds; then raise LockHeldError naming the holder.

        `should_stop` is polled while waiting (StopWaiting when it says so); `on_wait` is called
        once when waiting starts, with the current holder.
        """
        if self.try_acquire():
            return
        started = time.monotonic()
        deadline = started + timeout
        marker = self.path.with_name(f"{self.path.name}.wait-{os.getpid()}")
        if on_wait is not None:
            on_wait(self.holder())
        try:
            while True:
                if should_stop is not None and should_stop():
                    raise StopWaiting()
                if time.monotonic() >= deadline:
                    holder = self.holder()
                    waited = time.monotonic() - started
                    who = holder.describe() if holder else "another process"
                    raise LockHeldError(
                        f"{self.what} is being written by {who}; gave up after waiting {waited:.0f}s"
                        " (set TRACKER_LOCK_TIMEOUT to wait longer)", holder)
                with contextlib.suppress(OSError):
                    marker.touch()
                time.sleep(_POLL)
                if self.try_acquire():
                    return
        finally:
            with contextlib.suppress(OSError):
                marker.unlink()

    def release(self) -> None:
        if not self.held:
            raise RuntimeError("releasing a lock this thread does not hold")
        self._depth -= 1
        if self._depth:
            return
        fd, self._fd, self._owner = self._fd, None, None
        try:
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, 0)
                _unlock_fd(fd)
                os.close(fd)
        finally:
            self._thread_lock.release()

    @contextlib.contextmanager
    def holding(self, timeout: float = 0.0) -> Iterator[FileLock]:
        self.acquire(timeout)
        try:
            yield self
        finally:
            self.release()

    # -- who holds it ----------------------------------------------------------------------
    def set_command(self, command: str) -> None:
        """Say what the holder is doing now (shown to anyone who has to wait)."""
        self.command = command
        if self.held:
            self._write_info()

    def _write_info(self) -> None:
        info = {"pid": os.getpid(), "host": socket.gethostname(), "since": self._since,
                "command": self.command}
        data = json.dumps(info).encode("utf-8")
        assert self._fd is not None
        os.ftruncate(self._fd, 0)
        os.lseek(self._fd, 0, os.SEEK_SET)
        os.write(self._fd, data)

    def holder(self) -> Holder | None:
        """Who holds the lock, as its file says (None if nobody wrote there)."""
        for _ in range(5):  # the holder may be rewriting the file right now
            try:
                raw = self.path.read_text(encoding="utf-8")
            except OSError:
                return None
            try:
                info = json.loads(raw)
            except ValueError:
                time.sleep(0.02)
                continue
            if isinstance(info, dict):
                return Holder(info.get("pid"), info.get("host"), info.get("since"), info.get("command"))
        return None

    def probe(self) -> Holder | None:
        """The holder if another process holds the lock now, else None (takes it for an instant)."""
        if self.held:
            return None
        if self.try_acquire():
            self.release()
            return None
        return self.holder() or Holder(None, None, None, None)

    def others_waiting(self) -> bool:
        """True if another process is waiting for this lock right now."""
        now = time.time()
        me = f"{self.path.name}.wait-{os.getpid()}"
        for marker in self.path.parent.glob(f"{self.path.name}.wait-*"):
            if marker.name == me:
                continue
            try:
                age = now - marker.stat().st_mtime
            except OSError:
                continue
            if age <= WAITER_FRESH_SECONDS:
                return True
            if age > 600:  # left by a waiter that was killed
                with contextlib.suppress(OSError):
                    marker.unlink()
        return False


def acquire_writer(db_path: str | os.PathLike[str], command: str, timeout: float | None = None) -> FileLock:
    """Take the database's writer lock for a command, waiting up to TRACKER_LOCK_TIMEOUT seconds."""
    lock = FileLock(lock_path(db_path, "write"), command, what=f"database {db_path}")
    lock.acquire(timeout_from_env() if timeout is None else timeout)
    return lock
