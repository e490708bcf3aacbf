"""The app's read-only query layer: short-lived DuckDB connections, retried on a writer's lock.

DuckDB lets one process write or many read. The scheduler writes in short transactions, so every
query here opens a read-only connection (`tracker.store.open_reader`, which waits out a lock),
reads what one page needs in one go, and closes it again. Results (plain DataFrames and dicts,
never a connection) are cached with `st.cache_data(ttl=...)`. If the writer holds the lock longer
than the retry window, the last good answer is served; with none, `DatabaseBusy` tells the page
to say so in words. Tables written by other collectors may be missing: each is looked up in
`information_schema` first and treated as "not collected yet" when absent.
"""

from __future__ import annotations

import json
import os
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from tracker import config, metrics, registry
from tracker.errors import StoreLockedError, TrackerError
from tracker.runs import last_runs, utcnow
from tracker.store import Store, open_reader

TTL_SECONDS = 60
LOCK_ATTEMPTS = 20  # open_reader waits about 0.25 s per attempt: ~5 s before giving up
RISK_LEVELS = ("low", "medium", "high", "critical")
SPARK_WEEKS = 26
TREND_DAYS = 90
TOP_CONTRIBUTORS = 10
FUNDING_METRICS = ("funding_channels_count", "sponsors_count", "oc_received_12m_usd", "oc_yearly_budget_usd",
                   "oc_balance_usd", "grants_total_usd_5y", "grants_active")
_LAST_GOOD_SIZE = 256
_SAME_PROCESS_WRITER = "different configuration"


class NoDatabase(TrackerError):
    """The database file does not exist yet."""


class DatabaseBusy(TrackerError):
    """A writer held the lock for longer than the retry window and no earlier answer is cached."""


def database_path() -> str:
    """The database the app reads: TRACKER_DB (set by `tracker app`) or the default, absolute."""
    return str(Path(config.load().db_path).expanduser().resolve())


def read(db: str, fn: Callable[..., Any], *args: Any, attempts: int = LOCK_ATTEMPTS) -> Any:
    """Run `fn(store, *args)` on a fresh read-only connection and close it at once."""
    if not Path(db).exists():
        raise NoDatabase(f"no database at {db}")
    store = None
    for _ in range(attempts):
        try:
            store = open_reader(db, attempts=attempts)
            break
        except StoreLockedError:
            raise DatabaseBusy("the collector is writing to the database right now") from None
        except TrackerError as exc:
            # This process itself holds a read-write connection (a user request being written):
            # DuckDB refuses a second configuration until it is closed, which takes milliseconds.
            if _SAME_PROCESS_WRITER not in str(exc):
                raise
            time.sleep(0.1)
    if store is None:
        raise DatabaseBusy("the database is being written to right now")
    try:
        return fn(store, *args)
    finally:
        store.close()


_last_good: OrderedDict[tuple, Any] = OrderedDict()


def _served(name: str, cached: Callable[..., Any], db: str, *args: Any) -> Any:
    """Call a cached query; when the database stays locked, answer with its last good result."""
    key = (name, db, args)
    try:
        value = cached(db, *args)
    except DatabaseBusy:
        if key in _last_good:
            return _last_good[key]
        raise
    _last_good[key] = value
    _last_good.move_to_end(key)
    while len(_last_good) > _LAST_GOOD_SIZE:
        _last_good.popitem(last=False)
    return value


def clear_cache() -> None:
    """Forget cached answers (after the user asked for something to change)."""
    st.cache_data.clear()


# -- schema introspection ---------------------------------------------------------------------
def tables(store: Store) -> set[str]:
    return {r[0] for r in store.all(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        " AND table_type = 'BASE TABLE'")}


def columns(store: Store, table: str) -> list[str]:
    return [r[0] for r in store.all(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' AND table_name = ?"
        " ORDER BY ordinal_position", [table])]


def _json(value: Any, default: Any) -> Any:
    """A JSON column's value parsed; missing (None, NaN from a join) or malformed gives `default`."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return default
    return value if isinstance(value, type(default)) else default


def _num(value: Any) -> float | None:
    try:
        return None if value is None or pd.isna(value) else float(value)
    except (TypeError, ValueError):
        return None


# -- the whole database at a glance -------------------------------------------------------------
def _status(store: Store) -> dict[str, Any]:
    present = tables(store)
    projects = store.scalar("SELECT count(*) FROM projects") if "projects" in present else 0
    return {
        "projects": projects,
        "tables": sorted(present),
        "scored": bool("scores" in present and store.scalar("SELECT count(*) FROM scores")),
    }


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _status_cached(db: str) -> dict[str, Any]:
    return read(db, _status)


def status(db: str) -> dict[str, Any]:
    """Number of projects and which tables exist (decides the empty-database page)."""
    return _served("status", _status_cached, db)


def project_slugs(db: str) -> list[str]:
    return _served("slugs", _slugs_cached, db)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _slugs_cached(db: str) -> list[str]:
    return read(db, lambda s: [r[0] for r in s.all("SELECT slug FROM projects ORDER BY slug_key")])


# -- latest scores ------------------------------------------------------------------------------
_LATEST_SCORES = (
    "SELECT * FROM scores QUALIFY row_number() OVER (PARTITION BY project_id ORDER BY computed_at DESC) = 1"
)


def _latest_scores(store: Store, present: set[str]) -> pd.DataFrame:
    if "scores" not in present:
        return pd.DataFrame(columns=["project_id"])
    return store.execute(_LATEST_SCORES).df()


def _metric_from(row_metrics: Any, name: str) -> Any:
    return _json(row_metrics, {}).get(name)


def funding_summary(m: dict[str, Any]) -> tuple[str, str]:
    """(short text, has funding: yes/no/unknown) from funding metrics; unknown stays unknown."""
    parts = []
    known = False
    positive = False
    for name, label in (("funding_channels_count", "channels"), ("sponsors_count", "sponsors")):
        v = _num(m.get(name))
        if v is not None:
            known = True
            positive |= v > 0
            parts.append(f"{int(v)} {label}")
    for name, label in (("oc_received_12m_usd", "OC/12 mo"), ("grants_total_usd_5y", "grants/5 y")):
        v = _num(m.get(name))
        if v is not None:
            known = True
            positive |= v > 0
            if v > 0:
                parts.append(f"${v:,.0f} {label}")
    if not known:
        return "unknown", "unknown"
    return (" · ".join(parts) or "none"), ("yes" if positive else "no")


def _weekly_matrix(store: Store, now: datetime, weeks: int) -> dict[int, list[int]]:
    """Commits per week for every project, the last `weeks` weeks, zero-filled (one query)."""
    monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    start = monday - timedelta(weeks=weeks - 1)
    rows = store.all(
        "SELECT project_id, CAST(date_diff('week', ?::TIMESTAMP, date_trunc('week', committer_at)) AS INTEGER),"
        " count(*) FROM git_commits WHERE NOT date_suspect AND committer_at >= ? AND committer_at <= ?"
        " GROUP BY ALL",
        [start, start, now],
    )
    out: dict[int, list[int]] = {}
    for pid, idx, n in rows:
        if 0 <= idx < weeks:
            out.setdefault(pid, [0] * weeks)[idx] = n
    return out


def _overview(store: Store) -> pd.DataFrame:
    now = utcnow()
    present = tables(store)
    df = store.execute(
        "SELECT id AS project_id, slug, coalesce(display_name, name) AS name, category FROM projects"
        " ORDER BY slug_key").df()
    latest = _latest_scores(store, present)
    if len(latest):
        keep = [c for c in ("project_id", "health", "coverage", "risk_level", "computed_at", "maturity",
                            "funding_need", "criticality", "metrics") if c in latest.columns]
        df = df.merge(latest[keep], on="project_id", how="left")
        past = store.execute(
            "SELECT project_id, health AS health_before FROM scores WHERE computed_at <= ?"
            " QUALIFY row_number() OVER (PARTITION BY project_id ORDER BY computed_at DESC) = 1",
            [now - timedelta(days=TREND_DAYS)]).df()
        df = df.merge(past, on="project_id", how="left")
    for col in ("health", "coverage", "risk_level", "computed_at", "maturity", "funding_need", "criticality",
                "metrics", "health_before"):
        if col not in df.columns:
            df[col] = None
    df["trend"] = [
        (h - b) if _num(h) is not None and _num(b) is not None else None
        for h, b in zip(df["health"], df["health_before"], strict=True)
    ]
    weekly = _weekly_matrix(store, now, SPARK_WEEKS) if "git_commits" in present else {}
    collected = set()
    if "git_repos" in present:
        collected = {r[0] for r in store.all("SELECT project_id FROM git_repos")}
    df["activity"] = [weekly.get(pid, [0] * SPARK_WEEKS) if pid in collected else None
                      for pid in df["project_id"]]
    releases: dict[int, datetime] = {}
    if "git_tags" in present:
        releases.update(store.all("SELECT project_id, max(tagged_at) FROM git_tags WHERE is_release"
                                  " AND tagged_at <= ? GROUP BY ALL", [now]))
    if "github_releases" in present and {"project_id", "published_at"} <= set(columns(store, "github_releases")):
        for pid, at in store.all("SELECT project_id, max(published_at) FROM github_releases GROUP BY ALL"):
            if at is not None and (pid not in releases or releases[pid] is None or at > releases[pid]):
                releases[pid] = at
    df["last_release"] = [releases.get(pid) for pid in df["project_id"]]
    channels: dict[int, int] = {}
    if "funding_channels" in present:
        channels = dict(store.all("SELECT project_id, count(DISTINCT coalesce(url, platform || ':' ||"
                                  " coalesce(account, ''))) FROM funding_channels GROUP BY ALL"))
    summaries = []
    for pid, m in zip(df["project_id"], df["metrics"], strict=True):
        m = dict(_json(m, {}))
        if m.get("funding_channels_count") is None and pid in channels:
            m["funding_channels_count"] = channels[pid]
        summaries.append(funding_summary(m))
    df["funding"] = [s[0] for s in summaries]
    df["has_funding"] = [s[1] for s in summaries]
    fresh = dict(store.all("SELECT project_id, max(finished_at) FROM collection_runs WHERE status = 'ok'"
                           " AND project_id IS NOT NULL GROUP BY ALL"))
    df["data_as_of"] = [fresh.get(pid) for pid in df["project_id"]]
    df["risk_level"] = df["risk_level"].where(df["risk_level"].notna(), None)
    return df.drop(columns=["metrics", "health_before"])


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _overview_cached(db: str) -> pd.DataFrame:
    return read(db, _overview)


def overview(db: str) -> pd.DataFrame:
    """One row per tracked project: latest health, risk, trend, sparkline, release, funding, freshness."""
    return _served("overview", _overview_cached, db)


# -- one project --------------------------------------------------------------------------------
def _weekly_history(store: Store, pid: int) -> pd.DataFrame:
    df = store.execute(
        "SELECT date_trunc('week', committer_at) AS week, count(*) AS commits,"
        " count(DISTINCT author_key) FILTER (WHERE NOT is_bot) AS active_contributors"
        " FROM git_commits WHERE project_id = ? AND NOT date_suspect AND committer_at <= ?"
        " GROUP BY ALL ORDER BY week", [pid, utcnow()]).df()
    if df.empty:
        return df
    weeks = pd.date_range(df["week"].min(), df["week"].max(), freq="7D")
    return (df.set_index("week").reindex(weeks, fill_value=0).rename_axis("week").reset_index())


def _contributors(store: Store, pid: int, now: datetime) -> pd.DataFrame:
    """Top people by commits over 365 days (display names only, never e-mails) and the rest."""
    rows = store.all(
        "SELECT arg_max(author_name, committer_at), count(*) AS n FROM git_commits"
        " WHERE project_id = ? AND NOT is_bot AND NOT date_suspect AND committer_at > ? AND committer_at <= ?"
        " GROUP BY author_key ORDER BY n DESC", [pid, now - timedelta(days=365), now])
    total = sum(n for _, n in rows)
    if not total:
        return pd.DataFrame(columns=["contributor", "commits", "share"])
    top = [(name, n) for name, n in rows[:TOP_CONTRIBUTORS]]
    rest = sum(n for _, n in rows[TOP_CONTRIBUTORS:])
    if rest:
        top.append((f"{len(rows) - TOP_CONTRIBUTORS} others", rest))
    return pd.DataFrame([{"contributor": name, "commits": n, "share": n / total} for name, n in top])


def _releases(store: Store, pid: int, present: set[str]) -> pd.DataFrame:
    frames = []
    if "git_tags" in present:
        frames.append(store.execute(
            "SELECT name AS release, tagged_at AS released_at, 'git tag' AS source FROM git_tags"
            " WHERE project_id = ? AND is_release AND tagged_at IS NOT NULL", [pid]).df())
    if "github_releases" in present:
        cols = set(columns(store, "github_releases"))
        name = next((c for c in ("tag_name", "tag", "name") if c in cols), None)
        if name and {"project_id", "published_at"} <= cols:
            frames.append(store.execute(
                f"SELECT {name} AS release, published_at AS released_at, 'GitHub release' AS source"
                " FROM github_releases WHERE project_id = ? AND published_at IS NOT NULL", [pid]).df())
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=["release", "released_at", "source"])
    df = pd.concat(frames).sort_values("released_at")
    return df.drop_duplicates(subset=["release"], keep="last")


def _score_history(store: Store, pid: int) -> pd.DataFrame:
    df = store.execute(
        "SELECT computed_at, health, coverage, risk_level,"
        " TRY_CAST(json_extract_string(metrics, '$.median_time_to_first_response_hours_90d_issues') AS DOUBLE)"
        "   AS ttfr_issues_hours,"
        " TRY_CAST(json_extract_string(metrics, '$.median_time_to_first_response_hours_90d_prs') AS DOUBLE)"
        "   AS ttfr_prs_hours,"
        " TRY_CAST(json_extract_string(metrics, '$.oc_received_12m_usd') AS DOUBLE) AS oc_received_12m_usd"
        " FROM scores WHERE project_id = ? ORDER BY computed_at", [pid]).df()
    return df


def _responses(store: Store, pid: int, now: datetime) -> pd.DataFrame | None:
    """Per month and kind (issue / pr) over two years: median hours to the first response from
    someone else (not a bot), how many were opened and how many are still unanswered."""
    have = set(columns(store, "github_issues"))
    if not {"project_id", "kind", "created_at", "first_response_at"} <= have:
        return None
    where = "project_id = ? AND created_at >= ? AND created_at <= ?"
    if "response_checked" in have:
        where += " AND response_checked"
    if "author_is_bot" in have:
        where += " AND NOT coalesce(author_is_bot, false)"
    return store.execute(
        "SELECT date_trunc('month', created_at) AS month, kind,"
        " median(date_diff('second', created_at, first_response_at) / 3600.0)"
        "   FILTER (WHERE first_response_at IS NOT NULL) AS median_hours,"
        " count(*) AS opened, count(*) FILTER (WHERE first_response_at IS NULL) AS unanswered"
        f" FROM github_issues WHERE {where} GROUP BY ALL ORDER BY month, kind",
        [pid, now - timedelta(days=730), now]).df()


def _select_known(store: Store, table: str, wanted: list[str]) -> list[str]:
    have = columns(store, table)
    return [c for c in wanted if c in have]


def _funding(store: Store, project: registry.Project, present: set[str]) -> dict[str, Any]:
    pid = project.id
    out: dict[str, Any] = {"channels": None, "sponsors": None, "grants": None, "oc_series": None,
                           "impact": None, "impact_note": None, "oc": None}
    if "funding_channels" in present:
        cols = _select_known(store, "funding_channels", ["platform", "account", "url", "source", "collected_at"])
        out["channels"] = store.execute(
            f"SELECT DISTINCT {', '.join(cols)} FROM funding_channels WHERE project_id = ? ORDER BY 1",
            [pid]).df()
    if "github_sponsors" in present:
        rows = store.dicts(
            "SELECT * FROM github_sponsors WHERE project_id = ? ORDER BY collected_at DESC LIMIT 1", [pid])
        out["sponsors"] = rows[0] if rows else {}
        if rows:
            out["sponsors"]["tiers"] = _json(rows[0].get("tiers"), [])
    if "grants" in present:
        out["grants"] = _grants(store, project)
    if {"project_id", "month", "received"} <= set(columns(store, "opencollective_monthly")):
        out["oc_series"] = store.execute(
            "SELECT month, slug, currency, sum(received) AS received FROM opencollective_monthly"
            " WHERE project_id = ? GROUP BY ALL ORDER BY month", [pid]).df()
    if "opencollective_snapshots" in present:
        cols = _select_known(store, "opencollective_snapshots",
                             ["slug", "name", "status", "fiscal_host_name", "currency", "balance", "yearly_budget",
                              "received_12m", "spent_12m", "contributors_count", "collected_at"])
        if "slug" in cols and "collected_at" in cols:
            out["oc"] = store.execute(
                f"SELECT {', '.join(cols)} FROM opencollective_snapshots WHERE project_id = ?"
                " QUALIFY row_number() OVER (PARTITION BY slug ORDER BY collected_at DESC) = 1", [pid]).df()
    out["impact"], out["impact_note"] = _impact(store, pid)
    return out


def _grants(store: Store, project: registry.Project) -> pd.DataFrame | None:
    """Grants linked to the project: by project id, else by repository (never an uncertain link)."""
    have = columns(store, "grants")
    wanted = ["funder", "program", "amount", "currency", "amount_usd", "awarded_on", "awarded_precision",
              "period_months", "kind", "source_url", "note"]
    cols = [c for c in wanted if c in have]
    if "project_id" in have:
        where, arg = "project_id = ?", project.id
    elif "recipient_repo_key" in have:
        where, arg = "recipient_repo_key = ?", project.slug.lower()
    elif "recipient_repo" in have:
        where, arg = "lower(recipient_repo) = ?", project.slug.lower()
    else:
        return None
    if "repo_uncertain" in have:
        where += " AND NOT repo_uncertain"
    if not cols:
        return None
    order = " ORDER BY awarded_on DESC" if "awarded_on" in cols else ""
    return store.execute(f"SELECT {', '.join(cols)} FROM grants WHERE {where}{order}", [arg]).df()


def _impact(store: Store, pid: int) -> tuple[pd.DataFrame | None, str | None]:
    """Activity before/after each dated grant, from the funding branch's `tracker.funding_impact`
    when it is installed (None when it is not or the data is missing)."""
    try:
        from tracker import funding_impact
    except ImportError:
        return None, None
    try:
        results = funding_impact.impact(store, utcnow(), project_id=pid)
    except Exception as exc:  # missing tables or a bug there must not take the page down
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
    return pd.DataFrame(rows, columns=["grant", "measure", "before", "after", "change %", "note"]), \
        getattr(funding_impact, "CAVEAT", None)


def _project(store: Store, slug: str) -> dict[str, Any] | None:
    project = registry.find(store, slug)
    if project is None:
        return None
    now = utcnow()
    present = tables(store)
    pid = project.id
    score = None
    history = pd.DataFrame(columns=["computed_at", "health", "coverage", "risk_level", "ttfr_issues_hours",
                                    "ttfr_prs_hours", "oc_received_12m_usd"])
    if "scores" in present:
        rows = store.dicts("SELECT * FROM scores WHERE project_id = ? ORDER BY computed_at DESC LIMIT 1", [pid])
        if rows:
            score = rows[0]
            for key, default in (("subscores", {}), ("flags", []), ("metrics", {}), ("unchecked", [])):
                score[key] = _json(score.get(key), default)
        history = _score_history(store, pid)
    if score is not None and score["metrics"]:
        values, metrics_source = score["metrics"], f"scoring run of {score['computed_at']:%Y-%m-%d %H:%M} UTC"
    else:
        try:
            values, metrics_source = metrics.compute_all(store, pid, now), "computed now from the collected data"
        except Exception as exc:  # a provider's bug must not take the page down
            values, metrics_source = {}, f"metrics could not be computed ({type(exc).__name__})"
    about: dict[str, Any] = {}
    if "github_repo_snapshots" in present:
        cols = _select_known(store, "github_repo_snapshots",
                             ["description", "homepage", "license_spdx", "stars", "forks", "archived",
                              "collected_at"])
        if cols:
            rows = store.dicts(f"SELECT {', '.join(cols)} FROM github_repo_snapshots WHERE project_id = ?"
                               " ORDER BY collected_at DESC LIMIT 1", [pid])
            about = rows[0] if rows else {}
    weekly = _weekly_history(store, pid) if "git_commits" in present else pd.DataFrame()
    return {
        "project": project.as_dict(),
        "about": about,
        "score": score,
        "history": history,
        "metrics": values,
        "metrics_source": metrics_source,
        "weekly": weekly,
        "releases": _releases(store, pid, present),
        "contributors": _contributors(store, pid, now) if "git_commits" in present else pd.DataFrame(),
        "funding": _funding(store, project, present),
        "responses": _responses(store, pid, now) if "github_issues" in present else None,
        "git_collected": bool("git_repos" in present and store.scalar(
            "SELECT count(*) FROM git_repos WHERE project_id = ?", [pid])),
        "now": now,
    }


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _project_cached(db: str, slug: str) -> dict[str, Any] | None:
    return read(db, _project, slug)


def project(db: str, slug: str) -> dict[str, Any] | None:
    """Everything the project page shows about one project (None if it is not tracked)."""
    return _served("project", _project_cached, db, slug)


# -- funders ------------------------------------------------------------------------------------
def _funders(store: Store) -> pd.DataFrame:
    present = tables(store)
    df = store.execute("SELECT id AS project_id, slug, coalesce(display_name, name) AS name, category"
                       " FROM projects ORDER BY slug_key").df()
    latest = _latest_scores(store, present)
    wanted = ["project_id", "computed_at", "health", "coverage", "risk_level", "maturity", "criticality",
              "truck_factor", "funding_need", "funding_need_reason", "flags", "subscores", "metrics"]
    if len(latest):
        df = df.merge(latest[[c for c in wanted if c in latest.columns]], on="project_id", how="left")
    for col in wanted[1:]:
        if col not in df.columns:
            df[col] = None
    metrics_list = [_json(m, {}) for m in df["metrics"]]
    for name in FUNDING_METRICS:
        df[name] = [_num(m.get(name)) for m in metrics_list]
    df["funding_score"] = [_num((_json(s, {}).get("funding") or {}).get("score")) for s in df["subscores"]]
    df["funding_received_usd"] = [
        None if m.get("oc_received_12m_usd") is None and m.get("grants_total_usd_5y") is None
        else (_num(m.get("oc_received_12m_usd")) or 0.0) + (_num(m.get("grants_total_usd_5y")) or 0.0) / 5
        for m in metrics_list
    ]
    df["flags"] = [_json(f, []) for f in df["flags"]]
    return df.drop(columns=["metrics", "subscores"])


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _funders_cached(db: str) -> pd.DataFrame:
    return read(db, _funders)


def funders(db: str) -> pd.DataFrame:
    """Latest criticality, funding need (with its reason), risk, flags and funding metrics per project."""
    return _served("funders", _funders_cached, db)


# -- data & runs --------------------------------------------------------------------------------
_SCHEDULE_TABLES = ("scheduler_jobs", "schedule_jobs", "scheduled_jobs")


def _runs(store: Store) -> dict[str, Any]:
    present = tables(store)
    last = pd.DataFrame(last_runs(store))
    by_source = store.execute(
        "SELECT source, max(started_at) AS last_started, max(finished_at) AS last_finished,"
        " count(*) FILTER (WHERE status = 'ok') AS ok_runs,"
        " count(*) FILTER (WHERE status = 'error') AS error_runs,"
        " count(*) FILTER (WHERE status = 'running') AS running,"
        " count(*) FILTER (WHERE status = 'interrupted') AS interrupted,"
        " arg_max(status, started_at) AS last_status,"
        " arg_max(error, started_at) FILTER (WHERE status = 'error') AS last_error"
        " FROM collection_runs GROUP BY source ORDER BY source").df()
    requests = pd.DataFrame()
    if "collection_requests" in present:
        requests = store.execute(
            "SELECT id, kind, project_slug, source, requested_at, status, handled_at, error"
            " FROM collection_requests ORDER BY id DESC LIMIT 50").df()
    schedule = None
    for table in _SCHEDULE_TABLES:
        if table in present:
            cols = _select_known(store, table, ["job_id", "source", "next_run_at", "interval_seconds",
                                                "last_status", "last_started_at", "last_finished_at",
                                                "last_error", "updated_at"])
            order = " ORDER BY next_run_at NULLS LAST" if "next_run_at" in cols else ""
            schedule = store.execute(f"SELECT {', '.join(cols) or '*'} FROM {table}{order}").df()
            break
    return {"last": last, "by_source": by_source, "requests": requests, "schedule": schedule}


@st.cache_data(ttl=5, show_spinner=False)
def _runs_cached(db: str) -> dict[str, Any]:
    return read(db, _runs)


def runs(db: str) -> dict[str, Any]:
    """Last run per source and project, per-source summary, recent requests, the schedule if known."""
    return _served("runs", _runs_cached, db)


def database_size(db: str) -> int | None:
    """Bytes on disk of the database file and its write-ahead log (None if there is no file)."""
    total = None
    for path in (db, db + ".wal"):
        try:
            total = (total or 0) + os.stat(path).st_size
        except OSError:
            continue
    return total
