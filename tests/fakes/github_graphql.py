"""GitHub's GraphQL API v4 as the loopback fake answers it: real parsing, validation and execution.

Every query is parsed and validated by graphql-core against GitHub's published schema (the trimmed
copy in github_schema.graphql, see schema_trim.py), then executed by graphql-core's executor with
resolvers over the fake's fixture data: only the selected fields are answered, under their aliases,
and arguments (`first`/`last`/`after`/`before`, `orderBy`, `states`, `history(since:, until:)`,
variables) decide what comes back. A field or argument the fixtures cannot answer makes the fake
answer HTTP 500 naming it, so a test cannot pass on a silent null.

Errors have GitHub's shapes (GitHub runs graphql-ruby; messages, `extensions` and `path` follow its
static validation, e.g. `{"message": "Field 'x' doesn't exist on type 'Repository'", "locations":
[...], "path": ["query Repos", "r0", "x"], "extensions": {"code": "undefinedField", "typeName":
"Repository", "fieldName": "x"}}`); a rejected query is HTTP 200 with `errors` and no `data`.
Errors while executing carry GitHub's `type` (NOT_FOUND, FORBIDDEN, MISSING_PAGINATION_BOUNDARIES,
EXCESSIVE_PAGINATION, INVALID_CURSOR_ARGUMENTS) and `path`, next to the partial `data`.
Parse errors are reported at their position in graphql-ruby's form ("... at [line, column]");
their wording is graphql-core's.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import graphql
from graphql import GraphQLError, GraphQLResolveInfo
from graphql.language import ast
from graphql.utilities import type_from_ast, validate_input_value

from tests.fakes.graphql_support import (
    Found,
    Node,
    Unmodelled,
    Where,
    default_of,
    load_schema,
    location,
    make_resolver,
    operation_of,
    parse_and_validate,
    parse_time,
    resolve_type,
    selects,
)

if TYPE_CHECKING:
    from tests.fakes.github_server import FakeGitHub, FakeRepo, Item, Person

MAX_PAGE = 100


def gh_time(value: datetime | None) -> str | None:
    return None if value is None else value.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


class FieldError(Exception):
    """An error GitHub reports for one field while executing: the field is null, `type` says why."""

    def __init__(self, type_: str, message: str):
        super().__init__(message)
        self.type = type_


# -- answering ------------------------------------------------------------------------------------
def answer(fake: FakeGitHub, body: Any, authorization: str | None) -> tuple[int, dict[str, Any]]:
    """(HTTP status, JSON body) for a POST /graphql body."""
    query, variables = body.get("query"), body.get("variables") or {}
    operation_name = body.get("operationName")
    if not isinstance(query, str) or not isinstance(variables, dict):
        return 200, {"errors": [{"message": "A query attribute must be specified and must be a string."}]}
    schema = load_schema("github", frozenset(fake.removed_fields))
    document, exc, found, used_at = parse_and_validate(schema, query)
    if document is None:
        where = exc.locations[0] if exc.locations else None
        at = f" at [{where.line}, {where.column}]" if where else ""
        return 200, {"errors": [{"message": f"{exc.message}{at}",
                                 "locations": [{"line": where.line, "column": where.column}] if where else []}]}
    if found:
        return 200, {"errors": _ruby_errors(found, used_at)}
    operation = operation_of(document, operation_name)
    if operation is None:
        return 200, {"errors": [{"message": "An operation name is required" if not operation_name
                                 else f'No operation named "{operation_name}"'}]}
    problems = _variable_errors(schema, operation, variables)
    if problems:
        return 200, {"errors": problems}
    context = {"fake": fake, "authorization": authorization, "roots": {}}
    result = graphql.execute(schema, document, root_value=QueryRoot(fake, context), context_value=context,
                             variable_values=variables, operation_name=operation_name,
                             field_resolver=make_resolver(_forbidden), type_resolver=resolve_type)
    out: dict[str, Any] = {"data": result.data}
    errors = []
    for error in result.errors or []:
        original = error.original_error
        if isinstance(original, Unmodelled):
            return 500, {"message": f"fake GitHub: {original}"}
        if isinstance(original, FieldError):
            errors.append({"type": original.type, "path": error.path,
                           "locations": [{"line": x.line, "column": x.column} for x in error.locations or []],
                           "message": error.message})
        elif original is not None:   # a bug in a resolver: loud
            return 500, {"message": f"fake GitHub: {type(original).__name__}: {original}"}
        else:
            errors.append(error.formatted)
    if errors:
        out["errors"] = errors
    return 200, out


def _forbidden(source: Any, info: GraphQLResolveInfo) -> None:
    """Fields a fixture marks as not accessible (`FakeRepo.graphql_forbidden`: dotted paths below
    the repository) are null with GitHub's FORBIDDEN error."""
    keys = info.path.as_list()
    repo = info.context["roots"].get(keys[0])
    if repo is None or not repo.graphql_forbidden or len(keys) < 2:
        return
    dotted = ".".join(str(k) for k in keys[1:])
    if dotted in repo.graphql_forbidden:
        auth = info.context["authorization"]
        echo = f" for {auth}" if info.context["fake"].echo_auth_in_errors else ""
        raise FieldError("FORBIDDEN", f"Resource not accessible by integration ({keys[-1]}){echo}")


# -- graphql-ruby's error shapes ------------------------------------------------------------------
def _name(node: ast.FieldNode | None) -> str:
    return "" if node is None else (node.alias or node.name).value


def _operation_label(where: Where) -> str:
    op = where.operation
    if op is None:
        return "anonymous query"
    return op.name.value if op.name else f"anonymous {op.operation.value}"


def _ruby(message: str, where: Where, node: ast.Node | None, extensions: dict[str, Any] | None = None,
          path: list[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"message": message, "locations": location(node), "path": path or where.path}
    if extensions:
        out["extensions"] = extensions
    return out


def _ruby_errors(found: list[Found], used_at: dict[int, Where]) -> list[dict[str, Any]]:
    """graphql-core's validation errors in graphql-ruby's words (`used_at`: where each variable is used)."""
    out: list[dict[str, Any]] = []
    missing_args: dict[int, tuple[Found, list[str]]] = {}
    for f in found:
        e, w = f.error, f.where
        node = e.nodes[0] if e.nodes else None
        rule = w.rule
        if rule == "FieldsOnCorrectTypeRule" and isinstance(node, ast.FieldNode):
            parent = w.parent_type.name if w.parent_type else "?"
            if isinstance(w.parent_type, graphql.GraphQLUnionType):
                out.append(_ruby(f"Selections can't be made directly on unions (see selections on {parent})", w, node,
                                 {"code": "selectionMismatch", "nodeName": parent}))
            else:
                out.append(_ruby(f"Field '{node.name.value}' doesn't exist on type '{parent}'", w, node,
                                 {"code": "undefinedField", "typeName": parent, "fieldName": node.name.value}))
        elif rule == "KnownArgumentNamesRule" and isinstance(node, ast.ArgumentNode) and w.argument:
            a = w.argument
            out.append(_ruby(f"{a.owner_kind} '{a.owner_name}' doesn't accept argument '{node.name.value}'", w, node,
                             {"code": "argumentNotAccepted", "name": a.owner_name, "typeName": a.owner_kind,
                              "argumentName": node.name.value}))
        elif rule == "ProvidedRequiredArgumentsRule" and isinstance(node, ast.FieldNode):
            named = re.search(r"\((\w+):\)", e.message) or re.search(r"argument '(\w+)'", e.message)
            missing_args.setdefault(id(node), (f, []))[1].append(named.group(1) if named else "?")
        elif rule == "ValuesOfCorrectTypeRule" and w.argument is not None and w.argument.definition is not None:
            out.append(_literal_error(w, node))
        elif rule == "VariablesInAllowedPositionRule" and len(e.nodes or ()) == 2:
            out.append(_variable_mismatch(f, used_at.get(id(e.nodes[1]), w)))
        elif rule == "NoUndefinedVariablesRule" and isinstance(node, ast.VariableNode):
            name = node.name.value
            at = used_at.get(id(node), w)
            out.append(_ruby(f"Variable ${name} is used by {_operation_label(w)} but not declared", w, node,
                             {"code": "variableNotDefined", "variableName": name}, path=at.path))
        elif rule == "NoUnusedVariablesRule" and isinstance(node, ast.VariableDefinitionNode):
            name = node.variable.name.value
            out.append(_ruby(f"Variable ${name} is declared by {_operation_label(w)} but not used", w, w.operation,
                             {"code": "variableNotUsed", "variableName": name}))
        elif rule == "ScalarLeafsRule" and isinstance(node, ast.FieldNode):
            out.append(_selection_error(w, node))
        elif rule == "KnownTypeNamesRule" and isinstance(node, ast.NamedTypeNode):
            name = node.name.value
            if w.variable_definition is not None:
                var = w.variable_definition.variable.name.value
                out.append(_ruby(f"{name} isn't a defined input type (on ${var})", w, w.variable_definition,
                                 {"code": "variableRequiresValidType", "typeName": name, "variableName": var}))
            else:
                out.append(_ruby(f"No such type {name}, so it can't be a fragment condition", w, node,
                                 {"code": "undefinedType", "typeName": name}))
        elif rule == "VariablesAreInputTypesRule" and isinstance(node, ast.VariableDefinitionNode):
            var, type_name = node.variable.name.value, graphql.print_ast(node.type).rstrip("!").strip("[]!")
            out.append(_ruby(f"{type_name} isn't a valid input type (on ${var})", w, node,
                             {"code": "variableRequiresValidType", "typeName": type_name, "variableName": var}))
        elif rule == "PossibleFragmentSpreadsRule":
            out.append(_spread_error(f))
        elif rule in ("KnownFragmentNamesRule", "NoUnusedFragmentsRule"):
            name = node.name.value if isinstance(node, ast.FragmentSpreadNode | ast.FragmentDefinitionNode) else "?"
            text = "was used, but not defined" if rule == "KnownFragmentNamesRule" else "was defined, but not used"
            out.append(_ruby(f"Fragment {name} {text}", w, node, {"code": "useAndDefineFragment", "fragmentName": name}))
        elif rule == "KnownDirectivesRule" and isinstance(node, ast.DirectiveNode):
            out.append(_ruby(f"Directive @{node.name.value} is not defined", w, node,
                             {"code": "undefinedDirective", "directiveName": node.name.value}))
        else:   # rarer rules: graphql-core's wording, GitHub's envelope
            out.append(_ruby(e.message, w, node))
    for f, names in missing_args.values():
        node = f.error.nodes[0]
        field_def = f.where.parent_type.fields.get(node.name.value) if f.where.parent_type is not None else None
        order = list(field_def.args) if field_def is not None else names
        names = sorted(names, key=lambda n: order.index(n) if n in order else len(order))
        out.append(_ruby(f"Field '{node.name.value}' is missing required arguments: {', '.join(names)}", f.where,
                         node, {"code": "missingRequiredArguments", "className": "Field", "name": node.name.value,
                                "arguments": ", ".join(names)}))
    return out


def _enclosing(value: ast.ValueNode, type_: Any, target: ast.Node, holder: Any = None) -> Any:
    """(object field node, its input object type) nearest around `target` inside a literal, or the
    `holder` given for the top level; None when `target` is not inside `value`."""
    if value is target:
        return holder
    named = graphql.get_nullable_type(type_)
    if isinstance(value, ast.ListValueNode):
        inner = named.of_type if isinstance(named, graphql.GraphQLList) else named
        for v in value.values:
            found = _enclosing(v, inner, target, holder)
            if found is not None:
                return found
    if isinstance(value, ast.ObjectValueNode) and isinstance(named, graphql.GraphQLInputObjectType):
        for f in value.fields:
            if f is target:
                return f, named
            fdef = named.fields.get(f.name.value)
            found = _enclosing(f.value, fdef.type if fdef else None, target, (f, named))
            if found is not None:
                return found
    return None


def _literal_error(w: Where, node: ast.Node | None) -> dict[str, Any]:
    """graphql-ruby's error for an argument literal: the innermost argument (or input object field)
    around the bad value, an input field the type lacks, or a required input field left out."""
    a = w.argument
    assert a is not None and a.definition is not None
    inner = _enclosing(a.node.value, a.definition.type, node) if node is not None else None
    if isinstance(node, ast.ObjectFieldNode) and inner is not None and inner[0] is node:   # a field the type lacks
        owner = inner[1].name
        return _ruby(f"InputObject '{owner}' doesn't accept argument '{node.name.value}'", w, node,
                     {"code": "argumentNotAccepted", "name": owner, "typeName": "InputObject",
                      "argumentName": node.name.value})
    if isinstance(node, ast.ObjectValueNode):                           # a required input field missing
        holder_type = inner[1].fields[inner[0].name.value].type if inner else a.definition.type
        input_type = graphql.get_named_type(holder_type)
        given = {x.name.value for x in node.fields}
        missing = [n for n, fdef in getattr(input_type, "fields", {}).items()
                   if graphql.is_required_input_field(fdef) and n not in given]
        if missing:
            fdef = input_type.fields[missing[0]]
            return _ruby(f"Argument '{missing[0]}' on InputObject '{input_type.name}' is required. Expected type "
                         f"{fdef.type}", w, node, {"code": "missingRequiredInputObjectAttribute",
                                                    "argumentName": missing[0], "argumentType": str(fdef.type),
                                                    "inputObjectType": input_type.name})
    if inner is not None:                                              # inside an input object
        field, owner = inner
        fdef = owner.fields.get(field.name.value)
        return _ruby(f"Argument '{field.name.value}' on InputObject '{owner.name}' has an invalid value "
                     f"({graphql.print_ast(field.value)}). Expected type '{fdef.type if fdef else '?'}'.", w, node,
                     {"code": "argumentLiteralsIncompatible", "typeName": "InputObject",
                      "argumentName": field.name.value})
    value = graphql.print_ast(a.node.value)
    return _ruby(f"Argument '{a.node.name.value}' on {a.owner_kind} '{a.owner_name}' has an invalid value ({value}). "
                 f"Expected type '{a.definition.type}'.", w, a.owner_node,
                 {"code": "argumentLiteralsIncompatible", "typeName": a.owner_kind, "argumentName": a.node.name.value})


def _variable_mismatch(f: Found, w: Where) -> dict[str, Any]:
    definition, usage = f.error.nodes
    assert isinstance(definition, ast.VariableDefinitionNode)
    a = w.argument
    schema_type = w.type
    var_type = definition.type
    var_printed = graphql.print_ast(var_type)
    if definition.default_value is not None and not isinstance(var_type, ast.NonNullTypeNode):
        var_printed += "!"
    expected = schema_type
    arg_name = a.node.name.value if a is not None else "?"
    if a is not None and a.definition is not None:
        expected = a.definition.type
        if graphql.is_non_null_type(expected) and default_of(a.definition) is not None:
            expected = expected.of_type
    inner_var = var_printed.replace("!", "").strip("[]")
    inner_arg = graphql.get_named_type(expected).name if expected is not None else "?"
    if inner_var != inner_arg:
        kind = "Type mismatch"
    elif var_printed.count("[") != str(expected).count("["):
        kind = "List dimension mismatch"
    else:
        kind = "Nullability mismatch"
    name = definition.variable.name.value
    return _ruby(f"{kind} on variable ${name} and argument {arg_name} ({var_printed} / "
                 f"{a.definition.type if a is not None and a.definition is not None else expected})",
                 w, a.node if a is not None else usage,
                 {"code": "variableMismatch", "variableName": name, "typeName": var_printed,
                  "argumentName": arg_name, "errorMessage": kind})


def _selection_error(w: Where, node: ast.FieldNode) -> dict[str, Any]:
    named = graphql.get_named_type(w.type)
    node_name = f"field '{node.name.value}'"
    if graphql.is_leaf_type(named):
        kind = "scalar" if isinstance(named, graphql.GraphQLScalarType) else "enum"
        shown = ", ".join(f'"... on {s.type_condition.name.value} {{ ... }}"' if isinstance(s, ast.InlineFragmentNode)
                          else f'"{s.name.value}"' for s in node.selection_set.selections)
        message = f"Selections can't be made on {kind}s ({node_name} returns {named.name} but has selections [{shown}])"
    else:
        message = (f"Field must have selections ({node_name} returns {named.name} but has no selections. "
                   f"Did you mean '{node.name.value} {{ ... }}'?)")
    return _ruby(message, w, node, {"code": "selectionMismatch", "nodeName": node_name, "typeName": named.name})


def _spread_error(f: Found) -> dict[str, Any]:
    w, node = f.where, (f.error.nodes[0] if f.error.nodes else None)
    types = re.findall(r"type '(\w+)'", f.error.message)        # graphql-core: parent first, then the fragment's
    parent, child = (types + ["?", "?"])[:2] if len(types) >= 2 else ("?", "?")
    label = f" {node.name.value}" if isinstance(node, ast.FragmentSpreadNode) else ""
    return _ruby(f"Fragment{label} on {child} can't be spread inside {parent}", w, node,
                 {"code": "cannotSpreadFragment", "typeName": child, "fragmentName": label or "unknown",
                  "parentName": parent})


def _problems(value: Any, var_type: graphql.GraphQLInputType) -> list[dict[str, Any]]:
    """graphql-ruby's `problems` of a variable value that does not fit its type."""
    problems: list[dict[str, Any]] = []

    def on_error(error: GraphQLError, path: Sequence[str | int]) -> None:
        invalid = value
        for key in path:
            invalid = invalid[key] if isinstance(invalid, dict | list) else None
        explanation = ("Expected value to not be null" if invalid is None
                       else f"Could not coerce value {json.dumps(invalid)} to {graphql.get_named_type(var_type).name}")
        problems.append({"path": list(path), "explanation": explanation})

    validate_input_value(value, var_type, on_error)
    return problems


def _variable_errors(schema: graphql.GraphQLSchema, operation: ast.OperationDefinitionNode,
                     values: dict[str, Any]) -> list[dict[str, Any]]:
    """graphql-ruby's answer to variables that are missing or do not fit their declared type."""
    out = []
    for d in operation.variable_definitions or ():
        name = d.variable.name.value
        var_type = type_from_ast(schema, d.type)
        if var_type is None:
            continue
        problems: list[dict[str, Any]] = []
        value = values.get(name)
        if name not in values or value is None:
            if graphql.is_non_null_type(var_type) and d.default_value is None:
                problems.append({"path": [], "explanation": "Expected value to not be null"})
        else:
            problems = _problems(value, var_type)
        if problems:
            detail = [f"{'.'.join(map(str, p['path']))} ({p['explanation']})" for p in problems if p["path"]]
            out.append({"message": f"Variable ${name} of type {graphql.print_ast(d.type)} was provided invalid value"
                                   + (f" for {', '.join(detail)}" if detail else ""),
                        "locations": location(d),
                        "extensions": {"value": value, "problems": problems}})
    return out


# -- connections ----------------------------------------------------------------------------------
def _cursor(index: int) -> str:
    return base64.b64encode(f"cursor:v2:{index}".encode()).decode()


def _index(cursor: str) -> int:
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
        if not text.startswith("cursor:v2:"):
            raise ValueError
        return int(text.removeprefix("cursor:v2:"))
    except (ValueError, UnicodeDecodeError):
        raise FieldError("INVALID_CURSOR_ARGUMENTS", f"`{cursor}` does not appear to be a valid cursor.") from None


class Connection(Node):
    """A page of `items` as GitHub's connection types answer it (totalCount counts them all)."""

    def __init__(self, typename: str, items: list[Any] | None, total: int | None = None, start: int = 0,
                 end: int | None = None):
        super().__init__(typename)
        self._items = items
        self._total = total if total is not None else len(items or [])
        self._start, self._end = start, (end if end is not None else len(items or []))

    def totalCount(self, info: GraphQLResolveInfo) -> int:  # noqa: N802 (GraphQL's names)
        return self._total

    def _page(self, info: GraphQLResolveInfo) -> list[Any]:
        if self._items is None:
            raise Unmodelled(f"the fake only counts {info.parent_type.name} (no nodes in the fixture)")
        return self._items[self._start:self._end]

    def nodes(self, info: GraphQLResolveInfo) -> list[Any]:
        return self._page(info)

    def edges(self, info: GraphQLResolveInfo) -> list[Node]:
        return [Node(info.return_type.of_type.name if hasattr(info.return_type, "of_type") else "Edge",
                     cursor=_cursor(self._start + i), node=item) for i, item in enumerate(self._page(info))]

    def pageInfo(self, info: GraphQLResolveInfo) -> Node:  # noqa: N802
        page = self._end - self._start
        return Node("PageInfo", hasNextPage=self._end < self._total, hasPreviousPage=self._start > 0,
                    startCursor=_cursor(self._start) if page else None,
                    endCursor=_cursor(self._end - 1) if page else None)


def page(info: GraphQLResolveInfo, typename: str, items: list[Any] | None, *, first: int | None = None,
         after: str | None = None, last: int | None = None, before: str | None = None,
         total: int | None = None) -> Connection:
    """GitHub's paging rules: nodes or edges need `first` or `last` (at most 100), cursors are opaque."""
    field = info.field_name
    if first is not None and last is not None:
        raise FieldError("INVALID_PAGINATION",
                         f"Passing both `first` and `last` to paginate the `{field}` connection is not supported.")
    if first is None and last is None and selects(info, {"nodes", "edges"}):
        raise FieldError("MISSING_PAGINATION_BOUNDARIES",
                         f"You must provide a `first` or `last` value to properly paginate the `{field}` connection.")
    for name, value in (("first", first), ("last", last)):
        if value is not None and value > MAX_PAGE:
            raise FieldError("EXCESSIVE_PAGINATION", f"Requesting {value} records on the `{field}` connection exceeds "
                                                     f"the `{name}` limit of {MAX_PAGE} records.")
        if value is not None and value < 0:
            raise FieldError("INVALID_PAGINATION", f"`{name}` on the `{field}` connection cannot be less than zero.")
    size = len(items) if items is not None else (total or 0)
    start = _index(after) + 1 if after else 0
    end = _index(before) if before else size
    if first is not None:
        end = min(end, start + first)
    if last is not None:
        start = max(start, end - last)
    return Connection(typename, items, total if total is not None else size, start, max(start, end))


def _order(items: list[Any], order_by: dict[str, str] | None, keys: dict[str, Callable[[Any], Any]],
           default: str) -> list[Any]:
    spec = order_by or {"field": default, "direction": "ASC"}
    field = spec.get("field")
    if field not in keys:
        raise Unmodelled(f"ordering by {field}")
    return sorted(items, key=keys[field], reverse=spec.get("direction") == "DESC")


def _no(info: GraphQLResolveInfo, other: dict[str, Any]) -> None:
    """Arguments the fake does not model must not be given (their schema defaults are fine)."""
    defs = info.parent_type.fields[info.field_name].args
    given = sorted(k for k, v in other.items() if v is not None and v != default_of(defs[k]))
    if given:
        raise Unmodelled(f"arguments {', '.join(given)} of {info.parent_type.name}.{info.field_name}")


# -- the object graph over the fixtures -----------------------------------------------------------
class QueryRoot(Node):
    typename = "Query"

    def __init__(self, fake: FakeGitHub, context: dict[str, Any]):
        super().__init__()
        self.fake, self.context = fake, context

    def repository(self, info: GraphQLResolveInfo, owner: str, name: str, followRenames: bool = True):  # noqa: N803
        found = self.fake.repo_by_path(owner, name)
        if isinstance(found, int):
            found = self.fake.repo_by_id(found) if followRenames else None
        if found is None or found.status:
            raise FieldError("NOT_FOUND", f"Could not resolve to a Repository with the name '{owner}/{name}'.")
        if "" in found.graphql_forbidden:   # the whole repository, as for an organisation enforcing SAML
            raise FieldError("FORBIDDEN", "Resource protected by organization SAML enforcement. You must grant "
                                          "your Personal Access token access to this organization.")
        self.context["roots"][info.path.key] = found
        return Repository(self.fake, found)

    def user(self, info: GraphQLResolveInfo, login: str):
        data = self.fake.users.get(login.lower())
        if data is None:
            raise FieldError("NOT_FOUND", f"Could not resolve to a User with the login of '{login}'.")
        return User(login, data)

    def rateLimit(self, info: GraphQLResolveInfo, dryRun: bool = False):  # noqa: N802, N803
        fake = self.fake
        with fake._lock:
            limit, remaining, reset = fake._budget("graphql", True, fake.who(self.context["authorization"]))
        cost = 0 if dryRun else 1
        return Node("RateLimit", cost=1, limit=limit, remaining=max(0, remaining - cost), used=limit - remaining + cost,
                    nodeCount=1, resetAt=gh_time(datetime.fromtimestamp(reset, UTC).replace(tzinfo=None)))


def actor(person: Person) -> Node:
    """GitHub's GraphQL names a bot without REST's `[bot]` suffix."""
    if person.type == "Bot":
        return Node("Bot", login=person.login.removesuffix("[bot]"))
    return Node("User", login=person.login)


class Repository(Node):
    typename = "Repository"

    def __init__(self, fake: FakeGitHub, repo: FakeRepo):
        super().__init__()
        r = repo
        self.fake, self.repo = fake, repo
        self.nameWithOwner, self.name, self.databaseId = r.full_name, r.name, r.id
        self.stargazerCount, self.forkCount = r.stars, r.forks
        self.isArchived, self.isDisabled, self.isFork, self.isEmpty = r.archived, r.disabled, r.parent is not None, r.empty
        self.isSecurityPolicyEnabled = r.security_policy
        self.createdAt, self.pushedAt, self.updatedAt = gh_time(r.created_at), gh_time(r.pushed_at), gh_time(r.updated_at())
        self.homepageUrl, self.description = r.homepage, r.description
        self.parent = Node("Repository", nameWithOwner=r.parent) if r.parent else None
        self.licenseInfo = Node("License", spdxId=r.license) if r.license else None
        self.primaryLanguage = Node("Language", name=r.language) if r.language else None
        self.fundingLinks = [Node("FundingLink", platform=f["platform"], url=f["url"]) for f in r.funding_links]

    def watchers(self, info, first=None, after=None, last=None, before=None):
        return page(info, "UserConnection", None, first=first, after=after, last=last, before=before,
                    total=self.repo.watchers)

    def _items(self, info, kind: str, states, order_by, first, after, last, before, **other):
        _no(info, other)
        items = [i for i in self.repo.items if i.kind == kind]
        if states:
            items = [i for i in items if _state(i) in states]
        items = _order(items, order_by, {"CREATED_AT": lambda i: (i.created_at, i.number),
                                         "UPDATED_AT": lambda i: (i.updated_at, i.number),
                                         "COMMENTS": lambda i: (len(i.comments), i.number)}, "CREATED_AT")
        return page(info, "IssueConnection" if kind == "issue" else "PullRequestConnection",
                    [IssueOrPullRequest(i) for i in items], first=first, after=after, last=last, before=before)

    def issues(self, info, states=None, orderBy=None, first=None, after=None, last=None, before=None,  # noqa: N803
               **other):
        return self._items(info, "issue", states, orderBy, first, after, last, before, **other)

    def pullRequests(self, info, states=None, orderBy=None, first=None, after=None, last=None,  # noqa: N802, N803
                     before=None, **other):
        return self._items(info, "pr", states, orderBy, first, after, last, before, **other)

    def issueOrPullRequest(self, info, number: int):  # noqa: N802
        item = next((i for i in self.repo.items if i.number == number), None)
        if item is None:
            raise FieldError("NOT_FOUND", f"Could not resolve to an issue or pull request with the number of {number}.")
        return IssueOrPullRequest(item)

    def repositoryTopics(self, info, first=None, after=None, last=None, before=None):  # noqa: N802
        nodes = [Node("RepositoryTopic", topic=Node("Topic", name=t)) for t in self.repo.topics]
        return page(info, "RepositoryTopicConnection", nodes, first=first, after=after, last=last, before=before)

    def releases(self, info, orderBy=None, first=None, after=None, last=None, before=None):  # noqa: N803
        published = [x for x in self.repo.releases if not x.draft]   # drafts are for those who can push
        ordered = _order(published, orderBy, {"CREATED_AT": lambda x: (x.created_at, x.id),
                                              "NAME": lambda x: (x.name or x.tag, x.id)}, "CREATED_AT")
        nodes = [Node("Release", databaseId=x.id, tagName=x.tag, name=x.name or x.tag, isPrerelease=x.prerelease,
                      createdAt=gh_time(x.created_at), publishedAt=gh_time(x.published_at or x.created_at))
                 for x in ordered]
        return page(info, "ReleaseConnection", nodes, first=first, after=after, last=last, before=before)

    def defaultBranchRef(self, info):  # noqa: N802
        if self.repo.empty:
            return None
        return Node("Ref", name="main", target=Commit(self.repo))

    def owner(self, info):
        return Owner(self.repo)


def _state(item: Item) -> str:
    if item.kind == "pr" and item.state == "closed" and item.merged_at is not None:
        return "MERGED"
    return item.state.upper()


class IssueOrPullRequest(Node):
    def __init__(self, item: Item):
        super().__init__("PullRequest" if item.kind == "pr" else "Issue")
        self.item = item
        self.number, self.title = item.number, f"item {item.number}"
        self.createdAt, self.updatedAt = gh_time(item.created_at), gh_time(item.updated_at)

    def comments(self, info, first=None, after=None, last=None, before=None, orderBy=None):  # noqa: N803
        if orderBy is not None:
            raise Unmodelled("ordering comments")
        found = sorted((c for c in self.item.comments if not c.review), key=lambda c: c.at)
        nodes = [Node("IssueComment", author=actor(c.by), createdAt=gh_time(c.at)) for c in found]
        return page(info, "IssueCommentConnection", nodes, first=first, after=after, last=last, before=before)

    def reviews(self, info, first=None, after=None, last=None, before=None, **other):
        _no(info, other)
        found = sorted((c for c in self.item.comments if c.review), key=lambda c: c.at)
        nodes = [Node("PullRequestReview", author=actor(c.by), submittedAt=gh_time(c.at), createdAt=gh_time(c.at))
                 for c in found]
        return page(info, "PullRequestReviewConnection", nodes, first=first, after=after, last=last, before=before)


class Commit(Node):
    """The default branch's head: `history` counts the fixture's dated commits (FakeRepo.commits)."""

    typename = "Commit"

    def __init__(self, repo: FakeRepo):
        super().__init__()
        self.repo = repo

    def history(self, info, first=None, after=None, last=None, before=None, since=None, until=None, **other):
        _no(info, other)
        dates = sorted(self.repo.commits, reverse=True)       # newest first, as `git log`
        if since is not None:
            start = parse_time(since)
            dates = [d for d in dates if d >= start]
        if until is not None:
            stop = parse_time(until)
            dates = [d for d in dates if d <= stop]
        nodes = [Node("Commit", committedDate=gh_time(d)) for d in dates]
        return page(info, "CommitHistoryConnection", nodes, first=first, after=after, last=last, before=before)


class Owner(Node):
    def __init__(self, repo: FakeRepo):
        super().__init__(repo.owner_type)
        self.login = repo.owner
        sp = repo.sponsors or {}
        self._sponsors = sp
        self.hasSponsorsListing = bool(sp.get("has_listing"))

    def sponsors(self, info, first=None, after=None, last=None, before=None, **other):
        _no(info, {k: v for k, v in other.items() if k != "orderBy"})  # a count
        return page(info, "SponsorConnection", None, first=first, after=after, last=last, before=before,
                    total=self._sponsors.get("count", 0))

    def sponsorsListing(self, info):  # noqa: N802
        sp = self._sponsors
        if not sp.get("has_listing"):
            return None
        goal = sp.get("goal")
        tiers = [Node("SponsorsTier", name=t["name"], monthlyPriceInDollars=t["price"],
                      isOneTime=t.get("one_time", False)) for t in sp.get("tiers", [])]
        return Listing(None if goal is None else Node("SponsorsGoal", **goal), tiers)


class Listing(Node):
    typename = "SponsorsListing"

    def __init__(self, goal: Node | None, tiers: list[Node]):
        super().__init__()
        self.activeGoal, self._tiers = goal, tiers

    def tiers(self, info, first=None, after=None, last=None, before=None, orderBy=None, **other):  # noqa: N803
        _no(info, other)
        tiers = _order(self._tiers, orderBy, {"MONTHLY_PRICE_IN_CENTS": lambda t: t.monthlyPriceInDollars}, "?")
        return page(info, "SponsorsTierConnection", tiers, first=first, after=after, last=last, before=before)


class User(Node):
    typename = "User"

    def __init__(self, login: str, data: dict[str, Any]):
        super().__init__()
        self.login, self.company = login, data.get("company")
        self._orgs = data.get("orgs", [])

    def organizations(self, info, first=None, after=None, last=None, before=None, **other):
        _no(info, other)
        nodes = [Node("Organization", login=o) for o in self._orgs]
        return page(info, "OrganizationConnection", nodes, first=first, after=after, last=last, before=before)
