"""The Open Collective source: state finds the project's collectives, fetch asks about each (no
store), save appends one snapshot per collective and upserts its monthly series.

Each collective is a part of the batch: one that cannot be read (network, server) fails alone and
the others are still saved (a partial run); an unknown slug is stored as a `not_found` snapshot:
checked, nothing there. With the API unreachable, the first collective costs one round of retries
and the run's circuit breaker answers the others at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from collectors import Batch, FetchContext
from collectors.funding.files import open_collective_slugs
from collectors.funding.source import manifest_files, parse_manifests
from collectors.opencollective.client import NotFound, OpenCollectiveClient, fetch_collective
from tracker.errors import CollectionError
from tracker.registry import Project
from tracker.store import Store

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,254}$", re.I)


@dataclass
class CollectivesBatch:
    collected_at: datetime
    found: dict[str, dict[str, Any] | None] = field(default_factory=dict)   # slug -> record, None: not found


def open_session(run) -> OpenCollectiveClient:
    return OpenCollectiveClient(run.http, run.config.opencollective_api_url, run.config.opencollective_token)


def state(store: Store, project: Project) -> list[str]:
    """The project's collectives: projects.yaml first, then FUNDING.yml, then stored funding channels."""
    found = [project.opencollective_slug or ""]
    for _path, m in parse_manifests(manifest_files(store, project), project.slug):
        found += open_collective_slugs(m)
    found += [r[0] for r in store.all(
        "SELECT account FROM funding_channels WHERE project_id = ? AND platform = 'open_collective'"
        " AND account IS NOT NULL ORDER BY source", [project.id])]
    out: list[str] = []
    for slug in found:
        slug = slug.strip().lower()
        if slug and _SLUG.match(slug) and slug not in out:
            out.append(slug)
    return out



def fetch(ctx: FetchContext, project: Project, slugs: list[str]) -> Batch:
    batch = Batch(CollectivesBatch(ctx.now))
    if not slugs:
        ctx.progress("no Open Collective account known (projects.yaml opencollective, FUNDING.yml)")
        batch.counters.update(collectives=0)
        return batch
    client: OpenCollectiveClient = ctx.session
    found = missing = failed = 0
    for slug in slugs:
        part = f"collective {slug}"
        try:
            record = fetch_collective(client, slug, ctx.now)
        except NotFound:
            ctx.progress.warn(f"Open Collective has no account {slug!r}")
            batch.data.found[slug] = None
            batch.ok(part)
            missing += 1
            continue
        except CollectionError as exc:
            batch.fail(part, str(exc))
            failed += 1
            continue
        batch.data.found[slug] = record
        batch.ok(part)
        found += 1
        ctx.progress(f"{slug}: {record['currency'] or ''} balance {record['balance']}, "
                     f"received {record['received_12m']} in 12 months, host {record['fiscal_host_slug']}")
    batch.counters.update(collectives=found, not_found=missing)
    if failed:
        batch.counters["failed"] = failed
    return batch


def save(store: Store, project: Project, batch: Batch) -> None:
    """A snapshot per collective read (not_found when it does not exist) and its monthly series."""
    c: CollectivesBatch = batch.data
    now = c.collected_at
    for slug, record in c.found.items():
        if record is None:
            store.execute("INSERT INTO opencollective_snapshots (project_id, slug, collected_at, status)"
                          " VALUES (?, ?, ?, 'not_found') ON CONFLICT DO NOTHING", [project.id, slug, now])
            continue
        store.upsert("opencollective_snapshots", [dict(
            project_id=project.id, slug=slug, collected_at=now, status="ok",
            **{k: v for k, v in record.items() if k != "months"})],
            key=["project_id", "slug", "collected_at"])
        if record["months"]:
            store.upsert("opencollective_monthly", [dict(
                project_id=project.id, slug=slug, month=m["month"], received=m["received"],
                currency=m["currency"], collected_at=now) for m in record["months"]],
                key=["project_id", "slug", "month"])
