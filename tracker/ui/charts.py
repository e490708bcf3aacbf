"""Altair charts of the pages (data in, chart out; no queries here).

Every chart is drawn as SVG (so its text is in the page: labels can be read, found and tested),
with human labels from the metric catalogue, dates on time axes ("Mar 2025", never ":07"), and
one measure per axis (no two quantities overlaid on two y axes). The project page's first view
(monthly activity and releases) is drawn without Altair, by tracker/ui/figures.py.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import altair as alt
import pandas as pd

from tracker.ui.render import RISK_COLORS

RISK_DOMAIN = ["low", "medium", "high", "critical", "insufficient data"]
RISK_RANGE = [RISK_COLORS[k] for k in ("low", "medium", "high", "critical", "unknown")]
BLUE, ORANGE, GREY = "#4477AA", "#EE7733", "#888888"  # Paul Tol's palettes: safe for colour-blind readers
CATEGORICAL = [BLUE, ORANGE, "#228833", "#AA3377", "#66CCEE", "#CCBB44"]
LABEL_LIMIT = 320  # pixels of an axis label before Vega cuts it


def svg(chart: Any) -> Any:
    """Render as SVG in the browser (Streamlit's embed honours usermeta.embedOptions.renderer)."""
    return chart.properties(usermeta={"embedOptions": {"renderer": "svg"}})


def risk_scale() -> alt.Scale:
    return alt.Scale(domain=RISK_DOMAIN, range=RISK_RANGE)


def _span_days(values: pd.Series) -> float:
    values = pd.to_datetime(values.dropna())
    if values.empty:
        return 0.0
    return (values.max() - values.min()).total_seconds() / 86400


def time_axis(values: pd.Series, title: str | None = None) -> dict[str, Any]:
    """An x encoding's axis and scale for dates: readable labels whatever the span, and a padded
    domain around a single date (else Vega labels the milliseconds of one instant, ':07')."""
    span = _span_days(values)
    if span > 365 * 6:
        axis = alt.Axis(format="%Y", tickCount={"interval": "year", "step": max(1, round(span / 365 / 8))},
                        labelAngle=0, title=title)
    elif span > 365 * 1.5:
        axis = alt.Axis(format="%b %Y", tickCount={"interval": "month", "step": 6}, labelAngle=0, title=title)
    elif span > 60:
        axis = alt.Axis(format="%b %Y", tickCount={"interval": "month", "step": 2 if span > 240 else 1},
                        labelAngle=0, title=title)
    else:
        axis = alt.Axis(format="%Y-%m-%d", tickCount={"interval": "day", "step": 7}, labelAngle=0, title=title)
    scale = alt.Undefined
    if span < 30:
        values = pd.to_datetime(values.dropna())
        if not values.empty:
            middle = values.min() + (values.max() - values.min()) / 2
            scale = alt.Scale(domain=[(middle - timedelta(days=21)).isoformat(),
                                      (middle + timedelta(days=21)).isoformat()])
    return {"axis": axis, "scale": scale}


def concentration(contributors: pd.DataFrame) -> alt.LayerChart:
    """Share of the year's human commits per person, every bar named, its share written beside it."""
    data = contributors.assign(label=[f"{s:.0%} ({n:,})" for s, n in zip(contributors["share"],
                                                                          contributors["commits"], strict=True)])
    base = alt.Chart(data).encode(
        y=alt.Y("contributor:N", sort=None, title=None, axis=alt.Axis(labelLimit=LABEL_LIMIT)),
        x=alt.X("share:Q", axis=alt.Axis(format="%"), title="share of the human commits, last 365 days",
                scale=alt.Scale(domain=[0, min(1.0, float(data["share"].max()) * 1.25 + 0.02)])),
    )
    bars = base.mark_bar(color=BLUE)
    text = base.mark_text(align="left", dx=4, color="#333").encode(text="label:N")
    return svg(alt.layer(bars, text).encode(
        tooltip=[alt.Tooltip("contributor:N", title="person"), alt.Tooltip("commits:Q", title="commits"),
                 alt.Tooltip("share:Q", format=".0%", title="share")],
    ).properties(height=max(80, 24 * len(data)), width="container"))


def series(df: pd.DataFrame, x: str, y: str, title: str, color: str | None = None,
           y_domain: tuple[float, float] | None = None, y_format: str | None = None,
           legend_title: str | None = None) -> alt.Chart:
    """A line over time with a dated axis; `color` splits it (one line per project in Compare)."""
    xa = time_axis(df[x])
    enc: dict[str, Any] = {
        "x": alt.X(f"{x}:T", title=None, **xa),
        "y": alt.Y(f"{y}:Q", title=title, axis=alt.Axis(format=y_format) if y_format else alt.Undefined,
                   scale=alt.Scale(domain=list(y_domain)) if y_domain else alt.Undefined),
        "tooltip": [alt.Tooltip(f"{x}:T", title="date", format="%Y-%m-%d"),
                    alt.Tooltip(f"{y}:Q", title=title, format=y_format or ",.1f")],
    }
    if color:
        enc["color"] = alt.Color(f"{color}:N", title=legend_title, scale=alt.Scale(range=CATEGORICAL),
                                 legend=alt.Legend(orient="bottom", labelLimit=LABEL_LIMIT))
        enc["tooltip"].insert(0, alt.Tooltip(f"{color}:N", title=legend_title or color))
    return svg(alt.Chart(df).mark_line(point=len(df) < 60).encode(**enc).properties(height=240, width="container"))


def health_history(history: pd.DataFrame) -> alt.LayerChart:
    """Health over time as a dated line, each scoring run a point coloured by its risk level."""
    data = history.assign(risk=[r if r in RISK_DOMAIN else "insufficient data" for r in history["risk"]])
    x = time_axis(data["computed_at"])
    base = alt.Chart(data).encode(x=alt.X("computed_at:T", title=None, **x))
    line = base.mark_line(color=GREY).encode(y=alt.Y("health:Q", scale=alt.Scale(domain=[0, 100]), title="health"))
    points = base.mark_circle(size=60, opacity=1).encode(
        y="health:Q",
        color=alt.Color("risk:N", scale=risk_scale(), title="risk", legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("computed_at:T", title="scored", format="%Y-%m-%d"),
                 alt.Tooltip("health:Q", format=".0f", title="health"),
                 alt.Tooltip("coverage:Q", format=".0%", title="coverage"), alt.Tooltip("risk:N", title="risk")])
    return svg(alt.layer(line, points).properties(height=240, width="container"))


def grouped_bars(df: pd.DataFrame, category: str, value: str, group: str, value_title: str,
                 domain: tuple[float, float] | None = None, value_format: str = ".0f") -> alt.Chart:
    """Horizontal bars, one row per category, one bar per group inside it (Compare, funding impact);
    category labels written in full."""
    return svg(alt.Chart(df).mark_bar().encode(
        y=alt.Y(f"{category}:N", title=None, sort=None, axis=alt.Axis(labelLimit=LABEL_LIMIT)),
        yOffset=alt.YOffset(f"{group}:N", sort=None),
        x=alt.X(f"{value}:Q", title=value_title, axis=alt.Axis(tickCount=10),
                scale=alt.Scale(domain=list(domain)) if domain else alt.Undefined),
        color=alt.Color(f"{group}:N", title=None, sort=None,
                        scale=alt.Scale(range=CATEGORICAL),
                        legend=alt.Legend(orient="bottom", labelLimit=LABEL_LIMIT)),
        tooltip=[alt.Tooltip(f"{group}:N", title=group), alt.Tooltip(f"{category}:N", title=category),
                 alt.Tooltip(f"{value}:Q", format=value_format, title=value_title)],
    ).properties(height=max(120, df[category].nunique() * (16 * max(1, df[group].nunique()) + 14) + 40),
                 width="container"))


def need_parts(parts: pd.DataFrame) -> alt.Chart:
    """Funding need broken into its parts, one small stacked bar per project."""
    return svg(alt.Chart(parts).mark_bar().encode(
        y=alt.Y("project:N", title=None, sort=None, axis=alt.Axis(labelLimit=LABEL_LIMIT)),
        x=alt.X("value:Q", title="share of each part (0-100), stacked", stack="zero"),
        color=alt.Color("part:N", title=None, sort=None,
                        scale=alt.Scale(range=[BLUE, "#66CCEE", "#228833", ORANGE]),
                        legend=alt.Legend(orient="bottom", labelLimit=LABEL_LIMIT)),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("project:N"), alt.Tooltip("part:N"), alt.Tooltip("value:Q", format=".0f")],
    ).properties(height=max(100, 22 * parts["project"].nunique() + 30), width="container"))


# -- a scatter whose points of interest are named -----------------------------------------------------
CHAR_PX, TEXT_PX, DESCENT = 6.3, 12, 4  # an 11 px label: its width per character, height above and below the baseline
QUADRANT = "important and under-funded"  # an 11 px label: average character width and height
_CANDIDATES = [(8, 4, "left"), (-8, 4, "right"), (0, -9, "center"), (0, 19, "center"), (8, -11, "left"),
               (8, 19, "left"), (-8, -11, "right"), (-8, 19, "right"), (10, -26, "left"), (10, 34, "left"),
               (-10, -26, "right"), (-10, 34, "right"), (0, -41, "center"), (0, 49, "center")]


def place_labels(points: list[tuple[float, float, str]], width: float, height: float,
                 obstacles: list[tuple[float, float]] = (),
                 reserved: list[tuple[float, float, float, float]] = ()) -> list[tuple[float, float, str] | None]:
    """For each (x px, y px, text), in priority order, a label position (x px, y px of the baseline,
    align) beside its point that overlaps no label placed before it, no point in `obstacles`, no
    `reserved` box (left, top, right, bottom) and stays inside the plot; None when every candidate
    position is taken (the label is left out)."""
    placed: list[tuple[float, float, float, float]] = list(reserved)
    out: list[tuple[float, float, str] | None] = []

    def box(x: float, y: float, align: str, text: str) -> tuple[float, float, float, float]:
        w = CHAR_PX * len(text)
        left = x if align == "left" else x - w if align == "right" else x - w / 2
        return left - 1, y - TEXT_PX, left + w + 1, y + DESCENT

    def clear(b: tuple[float, float, float, float]) -> bool:
        if b[0] < 0 or b[2] > width or b[1] < 0 or b[3] > height:
            return False
        if any(b[0] < o[2] and o[0] < b[2] and b[1] < o[3] and o[1] < b[3] for o in placed):
            return False
        return not any(b[0] - 4 < px < b[2] + 4 and b[1] - 4 < py < b[3] + 4 for px, py in obstacles)

    for x, y, text in points:
        for dx, dy, align in _CANDIDATES:
            b = box(x + dx, y + dy, align, text)
            if clear(b):
                placed.append(b)
                out.append((x + dx, y + dy, align))
                break
        else:
            out.append(None)
    return out


def labelled_scatter(df: pd.DataFrame, y: str, y_title: str, y_kind: str, label: str, top: int,
                     quadrant: tuple[float, float], width: int = 960, height: int = 420) -> alt.LayerChart:
    """Criticality (x) against funding (y), coloured by risk, the `top` rows (in the frame's order)
    named beside their points without overlapping, the quadrant x >= quadrant[0], y < quadrant[1]
    ('important and under-funded') shaded. y_kind: 'score' (0-100), 'usd' (linear) or 'log' (USD,
    log scale from $100; less is drawn at $100)."""
    data = df.copy()
    if y_kind == "log":
        floor = 100.0
        data["y"] = data[y].clip(lower=floor)
        top_value = max(float(data["y"].max()) * 1.3, floor * 100)
        y_domain = [floor, 10 ** math.ceil(math.log10(top_value))]
        ticks = [10 ** k for k in range(2, int(math.log10(y_domain[1])) + 1)]
        scale = alt.Scale(type="log", domain=y_domain)
        axis = alt.Axis(values=ticks, format="$,.0f", title=y_title, titleLimit=height)

        def to_px(v: float) -> float:
            return height * (1 - (math.log10(max(v, floor)) - math.log10(y_domain[0]))
                             / (math.log10(y_domain[1]) - math.log10(y_domain[0])))
    else:
        data["y"] = data[y]
        top_value = 100.0 if y_kind == "score" else max(1.0, float(data["y"].max()) * 1.1)
        y_domain = [0.0, top_value]
        scale = alt.Scale(domain=y_domain, nice=False)
        axis = alt.Axis(format="$,.0f" if y_kind == "usd" else "d", title=y_title, titleLimit=height,
                        tickCount=6)

        def to_px(v: float) -> float:
            return height * (1 - v / y_domain[1])

    px = [(float(x) * width, to_px(float(v))) for x, v in zip(data["criticality"], data["y"], strict=True)]
    named = data.head(top)
    corner_x, corner_y = width, to_px(quadrant[1] if y_kind != "log" else max(quadrant[1], y_domain[0]))
    quadrant_box = (corner_x - 6 - CHAR_PX * len(QUADRANT) - 2, corner_y - 4 - TEXT_PX - 2, corner_x, corner_y)
    spots = place_labels([(px[i][0], px[i][1], str(t)) for i, t in enumerate(named[label])], width, height,
                         obstacles=px, reserved=[quadrant_box])
    labels = []
    for (_, row), spot in zip(named.iterrows(), spots, strict=True):
        if spot is None:
            continue
        lx, ly, align = spot
        value = ((1 - ly / height) * y_domain[1]) if y_kind != "log" else 10 ** (
            math.log10(y_domain[0]) + (1 - ly / height) * (math.log10(y_domain[1]) - math.log10(y_domain[0])))
        labels.append({"lx": lx / width, "ly": value, "align": align, "text": row[label]})
    label_df = pd.DataFrame(labels, columns=["lx", "ly", "align", "text"])
    x_enc = alt.X("criticality:Q", scale=alt.Scale(domain=[0, 1], nice=False),
                  axis=alt.Axis(format=".1f", values=[i / 10 for i in range(11)],
                                title="criticality (OpenSSF, 0-1): how much depends on it"))
    x_label = alt.X("lx:Q", scale=alt.Scale(domain=[0, 1], nice=False))
    low_y = quadrant[1] if y_kind != "log" else max(quadrant[1], y_domain[0])
    area = pd.DataFrame([{"x": quadrant[0], "x2": 1.0, "y": y_domain[0], "y2": low_y,
                          "text": QUADRANT}])
    shade = alt.Chart(area).mark_rect(color="#EE7733", opacity=0.08).encode(
        x=alt.X("x:Q", scale=alt.Scale(domain=[0, 1], nice=False)), x2="x2:Q",
        y=alt.Y("y:Q", scale=scale), y2="y2:Q")
    shade_text = alt.Chart(area).mark_text(align="right", baseline="bottom", dx=-6, dy=-4, color="#C4551A",
                                           fontWeight="bold").encode(
        x=alt.X("x2:Q", scale=alt.Scale(domain=[0, 1], nice=False)), y=alt.Y("y2:Q", scale=scale), text="text:N")
    points = alt.Chart(data).mark_circle(size=70, opacity=0.85, stroke="white", strokeWidth=0.5).encode(
        x=x_enc, y=alt.Y("y:Q", scale=scale, axis=axis),
        color=alt.Color("risk:N", scale=risk_scale(), title="risk", legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip(f"{label}:N", title="project"), alt.Tooltip("criticality:Q", format=".2f"),
                 alt.Tooltip(f"{y}:Q", format="$,.0f" if y_kind != "score" else ".0f", title=y_title),
                 alt.Tooltip("funding_need:Q", format=".1f", title="funding need")])
    layers = [shade, shade_text, points]
    for align in ("left", "right", "center"):
        part = label_df[label_df["align"] == align]
        if not part.empty:
            layers.append(alt.Chart(part).mark_text(align=align, fontSize=11, color="#222").encode(
                x=x_label, y=alt.Y("ly:Q", scale=scale), text="text:N"))
    # "pad": the plot itself is width x height (Streamlit's default "fit" would shrink it to make room
    # for the axes and legend, and the labels placed in pixels would no longer sit where computed)
    return svg(alt.layer(*layers).properties(width=width, height=height,
                                             autosize=alt.AutoSizeParams(type="pad", contains="padding")))


def calibration(frame: pd.DataFrame) -> alt.Chart:
    """The observed share that became unmaintained per risk level at the date, one bar per corpus
    part (the Validation page): it should rise from low to critical."""
    order = RISK_DOMAIN
    levels = [lv for lv in order if lv in set(frame["risk at the date"])]
    return svg(alt.Chart(frame).mark_bar().encode(
        x=alt.X("risk at the date:N", sort=levels, title="risk at the date", axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("set:N"),
        y=alt.Y("share:Q", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1]),
                title="became unmaintained"),
        color=alt.Color("set:N", title="set", scale=alt.Scale(range=CATEGORICAL),
                        legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("set:N", title="set"), alt.Tooltip("risk at the date:N", title="risk at the date"),
                 alt.Tooltip("projects:Q", title="projects"),
                 alt.Tooltip("became unmaintained:Q", title="became unmaintained"),
                 alt.Tooltip("share:Q", format=".0%", title="share")],
    ).properties(height=260, width="container"))
