"""The GitHub GraphQL fake answers as GitHub does: validated against the published schema, only
what was selected, arguments honoured, rejected queries in GitHub's error shapes (over HTTP)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests

from collectors.github import graphql as gql
from tests.fakes.github_server import (
    Comment,
    FakeClock,
    FakeGitHub,
    FakeRepo,
    Item,
    Person,
    Release,
)
from tracker.clock import utcnow

TOKEN = "fake-token-for-the-fake"


@pytest.fixture
def now():
    return utcnow().replace(microsecond=0)


@pytest.fixture
def fake(now):
    with FakeGitHub(FakeClock(now), token=TOKEN) as server:
        items = [Item(n, "pr" if n % 3 == 0 else "issue", Person("ann"), now - timedelta(days=50 - n),
                      now - timedelta(days=n % 7), state="closed" if n % 2 else "open",
                      closed_at=now if n % 2 else None, merged_at=now if n % 6 == 3 else None)
                 for n in range(1, 11)]
        items[0].comments = [Comment(Person("dependabot[bot]", "Bot"), now - timedelta(days=40)),
                             Comment(Person("bob"), now - timedelta(days=39))]
        server.add(FakeRepo("acme", "widget", 7, stars=12, items=items, releases=[
            Release(1, "v1", now - timedelta(days=30)), Release(2, "v2", now - timedelta(days=3)),
            Release(3, "v3-draft", now - timedelta(days=1), draft=True)],
            commits=[now - timedelta(days=d) for d in (1, 10, 364.5, 365.5, 800)]))
        yield server


def post(fake: FakeGitHub, query: str, variables: dict | None = None) -> requests.Response:
    return requests.post(fake.base + "/graphql", json={"query": query, "variables": variables or {}},
                         headers={"Authorization": f"bearer {TOKEN}"}, timeout=10)


REPO = "query Q($o: String!, $n: String!) {{ repository(owner: $o, name: $n) {{ {} }} }}"
WIDGET = {"o": "acme", "n": "widget"}


# -- rejected queries -------------------------------------------------------------------------------
def test_an_unknown_field_rejects_the_query_in_githubs_shape(fake):
    reply = post(fake, REPO.format("nameWithOwner fundingLinksV2"), WIDGET)
    assert reply.status_code == 200
    assert reply.json() == {"errors": [{
        "message": "Field 'fundingLinksV2' doesn't exist on type 'Repository'",
        "locations": [{"line": 1, "column": 85}],
        "path": ["query Q", "repository", "fundingLinksV2"],
        "extensions": {"code": "undefinedField", "typeName": "Repository", "fieldName": "fundingLinksV2"}}]}


def test_path_follows_aliases_fragments_and_inline_fragments(fake):
    query = ("query R($o: String!, $n: String!) { r0: repository(owner: $o, name: $n) { ...F } }\n"
             "fragment F on Repository { owner { ... on User { sponsorz { totalCount } } } }")
    error = post(fake, query, WIDGET).json()["errors"][0]
    assert error["path"] == ["fragment F", "owner", "... on User", "sponsorz"]
    assert error["message"] == "Field 'sponsorz' doesn't exist on type 'User'"
    query = "query R($o: String!, $n: String!) { r0: repository(owner: $o, name: $n) { stars: stargazerCountz } }"
    assert post(fake, query, WIDGET).json()["errors"][0]["path"] == ["query R", "r0", "stars"]


def test_wrong_argument_types_and_names(fake):
    errors = post(fake, REPO.format('issues(first: "ten") { totalCount } releases(frist: 1) { totalCount } '
                                    'pullRequests(states: OPENED) { totalCount }'), WIDGET).json()["errors"]
    assert [e["extensions"] for e in errors] == [
        {"code": "argumentLiteralsIncompatible", "typeName": "Field", "argumentName": "first"},
        {"code": "argumentNotAccepted", "name": "releases", "typeName": "Field", "argumentName": "frist"},
        {"code": "argumentLiteralsIncompatible", "typeName": "Field", "argumentName": "states"}]
    assert errors[0]["message"] == ("Argument 'first' on Field 'issues' has an invalid value (\"ten\"). "
                                    "Expected type 'Int'.")
    assert errors[1]["message"] == "Field 'releases' doesn't accept argument 'frist'"
    assert errors[2]["message"].endswith("(OPENED). Expected type '[PullRequestState!]'.")


def test_input_object_fields_are_checked_like_arguments(fake):
    errors = post(fake, REPO.format("issues(first: 1, orderBy: {direction: DESC}) { totalCount } "
                                    "pullRequests(first: 1, orderBy: {field: CREATED_AT, direction: DESC, foo: 1}) "
                                    "{ totalCount } releases(first: 1, orderBy: {field: FOO, direction: DESC}) "
                                    "{ totalCount }"), WIDGET).json()["errors"]
    assert [e["message"] for e in errors] == [
        "Argument 'field' on InputObject 'IssueOrder' is required. Expected type IssueOrderField!",
        "InputObject 'IssueOrder' doesn't accept argument 'foo'",
        "Argument 'field' on InputObject 'ReleaseOrder' has an invalid value (FOO). Expected type "
        "'ReleaseOrderField!'."]
    assert [e["extensions"]["code"] for e in errors] == [
        "missingRequiredInputObjectAttribute", "argumentNotAccepted", "argumentLiteralsIncompatible"]


def test_missing_required_arguments_and_selections(fake):
    errors = post(fake, "query Q { repository { owner } }").json()["errors"]
    assert {e["extensions"]["code"] for e in errors} == {"missingRequiredArguments", "selectionMismatch"}
    missing = next(e for e in errors if e["extensions"]["code"] == "missingRequiredArguments")
    assert missing["message"] == "Field 'repository' is missing required arguments: name, owner"   # schema order
    selection = next(e for e in errors if e["extensions"]["code"] == "selectionMismatch")
    assert selection["message"] == ("Field must have selections (field 'owner' returns RepositoryOwner but has no "
                                    "selections. Did you mean 'owner { ... }'?)")


def test_variables_missing_mismatched_undeclared_or_unused(fake):
    history = "defaultBranchRef { target { ... on Commit { history(since: $since) { totalCount } } } }"
    query = "query Q($o: String!, $n: String!, $since: GitTimestamp!) { repository(owner: $o, name: $n) { %s } }"
    reply = post(fake, query % history, WIDGET)               # $since not given
    assert reply.status_code == 200 and "data" not in reply.json()
    assert reply.json()["errors"] == [{
        "message": "Variable $since of type GitTimestamp! was provided invalid value",
        "locations": [{"line": 1, "column": 35}],
        "extensions": {"value": None, "problems": [{"path": [], "explanation": "Expected value to not be null"}]}}]
    bad = post(fake, query % history, {**WIDGET, "since": "last tuesday"}).json()["errors"][0]
    assert bad["extensions"]["problems"][0]["explanation"] == 'Could not coerce value "last tuesday" to GitTimestamp'
    mismatch = post(fake, (query % history).replace("$since: GitTimestamp!", "$since: String!"),
                    {**WIDGET, "since": "2024-01-01T00:00:00Z"}).json()["errors"]
    assert mismatch[0]["extensions"] == {"code": "variableMismatch", "variableName": "since", "typeName": "String!",
                                         "argumentName": "since", "errorMessage": "Type mismatch"}
    assert mismatch[0]["message"] == "Type mismatch on variable $since and argument since (String! / GitTimestamp)"
    undeclared = post(fake, "query Q($o: String!) { repository(owner: $o, name: $n) { name } }", WIDGET).json()
    assert undeclared["errors"][0]["message"] == "Variable $n is used by Q but not declared"
    assert undeclared["errors"][0]["extensions"] == {"code": "variableNotDefined", "variableName": "n"}
    unused = post(fake, "query Q($o: String!, $n: String!, $x: Int) { repository(owner: $o, name: $n) { name } }",
                  WIDGET).json()
    assert unused["errors"][0]["message"] == "Variable $x is declared by Q but not used"


def test_a_parse_error_is_reported_at_its_position(fake):
    body = post(fake, "query Q { repository(owner: \"a\", name: \"b\") { name }").json()
    assert "data" not in body and body["errors"][0]["locations"] == [{"line": 1, "column": 53}]
    assert body["errors"][0]["message"].endswith("at [1, 53]")


def test_a_removed_field_rejects_the_collectors_query_as_after_a_schema_change(fake, now):
    query, variables = gql.repos_query([("acme", "widget")], "2024-01-01T00:00:00Z")
    assert "data" in post(fake, query, variables).json()
    fake.removed_fields.add("Repository.fundingLinks")
    body = post(fake, query, variables).json()
    assert "data" not in body
    assert [e["message"] for e in body["errors"]] == ["Field 'fundingLinks' doesn't exist on type 'Repository'"]
    assert body["errors"][0]["path"] == ["fragment RepoFields", "fundingLinks"]


# -- answers --------------------------------------------------------------------------------------
def test_only_the_selected_fields_are_answered_under_their_aliases(fake):
    body = post(fake, REPO.format("stars: stargazerCount owner { login }"), WIDGET).json()
    assert body == {"data": {"repository": {"stars": 12, "owner": {"login": "acme"}}}}


def test_connections_honour_states_order_first_and_after(fake):
    query = REPO.format("open: issues(states: OPEN) { totalCount } "
                        "newest: issues(first: 2, orderBy: {field: CREATED_AT, direction: DESC}) { nodes { number } } "
                        "merged: pullRequests(states: MERGED) { totalCount } "
                        "releases(first: 5, orderBy: {field: CREATED_AT, direction: DESC}) { nodes { tagName } }")
    data = post(fake, query, WIDGET).json()["data"]["repository"]
    issues = [n for n in range(1, 11) if n % 3]
    assert data["open"] == {"totalCount": sum(1 for n in issues if n % 2 == 0)}
    assert data["newest"] == {"nodes": [{"number": 10}, {"number": 8}]}
    assert data["merged"] == {"totalCount": 2}                               # numbers 3 and 9
    assert data["releases"] == {"nodes": [{"tagName": "v2"}, {"tagName": "v1"}]}   # the draft is not public

    seen, after = [], None
    page = ("query P($o: String!, $n: String!, $after: String) { repository(owner: $o, name: $n) { "
            "issues(first: 3, after: $after) { pageInfo { hasNextPage endCursor } nodes { number } } } }")
    while True:
        got = post(fake, page, {**WIDGET, "after": after}).json()["data"]["repository"]["issues"]
        seen += [n["number"] for n in got["nodes"]]
        if not got["pageInfo"]["hasNextPage"]:
            break
        after = got["pageInfo"]["endCursor"]
    assert seen == issues                                                    # oldest first, each once
    bad = post(fake, page, {**WIDGET, "after": "not-a-cursor"}).json()
    assert bad["errors"][0]["type"] == "INVALID_CURSOR_ARGUMENTS" and bad["data"] == {"repository": None}


def test_history_counts_the_commits_since_the_time_given(fake, now):
    query = ("query H($o: String!, $n: String!, $since: GitTimestamp!) { repository(owner: $o, name: $n) { "
             "defaultBranchRef { target { ... on Commit { history(since: $since) { totalCount } } } } } }")

    def count(days: float) -> int:
        since = (now - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = post(fake, query, {**WIDGET, "since": since}).json()
        return body["data"]["repository"]["defaultBranchRef"]["target"]["history"]["totalCount"]

    assert [count(d) for d in (0.5, 5, 365, 366, 1000)] == [0, 1, 3, 4, 5]
    everything = REPO.format("defaultBranchRef { target { ... on Commit { history { totalCount } } } }")
    assert post(fake, everything, WIDGET).json()["data"]["repository"]["defaultBranchRef"]["target"] == \
        {"history": {"totalCount": 5}}


def test_comments_name_bots_as_graphql_does(fake):
    query = ("query Q($o: String!, $n: String!) { repository(owner: $o, name: $n) { "
             "i1: issueOrPullRequest(number: 1) { ... on Issue { comments(first: 5) { nodes { "
             "author { login __typename } createdAt } } } } } }")
    nodes = post(fake, query, WIDGET).json()["data"]["repository"]["i1"]["comments"]["nodes"]
    assert [(n["author"]["login"], n["author"]["__typename"]) for n in nodes] == [("dependabot", "Bot"),
                                                                                   ("bob", "User")]


def test_field_errors_keep_the_rest_of_the_data(fake):
    query = REPO.format("name issues { nodes { number } }")                  # no first/last
    body = post(fake, query, WIDGET).json()
    assert body["data"] == {"repository": None}                               # issues is non-null: bubbles up
    assert body["errors"] == [{
        "type": "MISSING_PAGINATION_BOUNDARIES", "path": ["repository", "issues"],
        "locations": [{"line": 1, "column": 76}],
        "message": "You must provide a `first` or `last` value to properly paginate the `issues` connection."}]
    too_many = post(fake, REPO.format("issues(first: 101) { totalCount }"), WIDGET).json()["errors"][0]
    assert too_many["type"] == "EXCESSIVE_PAGINATION"
    assert too_many["message"] == ("Requesting 101 records on the `issues` connection exceeds the `first` limit "
                                   "of 100 records.")
    query = "query Q { a: repository(owner: \"acme\", name: \"widget\") { name } b: repository(owner: \"x\", name: \"y\") { name } }"
    body = post(fake, query).json()
    assert body["data"] == {"a": {"name": "widget"}, "b": None}
    assert body["errors"][0]["type"] == "NOT_FOUND" and body["errors"][0]["path"] == ["b"]


def test_what_the_fixtures_cannot_answer_is_a_loud_500(fake):
    reply = post(fake, REPO.format("issues(first: 1, labels: [\"bug\"]) { totalCount }"), WIDGET)
    assert reply.status_code == 500 and "labels" in reply.json()["message"]
    reply = post(fake, REPO.format("defaultBranchRef { target { oid } }"), WIDGET)
    assert reply.status_code == 500 and "Commit.oid" in reply.json()["message"]


def test_the_collectors_queries_are_valid_against_githubs_schema(fake):
    """The queries the collector sends validate and are answered without errors."""
    query, variables = gql.repos_query([("acme", "widget")], "2024-01-01T00:00:00Z")
    responses = gql.responses_query([1, 3])
    users, user_vars = gql.users_query(["ann"])
    fake.users["ann"] = {"company": "Acme", "orgs": ["acme"]}
    for q, v in ((query, variables), (responses, WIDGET | {"owner": "acme", "name": "widget"}), (users, user_vars)):
        v = {k: v[k] for k in v if f"${k}" in q}
        body = post(fake, q, v).json()
        assert "errors" not in body, body["errors"]


def test_the_trimmed_schema_keeps_every_field_of_the_published_one_it_names():
    """Trimming keeps fields whole: arguments and types as published (spot checks against the SDL)."""
    from tests.fakes.graphql_support import load_schema

    schema = load_schema("github")
    history = schema.type_map["Commit"].fields["history"]
    assert sorted(history.args) == ["after", "author", "before", "first", "last", "path", "since", "until"]
    assert str(history.args["since"].type) == "GitTimestamp"
    assert str(schema.type_map["Repository"].fields["issues"].type) == "IssueConnection!"
    assert {t.name for t in schema.get_possible_types(schema.type_map["Actor"])} >= {"Bot", "User", "Organization"}
