"""The one reader for files users and repositories give us: dependency files and their includes,
lock files, SBOMs, weights, schedule config, grants, project lists.

One place for the rules, each with a clear one-line error naming the file (a `FileProblem`, which
the CLI prints as `tracker: error: ...` and exits 2):
- size: the cap is checked with stat() BEFORE reading, and the read itself stops one byte past the
  cap, so a file that grows, a FIFO, /dev/zero or a symlink to one never fills memory;
- kind: directories, sockets and block devices are refused; a FIFO is opened without waiting for a
  writer (no hang);
- text: UTF-8 (a BOM is dropped); NUL bytes mean a binary file, refused;
- nesting: JSON, TOML and YAML documents nested deeper than MAX_NESTING levels are refused (never a
  RecursionError or "internal error"); so are numbers Python will not convert (over 4300 digits);
- YAML: safe loader, no aliases ("billion laughs"), a node cap.
It also redacts values that look like secrets from text read out of a file before it is shown.
"""

from __future__ import annotations

import functools
import json
import os
import re
import stat
import tomllib
from itertools import islice
from pathlib import Path
from typing import Any

from tracker.config import redact_patterns
from tracker.errors import UsageError

MAX_FILE_BYTES = 2_000_000
MAX_YAML_NODES = 2_000
MAX_NESTING = 100            # levels of lists/tables; real files use under 20
_CHUNK = 1 << 20


class FileProblem(UsageError):
    """A file we would not or could not read. `reason` is the message without the file's name."""

    def __init__(self, label: str, reason: str):
        super().__init__(f"{label}: {reason}" if label else reason)
        self.reason = reason


def _label(path: str | Path, what: str) -> str:
    return f"{what} {path}".strip()


def read_bytes(path: str | Path, what: str = "", max_bytes: int = MAX_FILE_BYTES, *,
               follow_symlinks: bool = True) -> bytes:
    """The bytes of a file, at most `max_bytes`; FileProblem if missing, not a file, or too big.

    The size is checked before reading (stat), again on the opened file (fstat), and the read
    stops at `max_bytes` + 1 whatever the file claims, for FIFOs and devices that have no size.
    With `follow_symlinks=False` a symlink as the last component is refused (O_NOFOLLOW).
    """
    label = _label(path, what)
    try:
        info = os.stat(path, follow_symlinks=follow_symlinks)
    except FileNotFoundError:
        raise FileProblem(label, "no such file") from None
    except NotADirectoryError:
        raise FileProblem(label, "no such file") from None
    except PermissionError:
        raise FileProblem(label, "permission denied") from None
    except OSError as exc:
        raise FileProblem(label, f"cannot read it ({exc.strerror or exc})") from None
    _check_kind(info, label, max_bytes, follow_symlinks)
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    if stat.S_ISFIFO(info.st_mode):
        flags |= os.O_NONBLOCK          # do not wait for a writer that may never come
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except PermissionError:
        raise FileProblem(label, "permission denied") from None
    except OSError as exc:
        raise FileProblem(label, f"cannot read it ({exc.strerror or exc})") from None
    try:
        _check_kind(os.fstat(fd), label, max_bytes, follow_symlinks)   # the file actually opened
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        total = 0
        while total <= max_bytes:
            chunk = os.read(fd, min(_CHUNK, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise FileProblem(label, f"cannot read it ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    if total > max_bytes:
        raise FileProblem(label, too_big(max_bytes))
    return b"".join(chunks)


def too_big(max_bytes: int) -> str:
    return f"larger than {max_bytes:,} bytes; refusing to read it"


def _check_kind(info: os.stat_result, label: str, max_bytes: int, follow_symlinks: bool) -> None:
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        raise FileProblem(label, "a directory, not a file")
    if stat.S_ISLNK(mode) and not follow_symlinks:
        raise FileProblem(label, "a symbolic link; refusing to follow it")
    if stat.S_ISREG(mode):
        if info.st_size > max_bytes:
            raise FileProblem(label, too_big(max_bytes))
        return
    if not (stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)):
        raise FileProblem(label, "not a regular file (a socket or block device)")


def decode_text(data: bytes, label: str = "") -> str:
    """UTF-8 text (BOM dropped); FileProblem for binary data or other encodings."""
    if b"\x00" in data[:8192]:
        raise FileProblem(label, "not UTF-8 text (a binary file)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileProblem(label, f"not UTF-8 text (first bad byte at offset {exc.start})") from None


def read_text(path: str | Path, what: str = "", max_bytes: int = MAX_FILE_BYTES) -> str:
    """The UTF-8 text of a user's file (a BOM is dropped); FileProblem if missing, too big or not text."""
    return decode_text(read_bytes(path, what, max_bytes), _label(path, what))


# ---- nesting ---------------------------------------------------------------------------------

def too_deep(data: Any, limit: int = MAX_NESTING) -> bool:
    """True when lists/dicts nest deeper than `limit` (checked without recursion)."""
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list | tuple):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list | tuple))
    return False


class BadDocument(ValueError):
    """A JSON/TOML/YAML text that does not parse (or nests too deep); `line` where, when known."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


def _nested(limit: int) -> str:
    return f"nested more than {limit} levels deep; refusing it"


def load_json(text: str, max_depth: int = MAX_NESTING) -> Any:
    """Parse JSON; BadDocument (a ValueError) saying why not: bad syntax (with its line), nested
    deeper than `max_depth`, a number longer than Python converts."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadDocument(f"not valid JSON ({exc.msg} at line {exc.lineno})", exc.lineno) from None
    except RecursionError:
        raise BadDocument(_nested(max_depth)) from None
    except ValueError as exc:        # e.g. an integer longer than Python converts
        raise BadDocument(f"not valid JSON ({_first_line(exc)})") from None
    if too_deep(data, max_depth):
        raise BadDocument(_nested(max_depth))
    return data


# A dotted key (or table header) of more than MAX_NESTING parts: tomllib takes time quadratic in
# the parts (50,000 parts, 100 KB: over a minute), and it nests that deep. Each chain of
# `part.part.` is matched once, whole (possessive quantifiers, a look-behind so no match starts
# inside a word), so the scan stays linear in the text.
_KEY_PART = r"(?:[A-Za-z0-9_-]++|\"[^\"\n]*+\"|'[^'\n]*+')[ \t]*+\.[ \t]*+"
_DOTTED_CHAIN = re.compile(r"(?<![A-Za-z0-9_-])(?:" + _KEY_PART + r")++")
_ONE_PART = re.compile(_KEY_PART)


def _deepest_dotted_key(text: str) -> tuple[int, int]:
    """(parts of the longest dotted chain, its offset): parts are counted only for long chains."""
    for match in _DOTTED_CHAIN.finditer(text):
        chain = match.group()
        if chain.count(".") >= MAX_NESTING and sum(1 for _ in islice(_ONE_PART.finditer(chain), MAX_NESTING)) \
                >= MAX_NESTING:
            return MAX_NESTING + 1, match.start()
    return 0, 0


def load_toml(text: str, max_depth: int = MAX_NESTING) -> dict[str, Any]:
    """Parse TOML; BadDocument (a ValueError) saying why not (with the line tomllib stopped at)."""
    parts, where = _deepest_dotted_key(text)
    if parts > MAX_NESTING:
        raise BadDocument(f"a dotted key with more than {MAX_NESTING} parts; {_nested(max_depth)}",
                          text.count("\n", 0, where) + 1)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise BadDocument(f"not valid TOML ({exc})", int(match.group(1)) if match else None) from None
    except RecursionError:
        raise BadDocument(_nested(max_depth)) from None
    except ValueError as exc:
        raise BadDocument(f"not valid TOML ({_first_line(exc)})") from None
    if too_deep(data, max_depth):
        raise BadDocument(_nested(max_depth))
    return data


def _first_line(exc: Exception) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:200]


def read_json(path: str | Path, what: str = "", max_bytes: int = MAX_FILE_BYTES) -> Any:
    try:
        return load_json(read_text(path, what, max_bytes))
    except ValueError as exc:
        raise FileProblem(_label(path, what), str(exc)) from None


def read_toml(path: str | Path, what: str = "", max_bytes: int = MAX_FILE_BYTES) -> dict[str, Any]:
    """The parsed TOML of a user's file (weights, schedule config); FileProblem saying why not."""
    try:
        return load_toml(read_text(path, what, max_bytes))
    except ValueError as exc:
        raise FileProblem(_label(path, what), str(exc)) from None


# ---- YAML ------------------------------------------------------------------------------------

class _Refused(Exception):
    """A YAML document we will not build (aliases, too many nodes, too deep)."""


@functools.cache
def _capped_loader() -> type:
    """SafeLoader that refuses aliases, more than `max_nodes` nodes and deeper than `max_depth`
    (built on first use: PyYAML is imported only by what reads YAML)."""
    import yaml

    class CappedLoader(yaml.SafeLoader):
        max_nodes = MAX_YAML_NODES
        max_depth = MAX_NESTING

        def compose_node(self, parent, index):  # noqa: ANN001 (PyYAML's signature)
            if self.check_event(yaml.AliasEvent):
                raise _Refused("YAML aliases (*name) are not allowed here")
            self._nodes = getattr(self, "_nodes", 0) + 1
            if self._nodes > self.max_nodes:
                raise _Refused(f"more than {self.max_nodes} YAML nodes")
            self._depth = getattr(self, "_depth", 0) + 1
            try:
                if self._depth > self.max_depth:
                    raise _Refused(_nested(self.max_depth))
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

    return CappedLoader


def load_yaml(text: str, max_nodes: int = MAX_YAML_NODES) -> Any:
    """Safe, capped YAML load (no aliases, at most `max_nodes` nodes, MAX_NESTING levels);
    raises ValueError saying why not."""
    import yaml

    loader = _capped_loader()(text)
    loader.max_nodes = max_nodes
    try:
        return loader.get_single_data()
    except _Refused as exc:
        raise ValueError(str(exc)) from None
    except yaml.YAMLError as exc:
        raise ValueError("not valid YAML: " + " ".join(str(exc).split())[:200]) from None
    except RecursionError:
        raise ValueError(_nested(MAX_NESTING)) from None
    except ValueError as exc:        # a constructor's int() of a 5000-digit number
        raise ValueError(f"not valid YAML ({_first_line(exc)})") from None
    finally:
        loader.dispose()


def read_yaml(path: str | Path, what: str = "", max_bytes: int = MAX_FILE_BYTES,
              max_nodes: int = 200_000) -> Any:
    """The parsed YAML of a user's file; a one-line FileProblem naming `what` and the file otherwise."""
    text = read_text(path, what, max_bytes)
    try:
        return load_yaml(text, max_nodes=max_nodes)
    except ValueError as exc:
        raise FileProblem(_label(path, what), str(exc)) from None


# ---- secrets in text read from files ---------------------------------------------------------

def redact_secrets(text: str) -> str:
    """`text` with anything that looks like a secret replaced by '***' (for text read out of a file
    and shown back: warnings, reports, PR comments). The patterns live with the configured tokens'
    redaction in tracker.config, the one place secrets are taken out of text."""
    return redact_patterns(text)


def looks_like_secret(text: str) -> bool:
    return redact_secrets(text) != text
