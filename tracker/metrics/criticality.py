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
from tracker.identity import organisation
from tracker.metrics.sets import SELECTED, Known, one_project, query
from tracker.scoring.criticality import project_criticality
from tracker.scoring.weights import shipped
from tracker.store import Store

NAMES = (c.CRITICALITY,)

# The top people by human commits up to `now` (ties by identity), with the e-mails they used and
# how often, as the original counts the companies of the top contributors.
_TOP_PEOPLE = f"""
WITH people AS (
    SELECT project_id, author_key, author_email, count(*) AS n,
           sum(count(*)) OVER (PARTITION BY project_id, author_key) AS total
    FROM human_commits WHERE {SELECTED} AND committer_at <= $now
    GROUP BY project_id, author_key, author_email
)
SELECT project_id, author_key, author_email, n FROM people
QUALIFY dense_rank() OVER (PARTITION BY project_id ORDER BY total DESC, author_key) <= $top
"""


def git_org_counts(store: Store, project_ids: Sequence[int], now: datetime) -> dict[int, int]:
    """{project_id: organisation domains among its top committers} for projects with human commits;
    a person's organisation is the domain of most of their commits (tracker.identity.organisation),
    so one made from a private address still counts for their employer."""
    top = int(shipped()["criticality"]["signals"]["top_contributors_for_orgs"])
    emails: dict[tuple[int, str], dict[str, int]] = defaultdict(dict)
    seen: set[int] = set()
    for pid, person, email, n in query(store, _TOP_PEOPLE, project_ids, now=now, top=top):
        seen.add(pid)
        emails[(pid, person)][email] = n
    domains: dict[int, set[str]] = defaultdict(set)
    for (pid, _), used in emails.items():
        dom = organisation(used)
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
