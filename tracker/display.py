"""Values as people read them: the one formatter of CLI tables, reports, exports meant for people
and the app.

Unknown (None, NaN, pandas' NA and NaT) reads "unknown", never "None", "nan" or 0; booleans read
yes / no; shares are percentages one way ("60%"); counts carry the right plural ("1 channel",
"3 channels"); dates are ISO ("2026-01-31") and times UTC to the minute ("2026-01-31 10:05 UTC");
dollars "$1,200", other currencies "1,200 EUR". Text is returned as is: escaping for Markdown is
the caller's (tracker.ui.render.md); `terminal` and `plain` strip the control characters a terminal
or an XML reader would act on (tracker.output applies `terminal` to everything the CLI prints).

Imports nothing heavy (no pandas), so every command can use it.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date as _date
from datetime import datetime as _datetime
from typing import Any

UNKNOWN = "unknown"
# C0 controls, DEL, C1 controls (0x9b is a one-byte CSI in some terminals) and the bidirectional
# overrides that make text display in another order than it reads ("Trojan Source").
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SPACING = "\n\t\r"
_NA_TYPES = ("NAType", "NaTType")  # pandas.NA and pandas.NaT, recognised without importing pandas


def is_unknown(value: Any) -> bool:
    """True for None, NaN and pandas' missing values (NA, NaT)."""
    if value is None or type(value).__name__ in _NA_TYPES:
        return True
    return isinstance(value, float) and math.isnan(value)


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool) or type(value).__name__ == "bool_"  # numpy's bool too


def number(value: Any, digits: int | None = None, unit: str = "") -> str:
    """A number: thousands separated; `digits` decimals when given, else as many as it needs
    (none at or above 1,000, up to two above 1, four significant below 1)."""
    if is_unknown(value):
        return UNKNOWN
    if _is_bool(value):
        return yes_no(value)
    if isinstance(value, float) and math.isinf(value):
        return UNKNOWN
    if digits is not None:
        text = f"{value:,.{digits}f}"
    elif isinstance(value, int) or float(value).is_integer():
        text = f"{int(value):,}"
    elif abs(value) >= 1000:
        text = f"{value:,.0f}"
    elif abs(value) >= 1:
        text = f"{value:,.2f}".rstrip("0").rstrip(".")
    else:
        text = f"{value:.4g}"
    return f"{text} {unit}" if unit else text


def percent(share: Any, digits: int = 0) -> str:
    """A share between 0 and 1 as a percentage: 0.6 -> '60%'."""
    if is_unknown(share):
        return UNKNOWN
    return f"{share * 100:.{digits}f}%"


def plural(n: Any, singular: str, plural_form: str | None = None) -> str:
    """The word for `n` things: 'channel' for 1, 'channels' otherwise (also for unknown)."""
    return singular if n == 1 else (plural_form or singular + "s")


def count(n: Any, singular: str, plural_form: str | None = None) -> str:
    """'1 channel', '3 channels', '1,200 commits'; 'unknown' when the count is unknown."""
    if is_unknown(n):
        return UNKNOWN
    return f"{number(n)} {plural(n, singular, plural_form)}"


def date(value: Any) -> str:
    """A date (or the date of a time) as YYYY-MM-DD."""
    if is_unknown(value):
        return UNKNOWN
    if isinstance(value, _datetime | _date):
        return f"{value:%Y-%m-%d}"
    return str(value)


def when(value: Any) -> str:
    """A UTC time to the minute, 'YYYY-MM-DD HH:MM UTC' (the store's times are UTC)."""
    if is_unknown(value):
        return UNKNOWN
    if isinstance(value, _datetime):
        return f"{value:%Y-%m-%d %H:%M} UTC"
    return date(value)


def money(amount: Any, currency: str | None = "USD", digits: int = 0) -> str:
    """'$24,000' for US dollars, '50,000 EUR' for other currencies, 'unknown' when unknown."""
    if is_unknown(amount):
        return UNKNOWN
    text = f"{amount:,.{digits}f}"
    if not currency or currency.upper() == "USD":
        return f"${text}" if currency else text
    return f"{text} {currency.upper()}"


def yes_no(value: Any) -> str:
    """yes / no / unknown from a boolean (or those words already)."""
    if is_unknown(value):
        return UNKNOWN
    if isinstance(value, str):
        return value
    return "yes" if value else "no"


def text(value: Any, unit: str = "", digits: int | None = None) -> str:
    """Any value for people: numbers and booleans as above, times to the minute (a midnight time
    as its date), lists of plain values joined by ', ', other structures as JSON."""
    if is_unknown(value):
        return UNKNOWN
    if _is_bool(value):
        return yes_no(value)
    if isinstance(value, _datetime):
        return date(value) if value.time() == _datetime.min.time() else when(value)
    if isinstance(value, _date):
        return date(value)
    if isinstance(value, int | float):
        return number(value, digits, unit)
    if isinstance(value, list | tuple) and all(not isinstance(v, list | tuple | dict) for v in value):
        return ", ".join(text(v) for v in value) if value else "none"
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return f"{value} {unit}" if unit else str(value)


def cell(value: Any) -> str:
    """A table cell for people (CLI tables): `text` without units."""
    return text(value)


# Singular forms of the metric catalogue's units (tracker/catalogue.py), for `quantity`.
_SINGULAR_UNITS = {"people": "person", "days": "day", "hours": "hour", "weeks": "week", "months": "month",
                   "commits": "commit", "channels": "channel", "forks": "fork", "grants": "grant",
                   "issues": "issue", "organisations": "organisation", "projects": "project",
                   "pull requests": "pull request", "releases": "release", "sponsors": "sponsor",
                   "stars": "star", "tags": "tag"}


def quantity(value: Any, unit: str | None = None, digits: int | None = None) -> str:
    """A value with its catalogue unit, as people write it: '1 person', '3 people', '$24,000',
    '77%' for a ratio or share, '0.61' for a 0-1 score, '12.5 hours'; 'unknown' when unknown.
    Floats get one decimal below 100 and none above (or `digits`)."""
    if is_unknown(value):
        return UNKNOWN
    if _is_bool(value):
        return yes_no(value)
    if not isinstance(value, int | float):
        return text(value)
    if unit in ("ratio", "share"):
        return percent(value)
    if unit == "score 0-1":
        return number(value, 2 if digits is None else digits)
    if digits is None:
        digits = 0 if float(value).is_integer() or abs(value) >= 100 else 1
    if unit == "USD":
        return money(value, "USD", digits)
    shown = number(value, digits)
    if not unit:
        return shown
    return f"{shown} {_SINGULAR_UNITS.get(unit, unit) if value == 1 else unit}"


def terminal(text: str, keep: str = "\n\t") -> str:
    """`text` safe to print: control characters dropped (escape sequences lose their ESC and show
    as plain text), except the line breaks and tabs in `keep`; a line break or tab not kept, and a
    carriage return, become a space."""
    if not _CONTROL.search(text):
        return text
    return _CONTROL.sub(lambda m: m.group() if m.group() in keep else (" " if m.group() in _SPACING else ""),
                        text)


def plain(text: str) -> str:
    """One line of text with no control character at all (line breaks and tabs become spaces) and
    nothing XML 1.0 forbids (lone surrogates, U+FFFE, U+FFFF): labels, badge text."""
    text = terminal(text, keep="")
    return "".join(c for c in text if not (0xD800 <= ord(c) <= 0xDFFF or ord(c) in (0xFFFE, 0xFFFF)))


def health(value: Any, coverage: Any = None, reason: Any = None) -> str:
    """A health score with its coverage beside it, as every reader shows it: '63 (coverage 71%)';
    below the evidence rule (a `reason` given) 'insufficient data (coverage 4%)'; 'unknown' when
    there is no score at all."""
    share = "" if is_unknown(coverage) else f" (coverage {percent(coverage)})"
    if is_unknown(value):
        return ("insufficient data" + share) if reason else UNKNOWN
    return f"{number(value, 0)}{share}"


def unranked(n: int, what: str = "project", why: str = "insufficient data") -> str:
    """The note under a ranking: '2 projects with insufficient data are listed last' ('' for none)."""
    if not n:
        return ""
    return f"{count(n, what)} with {why} {'is' if n == 1 else 'are'} listed last"
