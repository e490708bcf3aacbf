"""Funders: screen grant candidates. Criticality vs. funding, a shortlist ranked by funding need with
the reason in words, filters, and a CSV export of the shortlist with its evidence."""

from __future__ import annotations

from dataclasses import dataclass, field

import altair as alt
import pandas as pd
import streamlit as st

from tracker import display, output
from tracker.ui import charts, queries, render

Y_AXES = {
    "funding sub-score (0-100)": "funding_score",
    "funding received (USD per year, OC 12 months + grants 5 years / 5)": "funding_received_usd",
}
EXPORT_COLUMNS = ["rank", "slug", "name", "category", "funding_need", "funding_need_reason", "criticality",
                  "health", "coverage", "risk_level", "maturity", "truck_factor", "flags", "has_funding",
                  "asks_for_funding", "funding_channels_count", "sponsors_count", "oc_received_12m_usd", "grants_total_usd_5y",
                  "computed_at", "project_page"]


@dataclass
class Filters:
    categories: list[str] = field(default_factory=list)
    risks: list[str] = field(default_factory=list)
    min_criticality: float = 0.0
    hide_mature: bool = False


def apply_filters(df: pd.DataFrame, f: Filters) -> pd.DataFrame:
    keep = pd.Series(True, index=df.index)
    if f.categories:
        keep &= df["category"].fillna("uncategorised").isin(f.categories)
    if f.risks:
        keep &= df["risk_level"].fillna("unknown").isin(f.risks)
    if f.min_criticality > 0:
        keep &= df["criticality"].fillna(-1) >= f.min_criticality
    if f.hide_mature:
        keep &= ~df["maturity"].fillna("").str.startswith("mature")
    return df[keep]


def shortlist(df: pd.DataFrame) -> pd.DataFrame:
    """Ranked by funding need, highest first; projects whose need is unknown come last, unranked."""
    ranked = df.sort_values(["funding_need", "criticality"], ascending=False, na_position="last").copy()
    ranked["rank"] = pd.array([i + 1 if pd.notna(v) else None for i, v in enumerate(ranked["funding_need"])],
                              dtype="Int64")
    ranked["why"] = [r if isinstance(r, str) and r else "unknown: not scored yet" for r in
                     ranked["funding_need_reason"]]
    ranked["evidence"] = ["; ".join(f"{fl.get('name')}: {fl.get('evidence')}" for fl in flags
                                    if isinstance(fl, dict)) or "no flags" for flags in ranked["flags"]]
    return ranked


def shortlist_csv(ranked: pd.DataFrame, base_url: str = "") -> str:
    """The shortlist as CSV, with the funding-need reason and the flags' evidence per project."""
    rows = []
    for r in ranked.to_dict("records"):
        row = {c: r.get(c) for c in EXPORT_COLUMNS}
        row["flags"] = r["evidence"]
        row["funding_need_reason"] = r["why"]
        row["project_page"] = base_url + render.project_link(r["slug"])
        # formulas in untrusted text are neutralised by the shared CSV writer (tracker.output.csv_cell)
        rows.append({k: display.UNKNOWN if not isinstance(v, list | dict) and display.is_unknown(v) else v
                     for k, v in row.items()})
    return output.to_csv(rows, EXPORT_COLUMNS)


def scatter(df: pd.DataFrame, y: str, y_title: str) -> alt.Chart:
    plotted = df.dropna(subset=["criticality", y]).assign(risk=lambda d: d["risk_level"].fillna("unknown"))
    y_scale = alt.Scale(type="symlog") if y == "funding_received_usd" else alt.Scale(domain=[0, 100])
    return alt.Chart(plotted).mark_circle(size=80, opacity=0.8).encode(
        x=alt.X("criticality:Q", scale=alt.Scale(domain=[0, 1]), title="criticality (OpenSSF, 0-1)"),
        y=alt.Y(f"{y}:Q", scale=y_scale, title=y_title),
        color=alt.Color("risk:N", scale=charts.risk_scale(), title="risk"),
        tooltip=["slug:N", alt.Tooltip("criticality:Q", format=".2f"), alt.Tooltip(f"{y}:Q", format=",.0f"),
                 alt.Tooltip("health:Q", format=".0f"), alt.Tooltip("funding_need:Q", format=".2f"),
                 "funding_need_reason:N"],
    ).properties(height=380)


def show() -> None:
    """Render the funders page."""
    db = queries.database_path()
    with render.guard(db):
        render.require_projects(db)
        df = queries.funders(db)
    st.title("Funders")
    st.caption("Important, active and under-funded projects first. Funding need combines criticality, "
               "health and strain, and funding received; every rank says why.")
    c1, c2, c3, c4 = st.columns([2, 2, 2, 1])
    f = Filters(
        categories=c1.multiselect("Category", sorted(df["category"].fillna("uncategorised").unique()),
                                  key="funders_category"),
        risks=c2.multiselect("Risk level", [*queries.RISK_LEVELS, "unknown"], key="funders_risk"),
        min_criticality=c3.slider("Minimum criticality", 0.0, 1.0, 0.0, 0.05, key="funders_min_criticality"),
        hide_mature=c4.checkbox("Hide mature/stable", key="funders_hide_mature"),
    )
    shown = apply_filters(df, f)
    y_label = st.radio("Funding axis", list(Y_AXES), horizontal=True, key="funders_y")
    y = Y_AXES[y_label]
    unplotted = int((shown["criticality"].isna() | shown[y].isna()).sum())
    if len(shown) - unplotted:
        st.altair_chart(scatter(shown, y, y_label), width="stretch")
    if unplotted:
        st.caption(f"{unplotted} of {len(shown)} projects are not plotted: their criticality or funding is "
                   "unknown (not collected or not scored yet).")
    ranked = shortlist(shown)
    top = st.number_input("Shortlist length", 5, 1000, 25, 5, key="funders_top")
    head = ranked.head(int(top))
    st.subheader("Shortlist by funding need")
    numbers = render.cells(pd.DataFrame({"rank": head["rank"], "funding need": head["funding_need"],
                                         "criticality": head["criticality"]}),
                           digits={"funding need": 2, "criticality": 2})
    health = [display.health(h, c, r) for h, c, r in zip(head["health"], head["coverage"], head["health_reason"],
                                                          strict=True)]  # coverage beside every health
    st.dataframe(
        pd.DataFrame({
            "rank": numbers["rank"], "project": [render.project_link(s) for s in head["slug"]],
            "category": head["category"].fillna("uncategorised"), "funding need": numbers["funding need"],
            "why": head["why"], "criticality": numbers["criticality"], "health": health,
            "risk": [render.risk_badge(r) for r in head["risk_level"]], "evidence": head["evidence"],
        }),
        hide_index=True, width="stretch", key="funders_table",
        column_config={
            "project": st.column_config.LinkColumn("project", display_text=r"project\?project=(.*)$"),
            "funding need": st.column_config.TextColumn("funding need",
                                                        help="0-1, higher is more in need; unknown = not scored yet"),
            "why": st.column_config.TextColumn("why", width="large"),
        },
    )
    st.download_button("Download shortlist (CSV, with evidence)", shortlist_csv(head),
                       file_name="funding-shortlist.csv", mime="text/csv", key="funders_csv")
