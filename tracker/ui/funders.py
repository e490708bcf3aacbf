"""Funders: screen grant candidates. Criticality vs. funding, a shortlist ranked by funding need with
the reason in words, filters, and a CSV export of the shortlist with its evidence."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from tracker import catalogue, display, output
from tracker.ui import charts, queries, render
from tracker.ui.render import md

Y_AXES = {  # label -> (column, kind)
    "funding sub-score (0-100)": ("funding_score", "score"),
    "money received, USD a year": ("funding_received_usd", "usd"),
    "money received, USD a year (log scale)": ("funding_received_usd", "log"),
}
Y_TITLES = {"funding_score": "funding sub-score (0-100)",
            "funding_received_usd": "money received a year (Open Collective + grants / 5 years)"}
# "Important and under-funded": criticality from 0.5 up, and funding below these.
IMPORTANT = 0.5
UNDERFUNDED = {"score": 30.0, "usd": 10_000.0, "log": 10_000.0}
NAMED = 10  # points named on the scatter: the top of the shortlist
REASONS = 15  # reasons written out in full under the shortlist
PARTS = {"importance": "importance", "alive": "alive", "strain": "strain", "unfunded": "unfunded"}
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
    ranked["evidence"] = ["; ".join(f"{catalogue.label_or_name(str(fl.get('name')))}: {fl.get('evidence')}"
                                    for fl in flags
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


def completeness(df: pd.DataFrame) -> None:
    """How complete the funding data is: projects with money figures, only declared channels, nothing."""
    counts = df["funding_data"].value_counts()
    money, channels, nothing = (int(counts.get(k, 0)) for k in ("money", "channels only", "nothing"))
    text = (f"**Funding data:** money figures (sponsors, Open Collective, grants) for {money} of {len(df)} projects, "
            f"only declared funding channels for {channels}, nothing for {nothing}. A channel says a project asks "
            "for money, not that money arrives; where money is unknown the funding sub-score and the need rest on "
            "less (see coverage), and an unknown need is listed last.")
    (st.info if money >= len(df) / 2 else st.warning)(text, icon=":material/info:")


def shortlist_grid(head: pd.DataFrame) -> None:
    """The shortlist: rank, need and its four parts as small bars, criticality, health, risk."""
    frame = pd.DataFrame({
        "rank": ["-" if display.is_unknown(r) else str(r) for r in head["rank"]],
        "project": [render.project_link(s) for s in head["slug"]],
        "funding need": [display.number(v, 1) for v in head["funding_need"]],
        **{label: [None if display.is_unknown(v) else round(100 * v) for v in head[f"need_{part}"]]
           for part, label in PARTS.items()},
        "criticality": [display.number(v, 2) for v in head["criticality"]],
        "health": [display.number(v, 0) for v in head["health"]],
        "coverage": [display.percent(v) for v in head["coverage"]],
        "risk": [[render.risk_label(r)] for r in head["risk_level"]],
        "category": head["category"].fillna("uncategorised"),
    })
    helps = {"importance": "Criticality and usage (stars or dependents), 0-100",
             "alive": "From the activity sub-score; 0 when archived or abandoned",
             "strain": "How much rests on few people (contributor absence factor)",
             "unfunded": "100 minus the funding sub-score"}
    config = {
        "rank": st.column_config.TextColumn("rank", width=55),
        "project": st.column_config.LinkColumn("project", display_text=r"project\?project=(.*)$", width=200),
        "funding need": st.column_config.TextColumn(
            "funding need", width=100, help="0-100 = importance x alive x strain x unfunded (each 0-1); "
                                            "unknown when a part is unknown"),
        **{label: st.column_config.ProgressColumn(label, min_value=0, max_value=100, format="%d", width=105,
                                                  help=helps[part] + "; empty = unknown", color="#4477AA")
           for part, label in PARTS.items()},
        "criticality": st.column_config.TextColumn("criticality", width=85),
        "health": st.column_config.TextColumn("health", width=65),
        "coverage": st.column_config.TextColumn("coverage", width=80),
        "risk": st.column_config.MultiselectColumn(
            "risk", options=[catalogue.LEVELS[k].label for k in render.RISK_ORDER],
            color=[render.RISK_COLORS[k] for k in render.RISK_ORDER], width=125),
    }
    st.dataframe(frame, hide_index=True, width="stretch", key="funders_table", column_config=config,
                 height=min(38 + 35 * max(len(frame), 1), 560))


def reasons(head: pd.DataFrame) -> None:
    """Why each project ranks where it does, in full (wrapped), with its flags' evidence."""
    lines = []
    for r in head.head(REASONS).itertuples(index=False):
        rank = f"{r.rank}. " if not display.is_unknown(r.rank) else "unranked: "
        lines.append(f"**{rank}{md(r.slug)}** (need {md(display.number(r.funding_need, 1))}): {md(r.why)}"
                     + ("" if r.evidence == "no flags" else f"  \n   :gray[Flags: {md(r.evidence)}]"))
    st.markdown("\n".join(f"- {line}" for line in lines))
    if len(head) > REASONS:
        st.caption(f"The first {REASONS} of {len(head)}; every reason is in the CSV download.")


def show() -> None:
    """Render the funders page."""
    db = queries.database_path()
    with render.guard(db):
        render.require_projects(db)
        df = queries.funders(db)
    st.title("Funders")
    st.caption("Important, active and under-funded projects first. Funding need (0-100) multiplies importance, "
               "how alive the project is, how much rests on few people, and how little funding it has; "
               f"every rank says why. {render.docs_link('funding_need', 'How funding need is computed')}")
    completeness(df)
    c1, c2, c3, c4 = st.columns([2, 2, 2, 2], vertical_alignment="bottom")
    f = Filters(
        categories=c1.multiselect("Category", sorted(df["category"].fillna("uncategorised").unique()),
                                  key="funders_category"),
        risks=c2.multiselect("Risk level", [*queries.RISK_LEVELS, "unknown"], key="funders_risk",
                             format_func=render.risk_label),
        min_criticality=c3.slider("Minimum criticality", 0.0, 1.0, 0.0, 0.05, key="funders_min_criticality"),
        hide_mature=c4.checkbox("Hide mature and stable projects", key="funders_hide_mature"),
    )
    shown = apply_filters(df, f)
    ranked = shortlist(shown)
    y_label = st.radio("Funding axis", list(Y_AXES), horizontal=True, key="funders_y")
    y, kind = Y_AXES[y_label]
    plotted = ranked.dropna(subset=["criticality", y]).assign(risk=lambda d: [render.risk_label(r) for r in
                                                                            d["risk_level"]])
    unplotted = len(ranked) - len(plotted)
    if len(plotted):
        st.altair_chart(charts.labelled_scatter(plotted, y, Y_TITLES[y], kind, "slug", NAMED,
                                                (IMPORTANT, UNDERFUNDED[kind])), width="content")
        st.caption(f"The top {min(NAMED, len(plotted))} of the shortlist are named (hover for the others). Shaded: "
                   f"criticality {IMPORTANT} or more and funding under "
                   + (f"{UNDERFUNDED[kind]:.0f}/100" if kind == "score" else display.money(UNDERFUNDED[kind]) + " a year")
                   + (" (projects receiving less than $100 a year sit on the bottom line)" if kind == "log" else "")
                   + ".")
    if unplotted:
        st.caption(f"{unplotted} of {len(ranked)} projects are not plotted: their criticality or funding is "
                   "unknown (not collected or not scored yet).")
    st.subheader("Shortlist by funding need")
    top = st.number_input("Shortlist length", 5, 1000, 25, 5, key="funders_top")
    head = ranked.head(int(top))
    unknown_need = int(ranked["funding_need"].isna().sum())
    shortlist_grid(head)
    if unknown_need:
        st.caption(f"{display.count(unknown_need, 'project')} with an unknown need (a part of it unknown) "
                   "are listed last, unranked.")
    st.markdown("**Why each project ranks where it does**")
    reasons(head)
    st.download_button("Download shortlist (CSV, with evidence)", shortlist_csv(head),
                       file_name="funding-shortlist.csv", mime="text/csv", key="funders_csv")
