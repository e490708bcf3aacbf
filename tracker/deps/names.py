"""Package names (PEP 503, shared with the PyPI collector via tracker.packages) and pinned
versions (PEP 440, via `packaging`, the parser pip itself vendors)."""

from __future__ import annotations

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from tracker.packages import normalise, valid_name

__all__ = ["normalise", "pinned_version", "valid_name"]


def pinned_version(specifier: str | SpecifierSet | None) -> str | None:
    """The exact version a PEP 440 specifier set pins ('==1.2.3', '===1.2.3', or '>=1,==1.2.3'
    where the rest allows it), else None."""
    if not specifier:
        return None
    if not isinstance(specifier, SpecifierSet):
        try:
            specifier = SpecifierSet(specifier)
        except InvalidSpecifier:
            return None
    for spec in specifier:
        if spec.operator in ("==", "===") and not spec.version.endswith(".*"):
            if spec.operator == "===" or specifier.contains(spec.version, prereleases=True):
                return spec.version
    return None
