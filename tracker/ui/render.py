"""Rendering shared by the pages: escaping untrusted text, safe links, and values for people
(tracker.display: "unknown", never "None" or 0).

Repository text (names, descriptions, funding entries) is untrusted. Pages never pass it to
`unsafe_allow_html`; inside Markdown it goes through `md`, and a link is only made when `safe_url`
accepts it (http or https with a host).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from urllib.parse import quote, urlsplit

import pandas as pd
import streamlit as st

from tracker import catalogue, display
from tracker.store import DatabaseDamaged, SchemaMismatch
from tracker.ui import queries

UNKNOWN = display.UNKNOWN
RISK_ORDER = ("critical", "high", "medium", "low", "unknown")  # most at risk first; unknown last
# Paul Tol's "bright" qualitative palette: distinct for the common kinds of colour blindness. The
# level is always written out too (a colour alone carries nothing for some readers).
RISK_COLORS = {"low": "#4477AA", "medium": "#CCBB44", "high": "#EE6677", "critical": "#AA3377",
               "unknown": "#BBBBBB"}
METHODOLOGY_PAGE = "methodology"  # the app's own copy of docs/methodology.md (tracker/ui/methodology.py)
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:&=\"'])")
MAX_TEXT = 2000
MAX_URL = 2048


def md(text: Any, limit: int = MAX_TEXT) -> str:
    """Untrusted text made inert inside Markdown: control characters dropped, line breaks flattened,
    every character Markdown, HTML or Streamlit directives react to backslash-escaped."""
    if text is None:
        return UNKNOWN
    text = str(text)[:limit]
    text = "".join(" " if c in "\r\n\t" else c for c in text if c >= " " or c in "\r\n\t")
    return _MD_SPECIAL.sub(r"\\\1", text)


def safe_url(url: Any) -> str | None:
    """The URL if it is http(s) with a host and nothing odd in it; None otherwise."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    if not url or len(url) > MAX_URL or any(c <= " " or c in "<>\"'`\\" or ord(c) == 127 for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def link(label: Any, url: Any) -> str:
    """A Markdown link when the URL is safe, else the escaped label with the URL shown as text."""
    good = safe_url(url)
    if good is None:
        return md(label) + ("" if url in (None, "") else " (link not shown: not an http(s) URL)")
    return f"[{md(label)}]({quote(good, safe=':/?#[]@!$&*+,;=%~.-_')})"


def fmt(value: Any, unit: str = "", digits: int = 1) -> str:
    """A value for people, inside Markdown: unknown is 'unknown' (never 0), floats with `digits`
    decimals, times as their date, text escaped."""
    if display.is_unknown(value):
        return UNKNOWN
    if isinstance(value, str):
        return f"{md(value)} {md(unit)}".strip() if unit else md(value)
    if isinstance(value, datetime | date):
        return display.date(value)
    if isinstance(value, float):
        return display.number(value, digits, unit)
    return md(display.text(value, unit))


def risk_key(level: Any) -> str:
    """The risk level as one of RISK_ORDER ('unknown' for none, NULL or a level this app does not know)."""
    return level if isinstance(level, str) and level in catalogue.LEVELS else "unknown"


def risk_label(level: Any) -> str:
    """The risk level in words: 'low' ... 'critical', 'insufficient data' when unknown."""
    return catalogue.LEVELS[risk_key(level)].label


def docs_url(name_or_anchor: str) -> str:
    """The app's methodology page at the section defining a catalogued name (or at an anchor)."""
    anchor = catalogue.docs_anchor(name_or_anchor) or name_or_anchor
    return f"{METHODOLOGY_PAGE}#{anchor}"


def docs_link(name_or_anchor: str, text: str = "how it is computed") -> str:
    """A Markdown link to the methodology section of a number (served by the app: works offline)."""
    return f"[{md(text)}]({docs_url(name_or_anchor)})"


def input_text(name: str, value: Any) -> str:
    """A sub-score input for people: 'Weeks with a human commit, last 52 weeks: 3 weeks', never
    'human_active_weeks_52=3'. Labels and units from the metric catalogue."""
    metric = catalogue.METRICS.get(name)
    if metric is not None:
        if isinstance(value, list):
            return f"{metric.label}: {', '.join(str(v).replace('_', ' ') for v in value) or 'none'}"
        return f"{metric.label}: {display.quantity(value, metric.unit)}"
    entry = catalogue.INPUTS.get(name)
    if entry is not None:
        return f"{entry.label}: {'present' if value else 'missing' if value is not None else UNKNOWN}"
    return f"{catalogue.label_or_name(name)}: {fmt_plain(value)}"


def trend_arrow(delta: Any) -> str:
    """Health change over the trend window: ↑ / ↓ beyond 2 points, → within, '?' when unknown."""
    if display.is_unknown(delta):
        return "? unknown"
    if delta >= 2:
        return f"↑ +{delta:.0f}"
    if delta <= -2:
        return f"↓ {delta:.0f}"
    rounded = round(delta)
    return f"→ {rounded:+d}" if rounded else "→ 0"


def age(when: Any, now: datetime) -> str:
    """'3 h ago', '5 d ago'; 'never' when there is no time."""
    if display.is_unknown(when):
        return "never"
    seconds = (now - pd.Timestamp(when).to_pydatetime()).total_seconds()
    if seconds < 3600:
        return f"{max(0, int(seconds // 60))} min ago"
    if seconds < 86400 * 2:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 86400)} d ago"


def duration(start: Any, end: Any) -> str:
    """'42 s', '3 min', '1.5 h'; '' when either end is unknown (still running)."""
    if display.is_unknown(start) or display.is_unknown(end):
        return ""
    seconds = max(0.0, (pd.Timestamp(end) - pd.Timestamp(start)).total_seconds())
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def project_link(slug: str) -> str:
    """Relative URL of a project's page: bookmarkable, and it works under any base path."""
    return "project?project=" + quote(slug, safe="/")


@contextlib.contextmanager
def guard(db: str) -> Iterator[None]:
    """Turn a missing, busy, damaged or mismatched database into words on the page (never a lock
    error or a traceback)."""
    try:
        yield
    except queries.NoDatabase:
        empty_database(db, missing=True)
        st.stop()
    except (SchemaMismatch, DatabaseDamaged) as exc:
        st.error(md(str(exc)), icon=":material/error:")
        st.stop()
    except queries.DatabaseBusy:
        st.info("The collector is writing to the database right now. This page will show the data in a "
                "moment.", icon=":material/hourglass_top:")
        st.button("Try again", key="busy_retry")
        st.stop()


def require_projects(db: str) -> dict[str, Any]:
    """Status of the database; shows the empty-database page and stops when nothing is tracked."""
    status = queries.status(db)
    if not status["projects"]:
        empty_database(db, missing=False)
        st.stop()
    return status


def empty_database(db: str, missing: bool) -> None:
    """Guidance for a database with nothing tracked yet."""
    st.title("Nothing tracked yet")
    where = "does not exist yet" if missing else "has no projects yet"
    st.markdown(f"The database `{md(db)}` {where}. To start:")
    st.markdown(
        "1. Track the curated list of open AI projects: `tracker add --from data/projects.yaml`, "
        "or one project: `tracker add OWNER/REPO`.\n"
        "2. Collect and score: `tracker collect` then `tracker score` (or run `tracker schedule`, which "
        "does both on a timetable).\n"
        "3. Reload this page.\n\n"
        "`make run` does all of this in one step. You can also ask for a project to be tracked on the "
        "**Data & runs** page; the scheduler picks the request up."
    )


def subscores_frame(subscores: dict[str, Any]) -> pd.DataFrame:
    """Sub-scores as rows: label (catalogue), score, reason, inputs in words; unknown scores stay
    empty. `name` keeps the catalogue name (for links)."""
    rows = []
    for name, sub in (subscores or {}).items():
        sub = sub if isinstance(sub, dict) else {}
        inputs = sub.get("inputs") or {}
        rows.append({
            "name": name,
            "sub-score": catalogue.label_or_name(name),
            "score": sub.get("score"),
            "why": str(sub.get("reason") or "no reason recorded"),
            "inputs": "; ".join(input_text(k, v) for k, v in inputs.items()) if isinstance(inputs, dict)
            else str(inputs),
        })
    return pd.DataFrame(rows, columns=["name", "sub-score", "score", "why", "inputs"])


def markdown_table(frame: pd.DataFrame) -> str:
    """A small table as Markdown (light to draw, unlike the data grid); every cell escaped."""
    head = "| " + " | ".join(md(c) for c in frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    rows = ["| " + " | ".join(md(v if isinstance(v, str) else fmt_plain(v)) for v in row) + " |"
            for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *rows])


def fmt_plain(value: Any) -> str:
    """Like `fmt` but for plain-text cells (data grids, CSV): no Markdown escaping; long
    structures summarised as 'N items'."""
    if isinstance(value, list | dict) and len(str(value)) > 80:
        return display.count(len(value), "item")
    return display.text(value)


def cells(frame: pd.DataFrame, blank: tuple[str, ...] = (), digits: dict[str, int] | None = None) -> pd.DataFrame:
    """A frame for a data grid with every cell as text for people: unknown reads 'unknown' (the grid
    itself would show 'None'), or nothing in the `blank` columns (an error column without an
    error); numbers with separators (`digits` decimals for the columns named), times to the minute.
    A numeric column with nothing unknown in it is kept as numbers."""
    digits = digits or {}
    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        places = digits.get(column)
        if places is None and pd.api.types.is_numeric_dtype(frame[column]) \
                and not pd.api.types.is_bool_dtype(frame[column]) and frame[column].notna().all():
            out[column] = frame[column]  # a complete numeric column stays numeric (sorts as numbers)
            continue
        out[column] = ["" if column in blank and display.is_unknown(v)
                       else display.number(v, places) if places is not None and isinstance(v, int | float)
                       else fmt_plain(v) for v in frame[column]]
    return out
