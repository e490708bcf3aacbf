"""npm lock files: `package-lock.json` and `npm-shrinkwrap.json`, lockfileVersion 2 and 3 (npm 7
and later; docs.npmjs.com, "package-lock.json").

Read from the `packages` map: `""` is the project itself, whose `dependencies`,
`devDependencies`, `optionalDependencies` and `peerDependencies` are the direct dependencies;
every `node_modules/...` path is an installed package (its name is the part after the last
`node_modules/`, or its `name` field for an alias), with `version`, `resolved`, and the `dev`,
`optional`, `devOptional` and `peer` flags (-> groups). Who needs whom follows Node's module
resolution: a package at P needing N uses P/node_modules/N if the lock has it, else the same
under each parent folder, up to node_modules/N.

A workspace member (a `link` entry or a path outside node_modules) and a `file:` dependency are
local packages: listed, not assessed. A git dependency names its repository. lockfileVersion 1
(npm 6 and older) has no `packages` map and is refused as an unread input, saying how to upgrade
it. A required dependency missing from the lock makes the lock incomplete (an unread input).
"""

from __future__ import annotations

import re
from typing import Any

from tracker.deps.model import Dependency, ParseResult, Unsupported
from tracker.deps.npm import valid_name
from tracker.deps.urls import github_repo
from tracker.userfiles import BadDocument, load_json

_PATH_LINE = re.compile(r'^\s*"((?:[^"\\]|\\.)*)"\s*:\s*\{')
_ROOT_GROUPS = (("dependencies", None), ("devDependencies", "dev"), ("optionalDependencies", "optional"),
                ("peerDependencies", "peer"))
_NEEDS = ("dependencies", "optionalDependencies", "peerDependencies")


def _name_of(path: str, meta: dict[str, Any]) -> str:
    name = meta.get("name")
    if isinstance(name, str) and name:
        return name
    return path.rsplit("node_modules/", 1)[-1]


def _resolve(packages: dict[str, Any], at: str, name: str) -> str | None:
    """The lock path Node would load `name` from when required by the package at `at`."""
    base = at
    while True:
        candidate = f"{base}/node_modules/{name}" if base else f"node_modules/{name}"
        if candidate in packages:
            return candidate
        if not base:
            return None
        cut = base.rfind("/node_modules/")
        base = base[:cut] if cut >= 0 else ""


def _groups(meta: dict[str, Any]) -> tuple[str, ...]:
    if meta.get("dev") or meta.get("devOptional"):
        return ("dev",)
    if meta.get("optional"):
        return ("optional",)
    if meta.get("peer"):
        return ("peer",)
    return ()


def parse_package_lock(text: str, file: str) -> ParseResult:
    result = ParseResult(file, "package-lock.json")
    try:
        data = load_json(text)
    except BadDocument as exc:
        result.unreadable(exc.line, f"{exc}; file skipped")
        return result
    if not isinstance(data, dict):
        result.unreadable(None, "not a package-lock.json (expected a JSON object); file skipped")
        return result
    version = data.get("lockfileVersion")
    result.format = f"package-lock.json v{version}"
    if version == 1 or (not isinstance(data.get("packages"), dict) and isinstance(data.get("dependencies"), dict)):
        result.unreadable(None, "lockfileVersion 1 (npm 6 or older) is not read: it does not say which packages are"
                          " direct. Rewrite it with npm 7 or later (`npm install --package-lock-only`), which"
                          " writes lockfileVersion 3")
        return result
    packages = data.get("packages")
    if not isinstance(packages, dict) or not isinstance(packages.get(""), dict):
        result.unreadable(None, "no 'packages' map with the project's own entry (\"\"): cut short, or not a"
                          " package-lock.json")
        return result
    if not isinstance(version, int) or version < 2:
        result.warn(None, f"unexpected lockfileVersion {version!r}; read as version 3")
    lines: dict[str, int] = {}
    for number, row in enumerate(text.splitlines(), 1):
        match = _PATH_LINE.match(row)
        if match:
            lines.setdefault(match.group(1), number)
    result.graph = True
    # the project and its workspace members (folders outside node_modules) name the direct ones
    members = [meta for path, meta in packages.items() if isinstance(meta, dict) and isinstance(path, str)
               and (path == "" or not (path.startswith("node_modules/") or "/node_modules/" in path))]
    direct: dict[str, str | None] = {}
    for meta in members:
        for key, group in _ROOT_GROUPS:
            for name in meta.get(key) if isinstance(meta.get(key), dict) else {}:
                direct.setdefault(str(name), group)
    node_of: dict[str, tuple[str, str]] = {}
    missing: list[tuple[str, str]] = []
    for path, meta in packages.items():
        if path == "":
            continue
        line = lines.get(path)
        if not isinstance(meta, dict) or not isinstance(path, str):
            result.warn(line, f"entry {path!r} is not an object; skipped")
            continue
        name = _name_of(path, meta)
        version = meta.get("version") if isinstance(meta.get("version"), str) else None
        resolved = meta.get("resolved") if isinstance(meta.get("resolved"), str) else None
        in_modules = path.startswith("node_modules/") or "/node_modules/" in path
        if not in_modules:
            continue        # a workspace member's own folder: its `link` entry lists it
        if meta.get("link") or (resolved or "").startswith("file:"):
            target = resolved or path
            result.add_unsupported(Unsupported(file, "local path", name, version, target,
                                               f"a local package ({target}, line {line})" if line
                                               else f"a local package ({target})"))
            continue
        if not valid_name(name):
            result.warn(line, f"{name!r} is not a valid npm package name; skipped")
            continue
        top_level = path == f"node_modules/{name}"
        result.add(Dependency(
            name=name, key=name, ecosystem="npm", version=version, direct=top_level and name in direct,
            groups=_groups(meta), repo=github_repo(resolved) if resolved and "github" in resolved else None,
            url=resolved if resolved and not resolved.startswith("https://registry.") else None,
            file=file, line=line))
        node_of[path] = ("npm", name)
    for path, meta in packages.items():
        if not isinstance(meta, dict) or not isinstance(path, str):
            continue
        parent = node_of.get(path)      # None: the project or a workspace member (their needs are direct)
        if parent is None and not any(meta is m for m in members):
            continue
        optional = meta.get("optionalDependencies") if isinstance(meta.get("optionalDependencies"), dict) else {}
        for field in _NEEDS:
            needs = meta.get(field) if isinstance(meta.get(field), dict) else {}
            for name in needs:
                target = _resolve(packages, path, str(name))
                if target is None:
                    # an optional one may be left out (another platform); npm lets optionalDependencies
                    # win over a dependencies entry of the same name
                    if field == "dependencies" and name not in optional:
                        missing.append((str(name), path or "the project"))
                    continue
                if target in node_of and parent is not None:
                    result.edge(parent, node_of[target])
    if missing:
        shown = ", ".join(f"{n} (needed by {by.rsplit('node_modules/', 1)[-1]})" for n, by in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        result.unreadable(None, f"incomplete lock: {shown}{more} not locked (truncated or edited?)")
    return result
