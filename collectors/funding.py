"""Funding channels of a project from every source we hold, in one table.

Reads what other collectors stored, makes no request of its own:
* FUNDING.yml and funding.json from the git collector's `repo_files` (kinds funding_yml,
  funding_json), parsed by tracker.funding_files (problems recorded in `funding_manifests`);
* GitHub's `github_funding_links` and `github_sponsors` tables, when the GitHub collector has
  created them (checked in information_schema, so this works without it): links and the Sponsors
  listing become channels, Sponsors tiers become plans (guid `github-sponsors/N`, USD);
* the Open Collective slug given in projects.yaml.
Channels, plans and history are replaced as a whole per project in one transaction (as last seen).
"""

from __future__ import annotations

import json
from typing import Any

from collectors import Source
from tracker.funding_channels import github_channels, table_exists
from tracker.funding_files import Channel, Manifest, Plan, dedupe, parse_funding_json, parse_funding_yml
from tracker.registry import Project, register_project_table
from tracker.store import Store

for _table in ("funding_manifests", "funding_channels", "funding_plans", "funding_history",
               "opencollective_snapshots", "opencollective_monthly"):
    register_project_table(_table)


def read_manifests(store: Store, project: Project) -> list[tuple[str, Manifest]]:
    """(path, parsed manifest) for every funding file the git collector found in HEAD."""
    rows = store.all(
        "SELECT kind, path, content, truncated, problem FROM repo_files"
        " WHERE project_id = ? AND kind IN ('funding_yml', 'funding_json') ORDER BY path",
        [project.id])
    out = []
    for kind, path, content, truncated, problem in rows:
        if kind == "funding_yml":
            m = parse_funding_yml(content, truncated=bool(truncated))
        else:
            m = parse_funding_json(content, truncated=bool(truncated), repo_slug=project.slug)
        if problem:
            m.problems.add(str(problem)[:200])
        out.append((path, m))
    return out


def sponsors_tiers(store: Store, project_id: int) -> list[Plan]:
    """The GitHub Sponsors tiers of the latest listing, as plans (guid 'github-sponsors/<n>', USD)."""
    if not table_exists(store, "github_sponsors"):
        return []
    row = store.one("SELECT tiers, has_sponsors_listing FROM github_sponsors WHERE project_id = ?"
                    " ORDER BY collected_at DESC LIMIT 1", [project_id])
    if not row or not row[1] or not row[0]:
        return []
    try:
        tiers = json.loads(row[0]) if isinstance(row[0], str) else row[0]
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


def collect(ctx, project: Project) -> None:
    store, run, progress = ctx.store, ctx.run, ctx.progress
    git_seen = store.scalar("SELECT count(*) FROM git_repos WHERE project_id = ?", [project.id])
    manifests = read_manifests(store, project)
    if not git_seen:
        progress.warn("no git data yet: collect the git source first to read FUNDING.yml and funding.json")

    channels: list[tuple[str, Channel]] = []
    for _path, m in manifests:
        channels += [(m.kind, c) for c in m.channels]
    channels += github_channels(store, project.id)
    if project.opencollective_slug:
        slug = project.opencollective_slug.strip()
        channels.append(("projects_yaml", Channel("open_collective", slug, f"https://opencollective.com/{slug}")))

    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    for source, ch in channels:
        key = (source, ch.platform, ch.ref)
        if ch.ref and key not in rows:
            rows[key] = dict(project_id=project.id, platform=ch.platform, account=ch.account, url=ch.url,
                             source=source, ref=ch.ref[:2048], collected_at=ctx.now)
    plans, history = [], []
    for _path, m in manifests:
        plans += m.plans
        history += m.history
    plans += sponsors_tiers(store, project.id)

    with store.transaction():
        for table in ("funding_manifests", "funding_channels", "funding_plans", "funding_history"):
            store.execute(f"DELETE FROM {table} WHERE project_id = ?", [project.id])
        for path, m in manifests:
            store.execute(
                "INSERT INTO funding_manifests VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [project.id, path, m.kind, m.status, m.version, len(m.channels),
                 json.dumps(m.problems.as_list()), json.dumps(m.unknown_keys) if m.unknown_keys else None,
                 json.dumps(m.detail) if m.detail else None, ctx.now])
        if rows:
            store.upsert("funding_channels", list(rows.values()), key=["project_id", "source", "platform", "ref"])
        seen_plans: set[str] = set()
        for p in plans:
            if p.guid in seen_plans:
                continue
            seen_plans.add(p.guid)
            store.execute("INSERT INTO funding_plans VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          [project.id, p.guid, p.name, p.status, p.amount, p.currency, p.frequency,
                           json.dumps(p.channels), ctx.now])
        seen_years: set[int] = set()
        for h in history:
            if h.year in seen_years:
                continue
            seen_years.add(h.year)
            store.execute("INSERT INTO funding_history VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                          [project.id, h.year, h.income, h.expenses, h.taxes, h.currency, h.description,
                           ctx.now])
        problems = sum(len(m.problems.as_list()) for _, m in manifests)
        run.counters.update(manifests=len(manifests), channels=len(rows), plans=len(seen_plans),
                            history_years=len(seen_years), manifest_problems=problems)
        run.finish("ok")
    for path, m in manifests:
        say = progress.warn if m.status in ("invalid", "unreadable") else progress
        for problem in m.problems.as_list()[:5]:
            say(f"{path} ({m.status}): {problem}")
    platforms = sorted({c.platform for c in dedupe([c for _, c in channels])})
    progress(f"{len(rows)} funding channels ({', '.join(platforms) or 'none'}), "
             f"{len(seen_plans)} plans, {len(seen_years)} history years")


SOURCE = Source(
    name="funding",
    description="funding channels from FUNDING.yml, funding.json, GitHub Sponsors/links and projects.yaml",
    collect=collect,
    order=30,
)
