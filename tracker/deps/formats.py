"""Which parser reads a file: by its name first, then by its content. Formats we recognise but
cannot read yet are named, so the user knows what to give instead."""

from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path, PurePath

from packaging.requirements import InvalidRequirement, Requirement

from tracker.deps import locks, npmlock, pyproject, requirements, sbom
from tracker.deps.model import ParseResult
from tracker.deps.sources import MAX_BYTES, MAX_ENTRIES, DiskIncludes, Includes, UploadIncludes, decode
from tracker.errors import UsageError
from tracker.userfiles import FileProblem, load_toml, read_bytes

__all__ = ["MAX_BYTES", "SUPPORTED", "KINDS", "UnknownFormat", "decode", "detect", "memory_loader", "parse_path",
           "parse_text"]
SUPPORTED = ("requirements*.txt (and *.in, constraints files)", "pyproject.toml", "uv.lock", "poetry.lock",
             "Pipfile.lock", "package-lock.json (v2/v3)", "CycloneDX JSON", "SPDX 2.x JSON")

# Files we recognise but do not read (yet), with what to give instead.
_NAMED_UNSUPPORTED = {
    "setup.py": "setup.py is a program and is never run here; declare dependencies in pyproject.toml or "
                "give a requirements or lock file",
    "setup.cfg": "setup.cfg is not supported yet; give pyproject.toml, a requirements or a lock file",
    "pipfile": "a Pipfile is not supported yet; give Pipfile.lock",
    "pdm.lock": "pdm.lock is not supported yet; export it (pdm export -o requirements.txt)",
    "environment.yml": "conda environment files are not supported yet",
    "environment.yaml": "conda environment files are not supported yet",
    "package.json": "package.json has ranges, not versions, and no graph; give package-lock.json",
    "yarn.lock": "yarn lock files are not supported yet (npm's package-lock.json is)",
    "pnpm-lock.yaml": "pnpm lock files are not supported yet (npm's package-lock.json is)",
    "go.mod": "Go modules are not supported yet (Python and npm only)",
    "go.sum": "Go modules are not supported yet (Python and npm only)",
    "cargo.toml": "Rust crates are not supported yet (Python and npm only)",
    "cargo.lock": "Rust crates are not supported yet (Python and npm only)",
    "gemfile": "Ruby gems are not supported yet (Python and npm only)",
    "gemfile.lock": "Ruby gems are not supported yet (Python and npm only)",
    "pom.xml": "Maven projects are not supported yet (Python and npm only)",
    "composer.json": "PHP packages are not supported yet (Python and npm only)",
    "composer.lock": "PHP packages are not supported yet (Python and npm only)",
}


class UnknownFormat(UsageError):
    """A file none of the parsers reads; the message names it and what is supported."""


def _unknown(name: str, why: str) -> UnknownFormat:
    return UnknownFormat(f"{name}: {why}. Supported: {', '.join(SUPPORTED)}")


def detect(name: str, text: str) -> str:
    """The format of a file: 'requirements', 'pyproject', 'uv', 'poetry', 'pipfile', 'npm', 'sbom'."""
    base = PurePath(name).name.lower()
    if base in _NAMED_UNSUPPORTED:
        raise _unknown(name, _NAMED_UNSUPPORTED[base])
    by_name = {"pyproject.toml": "pyproject", "uv.lock": "uv", "poetry.lock": "poetry",
               "pipfile.lock": "pipfile", "package-lock.json": "npm", "npm-shrinkwrap.json": "npm"}
    if base in by_name:
        return by_name[base]
    head = text.lstrip()[:4096]
    if head.startswith("{"):
        return _detect_json(name, text)
    if head.startswith("<"):
        if "cyclonedx" in head.lower():
            raise _unknown(name, "CycloneDX XML is not supported yet; export the SBOM as JSON")
        if "spdx" in head.lower():
            raise _unknown(name, "SPDX XML/RDF is not supported yet; export the SBOM as SPDX JSON")
        raise _unknown(name, "an XML file that is not a known dependency format")
    if re.search(r"^SPDXVersion:", head, re.MULTILINE):
        raise _unknown(name, "SPDX tag-value is not supported yet; export the SBOM as SPDX JSON")
    if base.endswith(".toml") or base.endswith(".lock"):
        return _detect_toml(name, text)
    if (fnmatch.fnmatch(base, "*requirements*.txt") or fnmatch.fnmatch(base, "*constraints*.txt")
            or base.endswith((".txt", ".in")) or _looks_like_requirements(text)):
        return "requirements"
    try:
        return _detect_toml(name, text)
    except UnknownFormat:
        pass
    raise _unknown(name, "not a dependency file format this tool recognises")


def _detect_json(name: str, text: str) -> str:
    loaded = sbom.load_json(text, name)
    if isinstance(loaded, ParseResult):
        raise _unknown(name, f"looks like JSON but is not valid ({loaded.warnings[0].message})")
    if not isinstance(loaded, dict):
        raise _unknown(name, "a JSON file that is not an SBOM or Pipfile.lock")
    if loaded.get("bomFormat") == "CycloneDX":
        return "sbom"
    version = str(loaded.get("spdxVersion", ""))
    if version.startswith("SPDX-2"):
        return "sbom"
    if version or "@context" in loaded and "spdx" in str(loaded.get("@context")).lower():
        raise _unknown(name, f"SPDX {version or '3'} JSON-LD is not supported yet; export SPDX 2.3 JSON")
    if "_meta" in loaded and ("default" in loaded or "develop" in loaded):
        return "pipfile"
    if "lockfileVersion" in loaded and ("packages" in loaded or "dependencies" in loaded):
        return "npm"
    raise _unknown(name, "a JSON file that is not a CycloneDX or SPDX SBOM, a Pipfile.lock or a package-lock.json")


def _detect_toml(name: str, text: str) -> str:
    try:
        data = load_toml(text)
    except ValueError as exc:
        reason = "nested too deeply" if "nested" in str(exc) else "and not valid TOML"
        raise _unknown(name, f"not a file this tool recognises ({reason})") from None
    meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    if isinstance(data.get("package"), list) and "requires-python" in data:
        return "uv"
    if isinstance(data.get("package"), list) and ("content-hash" in meta or "lock-version" in meta):
        return "poetry"
    if any(k in data for k in ("project", "dependency-groups", "build-system")) or "poetry" in data.get(
            "tool", {}):
        return "pyproject"
    raise _unknown(name, "a TOML file that is not pyproject.toml, uv.lock or poetry.lock")


def _looks_like_requirements(text: str) -> bool:
    """Pasted or oddly named text: most meaningful lines are options or PEP 508 requirements."""
    lines = [ln for _, ln in requirements.logical_lines(text[:200_000])]
    meaningful = [requirements.strip_comment(ln) for ln in lines]
    meaningful = [ln for ln in meaningful if ln][:200]
    if not meaningful:
        return False
    good = 0
    for line in meaningful:
        if line.startswith("-") or re.match(r"^(git|hg|svn|bzr)\+|^https?://", line):
            good += 1
            continue
        try:
            Requirement(line.split(" --", 1)[0])
            good += 1
        except InvalidRequirement:
            pass
    return good * 2 > len(meaningful)


def parse_text(text: str, name: str, includes: Includes | None = None,
               kind: str | None = None) -> ParseResult:
    """Parse one file's text; `kind` forces a format (else detected). Requirements files follow
    their -r/-c lines through `includes` (one per run: each file is read once). Raises
    UnknownFormat, or FileProblem for a file over the caps."""
    kind = kind or detect(name, text)
    if kind == "requirements":
        result = requirements.parse(text, name, includes)
    elif kind == "pyproject":
        result = pyproject.parse(text, name)
    elif kind == "uv":
        result = locks.parse_uv(text, name)
    elif kind == "poetry":
        result = locks.parse_poetry(text, name)
    elif kind == "pipfile":
        result = locks.parse_pipfile_lock(text, name)
    elif kind == "npm":
        result = npmlock.parse_package_lock(text, name)
    elif kind == "sbom":
        loaded = sbom.load_json(text, name)
        if isinstance(loaded, ParseResult):
            return loaded
        if not isinstance(loaded, dict):
            raise _unknown(name, "a JSON file that is not an SBOM")
        result = sbom.parse_json_sbom(text, name, loaded)
    else:
        raise _unknown(name, f"unknown format {kind!r}")
    if len(result.dependencies) + len(result.unsupported) > MAX_ENTRIES:
        raise FileProblem(name, f"more than {MAX_ENTRIES:,} dependencies; refusing it (the cap keeps memory bounded)")
    return result


KINDS = ("requirements", "pyproject", "uv", "poetry", "pipfile", "npm", "sbom")


def parse_path(path: str | os.PathLike[str], includes: Includes | None = None) -> ParseResult:
    """Read (size-capped, bounded) and parse one file the user named, its -r/-c includes too.
    Give every file of one run the same `includes` so each is read once."""
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"{path}: a directory; give the dependency files in it")
    data = read_bytes(path, max_bytes=MAX_BYTES)
    text, problem = decode(data, str(path))
    result = parse_text(text, str(path), includes if includes is not None else DiskIncludes())
    if problem:
        result.warn(None, problem)
    return result


def memory_loader(files: dict[str, str]) -> UploadIncludes:
    """Files given together (uploads): includes resolve by path, then by base name, among them
    only; each is parsed once however often it is included."""
    return UploadIncludes(files)
