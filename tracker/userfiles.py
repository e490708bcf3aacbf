"""Reading files users and repositories give us: size-capped, decoded, YAML parsed safely.

One place for the rules: a clear one-line error naming the file, no YAML tags (safe loader), no
aliases (no "billion laughs"), a cap on nodes, bytes and nesting.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tracker.errors import UsageError

MAX_FILE_BYTES = 2_000_000
MAX_YAML_NODES = 2_000


class _Refused(Exception):
    """A YAML document we will not build (aliases, too many nodes)."""


class _CappedLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases and documents with more than `max_nodes` nodes."""

    max_nodes = MAX_YAML_NODES

    def compose_node(self, parent, index):  # noqa: ANN001 (PyYAML's signature)
        if self.check_event(yaml.AliasEvent):
            raise _Refused("YAML aliases (*name) are not allowed here")
        self._nodes = getattr(self, "_nodes", 0) + 1
        if self._nodes > self.max_nodes:
            raise _Refused(f"more than {self.max_nodes} YAML nodes")
        return super().compose_node(parent, index)


def load_yaml(text: str, max_nodes: int = MAX_YAML_NODES) -> Any:
    """Safe, capped YAML load (no aliases, at most `max_nodes` nodes); raises ValueError saying why."""
    loader = _CappedLoader(text)
    loader.max_nodes = max_nodes
    try:
        return loader.get_single_data()
    except _Refused as exc:
        raise ValueError(str(exc)) from None
    except yaml.YAMLError as exc:
        raise ValueError("not valid YAML: " + " ".join(str(exc).split())[:200]) from None
    except RecursionError:
        raise ValueError("YAML nested too deeply") from None
    finally:
        loader.dispose()


def read_text(path: str | Path, what: str = "", max_bytes: int = MAX_FILE_BYTES) -> str:
    """The UTF-8 text of a user's file (a BOM is dropped); UsageError if missing, too big or not text."""
    path = Path(path)
    label = f"{what} {path}".strip()
    if not path.is_file():
        raise UsageError(f"{label}: no such file")
    if path.stat().st_size > max_bytes:
        raise UsageError(f"{label}: larger than {max_bytes} bytes; refusing to read it")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"{label}: not UTF-8 text") from None


def read_yaml(path: str | Path, what: str = "", max_bytes: int = MAX_FILE_BYTES,
              max_nodes: int = 200_000) -> Any:
    """The parsed YAML of a user's file; a one-line UsageError naming `what` and the file otherwise."""
    text = read_text(path, what, max_bytes)
    try:
        return load_yaml(text, max_nodes=max_nodes)
    except ValueError as exc:
        raise UsageError(f"{what} {path}: {exc}".strip()) from None
