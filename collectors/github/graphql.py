"""GitHub GraphQL queries of the collector and the parsers of their answers.

Three aliased queries, each fetching many things in one request:

* `repos_query`: for up to BATCH repositories, the snapshot counters, funding links, security
  policy, newest release, commits of the last year and the owner's public Sponsors data;
* `responses_query`: for up to 100 issues/pull requests of one repository (one REST page), their
  first comments and reviews, to find the first response;
* `users_query`: for the top contributors, their public company and organisations.

Variables carry every name (never string-built into the query), so repository text cannot change
the query. Aliases are `r0, r1, ...`, `i<number>`, `u0, u1, ...`.
"""

from __future__ import annotations

from typing import Any

BATCH = 20               # repositories per batched query
RESPONSES_SCAN = 30      # comments and reviews looked at per item for the first response
TOPICS = 20
TIERS = 20

RATE_LIMIT = "rateLimit { cost remaining resetAt limit }"

_REPO_FIELDS = f"""
fragment RepoFields on Repository {{
  nameWithOwner databaseId stargazerCount forkCount
  watchers {{ totalCount }}
  openIssues: issues(states: OPEN) {{ totalCount }}
  openPullRequests: pullRequests(states: OPEN) {{ totalCount }}
  lastIssue: issues(first: 1, orderBy: {{field: UPDATED_AT, direction: DESC}}) {{ nodes {{ updatedAt }} }}
  lastPullRequest: pullRequests(first: 1, orderBy: {{field: UPDATED_AT, direction: DESC}}) {{ nodes {{ updatedAt }} }}
  isArchived isDisabled isFork isEmpty isSecurityPolicyEnabled
  parent {{ nameWithOwner }}
  licenseInfo {{ spdxId }}
  repositoryTopics(first: {TOPICS}) {{ nodes {{ topic {{ name }} }} }}
  primaryLanguage {{ name }}
  createdAt pushedAt updatedAt homepageUrl description
  defaultBranchRef {{ name target {{ ... on Commit {{ history(since: $since) {{ totalCount }} }} }} }}
  fundingLinks {{ platform url }}
  releases(first: 1, orderBy: {{field: CREATED_AT, direction: DESC}}) {{ nodes {{ databaseId tagName }} }}
  owner {{
    __typename login
    ... on User {{ hasSponsorsListing sponsors {{ totalCount }} sponsorsListing {{ ...Listing }} }}
    ... on Organization {{ hasSponsorsListing sponsors {{ totalCount }} sponsorsListing {{ ...Listing }} }}
  }}
}}
fragment Listing on SponsorsListing {{
  activeGoal {{ kind targetValue percentComplete title }}
  tiers(first: {TIERS}) {{ nodes {{ name monthlyPriceInDollars isOneTime }} }}
}}
"""


def repos_query(slugs: list[tuple[str, str]], since_iso: str) -> tuple[str, dict[str, Any]]:
    """One query for many repositories: alias r<i> per (owner, name)."""
    params = ["$since: GitTimestamp!"]
    parts = []
    variables: dict[str, Any] = {"since": since_iso}
    for i, (owner, name) in enumerate(slugs):
        params += [f"$o{i}: String!", f"$n{i}: String!"]
        variables[f"o{i}"], variables[f"n{i}"] = owner, name
        parts.append(f"  r{i}: repository(owner: $o{i}, name: $n{i}) {{ ...RepoFields }}")
    query = (f"query Repos({', '.join(params)}) {{\n" + "\n".join(parts) + f"\n  {RATE_LIMIT}\n}}\n"
             + _REPO_FIELDS)
    return query, variables


_AUTHOR = "author { login __typename }"


def responses_query(numbers: list[int]) -> str:
    """First comments and reviews of several issues/PRs of one repository ($owner, $name)."""
    parts = []
    for n in numbers:
        parts.append(
            f"    i{int(n)}: issueOrPullRequest(number: {int(n)}) {{\n"
            f"      ... on Issue {{ comments(first: {RESPONSES_SCAN}) {{ nodes {{ {_AUTHOR} createdAt }} }} }}\n"
            f"      ... on PullRequest {{ comments(first: {RESPONSES_SCAN}) {{ nodes {{ {_AUTHOR} createdAt }} }}\n"
            f"        reviews(first: {RESPONSES_SCAN}) {{ nodes {{ {_AUTHOR} submittedAt createdAt }} }} }}\n"
            f"    }}")
    return ("query Responses($owner: String!, $name: String!) {\n"
            "  repository(owner: $owner, name: $name) {\n" + "\n".join(parts) + "\n  }\n"
            f"  {RATE_LIMIT}\n}}\n")


def users_query(logins: list[str]) -> tuple[str, dict[str, Any]]:
    params, parts, variables = [], [], {}
    for i, login in enumerate(logins):
        params.append(f"$u{i}: String!")
        variables[f"u{i}"] = login
        parts.append(f"  u{i}: user(login: $u{i}) {{ login company organizations(first: 20) "
                     "{ nodes { login } } }")
    query = f"query Users({', '.join(params)}) {{\n" + "\n".join(parts) + f"\n  {RATE_LIMIT}\n}}\n"
    return query, variables


# -- parsing ------------------------------------------------------------------------------------
def _get(d: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(d, dict):
            return None
        d = d.get(key)
    return d


def errors_for(errors: list[dict[str, Any]], alias: str) -> list[dict[str, Any]]:
    """The errors whose path starts at `alias` (GraphQL partial data)."""
    return [e for e in errors if isinstance(e.get("path"), list) and e["path"][:1] == [alias]]


def parse_repo(node: dict[str, Any]) -> dict[str, Any]:
    """A repository node as flat fields for the snapshot, funding links and sponsors."""
    owner = node.get("owner") or {}
    listing = owner.get("sponsorsListing") or {}
    goal = listing.get("activeGoal") or {}
    tiers = _get(listing, "tiers", "nodes")
    has_listing = owner.get("hasSponsorsListing")
    sponsors = _get(owner, "sponsors", "totalCount")
    releases = _get(node, "releases", "nodes") or []
    topics = _get(node, "repositoryTopics", "nodes")
    target = _get(node, "defaultBranchRef", "target") or {}
    activity = [n.get("updatedAt") for key in ("lastIssue", "lastPullRequest")
                for n in (_get(node, key, "nodes") or []) if isinstance(n, dict) and n.get("updatedAt")]
    return {
        "last_item_update": max(activity) if activity else None,
        "has_items": bool(activity) if "lastIssue" in node and "lastPullRequest" in node else None,
        "full_name": node.get("nameWithOwner"),
        "github_id": node.get("databaseId"),
        "stars": node.get("stargazerCount"),
        "forks": node.get("forkCount"),
        "watchers": _get(node, "watchers", "totalCount"),
        "open_issues": _get(node, "openIssues", "totalCount"),
        "open_prs": _get(node, "openPullRequests", "totalCount"),
        "archived": node.get("isArchived"),
        "disabled": node.get("isDisabled"),
        "is_fork": node.get("isFork"),
        "is_empty": node.get("isEmpty"),
        "security_policy": node.get("isSecurityPolicyEnabled"),
        "parent": _get(node, "parent", "nameWithOwner"),
        "license_spdx": _get(node, "licenseInfo", "spdxId"),
        "topics": [t["topic"]["name"] for t in topics if _get(t, "topic", "name")] if topics is not None
        else None,
        "language": _get(node, "primaryLanguage", "name"),
        "created_at": node.get("createdAt"),
        "pushed_at": node.get("pushedAt"),
        "updated_at": node.get("updatedAt"),
        "homepage": node.get("homepageUrl") or None,
        "description": node.get("description"),
        "default_branch": _get(node, "defaultBranchRef", "name"),
        "commits_365d": _get(target, "history", "totalCount")
        if node.get("defaultBranchRef") is not None else (0 if node.get("isEmpty") else None),
        "latest_release_id": releases[0].get("databaseId") if releases else None,
        "has_releases": bool(releases) if "releases" in node else None,
        "funding_links": [
            {"platform": str(f.get("platform")), "url": str(f.get("url"))}
            for f in node.get("fundingLinks") or [] if f.get("platform") and f.get("url")
        ] if "fundingLinks" in node else None,
        "sponsors": None if not owner else {
            "owner_login": owner.get("login"),
            "owner_type": owner.get("__typename"),
            "has_sponsors_listing": has_listing,
            "sponsors_count": sponsors,
            "goal_kind": goal.get("kind"),
            "goal_target_value": goal.get("targetValue"),
            "goal_percent_complete": goal.get("percentComplete"),
            "goal_title": goal.get("title"),
            "tiers": None if tiers is None else [
                {"name": t.get("name"), "monthly_price_usd": t.get("monthlyPriceInDollars"),
                 "is_one_time": t.get("isOneTime")} for t in tiers],
        },
    }


def responders(node: dict[str, Any]) -> list[tuple[str, str | None, bool]]:
    """(when, login, is_bot_type) of every comment and review of an issue/PR node, oldest first."""
    found = []
    for c in _get(node, "comments", "nodes") or []:
        if c and c.get("createdAt"):
            found.append((c["createdAt"], _get(c, "author", "login"), _get(c, "author", "__typename") == "Bot"))
    for r in _get(node, "reviews", "nodes") or []:
        when = r and (r.get("submittedAt") or r.get("createdAt"))
        if when:
            found.append((when, _get(r, "author", "login"), _get(r, "author", "__typename") == "Bot"))
    found.sort(key=lambda x: x[0])
    return found
