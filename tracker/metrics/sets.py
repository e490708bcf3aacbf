"""How a metric provider is handed its projects: a set of project ids, SQL that selects them, and the
small SQL pieces every provider needs (an exact median). Not a provider itself (no NAMES).

A provider module defines `NAMES` (its metric names, from tracker.catalogue) and
`compute_many(store, project_ids, now, known) -> {project_id: {name: value}}`, computing every
project of the set in a few SQL statements; `known` holds, per project, the metrics of the
providers that ran before it. A project a provider has nothing for is left out of its answer (its
metrics stay None: unknown, never 0).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from tracker.store import Store

Known = Mapping[int, Mapping[str, Any]]
ComputeMany = Callable[[Store, Sequence[int], datetime, Known], dict[int, dict[str, Any]]]

# `project_id IN ($ids)` for a list parameter: DuckDB runs it as a hash semi-join.
SELECTED = "project_id IN (SELECT unnest($ids::INTEGER[]))"


def execute(store: Store, sql: str, project_ids: Sequence[int], **values: Any):
    """Run a provider's statement with `$ids` bound to the project ids and each other `$name` it
    uses to `values[name]` (DuckDB refuses parameters a statement does not use); the cursor."""
    given = {"ids": [int(i) for i in project_ids], **values}
    used = set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", sql))
    missing = used - set(given)
    if missing:
        raise ValueError(f"no value for SQL parameter(s) {', '.join(sorted(missing))}")
    return store.execute(sql, {k: v for k, v in given.items() if k in used})


def query(store: Store, sql: str, project_ids: Sequence[int], **values: Any) -> list[tuple]:
    """The rows of `execute`."""
    return execute(store, sql, project_ids, **values).fetchall()


def sorted_list(expr: str, where: str) -> str:
    """An aggregate: the sorted list of `expr` over rows matching `where` (NULL if none)."""
    return f"list({expr} ORDER BY {expr}) FILTER (WHERE {where})"


def median(list_column: str) -> str:
    """The median of a sorted list column, computed as Python's statistics.median does (the middle
    value, or the mean of the two middle ones as (a + b) / 2); NULL for an empty or NULL list."""
    n = f"len({list_column})"
    return f"({list_column}[({n} + 1) // 2] + {list_column}[{n} // 2 + 1]) / 2"


def gaps_in_days(time_column: str) -> str:
    """Days between a row's time and the previous one of the same project (a window expression),
    rounded as Python's `timedelta.total_seconds() / 86400` is."""
    return (f"(epoch_us({time_column}) - epoch_us(lag({time_column}) OVER (PARTITION BY project_id"
            f" ORDER BY {time_column}))) / 1000000.0 / 86400.0")


def rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def one_project(compute_many: ComputeMany, names: Sequence[str]) -> Callable[..., dict[str, Any]]:
    """`compute(store, project_id, now, known=None)`: one project's `names` through the set-based
    path (None for those it has nothing for)."""

    def compute(store: Store, project_id: int, now: datetime, known: Mapping[str, Any] | None = None
                ) -> dict[str, Any]:
        got = compute_many(store, [project_id], now, {project_id: dict(known or {})}).get(project_id, {})
        return {n: got.get(n) for n in names}

    compute.__doc__ = f"One project's metrics through `{compute_many.__module__}.compute_many`."
    return compute
