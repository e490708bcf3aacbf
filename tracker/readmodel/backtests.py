"""Backtests as stored by `tracker backtest` (migration 0019): the runs, and one run with its
per-project results, for the app's Validation page."""

from __future__ import annotations

import json
from typing import Any

from tracker.store import Store


def _json(value: Any, default: Any) -> Any:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return default
    return value if isinstance(value, type(default)) else default


def backtest_runs(store: Store) -> list[dict[str, Any]]:
    """Every backtest run, newest first: id, ran_at, as_of, horizon_months, weights_version,
    corpus, projects (no summaries)."""
    return store.dicts("SELECT id, ran_at, as_of, horizon_months, weights_version, corpus, projects"
                       " FROM backtest_runs ORDER BY ran_at DESC, id DESC")


def backtest_run(store: Store, run_id: int | None = None) -> dict[str, Any] | None:
    """One run (the newest when `run_id` is None) with its summaries, misses and per-project
    records decoded; None when there is none."""
    if run_id is None:
        rows = store.dicts("SELECT * FROM backtest_runs ORDER BY ran_at DESC, id DESC LIMIT 1")
    else:
        rows = store.dicts("SELECT * FROM backtest_runs WHERE id = ?", [int(run_id)])
    if not rows:
        return None
    run = rows[0]
    run["summaries"] = _json(run["summaries"], [])
    run["definitions"] = _json(run["definitions"], {})
    run["misses"] = _json(run["misses"], [])
    records = store.all("SELECT record FROM backtest_results WHERE run_id = ? ORDER BY lower(project)", [run["id"]])
    run["records"] = [r for r in (_json(x, {}) for (x,) in records) if r]
    return run


def with_git_history(store: Store) -> list[str]:
    """The tracked projects whose git history was collected (the ones a backtest can judge), by name."""
    return [r[0] for r in store.all("SELECT p.slug FROM projects p JOIN git_repos g ON g.project_id = p.id"
                                    " ORDER BY lower(p.slug)")]


def validation_page(store: Store, run_id: int | None = None) -> dict[str, Any]:
    """What the Validation page shows: the runs to choose from, the chosen run (newest by default;
    None when there is none) and the projects with git history (a run may predate some)."""
    return {"runs": backtest_runs(store), "run": backtest_run(store, run_id), "with_git": with_git_history(store)}
