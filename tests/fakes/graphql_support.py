"""What the GraphQL fakes (GitHub, Open Collective) share: the published schemas, validation that
remembers where each error was found, and execution over fixture data with graphql-core.

The schemas are the trimmed copies of the published SDL next to this file (see schema_trim.py for
their provenance). A fake can drop fields from its schema to play a schema change.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import graphql
from graphql import (
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLNamedType,
    GraphQLSchema,
    ParallelVisitor,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    specified_rules,
    visit,
)
from graphql.language import ast
from graphql.validation import ValidationContext

HERE = Path(__file__).resolve().parent
TIME_SCALARS = ("DateTime", "GitTimestamp")


# -- schemas --------------------------------------------------------------------------------------
def parse_time(value: Any) -> datetime:
    """An ISO 8601 time as the APIs accept it (`Z` or an offset); naive UTC."""
    if not isinstance(value, str):
        raise TypeError(f"Could not coerce value {graphql.pyutils.inspect(value)} to a time")
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"Could not coerce value {value!r} to an ISO 8601 time") from None
    if parsed.tzinfo is not None:
        parsed = (parsed - parsed.utcoffset()).replace(tzinfo=None)
    return parsed


def _strict_time(type_: graphql.GraphQLScalarType) -> None:
    """Time scalars accept ISO 8601 only (as GitHub and Open Collective do); values stay strings."""

    def parse_value(value: Any) -> str:
        parse_time(value)
        return value

    def parse_literal(node: ast.ValueNode, _variables: Any = None) -> str:
        if not isinstance(node, ast.StringValueNode):
            raise TypeError(f"{type_.name} must be a string")
        return parse_value(node.value)

    # graphql-core 3.3 coerces with coerce_input_value/coerce_input_literal (3.2: parse_value/parse_literal)
    type_.parse_value = type_.coerce_input_value = parse_value  # type: ignore[method-assign, assignment]
    type_.parse_literal = parse_literal  # type: ignore[method-assign]
    type_.coerce_input_literal = lambda node: parse_literal(node)  # type: ignore[assignment]


@cache
def load_schema(name: str, removed: frozenset[str] = frozenset()) -> GraphQLSchema:
    """The trimmed published schema `<name>_schema.graphql`, without the `Type.field`s in `removed`
    (a schema change: the field no longer exists)."""
    document = graphql.parse((HERE / f"{name}_schema.graphql").read_text(encoding="utf-8"))
    if removed:
        known = set()
        definitions = []
        for d in document.definitions:
            if isinstance(d, ast.ObjectTypeDefinitionNode | ast.InterfaceTypeDefinitionNode):
                keep = tuple(f for f in d.fields if f"{d.name.value}.{f.name.value}" not in removed)
                known |= {f"{d.name.value}.{f.name.value}" for f in d.fields}
                d = dataclasses.replace(d, fields=keep)
            definitions.append(d)
        if removed - known:
            raise ValueError(f"the {name} schema has no {', '.join(sorted(removed - known))}")
        document = dataclasses.replace(document, definitions=tuple(definitions))
    schema = graphql.build_ast_schema(document)
    for scalar in TIME_SCALARS:
        t = schema.type_map.get(scalar)
        if isinstance(t, graphql.GraphQLScalarType):
            _strict_time(t)
    problems = graphql.validate_schema(schema)
    if problems:
        raise ValueError(f"the {name} schema is not valid: {problems[0].message}")
    return schema


# -- validation that remembers where -----------------------------------------------------------------
@dataclass
class ArgumentAt:
    """The argument (or input object field) being visited: what validation errors refer to."""

    node: ast.ArgumentNode | ast.ObjectFieldNode
    owner_kind: str                          # 'Field' | 'Directive' | 'InputObject'
    owner_name: str                          # the field's alias or name, the directive or input type
    owner_node: ast.Node                     # the field, directive or object value holding it
    definition: Any                          # GraphQLArgument | GraphQLInputField | None


@dataclass
class Where:
    """Where a validation error was found, in the terms the servers' own messages use."""

    rule: str
    path: list[str]                                   # 'query Name', 'fragment F', '... on T', alias/name
    parent_type: GraphQLNamedType | None = None
    type: Any = None                                  # the output type at the node
    input_type: Any = None                            # the input type at the node (in arguments)
    field_node: ast.FieldNode | None = None
    argument: ArgumentAt | None = None
    variable_definition: ast.VariableDefinitionNode | None = None
    operation: ast.OperationDefinitionNode | None = None


@dataclass
class Found:
    error: GraphQLError
    where: Where


@dataclass
class _Track:
    type_info: TypeInfo
    path: list[str] = field(default_factory=list)
    fields: list[ast.FieldNode] = field(default_factory=list)
    directives: list[ast.DirectiveNode] = field(default_factory=list)
    arguments: list[ArgumentAt] = field(default_factory=list)
    objects: list[ast.ObjectValueNode] = field(default_factory=list)
    variable_definition: ast.VariableDefinitionNode | None = None
    operation: ast.OperationDefinitionNode | None = None
    at: dict[int, Where] = field(default_factory=dict)    # id(variable node) -> where it is used

    def where(self, rule: str) -> Where:
        ti = self.type_info
        return Where(rule, list(self.path), ti.get_parent_type(), ti.get_type(), ti.get_input_type(),
                     self.fields[-1] if self.fields else None, self.arguments[-1] if self.arguments else None,
                     self.variable_definition, self.operation)


def _push_rule(track: _Track) -> Visitor:
    """Runs first: enters path segments before any rule looks at the node."""

    class Push(Visitor):
        def enter_operation_definition(self, node, *_):
            track.operation = node
            track.path.append(node.operation.value + (f" {node.name.value}" if node.name else ""))

        def enter_fragment_definition(self, node, *_):
            track.operation = None
            track.path.append(f"fragment {node.name.value}")

        def enter_inline_fragment(self, node, *_):
            track.path.append(f"... on {node.type_condition.name.value}" if node.type_condition else "...")

        def enter_field(self, node, *_):
            track.fields.append(node)
            track.path.append(node.alias.value if node.alias else node.name.value)

        def enter_directive(self, node, *_):
            track.directives.append(node)

        def enter_variable_definition(self, node, *_):
            track.variable_definition = node

        def enter_argument(self, node, _key, _parent, _path, ancestors):
            ti = track.type_info
            owner = ancestors[-1] if ancestors else None
            if isinstance(owner, ast.DirectiveNode):
                track.arguments.append(ArgumentAt(node, "Directive", owner.name.value, owner, ti.get_argument()))
            else:
                f = track.fields[-1]
                track.arguments.append(ArgumentAt(node, "Field", (f.alias or f.name).value, f, ti.get_argument()))

        def enter_object_value(self, node, *_):
            track.objects.append(node)

        def enter_object_field(self, node, *_):
            ti = track.type_info
            owner = ti.get_parent_input_type()
            defn = owner.fields.get(node.name.value) if isinstance(owner, GraphQLInputObjectType) else None
            track.arguments.append(ArgumentAt(node, "InputObject", owner.name if owner else "?",
                                              track.objects[-1], defn))

        def enter_variable(self, node, *_):
            if track.variable_definition is None:
                track.at[id(node)] = track.where("")

    return Push()


def _pop_rule(track: _Track) -> Visitor:
    """Runs last: leaves path segments after every rule has looked at the node."""

    class Pop(Visitor):
        def leave_operation_definition(self, *_):
            track.path.pop()

        def leave_fragment_definition(self, *_):
            track.path.pop()

        def leave_inline_fragment(self, *_):
            track.path.pop()

        def leave_field(self, *_):
            track.fields.pop()
            track.path.pop()

        def leave_directive(self, *_):
            track.directives.pop()

        def leave_variable_definition(self, *_):
            track.variable_definition = None

        def leave_argument(self, *_):
            track.arguments.pop()

        def leave_object_value(self, *_):
            track.objects.pop()

        def leave_object_field(self, *_):
            track.arguments.pop()

    return Pop()


def validate(schema: GraphQLSchema, document: ast.DocumentNode, rules: Iterable[type] = specified_rules
             ) -> tuple[list[Found], dict[int, Where]]:
    """graphql-core's validation with, for every error, the rule that found it and where.
    Also returns where each variable is used (id(variable node) -> Where)."""
    type_info = TypeInfo(schema)
    track = _Track(type_info)
    found: list[Found] = []
    visitors: list[Visitor] = [_push_rule(track)]
    for rule in rules:
        def report(error: GraphQLError, name: str = rule.__name__) -> None:
            found.append(Found(error, track.where(name)))

        visitors.append(rule(ValidationContext(schema, document, type_info, report)))
    visitors.append(_pop_rule(track))
    visit(document, TypeInfoVisitor(type_info, ParallelVisitor(visitors)))
    return found, track.at


@lru_cache(maxsize=256)
def parse_and_validate(schema: GraphQLSchema, query: str
                       ) -> tuple[ast.DocumentNode | None, GraphQLError | None, list[Found], dict[int, Where]]:
    """`query` parsed (or its syntax error) and validated against `schema`: (document, error, found,
    where each variable is used), as `validate` returns them. Both are pure functions of the schema and
    the text, and a collection sends the same few query texts again and again (16 texts in 147 queries
    over the GitHub collector's tests), while validating a batched query costs graphql-core about
    0.07 CPU-s: each (schema, text) is checked once per process. Callers read the answer, never change it."""
    try:
        document = graphql.parse(query)
    except GraphQLError as exc:
        return None, exc, [], {}
    found, used_at = validate(schema, document)
    return document, None, found, used_at


def operation_of(document: ast.DocumentNode, name: str | None) -> ast.OperationDefinitionNode | None:
    ops = [d for d in document.definitions if isinstance(d, ast.OperationDefinitionNode)]
    if name:
        return next((o for o in ops if o.name and o.name.value == name), None)
    return ops[0] if len(ops) == 1 else None


def location(node: ast.Node | None) -> list[dict[str, int]]:
    if node is None or node.loc is None:
        return []
    loc = node.loc.source.get_location(node.loc.start)
    return [{"line": loc.line, "column": loc.column}]


# -- execution ------------------------------------------------------------------------------------
class Unmodelled(Exception):
    """The fake has no answer for this field or argument: the test must fail loudly, not get a
    plausible-looking null."""


class Node:
    """A fixture object as a GraphQL object: attributes and methods named like the fields.
    A method gets (info, **arguments); an attribute is the value."""

    typename = "?"

    def __init__(self, typename: str | None = None, **values: Any):
        if typename:
            self.typename = typename
        self.__dict__.update(values)


MISSING = object()


def default_of(argument: graphql.GraphQLArgument | graphql.GraphQLInputField) -> Any:
    """The default value an argument or input field declares in the SDL (None without one)."""
    node = argument.ast_node
    if node is None or node.default_value is None:
        return None
    return graphql.value_from_ast(node.default_value, argument.type)


def make_resolver(check: Callable[[Any, graphql.GraphQLResolveInfo], None] | None = None):
    """The field resolver: the source's attribute or method of the field's name; a field the
    fixture does not answer raises Unmodelled. `check` may raise a field error first."""

    def resolve(source: Any, info: graphql.GraphQLResolveInfo, **args: Any) -> Any:
        if check is not None:
            check(source, info)
        value = getattr(source, info.field_name, MISSING)
        if value is MISSING:
            raise Unmodelled(f"the fake does not answer {info.parent_type.name}.{info.field_name}")
        if callable(value):
            return value(info, **args)
        if args:
            raise Unmodelled(f"the fake does not take arguments on {info.parent_type.name}.{info.field_name}: "
                             f"{', '.join(sorted(args))}")
        return value

    return resolve


def resolve_type(value: Any, *_: Any) -> str:
    return value.typename


def selects(info: graphql.GraphQLResolveInfo, names: set[str]) -> bool:
    """Whether the field's selection asks for any of `names` (through fragments too)."""

    def walk(selection_set: ast.SelectionSetNode | None) -> bool:
        for s in selection_set.selections if selection_set else ():
            if isinstance(s, ast.FieldNode) and s.name.value in names:
                return True
            if isinstance(s, ast.InlineFragmentNode) and walk(s.selection_set):
                return True
            if isinstance(s, ast.FragmentSpreadNode):
                fragment = info.fragments.get(s.name.value)
                if fragment is not None and walk(fragment.selection_set):
                    return True
        return False

    return any(walk(n.selection_set) for n in info.field_nodes)
