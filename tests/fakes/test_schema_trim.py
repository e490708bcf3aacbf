"""schema_trim keeps what queries reach of a published SDL, as published, and nothing else."""

from __future__ import annotations

import graphql

from tests.fakes.schema_trim import check, trim

SDL = '''
directive @internal on FIELD_DEFINITION
"""Something with an id."""
interface Node { id: ID! }
interface Owner { login: String! avatarUrl(size: Int): String! }
type User implements Node & Owner { id: ID! login: String! avatarUrl(size: Int): String! bio: String secret: String @internal }
type Org implements Node & Owner { id: ID! login: String! avatarUrl(size: Int): String! members: Int }
type Repo implements Node {
  id: ID!
  name: String!
  name: String!
  owner: Owner!
  old: String @deprecated(reason: "use name")
  issues(first: Int, states: [State!], orderBy: Order): IssueConnection!
  unused(filter: Unused): String
}
type IssueConnection { totalCount: Int! nodes: [Issue] pageInfo: PageInfo! edges: [IssueEdge] }
type IssueEdge { cursor: String! node: Issue }
type PageInfo { hasNextPage: Boolean! endCursor: String }
type Issue { number: Int! author: Actor }
union Actor = User | Bot
type Bot { login: String! }
enum State { OPEN CLOSED }
input Order { field: String! direction: Direction! }
enum Direction { ASC DESC }
input Unused { x: Int }
scalar Never
type Query { repo(name: String!): Repo node(id: ID!): Node }
type Mutation { drop: Boolean }
'''

QUERY = '''query Q($n: String!) { repo(name: $n) { name old owner { login ... on User { bio } }
  issues(first: 1, orderBy: {field: "x", direction: ASC}) { nodes { number author { ... on Bot { login } } } } } }'''


def test_trim_keeps_what_the_query_reaches_as_published():
    out = trim(SDL, [QUERY])
    check(out, [QUERY])
    schema = graphql.build_schema(out)
    assert set(schema.type_map) - {n for n in schema.type_map if n.startswith("__")} == {
        "Query", "Repo", "Owner", "User", "Org", "IssueConnection", "IssueEdge", "PageInfo", "Issue", "Actor", "Bot",
        "State", "Order", "Direction", "String", "Int", "Boolean"}
    assert set(schema.type_map["Repo"].fields) == {"name", "old", "owner", "issues"}   # 'name' once
    assert schema.type_map["Repo"].fields["old"].deprecation_reason == "use name"
    assert set(schema.type_map["Repo"].fields["issues"].args) == {"first", "states", "orderBy"}
    assert set(schema.type_map["Owner"].fields) == {"login"}
    assert set(schema.type_map["User"].fields) == {"login", "bio"}                # no 'secret' (@internal)
    assert set(schema.type_map["Org"].fields) == {"login"}                        # through the interface
    assert set(schema.type_map["IssueConnection"].fields) == {"totalCount", "nodes", "pageInfo", "edges"}
    assert [i.name for i in schema.type_map["User"].interfaces] == ["Owner"]      # Node is not reached
    assert "@internal" not in out and "Mutation" not in out
    assert graphql.validate(schema, graphql.parse("{ repo(name: \"x\") { unused } }"))   # not reached: gone
