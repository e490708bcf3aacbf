"""Printing rows as an aligned table, JSON or CSV: the one place CLI output is laid out. Cells of
tables read as people read them (tracker.display: "unknown", yes/no, numbers with separators).

Hygiene, for every command:
* CSV cells that a spreadsheet would run as a formula (text beginning with = + - @, a tab or a
  carriage return) are written with a leading apostrophe, so they show as text (`csv_cell`);
* JSON and CSV never carry NaN or infinity: such numbers are null (JSON) or empty (CSV);
* everything the CLI prints goes through `TerminalStream` (installed by tracker.cli): secrets are
  redacted (tracker.config.redact) and control characters that a terminal would obey (escape
  sequences, C0/C1 codes) are dropped (tracker.display.terminal).
"""

from __future__ import annotations

import csv
import io
import json
import math
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from tracker import config as config_mod
from tracker import display

FORMATS = ("table", "json", "csv")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> str:
    if not rows:
        return "(none)\n"
    columns = list(columns or rows[0].keys())
    cells = [[display.terminal(display.cell(r.get(c)), keep="") for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    out = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    out.append("  ".join("-" * w for w in widths))
    out += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    return "\n".join(out) + "\n"


def csv_cell(value: Any) -> Any:
    """A CSV cell that no spreadsheet runs: unknown and non-finite numbers empty, text beginning
    with a formula character prefixed with an apostrophe (a lone carriage return becomes a line
    break first, so the cell is quoted). Numbers stay numbers (-5 is not a formula)."""
    if value is None or display.is_unknown(value):
        return ""
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    if isinstance(value, str):
        if value.startswith(FORMULA_START):
            value = "'" + value
        if "\r" in value:
            value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def to_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> str:
    """Rows as CSV text (the one CSV writer of every command and of the app's downloads)."""
    buf = io.StringIO()
    columns = list(columns or (rows[0].keys() if rows else []))
    writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({c: csv_cell(r.get(c)) for c in columns})
    return buf.getvalue()


def finite(value: Any) -> Any:
    """`value` with every NaN, infinity or pandas missing value (nested in lists and dicts) None."""
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if type(value).__name__ in ("NAType", "NaTType"):
        return None
    return value


def dumps(value: Any, indent: int | None = 2) -> str:
    """JSON text that every parser accepts: no NaN or infinity (null instead), other values as text."""
    return json.dumps(finite(value), indent=indent, default=str, ensure_ascii=False, allow_nan=False)


def emit(rows: Sequence[dict[str, Any]], fmt: str, columns: Sequence[str] | None = None,
         stream: TextIO | None = None) -> None:
    stream = stream or sys.stdout
    if fmt == "json":
        stream.write(dumps(list(rows)) + "\n")
    elif fmt == "csv":
        stream.write(to_csv(rows, columns))
    else:
        stream.write(table(rows, columns))


class TerminalStream:
    """Wraps stdout or stderr for a command: every write is redacted (configured tokens, published
    token formats, passwords in URLs) and stripped of control characters a terminal would act on
    (newlines and tabs stay). Text from repositories, servers and the database passes here."""

    def __init__(self, stream: TextIO, config: config_mod.Config | None = None):
        self._stream = stream
        self._config = config

    def write(self, text: str) -> int:
        self._stream.write(display.terminal(config_mod.redact(text, self._config)))
        return len(text)

    def writelines(self, lines: Sequence[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:   # flush, isatty, fileno, encoding, ...
        return getattr(self._stream, name)
