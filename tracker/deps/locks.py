"""Lock files: uv.lock, poetry.lock (TOML) and Pipfile.lock (JSON).

A lock that does not parse, is not the format its name says, or is incomplete (cut short: no
`[metadata]` at the end of a poetry.lock, no `_meta` in a Pipfile.lock, a package another locked
package needs is missing) is an input that could not be read: the report says so and the CI gate
fails closed. A single malformed entry is a warning (the installer would refuse that lock too).

Direct vs transitive, as far as each file says:
- uv.lock names the project's own packages (`[manifest] members`, or the package whose source is
  the project directory) and their dependency lists: those are direct, the rest transitive.
- poetry.lock lists who depends on whom: a package nothing else in the lock requires must be
  required by the project itself (direct); for the others it cannot say (None).
- Pipfile.lock has no dependency edges: it cannot say (None); its `default`/`develop` sections
  become groups.
"""

from __future__ import annotations

import re
from typing import Any

from tracker.deps.model import Dependency, ParseResult, Unsupported
from tracker.deps.names import normalise, pinned_version, valid_name
from tracker.deps.pyproject import LineFinder, load_toml
from tracker.deps.urls import github_repo
from tracker.userfiles import BadDocument, load_json

_JSON_KEY = re.compile(r'^\s*"([^"\\]+)"\s*:')
_LOCAL_SOURCES = ("path", "directory", "editable", "virtual")


def _package_lines(text: str) -> list[int]:
    """Line numbers of each `[[package]]` header, in order (for warnings)."""
    return [n for n, line in enumerate(text.splitlines(), 1) if line.strip() == "[[package]]"]


def _locked_packages(text: str, result: ParseResult) -> tuple[dict[str, Any] | None, list | None]:
    """The TOML document and its `[[package]]` list (uv.lock, poetry.lock); None with a warning."""
    data = load_toml(text, result)
    if data is None:
        return None, None
    packages = data.get("package")
    if not isinstance(packages, list) or not packages:
        result.unreadable(None, "no [[package]] entries: not a complete lock file")
        return data, None
    return data, packages


def _missing(result: ParseResult, locked: set[str], needs: list[tuple[str, str, int | None]]) -> None:
    """Packages other locked packages need but the lock does not hold: cut short or edited."""
    missing = [(name, by, line) for name, by, line in needs if normalise(name) not in locked]
    if missing:
        shown = ", ".join(f"{name} (needed by {by})" for name, by, _ in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        result.unreadable(missing[0][2], f"incomplete lock: {shown}{more} not locked (truncated or edited?)")


def parse_uv(text: str, file: str) -> ParseResult:
    result = ParseResult(file, "uv.lock")
    data, packages = _locked_packages(text, result)
    if data is not None and not isinstance(data.get("version"), int):
        result.unreadable(None, "no top-level 'version': not a uv.lock")
        return result
    if packages is None:
        return result
    headers = _package_lines(text)
    members = data.get("manifest", {}).get("members") if isinstance(data.get("manifest"), dict) else None
    valid: list[tuple[int | None, dict[str, Any]]] = []
    for i, pkg in enumerate(packages):
        line = headers[i] if i < len(headers) else None
        if not isinstance(pkg, dict) or not isinstance(pkg.get("name"), str) or not valid_name(pkg["name"]):
            result.warn(line, "[[package]] without a valid name; skipped")
            continue
        valid.append((line, pkg))
    if not valid:
        result.unreadable(None, "no [[package]] with a name: not a complete lock file")
        return result

    def is_root(pkg: dict[str, Any]) -> bool:
        if isinstance(members, list):
            return normalise(pkg["name"]) in {normalise(m) for m in members if isinstance(m, str)}
        source = pkg.get("source") if isinstance(pkg.get("source"), dict) else {}
        return source.get("editable") == "." or source.get("virtual") == "."

    locked = {normalise(pkg["name"]) for _, pkg in valid}
    _missing(result, locked, [(item["name"], pkg["name"], line) for line, pkg in valid for _, items in _uv_edges(pkg)
                              for item in items if isinstance(item, dict) and isinstance(item.get("name"), str)])
    roots = [pkg for _, pkg in valid if is_root(pkg)]
    if not roots and not isinstance(data.get("manifest"), dict):
        result.unreadable(None, "the project itself is not in the lock (no package whose source is '.', no"
                          " [manifest]): cut short, or not a uv.lock")
    unsourced = [(line, pkg["name"]) for line, pkg in valid if not isinstance(pkg.get("source"), dict)]
    if unsourced:
        result.unreadable(unsourced[0][0], f"incomplete [[package]] {unsourced[0][1]!r} (uv writes a source for"
                          " every package): cut short or edited")
    direct_groups: dict[str, set[str]] = {}
    for root in roots:
        for group, items in _uv_edges(root):
            for item in items:
                if isinstance(item, dict) and isinstance(item.get("name"), str):
                    direct_groups.setdefault(normalise(item["name"]), set()).add(group)
    root_keys = {normalise(r["name"]) for r in roots}
    for line, pkg in valid:
        key = normalise(pkg["name"])
        if key in root_keys:
            continue
        source = pkg.get("source") if isinstance(pkg.get("source"), dict) else {}
        local = next((source[k] for k in _LOCAL_SOURCES if isinstance(source.get(k), str)), None)
        if local is not None:
            result.add_unsupported(Unsupported(file, "local path", pkg["name"], _str(pkg.get("version")),
                                                  local, f"a local package at {local} (line {line})"))
            continue
        url = source.get("git") or source.get("url")
        result.add(Dependency(
            name=pkg["name"], key=key, version=_str(pkg.get("version")),
            direct=(key in direct_groups) if roots else None,
            groups=tuple(sorted(direct_groups.get(key, ()))), repo=github_repo(url),
            url=url if isinstance(url, str) else None, file=file, line=line))
        for _, items in _uv_edges(pkg):
            for item in items:
                if isinstance(item, dict) and isinstance(item.get("name"), str) and normalise(item["name"]) in locked:
                    result.edge(("pypi", key), ("pypi", normalise(item["name"])))
    result.graph = bool(roots)
    return result


def _uv_edges(pkg: dict[str, Any]) -> list[tuple[str, list[Any]]]:
    out: list[tuple[str, list[Any]]] = []
    if isinstance(pkg.get("dependencies"), list):
        out.append(("main", pkg["dependencies"]))
    for key, prefix in (("optional-dependencies", "extra"), ("dev-dependencies", "group")):
        table = pkg.get(key)
        if isinstance(table, dict):
            out += [(f"{prefix}:{name}", items) for name, items in table.items() if isinstance(items, list)]
    return out


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def parse_poetry(text: str, file: str) -> ParseResult:
    result = ParseResult(file, "poetry.lock")
    data, packages = _locked_packages(text, result)
    if data is not None:
        meta = data.get("metadata")
        if not isinstance(meta, dict) or not isinstance(meta.get("content-hash"), str):
            result.unreadable(None, "no [metadata] content-hash (poetry writes it last): cut short, or not a"
                              " poetry.lock")
            return result
    if packages is None:
        return result
    headers = _package_lines(text)
    valid: list[tuple[int | None, dict[str, Any]]] = []
    required: set[str] = set()
    needs: list[tuple[str, str, int | None]] = []
    for i, pkg in enumerate(packages):
        line = headers[i] if i < len(headers) else None
        if not isinstance(pkg, dict) or not isinstance(pkg.get("name"), str) or not valid_name(pkg["name"]):
            result.warn(line, "[[package]] without a valid name; skipped")
            continue
        valid.append((line, pkg))
        deps = pkg.get("dependencies")
        if isinstance(deps, dict):
            required.update(normalise(name) for name in deps)
            needs += [(name, pkg["name"], line) for name, spec in deps.items() if not _optional(spec)]
    if not valid:
        result.unreadable(None, "no [[package]] with a name: not a complete lock file")
        return result
    locked = {normalise(pkg["name"]) for _, pkg in valid}
    _missing(result, locked, needs)
    for line, pkg in valid:
        key = normalise(pkg["name"])
        source = pkg.get("source") if isinstance(pkg.get("source"), dict) else {}
        kind = source.get("type")
        if kind in ("directory", "file"):
            result.add_unsupported(Unsupported(file, "local path", pkg["name"], _str(pkg.get("version")),
                                                  _str(source.get("url")),
                                                  f"a local package ({source.get('url')}, line {line})"))
            continue
        groups = pkg.get("groups") if isinstance(pkg.get("groups"), list) else (
            [pkg["category"]] if isinstance(pkg.get("category"), str) else [])
        url = source.get("url") if kind in ("git", "url") else None
        result.add(Dependency(
            name=pkg["name"], key=key, version=_str(pkg.get("version")),
            direct=True if key not in required else None,
            groups=tuple(str(g) for g in groups), repo=github_repo(url), url=url, file=file, line=line))
        deps = pkg.get("dependencies") if isinstance(pkg.get("dependencies"), dict) else {}
        for name in deps:
            if isinstance(name, str) and normalise(name) in locked:
                result.edge(("pypi", key), ("pypi", normalise(name)))
    result.graph = True
    return result


def _optional(spec: Any) -> bool:
    """A poetry.lock dependency only an extra asks for (not locked unless the extra is used)."""
    entries = spec if isinstance(spec, list) else [spec]
    return bool(entries) and all(isinstance(e, dict) and e.get("optional") is True for e in entries)


def parse_pipfile_lock(text: str, file: str) -> ParseResult:
    result = ParseResult(file, "Pipfile.lock")
    try:
        data = load_json(text)
    except BadDocument as exc:
        result.unreadable(exc.line, f"{exc}; file skipped")
        return result
    if not isinstance(data, dict) or not isinstance(data.get("_meta"), dict):
        result.unreadable(None, "not a Pipfile.lock (expected a JSON object with '_meta'); file skipped")
        return result
    lines = LineFinder(text)
    key_lines: dict[str, list[int]] = {}
    for number, row in enumerate(text.splitlines(), 1):
        match = _JSON_KEY.match(row)
        if match:
            key_lines.setdefault(match.group(1), []).append(number)

    def line_of(name: str, after: int | None) -> int | None:
        return next((n for n in key_lines.get(name, []) if after is None or n > after), None)

    for section in ("default", "develop"):
        entries = data.get(section)
        if entries is None:
            continue
        if not isinstance(entries, dict):
            result.unreadable(lines.find(f'"{section}"'), f"{section!r} is not an object; skipped")
            continue
        for name, entry in entries.items():
            line = line_of(name, line_of(section, None))
            if not valid_name(name) or not isinstance(entry, dict):
                result.warn(line, f"{section}: entry {name!r} is not a package; skipped")
                continue
            if isinstance(entry.get("path"), str):
                result.add_unsupported(Unsupported(file, "local path", name, None, entry["path"],
                                                      f"a local path dependency ({entry['path']})"))
                continue
            spec = _str(entry.get("version"))
            url = _str(entry.get("git")) or _str(entry.get("file"))
            extras = tuple(sorted(e for e in entry.get("extras", []) if isinstance(e, str)))
            result.add(Dependency(
                name=name, key=normalise(name), version=pinned_version(spec), specifier=spec,
                groups=(section,), extras=extras, marker=_str(entry.get("markers")), repo=github_repo(url),
                url=url, file=file, line=line))
    return result
