"""Which parser reads a file: by its name first, then by its content. Formats we recognise but
cannot read yet are named, so the user knows what to give instead."""

from __future__ import annotations

import fnmatch
import os
import re
import tomllib
from pathlib import Path, PurePath

from packaging.requirements import InvalidRequirement, Requirement

from tracker.deps import locks, pyproject, requirements, sbom
from tracker.deps.model import ParseResult
from tracker.errors import UsageError

MAX_BYTES = 20_000_000
SUPPORTED = ("requirements*.txt (and *.in, constraints files)", "pyproject.toml", "uv.lock", "poetry.lock",
             "Pipfile.lock", "CycloneDX JSON", "SPDX 2.x JSON")

# Files we recognise but do not read (yet), with what to give instead.
_NAMED_UNSUPPORTED = {
    "setup.py": "setup.py is a program and is never run here; declare dependencies in pyproject.toml or "
                "give a requirements or lock file",
    "setup.cfg": "setup.cfg is not supported yet; give pyproject.toml, a requirements or a lock file",
    "pipfile": "a Pipfile is not supported yet; give Pipfile.lock",
    "pdm.lock": "pdm.lock is not supported yet; export it (pdm export -o requirements.txt)",
    "environment.yml": "conda environment files are not supported yet",
    "environment.yaml": "conda environment files are not supported yet",
    "package.json": "npm packages are not supported yet (Python only)",
    "package-lock.json": "npm lock files are not supported yet (Python only)",
    "yarn.lock": "yarn lock files are not supported yet (Python only)",
    "pnpm-lock.yaml": "pnpm lock files are not supported yet (Python only)",
    "go.mod": "Go modules are not supported yet (Python only)",
    "go.sum": "Go modules are not supported yet (Python only)",
    "cargo.toml": "Rust crates are not supported yet (Python only)",
    "cargo.lock": "Rust crates are not supported yet (Python only)",
    "gemfile": "Ruby gems are not supported yet (Python only)",
    "gemfile.lock": "Ruby gems are not supported yet (Python only)",
    "pom.xml": "Maven projects are not supported yet (Python only)",
    "composer.json": "PHP packages are not supported yet (Python only)",
    "composer.lock": "PHP packages are not supported yet (Python only)",
}


class UnknownFormat(UsageError):
    """A file none of the parsers reads; the message names it and what is supported."""


def _unknown(name: str, why: str) -> UnknownFormat:
    return UnknownFormat(f"{name}: {why}. Supported: {', '.join(SUPPORTED)}")


def detect(name: str, text: str) -> str:
    """The format of a file: 'requirements', 'pyproject', 'uv', 'poetry', 'pipfile', 'sbom'."""
    base = PurePath(name).name.lower()
    if base in _NAMED_UNSUPPORTED:
        raise _unknown(name, _NAMED_UNSUPPORTED[base])
    by_name = {"pyproject.toml": "pyproject", "uv.lock": "uv", "poetry.lock": "poetry",
               "pipfile.lock": "pipfile"}
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
    raise _unknown(name, "a JSON file that is not a CycloneDX or SPDX SBOM or a Pipfile.lock")


def _detect_toml(name: str, text: str) -> str:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        raise _unknown(name, "not a file this tool recognises (and not valid TOML)") from None
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
    meaningful = [re.sub(r"(^|\s+)#.*$", "", ln).strip() for ln in lines]
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


def decode(data: bytes, name: str) -> tuple[str, str | None]:
    """Text of a file and a warning if some bytes were not UTF-8. Binary files are refused."""
    if len(data) > MAX_BYTES:
        raise UsageError(f"{name}: larger than {MAX_BYTES:,} bytes; refusing to read it")
    if b"\x00" in data[:8192]:
        raise UsageError(f"{name}: a binary file, not a dependency list")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        return (data.decode("utf-8-sig", errors="replace"),
                f"not valid UTF-8 (first bad byte at offset {exc.start}); undecodable bytes replaced")


def parse_text(text: str, name: str, loader: requirements.Loader | None = None,
               kind: str | None = None) -> ParseResult:
    """Parse one file's text; `kind` forces a format (else detected). Raises UnknownFormat."""
    kind = kind or detect(name, text)
    if kind == "requirements":
        return requirements.parse(text, name, loader)
    if kind == "pyproject":
        return pyproject.parse(text, name)
    if kind == "uv":
        return locks.parse_uv(text, name)
    if kind == "poetry":
        return locks.parse_poetry(text, name)
    if kind == "pipfile":
        return locks.parse_pipfile_lock(text, name)
    if kind == "sbom":
        loaded = sbom.load_json(text, name)
        if isinstance(loaded, ParseResult):
            return loaded
        if not isinstance(loaded, dict):
            raise _unknown(name, "a JSON file that is not an SBOM")
        return sbom.parse_json_sbom(text, name, loaded)
    raise _unknown(name, f"unknown format {kind!r}")


KINDS = ("requirements", "pyproject", "uv", "poetry", "pipfile", "sbom")


def file_loader(ref: str, including: str) -> tuple[str, str] | str:
    """Read an included requirements/constraints file relative to the file that includes it."""
    path = Path(os.path.normpath(Path(including).parent / ref))
    if not path.is_file():
        return "no such file"
    try:
        text, problem = decode(path.read_bytes(), str(path))
    except (OSError, UsageError) as exc:
        return str(exc)
    return str(path), text


def parse_path(path: str | os.PathLike[str]) -> ParseResult:
    """Read and parse one file from disk (its -r/-c includes too)."""
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"{path}: a directory; give the dependency files in it")
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read it ({exc.strerror})") from None
    text, problem = decode(data, str(path))
    result = parse_text(text, str(path), file_loader)
    if problem:
        result.warn(None, problem)
    return result


def memory_loader(files: dict[str, str]):
    """A loader for files given together (uploads): includes resolve by path, then by base name."""
    by_base = {PurePath(k).name: k for k in files}

    def load(ref: str, including: str) -> tuple[str, str] | str:
        joined = os.path.normpath(str(PurePath(including).parent / ref))
        for candidate in (joined, ref, by_base.get(PurePath(ref).name)):
            if candidate in files:
                return candidate, files[candidate]
        return "it was not uploaded with the file that includes it"

    return load
