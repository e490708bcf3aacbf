"""GitHub collector: repository snapshot, releases, issues and pull requests with first responses,
contributors and their organisations, community profile, funding links and the owner's Sponsors data.

Frugal by design (see docs/performance.md for the measured request counts):

* GraphQL brings many repositories' counters, funding links and Sponsors data in one aliased query
  (`github_graphql.BATCH` per query), fetched when the first project of a batch is collected;
* REST calls are conditional (ETag per URL in `github_etags`): an unchanged resource costs a 304;
* issues and pull requests come from one listing with `since=` (updated-at cursor, saved with each
  page in the page's transaction, so a killed run resumes where it stopped); their first responses
  come from one aliased GraphQL query per page;
* releases stop at the first one already stored, and are skipped when GraphQL says the newest one
  is known; contributors and the community profile are re-read only every few days;
* the first collection of a huge project is bounded to a window (default: the last 2 years of
  issue activity, plus every still-open issue) and says so.

All HTTP goes through `tracker.github_client.GitHubClient` (rate limits, retries, token safety).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from collectors import Source
from collectors import github_graphql as gql
from tracker import registry
from tracker.errors import CollectionError
from tracker.github_client import (
    UNAUTHENTICATED_HINT,
    BlockedError,
    EmptyRepositoryError,
    GitHubClient,
    NotFoundError,
    RateLimitStop,
    Reply,
    Settings,
)
from tracker.identity import is_bot
from tracker.registry import Project, register_project_table
from tracker.store import Store

DEFAULT_WINDOW_DAYS = 730        # first collection: issue activity of the last 2 years
DEFAULT_REFRESH_DAYS = 7         # contributors and community profile re-read this often
TOP_CONTRIBUTORS = 30            # whose company/organisations are looked up
GRAPH_FRESH_SECONDS = 900        # a batched GraphQL answer older than this is fetched again
PER_PAGE = 100

for _table in ("github_repo_snapshots", "github_releases", "github_issues", "github_contributors",
               "github_community", "github_sponsors", "github_funding_links", "github_etags",
               "github_state"):
    register_project_table(_table)


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


def _int_env(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return max(0, int(raw))
    except ValueError:
        raise CollectionError(f"{name}={raw!r} is not a whole number") from None


# -- the session shared by every project of one collection ----------------------------------------
@dataclass
class Session:
    """The client (with its rate-limit state) and the batched GraphQL answers, shared by projects."""

    client: GitHubClient
    clock: Callable[[], float]
    window_days: int = DEFAULT_WINDOW_DAYS
    refresh_days: int = DEFAULT_REFRESH_DAYS
    graph: dict[int, tuple[float, dict | None, list[dict]]] = field(default_factory=dict)
    warned: bool = False


_SESSIONS: dict[tuple, Session] = {}


def make_session(config, *, clock: Callable[[], float] | None = None,
                 sleep: Callable[[float], None] | None = None, settings: Settings | None = None,
                 window_days: int | None = None, refresh_days: int | None = None) -> Session:
    """A session from configuration and the TRACKER_GITHUB_* environment (tests inject clock/sleep)."""
    import time

    if settings is None:
        on_low = os.environ.get("TRACKER_GITHUB_ON_RATE_LIMIT", "wait").strip().lower() or "wait"
        if on_low not in ("wait", "stop"):
            raise CollectionError(f"TRACKER_GITHUB_ON_RATE_LIMIT={on_low!r}: expected 'wait' or 'stop'")
        settings = Settings(
            max_concurrency=max(1, _int_env("TRACKER_GITHUB_CONCURRENCY", 4)),
            on_low_budget=on_low,
            min_remaining=_int_env("TRACKER_GITHUB_MIN_REMAINING", 50),
        )
    clock = clock or time.time
    client = GitHubClient(config, settings, clock=clock, sleep=sleep or time.sleep)
    return Session(
        client, clock,
        window_days=_int_env("TRACKER_GITHUB_WINDOW_DAYS", DEFAULT_WINDOW_DAYS) if window_days is None
        else window_days,
        refresh_days=_int_env("TRACKER_GITHUB_REFRESH_DAYS", DEFAULT_REFRESH_DAYS) if refresh_days is None
        else refresh_days,
    )


def session_for(ctx) -> Session:
    """The session passed in options['github_session'], else one per (API, token, database)."""
    given = ctx.options.get("github_session")
    if given is not None:
        return given
    cfg = ctx.config
    key = (cfg.github_api_url, hash(cfg.github_token), str(ctx.store.path))
    if key not in _SESSIONS:
        _SESSIONS.clear()
        _SESSIONS[key] = make_session(cfg)
    return _SESSIONS[key]


# -- small store helpers -------------------------------------------------------------------------
def _etag(store: Store, project_id: int, url: str) -> str | None:
    return store.scalar("SELECT etag FROM github_etags WHERE project_id = ? AND url = ?", [project_id, url])


def _save_etag(store: Store, project_id: int, url: str, reply: Reply, now: datetime) -> None:
    if reply.status == 200 and reply.etag:
        store.upsert("github_etags", [dict(project_id=project_id, url=url, etag=reply.etag, fetched_at=now)],
                     key=["project_id", "url"])


def _url_key(path: str, params: dict[str, Any] | None = None) -> str:
    """The ETag key of a request: path and sorted query (never a token)."""
    if not params:
        return path
    return path + "?" + "&".join(f"{k}={params[k]}" for k in sorted(params))


def _state(store: Store, project_id: int) -> dict[str, Any]:
    rows = store.dicts("SELECT * FROM github_state WHERE project_id = ?", [project_id])
    return rows[0] if rows else {}


def _save_state(store: Store, project_id: int, now: datetime, **values: Any) -> None:
    row = {"project_id": project_id, "collected_at": now, **values}
    row.setdefault("status", "ok")
    store.upsert("github_state", [row], key=["project_id"])


def _last_snapshot(store: Store, project_id: int) -> dict[str, Any]:
    rows = store.dicts("SELECT * FROM github_repo_snapshots WHERE project_id = ?"
                       " ORDER BY collected_at DESC LIMIT 1", [project_id])
    return rows[0] if rows else {}


# -- GraphQL batch --------------------------------------------------------------------------------
def _graph_for(ctx, session: Session, project: Project) -> tuple[dict | None, list[dict]]:
    """This project's repository node from the batched query, fetching a batch if needed."""
    entry = session.graph.pop(project.id, None)
    if entry is not None and session.clock() - entry[0] <= GRAPH_FRESH_SECONDS:
        return entry[1], entry[2]
    others = [p for p in registry.all_projects(ctx.store)
              if p.id != project.id and (p.id not in session.graph
                                         or session.clock() - session.graph[p.id][0] > GRAPH_FRESH_SECONDS)]
    batch = [project, *others[: gql.BATCH - 1]]
    since = iso_z(ctx.now - timedelta(days=365))
    query, variables = gql.repos_query([(p.owner, p.name) for p in batch], since)
    data, errors = session.client.graphql(query, variables, what=f"GraphQL batch of {len(batch)} repositories")
    fetched = session.clock()
    for i, p in enumerate(batch):
        session.graph[p.id] = (fetched, data.get(f"r{i}"), gql.errors_for(errors, f"r{i}"))
    if len(batch) > 1:
        ctx.progress(f"GraphQL: one query for {len(batch)} repositories")
    entry = session.graph.pop(project.id)
    return entry[1], entry[2]


# -- REST pieces ---------------------------------------------------------------------------------
def _snapshot_from_rest(data: dict[str, Any]) -> dict[str, Any]:
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


SNAPSHOT_COLUMNS = [
    "github_id", "full_name", "stars", "forks", "watchers", "open_issues", "open_prs",
    "open_issues_and_prs", "archived", "disabled", "is_fork", "parent", "license_spdx", "topics",
    "language", "created_at", "pushed_at", "updated_at", "default_branch", "homepage", "description",
    "is_empty", "security_policy", "commits_365d", "contributors_count",
]


def _fetch_contributors(session: Session, project: Project, etag: str | None) -> dict[str, Any] | None:
    """Contributor count (anonymous included) and the top contributors; None when unchanged (304)."""
    client = session.client
    path = f"/repos/{project.owner}/{project.name}/contributors"
    params = {"anon": "1", "per_page": PER_PAGE}
    key = _url_key(path, params)
    try:
        first = client.get(path, params, etag=etag, what=f"{project.slug} contributors")
    except EmptyRepositoryError:
        return {"count": 0, "top": [], "reply": None, "key": key}
    if first.status == 304:
        return None
    people = first.data if isinstance(first.data, list) else []
    count = len(people)
    last_url = first.link("last")
    if last_url:
        last = client.get(last_url, what=f"{project.slug} contributors (last page)")
        pages = _page_number(last_url)
        tail = last.data if isinstance(last.data, list) else []
        count = PER_PAGE * (pages - 1) + len(tail) if pages else None
    top = []
    for rank, c in enumerate(people[:PER_PAGE], 1):
        login = c.get("login")
        kind = "Anonymous" if c.get("type") == "Anonymous" or not login else (
            "Bot" if c.get("type") == "Bot" or is_bot(login, "") else "User")
        top.append({"rank": rank, "login": login if kind != "Anonymous" else None, "kind": kind,
                    "contributions": c.get("contributions"), "company": None, "organizations": None})
    return {"count": count, "top": top, "reply": first, "key": key}


def _page_number(url: str) -> int | None:
    from urllib.parse import parse_qs, urlsplit

    values = parse_qs(urlsplit(url).query).get("page")
    try:
        return int(values[0]) if values else None
    except ValueError:
        return None


def _enrich_people(session: Session, top: list[dict[str, Any]], progress) -> None:
    """Company and public organisations of the top human contributors, in one GraphQL query."""
    people = [c for c in top if c["kind"] == "User" and c["login"]][:TOP_CONTRIBUTORS]
    if not people or not session.client.authenticated:
        return
    query, variables = gql.users_query([c["login"] for c in people])
    data, errors = session.client.graphql(query, variables, what="contributors' organisations")
    if errors:
        progress.warn(f"GraphQL: {len(errors)} contributor(s) could not be looked up")
    for i, c in enumerate(people):
        node = data.get(f"u{i}")
        if not isinstance(node, dict):
            continue
        company = node.get("company")
        c["company"] = company.strip()[:200] if isinstance(company, str) and company.strip() else None
        orgs = gql._get(node, "organizations", "nodes")
        c["organizations"] = [o["login"] for o in orgs if isinstance(o, dict) and o.get("login")] \
            if orgs is not None else None


def community_path(project: Project) -> str:
    return f"/repos/{project.owner}/{project.name}/community/profile"


def _fetch_community(session: Session, project: Project, etag: str | None
                     ) -> tuple[dict | None, Reply | None, str]:
    path = community_path(project)
    try:
        reply = session.client.get(path, etag=etag,
                                   what=f"{project.slug} community profile")
    except NotFoundError:
        return None, None, path
    if reply.status != 200 or not isinstance(reply.data, dict):
        return None, reply, path
    files = reply.data.get("files") or {}
    return {
        "health_percentage": reply.data.get("health_percentage"),
        "has_readme": files.get("readme") is not None,
        "has_contributing": files.get("contributing") is not None,
        "has_code_of_conduct": (files.get("code_of_conduct") or files.get("code_of_conduct_file")) is not None,
        "has_license": files.get("license") is not None,
        "has_issue_template": files.get("issue_template") is not None,
        "has_pr_template": files.get("pull_request_template") is not None,
    }, reply, path


def _fetch_releases(session: Session, project: Project, known: set[int], etag: str | None
                    ) -> tuple[list[dict], Reply | None, str]:
    """Releases newest first, stopping at the first one already stored (drafts ignored)."""
    path = f"/repos/{project.owner}/{project.name}/releases"
    params = {"per_page": PER_PAGE}
    key = _url_key(path, params)
    first = session.client.get(path, params, etag=etag, what=f"{project.slug} releases")
    if first.status == 304:
        return [], first, key
    found: list[dict] = []
    reply: Reply | None = first
    while reply is not None:
        stop = False
        for r in reply.data if isinstance(reply.data, list) else []:
            if r.get("id") in known:
                stop = True
                break
            if r.get("draft"):
                continue
            found.append({"project_id": project.id, "release_id": r.get("id"),
                          "tag": str(r.get("tag_name") or "")[:300], "name": (r.get("name") or None),
                          "created_at": ts(r.get("created_at")), "published_at": ts(r.get("published_at")),
                          "prerelease": bool(r.get("prerelease"))})
        nxt = None if stop else reply.link("next")
        reply = session.client.get(nxt, what=f"{project.slug} releases") if nxt else None
    return found, first, key


# -- issues and pull requests ---------------------------------------------------------------------
def _issue_row(project_id: int, item: dict[str, Any]) -> dict[str, Any]:
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


def _add_responses(session: Session, project: Project, rows: list[dict[str, Any]], store: Store,
                   progress) -> None:
    """Fill first responses: kept from the store when known, else one GraphQL query for the page."""
    if not rows:
        return
    numbers = [r["number"] for r in rows]
    marks = ", ".join("?" for _ in numbers)
    known = {r[0]: r[1:] for r in store.all(
        f"SELECT number, first_response_at, first_response_by, response_checked FROM github_issues"
        f" WHERE project_id = ? AND number IN ({marks})", [project.id, *numbers])}
    ask = []
    for r in rows:
        old = known.get(r["number"])
        if old and old[0] is not None:
            r["first_response_at"], r["first_response_by"], r["response_checked"] = old[0], old[1], True
        elif r["kind"] == "issue" and not r["comments"]:
            r["response_checked"] = True           # no comment at all: no response yet
        else:
            ask.append(r)
    if not ask or not session.client.authenticated:
        return
    data, errors = session.client.graphql(
        gql.responses_query([r["number"] for r in ask]), {"owner": project.owner, "name": project.name},
        what=f"{project.slug} first responses")
    repo = data.get("repository") or {}
    if errors:
        progress.warn(f"GraphQL: first responses partly unavailable ({_error_text(errors)})")
    for r in ask:
        node = repo.get(f"i{r['number']}")
        if not isinstance(node, dict):
            continue
        found = first_response(r["author_login"], gql.responders(node))
        r["response_checked"] = True
        if found:
            r["first_response_at"], r["first_response_by"] = ts(found[0]), found[1]


def _error_text(errors: list[dict]) -> str:
    msgs = sorted({str(e.get("message", e.get("type", "error")))[:120] for e in errors})
    return "; ".join(msgs[:3]) + (f" (+{len(msgs) - 3} more)" if len(msgs) > 3 else "")


def _collect_issues(ctx, session: Session, project: Project, state: dict[str, Any], meter,
                    last_update: datetime | None, has_items: bool | None) -> None:
    """Issues and PRs updated since the cursor, page by page; each page committed with the cursor.

    `last_update`/`has_items` come from GraphQL: when nothing was updated after the cursor the
    listing is not requested at all.
    """
    store, run, progress, client = ctx.store, ctx.run, ctx.progress, session.client
    full = bool(ctx.options.get("full"))
    path = f"/repos/{project.owner}/{project.name}/issues"
    since = None if full else state.get("issues_since")
    window_start = state.get("window_start")
    settled = window_start is None or bool(state.get("window_open_done"))
    if not full and settled and (has_items is False or (
            since is not None and last_update is not None and last_update <= since)):
        progress("issues and pull requests: nothing updated since the last collection")
        run.count("issues_skipped_unchanged")
        return
    created = ts(state.get("repo_created_at")) if isinstance(state.get("repo_created_at"), str) \
        else state.get("repo_created_at")
    if since is None:
        if session.window_days > 0 and not full and not (
                created is not None and created >= ctx.now - timedelta(days=session.window_days)):
            window_start = ctx.now - timedelta(days=session.window_days)
            progress(f"first collection: issues and pull requests updated in the last {session.window_days} "
                     f"days (since {window_start.date()}) plus every open one; "
                     "TRACKER_GITHUB_WINDOW_DAYS=0 reads the whole history")
            since = window_start
        else:
            window_start = None
    params: dict[str, Any] = {"state": "all", "sort": "updated", "direction": "asc", "per_page": PER_PAGE}
    if since is not None:
        params["since"] = iso_z(since)
    key = _url_key(path, params)
    reply = client.get(path, params, etag=None if full else _etag(store, project.id, key),
                       what=f"{project.slug} issues")
    if reply.status == 304:
        progress("issues and pull requests: unchanged (304)")
    pages = 0
    cursor = since
    while reply is not None and reply.status == 200:
        items = [i for i in reply.data if isinstance(i, dict) and "number" in i] \
            if isinstance(reply.data, list) else []
        rows = [_issue_row(project.id, i) for i in items]
        rows = [r for r in rows if r["created_at"] and r["updated_at"]]
        _add_responses(session, project, rows, store, progress)
        pages += 1
        if rows:
            newest = max(r["updated_at"] for r in rows)
            cursor = newest if cursor is None or newest > cursor else cursor
        with store.transaction():
            store.upsert("github_issues", rows, key=["project_id", "number"])
            if pages == 1:  # one validator per listing: the one for the current cursor
                store.execute("DELETE FROM github_etags WHERE project_id = ? AND starts_with(url, ?)",
                              [project.id, path + "?"])
                _save_etag(store, project.id, key, reply, ctx.now)
            _save_state(store, project.id, ctx.now, issues_since=cursor, window_start=window_start,
                        window_open_done=bool(state.get("window_open_done")) and not full,
                        github_id=state.get("github_id"))
            run.count("issues_prs_seen", len(rows))
            meter()
            run.save_cursor({"issues_since": iso_z(cursor) if cursor else None, "page": pages})
        nxt = reply.link("next")
        if nxt:
            progress(f"issues and pull requests: page {pages} stored ({len(rows)} items)")
        reply = client.get(nxt, what=f"{project.slug} issues") if nxt else None
    # Open items older than the window: read once, oldest first, until the window starts; not
    # needed when every open item GraphQL counts is already stored.
    if window_start is not None and not state.get("window_open_done") and not full:
        open_now = state.get("open_items")
        stored_open = store.scalar("SELECT count(*) FROM github_issues WHERE project_id = ? AND state = 'open'",
                                   [project.id])
        if open_now is not None and stored_open >= open_now:
            with store.transaction():
                store.execute("UPDATE github_state SET window_open_done = true WHERE project_id = ?",
                              [project.id])
        else:
            _collect_old_open(ctx, session, project, window_start, cursor, meter)


def _collect_old_open(ctx, session: Session, project: Project, window_start: datetime,
                      cursor: datetime | None, meter) -> None:
    store, progress = ctx.store, ctx.progress
    path = f"/repos/{project.owner}/{project.name}/issues"
    params = {"state": "open", "sort": "created", "direction": "asc", "per_page": PER_PAGE}
    reply: Reply | None = session.client.get(path, params, what=f"{project.slug} open issues")
    seen = 0
    while reply is not None:
        items = reply.data if isinstance(reply.data, list) else []
        rows = [_issue_row(project.id, i) for i in items if isinstance(i, dict) and "number" in i]
        old = [r for r in rows if r["created_at"] and r["updated_at"] and r["created_at"] < window_start]
        _add_responses(session, project, old, store, progress)
        with store.transaction():
            store.upsert("github_issues", old, key=["project_id", "number"])
            meter()
        seen += len(old)
        done = len(old) < len(rows)
        nxt = None if done else reply.link("next")
        reply = session.client.get(nxt, what=f"{project.slug} open issues") if nxt else None
    with store.transaction():
        store.execute("UPDATE github_state SET window_open_done = true WHERE project_id = ?", [project.id])
    if seen:
        progress(f"{seen} open items older than the window stored too")


# -- the collector --------------------------------------------------------------------------------
def collect(ctx, project: Project) -> None:
    """Bring the store's GitHub data for `project` up to date."""
    session = session_for(ctx)
    client = session.client
    client.say = ctx.progress
    run, progress = ctx.run, ctx.progress
    full = bool(ctx.options.get("full"))
    if not client.authenticated and not session.warned:
        progress.warn(UNAUTHENTICATED_HINT)
        session.warned = True
    req0, pts0, nm0 = client.requests, client.points, client.not_modified

    def meter() -> None:
        run.requests = client.requests - req0
        run.points = client.points - pts0
        run.counters["not_modified"] = client.not_modified - nm0

    try:
        _collect(ctx, session, project, full, meter)
    finally:
        meter()


def _collect(ctx, session: Session, project: Project, full: bool, meter) -> None:
    store, run, progress, now, client = ctx.store, ctx.run, ctx.progress, ctx.now, session.client
    state = _state(store, project.id)

    # 1. GraphQL (batched across projects); it also reveals renames.
    graph, graph_errors = (None, [])
    if client.authenticated:
        try:
            graph, graph_errors = _graph_for(ctx, session, project)
        except RateLimitStop:
            raise
        except CollectionError as exc:   # REST data is still worth having
            progress.warn(f"GraphQL unavailable, its fields stay unknown: {exc}")
            run.count("graphql_failed")
        if graph_errors and graph is not None:
            progress.warn(f"GraphQL returned partial data: {_error_text(graph_errors)}")
            run.count("graphql_errors", len(graph_errors))
    if graph and graph.get("nameWithOwner") and graph["nameWithOwner"].lower() != project.slug.lower():
        project = _renamed(store, project, graph["nameWithOwner"], progress)

    # 2. The repository (REST, conditional): 301 is followed, 404/451 are clear errors.
    path = f"/repos/{project.owner}/{project.name}"
    try:
        reply = client.get(path, etag=None if full else _etag(store, project.id, path), what=project.slug)
    except (NotFoundError, BlockedError) as exc:
        status = "not_found" if isinstance(exc, NotFoundError) else "blocked"
        with store.transaction():
            _save_state(store, project.id, now, status=status, detail=str(exc),
                        issues_since=state.get("issues_since"), window_start=state.get("window_start"),
                        github_id=state.get("github_id"))
        raise
    rest: dict[str, Any]
    if reply.status == 200:
        rest = _snapshot_from_rest(reply.data)
        if rest["full_name"] and rest["full_name"].lower() != project.slug.lower():
            client.count_extra_request()   # the 301 PyGithub followed
            old_path = path
            project = _renamed(store, project, rest["full_name"], progress)
            path = f"/repos/{project.owner}/{project.name}"
            with store.transaction():
                store.execute("DELETE FROM github_etags WHERE project_id = ? AND url = ?", [project.id, old_path])
    else:
        previous = _last_snapshot(store, project.id)
        rest = {k: previous.get(k) for k in _snapshot_from_rest({}) if k in previous}
        if isinstance(rest.get("topics"), str):
            rest["topics"] = json.loads(rest["topics"])
        run.count("not_modified_repo")

    parsed = gql.parse_repo(graph) if isinstance(graph, dict) else {}
    snapshot = {k: rest.get(k) for k in SNAPSHOT_COLUMNS}
    for k in SNAPSHOT_COLUMNS:
        value = parsed.get(k)
        if value is not None and k in ("created_at", "pushed_at", "updated_at"):
            value = ts(value)
        if value is not None:
            snapshot[k] = value
    empty = bool(parsed.get("is_empty")) if parsed.get("is_empty") is not None else None
    if snapshot["archived"]:
        progress("repository is archived (read-only on GitHub)")

    # 3. Contributors, community profile, releases: independent, fetched side by side.
    due = session.refresh_days
    def _is_due(when: datetime | None) -> bool:
        return full or when is None or now - when >= timedelta(days=due)

    # The store is read here, on this thread: a DuckDB connection is not shared between threads.
    known_releases = set() if full else {r[0] for r in store.all(
        "SELECT release_id FROM github_releases WHERE project_id = ?", [project.id])}
    skip_releases = not full and parsed.get("has_releases") is not None and (
        parsed.get("has_releases") is False or parsed.get("latest_release_id") in known_releases)

    def etag_of(url: str) -> str | None:
        return None if full else _etag(store, project.id, url)

    contributors_key = _url_key(f"{path}/contributors", {"anon": "1", "per_page": PER_PAGE})
    releases_key = _url_key(f"{path}/releases", {"per_page": PER_PAGE})
    jobs: dict[str, Any] = {}
    with ThreadPoolExecutor(max_workers=client.settings.max_concurrency) as pool:
        if _is_due(state.get("contributors_at")) and empty is not True:
            jobs["contributors"] = pool.submit(_fetch_contributors, session, project, etag_of(contributors_key))
        if _is_due(state.get("community_at")):
            jobs["community"] = pool.submit(_fetch_community, session, project,
                                            etag_of(community_path(project)))
        if not skip_releases:
            jobs["releases"] = pool.submit(_fetch_releases, session, project, known_releases,
                                           etag_of(releases_key))
        results = {name: job.result() for name, job in jobs.items()}

    contributors = results.get("contributors")
    if contributors is not None and contributors["top"]:
        _enrich_people(session, contributors["top"], progress)
    if empty is True:
        contributors = {"count": 0, "top": [], "reply": None, "key": None}

    # 4. Issues and pull requests (each page its own transaction with the cursor).
    if empty is not True:
        state = {**state, "repo_created_at": snapshot.get("created_at"),
                 "open_items": None if parsed.get("open_issues") is None or parsed.get("open_prs") is None
                 else parsed["open_issues"] + parsed["open_prs"]}
        _collect_issues(ctx, session, project, state, meter, ts(parsed.get("last_item_update")),
                        parsed.get("has_items"))
        state = _state(store, project.id)

    # 5. Everything else in one transaction, with the run's end.
    last = _last_snapshot(store, project.id)
    if contributors is not None:
        snapshot["contributors_count"] = contributors["count"]
    elif snapshot.get("contributors_count") is None:
        snapshot["contributors_count"] = last.get("contributors_count")
    if empty is not None:
        snapshot["is_empty"] = empty
    with store.transaction():
        row = {"project_id": project.id, "collected_at": now, **snapshot}
        row["topics"] = json.dumps(row["topics"]) if row["topics"] is not None else None
        store.upsert("github_repo_snapshots", [row], key=["project_id", "collected_at"])
        if reply.status == 200:
            _save_etag(store, project.id, path, reply, now)
        if parsed.get("funding_links") is not None:
            store.execute("DELETE FROM github_funding_links WHERE project_id = ?", [project.id])
            links = {(f["platform"], f["url"][:500]) for f in parsed["funding_links"]}
            store.upsert("github_funding_links", [
                {"project_id": project.id, "platform": p, "url": u, "collected_at": now} for p, u in sorted(links)
            ], key=["project_id", "platform", "url"])
        if parsed.get("sponsors") is not None:
            sp = dict(parsed["sponsors"])
            sp["tiers"] = json.dumps(sp["tiers"]) if sp["tiers"] is not None else None
            store.upsert("github_sponsors", [{"project_id": project.id, "collected_at": now, **sp}],
                         key=["project_id", "collected_at"])
        contributors_at = state.get("contributors_at")
        if contributors is not None:
            contributors_at = now
            if contributors.get("reply") is not None or contributors["count"] == 0:
                store.execute("DELETE FROM github_contributors WHERE project_id = ?", [project.id])
                store.upsert("github_contributors", [
                    {"project_id": project.id, **c, "organizations": json.dumps(c["organizations"])
                     if c["organizations"] is not None else None, "collected_at": now}
                    for c in contributors["top"]], key=["project_id", "rank"])
            if contributors.get("reply") is not None:
                _save_etag(store, project.id, contributors["key"], contributors["reply"], now)
        elif "contributors" in results:
            contributors_at = now   # 304: unchanged, checked now
        community_at = state.get("community_at")
        if "community" in results:
            community, creply, ckey = results["community"]
            community_at = now
            if community is not None:
                community["has_security_policy"] = snapshot.get("security_policy")
                store.upsert("github_community", [{"project_id": project.id, **community, "collected_at": now}],
                             key=["project_id"])
                _save_etag(store, project.id, ckey, creply, now)
        if "releases" in results:
            found, rreply, rkey = results["releases"]
            store.upsert("github_releases", [r for r in found if r["release_id"] is not None],
                         key=["project_id", "release_id"])
            if rreply is not None:
                _save_etag(store, project.id, rkey, rreply, now)
            run.count("releases_new", len(found))
        _save_state(store, project.id, now, status="empty" if empty else "ok",
                    detail="repository is empty" if empty else None,
                    github_id=snapshot.get("github_id"), issues_since=state.get("issues_since"),
                    window_start=state.get("window_start"),
                    window_open_done=bool(state.get("window_open_done")),
                    contributors_at=contributors_at, community_at=community_at)
        stored = store.scalar("SELECT count(*) FROM github_issues WHERE project_id = ?", [project.id])
        run.counters.update(issues_prs_stored=int(stored))
        meter()
        run.save_cursor({"issues_since": iso_z(state["issues_since"]) if state.get("issues_since") else None})
        run.finish("ok")
    progress(f"done: {snapshot.get('stars') if snapshot.get('stars') is not None else '?'} stars, "
             f"{stored:,} issues/PRs stored, {run.requests} requests, {run.points} GraphQL points")


def _renamed(store: Store, project: Project, new_slug: str, progress) -> Project:
    renamed = registry.rename(store, project, new_slug)
    progress(f"{project.slug} was renamed or transferred to {renamed.slug}: registry updated, history kept")
    return renamed


SOURCE = Source(
    name="github",
    description="GitHub: repository, releases, issues/PRs with first responses, contributors, "
                "community profile, funding links, Sponsors",
    collect=collect,
    order=20,
)
