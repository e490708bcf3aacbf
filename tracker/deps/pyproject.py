"""pyproject.toml: PEP 621 `[project]` dependencies and optional-dependencies, PEP 735
`[dependency-groups]` (with `include-group`), `[build-system] requires`, uv's legacy
`[tool.uv] dev-dependencies`, and Poetry's `[tool.poetry.dependencies]`, `dev-dependencies` and
`[tool.poetry.group.NAME.dependencies]`. Everything declared here is a direct dependency.

Dependencies a build backend computes (`dynamic = ["dependencies"]`) are never computed here:
that would mean running the project's code.
"""

from __future__ import annotations

import re
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement

from tracker.deps.model import Dependency, ParseResult, Unsupported
from tracker.deps.names import normalise, pinned_version, valid_name
from tracker.deps.urls import github_repo
from tracker.userfiles import BadDocument
from tracker.userfiles import load_toml as load_toml_text

MAX_GROUP_DEPTH = 50     # PEP 735 include-group chains
_QUOTED = re.compile(r'"([^"\\\n]*)"|\'([^\'\n]*)\'')
_KEY = re.compile(r'^\s*(?:"([^"]*)"|\'([^\']*)\'|([A-Za-z0-9_.-]+))\s*=')
_POETRY_EXACT = re.compile(r"^\s*(?:==?)?\s*(\d[0-9A-Za-z.+!-]*)\s*$")


class LineFinder:
    """TOML parsers give no line numbers; find the line where a value is written, for warnings.
    Quoted strings and keys are indexed once, so a file with thousands of entries stays linear."""

    LINEAR_SEARCH_LINES = 5_000   # above this, a string not found in the index is not searched for

    def __init__(self, text: str):
        self.lines = text.splitlines()
        self._quoted: dict[str, int] = {}
        self._keys: dict[str, int] = {}
        for number, line in enumerate(self.lines, 1):
            for match in _QUOTED.finditer(line):
                self._quoted.setdefault(match.group(1) if match.group(1) is not None else match.group(2), number)
            key = _KEY.match(line)
            if key:
                self._keys.setdefault(next(g for g in key.groups() if g is not None), number)

    def find(self, needle: str) -> int | None:
        indexed = [n for n in (self._quoted.get(needle), self._keys.get(needle)) if n is not None]
        if indexed:
            return min(indexed)
        if len(self.lines) > self.LINEAR_SEARCH_LINES:
            return None
        for number, line in enumerate(self.lines, 1):
            if needle in line:
                return number
        return None

    def find_key(self, key: str) -> int | None:
        """The line assigning `key` (bare or quoted), e.g. 'requests = "^2.31"'."""
        return self._keys.get(key)


def load_toml(text: str, result: ParseResult) -> dict[str, Any] | None:
    """Parse TOML (size and nesting capped), or record why not as an unread input (with the line
    tomllib stopped at)."""
    try:
        return load_toml_text(text)
    except BadDocument as exc:
        result.unreadable(exc.line, f"{exc}; file skipped")
        return None


def parse(text: str, file: str) -> ParseResult:
    result = ParseResult(file, "pyproject.toml")
    data = load_toml(text, result)
    if data is None:
        return result
    lines = LineFinder(text)
    project = data.get("project")
    if isinstance(project, dict):
        _pep621(project, result, lines)
    own = normalise(project["name"]) if isinstance(project, dict) and isinstance(project.get("name"), str) else None
    _dependency_groups(data.get("dependency-groups"), result, lines, own)
    build = data.get("build-system")
    if isinstance(build, dict):
        _pep508_list(build.get("requires"), "build-system", result, lines, "[build-system] requires")
    tool = data.get("tool") if isinstance(data.get("tool"), dict) else {}
    uv = tool.get("uv")
    if isinstance(uv, dict) and "dev-dependencies" in uv:
        _pep508_list(uv.get("dev-dependencies"), "group:dev", result, lines, "[tool.uv] dev-dependencies")
    poetry = tool.get("poetry")
    if isinstance(poetry, dict):
        _poetry(poetry, result, lines)
    if not isinstance(project, dict) and not isinstance(poetry, dict) and "dependency-groups" not in data:
        result.warn(None, "no [project], [dependency-groups] or [tool.poetry] table: no dependencies declared")
    return result


def _pep621(project: dict[str, Any], result: ParseResult, lines: LineFinder) -> None:
    own = normalise(project["name"]) if isinstance(project.get("name"), str) else None
    dynamic = project.get("dynamic") if isinstance(project.get("dynamic"), list) else []
    for key in ("dependencies", "optional-dependencies"):
        if key in dynamic:
            result.unreadable(lines.find("dynamic"), f"[project] {key} are dynamic (computed by the build backend,"
                              " which is never run here); give a lock file or requirements file instead")
    _pep508_list(project.get("dependencies"), "main", result, lines, "[project] dependencies", own)
    optional = project.get("optional-dependencies")
    if optional is None:
        return
    if not isinstance(optional, dict):
        result.warn(lines.find("optional-dependencies"), "[project] optional-dependencies is not a table; skipped")
        return
    for extra, items in optional.items():
        _pep508_list(items, f"extra:{extra}", result, lines, f"optional-dependencies {extra!r}", own)


def _dependency_groups(groups: Any, result: ParseResult, lines: LineFinder, own_name: str | None) -> None:
    """PEP 735: lists of requirement strings and {include-group = NAME} tables."""
    if groups is None:
        return
    if not isinstance(groups, dict):
        result.warn(lines.find("dependency-groups"), "[dependency-groups] is not a table; skipped")
        return
    by_name = {normalise(k): (k, v) for k, v in groups.items()}
    expanded: dict[str, list[str]] = {}   # each group expanded once, so groups that include each other
                                          # many times stay linear (the include-bomb of PEP 735)

    def expand(name: str, trail: list[str]) -> list[str]:
        key = normalise(name)
        if key not in by_name:
            result.warn(lines.find(name), f"dependency group {trail[-1]!r} includes unknown group {name!r}")
            return []
        if key in trail:
            result.warn(lines.find(name), f"dependency groups include each other: {' -> '.join([*trail, key])}")
            return []
        if key in expanded:
            return expanded[key]
        if len(trail) >= MAX_GROUP_DEPTH:
            result.unreadable(lines.find(name), f"dependency groups include each other more than"
                              f" {MAX_GROUP_DEPTH} levels deep; group {name!r} skipped")
            return []
        own_name, items = by_name[key]
        if not isinstance(items, list):
            result.warn(lines.find(own_name), f"dependency group {own_name!r} is not a list; skipped")
            expanded[key] = []
            return []
        out: dict[str, None] = {}
        for item in items:
            if isinstance(item, str):
                out[item] = None
            elif isinstance(item, dict) and isinstance(item.get("include-group"), str):
                out.update(dict.fromkeys(expand(item["include-group"], [*trail, key])))
            else:
                result.warn(lines.find(own_name), f"dependency group {own_name!r}: entry {item!r} is neither"
                            " a requirement nor {include-group = ...}; skipped")
        expanded[key] = list(out)
        return expanded[key]

    for name in groups:
        _pep508_list(expand(name, []), f"group:{name}", result, lines, f"dependency group {name!r}", own_name)


def _pep508_list(items: Any, group: str, result: ParseResult, lines: LineFinder, where: str,
                 own_name: str | None = None) -> None:
    if items is None:
        return
    if not isinstance(items, list):
        result.warn(None, f"{where} is not a list; skipped")
        return
    for item in items:
        if not isinstance(item, str):
            result.warn(None, f"{where}: {item!r} is not a requirement string; skipped")
            continue
        line = lines.find(item)
        try:
            req = Requirement(item)
        except InvalidRequirement as exc:
            result.warn(line, f"{where}: {item!r} is not a valid requirement ({str(exc).splitlines()[0]});"
                        " skipped")
            continue
        if own_name and normalise(req.name) == own_name:
            continue   # 'my-project[extra]': the project's own extras, already listed under them
        spec = str(req.specifier) or None
        result.add(Dependency(
            name=req.name, key=normalise(req.name), version=pinned_version(req.specifier), specifier=spec,
            direct=True, groups=(group,), extras=tuple(sorted(req.extras)),
            marker=str(req.marker) if req.marker else None, repo=github_repo(req.url), url=req.url,
            file=result.file, line=line))


def _poetry(poetry: dict[str, Any], result: ParseResult, lines: LineFinder) -> None:
    sections: list[tuple[str, Any]] = [("main", poetry.get("dependencies")),
                                       ("group:dev", poetry.get("dev-dependencies"))]
    groups = poetry.get("group")
    if isinstance(groups, dict):
        for name, body in groups.items():
            if isinstance(body, dict):
                sections.append((f"group:{name}", body.get("dependencies")))
    for group, table in sections:
        if table is None:
            continue
        if not isinstance(table, dict):
            result.warn(None, f"[tool.poetry] {group} dependencies is not a table; skipped")
            continue
        for name, spec in table.items():
            if normalise(name) == "python":
                continue
            _poetry_one(name, spec, group, result, lines)


def _poetry_one(name: str, spec: Any, group: str, result: ParseResult, lines: LineFinder) -> None:
    line = lines.find_key(name)
    if not valid_name(name):
        result.warn(line, f"{name!r} is not a valid package name; skipped")
        return
    entries = spec if isinstance(spec, list) else [spec]
    constraints: list[str] = []
    extras: set[str] = set()
    markers: list[str] = []
    url = None
    for entry in entries:
        if isinstance(entry, str):
            constraints.append(entry.strip())
        elif isinstance(entry, dict):
            if isinstance(entry.get("version"), str):
                constraints.append(entry["version"].strip())
            extras.update(e for e in entry.get("extras", []) if isinstance(e, str))
            if isinstance(entry.get("markers"), str):
                markers.append(entry["markers"])
            for source in ("git", "url"):
                if isinstance(entry.get(source), str):
                    url = entry[source]
            if isinstance(entry.get("path"), str):
                result.add_unsupported(Unsupported(result.file, "local path", name, None, entry["path"],
                                                      f"a local path dependency ({entry['path']})"))
                return
        else:
            result.warn(line, f"{name}: {entry!r} is not a Poetry version or table; skipped")
            return
    specifier = " || ".join(c for c in constraints if c) or None
    exact = _POETRY_EXACT.match(specifier) if specifier and len(constraints) == 1 else None
    result.add(Dependency(
        name=name, key=normalise(name), version=exact.group(1) if exact else None,
        specifier=specifier if specifier != "*" else None, direct=True, groups=(group,),
        extras=tuple(sorted(extras)), marker=" or ".join(markers) or None, repo=github_repo(url), url=url,
        file=result.file, line=line))
