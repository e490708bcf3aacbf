"""Compare: two to four projects side by side (sub-scores, key metrics, charts on one axis).
The choice is kept in the URL (?projects=a/b,c/d) so a comparison can be shared."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from tracker import display
from tracker.ui import charts, queries, render

MAX_PROJECTS = 4
KEY_METRICS = [
    "commits_365d", "active_contributors_365d", "days_since_last_commit", "contributor_absence_factor_365d",
    "elephant_factor_365d", "truck_factor", "days_since_last_release", "releases_365d", "tags_365d",
    "median_time_to_first_response_hours_90d_issues", "median_time_to_first_response_hours_90d_prs",
    "stars", "criticality", "funding_channels_count", "sponsors_count", "oc_received_12m_usd",
    "grants_total_usd_5y",
]
COMPARE_WEEKS = 104


def side_by_side(bundles: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """Rows = measures, columns = projects; every cell plain text, 'unknown' where unknown."""
    rows: dict[str, dict[str, str]] = {}

    def put(measure: str, slug: str, value: Any) -> None:
        rows.setdefault(measure, {})[slug] = render.fmt_plain(value)

    for slug, data in bundles.items():
        score = data["score"] or {}
        put("health", slug, "insufficient data" if score.get("health") is None and score.get("health_reason")
            else score.get("health"))
        put("coverage", slug, display.percent(score.get("coverage")))
        put("risk level", slug, score.get("risk_level"))
        put("flags", slug, ", ".join(str(f.get("name")) for f in score.get("flags") or [] if isinstance(f, dict))
            or ("none" if score else None))
        for name, sub in (score.get("subscores") or {}).items():
            put(f"sub-score: {name}", slug, (sub or {}).get("score") if isinstance(sub, dict) else None)
        for name in KEY_METRICS:
            put(name, slug, data["metrics"].get(name))
    frame = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=list(bundles))
    return frame.fillna("unknown").rename_axis("measure").reset_index()


def weekly_long(bundles: dict[str, dict[str, Any]]) -> pd.DataFrame:
    frames = []
    for slug, data in bundles.items():
        weekly = data["weekly"]
        if not weekly.empty:
            frames.append(weekly.tail(COMPARE_WEEKS).assign(project=slug))
    return pd.concat(frames) if frames else pd.DataFrame(columns=["week", "commits", "project"])


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
                rows.append({"project": slug, "sub-score": name, "score": value})
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
    st.dataframe(side_by_side(bundles), hide_index=True, width="stretch", key="compare_table")
    subs = subscores_long(bundles)
    if not subs.empty:
        st.subheader("Sub-scores")
        st.altair_chart(alt.Chart(subs).mark_bar().encode(
            x=alt.X("sub-score:N", title=None), xOffset="project:N",
            y=alt.Y("score:Q", scale=alt.Scale(domain=[0, 100])), color=alt.Color("project:N", title=None),
            tooltip=["project:N", "sub-score:N", alt.Tooltip("score:Q", format=".0f")],
        ).properties(height=260), width="stretch")
    weekly = weekly_long(bundles)
    st.subheader("Commits per week (last two years)")
    if weekly.empty:
        st.write("unknown: git history not collected for these projects yet")
    else:
        st.altair_chart(charts.series(weekly, "week", "commits", "commits per week", color="project"),
                        width="stretch")
    history = history_long(bundles)
    st.subheader("Health over time")
    if history.empty:
        st.write("No scoring runs yet.")
    else:
        st.altair_chart(charts.series(history, "computed_at", "health", "health", color="project",
                                      y_domain=(0, 100)), width="stretch")
