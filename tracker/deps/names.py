"""Package names (PEP 503, shared with the PyPI collector via tracker.packages) and pinned
versions (PEP 440, via `packaging`, the parser pip itself vendors)."""

from __future__ import annotations

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from tracker.packages import normalise, valid_name

__all__ = ["normalise", "pinned_version", "valid_name"]


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
