"""Compare: two to four projects side by side (sub-scores, key metrics, charts on one axis).
The choice is kept in the URL (?projects=a/b,c/d) so a comparison can be shared."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from tracker import catalogue, display
from tracker.ui import charts, queries, render

MAX_PROJECTS = 4
KEY_METRICS = [
    "commits_365d", "active_contributors_365d", "days_since_last_commit", "contributor_absence_factor_365d",
    "elephant_factor_365d", "truck_factor", "days_since_last_release", "releases_365d", "tags_365d",
    "median_time_to_first_response_hours_90d_issues", "median_time_to_first_response_hours_90d_prs",
    "stars", "criticality", "funding_channels_count", "sponsors_count", "oc_received_12m_usd",
    "grants_total_usd_5y",
]
COMPARE_MONTHS = 24


def side_by_side(bundles: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """Rows = measures (catalogue labels), columns = projects; every cell text for people, with its
    unit, percentages as '77%', 'unknown' where unknown."""
    rows: dict[str, dict[str, str]] = {}

    def put(measure: str, slug: str, value: str) -> None:
        rows.setdefault(measure, {})[slug] = value

    for slug, data in bundles.items():
        score = data["score"] or {}
        put("Health (0-100)", slug, "insufficient data" if score.get("health") is None and score.get("health_reason")
            else display.number(score.get("health"), 0))
        put("Coverage", slug, display.percent(score.get("coverage")))
        put("Maintenance risk", slug, render.risk_label(score.get("risk_level")) if score else display.UNKNOWN)
        put("Maturity", slug, catalogue.label_or_name(score["maturity"]) if score.get("maturity") else display.UNKNOWN)
        put("Funding need (0-100)", slug, display.number(score.get("funding_need"), 1))
        put("Risk flags", slug, ", ".join(catalogue.label_or_name(str(f.get("name")))
                                          for f in score.get("flags") or [] if isinstance(f, dict))
            or ("none" if score else display.UNKNOWN))
        for name, sub in (score.get("subscores") or {}).items():
            value = sub.get("score") if isinstance(sub, dict) else None
            put(f"Sub-score: {catalogue.label_or_name(name)}", slug, display.number(value, 0))
        for name in KEY_METRICS:
            metric = catalogue.METRICS[name]
            put(metric.label, slug, display.quantity(data["metrics"].get(name), metric.unit))
    frame = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=list(bundles))
    return frame.fillna(display.UNKNOWN).rename_axis("measure").reset_index()


def monthly_long(bundles: dict[str, dict[str, Any]]) -> pd.DataFrame:
    frames = []
    for slug, data in bundles.items():
        monthly = data["monthly"]
        if not monthly.empty:
            frames.append(monthly.tail(COMPARE_MONTHS).assign(project=slug))
    return pd.concat(frames) if frames else pd.DataFrame(columns=["month", "commits", "project"])


def history_long(bundles: dict[str, dict[str, Any]]) -> pd.DataFrame:
    frames = [data["history"].dropna(subset=["health"]).assign(project=slug)
              for slug, data in bundles.items() if not data["history"].empty]
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames) if frames else pd.DataFrame(columns=["computed_at", "health", "project"])


def subscores_long(bundles: dict[str, dict[str, Any]]) -> pd.DataFrame:
    rows = []
    for slug, data in bundles.items():
        for name, sub in ((data["score"] or {}).get("subscores") or {}).items():
            value = sub.get("score") if isinstance(sub, dict) else None
            if value is not None:
                rows.append({"project": slug, "sub-score": catalogue.label_or_name(name), "score": value})
    return pd.DataFrame(rows, columns=["project", "sub-score", "score"])


def choose(db: str) -> list[str]:
    slugs = queries.project_slugs(db)
    wanted = [s.strip() for s in (st.query_params.get("projects") or "").split(",") if s.strip()]
    lookup = {s.lower(): s for s in slugs}
    default = [lookup[w.lower()] for w in wanted if w.lower() in lookup][:MAX_PROJECTS]
    chosen = st.multiselect("Projects (2 to 4)", slugs, default=default, max_selections=MAX_PROJECTS,
                            key="compare_projects")
    if chosen != default:
        st.query_params["projects"] = ",".join(chosen)
    return chosen


def show() -> None:
    """Render the compare page."""
    db = queries.database_path()
    with render.guard(db):
        render.require_projects(db)
        st.title("Compare")
        chosen = choose(db)
        if len(chosen) < 2:
            st.info("Choose two to four projects to compare.")
            return
        bundles = {slug: queries.project(db, slug) for slug in chosen}
    bundles = {slug: data for slug, data in bundles.items() if data is not None}
    table = side_by_side(bundles)
    st.dataframe(table, hide_index=True, width="stretch", key="compare_table", height=38 + 35 * len(table),
                 column_config={"measure": st.column_config.TextColumn("measure", width=330)})
    subs = subscores_long(bundles)
    if not subs.empty:
        st.subheader("Sub-scores")
        st.altair_chart(charts.grouped_bars(subs, "sub-score", "score", "project", "score (0-100)",
                                            domain=(0, 100)), width="stretch")
        st.caption(f"Unknown sub-scores have no bar. {render.docs_link('sub-scores-0-100-and-health', 'How the sub-scores are computed')}")
    monthly = monthly_long(bundles)
    st.subheader("Commits a month (last two years)")
    if monthly.empty:
        st.write("unknown: git history not collected for these projects yet")
    else:
        st.altair_chart(charts.series(monthly, "month", "commits", "commits a month", color="project",
                                      legend_title="project"), width="stretch")
    history = history_long(bundles)
    st.subheader("Health over time")
    if history.empty:
        st.write("No scoring runs yet.")
    else:
        st.altair_chart(charts.series(history, "computed_at", "health", "health (0-100)", color="project",
                                      y_domain=(0, 100), legend_title="project"), width="stretch")
