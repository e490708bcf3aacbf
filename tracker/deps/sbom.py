"""SBOMs in JSON: CycloneDX (1.2-1.6) and SPDX 2.x.

Components are identified by their package URL (purl, github.com/package-url/purl-spec):
`pkg:pypi/NAME@VERSION`, `pkg:npm/[%40SCOPE/]NAME@VERSION` and `pkg:github/OWNER/REPO@VERSION` are
assessed; every other type (maven, golang, ...) and every component without a purl is listed as
not assessed, with its kind, and counted. Direct vs transitive comes from the dependency graph
when the SBOM has one: CycloneDX `dependencies` of the `metadata.component`, SPDX DEPENDS_ON /
*_DEPENDENCY_OF relationships of the package the document DESCRIBES; the rest of the graph says
who pulls in each transitive dependency.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from tracker.deps.model import Dependency, Node, ParseResult, Unsupported
from tracker.deps.names import normalise, valid_name
from tracker.deps.npm import valid_name as valid_npm_name
from tracker.deps.urls import github_repo
from tracker.userfiles import BadDocument, redact_secrets
from tracker.userfiles import load_json as load_json_text

SUPPORTED_PURL_TYPES = ("pypi", "npm", "github")
_PURL_LINE = re.compile(r'"(?:purl|referenceLocator)"\s*:\s*"(pkg:[^"]*)"')


@dataclass(frozen=True)
class Purl:
    type: str
    namespace: str | None
    name: str
    version: str | None


def parse_purl(text: str) -> Purl | None:
    """Split a package URL into type, namespace, name and version (None if it is not one)."""
    if not isinstance(text, str) or not text.lower().startswith("pkg:"):
        return None
    rest = text[4:].lstrip("/")
    rest = rest.split("#", 1)[0].split("?", 1)[0]
    version = None
    if "@" in rest.rsplit("/", 1)[-1]:
        rest, version = rest.rsplit("@", 1)
        version = unquote(version) or None
    segments = [unquote(s) for s in rest.strip("/").split("/") if s]
    if len(segments) < 2:
        return None
    kind = segments[0].lower()
    namespace = "/".join(segments[1:-1]) or None
    return Purl(kind, namespace, segments[-1], version)


def _line_index(text: str) -> dict[str, int]:
    index: dict[str, int] = {}
    for number, row in enumerate(text.splitlines(), 1):
        for match in _PURL_LINE.finditer(row):
            index.setdefault(match.group(1), number)
    return index


def _add_component(result: ParseResult, name: str, version: str | None, purl_text: str | None,
                   repo_hint: str | None, direct: bool | None, line: int | None,
                   groups: tuple[str, ...] = ()) -> Node | None:
    """Turn one SBOM component into a dependency (returns its graph node), or a not-assessed entry."""
    purl = parse_purl(purl_text) if purl_text else None
    if purl_text and purl is None:
        result.warn(line, f"{name!r}: {purl_text!r} is not a valid package URL; listed as not assessed")
    if purl is not None and purl.type == "pypi" and valid_name(purl.name):
        result.add(Dependency(
            name=purl.name, key=normalise(purl.name), version=purl.version or version, direct=direct,
            groups=groups, repo=repo_hint, file=result.file, line=line))
        return ("pypi", normalise(purl.name))
    if purl is not None and purl.type == "npm":
        npm_name = f"{purl.namespace}/{purl.name}" if purl.namespace else purl.name
        if valid_npm_name(npm_name):
            result.add(Dependency(
                name=npm_name, key=npm_name, ecosystem="npm", version=purl.version or version, direct=direct,
                groups=groups, repo=repo_hint, file=result.file, line=line))
            return ("npm", npm_name)
    if purl is not None and purl.type == "github" and purl.namespace:
        repo = github_repo(f"https://github.com/{purl.namespace}/{purl.name}")
        if repo:
            result.add(Dependency(
                name=repo, key=repo.lower(), ecosystem="github", version=purl.version or version,
                direct=direct, groups=groups, repo=repo, file=result.file, line=line))
            return ("github", repo.lower())
    if purl is None and repo_hint:
        result.add(Dependency(
            name=repo_hint, key=repo_hint.lower(), ecosystem="github", version=version, direct=direct,
            groups=groups, repo=repo_hint, url=None, file=result.file, line=line))
        return ("github", repo_hint.lower())
    if purl is not None:
        kind, reason = purl.type, f"{purl.type} packages are not assessed (only pypi, npm and github)"
    elif purl_text:
        kind, reason = "invalid purl", "its package URL is not valid, so its ecosystem is unknown"
    else:
        kind, reason = "no purl", "no package URL (purl), so its ecosystem is unknown"
    result.add_unsupported(Unsupported(result.file, kind, redact_secrets(name), version,
                                          redact_secrets(purl_text) if purl_text else None, reason))
    return None


def parse_cyclonedx(text: str, file: str, data: dict[str, Any]) -> ParseResult:
    result = ParseResult(file, f"CycloneDX {data.get('specVersion', '?')} JSON")
    lines = _line_index(text)
    metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    root = metadata.get("component") if isinstance(metadata.get("component"), dict) else None
    root_ref = root.get("bom-ref") if root else None
    graph: dict[str, list[str]] = {}
    for entry in data.get("dependencies") or []:
        if isinstance(entry, dict) and isinstance(entry.get("ref"), str):
            graph[entry["ref"]] = [d for d in entry.get("dependsOn") or [] if isinstance(d, str)]
    direct_refs = set(graph.get(root_ref, [])) if root_ref in graph else None
    nodes: dict[str, Node] = {}

    def walk(components: Any, where: str) -> None:
        if components is None:
            return
        if not isinstance(components, list):
            result.warn(None, f"{where} is not a list; skipped")
            return
        for i, comp in enumerate(components):
            if not isinstance(comp, dict) or not isinstance(comp.get("name"), str):
                result.warn(None, f"{where}[{i}] has no name; skipped")
                continue
            purl = comp.get("purl") if isinstance(comp.get("purl"), str) else None
            ref = comp.get("bom-ref")
            if root_ref is not None and ref == root_ref:
                walk(comp.get("components"), f"{where}[{i}].components")
                continue
            hint = None
            for ext in comp.get("externalReferences") or []:
                if isinstance(ext, dict) and ext.get("type") in ("vcs", "website", "distribution"):
                    hint = hint or github_repo(ext.get("url"))
            direct = None if direct_refs is None else ref in direct_refs
            scope = comp.get("scope")
            groups = (scope,) if isinstance(scope, str) and scope != "required" else ()
            node = _add_component(result, comp["name"], comp.get("version") if isinstance(comp.get("version"), str)
                                  else None, purl, hint, direct, lines.get(purl) if purl else None, groups)
            if node is not None and isinstance(ref, str):
                nodes[ref] = node
            walk(comp.get("components"), f"{where}[{i}].components")

    walk(data.get("components"), "components")
    if direct_refs is not None:
        result.graph = True
        for ref, needs in graph.items():
            if ref in nodes:
                for child in needs:
                    if child in nodes:
                        result.edge(nodes[ref], nodes[child])
    return result


_EDGE_TYPES = {"DEPENDS_ON": (False, "main")}
for _kind, _group in (("DEPENDENCY_OF", "main"), ("RUNTIME_DEPENDENCY_OF", "main"),
                      ("DEV_DEPENDENCY_OF", "dev"), ("BUILD_DEPENDENCY_OF", "build"),
                      ("TEST_DEPENDENCY_OF", "test"), ("OPTIONAL_DEPENDENCY_OF", "optional"),
                      ("PROVIDED_DEPENDENCY_OF", "provided")):
    _EDGE_TYPES[_kind] = (True, _group)


def parse_spdx(text: str, file: str, data: dict[str, Any]) -> ParseResult:
    result = ParseResult(file, f"{data.get('spdxVersion', 'SPDX')} JSON")
    lines = _line_index(text)
    packages = data.get("packages")
    if not isinstance(packages, list):
        result.unreadable(None, "no 'packages' list: not an SPDX document describing software")
        return result
    roots = {r for r in data.get("documentDescribes") or [] if isinstance(r, str)}
    edges: dict[str, dict[str, str]] = {}
    for rel in data.get("relationships") or []:
        if not isinstance(rel, dict):
            continue
        kind, a, b = rel.get("relationshipType"), rel.get("spdxElementId"), rel.get("relatedSpdxElement")
        if not isinstance(a, str) or not isinstance(b, str):
            continue
        if kind == "DESCRIBES" and a == data.get("SPDXID", "SPDXRef-DOCUMENT"):
            roots.add(b)
        elif kind == "DESCRIBED_BY":
            roots.add(a)
        elif kind in _EDGE_TYPES:
            reverse, group = _EDGE_TYPES[kind]
            parent, child = (b, a) if reverse else (a, b)
            edges.setdefault(parent, {})[child] = group
    has_graph = any(r in edges for r in roots)
    nodes: dict[str, Node] = {}
    direct_of: dict[str, str] = {}
    for r in roots:
        direct_of.update(edges.get(r, {}))
    for i, pkg in enumerate(packages):
        if not isinstance(pkg, dict) or not isinstance(pkg.get("name"), str):
            result.warn(None, f"packages[{i}] has no name; skipped")
            continue
        if pkg.get("SPDXID") in roots:
            continue
        purls = [ref.get("referenceLocator") for ref in pkg.get("externalRefs") or []
                 if isinstance(ref, dict) and ref.get("referenceType") == "purl"
                 and isinstance(ref.get("referenceLocator"), str)]
        purl = purls[0] if purls else None
        hint = github_repo(pkg.get("downloadLocation")) or github_repo(pkg.get("homepage"))
        spdx_id = pkg.get("SPDXID")
        direct = (spdx_id in direct_of) if has_graph else None
        group = direct_of.get(spdx_id)
        version = pkg.get("versionInfo") if isinstance(pkg.get("versionInfo"), str) else None
        node = _add_component(result, pkg["name"], version, purl, hint, direct, lines.get(purl) if purl else None,
                              (group,) if group and group != "main" else ())
        if node is not None and isinstance(spdx_id, str):
            nodes[spdx_id] = node
    if has_graph:
        result.graph = True
        for parent, children in edges.items():
            if parent in nodes:
                for child in children:
                    if child in nodes:
                        result.edge(nodes[parent], nodes[child])
    return result


def parse_json_sbom(text: str, file: str, data: dict[str, Any]) -> ParseResult:
    if data.get("bomFormat") == "CycloneDX":
        return parse_cyclonedx(text, file, data)
    return parse_spdx(text, file, data)


def load_json(text: str, file: str) -> Any:
    """The parsed JSON, or a ParseResult holding the reason it could not be read (an unread input)."""
    try:
        return load_json_text(text)
    except BadDocument as exc:
        result = ParseResult(file, "JSON")
        result.unreadable(exc.line, f"{exc}; file skipped")
        return result
