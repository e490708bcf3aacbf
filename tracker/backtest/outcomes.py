"""What actually happened after DATE, read from the full history in the tracker's database.

For each project, over the horizon (DATE, DATE + horizon]: human commits (the read model's
`human_commits`: no bots, plausible dates), the first and last of them, every commit (bots included)
and releases of any kind (`release_events`, pre-releases left out); before DATE: human commits in
the 12 months before and the last one; and the date of the git data (a
mirror is a snapshot: silence after it is unknown, not death).

Outcome classes (docs/methodology.md, "Backtest"):

* `not_observable`: the git data ends before the horizon does: what happened cannot be told.
* `not_created`: no commit by DATE.
* `already_unmaintained`: no human commit in the year before DATE (reported apart, not scored).
* `became_unmaintained`: a human commit in the year before DATE, none in the horizon.
* `stayed_maintained`: human commits in both.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

from tracker.errors import UsageError
from tracker.store import Store

NOT_OBSERVABLE = "not_observable"
NOT_CREATED = "not_created"
ALREADY = "already_unmaintained"
BECAME = "became_unmaintained"
STAYED = "stayed_maintained"
OUTCOMES = (BECAME, STAYED, ALREADY, NOT_CREATED, NOT_OBSERVABLE)
LABELS = {
    BECAME: "became unmaintained",
    STAYED: "stayed maintained",
    ALREADY: "already unmaintained at the date",
    NOT_CREATED: "not created by the date",
    NOT_OBSERVABLE: "horizon not observed (the data ends before it)",
}
SCORED = (BECAME, STAYED)  # the outcomes precision and recall are measured on
BEFORE_MONTHS = 12  # "alive at DATE": a human commit in the 12 months before it


def add_months(t: datetime, months: int) -> datetime:
    """`t` moved by calendar months (the day clamped to the month's length: Mar 31 + 1 = Apr 30)."""
    y, m = divmod(t.month - 1 + months, 12)
    year, month = t.year + y, m + 1
    return t.replace(year=year, month=month, day=min(t.day, calendar.monthrange(year, month)[1]))


def parse_horizon(text: str) -> int:
    """'12m', '12', '18 months', '1y', '2 years' -> months (1 to 120)."""
    m = re.fullmatch(r"\s*(\d{1,4})\s*(m|mo|month|months|y|yr|year|years)?\s*", str(text or "").lower())
    if not m:
        raise UsageError(f"--horizon {text!r}: give months or years, e.g. 12m or 1y")
    months = int(m.group(1)) * (12 if (m.group(2) or "m").startswith("y") else 1)
    if not 1 <= months <= 120:
        raise UsageError(f"--horizon {text!r}: between 1 month and 10 years")
    return months


@dataclass(frozen=True)
class Outcome:
    project_id: int
    outcome: str
    data_at: datetime | None                 # the git data's date
    first_commit_at: datetime | None
    human_commits_before: int                # in the 12 months before DATE
    last_human_commit_before: datetime | None
    human_commits_after: int                 # in the horizon
    first_human_commit_after: datetime | None
    last_human_commit_after: datetime | None
    commits_after: int                       # bots included
    releases_after: int
    last_release_after: datetime | None
    last_activity_at: datetime | None        # newest commit of any kind in the data (even past the horizon)

    def as_dict(self) -> dict:
        return asdict(self)


_OUTCOMES = """
WITH sel AS (SELECT unnest($ids::INTEGER[]) AS project_id),
h AS (
    SELECT project_id,
           count(*) FILTER (WHERE committer_at > $start AND committer_at <= $as_of) AS before,
           max(committer_at) FILTER (WHERE committer_at <= $as_of) AS last_before,
           count(*) FILTER (WHERE committer_at > $as_of AND committer_at <= $end) AS after,
           min(committer_at) FILTER (WHERE committer_at > $as_of AND committer_at <= $end) AS first_after,
           max(committer_at) FILTER (WHERE committer_at > $as_of AND committer_at <= $end) AS last_after
    FROM human_commits WHERE project_id IN (SELECT project_id FROM sel) GROUP BY project_id),
a AS (
    SELECT project_id, min(committer_at) AS first, max(committer_at) AS last,
           count(*) FILTER (WHERE committer_at > $as_of AND committer_at <= $end) AS after
    FROM dated_commits WHERE project_id IN (SELECT project_id FROM sel) GROUP BY project_id),
r AS (
    SELECT project_id, count(*) AS n, max(released_at) AS last FROM release_events
    WHERE project_id IN (SELECT project_id FROM sel) AND NOT prerelease
      AND released_at > $as_of AND released_at <= $end
    GROUP BY project_id)
SELECT sel.project_id, coalesce(g.data_at, g.collected_at), a.first, coalesce(h.before, 0), h.last_before,
       coalesce(h.after, 0), h.first_after, h.last_after, coalesce(a.after, 0), coalesce(r.n, 0), r.last, a.last
FROM sel JOIN git_repos g USING (project_id)
LEFT JOIN h USING (project_id) LEFT JOIN a USING (project_id) LEFT JOIN r USING (project_id)
"""


def classify(data_at: datetime | None, first: datetime | None, before: int, after: int,
             as_of: datetime, end: datetime, alive_commits: int = 1, horizon_commits: int = 1) -> str:
    """The outcome class (see the module's docstring). The sensitivity runs raise the bars: alive at
    DATE needs `alive_commits` human commits in the 12 months before it, and fewer than
    `horizon_commits` in the horizon counts as became unmaintained."""
    if first is None or first > as_of:
        return NOT_CREATED
    if data_at is None or data_at < end:
        return NOT_OBSERVABLE
    if before < alive_commits:
        return ALREADY
    return BECAME if after < horizon_commits else STAYED


def outcomes(store: Store, project_ids: Sequence[int], as_of: datetime, months: int, alive_commits: int = 1,
             horizon_commits: int = 1) -> dict[int, Outcome]:
    """{project_id: Outcome} for the projects with collected git history (others are left out); the
    two bars as in `classify`."""
    end = add_months(as_of, months)
    start = add_months(as_of, -BEFORE_MONTHS)
    rows = store.execute(_OUTCOMES, {"ids": [int(i) for i in project_ids], "as_of": as_of, "start": start,
                                     "end": end}).fetchall()
    out = {}
    for pid, data_at, first, before, last_before, after, first_after, last_after, commits_after, n_rel, last_rel, \
            last_any in rows:
        outcome = classify(data_at, first, before, after, as_of, end, alive_commits, horizon_commits)
        out[pid] = Outcome(pid, outcome, data_at, first, int(before),
                           last_before, int(after), first_after, last_after, int(commits_after), int(n_rel),
                           last_rel, last_any)
    return out
