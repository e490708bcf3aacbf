"""What each app page reads, in one call per page: the overview and funders tables (one statement
each, however many projects), a project's bundle, the runs page. Plain DataFrames and dicts; the
app caches them (tracker/ui/queries.py). Imported by the app only (it needs pandas)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pandas as pd

from tracker import display, registry
from tracker.readmodel import activity, freshness, funding, scores
from tracker.readmodel.scores import decode
from tracker.scoring import remediation
from tracker.store import Store, schema_version

RISK_LEVELS = ("low", "medium", "high", "critical")  # measured levels; a score may also say "unknown"
UNKNOWN_RISK = "unknown"  # below the evidence rule (or not scored): never shown as a measured level
SPARK_WEEKS = 26
FUNDING_METRICS = ("funding_channels_count", "sponsors_count", "oc_received_12m_usd", "oc_yearly_budget_usd",
                   "oc_balance_usd", "grants_total_usd_5y", "grants_active")


def database_status(store: Store) -> dict[str, Any]:
    """How many projects are tracked, whether any was scored, and the schema version."""
    projects, scored = store.one("SELECT (SELECT count(*) FROM projects), (SELECT count(*) > 0 FROM scores)")
    return {"projects": projects, "scored": scored, "schema_version": schema_version(store)}


def project_slugs(store: Store) -> list[str]:
    return [p.slug for p in registry.all_projects(store)]


def _num(value: Any) -> float | None:
    """A stored metric as a number; None when unknown or not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float) or pd.isna(value):
        return None
    return float(value)


# -- overview ----------------------------------------------------------------------------------
_OVERVIEW = """
WITH weeks AS (SELECT unnest(generate_series(?::TIMESTAMP, ?::TIMESTAMP, INTERVAL 7 DAY)) AS week),
git AS (SELECT project_id FROM source_freshness WHERE source = 'git' AND data_at IS NOT NULL),
spark AS (
    SELECT git.project_id, list(coalesce(w.commits, 0) ORDER BY weeks.week) AS activity
    FROM git CROSS JOIN weeks
    LEFT JOIN weekly_activity_between(?::TIMESTAMP, ?::TIMESTAMP) w
           ON w.project_id = git.project_id AND w.week = weeks.week
    GROUP BY git.project_id),
released AS (SELECT project_id, max(released_at) AS last_release FROM release_events
             WHERE NOT prerelease AND released_at <= ? GROUP BY project_id)
SELECT p.id AS project_id, p.slug, coalesce(p.display_name, p.name) AS name, p.category,
       s.health, s.coverage, s.health_reason, s.risk_level, s.computed_at, s.maturity, s.funding_need,
       s.criticality, s.metrics, s.trend_change AS trend, spark.activity, released.last_release, f.data_as_of
FROM projects p
LEFT JOIN scores_as_of(NULL, NULL) s ON s.project_id = p.id
LEFT JOIN spark ON spark.project_id = p.id
LEFT JOIN released ON released.project_id = p.id
LEFT JOIN project_freshness f ON f.project_id = p.id
ORDER BY s.health IS NULL, s.health DESC, p.slug_key
"""


def unranked(df: pd.DataFrame, column: str) -> int:
    """How many rows a ranking by `column` lists last because their value is unknown."""
    return int(df[column].isna().sum()) if column in df else 0


def overview(store: Store, now: datetime) -> pd.DataFrame:
    """One row per tracked project, ranked by health (highest first; unknown health last, by name):
    latest health with its coverage and, when the evidence rule was not met, `health_reason`; risk
    (low / medium / high / critical, or "unknown": insufficient data or not scored) and its 90-day
    trend, commits per week over 26 weeks (None: git not collected), last release, funding in words
    and has_funding (yes / no / unknown), `data_as_of` (the project's freshness bundle). One
    statement. `df.attrs["unranked"]` holds how many rows have no health (`unranked` counts it too)."""
    last_week = activity.week_start(now)
    first_week = last_week - pd.Timedelta(weeks=SPARK_WEEKS - 1)
    df = store.execute(_OVERVIEW, [first_week, last_week, first_week, now, now]).df()  # commits up to now
    df["activity"] = [None if display.is_unknown(a) else [int(n) for n in a] for a in df["activity"]]
    statuses = [funding.funding_status(decode({"metrics": m})["metrics"]) for m in df["metrics"]]
    df["funding"] = [s.text() for s in statuses]
    df["funding_short"] = [funding_short(s) for s in statuses]
    df["funding_data"] = [funding_data(s) for s in statuses]
    df["has_funding"] = [s.has_funding for s in statuses]
    df["risk_level"] = df["risk_level"].astype(object).where(df["risk_level"].notna(), UNKNOWN_RISK)
    df = df.drop(columns=["metrics"])
    df.attrs["unranked"] = unranked(df, "health")
    return df


# What is known of a project's funding, for the completeness banners: money figures (sponsors, Open
# Collective, grants: known, even if zero), only declared channels, or nothing at all.
FUNDING_DATA = ("money", "channels only", "nothing")


def funding_data(status: funding.FundingStatus) -> str:
    if status.received != funding.UNKNOWN:
        return "money"
    return "channels only" if status.asks != funding.UNKNOWN else "nothing"


def funding_short(status: funding.FundingStatus) -> str:
    """Funding in a few words for a narrow column: '$29,800 a year', '12 sponsors', 'none found
    (asks)', 'unknown (asks)', 'unknown'."""
    asks = " (asks)" if status.asks == funding.YES else ""
    if status.received == funding.YES:
        per_year = status.received_usd_per_year
        if per_year:
            return f"{display.money(per_year)} a year"
        if status.sponsors:
            return display.count(status.sponsors, "sponsor")
        return "yes"
    if status.received == funding.NO:
        return "none found" + asks
    return display.UNKNOWN + asks


# -- funders -----------------------------------------------------------------------------------
def funders(store: Store) -> pd.DataFrame:
    """Per tracked project, ranked by funding need (highest first, then criticality; unknown need last,
    by name), from its latest score: criticality, funding need and its reason, health with its
    coverage and `health_reason`, risk ("unknown" below the evidence rule), flags, the funding
    sub-score, the funding metrics, dollars received per year, has_funding (money received) and
    asks_for_funding (yes / no / unknown). `df.attrs["unranked"]` holds how many have no need."""
    df = store.execute(
        "SELECT p.id AS project_id, p.slug, coalesce(p.display_name, p.name) AS name, p.category, s.computed_at,"
        " s.health, s.coverage, s.health_reason, s.risk_level, s.maturity, s.criticality, s.truck_factor,"
        " s.funding_need, s.funding_need_reason, s.flags, s.subscores, s.metrics"
        " FROM projects p LEFT JOIN latest_scores s ON s.project_id = p.id"
        " ORDER BY s.funding_need IS NULL, s.funding_need DESC, s.criticality DESC NULLS LAST, p.slug_key").df()
    rows = [decode({"flags": f, "subscores": s, "metrics": m})
            for f, s, m in zip(df["flags"], df["subscores"], df["metrics"], strict=True)]
    for name in FUNDING_METRICS:
        df[name] = [_num(r["metrics"].get(name)) for r in rows]
    df["funding_score"] = [_num((r["subscores"].get("funding") or {}).get("score")) for r in rows]
    statuses = [funding.funding_status(r["metrics"]) for r in rows]
    df["funding_received_usd"] = [s.received_usd_per_year for s in statuses]
    df["has_funding"] = [s.has_funding for s in statuses]
    df["asks_for_funding"] = [s.asks for s in statuses]
    df["flags"] = [r["flags"] for r in rows]
    df["funding_data"] = [funding_data(s) for s in statuses]
    weights = shipped_weights()
    parts = [remediation.need_parts(r["metrics"], r["subscores"], maturity, weights)
             for r, maturity in zip(rows, df["maturity"], strict=True)]
    for name in remediation.NEED_PARTS:
        df[f"need_{name}"] = [p[name] for p in parts]
    df["risk_level"] = df["risk_level"].astype(object).where(df["risk_level"].notna(), UNKNOWN_RISK)
    df = df.drop(columns=["metrics", "subscores"])
    df.attrs["unranked"] = unranked(df, "funding_need")
    return df


# -- one project -------------------------------------------------------------------------------
HISTORY_COLUMNS = ["computed_at", "health", "coverage", "risk_level", "ttfr_issues_hours", "ttfr_prs_hours",
                   "oc_received_12m_usd"]


def _history(store: Store, project_id: int) -> pd.DataFrame:
    rows = []
    for r in scores.score_series(store, project_id):
        m = r["metrics"]
        rows.append({"computed_at": r["computed_at"], "health": r["health"], "coverage": r["coverage"],
                     "risk_level": r["risk_level"],
                     "ttfr_issues_hours": _num(m.get("median_time_to_first_response_hours_90d_issues")),
                     "ttfr_prs_hours": _num(m.get("median_time_to_first_response_hours_90d_prs")),
                     "oc_received_12m_usd": _num(m.get("oc_received_12m_usd"))})
    return pd.DataFrame(rows, columns=HISTORY_COLUMNS)


def _frame_or_none(rows: list[dict[str, Any]], known: bool, columns: list[str] | None = None) -> pd.DataFrame | None:
    """Rows as a table; None (unknown: never collected) when there are none and their source never
    brought data."""
    if not rows and not known:
        return None
    return pd.DataFrame(rows, columns=columns) if columns else pd.DataFrame(rows)


def _impact(store: Store, project_id: int, now: datetime) -> tuple[pd.DataFrame | None, str | None]:
    from tracker import funding_impact

    try:
        results = funding.grant_impact(store, project_id, now)
    except Exception as exc:  # an analysis bug must not take the page down; the note says so
        return None, f"funding impact could not be computed ({type(exc).__name__})"
    rows = []
    for grant in results:
        label = " ".join(str(grant.get(k) or "") for k in ("funder", "program")).strip()
        label = f"{label} ({grant.get('awarded_on')})"
        for name, values in (grant.get("metrics") or {}).items():
            rows.append({"grant": label, "measure": name.replace("_", " "), "before": values.get("before"),
                         "after": values.get("after"), "change %": values.get("change_pct"),
                         "note": grant.get("note")})
        if not grant.get("metrics"):
            rows.append({"grant": label, "measure": None, "before": None, "after": None, "change %": None,
                         "note": grant.get("note")})
    return (pd.DataFrame(rows, columns=["grant", "measure", "before", "after", "change %", "note"]),
            funding_impact.CAVEAT)


def project_page(store: Store, slug: str, now: datetime) -> dict[str, Any] | None:
    """Everything the project page shows about one project (None when it is not tracked): its
    summary and its details in one. Metrics are those stored with the latest score: none until the
    project is scored."""
    summary = project_summary(store, slug, now)
    if summary is None:
        return None
    return summary | project_details(store, summary["project"]["id"], now, summary["arrived"])


def project_summary(store: Store, slug: str, now: datetime) -> dict[str, Any] | None:
    """What the project page shows first (score card, what would raise the score, sub-scores,
    activity and releases): the project, its latest score and metrics, monthly activity, releases
    and freshness. None when it is not tracked."""
    project = registry.find(store, slug)
    if project is None:
        return None
    pid = project.id
    score = scores.latest_score(store, pid)
    sources = freshness.source_freshness(store, pid)
    arrived = {r["source"]: r["data_at"] for r in sources}
    return {
        "project": project.as_dict(),
        "about": activity.latest_github(store, pid),
        "score": score,
        "metrics": score["metrics"] if score else {},
        "metrics_source": f"the scoring run of {score['computed_at']:%Y-%m-%d %H:%M} UTC" if score else None,
        "funding_status": funding.funding_status(score["metrics"] if score else None),
        "monthly": monthly_series(store, pid, now),
        "releases": pd.DataFrame(activity.releases(store, pid),
                                 columns=["release", "released_at", "source", "sources", "prerelease"]),
        "git_collected": arrived.get("git") is not None,
        "arrived": arrived,
        "freshness": sources,
        "bundle": freshness.project_freshness(store, pid),
        "now": now,
    }


def project_details(store: Store, project_id: int, now: datetime,
                    arrived: dict[str, Any] | None = None) -> dict[str, Any]:
    """The project page's detail sections: health history, contributors, funding (channels,
    Sponsors, Open Collective, grants, activity around each grant) and first responses."""
    pid = project_id
    if arrived is None:
        arrived = freshness.data_at(store, pid)
    oc_accounts = funding.opencollective(store, pid)
    oc_monthly = funding.opencollective_monthly(store, pid)
    impact, impact_note = _impact(store, pid, now)
    grants_known = funding.grants_imported(store)
    responses = pd.DataFrame(activity.first_responses(store, pid, now),
                             columns=["month", "kind", "median_hours", "opened", "unanswered"])
    return {
        "history": _history(store, pid),
        "contributors": pd.DataFrame(activity.contributors(store, pid, now),
                                     columns=["contributor", "commits", "share"]),
        "funding": {
            "channels": _frame_or_none(funding.channels(store, pid), arrived.get("funding") is not None,
                                       ["platform", "account", "url", "sources", "collected_at"]),
            "sponsors": funding.sponsors(store, pid) or ({} if arrived.get("github") is not None else None),
            "grants": pd.DataFrame(funding.grants(store, pid), columns=funding.GRANT_COLUMNS)
            if grants_known else None,
            "oc_series": _frame_or_none(oc_monthly, arrived.get("opencollective") is not None,
                                        ["month", "slug", "currency", "received"]),
            "oc": _frame_or_none(oc_accounts, arrived.get("opencollective") is not None),
            "impact": impact,
            "impact_note": impact_note,
        },
        "responses": responses if not responses.empty or arrived.get("github") is not None else None,
    }


MONTHLY_COLUMNS = ["month", "commits", "human_commits", "active_contributors"]


def monthly_series(store: Store, project_id: int, now: datetime) -> pd.DataFrame:
    """Commits, human commits and people committing per month (`monthly_activity`), from the first
    month with a commit to the month of `now`, months without commits as 0 (empty: no commits)."""
    # monthly_activity's definition, over one project's commits only (the view would aggregate every
    # project's before the filter reaches it: twice the time on 1.4 million commits)
    rows = store.execute(
        "SELECT date_trunc('month', committer_at)::DATE AS month, count(*) AS commits,"
        " count(*) FILTER (WHERE NOT is_bot) AS human_commits,"
        " count(DISTINCT CASE WHEN NOT is_bot THEN author_key END) AS active_contributors"
        " FROM dated_commits WHERE project_id = ? AND committer_at <= ? GROUP BY ALL ORDER BY month",
        [project_id, now]).df()
    if rows.empty:
        return pd.DataFrame(columns=MONTHLY_COLUMNS)
    months = pd.date_range(pd.Timestamp(rows["month"].min()), pd.Timestamp(now.date()).to_period("M").to_timestamp(),
                           freq="MS")
    rows["month"] = pd.to_datetime(rows["month"])
    out = rows.set_index("month").reindex(months, fill_value=0).rename_axis("month").reset_index()
    return out[MONTHLY_COLUMNS].astype({c: "int64" for c in MONTHLY_COLUMNS[1:]})


def shipped_weights():
    """The weights the app explains scores with (tracker/config/weights.toml, as `tracker score`
    uses by default)."""
    from tracker.scoring.weights import shipped

    return shipped()


# -- data & runs -------------------------------------------------------------------------------
_SOURCE_RUNS = """
SELECT r.source, p.slug AS project, r.started_at, r.finished_at, r.status, r.error, r.parts
FROM collection_runs r LEFT JOIN projects p ON p.id = r.project_id
QUALIFY row_number() OVER (PARTITION BY r.source, r.project_id ORDER BY r.started_at DESC, r.id DESC) = 1
"""
FAILED_STATUSES = ("error", "interrupted")
MAX_REASONS = 6


def _parts(value: Any) -> dict[str, dict[str, Any]]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return {str(k): v for k, v in value.items() if isinstance(v, dict)} if isinstance(value, dict) else {}


def source_results(store: Store) -> list[dict[str, Any]]:
    """Per source, what its last run of each project came to, in the terms people ask about: how
    many projects ended ok, partial (some parts failed, the rest arrived) or failed, still running;
    when it last ran; and what failed and why, as (what, reason, projects) with the most common
    first: a failed run's error, a partial run's failed parts (`collection_runs.parts`). A run that
    ended ok is never listed with an error."""
    by_source: dict[str, dict[str, Any]] = {}
    for source, project, started, finished, status, error, parts in store.all(_SOURCE_RUNS):
        row = by_source.setdefault(source, {"source": source, "projects": 0, "ok": 0, "partial": 0,
                                            "failed": 0, "running": 0, "last_started": None,
                                            "last_finished": None, "_reasons": {}})
        row["projects"] += 1
        kind = ("failed" if status in FAILED_STATUSES else "running" if status == "running"
                else "partial" if status == "partial" else "ok")
        row[kind] += 1
        if started is not None and (row["last_started"] is None or started > row["last_started"]):
            row["last_started"] = started
        if finished is not None and (row["last_finished"] is None or finished > row["last_finished"]):
            row["last_finished"] = finished
        reasons = row["_reasons"]
        if kind == "failed":
            what = "interrupted" if status == "interrupted" else "the whole run"
            reasons.setdefault((what, str(error or "no reason recorded")), []).append(project)
        elif kind == "partial":
            failed = [(name, part) for name, part in _parts(parts).items() if part.get("status") == "failed"]
            for name, part in failed:
                reasons.setdefault((f"part: {name}", str(part.get("reason") or error or "no reason recorded")),
                                   []).append(project)
            if not failed:
                reasons.setdefault(("some parts", str(error or "no reason recorded")), []).append(project)
    out = []
    for row in sorted(by_source.values(), key=lambda r: r["source"]):
        reasons = sorted(row.pop("_reasons").items(), key=lambda kv: (-len(kv[1]), kv[0]))
        row["failures"] = [{"what": what, "reason": reason, "projects": sorted(p or "(all projects)" for p in ps)}
                           for (what, reason), ps in reasons[:MAX_REASONS]]
        row["more_failures"] = max(0, len(reasons) - MAX_REASONS)
        out.append(row)
    return out


def runs_page(store: Store) -> dict[str, Any]:
    """Last run per source and project, the per-source summary, recent requests, the timetable the
    scheduler published (None before it ever ran)."""
    schedule = freshness.schedule(store)
    return {
        "last": pd.DataFrame(freshness.last_runs(store),
                             columns=["source", "project", "started_at", "finished_at", "status", "error",
                                      "counters", "requests", "points"]),
        "by_source": pd.DataFrame(freshness.source_summary(store),
                                  columns=["source", "last_started", "last_finished", "data_runs", "error_runs",
                                           "running", "interrupted", "last_status", "last_error"]),
        "requests": pd.DataFrame(freshness.requests(store),
                                 columns=["id", "kind", "project_slug", "source", "requested_at", "status",
                                          "handled_at", "error"]),
        "schedule": pd.DataFrame(schedule).drop(columns=["pid", "host"]) if schedule else None,
        "sources": source_results(store),
        "scheduler_running": _scheduler_running(store),
    }


def _scheduler_running(store: Store) -> bool | None:
    """Whether a scheduler holds this database's scheduler lock now (None: cannot tell)."""
    try:
        from tracker.scheduler import scheduler_holder

        return scheduler_holder(store.path) is not None
    except Exception:
        return None
