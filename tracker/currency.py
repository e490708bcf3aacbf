"""Currency conversion to US dollars from a shipped, dated rates table (user-overridable).

Amounts are stored in their original currency; conversion happens when a metric or a listing
needs dollars, so a different rates table (TRACKER_RATES=FILE or --rates FILE) changes every
dollar figure without touching stored data. See tracker/config/rates.csv for the date and source.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from tracker.errors import UsageError

SHIPPED_RATES = Path(__file__).resolve().parent / "config" / "rates.csv"
MAX_RATES_BYTES = 200_000
_CODE = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class Rates:
    """US dollars per unit of each currency, with the table's date and source."""

    usd_per_unit: dict[str, float]
    path: Path
    date: str | None = None
    source: str | None = None
    notes: list[str] = field(default_factory=list)

    def to_usd(self, amount: float | None, currency: str | None) -> float | None:
        """`amount` in dollars; None when the amount or the currency's rate is unknown."""
        if amount is None or currency is None:
            return None
        rate = self.usd_per_unit.get(currency.strip().upper())
        if rate is None:
            return None
        return round(amount * rate, 2)

    def knows(self, currency: str | None) -> bool:
        return bool(currency) and currency.strip().upper() in self.usd_per_unit


def _number(text: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"{where}: {text!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise UsageError(f"{where}: rate {text!r} must be a positive number")
    return value


def parse_rates(text: str, path: Path) -> Rates:
    """Read a rates table: '# date:' and '# source:' comment lines, then a CSV with the columns
    currency and per_eur (units per euro) or usd_per_unit (dollars per unit)."""
    date = source = None
    body = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            m = re.match(r"#\s*(date|source):\s*(.+)$", stripped, re.I)
            if m and m.group(1).lower() == "date":
                date = m.group(2).strip()
            elif m and source is None:
                source = m.group(2).strip()
        elif stripped:
            body.append(line)
    reader = csv.DictReader(io.StringIO("\n".join(body)))
    cols = [c.strip() for c in (reader.fieldnames or [])]
    if "currency" not in cols or not ({"per_eur", "usd_per_unit"} & set(cols)):
        raise UsageError(f"{path}: a rates table needs the columns currency and per_eur (or usd_per_unit)")
    per_eur: dict[str, float] = {}
    usd: dict[str, float] = {}
    for row in reader:
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        if not any(row.values()):
            continue
        where = f"{path}: data row {reader.line_num - 1}"
        code = row.get("currency", "").upper()
        if not _CODE.match(code):
            raise UsageError(f"{where}: {row.get('currency')!r} is not a three-letter currency code")
        if row.get("usd_per_unit"):
            usd[code] = _number(row["usd_per_unit"], where)
        elif row.get("per_eur"):
            per_eur[code] = _number(row["per_eur"], where)
        else:
            raise UsageError(f"{where}: no rate for {code}")
    if per_eur:
        if "USD" not in per_eur:
            raise UsageError(f"{path}: per_eur rates need a USD row to convert to dollars")
        for code, rate in per_eur.items():
            usd.setdefault(code, per_eur["USD"] / rate)
    usd["USD"] = 1.0
    return Rates(usd, path, date, source)


_CACHE: dict[tuple[str, float], Rates] = {}


def load_rates(path: str | os.PathLike[str] | None = None) -> Rates:
    """The rates table: `path`, else $TRACKER_RATES, else the shipped table. Cached per file version."""
    chosen = Path(path or os.environ.get("TRACKER_RATES") or SHIPPED_RATES)
    if not chosen.is_file():
        raise UsageError(f"rates table {chosen}: no such file")
    stat = chosen.stat()
    if stat.st_size > MAX_RATES_BYTES:
        raise UsageError(f"rates table {chosen}: larger than {MAX_RATES_BYTES} bytes")
    key = (str(chosen.resolve()), stat.st_mtime)
    if key not in _CACHE:
        try:
            text = chosen.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise UsageError(f"rates table {chosen}: not UTF-8 text") from None
        _CACHE[key] = parse_rates(text, chosen)
    return _CACHE[key]
