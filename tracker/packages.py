"""Python package names as PyPI compares them (PEP 503), shared by the collector and the metrics."""

from __future__ import annotations

import re

_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.I)  # PEP 508 project name


def normalise(name: str) -> str:
    """PEP 503 normalised name: runs of '-', '_' and '.' become '-', lower case."""
    return re.sub(r"[-_.]+", "-", name.strip()).lower()


def valid_name(name: str) -> bool:
    return bool(name) and len(name) <= 200 and bool(_NAME.match(name.strip()))
