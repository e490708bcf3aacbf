"""Overview: every tracked project in one sortable, filterable table, with a link to its page."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from tracker import catalogue, display
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


def ranked(df: pd.DataFrame) -> pd.DataFrame:
    """Most at risk first (critical, high, medium, low, then insufficient data), and within a level
    the greatest funding need first (unknown need last), then the lowest health."""
    order = {level: i for i, level in enumerate(render.RISK_ORDER)}
    keys = pd.DataFrame({
        "risk": [order[render.risk_key(r)] for r in df["risk_level"]],
        "need": -pd.to_numeric(df["funding_need"], errors="coerce").fillna(-1.0),
        "health": pd.to_numeric(df["health"], errors="coerce").fillna(101.0),
        "slug": df["slug"].str.lower(),
    }, index=df.index)
    return df.loc[keys.sort_values(["risk", "need", "health", "slug"]).index]


def table(df: pd.DataFrame) -> pd.DataFrame:
    """The displayed table: plain values (the grid renders text, never HTML); nothing reads None."""
    return pd.DataFrame({
        "project": [render.project_link(s) for s in df["slug"]],
        "risk": [[render.risk_label(r)] for r in df["risk_level"]],
        "health": df["health"],
        "coverage": [display.percent(c) for c in df["coverage"]],
        "trend (90 d)": [render.trend_arrow(t) for t in df["trend"]],
        "funding need": [display.number(v, 1) for v in df["funding_need"]],
        "activity (26 wk)": df["activity"],
        "last release": [display.date(d) for d in df["last_release"]],
        "funding": df["funding_short"],
        "category": df["category"].fillna("uncategorised"),
        "data as of": [display.date(d) for d in df["data_as_of"]],
    }, index=df.index)


COLUMNS = {
    "project": st.column_config.LinkColumn(
        "project", display_text=r"project\?project=(.*)$", help="Open the project page", width=190),
    "risk": st.column_config.MultiselectColumn(
        "risk", options=[catalogue.LEVELS[k].label for k in render.RISK_ORDER],
        color=[render.RISK_COLORS[k] for k in render.RISK_ORDER], width=125,
        help="Maintenance risk from the flags raised; insufficient data = too little collected to judge "
             "(not a verdict). Colours are safe for colour-blind readers; the level is always written."),
    "health": st.column_config.ProgressColumn(
        "health", min_value=0, max_value=100, format="%.0f", color="auto", width=110,
        help="0-100, weighted sub-scores; the bar is green from 50 up, red below. Empty = unknown (not scored, "
             "or too little data). The project page says why and what would raise it."),
    "coverage": st.column_config.TextColumn(
        "coverage", width=80, help="Share of the health weight whose inputs were known: health at 40% coverage "
                                   "rests on less than health at 90%. Below 50% (or without git activity) there is "
                                   "no health: the risk column says 'insufficient data'."),
    "trend (90 d)": st.column_config.TextColumn("trend (90 d)", width=90,
                                                help="Health change against the score 90 days before"),
    "funding need": st.column_config.TextColumn(
        "funding need", width=95, help="0-100: important, alive, strained and under-funded ranks higher. "
                                       "The Funders page breaks it into its parts."),
    "activity (26 wk)": st.column_config.LineChartColumn(
        "activity (26 wk)", y_min=0, width=120, color="#4477AA", help="Commits per week; empty = git history not collected yet"),
    "last release": st.column_config.TextColumn(
        "last release", width=95, help="Newest release of any kind (git tag, GitHub release, PyPI upload), "
        "pre-releases left out; unknown = none collected"),
    "funding": st.column_config.TextColumn(
        "funding", width=135, help="Money received a year (Open Collective, grants over 5 years / 5) or sponsors; "
        "'(asks)': the project declares funding channels, which is not money received."),
    "category": st.column_config.TextColumn("category", width=95),
    "data as of": st.column_config.TextColumn(
        "data as of", width=95,
        help="Every source's data is at least this recent: the oldest of the sources' last collections that "
             "brought data (ok or partial); unknown = nothing collected yet"),
}


def headline(df: pd.DataFrame, now) -> None:
    """The portfolio in one row: projects by risk level, median health (with coverage), how fresh."""
    counts = df["risk_level"].map(render.risk_key).value_counts()
    cells = st.columns([1, 1, 1, 1, 1.3, 1.3, 1.6])
    for cell, level in zip(cells, render.RISK_ORDER, strict=False):
        cell.metric(f"{catalogue.LEVELS[level].label} risk" if level != "unknown" else "insufficient data",
                    display.number(int(counts.get(level, 0))),
                    help=catalogue.LEVELS[level].description, border=True)
    known = df["health"].dropna()
    coverage = df.loc[known.index, "coverage"].dropna()
    cells[5].metric("median health", display.number(known.median(), 0) if len(known) else display.UNKNOWN,
                    help=f"Median over the {display.count(len(known), 'project')} with a health score; their "
                         f"median coverage is {display.percent(coverage.median() if len(coverage) else None)}.",
                    border=True)
    fresh = df["data_as_of"].dropna()
    if fresh.empty:
        cells[6].metric("data as of", display.UNKNOWN, help="Nothing collected yet", border=True)
    else:
        day = pd.Timedelta(days=1)
        recent = int((pd.Timestamp(now) - pd.to_datetime(fresh) <= day).sum())
        cells[6].metric("data as of", display.date(pd.to_datetime(fresh).median()),
                        help=f"Median of the projects' 'data as of' dates. {recent} of {len(df)} projects have all "
                             f"their sources collected in the last 24 hours; {len(df) - len(fresh)} have nothing "
                             "collected yet.", border=True)
    stale = len(df) - len(fresh)
    st.caption(f"{display.count(len(df), 'project')} tracked · oldest data {display.date(fresh.min()) if len(fresh) else 'unknown'}"
               f", newest {display.date(fresh.max()) if len(fresh) else 'unknown'}"
               + (f" · {display.count(stale, 'project')} with nothing collected yet" if stale else "")
               + f" · as of {display.when(now)}")


def prefetch(db: str, params: dict[str, str]) -> None:
    """What `show` reads, into the caches (tracker.ui.nav.prefetch)."""
    queries.overview(db)


def show() -> None:
    """Render the overview page."""
    db = queries.database_path()
    with render.guard(db):
        render.require_projects(db)
        df = queries.overview(db)
    st.title("Overview")
    now = utcnow()
    headline(df, now)
    df = ranked(df)
    categories = sorted(df["category"].fillna("uncategorised").unique())
    # Search stays in view; the other filters sit in a popover, which the browser draws only when
    # opened: five widgets fewer to draw before the grid (about 0.3-0.5 s of a page load here).
    search_col, filter_col = st.columns([3, 2], vertical_alignment="bottom")
    search = search_col.text_input("Search by name", key="overview_search", placeholder="owner/repo or name")
    with filter_col.popover("Filters: category, risk, health, funding", width="stretch"):
        f = Filters(
            categories=st.multiselect("Category", categories, key="overview_category"),
            risks=st.multiselect("Risk level", RISK_CHOICES, key="overview_risk",
                                 format_func=render.risk_label),
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
    unknown = int((shown["risk_level"].map(render.risk_key) == "unknown").sum())
    no_health = int(shown["health"].isna().sum())
    active = [name for name, on in (("category", f.categories), ("risk", f.risks), ("health", f.health != (0, 100)),
                                    ("unknown health left out", not f.include_unknown_health),
                                    ("funding", f.funding != "any"), ("search", f.search.strip())) if on]
    st.caption(f"{len(shown)} of {len(df)} projects shown"
               + (f" (filtered by {', '.join(active)})" if active else "")
               + " · sorted by risk, then funding need"
               + (f" · {display.unranked(unknown)}" if unknown else "")
               + (f" · health unknown (empty bar) for {no_health}" if no_health else ""),
               help="Data is re-read at most every minute. Click a column header to sort by it.")
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
