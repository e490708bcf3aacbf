"""Altair charts shared by the project and compare pages (data in, chart out; no queries here)."""

from __future__ import annotations

import altair as alt
import pandas as pd

RISK_COLORS = {"low": "#2e7d32", "medium": "#f9a825", "high": "#ef6c00", "critical": "#c62828",
               "unknown": "#9e9e9e"}


def risk_scale() -> alt.Scale:
    return alt.Scale(domain=list(RISK_COLORS), range=list(RISK_COLORS.values()))


def weekly_activity(weekly: pd.DataFrame) -> alt.LayerChart:
    """Commits per week (bars) and active contributors per week (line), two y axes."""
    base = alt.Chart(weekly).encode(x=alt.X("week:T", title="week"))
    bars = base.mark_bar(opacity=0.55, color="#1f77b4").encode(
        y=alt.Y("commits:Q", title="commits per week"),
        tooltip=[alt.Tooltip("week:T"), "commits:Q", "active_contributors:Q"])
    line = base.mark_line(color="#d62728").encode(
        y=alt.Y("active_contributors:Q", title="active contributors (people, bots excluded)"))
    return alt.layer(bars, line).resolve_scale(y="independent").properties(height=260)


def release_timeline(releases: pd.DataFrame) -> alt.Chart:
    return alt.Chart(releases).mark_tick(thickness=2, size=28).encode(
        x=alt.X("released_at:T", title="release date"),
        y=alt.Y("source:N", title=None),
        color=alt.Color("source:N", legend=None),
        tooltip=["release:N", alt.Tooltip("released_at:T"), "source:N"],
    ).properties(height=110)


def concentration(contributors: pd.DataFrame) -> alt.Chart:
    return alt.Chart(contributors).mark_bar().encode(
        x=alt.X("share:Q", axis=alt.Axis(format="%"), title="share of commits, last 365 days"),
        y=alt.Y("contributor:N", sort=None, title=None),
        tooltip=["contributor:N", "commits:Q", alt.Tooltip("share:Q", format=".1%")],
    ).properties(height=max(120, 22 * len(contributors)))


def series(df: pd.DataFrame, x: str, y: str, title: str, color: str | None = None,
           y_domain: tuple[float, float] | None = None) -> alt.Chart:
    """A line over time; `color` splits it by a column (one line per project in Compare)."""
    enc = {
        "x": alt.X(f"{x}:T", title=None),
        "y": alt.Y(f"{y}:Q", title=title, scale=alt.Scale(domain=list(y_domain)) if y_domain else alt.Undefined),
        "tooltip": [alt.Tooltip(f"{x}:T"), alt.Tooltip(f"{y}:Q", format=",.1f")],
    }
    if color:
        enc["color"] = alt.Color(f"{color}:N", title=None)
        enc["tooltip"].insert(0, f"{color}:N")
    return alt.Chart(df).mark_line(point=len(df) < 60).encode(**enc).properties(height=240)


def health_history(history: pd.DataFrame) -> alt.LayerChart:
    base = alt.Chart(history).encode(x=alt.X("computed_at:T", title=None))
    line = base.mark_line(color="#555").encode(y=alt.Y("health:Q", scale=alt.Scale(domain=[0, 100])))
    points = base.mark_circle(size=50).encode(
        y="health:Q",
        color=alt.Color("risk_level:N", scale=risk_scale(), title="risk"),
        tooltip=[alt.Tooltip("computed_at:T"), alt.Tooltip("health:Q", format=".1f"),
                 alt.Tooltip("coverage:Q", format=".0%"), "risk_level:N"])
    return alt.layer(line, points).properties(height=240)


def calibration(frame: pd.DataFrame) -> alt.Chart:
    """The observed share that became unmaintained per risk level at the date, one bar per corpus
    part (the Validation page): it should rise from low to critical."""
    levels = [lv for lv in RISK_COLORS if lv in set(frame["risk at the date"])]
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("risk at the date:N", sort=levels, title="risk at the date", axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("set:N"),
        y=alt.Y("share:Q", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1]),
                title="became unmaintained"),
        color=alt.Color("set:N", title="set"),
        tooltip=["set:N", "risk at the date:N", "projects:Q", "became unmaintained:Q",
                 alt.Tooltip("share:Q", format=".0%")],
    ).properties(height=260)
