"""OpenSSF criticality (original Pike algorithm) of a set of projects, from the metrics the git and
GitHub providers computed before it (`known`) and, for org_count without GitHub, the organisation
e-mail domains among each project's top committers (one statement for the whole set). The formula
is tracker/scoring/criticality.py (pure). See docs/methodology.md ("Criticality").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tracker import catalogue as c
from tracker.identity import email_domain
from tracker.metrics.sets import SELECTED, Known, one_project, query
from tracker.scoring.criticality import project_criticality
from tracker.scoring.weights import shipped
from tracker.store import Store

NAMES = (c.CRITICALITY,)

# The top people by human commits up to `now` (ties by identity), with one of their e-mails, as the
# original counts the companies of the top contributors.
_TOP_PEOPLE = f"""
SELECT project_id, email FROM (
    SELECT project_id, author_key, min(author_email) AS email,
           row_number() OVER (PARTITION BY project_id ORDER BY count(*) DESC, author_key) AS rank
    FROM human_commits WHERE {SELECTED} AND committer_at <= $now
    GROUP BY project_id, author_key
) WHERE rank <= $top
"""


def git_org_counts(store: Store, project_ids: Sequence[int], now: datetime) -> dict[int, int]:
    """{project_id: organisation domains among its top committers} for projects with human commits."""
    top = int(shipped()["criticality"]["signals"]["top_contributors_for_orgs"])
    domains: dict[int, set[str]] = defaultdict(set)
    seen: set[int] = set()
    for pid, email in query(store, _TOP_PEOPLE, project_ids, now=now, top=top):
        seen.add(pid)
        dom = email_domain(email)
        if dom:
            domains[pid].add(dom)
    return {pid: len(domains.get(pid, ())) for pid in seen}


def compute_many(store: Store, project_ids: Sequence[int], now: datetime, known: Known) -> dict[int, dict[str, Any]]:
    """Criticality of every project in `project_ids` with at least one signal known."""
    with_git = {pid for pid, in query(store, f"SELECT project_id FROM git_repos WHERE {SELECTED}", project_ids)}
    orgs = git_org_counts(store, sorted(with_git), now) if with_git else {}
    out = {}
    for pid in project_ids:
        value = project_criticality(known.get(pid, {}), now, orgs.get(pid))
        if value is not None:
            out[pid] = {c.CRITICALITY: value}
    return out


compute = one_project(compute_many, NAMES)
