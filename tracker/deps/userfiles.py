"""Reading the small YAML files users give (`--overrides`, `--ignore`): size-capped, safe_load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tracker.errors import UsageError

MAX_FILE_BYTES = 2_000_000


def read_yaml(path: str | Path, what: str) -> Any:
    """The parsed YAML of `path`; a one-line UsageError naming `what` and the file otherwise."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"{what} {path}: no such file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise UsageError(f"{what} {path}: larger than {MAX_FILE_BYTES} bytes; refusing to read it")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise UsageError(f"{what} {path}: not valid YAML ({str(exc).splitlines()[0]})") from None
