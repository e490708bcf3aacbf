"""The funding source: channels, plans and history of a project from every source we hold.

* FUNDING.yml and funding.json from the git source's `repo_files` (kinds funding_yml,
  funding_json), parsed by collectors.funding.files (problems recorded in `funding_manifests`);
  a FUNDING.yml the git source took from the owner's `.github` repository (the repository has
  none of its own: GitHub shows the organisation's) counts like the repository's own, its channels
  with source `org_funding_yml` and its manifest under the path 'owner/.github/FUNDING.yml';
* GitHub's `github_funding_links` and latest `github_sponsors` row: links and the Sponsors listing
  become channels, Sponsors tiers become plans (guid `github-sponsors/N`, USD);
* the Open Collective slug given in projects.yaml.
`state` reads those rows, `fetch` parses and derives (no store), `save` replaces the project's
channels, plans and history as a whole (as last seen). Each channel row carries `identity`, the
rule that makes two channels from different sources the same ("platform:account" in lower case,
else "platform:normalised URL"), so readers count distinct channels in SQL.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from collectors import Batch, FetchContext
from collectors.funding.channels import from_github, github_links, latest_sponsors
from collectors.funding.files import Channel, Manifest, Plan, dedupe, parse_funding_json, parse_funding_yml
from tracker.registry import Project
from tracker.store import Store

OC_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$")
ManifestFile = tuple[str, str, str | None, bool, str | None, str | None]
ORG_SOURCE_PREFIX = "org_"   # channel source of a manifest from the owner's .github repository


@dataclass
class FundingInputs:
    """What the funding source reads from git's and GitHub's tables (plain rows)."""

    git_seen: bool
    files: list[ManifestFile]
    # kind, path, content, truncated, problem, source_repo (None: the repository's own file)
    links: list[tuple[str, str]]                                  # GitHub funding links: platform, url
    sponsor_login: str | None = None
    has_listing: bool | None = None
    tiers_json: str | None = None


@dataclass
class FundingBatch:
    collected_at: datetime
    manifests: list[tuple[str, Manifest]] = field(default_factory=list)
    channels: list[dict[str, Any]] = field(default_factory=list)
    plans: list[Plan] = field(default_factory=list)
    history: list[Any] = field(default_factory=list)


def manifest_files(store: Store, project: Project) -> list[ManifestFile]:
    """The funding files the git source found in HEAD, and the organisation's default FUNDING.yml
    it used: (kind, path, content, truncated, problem, source_repo)."""
    return [(k, p, c, bool(t), pr, src) for k, p, c, t, pr, src in store.all(
        "SELECT kind, path, content, truncated, problem, source_repo FROM repo_files"
        " WHERE project_id = ? AND kind IN ('funding_yml', 'funding_json') ORDER BY source_repo NULLS FIRST, path",
        [project.id])]


def parse_manifests(files: list[ManifestFile], repo_slug: str) -> list[tuple[str, Manifest]]:
    """(path, parsed manifest) for each funding file; a default from the owner's `.github`
    repository is named by its place there ('pallets/.github/FUNDING.yml')."""
    out = []
    for kind, path, content, truncated, problem, source_repo in files:
        if kind == "funding_yml":
            m = parse_funding_yml(content, truncated=truncated)
        else:
            m = parse_funding_json(content, truncated=truncated, repo_slug=repo_slug)
        if problem:
            m.problems.add(str(problem)[:200])
        m.source_repo = source_repo
        out.append((f"{source_repo}/{path}" if source_repo else path, m))
    return out


def state(store: Store, project: Project) -> FundingInputs:
    login, has_listing, tiers = latest_sponsors(store, project.id)
    return FundingInputs(
        git_seen=bool(store.scalar("SELECT count(*) FROM git_repos WHERE project_id = ?", [project.id])),
        files=manifest_files(store, project), links=github_links(store, project.id),
        sponsor_login=login, has_listing=has_listing,
        tiers_json=tiers if isinstance(tiers, str) or tiers is None else json.dumps(tiers))


def sponsors_tiers(tiers_json: str | None, has_listing: bool | None) -> list[Plan]:
    """The GitHub Sponsors tiers of the latest listing, as plans (guid 'github-sponsors/<n>', USD)."""
    if not has_listing or not tiers_json:
        return []
    try:
        tiers = json.loads(tiers_json)
    except ValueError:
        return []
    plans = []
    for i, tier in enumerate(tiers if isinstance(tiers, list) else []):
        if not isinstance(tier, dict):
            continue
        price = tier.get("monthly_price_usd")
        price = float(price) if isinstance(price, int | float) and not isinstance(price, bool) and price >= 0 else None
        one_time = bool(tier.get("is_one_time"))
        name = str(tier.get("name") or "")[:250] or None
        plans.append(Plan(f"github-sponsors/{i + 1}", name, "active", price, "USD",
                          "one-time" if one_time else "monthly", []))
    return plans


def _first_of_each(items: list[Any], key: Any) -> list[Any]:
    seen: set[Any] = set()
    out = []
    for item in items:
        if key(item) not in seen:
            seen.add(key(item))
            out.append(item)
    return out


def fetch(ctx: FetchContext, project: Project, inputs: FundingInputs) -> Batch:
    progress = ctx.progress
    if not inputs.git_seen:
        progress.warn("no git data yet: collect the git source first to read FUNDING.yml and funding.json")
    manifests = parse_manifests(inputs.files, project.slug)
    channels: list[tuple[str, Channel]] = []
    for _path, m in manifests:
        source = ORG_SOURCE_PREFIX + m.kind if m.source_repo else m.kind
        channels += [(source, c) for c in m.channels]
    channels += from_github(inputs.links, inputs.sponsor_login, inputs.has_listing)
    if project.opencollective_slug:
        slug = project.opencollective_slug.strip()
        if OC_SLUG.match(slug):
            channels.append(("projects_yaml", Channel("open_collective", slug, f"https://opencollective.com/{slug}")))
        else:
            progress.warn(f"projects.yaml opencollective {slug[:60]!r} is not an Open Collective slug; ignored")

    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    for source, ch in channels:
        key = (source, ch.platform, ch.ref)
        if ch.ref and key not in rows:
            rows[key] = dict(project_id=project.id, platform=ch.platform, account=ch.account, url=ch.url,
                             source=source, ref=ch.ref[:2048], collected_at=ctx.now,
                             identity=":".join(ch.identity())[:2100])
    plans: list[Plan] = []
    history: list[Any] = []
    for _path, m in manifests:
        plans += m.plans
        history += m.history
    plans += sponsors_tiers(inputs.tiers_json, inputs.has_listing)
    unique_plans = _first_of_each(plans, lambda p: p.guid)
    unique_years = _first_of_each(history, lambda h: h.year)

    for path, m in manifests:
        if m.source_repo and m.channels:
            progress(f"{len(m.channels)} channel(s) from the organisation's .github repository ({path})")
        say = progress.warn if m.status in ("invalid", "unreadable") else progress
        for problem in m.problems.as_list()[:5]:
            say(f"{path} ({m.status}): {problem}")
    platforms = sorted({c.platform for c in dedupe([c for _, c in channels])})
    progress(f"{len(rows)} funding channels ({', '.join(platforms) or 'none'}), "
             f"{len(unique_plans)} plans, {len(unique_years)} history years")
    problems = sum(len(m.problems.as_list()) for _, m in manifests)
    return Batch(FundingBatch(ctx.now, manifests, list(rows.values()), unique_plans, unique_years),
                 counters=dict(manifests=len(manifests), channels=len(rows), plans=len(unique_plans),
                               history_years=len(unique_years), manifest_problems=problems))


def save(store: Store, project: Project, batch: Batch) -> None:
    """Replace the project's manifests, channels, plans and history (idempotent)."""
    f: FundingBatch = batch.data
    for table in ("funding_manifests", "funding_channels", "funding_plans", "funding_history"):
        store.execute(f"DELETE FROM {table} WHERE project_id = ?", [project.id])
    for path, m in f.manifests:
        store.execute(
            "INSERT INTO funding_manifests VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [project.id, path, m.kind, m.status, m.version, len(m.channels),
             json.dumps(m.problems.as_list()), json.dumps(m.unknown_keys) if m.unknown_keys else None,
             json.dumps(m.detail) if m.detail else None, f.collected_at])
    if f.channels:
        store.upsert("funding_channels", f.channels, key=["project_id", "source", "platform", "ref"])
    for p in f.plans:
        store.execute("INSERT INTO funding_plans VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      [project.id, p.guid, p.name, p.status, p.amount, p.currency, p.frequency,
                       json.dumps(p.channels), f.collected_at])
    for h in f.history:
        store.execute("INSERT INTO funding_history VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                      [project.id, h.year, h.income, h.expenses, h.taxes, h.currency, h.description,
                       f.collected_at])
