"""GitHub REST answers as rows: repository snapshot, issues and pull requests, releases,
contributors, community profile. Pure functions of the JSON GitHub returns."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tracker.identity import is_bot

PER_PAGE = 100

SNAPSHOT_COLUMNS = [
    "github_id", "full_name", "stars", "forks", "watchers", "open_issues", "open_prs",
    "open_issues_and_prs", "archived", "disabled", "is_fork", "parent", "license_spdx", "topics",
    "language", "created_at", "pushed_at", "updated_at", "default_branch", "homepage", "description",
    "is_empty", "security_policy", "commits_365d", "contributors_count",
]


def ts(value: Any) -> datetime | None:
    """GitHub's ISO 8601 times ('2024-05-01T12:00:00Z') as naive UTC datetimes."""
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def iso_z(value: datetime) -> str:
    return value.replace(microsecond=0).isoformat() + "Z"


def url_key(path: str, params: dict[str, Any] | None = None) -> str:
    """The ETag key of a request: path and sorted query (never a token)."""
    if not params:
        return path
    return path + "?" + "&".join(f"{k}={params[k]}" for k in sorted(params))


def page_number(url: str) -> int | None:
    values = parse_qs(urlsplit(url).query).get("page")
    try:
        return int(values[0]) if values else None
    except ValueError:
        return None


def snapshot_from_rest(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "github_id": data.get("id"),
        "full_name": data.get("full_name"),
        "stars": data.get("stargazers_count"),
        "forks": data.get("forks_count"),
        "watchers": data.get("subscribers_count"),
        "open_issues_and_prs": data.get("open_issues_count"),
        "archived": data.get("archived"),
        "disabled": data.get("disabled"),
        "is_fork": data.get("fork"),
        "parent": (data.get("parent") or {}).get("full_name"),
        "license_spdx": (data.get("license") or {}).get("spdx_id"),
        "topics": data.get("topics"),
        "language": data.get("language"),
        "created_at": ts(data.get("created_at")),
        "pushed_at": ts(data.get("pushed_at")),
        "updated_at": ts(data.get("updated_at")),
        "default_branch": data.get("default_branch"),
        "homepage": data.get("homepage") or None,
        "description": data.get("description"),
    }


def issue_row(project_id: int, item: dict[str, Any]) -> dict[str, Any]:
    user = item.get("user") or {}
    login = user.get("login")
    pr = item.get("pull_request")
    return {
        "project_id": project_id,
        "number": int(item["number"]),
        "kind": "pr" if pr is not None else "issue",
        "state": str(item.get("state") or "open"),
        "author_login": login,
        "author_is_bot": bool(user.get("type") == "Bot" or (login and is_bot(login, ""))) if login else None,
        "author_association": item.get("author_association"),
        "created_at": ts(item.get("created_at")),
        "updated_at": ts(item.get("updated_at")),
        "closed_at": ts(item.get("closed_at")),
        "merged_at": ts((pr or {}).get("merged_at")),
        "comments": item.get("comments"),
        "first_response_at": None,
        "first_response_by": None,
        "response_checked": False,
    }


def first_response(author: str | None, events: list[tuple[str, str | None, bool]]) -> tuple[str, str] | None:
    """The first comment/review by someone other than the author who is not a bot."""
    for when, login, bot_type in events:
        if not login or bot_type or is_bot(login, ""):
            continue
        if author and login.lower() == author.lower():
            continue
        return when, login
    return None


def release_row(project_id: int, r: dict[str, Any]) -> dict[str, Any]:
    return {"project_id": project_id, "release_id": r.get("id"), "tag": str(r.get("tag_name") or "")[:300],
            "name": (r.get("name") or None), "created_at": ts(r.get("created_at")),
            "published_at": ts(r.get("published_at")), "prerelease": bool(r.get("prerelease"))}


def contributor_rows(people: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The first page of /contributors (anonymous included) as ranked rows."""
    top = []
    for rank, c in enumerate(people[:PER_PAGE], 1):
        login = c.get("login")
        kind = "Anonymous" if c.get("type") == "Anonymous" or not login else (
            "Bot" if c.get("type") == "Bot" or is_bot(login, "") else "User")
        top.append({"rank": rank, "login": login if kind != "Anonymous" else None, "kind": kind,
                    "contributions": c.get("contributions"), "company": None, "organizations": None})
    return top


def community_from(data: dict[str, Any]) -> dict[str, Any]:
    files = data.get("files") or {}
    return {
        "health_percentage": data.get("health_percentage"),
        "has_readme": files.get("readme") is not None,
        "has_contributing": files.get("contributing") is not None,
        "has_code_of_conduct": (files.get("code_of_conduct") or files.get("code_of_conduct_file")) is not None,
        "has_license": files.get("license") is not None,
        "has_issue_template": files.get("issue_template") is not None,
        "has_pr_template": files.get("pull_request_template") is not None,
    }
