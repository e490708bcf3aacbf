"""PyPI release cadence, for projects that publish to PyPI but do not tag releases in git.

Reads the PyPI part of the read model's `all_releases` (the project's package, PEP 503
normalised; yanked releases and releases without files left out) and `pypi_packages`. None when
the package was never collected or PyPI does not know it. See docs/methodology.md ("Funding
metrics", PyPI rows).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tracker import catalogue as c
from tracker.metrics.sets import (
    SELECTED,
    Known,
    gaps_in_days,
    median,
    one_project,
    query,
    rounded,
    sorted_list,
)
from tracker.packages import normalise
from tracker.store import Store
from tracker.windows import YEAR

NAMES = (c.PYPI_RELEASES_365D, c.DAYS_SINCE_LAST_PYPI_RELEASE, c.MEDIAN_PYPI_RELEASE_INTERVAL_DAYS)

_PACKAGES = "SELECT id, pypi_package FROM projects WHERE id IN (SELECT unnest($ids::INTEGER[])) AND pypi_package <> ''"
_KNOWN = "SELECT package FROM pypi_packages WHERE status = 'ok' AND package IN (SELECT unnest($packages::VARCHAR[]))"
_RELEASES = f"""
SELECT project_id, n365, last, {median("gaps")}
FROM (SELECT project_id, count(*) FILTER (WHERE released_at > $d365) AS n365, max(released_at) AS last,
             {sorted_list("gap", "gap IS NOT NULL")} AS gaps
      FROM (SELECT project_id, released_at, {gaps_in_days("released_at")} AS gap
            FROM all_releases WHERE source = 'pypi' AND {SELECTED} AND released_at <= $now)
      GROUP BY project_id)
"""


def compute_many(store: Store, project_ids: Sequence[int], now: datetime, known: Known) -> dict[int, dict[str, Any]]:
    """PyPI cadence of every project in `project_ids` whose package PyPI knows."""
    package = {pid: normalise(name) for pid, name in query(store, _PACKAGES, project_ids) if name}
    if not package:
        return {}
    ok = {r[0] for r in query(store, _KNOWN, [], packages=sorted(set(package.values())))}
    out = {pid: {c.PYPI_RELEASES_365D: 0, c.DAYS_SINCE_LAST_PYPI_RELEASE: None,
                 c.MEDIAN_PYPI_RELEASE_INTERVAL_DAYS: None}
           for pid, name in package.items() if name in ok}
    if not out:
        return out
    for pid, n365, last, gap in query(store, _RELEASES, list(out), now=now, d365=YEAR.start(now)):
        if pid in out:
            out[pid].update({c.PYPI_RELEASES_365D: n365, c.DAYS_SINCE_LAST_PYPI_RELEASE: (now - last).days,
                             c.MEDIAN_PYPI_RELEASE_INTERVAL_DAYS: rounded(gap, 2)})
    return out


compute = one_project(compute_many, NAMES)
