"""Progress lines for long collections, on stderr so stdout stays machine-readable."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, stream: TextIO | None = None, quiet: bool = False, prefix: str = ""):
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.prefix = prefix
        self.started = time.monotonic()

    def child(self, prefix: str) -> Progress:
        p = Progress(self.stream, self.quiet, prefix)
        p.started = self.started
        return p

    def __call__(self, message: str) -> None:
        if self.quiet:
            return
        elapsed = time.monotonic() - self.started
        self.stream.write(f"[{elapsed:6.1f}s] {self.prefix}{message}\n")
        self.stream.flush()

    def warn(self, message: str) -> None:
        self.stream.write(f"warning: {self.prefix}{message}\n")
        self.stream.flush()
