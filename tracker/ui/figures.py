"""Charts drawn on the server as plain HTML (no Vega-Lite): for the project page's first view.

A full page load that shows an Altair chart also makes the browser fetch and compile Vega-Lite
(about 0.9 MB of JavaScript) before the chart appears; docs/performance.md, "App", measured that
alone at the floor plus 0.4 s. The project page's default view (monthly activity and releases) is
drawn here instead: positioned boxes and text in one `<figure>`, shown with `st.html` (which passes
it through DOMPurify's HTML profile in the browser as well). The same rules as tracker.ui.charts:
a title, axis titles with their unit, dates on the time axis ("Jan 2025", never ":07"), one
measure per axis, and each bar's and each release line's numbers in its tooltip (`title`).

Every text that reaches the markup goes through `text` (control characters dropped, length
capped, HTML-escaped, quotes included): release names come from repositories and are untrusted.
Numbers and positions are formatted here; no value is written into markup any other way.
"""

from __future__ import annotations

import html
import math
from datetime import datetime
from typing import Any

import pandas as pd

from tracker import display
from tracker.ui.charts import BLUE, ORANGE

MAX_TEXT = 200  # characters of one untrusted text (a release name) shown in a tooltip
HEIGHT = 270  # pixels of the plot area
GRID = "rgba(128, 128, 128, 0.25)"
AXIS = "rgba(128, 128, 128, 0.7)"


def text(value: Any, limit: int = MAX_TEXT) -> str:
    """Any value as inert HTML text (element content or a quoted attribute): unknown for None."""
    if display.is_unknown(value):
        return display.UNKNOWN
    raw = "".join(c if c >= " " and c != "\x7f" else " " for c in str(value)[:limit])
    return html.escape(raw, quote=True)


def _pct(share: float) -> str:
    """A position or size as a CSS percentage (always a number we computed: never text)."""
    return f"{max(0.0, min(100.0, float(share) * 100)):.3f}%"


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least `top` (about `count` steps of 1, 2 or 5 x 10^k)."""
    if not top or top <= 0 or math.isnan(top):
        return [0, 1]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(step, 1)  # counts: whole numbers only
    last = math.ceil(top / step) * step
    return [i * step for i in range(int(round(last / step)) + 1)]


def _month_start(value: Any) -> datetime:
    t = pd.Timestamp(value)
    return datetime(t.year, t.month, 1)


def _add_months(d: datetime, n: int) -> datetime:
    months = d.year * 12 + d.month - 1 + n
    return datetime(months // 12, months % 12 + 1, 1)


def time_ticks(start: datetime, end: datetime) -> list[tuple[datetime, str]]:
    """(date, label) ticks between start and end, spaced as tracker.ui.charts.time_axis spaces them:
    years beyond 6 years, January and July beyond 18 months, every month or second month below."""
    span = (end - start).days
    if span > 365 * 6:
        step = max(1, round(span / 365 / 8))
        years = range(start.year + (start.month > 1), end.year + 1)
        return [(datetime(y, 1, 1), str(y)) for y in years if (y - years.start) % step == 0
                and datetime(y, 1, 1) <= end]
    every = 6 if span > 365 * 1.5 else 2 if span > 240 else 1
    ticks, d = [], start
    while d <= end:
        if (d.month - 1) % every == 0:
            ticks.append((d, d.strftime("%b %Y")))
        d = _add_months(d, 1)
    return ticks


def activity(monthly: pd.DataFrame, releases: pd.DataFrame, title: str) -> str:
    """Commits a month as bars, each release of the period as a thin orange line, as one HTML
    `<figure data-chart="activity">`. `monthly`: month, commits, human_commits, active_contributors;
    `releases`: release, released_at, source."""
    months = [_month_start(m) for m in monthly["month"]] if not monthly.empty else []
    dates = pd.to_datetime(releases["released_at"]).dropna() if not releases.empty else pd.Series([], dtype=object)
    if months:
        start, end = months[0], _add_months(months[-1], 1)
    elif len(dates):
        start, end = _month_start(dates.min()), _add_months(_month_start(dates.max()), 1)
    else:
        return ""
    total = (end - start).total_seconds()

    def x(d: datetime) -> float:
        return (d - start).total_seconds() / total

    commits = [int(c) for c in monthly["commits"]] if months else []
    ticks = nice_ticks(max(commits, default=0))
    top = ticks[-1]
    parts: list[str] = []
    for value in ticks:
        parts.append(f'<div style="position:absolute;left:0;right:0;bottom:{_pct(value / top)};'
                     f'border-top:1px solid {GRID if value else AXIS}">'
                     f'<span style="position:absolute;right:100%;top:-0.7em;padding-right:6px;line-height:1.4em">'
                     f'{value:,}</span></div>')
    if months:
        rows = zip(months, commits, monthly["human_commits"], monthly["active_contributors"], strict=True)
        for m, n, people_commits, people in rows:
            left, right = x(m), x(_add_months(m, 1))
            tip = (f"{m:%B %Y}: {display.count(n, 'commit')}, {display.number(people_commits)} by people, "
                   f"{display.count(people, 'person', 'people')} committing")
            parts.append(f'<div title="{text(tip)}" style="position:absolute;bottom:0;'
                         f'left:{_pct(left + (right - left) * 0.1)};width:{_pct((right - left) * 0.8)};'
                         f'height:{_pct(n / top)};background:{BLUE}"></div>')
    shown = 0
    if not releases.empty:
        for row in releases.itertuples(index=False):
            when = pd.Timestamp(row.released_at)
            if pd.isna(when) or not start <= when.to_pydatetime() <= end:
                continue
            shown += 1
            tip = f"release {row.release}, {display.date(when)}, first seen as {row.source}"
            parts.append(f'<div title="{text(tip)}" style="position:absolute;top:0;bottom:0;width:7px;'
                         f'margin-left:-3px;left:{_pct(x(when.to_pydatetime()))};background:linear-gradient('
                         f'to right, transparent 2.5px, {ORANGE} 2.5px, {ORANGE} 4.5px, transparent 4.5px);'
                         'opacity:0.85"></div>')
    for d, label in time_ticks(start, end):
        at = x(d)
        shift = "0" if at < 0.04 else "-100%" if at > 0.96 else "-50%"
        parts.append(f'<span style="position:absolute;top:100%;left:{_pct(at)};transform:translateX({shift});'
                     f'padding-top:6px;white-space:nowrap">{text(label)}</span>'
                     f'<div style="position:absolute;top:100%;left:{_pct(at)};height:4px;border-left:1px solid {AXIS}">'
                     '</div>')
    legend = [f'<span style="display:inline-block;width:10px;height:10px;background:{BLUE};margin-right:4px">'
              '</span><span style="margin-right:16px">commits</span>'] if months else []
    if shown:
        legend.append(f'<span style="display:inline-block;width:2px;height:12px;background:{ORANGE};'
                      'margin-right:5px;vertical-align:middle"></span><span>release</span>')
    summary = (f"{display.count(sum(commits), 'commit')} in {display.count(len(months), 'month')}"
               f", {display.count(shown, 'release')}")
    return (f'<figure data-chart="activity" aria-label="{text(title)}: {text(summary)}" '
            'style="margin:0 0 8px 0;font-size:12px;line-height:1.4">'
            f'<figcaption style="font-weight:600;font-size:14px;margin-bottom:2px">{text(title)}</figcaption>'
            f'<div style="margin-bottom:8px">{"".join(legend)}</div>'
            f'<div style="display:flex;height:{HEIGHT}px;padding-bottom:24px">'
            '<div style="writing-mode:vertical-rl;transform:rotate(180deg);text-align:center;width:16px;'
            'white-space:nowrap"><span>commits a month</span></div>'
            f'<div style="position:relative;flex:1;margin-left:44px;margin-right:12px">{"".join(parts)}</div>'
            '</div></figure>')
