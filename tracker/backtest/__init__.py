"""Backtest: would the maintenance-risk verdict of DATE have come true over the next months?

    report = run(store, projects, as_of, months, weights_path, parts, progress)

1. The world at DATE (tracker.backtest.asof): a private in-memory copy of only what existed then
   (commits, tags, files of the commit at DATE, releases, snapshots taken by DATE).
2. The verdicts at DATE: the ordinary metric providers and scoring (tracker.metrics,
   tracker.scoring) run on that copy with now = DATE: the same code `tracker score` runs.
3. What happened (tracker.backtest.outcomes): from the full history in the tracker's database.
4. The figures (tracker.backtest.report): precision and recall of "high or critical" for "became
   unmaintained", calibration per risk level, the confusion table, every miss with its evidence;
   per corpus part (tuning / held-out, from a corpus file) and over all.

Never uses the network. The tracker's database is only read (`save` writes the run afterwards).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from tracker import catalogue as cat
from tracker import display, metrics, registry
from tracker.backtest import asof as asof_mod
from tracker.backtest import outcomes as outcomes_mod
from tracker.backtest import report as report_mod
from tracker.backtest.outcomes import NOT_CREATED
from tracker.errors import UsageError
from tracker.identity import IdentityRules
from tracker.score import grace_days
from tracker.scoring import score_metrics
from tracker.scoring import weights as weights_mod
from tracker.store import Store
from tracker.values import iso

CHUNK = 25  # projects per world at DATE (each world is an in-memory copy of their histories up to DATE)

# Inputs at DATE kept with each verdict (the evidence a reader checks a miss against).
EVIDENCE_METRICS = (
    cat.HUMAN_COMMITS_365D, cat.HUMAN_COMMITS_90D, cat.LAST_HUMAN_COMMIT_DAYS, cat.HUMAN_ACTIVE_WEEKS_52,
    cat.ACTIVE_CONTRIBUTORS_365D, cat.CONTRIBUTOR_ABSENCE_FACTOR_365D, cat.RELEASES_3Y,
    cat.DAYS_SINCE_ANY_RELEASE, cat.PROJECT_AGE_DAYS, cat.COMMITS_TOTAL, cat.TAGS_TOTAL, cat.REPO_FILES,
)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def verdicts(world: asof_mod.AsOf, project_ids: Sequence[int], weights: weights_mod.Weights
             ) -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, Any]]]:
    """(metrics, scores) of every project as of the world's date, from the world's store only."""
    values = metrics.compute(world.store, list(project_ids), world.as_of, grace_days(weights))
    return values, {pid: score_metrics(m, weights, world.as_of) for pid, m in values.items()}


def _judge(store: Store, ids: list[int], as_of: datetime, weights: weights_mod.Weights,
           say: Callable[[str], None]) -> tuple[dict, dict, dict, dict]:
    """(metrics, scores, commit at the date, file problems) of `ids`, from one world at `as_of`."""
    world = asof_mod.build(store, ids, as_of, say, IdentityRules.from_settings(weights["identity"]))
    try:
        values, scores = verdicts(world, ids, weights)
        return values, scores, dict(world.commit_at_date), dict(world.file_problems)
    finally:
        world.close()


def run(store: Store, projects: Sequence[registry.Project], as_of: datetime, months: int,
        weights_path: str | Path | None = None, parts: Mapping[str, str] | None = None,
        progress: Callable[[str], None] | None = None, alive_commits: int = 1,
        horizon_commits: int = 1) -> dict[str, Any]:
    """The backtest of `projects` (those with collected git history) as of `as_of` over `months`.
    `alive_commits` and `horizon_commits` are the outcome definition's bars (tracker.backtest.outcomes:
    1 and 1 by default; the sensitivity runs raise them)."""
    for name, value in (("alive_commits", alive_commits), ("horizon_commits", horizon_commits)):
        if not isinstance(value, int) or not 1 <= value <= 1000:
            raise UsageError(f"{name.replace('_', ' ')}: give a whole number from 1 to 1000, not {value!r}")
    say = progress or (lambda _text: None)
    weights = weights_mod.load(weights_path)
    parts = {k.lower(): v for k, v in (parts or {}).items()}
    started = time.monotonic()
    with_git = {pid for (pid,) in store.all("SELECT project_id FROM git_repos")}
    chosen = [p for p in projects if p.id in with_git]
    skipped = [p.slug for p in projects if p.id not in with_git]
    ids = [p.id for p in chosen]
    say(f"reading what happened after {as_of:%Y-%m-%d} for {len(chosen)} projects")
    after = outcomes_mod.outcomes(store, ids, as_of, months, alive_commits, horizon_commits)
    slug_of = {p.id: p.slug for p in chosen}
    failures: dict[int, str] = {}
    values: dict[int, dict[str, Any]] = {}
    scores: dict[int, dict[str, Any]] = {}
    commit_at_date: dict[int, str | None] = {}
    file_problems: dict[int, str] = {}
    for first in range(0, len(ids), CHUNK):  # one world at a time: memory stays flat however many projects
        chunk = ids[first:first + CHUNK]
        say(f"projects {first + 1:,}-{first + len(chunk):,} of {len(ids):,}: rebuilding the data as of"
            f" {as_of:%Y-%m-%d} (commits, tags, files at that date), then metrics and verdicts")
        try:
            got = _judge(store, chunk, as_of, weights, say)
        except Exception:  # one project's bad data must not stop the others: find it, go on without it
            got = ({}, {}, {}, {})
            for pid in chunk:
                try:
                    one = _judge(store, [pid], as_of, weights, say)
                except Exception as exc:
                    failures[pid] = f"{type(exc).__name__}: {exc}"
                    say(f"{slug_of[pid]}: failed: {failures[pid]}")
                    continue
                for mine, theirs in zip(got, one, strict=True):
                    mine.update(theirs)
        values.update(got[0])
        scores.update(got[1])
        commit_at_date.update(got[2])
        file_problems.update(got[3])
    records = []
    for p in chosen:
        if p.id in failures:
            continue
        o = after[p.id]
        s = scores.get(p.id, {})
        m = values.get(p.id, {})
        records.append({
            "project": p.slug,
            "project_id": p.id,
            "part": parts.get(p.slug.lower()),
            "risk_level": s.get("risk_level") if o.outcome != NOT_CREATED else None,
            "health": s.get("health"),
            "coverage": s.get("coverage"),
            "health_reason": s.get("health_reason"),
            "maturity": s.get("maturity"),
            "maturity_reason": s.get("maturity_reason"),
            "flags": s.get("flags") or [],
            "commit_at_date": commit_at_date.get(p.id),
            "files_problem": file_problems.get(p.id),
            "at_date": _jsonable({k: m.get(k) for k in EVIDENCE_METRICS}),
            "outcome": o.outcome,
            "after": _jsonable(o.as_dict()),
        })
    records.sort(key=lambda r: r["project"].lower())
    names = sorted({r["part"] for r in records if r["part"]})
    summaries = [report_mod.summary(records, name) for name in names] + [report_mod.summary(records)]
    return {
        "as_of": iso(as_of),
        "horizon_months": months,
        "definitions": {"alive": f"at least {display.count(alive_commits, 'human commit')} in the 12 months"
                                 " before the date",
                        "became_unmaintained": ("no human commit in the horizon" if horizon_commits == 1 else
                                                f"fewer than {display.count(horizon_commits, 'human commit')}"
                                                " in the horizon"),
                        "alive_commits": alive_commits, "horizon_commits": horizon_commits},
        "weights_version": weights.version,
        "projects": len(records),
        "skipped_without_git": skipped,
        "failures": [{"project": slug_of[pid], "error": error} for pid, error in failures.items()],
        "summaries": summaries,
        "baselines": [b for name in [*names, report_mod.ALL] for b in report_mod.baselines(records, name)],
        "misses": report_mod.misses(records),
        "records": records,
        "seconds": round(time.monotonic() - started, 1),
    }


def save(store: Store, report: dict[str, Any], ran_at: datetime, corpus: str | None = None) -> int:
    """Store a run and its per-project results in one transaction (migration 0019); the run's id."""
    from tracker.output import dumps

    with store.transaction():
        run_id = store.scalar(
            "INSERT INTO backtest_runs (ran_at, as_of, horizon_months, weights_version, corpus, projects,"
            " definitions, summaries, misses) VALUES (?, ?::TIMESTAMP, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [ran_at, report["as_of"].rstrip("Z"), report["horizon_months"], report["weights_version"], corpus,
             report["projects"], dumps(report["definitions"], None), dumps(report["summaries"], None),
             dumps(report["misses"], None)])
        if report["records"]:
            store.con.executemany(
                "INSERT INTO backtest_results VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [[run_id, r["project_id"], r["project"], r["part"], r["risk_level"], r["maturity"], r["outcome"],
                  dumps(r, None)] for r in report["records"]])
    return int(run_id)
