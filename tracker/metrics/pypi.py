"""PyPI release cadence, for projects that publish to PyPI but do not tag releases in git.

Reads `pypi_releases` of the project's package (projects.pypi_package, PEP 503 normalised).
Yanked releases and releases without files do not count. None when the package was never
collected or PyPI does not know it.
"""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta
from typing import Any

from tracker.packages import normalise
from tracker.store import Store

NAMES = ["pypi_releases_365d", "days_since_last_pypi_release", "median_pypi_release_interval_days"]


def compute(store: Store, project_id: int, now: datetime, known: dict[str, Any] | None = None) -> dict[str, Any]:
    name = store.scalar("SELECT pypi_package FROM projects WHERE id = ?", [project_id])
    if not name:
        return {}
    package = normalise(name)
    status = store.scalar("SELECT status FROM pypi_packages WHERE package = ?", [package])
    if status != "ok":
        return {}
    times = [r[0] for r in store.all(
        "SELECT uploaded_at FROM pypi_releases WHERE package = ? AND NOT yanked AND uploaded_at IS NOT NULL"
        " AND uploaded_at <= ? ORDER BY uploaded_at", [package, now])]
    gaps = [(b - a).total_seconds() / 86400 for a, b in zip(times, times[1:], strict=False)]
    return {
        "pypi_releases_365d": sum(1 for t in times if t > now - timedelta(days=365)),
        "days_since_last_pypi_release": (now - times[-1]).days if times else None,
        "median_pypi_release_interval_days": round(statistics.median(gaps), 2) if gaps else None,
    }
