"""Package names and versions as the specifications define them (via `packaging`, the parser
pip itself vendors)."""

from __future__ import annotations

import re

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

_VALID_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)


def normalise(name: str) -> str:
    """PEP 503 normalised name: lower case, runs of '-', '_', '.' become one '-'."""
    return canonicalize_name(name)


def valid_name(name: str) -> bool:
    """A distribution name as PEP 508 allows it."""
    return bool(_VALID_NAME.match(name or ""))


def pinned_version(specifier: str | SpecifierSet | None) -> str | None:
    """The exact version a PEP 440 specifier pins ('==1.2.3' or '===1.2.3'), else None."""
    if not specifier:
        return None
    if isinstance(specifier, SpecifierSet):
        specs = list(specifier)
    else:
        try:
            specs = list(SpecifierSet(specifier))
        except InvalidSpecifier:
            return None
    if len(specs) == 1 and specs[0].operator in ("==", "===") and not specs[0].version.endswith(".*"):
        return specs[0].version
    return None
