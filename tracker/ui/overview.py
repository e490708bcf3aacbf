"""Overview: every tracked project in one sortable, filterable table, with a link to its page."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from tracker import display
from tracker.runs import utcnow
from tracker.ui import nav, queries, render
from tracker.ui.render import md

RISK_CHOICES = [*queries.RISK_LEVELS, "unknown"]
FUNDING_CHOICES = ("any", "yes", "no", "unknown")
MAX_OPEN_LINKS = 8  # links under the table when a search narrows it down to this many


@dataclass
class Filters:
    categories: list[str] = field(default_factory=list)
    risks: list[str] = field(default_factory=list)
    health: tuple[int, int] = (0, 100)
    include_unknown_health: bool = True
    funding: str = "any"
    search: str = ""


def apply_filters(df: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """Rows matching every filter; an empty selection means 'all'."""
    keep = pd.Series(True, index=df.index)
    if f.categories:
        keep &= df["category"].fillna("uncategorised").isin(f.categories)
    if f.risks:
        keep &= df["risk_level"].fillna("unknown").isin(f.risks)
    known = df["health"].notna()
    in_range = df["health"].between(f.health[0], f.health[1])
    keep &= (known & in_range) | (~known & f.include_unknown_health)
    if f.funding != "any":
        keep &= df["has_funding"] == f.funding
    text = f.search.strip().lower()
    if text:
        keep &= (df["slug"].str.lower().str.contains(text, regex=False)
                 | df["name"].fillna("").str.lower().str.contains(text, regex=False))
    return df[keep]


def table(df: pd.DataFrame) -> pd.DataFrame:
    """The displayed table: plain values (the grid renders text, never HTML)."""
    return pd.DataFrame({
        "project": [render.project_link(s) for s in df["slug"]],
        "name": df["name"],
        "category": df["category"].fillna("uncategorised"),
        "health": df["health"],
        "coverage": [_coverage(c, r) for c, r in zip(df["coverage"], df["health_reason"], strict=True)],
        "risk": [render.risk_badge(r) for r in df["risk_level"]],
        "trend (90 d)": [render.trend_arrow(t) for t in df["trend"]],
        "activity (26 wk)": df["activity"],
        "last release": [display.date(d) for d in df["last_release"]],
        "funding": df["funding"],
        "data as of": [display.when(d) for d in df["data_as_of"]],
    })


def _coverage(coverage: object, reason: object) -> str:
    """The coverage shown beside every health: '71%'; 'insufficient data (coverage 4%)' below the
    evidence rule (docs/methodology.md, "No verdict without evidence"); 'unknown' when not scored."""
    if not display.is_unknown(reason):
        return display.health(None, coverage, reason)
    return display.percent(coverage)


COLUMNS = {
    "project": st.column_config.LinkColumn(
        "project", display_text=r"project\?project=(.*)$", help="Open the project page"),
    "name": st.column_config.TextColumn("name", width="medium"),
    "health": st.column_config.ProgressColumn(
        "health", min_value=0, max_value=100, format="%.0f",
        help="0-100, weighted sub-scores; empty = unknown (insufficient data or not scored yet). The project "
             "page says why."),
    "coverage": st.column_config.TextColumn(
        "coverage", help="Share of the health weight that was known. Below 50% (or without git activity) there "
        "is no health: 'insufficient data'."),
    "activity (26 wk)": st.column_config.LineChartColumn(
        "activity (26 wk)", y_min=0, help="Commits per week; empty = git history not collected yet"),
    "last release": st.column_config.TextColumn(
        "last release", help="Newest release of any kind (git tag, GitHub release, PyPI upload), pre-releases "
        "left out; unknown = none collected"),
    "funding": st.column_config.TextColumn(
        "funding", help="Money received (sponsors, Open Collective, grants) and whether the project asks for "
        "funding (declared channels); a channel is not money. From the latest score's metrics."),
    "data as of": st.column_config.TextColumn(
        "data as of",
        help="Every source's data is at least this recent: the oldest of the sources' last collections that "
             "brought data (ok or partial); unknown = nothing collected yet"),
}


def show() -> None:
    """Render the overview page."""
    db = queries.database_path()
    with render.guard(db):
        render.require_projects(db)
        df = queries.overview(db)
    st.title("Overview")
    st.caption("Health, maintenance risk and funding of every tracked project. Unknown means not collected "
               "or not scored yet, never zero. Click a project to see why.")
    categories = sorted(df["category"].fillna("uncategorised").unique())
    # Search stays in view; the other filters sit in a popover, which the browser draws only when
    # opened: five widgets fewer to draw before the grid (about 0.3-0.5 s of a page load here).
    search_col, filter_col = st.columns([3, 2], vertical_alignment="bottom")
    search = search_col.text_input("Search by name", key="overview_search", placeholder="owner/repo or name")
    with filter_col.popover("Filters: category, risk, health, funding", width="stretch"):
        f = Filters(
            categories=st.multiselect("Category", categories, key="overview_category"),
            risks=st.multiselect("Risk level", RISK_CHOICES, key="overview_risk"),
            health=st.slider("Health", 0, 100, (0, 100), key="overview_health"),
            include_unknown_health=st.checkbox("Include projects whose health is unknown", value=True,
                                               key="overview_health_unknown"),
            funding=st.selectbox("Has funding (money received)", FUNDING_CHOICES, key="overview_funding",
                                 help="Money received: sponsors, Open Collective income or grants. Declaring "
                                      "funding channels alone is not funding."),
            search=search,
        )
    shown = apply_filters(df, f)
    event = st.dataframe(
        table(shown), column_config=COLUMNS, hide_index=True, width="stretch", key="overview_table",
        on_select="rerun", selection_mode="single-row", height=min(38 + 35 * max(len(shown), 1), 640),
    )
    unknown = int(shown["health"].isna().sum())
    active = [name for name, on in (("category", f.categories), ("risk", f.risks), ("health", f.health != (0, 100)),
                                    ("unknown health left out", not f.include_unknown_health),
                                    ("funding", f.funding != "any"), ("search", f.search.strip())) if on]
    st.caption(f"{len(shown)} of {len(df)} projects shown"
               + (f" (filtered by {', '.join(active)})" if active else "")
               + f" · as of {utcnow():%Y-%m-%d %H:%M} UTC"
               + (f" · {display.unranked(unknown, why='no health (insufficient data or not scored yet)')}"
                  if unknown else ""),
               help="Data is re-read at most every minute.")
    rows = event.selection.rows if event is not None and hasattr(event, "selection") else []
    if rows:
        nav.switch_to("project", {"project": shown.iloc[rows[0]]["slug"]})
    open_links(shown, f.search)


def open_links(shown: pd.DataFrame, search: str) -> None:
    """Links to the project pages of the rows a search narrowed the table to (a few at most). The
    table's own links and row selection open a page too; a 1,000-option "open a project" list here
    cost the first page load its lazily loaded code and every slug, and was dropped for this."""
    if not search.strip():
        st.caption("Open a project page: select its row (or follow the link in its first column), or "
                   "search for it to get a link here.")
        return
    if shown.empty:
        st.caption("No project matches the search and filters.")
        return
    if len(shown) > MAX_OPEN_LINKS:
        st.caption(f"{len(shown)} projects match; narrow the search to {MAX_OPEN_LINKS} or fewer for links "
                   "to their pages.")
        return
    columns = st.columns(max(1, min(len(shown), MAX_OPEN_LINKS // 2)))
    for i, slug in enumerate(shown["slug"]):
        with columns[i % len(columns)]:
            nav.page_link("project", f"Open {md(slug)}", {"project": slug})
