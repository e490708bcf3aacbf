"""Progress of long work, on stderr so stdout stays machine-readable.

On a terminal, the work's items (`[i/n] source owner/repo: ...`, the prefix `tracker collect` and
the scheduler give each project) drive one bar redrawn in place; elsewhere (a pipe, a log, a
service) each message is a plain timestamped line. Either way a warning of a kind already shown
(the same failure for another project: a host that cannot be reached, a missing token) is not
repeated; the summary at the end lists every failure with the projects it hit (tracker.failures).
"""

from __future__ import annotations

import re
import shutil
import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

from tracker import failures

_ITEM = re.compile(r"^\[(\d+)/(\d+)\] (\S+) (\S+?):?\s")   # "[12/50] git numpy/numpy: "
BAR_WIDTH = 24


def is_terminal(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class _Shared:
    """What a progress printer and its children share: the stream, the bar, the kinds seen."""

    def __init__(self, stream: TextIO, bar: bool, hide: Callable[[str], bool] | None = None):
        self.stream = stream
        self.bar = bar
        self.hide = hide
        self.drawn = False
        self.seen: set[str] = set()
        self.repeated = 0
        self.lock = threading.Lock()


class Progress:
    """Prints progress; `child(prefix)` makes one for a unit of work (same stream, same bar).

    `bar=None` draws a bar when the stream is a terminal; `repeat=False` (the default) shows each
    kind of warning once per printer family."""

    def __init__(self, stream: TextIO | None = None, quiet: bool = False, prefix: str = "",
                 bar: bool | None = None, repeat: bool = False, hide: Callable[[str], bool] | None = None):
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.prefix = prefix
        self.repeat = repeat
        self.started = time.monotonic()
        self._shared = _Shared(self.stream, is_terminal(self.stream) if bar is None else bar, hide)

    def fresh(self, hide: Callable[[str], bool] | None = None) -> Progress:
        """A new printer family on the same stream (every kind of warning shown once again);
        messages `hide` accepts are left out (their summary says it once)."""
        p = Progress(self.stream, self.quiet, self.prefix, self._shared.bar, self.repeat, hide)
        p.started = self.started
        return p

    def child(self, prefix: str) -> Progress:
        p = Progress.__new__(Progress)
        p.stream, p.quiet, p.prefix, p.repeat, p.started = self.stream, self.quiet, prefix, self.repeat, self.started
        p._shared = self._shared
        return p

    @property
    def repeated(self) -> int:
        """Warnings not shown because one of their kind was."""
        return self._shared.repeated

    # -- output ----------------------------------------------------------------------------
    def __call__(self, message: str) -> None:
        if self.quiet or (self._shared.hide is not None and self._shared.hide(message)):
            return
        item = _ITEM.match(self.prefix) if self._shared.bar else None
        if item:
            self._draw(item, message)
            return
        elapsed = time.monotonic() - self.started
        self._line(f"[{elapsed:6.1f}s] {self.prefix}{message}")

    def warn(self, message: str) -> None:
        """A warning: shown once per kind (later ones of the same kind are counted, not shown)."""
        if self._shared.hide is not None and self._shared.hide(message):
            self._shared.repeated += 1
            return
        item = _ITEM.match(self.prefix)
        if item and message.startswith(f"{item.group(3)} {item.group(4)}: "):
            message = message[len(item.group(3)) + len(item.group(4)) + 3:]   # the prefix says it already
        if not self.repeat:
            project = item.group(4) if item else None
            kind = failures.key(message, project)
            with self._shared.lock:
                if kind in self._shared.seen:
                    self._shared.repeated += 1
                    return
                self._shared.seen.add(kind)
        self._line(f"warning: {self.prefix}{message}")

    def finish(self) -> None:
        """Clear the bar (before a summary is printed)."""
        with self._shared.lock:
            self._clear()

    # -- drawing ---------------------------------------------------------------------------
    def _line(self, text: str) -> None:
        with self._shared.lock:
            self._clear()
            self.stream.write(text + "\n")
            self.stream.flush()

    def _clear(self) -> None:
        if self._shared.drawn:
            self.stream.write("\r\x1b[K")
            self._shared.drawn = False

    def _draw(self, item: re.Match[str], message: str) -> None:
        i, n, source, project = int(item.group(1)), int(item.group(2)), item.group(3), item.group(4)
        done = max(0, min(i - 1, n))
        filled = int(BAR_WIDTH * done / n) if n else BAR_WIDTH
        elapsed = time.monotonic() - self.started
        text = (f"{source:<14} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {i}/{n} {elapsed:5.0f}s "
                f"{project}: {message}")
        width = max(20, shutil.get_terminal_size((100, 20)).columns - 1)
        with self._shared.lock:
            self.stream.write("\r\x1b[K" + text[:width])
            self.stream.flush()
            self._shared.drawn = True
