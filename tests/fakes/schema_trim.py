"""Make the trimmed GraphQL schemas the loopback fakes validate and execute against.

GitHub and Open Collective publish their GraphQL schemas (SDL). The fakes need only the part our
collectors can reach, so this script keeps, from an upstream SDL file:

* every field the collector's queries select (found by walking the queries with graphql-core's
  TypeInfo over the full upstream schema), with all of that field's arguments;
* the types those fields, arguments and variables name; input objects, enums and scalars whole;
* for an interface or union that is kept, every type that can stand behind it (so `__typename`
  and fragments on them answer as upstream), with the interface's kept fields; a kept type none of
  whose fields is selected keeps its leaf fields (a GraphQL type cannot be empty);
* on each connection type used, its paging fields (`totalCount`, `pageInfo`, `nodes`, `edges`);
* the fields the fakes' own tests select (`EXTRA` below), nothing else.

Descriptions and `@deprecated` stay as published; other directives (GitHub's
`@requiredCapabilities`) are dropped. Types, fields and arguments are never renamed or
re-typed, so a query valid against the trimmed schema is valid against the published one, and
a field that does not exist upstream does not exist here either. A field that exists upstream but
is not used yet is missing here: after adding one to a collector's query, run this script again.

Run from the repository root (upstream files are not vendored; see the provenance below):

    python -m tests.fakes.schema_trim github UPSTREAM_schema.graphql COMMIT [FILE_COMMIT]
    python -m tests.fakes.schema_trim opencollective UPSTREAM_schemaV2.graphql COMMIT [FILE_COMMIT]

Upstreams used for the committed files:

* GitHub: octokit/graphql-schema, `schema.graphql` (GitHub's public schema, downloaded by that
  project from api.github.com with the `application/vnd.github.v4.idl` media type; MIT licence),
  repository commit 82ff2d4780080e6929ebb95608cefa22dfa05ac7, file last changed in
  597478f99cfd3d425e9fcac757d97e851ed48720; sha256 of the file in the header of the output.
  GitHub's file declares two fields of `EnterpriseOwnerInfo` twice, so it is built with
  `assume_valid_sdl=True`; neither field is reachable from our queries.
* Open Collective: opencollective/opencollective-api, `server/graphql/schemaV2.graphql` (the
  GraphQL API v2 schema the API serves; MIT licence), repository commit
  e3f35f58970e39eeaa678a8990dfd72d0e71a9ce, file last changed in
  c86cd115ff627d1703880c928bbc63c386bcec0e.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import sys
from pathlib import Path

import graphql
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    visit,
)
from graphql.language import ast

HERE = Path(__file__).resolve().parent
BUILT_IN = {"String", "Int", "Float", "Boolean", "ID"}
PAGING = {"totalCount", "pageInfo", "nodes", "edges"}

# Selections the fakes' own tests make beyond the collectors' queries (paging and cursors).
EXTRA = {
    "github": ["""
query FakePaging($owner: String!, $name: String!, $after: String) {
  repository(owner: $owner, name: $name) {
    name
    issues(first: 2, after: $after) {
      totalCount
      pageInfo { endCursor hasNextPage startCursor hasPreviousPage }
      edges { cursor node { number title } }
      nodes { number }
    }
    defaultBranchRef { target { ... on Commit { history(first: 2) { nodes { committedDate } } } } }
  }
}
"""],
    "opencollective": [],
}

SOURCES = {
    "github": ("octokit/graphql-schema", "schema.graphql", "MIT (Copyright (c) GitHub)"),
    "opencollective": ("opencollective/opencollective-api", "server/graphql/schemaV2.graphql",
                       "MIT (Copyright (c) Open Collective)"),
}


def collector_queries(name: str) -> list[str]:
    """The queries the collector of `name` sends (built the way the collector builds them)."""
    if name == "github":
        from collectors.github import graphql as gql

        return [gql.repos_query([("o", "n"), ("o", "m")], "2024-01-01T00:00:00Z")[0],
                gql.responses_query([1, 2]), gql.users_query(["u"])[0]]
    if name == "opencollective":
        from collectors.opencollective.client import QUERY

        return [QUERY]
    raise SystemExit(f"unknown schema {name!r}: github or opencollective")


def _used(schema: GraphQLSchema, queries: list[str]) -> tuple[dict[str, set[str]], set[str]]:
    """(type name -> field names selected on it, other type names named by the queries)."""
    fields: dict[str, set[str]] = {}
    types: set[str] = set()
    info = TypeInfo(schema)

    class Walk(Visitor):
        def enter_field(self, node: ast.FieldNode, *_):
            parent, field = info.get_parent_type(), info.get_field_def()
            if node.name.value.startswith("__"):
                return
            if parent is None or field is None:
                raise SystemExit(f"a query selects {node.name.value!r}, which the upstream schema does not "
                                 f"have on {parent}: fix the query first")
            fields.setdefault(parent.name, set()).add(node.name.value)

        def enter_named_type(self, node: ast.NamedTypeNode, *_):
            types.add(node.name.value)

    for query in queries:
        document = graphql.parse(query)
        visit(document, TypeInfoVisitor(info, Walk()))
    return fields, types


def _scalar_fields(t: GraphQLObjectType | GraphQLInterfaceType) -> set[str]:
    """Fields of leaf type that need no argument (kept on interfaces so they are never empty)."""
    return {n for n, f in t.fields.items()
            if isinstance(get_named_type(f.type), GraphQLScalarType | GraphQLEnumType)
            and not any(graphql.is_required_argument(a) for a in f.args.values())}


def reachable(schema: GraphQLSchema, queries: list[str]) -> dict[str, set[str] | None]:
    """Type name -> kept field names (None: the whole type: enums, scalars, input objects, unions)."""
    used, named = _used(schema, queries)
    keep: dict[str, set[str] | None] = {}
    todo = [schema.query_type.name, *used, *named]
    for name, names in used.items():
        keep[name] = set(names)
        if name.endswith("Connection"):   # a connection keeps its paging fields, as every one has them
            keep[name] |= PAGING & set(schema.type_map[name].fields)
    changed = True
    while changed:
        changed = False
        while todo:
            name = todo.pop()
            t: GraphQLNamedType = schema.type_map[name]
            if name in BUILT_IN:
                continue
            if isinstance(t, GraphQLObjectType | GraphQLInterfaceType):
                kept = keep.setdefault(name, set())
                assert kept is not None
                if isinstance(t, GraphQLInterfaceType):
                    for impl in schema.get_possible_types(t):
                        if impl.name not in keep:
                            keep[impl.name] = set()
                            todo.append(impl.name)
                for fname in list(kept):
                    f = t.fields[fname]
                    for ref in [f.type, *(a.type for a in f.args.values())]:
                        ref_name = get_named_type(ref).name
                        if ref_name not in keep and ref_name not in BUILT_IN:
                            todo.append(ref_name)
                            if not isinstance(get_named_type(ref), GraphQLObjectType | GraphQLInterfaceType):
                                keep[ref_name] = None
            elif isinstance(t, GraphQLUnionType):
                keep[name] = None
                for member in t.types:
                    if member.name not in keep:
                        keep[member.name] = set()
                        todo.append(member.name)
            elif isinstance(t, GraphQLInputObjectType):
                keep[name] = None
                for f in t.fields.values():
                    ref_name = get_named_type(f.type).name
                    if ref_name not in keep and ref_name not in BUILT_IN:
                        keep[ref_name] = None
                        todo.append(ref_name)
            else:
                keep[name] = None
        # A kept type carries every kept field of the kept interfaces it implements.
        for name, kept in keep.items():
            t = schema.type_map[name]
            if kept is None or not isinstance(t, GraphQLObjectType | GraphQLInterfaceType):
                continue
            for iface in t.interfaces:
                extra = (keep.get(iface.name) or set()) - kept
                if iface.name in keep and extra:
                    kept |= extra
                    todo.append(name)
                    changed = True
        # A type none of whose fields is selected (e.g. a Blob behind GitObject) keeps its leaf fields.
        if not changed:
            for name, kept in keep.items():
                t = schema.type_map[name]
                if kept is not None and not kept and isinstance(t, GraphQLObjectType | GraphQLInterfaceType):
                    kept |= _scalar_fields(t)
                    todo.append(name)
                    changed = True
    return keep


def trim(sdl: str, queries: list[str]) -> str:
    """The SDL with only what `queries` can reach (see the module docstring)."""
    schema = graphql.build_schema(sdl, assume_valid_sdl=True)
    keep = reachable(schema, queries)
    document = graphql.parse(sdl, no_location=True)
    out = []
    for d in document.definitions:
        if isinstance(d, ast.DirectiveDefinitionNode | ast.SchemaDefinitionNode):
            continue
        if not isinstance(d, ast.TypeDefinitionNode) or d.name.value not in keep:
            continue
        kept = keep[d.name.value]
        changes: dict[str, object] = {"directives": _deprecated_only(d.directives)}
        if isinstance(d, ast.ObjectTypeDefinitionNode | ast.InterfaceTypeDefinitionNode):
            assert kept is not None
            fields, seen = [], set()
            for f in d.fields:
                if f.name.value in kept and f.name.value not in seen:   # GitHub declares a few twice
                    seen.add(f.name.value)
                    fields.append(dataclasses.replace(f, directives=_deprecated_only(f.directives), arguments=tuple(
                        dataclasses.replace(a, directives=_deprecated_only(a.directives)) for a in f.arguments or ())))
            changes["fields"] = tuple(fields)
            changes["interfaces"] = tuple(i for i in d.interfaces or () if i.name.value in keep)
        elif isinstance(d, ast.EnumTypeDefinitionNode):
            changes["values"] = tuple(dataclasses.replace(v, directives=_deprecated_only(v.directives))
                                      for v in d.values or ())
        elif isinstance(d, ast.InputObjectTypeDefinitionNode):
            changes["fields"] = tuple(dataclasses.replace(f, directives=_deprecated_only(f.directives))
                                      for f in d.fields or ())
        out.append(dataclasses.replace(d, **changes))
    out.sort(key=lambda d: d.name.value)
    return graphql.print_ast(ast.DocumentNode(definitions=tuple(out)))


def _deprecated_only(directives) -> tuple:
    return tuple(x for x in directives or () if x.name.value == "deprecated")


def check(trimmed: str, queries: list[str]) -> None:
    """The trimmed schema is a valid schema and every query validates against it."""
    schema = graphql.build_schema(trimmed)
    problems = graphql.validate_schema(schema)
    if problems:
        raise SystemExit("the trimmed schema is not valid: " + "; ".join(p.message for p in problems[:5]))
    for query in queries:
        errors = graphql.validate(schema, graphql.parse(query))
        if errors:
            raise SystemExit("a query does not validate against the trimmed schema: " + errors[0].message)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("name", choices=sorted(SOURCES))
    p.add_argument("upstream", type=Path, help="the upstream SDL file")
    p.add_argument("commit", help="the upstream repository commit the file was taken from")
    p.add_argument("file_commit", nargs="?", help="the commit that last changed the file, if known")
    p.add_argument("--out", type=Path, help=f"default: {HERE}/<name>_schema.graphql")
    a = p.parse_args(argv)
    raw = a.upstream.read_bytes()
    queries = collector_queries(a.name) + EXTRA[a.name]
    trimmed = trim(raw.decode("utf-8"), queries)
    check(trimmed, queries)
    repo, path, licence = SOURCES[a.name]
    header = [
        f"# Trimmed from {repo}, {path}",
        f"#   repository commit {a.commit}" + (f", file last changed in {a.file_commit}" if a.file_commit else ""),
        f"#   upstream sha256 {hashlib.sha256(raw).hexdigest()}, {len(raw):,} bytes; licence {licence}",
        "# Only the types and fields our collectors' queries can reach (plus paging fields the fakes'",
        "# tests use). Generated by tests/fakes/schema_trim.py; do not edit by hand: after adding a field",
        "# to a collector's query, run that script again (its docstring says how).",
        "",
    ]
    out = a.out or HERE / f"{a.name}_schema.graphql"
    out.write_text("\n".join(header) + trimmed + "\n", encoding="utf-8")
    print(f"{out}: {len(trimmed.encode()):,} bytes, {trimmed.count(chr(10) + 'type ') + trimmed.startswith('type ')} "
          "object types", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
