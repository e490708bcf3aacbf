"""The GitHub source: repository snapshot, releases, issues and pull requests with first responses,
contributors and their organisations, community profile, funding links and the owner's Sponsors data.

Frugal by design (see docs/performance.md for the measured request counts):

* GraphQL brings many repositories' counters, funding links and Sponsors data in one aliased query
  (`graphql.BATCH` per query) for the run's next projects, kept in the run's session;
* REST calls are conditional (ETag per URL in `github_etags`): an unchanged resource costs a 304;
* issues and pull requests come from one listing with `since=` (updated-at cursor); each page is a
  batch of its own, saved with the cursor in its own transaction, so a killed run resumes where it
  stopped; first responses come from one aliased GraphQL query per page;
* releases stop at the first one already stored, and are skipped when GraphQL says the newest one
  is known; contributors and the community profile are re-read only every few days;
* the first collection of a huge project is bounded to a window (default: the last 2 years of
  issue activity, plus every still-open issue) and says so.

Partial results: the batch has parts `graphql` (the repository's GraphQL fields), `rest` (the
repository), `releases`, `issues`, `contributors`, `community`, `organisations` (the top
contributors' company and organisations, GraphQL) and `first_responses` (GraphQL). A part that
fails (GraphQL down or rejecting its query, a listing that keeps failing) is recorded with its
reason, what arrived is saved, and the run is `partial`; a GraphQL query that is rejected fails
only the part it was for.
A repository that is gone (404) or blocked (451) is recorded as such and the run is an error.
`state` reads everything the fetch needs beforehand; the fetch touches no store.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from collectors import SKIPPED, UNCHANGED, Batch, FetchContext
from collectors.github import graphql as gql
from collectors.github.app import OwnerClients
from collectors.github.client import (
    UNAUTHENTICATED_HINT,
    BlockedError,
    EmptyRepositoryError,
    GitHubClient,
    NotFoundError,
)
from collectors.github.parse import (
    PER_PAGE,
    SNAPSHOT_COLUMNS,
    community_from,
    contributor_rows,
    first_response,
    iso_z,
    issue_row,
    page_number,
    release_row,
    snapshot_from_rest,
    ts,
    url_key,
)
from collectors.http import PaginationStopped, RateLimitStop, Response
from tracker import registry
from tracker.errors import CollectionError
from tracker.registry import Project
from tracker.store import Store
from tracker.windows import YEAR

DEFAULT_WINDOW_DAYS = 730        # first collection: issue activity of the last 2 years
DEFAULT_REFRESH_DAYS = 7         # contributors and community profile re-read this often
TOP_CONTRIBUTORS = 30            # whose company/organisations are looked up
GRAPH_FRESH_SECONDS = 900        # a batched GraphQL answer older than this is fetched again
_RESPONSE_COLUMNS = ("first_response_at", "first_response_by", "response_checked")
_ISSUE_COLUMNS = ["project_id", "number", "kind", "state", "author_login", "author_is_bot",
                  "author_association", "created_at", "updated_at", "closed_at", "merged_at", "comments",
                  "first_response_at", "first_response_by", "response_checked"]


def _int_env(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return max(0, int(raw))
    except ValueError:
        raise CollectionError(f"{name}={raw!r} is not a whole number") from None


# -- the run's session --------------------------------------------------------------------------
@dataclass
class GraphEntry:
    fetched: float
    node: dict[str, Any] | None
    errors: list[dict[str, Any]]


@dataclass
class Session:
    """What GitHub's fetches of one run share: the clients (one per token: GITHUB_TOKEN's, and a
    GitHub App installation's per owner that installed it) and the batched GraphQL answers."""

    clients: OwnerClients
    clock: Callable[[], float]
    projects: list[Project] = field(default_factory=list)   # the run's projects, batched in GraphQL
    window_days: int = DEFAULT_WINDOW_DAYS
    refresh_days: int = DEFAULT_REFRESH_DAYS
    graph: dict[int, GraphEntry] = field(default_factory=dict)
    collected: set[int] = field(default_factory=set)
    warned: bool = False

    @property
    def client(self) -> GitHubClient:
        """The default client (GITHUB_TOKEN, or none)."""
        return self.clients.default

    def client_for(self, owner: str, progress) -> GitHubClient:
        """The client whose token may be used for `owner`'s repositories."""
        return self.clients.client(owner, progress.warn)

    def graph_for(self, project: Project, now: datetime, progress, client: GitHubClient
                  ) -> tuple[dict | None, list[dict]]:
        """This project's repository node, from a batched query for it and the run's next projects
        whose repositories are asked with the same token (`client`'s)."""
        entry = self.graph.pop(project.id, None)
        if entry is not None and self.clock() - entry.fetched <= GRAPH_FRESH_SECONDS:
            return entry.node, entry.errors
        token = self.clients.key(project.owner)
        others = [p for p in self.projects
                  if p.id != project.id and p.id not in self.collected
                  and (p.id not in self.graph or self.clock() - self.graph[p.id].fetched > GRAPH_FRESH_SECONDS)
                  and self.clients.key(p.owner) == token]
        batch = [project, *others[: gql.BATCH - 1]]
        query, variables = gql.repos_query([(p.owner, p.name) for p in batch], iso_z(YEAR.start(now)))
        data, errors = client.graphql(query, variables, what=f"GraphQL batch of {len(batch)} repositories")
        fetched = self.clock()
        for i, p in enumerate(batch):
            self.graph[p.id] = GraphEntry(fetched, data.get(f"r{i}"), gql.errors_for(errors, f"r{i}"))
        if len(batch) > 1:
            progress(f"GraphQL: one query for {len(batch)} repositories")
        entry = self.graph.pop(project.id)
        return entry.node, entry.errors

    def close(self) -> None:
        self.clients.close()


def open_session(run) -> Session:
    """The run's GitHub session. `run.options["github"]` may set window_days and refresh_days
    (else TRACKER_GITHUB_WINDOW_DAYS / TRACKER_GITHUB_REFRESH_DAYS, else the defaults)."""
    opts = run.options.get("github") or {}
    window = opts.get("window_days")
    refresh = opts.get("refresh_days")
    return Session(
        OwnerClients(run.config, run.http), run.http.clock, list(run.projects),
        window_days=_int_env("TRACKER_GITHUB_WINDOW_DAYS", DEFAULT_WINDOW_DAYS) if window is None else window,
        refresh_days=_int_env("TRACKER_GITHUB_REFRESH_DAYS", DEFAULT_REFRESH_DAYS) if refresh is None else refresh)


# -- prior state --------------------------------------------------------------------------------
@dataclass
class Prior:
    """What the fetch needs from the store, read beforehand (plain data)."""

    state: dict[str, Any]                       # the github_state row ({} before the first run)
    etags: dict[str, str]                       # URL key -> validator of its last 200
    last_snapshot: dict[str, Any]               # the latest snapshot (for a 304 on the repository)
    known_releases: set[int]
    responded: set[int]                         # issue numbers whose first response is stored
    stored_open: set[int] | None = None         # open issue numbers, while the first window is open


def state(store: Store, project: Project) -> Prior:
    pid = project.id
    rows = store.dicts("SELECT * FROM github_state WHERE project_id = ?", [pid])
    row = rows[0] if rows else {}
    snaps = store.dicts("SELECT * FROM github_repo_snapshots WHERE project_id = ? ORDER BY collected_at DESC LIMIT 1",
                        [pid])
    stored_open = None
    if not row or (row.get("window_start") is not None and not row.get("window_open_done")):
        stored_open = {n for (n,) in store.all(
            "SELECT number FROM github_issues WHERE project_id = ? AND state = 'open'", [pid])}
    return Prior(
        state=row,
        etags=dict(store.all("SELECT url, etag FROM github_etags WHERE project_id = ?", [pid])),
        last_snapshot=snaps[0] if snaps else {},
        known_releases={r for (r,) in store.all("SELECT release_id FROM github_releases WHERE project_id = ?", [pid])},
        responded={n for (n,) in store.all("SELECT number FROM github_issues WHERE project_id = ?"
                                           " AND first_response_at IS NOT NULL", [pid])},
        stored_open=stored_open)


# -- batches ------------------------------------------------------------------------------------
@dataclass
class IssuePage:
    """One page of issues and pull requests, saved in its own transaction with the cursor."""

    collected_at: datetime
    rows: list[dict[str, Any]]
    keep_response: set[int] = field(default_factory=set)   # numbers whose stored first response stands
    state: dict[str, Any] | None = None                     # github_state columns to write
    etag: tuple[str, str] | None = None                     # (URL key, validator) of the listing
    etag_prefix: str | None = None                          # older validators of the listing to drop


@dataclass
class RepoData:
    """Everything else, saved with the run's end."""

    collected_at: datetime
    status: str = "ok"                  # ok | empty | not_found | blocked
    detail: str | None = None
    renamed_to: str | None = None
    old_path: str | None = None         # ETag key of the repository under its old name
    github_id: int | None = None
    snapshot: dict[str, Any] | None = None
    etags: list[tuple[str, str]] = field(default_factory=list)
    funding_links: list[dict[str, str]] | None = None
    sponsors: dict[str, Any] | None = None
    contributors: list[dict[str, Any]] | None = None       # replace the stored top contributors
    contributors_at: datetime | None = None
    community: dict[str, Any] | None = None
    community_at: datetime | None = None
    releases: list[dict[str, Any]] = field(default_factory=list)


# -- fetching pieces ----------------------------------------------------------------------------
def _graphql_failed(batch: Batch, progress, exc: Exception, what: str, part: str = "graphql") -> None:
    batch.fail(part, str(exc))
    batch.counters["graphql_failed"] = batch.counters.get("graphql_failed", 0) + 1
    progress.warn(f"GraphQL unavailable for {what}, its fields stay unknown: {exc}")


def _fetch_contributors(client: GitHubClient, project: Project, etag: str | None) -> dict[str, Any] | None:
    """Contributor count (anonymous included) and the top contributors; None when unchanged (304)."""
    path = f"/repos/{project.owner}/{project.name}/contributors"
    params = {"anon": "1", "per_page": PER_PAGE}
    key = url_key(path, params)
    try:
        first = client.get(path, params, etag=etag, what=f"{project.slug} contributors")
    except EmptyRepositoryError:
        return {"count": 0, "top": [], "etag": None}
    if first.status == 304:
        return None
    people = first.data if isinstance(first.data, list) else []
    count: int | None = len(people)
    last_url = first.link("last")
    if last_url:
        last = client.get(last_url, what=f"{project.slug} contributors (last page)")
        pages = page_number(last_url)
        tail = last.data if isinstance(last.data, list) else []
        count = PER_PAGE * (pages - 1) + len(tail) if pages else None
    return {"count": count, "top": contributor_rows(people),
            "etag": (key, first.etag) if first.status == 200 and first.etag else None}


def _enrich_people(client: GitHubClient, top: list[dict[str, Any]], progress) -> None:
    """Company and public organisations of the top human contributors, in one GraphQL query."""
    people = [c for c in top if c["kind"] == "User" and c["login"]][:TOP_CONTRIBUTORS]
    if not people or not client.authenticated:
        return
    query, variables = gql.users_query([c["login"] for c in people])
    data, errors = client.graphql(query, variables, what="contributors' organisations")
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


def _fetch_community(client: GitHubClient, project: Project, etag: str | None
                     ) -> tuple[dict | None, tuple[str, str] | None]:
    """(community profile or None, its validator); None without a profile (404) or unchanged (304)."""
    path = community_path(project)
    try:
        reply = client.get(path, etag=etag, what=f"{project.slug} community profile")
    except NotFoundError:
        return None, None
    if reply.status != 200 or not isinstance(reply.data, dict):
        return None, None
    return community_from(reply.data), (path, reply.etag) if reply.etag else None


def _fetch_releases(client: GitHubClient, project: Project, known: set[int], etag: str | None
                    ) -> tuple[list[dict], tuple[str, str] | None, str | None]:
    """Releases newest first, stopping at the first one already stored (drafts ignored).
    Returns (rows, validator of the listing, why the listing was cut short if it was)."""
    path = f"/repos/{project.owner}/{project.name}/releases"
    params = {"per_page": PER_PAGE}
    key = url_key(path, params)
    found: list[dict] = []
    first: Response | None = None
    try:
        for reply in client.pages(path, params, etag=etag, what=f"{project.slug} releases"):
            first = first or reply
            if reply.status == 304:
                break
            stop = False
            for r in reply.data if isinstance(reply.data, list) else []:
                if r.get("id") in known:
                    stop = True
                    break
                if not r.get("draft"):
                    found.append(release_row(project.id, r))
            if stop:
                break
    except PaginationStopped as exc:
        return found, None, str(exc)
    validator = (key, first.etag) if first is not None and first.status == 200 and first.etag else None
    return found, validator, None


def _responses(client: GitHubClient, project: Project, rows: list[dict[str, Any]], responded: set[int],
               progress) -> set[int]:
    """Fill first responses of a page: stored ones are kept (their numbers are returned), the
    others are asked in one GraphQL query. Raises CollectionError when GraphQL fails."""
    keep: set[int] = set()
    ask = []
    for r in rows:
        if r["number"] in responded:
            keep.add(r["number"])
        elif r["kind"] == "issue" and not r["comments"]:
            r["response_checked"] = True           # no comment at all: no response yet
        else:
            ask.append(r)
    if not ask or not client.authenticated:
        return keep
    data, errors = client.graphql(
        gql.responses_query([r["number"] for r in ask]), {"owner": project.owner, "name": project.name},
        what=f"{project.slug} first responses")
    repo = data.get("repository") or {}
    if errors and not repo:
        raise CollectionError(f"{project.slug} first responses: GitHub GraphQL answered no repository "
                              f"({client.http.redact(_error_text(errors))})")
    if errors:
        progress.warn(f"GraphQL: first responses partly unavailable ({client.http.redact(_error_text(errors))})")
    for r in ask:
        node = repo.get(f"i{r['number']}")
        if not isinstance(node, dict):
            continue
        found = first_response(r["author_login"], gql.responders(node))
        r["response_checked"] = True
        if found:
            r["first_response_at"], r["first_response_by"] = ts(found[0]), found[1]
    return keep


def _error_text(errors: list[dict]) -> str:
    msgs = sorted({str(e.get("message", e.get("type", "error")))[:120] for e in errors})
    return "; ".join(msgs[:3]) + (f" (+{len(msgs) - 3} more)" if len(msgs) > 3 else "")


@dataclass
class _Listing:
    """Where the issue listing of this fetch stands."""

    since: datetime | None
    window_start: datetime | None
    window_open_done: bool
    github_id: int | None
    seen: int = 0
    pages: int = 0
    graphql_ok: bool = True

    def state(self, now: datetime, **extra: Any) -> dict[str, Any]:
        return {"collected_at": now, "status": "ok", "issues_since": self.since,
                "window_start": self.window_start, "window_open_done": self.window_open_done,
                "github_id": self.github_id, **extra}

    def cursor(self) -> dict[str, Any]:
        return {"issues_since": iso_z(self.since) if self.since else None, "page": self.pages}


def _page_rows(client: GitHubClient, project: Project, items: Any, prior: Prior, batch: Batch, progress,
               listing: _Listing) -> tuple[list[dict[str, Any]], set[int]]:
    rows = [issue_row(project.id, i) for i in items if isinstance(i, dict) and "number" in i] \
        if isinstance(items, list) else []
    rows = [r for r in rows if r["created_at"] and r["updated_at"]]
    keep: set[int] = set()
    try:
        keep = _responses(client, project, rows, prior.responded, progress)
    except RateLimitStop:
        raise
    except CollectionError as exc:   # the page is still worth saving; its first responses stay unknown
        keep = {r["number"] for r in rows if r["number"] in prior.responded}
        if listing.graphql_ok:
            _graphql_failed(batch, progress, exc, "first responses", "first_responses")
        listing.graphql_ok = False
    return rows, keep


def _issue_pages(ctx: FetchContext, session: Session, project: Project, prior: Prior, batch: Batch,
                 listing: _Listing, repo_created: datetime | None, open_items: int | None,
                 last_update: datetime | None, has_items: bool | None) -> Iterator[Batch]:
    """Issues and PRs updated since the cursor, page by page: one batch (and transaction) per page.

    `last_update`/`has_items` come from GraphQL: when nothing was updated after the cursor the
    listing is not requested at all.
    """
    client, progress, now, full = session.client_for(project.owner, ctx.progress), ctx.progress, ctx.now, ctx.full
    path = f"/repos/{project.owner}/{project.name}/issues"
    settled = listing.window_start is None or listing.window_open_done
    if not full and settled and (has_items is False or (
            listing.since is not None and last_update is not None and last_update <= listing.since)):
        progress("issues and pull requests: nothing updated since the last collection")
        batch.counters["issues_skipped_unchanged"] = 1
        batch.ok("issues", UNCHANGED)
        return
    if listing.since is None:
        if session.window_days > 0 and not full and not (
                repo_created is not None and repo_created >= now - timedelta(days=session.window_days)):
            listing.window_start = now - timedelta(days=session.window_days)
            progress(f"first collection: issues and pull requests updated in the last {session.window_days} "
                     f"days (since {listing.window_start.date()}) plus every open one; "
                     "TRACKER_GITHUB_WINDOW_DAYS=0 reads the whole history")
            listing.since = listing.window_start
        else:
            listing.window_start = None
    params: dict[str, Any] = {"state": "all", "sort": "updated", "direction": "asc", "per_page": PER_PAGE}
    if listing.since is not None:
        params["since"] = iso_z(listing.since)
    key = url_key(path, params)
    open_now = set(prior.stored_open or ())
    listing.window_open_done = listing.window_open_done and not full
    for reply in client.pages(path, params, etag=None if full else prior.etags.get(key),
                              what=f"{project.slug} issues"):
        if reply.status == 304:
            progress("issues and pull requests: unchanged (304)")
            batch.ok("issues", UNCHANGED)
            return
        rows, keep = _page_rows(client, project, reply.data, prior, batch, progress, listing)
        listing.pages += 1
        if rows:
            newest = max(r["updated_at"] for r in rows)
            listing.since = newest if listing.since is None or newest > listing.since else listing.since
        for r in rows:
            (open_now.add if r["state"] == "open" else open_now.discard)(r["number"])
        listing.seen += len(rows)
        first = listing.pages == 1
        yield Batch(IssuePage(now, rows, keep, listing.state(now),
                              (key, reply.etag) if first and reply.status == 200 and reply.etag else None,
                              path + "?" if first else None),
                    final=False, cursor=listing.cursor(), counters={"issues_prs_seen": listing.seen})
        if reply.link("next"):
            progress(f"issues and pull requests: page {listing.pages} stored ({len(rows)} items)")
    batch.ok("issues")
    # Open items older than the window: read once, oldest first, until the window starts; not
    # needed when every open item GraphQL counts is already stored.
    if listing.window_start is not None and not listing.window_open_done and not full:
        if open_items is None or len(open_now) < open_items:
            yield from _old_open_pages(ctx, session, project, prior, batch, listing)
        listing.window_open_done = True
        yield Batch(IssuePage(now, [], set(), listing.state(now)), final=False, cursor=listing.cursor())


def _old_open_pages(ctx: FetchContext, session: Session, project: Project, prior: Prior, batch: Batch,
                    listing: _Listing) -> Iterator[Batch]:
    client, now = session.client_for(project.owner, ctx.progress), ctx.now
    window_start = listing.window_start
    assert window_start is not None
    path = f"/repos/{project.owner}/{project.name}/issues"
    params = {"state": "open", "sort": "created", "direction": "asc", "per_page": PER_PAGE}
    seen = 0
    for reply in client.pages(path, params, what=f"{project.slug} open issues"):
        rows, _ = _page_rows(client, project, reply.data, prior, batch, ctx.progress, listing)
        old = [r for r in rows if r["created_at"] < window_start]
        seen += len(old)
        yield Batch(IssuePage(now, old, {r["number"] for r in old if r["number"] in prior.responded}),
                    final=False, cursor=listing.cursor())
        if len(old) < len(rows):
            break
    if seen:
        ctx.progress(f"{seen} open items older than the window stored too")


def _moved(project: Project, slug: str) -> Project:
    owner, name = slug.split("/", 1)
    return replace(project, slug=slug, owner=owner, name=name)


# -- the fetch ----------------------------------------------------------------------------------
def fetch(ctx: FetchContext, project: Project, prior: Prior) -> Iterator[Batch]:
    """Batches for `project`: one per issue page, then the rest (the final batch)."""
    session: Session = ctx.session
    progress, now, full = ctx.progress, ctx.now, ctx.full
    client = session.client_for(project.owner, progress)
    session.collected.add(project.id)
    if not client.authenticated and not session.warned:
        app = session.clients.app is not None
        progress.warn((f"owner '{project.owner}' has not installed the GitHub App (GITHUB_APP_ID), and "
                       if app else "") + UNAUTHENTICATED_HINT)
        session.warned = True
    not_modified0 = client.http.not_modified
    st = prior.state
    data = RepoData(now, github_id=st.get("github_id"))
    batch = Batch(data)
    slug0 = project.slug

    # 1. GraphQL (batched across the run's projects); it also reveals renames.
    graph, graph_errors = None, []
    if client.authenticated:
        try:
            graph, graph_errors = session.graph_for(project, now, progress, client)
            batch.ok("graphql")
        except RateLimitStop:
            raise
        except CollectionError as exc:   # REST data is still worth having
            _graphql_failed(batch, progress, exc, "the repository")
        if graph_errors and graph is not None:
            progress.warn(f"GraphQL returned partial data: {client.http.redact(_error_text(graph_errors))}")
            batch.counters["graphql_errors"] = len(graph_errors)
        elif graph_errors:   # this repository's node is null: its fields did not arrive
            _graphql_failed(batch, progress, CollectionError(
                f"GitHub GraphQL answered no repository ({client.http.redact(_error_text(graph_errors))})"),
                "the repository")
    else:
        batch.ok("graphql", SKIPPED)
    if graph and graph.get("nameWithOwner") and graph["nameWithOwner"].lower() != project.slug.lower():
        data.renamed_to = graph["nameWithOwner"]
        project = _moved(project, data.renamed_to)
        client = session.client_for(project.owner, progress)   # its new owner's token from now on

    # 2. The repository (REST, conditional): 301 is followed, 404/451 are clear errors.
    path = f"/repos/{project.owner}/{project.name}"
    rest: dict[str, Any] = {}
    reply: Response | None = None
    try:
        reply = client.get(path, etag=None if full else prior.etags.get(path), what=project.slug)
    except (NotFoundError, BlockedError) as exc:
        data.status = "not_found" if isinstance(exc, NotFoundError) else "blocked"
        data.detail = str(exc)
        batch.error = str(exc)
        yield batch
        return
    except RateLimitStop:
        raise
    except CollectionError as exc:
        batch.fail("rest", str(exc))
        progress.warn(f"repository details (REST) unavailable: {exc}")
    if reply is not None and reply.status == 200:
        batch.ok("rest")
        rest = snapshot_from_rest(reply.data if isinstance(reply.data, dict) else {})
        if rest["full_name"] and rest["full_name"].lower() != project.slug.lower():
            client.count_extra_request()   # the 301 PyGithub followed
            data.old_path = path
            data.renamed_to = rest["full_name"]
            project = _moved(project, rest["full_name"])
            client = session.client_for(project.owner, progress)
            path = f"/repos/{project.owner}/{project.name}"
        if reply.etag:
            data.etags.append((path, reply.etag))
    elif reply is not None:
        batch.ok("rest", UNCHANGED)
        previous = prior.last_snapshot
        rest = {k: previous.get(k) for k in snapshot_from_rest({}) if k in previous}
        if isinstance(rest.get("topics"), str):
            rest["topics"] = json.loads(rest["topics"])
        batch.counters["not_modified_repo"] = 1
    if data.renamed_to:
        progress(f"{slug0} was renamed or transferred to {data.renamed_to}: registry updated, history kept")

    parsed = gql.parse_repo(graph) if isinstance(graph, dict) else {}
    snapshot: dict[str, Any] = {k: rest.get(k) for k in SNAPSHOT_COLUMNS}
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
    def due(when: datetime | None) -> bool:
        return full or when is None or now - when >= timedelta(days=session.refresh_days)

    known = set() if full else prior.known_releases
    skip_releases = not full and parsed.get("has_releases") is not None and (
        parsed.get("has_releases") is False or parsed.get("latest_release_id") in known)

    def etag_of(url: str) -> str | None:
        return None if full else prior.etags.get(url)

    # Without a token GitHub allows 60 requests an hour: they go to the repository and its releases
    # (one or two requests a project); contributors, the community profile and the issue listing
    # (many pages) wait for a token instead of spending the hour on a few projects.
    anonymous = not client.authenticated
    jobs: dict[str, Any] = {}
    with ThreadPoolExecutor(max_workers=client.settings.max_concurrency) as pool:
        if due(st.get("contributors_at")) and empty is not True and not anonymous:
            jobs["contributors"] = pool.submit(_fetch_contributors, client, project, etag_of(
                url_key(f"{path}/contributors", {"anon": "1", "per_page": PER_PAGE})))
        if due(st.get("community_at")) and not anonymous:
            jobs["community"] = pool.submit(_fetch_community, client, project, etag_of(community_path(project)))
        if not skip_releases:
            jobs["releases"] = pool.submit(_fetch_releases, client, project, known,
                                           etag_of(url_key(f"{path}/releases", {"per_page": PER_PAGE})))
        results: dict[str, Any] = {}
        for name, job in jobs.items():
            try:
                results[name] = job.result()
            except RateLimitStop:
                raise
            except CollectionError as exc:
                batch.fail(name, str(exc))
                progress.warn(f"{name} unavailable: {exc}")
    for name in ("contributors", "community", "releases"):
        if name not in jobs:
            batch.ok(name, SKIPPED)

    contributors = results.get("contributors")
    if "contributors" in results:
        batch.ok("contributors", UNCHANGED if contributors is None else "ok")
    if contributors is not None and contributors["top"]:
        try:
            _enrich_people(client, contributors["top"], progress)
        except RateLimitStop:
            raise
        except CollectionError as exc:
            _graphql_failed(batch, progress, exc, "contributors' organisations", "organisations")
    if empty is True:
        contributors = {"count": 0, "top": [], "etag": None}

    # 4. Issues and pull requests: each page its own batch, saved with the cursor.
    listing = _Listing(None if full else st.get("issues_since"), st.get("window_start"),
                       bool(st.get("window_open_done")), st.get("github_id"))
    if empty is not True and not anonymous:
        open_items = None if parsed.get("open_issues") is None or parsed.get("open_prs") is None \
            else parsed["open_issues"] + parsed["open_prs"]
        try:
            yield from _issue_pages(ctx, session, project, prior, batch, listing, snapshot.get("created_at"),
                                    open_items, ts(parsed.get("last_item_update")), parsed.get("has_items"))
        except RateLimitStop:
            raise
        except CollectionError as exc:
            batch.fail("issues", str(exc))
            progress.warn(f"issues and pull requests: stopped ({exc}); what was read is stored, the next "
                          "run continues from there")
    else:
        batch.ok("issues", SKIPPED)

    # 5. Everything else, with the run's end.
    last = prior.last_snapshot
    if contributors is not None:
        snapshot["contributors_count"] = contributors["count"]
    elif snapshot.get("contributors_count") is None:
        snapshot["contributors_count"] = last.get("contributors_count")
    if empty is not None:
        snapshot["is_empty"] = empty
    if rest or graph:
        data.snapshot = snapshot
        data.github_id = snapshot.get("github_id") or data.github_id
    data.status = "empty" if empty else "ok"
    data.detail = "repository is empty" if empty else None
    data.funding_links = parsed.get("funding_links")
    data.sponsors = parsed.get("sponsors")
    data.contributors_at = st.get("contributors_at")
    if contributors is not None:
        data.contributors_at = now
        if contributors.get("etag") is not None or contributors["count"] == 0 or contributors["top"]:
            data.contributors = contributors["top"]
        if contributors.get("etag"):
            data.etags.append(contributors["etag"])
    elif "contributors" in results:
        data.contributors_at = now   # 304: unchanged, checked now
    data.community_at = st.get("community_at")
    if "community" in results:
        community, validator = results["community"]
        data.community_at = now
        batch.ok("community", "ok" if community is not None else UNCHANGED)
        if community is not None:
            community["has_security_policy"] = snapshot.get("security_policy")
            data.community = community
            if validator:
                data.etags.append(validator)
    if "releases" in results:
        found, validator, cut = results["releases"]
        data.releases = [r for r in found if r["release_id"] is not None]
        if validator:
            data.etags.append(validator)
        if cut:
            batch.fail("releases", cut)
        else:
            batch.ok("releases")
        batch.counters["releases_new"] = len(found)
    batch.counters["not_modified"] = client.http.not_modified - not_modified0
    batch.cursor = {"issues_since": iso_z(listing.since) if listing.since else None}
    yield batch


# -- saving -------------------------------------------------------------------------------------
def save(store: Store, project: Project, batch: Batch) -> dict[str, Any] | None:
    """A page of issues, or the rest of the project's data (inside the run's transaction).
    Idempotent: every write is an upsert on its natural key or a replacement of the project's rows."""
    if isinstance(batch.data, IssuePage):
        _save_page(store, project, batch.data)
        return None
    if batch.status == "error" and batch.data.status not in ("not_found", "blocked"):
        return None   # nothing arrived: the stored data stays as it was
    return _save_repo(store, project, batch.data)


def _save_state(store: Store, project_id: int, values: dict[str, Any]) -> None:
    """Upsert the given github_state columns (the others keep their stored values)."""
    store.upsert("github_state", [{"project_id": project_id, **values}], key=["project_id"])


def _save_page(store: Store, project: Project, page: IssuePage) -> None:
    keep = [r for r in page.rows if r["number"] in page.keep_response]
    other = [r for r in page.rows if r["number"] not in page.keep_response]
    store.upsert("github_issues", other, key=["project_id", "number"])
    store.upsert("github_issues", keep, key=["project_id", "number"],
                 update=[c for c in _ISSUE_COLUMNS if c not in _RESPONSE_COLUMNS])
    if page.etag_prefix:  # one validator per listing: the one for the current cursor
        store.execute("DELETE FROM github_etags WHERE project_id = ? AND starts_with(url, ?)",
                      [project.id, page.etag_prefix])
    if page.etag:
        store.upsert("github_etags", [dict(project_id=project.id, url=page.etag[0], etag=page.etag[1],
                                           fetched_at=page.collected_at)], key=["project_id", "url"])
    if page.state is not None:
        _save_state(store, project.id, page.state)


def _save_repo(store: Store, project: Project, d: RepoData) -> dict[str, Any]:
    now = d.collected_at
    if d.renamed_to:
        registry.rename(store, project, d.renamed_to)
        if d.old_path:
            store.execute("DELETE FROM github_etags WHERE project_id = ? AND url = ?", [project.id, d.old_path])
    if d.status in ("not_found", "blocked"):
        _save_state(store, project.id, {"collected_at": now, "status": d.status, "detail": d.detail,
                                        "github_id": d.github_id})
        return {}
    if d.snapshot is not None:
        row = {"project_id": project.id, "collected_at": now, **d.snapshot}
        row["topics"] = json.dumps(row["topics"]) if row["topics"] is not None else None
        store.upsert("github_repo_snapshots", [row], key=["project_id", "collected_at"])
    if d.etags:
        store.upsert("github_etags", [dict(project_id=project.id, url=url, etag=etag, fetched_at=now)
                                      for url, etag in dict(d.etags).items()], key=["project_id", "url"])
    if d.funding_links is not None:
        store.execute("DELETE FROM github_funding_links WHERE project_id = ?", [project.id])
        links = {(f["platform"], f["url"][:500]) for f in d.funding_links}
        store.upsert("github_funding_links", [
            {"project_id": project.id, "platform": p, "url": u, "collected_at": now} for p, u in sorted(links)
        ], key=["project_id", "platform", "url"])
    if d.sponsors is not None:
        sp = dict(d.sponsors)
        sp["tiers"] = json.dumps(sp["tiers"]) if sp["tiers"] is not None else None
        store.upsert("github_sponsors", [{"project_id": project.id, "collected_at": now, **sp}],
                     key=["project_id", "collected_at"])
    if d.contributors is not None:
        store.execute("DELETE FROM github_contributors WHERE project_id = ?", [project.id])
        store.upsert("github_contributors", [
            {"project_id": project.id, **c, "organizations": json.dumps(c["organizations"])
             if c["organizations"] is not None else None, "collected_at": now}
            for c in d.contributors], key=["project_id", "rank"])
    if d.community is not None:
        store.upsert("github_community", [{"project_id": project.id, **d.community, "collected_at": now}],
                     key=["project_id"])
    store.upsert("github_releases", d.releases, key=["project_id", "release_id"])
    _save_state(store, project.id, {"collected_at": now, "status": d.status, "detail": d.detail,
                                    "github_id": d.github_id, "contributors_at": d.contributors_at,
                                    "community_at": d.community_at})
    stored = store.scalar("SELECT count(*) FROM github_issues WHERE project_id = ?", [project.id])
    return {"issues_prs_stored": int(stored)}


def summary(batch: Batch, counters: dict[str, Any]) -> str | None:
    d = batch.data
    if not isinstance(d, RepoData) or d.status in ("not_found", "blocked"):
        return None
    stars = (d.snapshot or {}).get("stars")
    return (f"{stars if stars is not None else '?'} stars, {counters.get('issues_prs_stored', 0):,} "
            "issues/PRs stored")
