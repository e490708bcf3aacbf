"""Release rhythm over every kind of release: the read model's `release_events` (a git release tag,
the GitHub release of that tag and the PyPI upload of that version are one release; pre-releases
left out), for a whole set of projects in two statements.

`releases_3y` counts the releases of the last 3 years (tracker.windows.RELEASE_YEARS): the recent
rhythm release cadence is judged by, not the whole history (a mature project's early bursts of
releases must not set what is expected of it now). Known (0 when none) for a project whose git
history, GitHub releases or PyPI package was collected; None otherwise. See docs/methodology.md
("Release cadence").
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tracker import catalogue as c
from tracker.metrics.sets import SELECTED, Known, one_project, query
from tracker.store import Store
from tracker.windows import RELEASE_YEARS

NAMES = (c.RELEASES_3Y, c.DAYS_SINCE_ANY_RELEASE, c.DAYS_SINCE_FIRST_RELEASE)

# Projects some release source was looked at for: git history (tags are read with it), a GitHub
# collection (releases are read on every one), a PyPI package PyPI knows.
_LOOKED = f"""
SELECT project_id FROM git_repos WHERE {SELECTED}
UNION SELECT project_id FROM github_state WHERE {SELECTED}
UNION SELECT p.id FROM projects p JOIN pypi_packages k
      ON k.package = lower(regexp_replace(p.pypi_package, '[-_.]+', '-', 'g')) AND k.status = 'ok'
      WHERE p.id IN (SELECT unnest($ids::INTEGER[]))
"""

_RELEASES = f"""
SELECT project_id, count(*) FILTER (WHERE released_at > $d3y), max(released_at), min(released_at)
FROM release_events
WHERE {SELECTED} AND NOT prerelease AND released_at <= $now
GROUP BY project_id
"""


def compute_many(store: Store, project_ids: Sequence[int], now: datetime, known: Known) -> dict[int, dict[str, Any]]:
    """Release rhythm of every project in `project_ids` whose release sources were looked at."""
    out = {pid: {c.RELEASES_3Y: 0, c.DAYS_SINCE_ANY_RELEASE: None, c.DAYS_SINCE_FIRST_RELEASE: None}
           for (pid,) in query(store, _LOOKED, project_ids)}
    if not out:
        return out
    for pid, n3y, last, first in query(store, _RELEASES, list(out), now=now, d3y=RELEASE_YEARS.start(now)):
        out[pid].update({c.RELEASES_3Y: n3y, c.DAYS_SINCE_ANY_RELEASE: (now - last).days,
                         c.DAYS_SINCE_FIRST_RELEASE: (now - first).days})
    return out


compute = one_project(compute_many, NAMES)
