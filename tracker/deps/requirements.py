"""pip requirements files (`requirements*.txt`, `*.in`, constraints files).

Follows pip's documented format: one requirement per line; `#` starts a comment at the start of
a line or after whitespace; a trailing backslash continues a line; `-r FILE` includes another
requirements file and `-c FILE` a constraints file (paths relative to the including file);
`-e` marks an editable (URL, VCS link or path); per-requirement options (`--hash=...`) follow the
requirement. Requirement strings are PEP 508, parsed by `packaging`. `${VAR}` is never expanded
and nothing is ever fetched or executed.

Direct vs transitive: pip-compile and `uv pip compile` annotate each pin with `# via ...`;
`-r FILE` or `NAME (pyproject.toml)` there means direct, other package names mean transitive.
Files without such annotations do not say (None).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field

from packaging.requirements import InvalidRequirement, Requirement

from tracker.deps.model import Dependency, ParseResult, Unsupported
from tracker.deps.names import normalise, pinned_version, valid_name
from tracker.deps.urls import github_repo

# (reference as written, including file) -> (display name, text), or an error message (str).
Loader = Callable[[str, str], "tuple[str, str] | str"]

MAX_DEPTH = 20
_COMMENT = re.compile(r"(^|\s+)#.*$")
_VIA_START = re.compile(r"^\s*#\s*via\b:?\s*(.*)$")
_VIA_MORE = re.compile(r"^\s*#\s{2,}(\S.*)$")
_NAME_AT_URL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*@")
_URL = re.compile(r"^([a-z][a-z0-9+.-]*://|(git|hg|svn|bzr)\+|file:)", re.IGNORECASE)
_ARCHIVE = re.compile(r"\.(whl|tar\.gz|tgz|tar\.bz2|tar\.xz|zip|tar)$", re.IGNORECASE)
_WHEEL = re.compile(r"^(?P<name>[^-]+)-(?P<version>[^-]+)(-[^-]+)?-[^-]+-[^-]+-[^-]+\.whl$", re.IGNORECASE)
_SDIST = re.compile(r"^(?P<name>.+?)-(?P<version>\d[^-]*?)\.(tar\.gz|tgz|tar\.bz2|tar\.xz|zip|tar)$",
                    re.IGNORECASE)

# Options pip accepts on their own line; the value-taking ones consume their argument.
_GLOBAL_WITH_VALUE = {"-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--trusted-host",
                      "--no-binary", "--only-binary", "--use-feature", "--config-settings"}
_GLOBAL_FLAGS = {"--no-index", "--pre", "--prefer-binary", "--require-hashes", "-Z", "--always-unzip"}
_INCLUDE = {"-r": "requirement", "--requirement": "requirement", "-c": "constraint",
            "--constraint": "constraint"}
_EDITABLE = {"-e", "--editable"}
_PER_REQUIREMENT = {"--hash", "--global-option", "--install-option", "--config-settings"}


@dataclass
class _State:
    result: ParseResult
    loader: Loader | None
    stack: list[str] = field(default_factory=list)
    constraints: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)


def logical_lines(text: str) -> list[tuple[int, str]]:
    """(first physical line number, joined text) per logical line, as pip joins them:
    a trailing backslash continues the line; a comment line ends the continuation."""
    out: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), 1):
        comment_line = re.match(r"^\s*#", line) is not None
        if line.endswith("\\") and not comment_line:
            if not pending:
                start = number
            pending.append(line[:-1])
            continue
        if pending and comment_line:
            out.append((start, "".join(pending)))
            out.append((number, line))
        elif pending:
            out.append((start, "".join(pending) + line))
        else:
            out.append((number, line))
        pending = []
    if pending:
        out.append((start, "".join(pending)))
    return out


def parse(text: str, file: str, loader: Loader | None = None) -> ParseResult:
    """Parse one requirements file (and what it includes, read through `loader`)."""
    state = _State(ParseResult(file, "requirements.txt"), loader, [file])
    _parse_into(state, text, file, constraint=False)
    _apply_constraints(state)
    return state.result


def _parse_into(state: _State, text: str, file: str, constraint: bool) -> None:
    annotated = False
    last: Dependency | None = None
    via: list[str] | None = None
    own: list[tuple[Dependency, list[str] | None]] = []

    def close_via() -> None:
        nonlocal via
        if last is not None and via is not None:
            own[-1] = (last, via)
        via = None

    for number, raw in logical_lines(text):
        start = _VIA_START.match(raw)
        if start:
            annotated = True
            close_via()
            via = [s for s in re.split(r",\s*", start.group(1).strip()) if s]
            continue
        more = _VIA_MORE.match(raw)
        if more and via is not None:
            via.append(more.group(1).strip())
            continue
        inline = re.search(r"\s#\s*via\s+(.+)$", raw)
        line = _COMMENT.sub("", raw).strip()
        if not line:
            continue
        close_via()
        dep = _line(state, line, file, number, constraint)
        if dep is not None:
            last = dep
            own.append((dep, None))
            if inline:
                annotated = True
                own[-1] = (dep, [s for s in re.split(r",\s*", inline.group(1).strip()) if s])
    close_via()
    if annotated:
        for dep, entries in own:
            dep.direct = _direct_from_via(entries)


def _direct_from_via(entries: list[str] | None) -> bool | None:
    if not entries:
        return None
    if any(e.startswith("-r") or e.startswith("(-r") or e.rstrip().endswith(")") for e in entries):
        return True
    if any(valid_name(e.split()[0]) for e in entries if not e.startswith("-")):
        return False
    return None


def _line(state: _State, line: str, file: str, number: int, constraint: bool) -> Dependency | None:
    result = state.result
    if line.startswith("-"):
        try:
            tokens = shlex.split(line, posix=True)
        except ValueError as exc:
            result.warn(number, f"cannot read this option line ({exc}); skipped", file)
            return None
        option, value = _split_option(tokens)
        if option in _INCLUDE:
            if not value:
                result.warn(number, f"{option} needs a file name; skipped", file)
            else:
                _include(state, value, file, number, constraint or _INCLUDE[option] == "constraint")
            return None
        if option in _EDITABLE:
            if not value:
                result.warn(number, f"{option} needs a URL or path; skipped", file)
                return None
            return _url_requirement(state, value, file, number, constraint, editable=True)
        if option in _GLOBAL_WITH_VALUE or option in _GLOBAL_FLAGS:
            return None
        result.warn(number, f"unknown option {option!r}; line skipped", file)
        return None
    args, options = _split_requirement_options(line)
    for opt in options:
        name = opt.split("=", 1)[0]
        if name.startswith("-") and name not in _PER_REQUIREMENT:
            result.warn(number, f"unknown option {name!r} after the requirement; ignored", file)
    text = " ".join(args)
    if not _NAME_AT_URL.match(text) and (_URL.match(text) or _looks_like_path(text)):
        return _url_requirement(state, text, file, number, constraint, editable=False)
    return _pep508(state, text, file, number, constraint)


def _split_option(tokens: list[str]) -> tuple[str, str | None]:
    head = tokens[0]
    if head.startswith("--") and "=" in head:
        name, value = head.split("=", 1)
        return name, value
    if not head.startswith("--") and len(head) > 2:  # -rfile.txt
        return head[:2], head[2:]
    return head, (tokens[1] if len(tokens) > 1 else None)


def _split_requirement_options(line: str) -> tuple[list[str], list[str]]:
    """pip's rule: the requirement ends at the first space-separated token starting with '-'."""
    tokens = line.split()
    for i, token in enumerate(tokens):
        if token.startswith("-") and i > 0:
            return tokens[:i], tokens[i:]
    return tokens, []


def _looks_like_path(text: str) -> bool:
    head = text.split(";", 1)[0].strip()
    return (head.startswith((".", "/", "~")) or "/" in head or "\\" in head
            or bool(_ARCHIVE.search(head)))


def _pep508(state: _State, text: str, file: str, number: int, constraint: bool) -> Dependency | None:
    try:
        req = Requirement(text)
    except InvalidRequirement as exc:
        shown = text if len(text) <= 80 else text[:77] + "..."
        state.result.warn(number, f"{shown!r} is not a valid requirement ({str(exc).splitlines()[0]});"
                          " skipped", file)
        return None
    spec = str(req.specifier) or None
    if constraint:
        state.constraints[normalise(req.name)] = (spec, pinned_version(spec))
        return None
    repo = github_repo(req.url) if req.url else None
    dep = Dependency(name=req.name, key=normalise(req.name), version=pinned_version(req.specifier), specifier=spec,
                     extras=tuple(sorted(req.extras)), marker=str(req.marker) if req.marker else None,
                     repo=repo, url=req.url, file=file, line=number)
    state.result.dependencies.append(dep)
    return dep


def _url_requirement(state: _State, text: str, file: str, number: int, constraint: bool,
                     editable: bool) -> Dependency | None:
    result = state.result
    marker = None
    separator = "; " if _URL.match(text) else ";"   # pip: a URL's marker follows '; '
    if separator in text:
        text, marker_text = (s.strip() for s in text.split(separator, 1))
        marker = marker_text or None
    if constraint:
        result.warn(number, "a URL or path in a constraints file constrains nothing we can use; ignored",
                    file)
        return None
    name, version, extras = _name_from_url(text)
    local = not _URL.match(text) or text.lower().startswith("file:")
    repo = None if local else github_repo(text)
    if local or (name is None and repo is None):
        kind = "local path" if local else "URL"
        what = ("a local path" if local else "a URL without a package name or GitHub repository")
        result.unsupported.append(Unsupported(
            file, kind, name or text, version, text,
            f"{'editable: ' if editable else ''}{what}{f' ({name})' if name else ''} (line {number}):"
            " not a published package we can assess"))
        return None
    if name is None:
        dep = Dependency(name=repo, key=repo.lower(), ecosystem="github", repo=repo, url=text, file=file,
                         line=number, marker=marker)
    else:
        dep = Dependency(name=name, key=normalise(name), version=version, extras=extras, repo=repo,
                         url=text, file=file, line=number, marker=marker)
    result.dependencies.append(dep)
    return dep


def _name_from_url(url: str) -> tuple[str | None, str | None, tuple[str, ...]]:
    """(name, version, extras) from '#egg=name[extra]' or a wheel/sdist file name."""
    fragment = url.split("#", 1)[1] if "#" in url else ""
    for part in fragment.split("&"):
        if part.startswith("egg="):
            egg = part[4:]
            match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[([^\]]*)\])?$", egg)
            if match and valid_name(match.group(1)):
                extras = tuple(sorted(e.strip() for e in (match.group(2) or "").split(",") if e.strip()))
                return match.group(1), None, extras
    filename = url.split("#", 1)[0].split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    for pattern in (_WHEEL, _SDIST):
        match = pattern.match(filename)
        if match and valid_name(match.group("name")):
            return match.group("name"), match.group("version"), ()
    return None, None, ()


def _include(state: _State, ref: str, file: str, number: int, constraint: bool) -> None:
    result = state.result
    kind = "constraints" if constraint else "requirements"
    if _URL.match(ref):
        result.warn(number, f"includes the {kind} file {ref} by URL; it was not fetched", file)
        return
    if state.loader is None:
        result.warn(number, f"includes the {kind} file {ref}, which was not given; add it too", file)
        return
    if len(state.stack) >= MAX_DEPTH:
        result.warn(number, f"includes {ref} more than {MAX_DEPTH} levels deep; skipped", file)
        return
    loaded = state.loader(ref, file)
    if isinstance(loaded, str):
        result.warn(number, f"cannot read the included {kind} file {ref}: {loaded}", file)
        return
    display, text = loaded
    if display in state.stack:
        result.warn(number, f"including {ref} again would loop ({' -> '.join([*state.stack, display])});"
                    " skipped", file)
        return
    state.stack.append(display)
    try:
        _parse_into(state, text, display, constraint)
    finally:
        state.stack.pop()


def _apply_constraints(state: _State) -> None:
    """Constraints files pin versions of requirements given elsewhere; they add no dependencies."""
    if not state.constraints:
        return
    for dep in state.result.dependencies:
        got = state.constraints.get(dep.key)
        if got and dep.version is None and got[1] is not None:
            dep.version = got[1]
            dep.specifier = ",".join(s for s in (dep.specifier, got[0]) if s)
