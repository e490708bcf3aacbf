"""The grants registry: curated grants imported from CSV or YAML, validated row by row.

A grant is identified by funder, program, recipient (repo, else project name) and award date
(case-insensitive), so importing the same file twice, or a corrected version of it, updates rows
instead of adding new ones. A file with any invalid row imports nothing: every error is reported
with its row number. Grants link to tracked projects through `recipient_repo` (OWNER/REPO); a repo
written with a trailing '?' is a guess by the curator and is kept but never linked.

The validated rows are written in bulk: one Arrow table handed to DuckDB and one
INSERT ... ON CONFLICT statement inside the import's transaction (20,000 rows in about a second;
bench/grants_import.py), so the writer lock is held briefly.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from collectors.funding.files import safe_url
from tracker.currency import Rates
from tracker.errors import UsageError
from tracker.registry import parse_repo
from tracker.store import Store
from tracker.userfiles import load_yaml, read_text

COLUMNS = ("funder", "program", "recipient_project", "recipient_repo", "amount", "currency", "awarded_on",
           "period_months", "kind", "source_url", "note")
KINDS = ("grant", "donation", "membership", "fiscal_sponsorship", "contract", "fellowship", "prize", "other")
MAX_FILE_BYTES = 5_000_000
MAX_ROWS = 20_000
MAX_ERRORS_SHOWN = 20
_TEXT_LIMITS = {"funder": 300, "program": 300, "recipient_project": 300, "note": 2000}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")   # control characters other than tab and line feed
_REPO_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}:[^\s]{1,500}$")


@dataclass
class Grant:
    row: int
    funder: str
    program: str | None
    recipient_project: str | None
    recipient_repo: str | None
    repo_uncertain: bool
    amount: float | None
    currency: str | None
    awarded_on: date | None
    awarded_precision: str | None
    period_months: int | None
    kind: str | None
    source_url: str
    note: str | None

    @property
    def key(self) -> str:
        recipient = (self.recipient_repo or self.recipient_project or "").lower()
        when = self.awarded_on.isoformat()[: {"year": 4, "month": 7}.get(self.awarded_precision or "", 10)] \
            if self.awarded_on else ""
        return "|".join([" ".join(self.funder.lower().split()), " ".join((self.program or "").lower().split()),
                         recipient, when])


@dataclass
class ImportResult:
    rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: list[int] = field(default_factory=list)
    linked: int = 0
    unknown_currency: list[str] = field(default_factory=list)


def parse_date(text: str) -> tuple[date, str]:
    """'2024', '2024-05' or '2024-05-17' -> (date, precision); the period's first day when partial."""
    text = text.strip()
    for pattern, precision in ((r"\d{4}", "year"), (r"\d{4}-\d{2}", "month"), (r"\d{4}-\d{2}-\d{2}", "day")):
        if re.fullmatch(pattern, text):
            parts = [int(p) for p in text.split("-")] + [1, 1]
            try:
                value = date(parts[0], parts[1], parts[2])
            except ValueError:
                break
            if not 1900 <= value.year <= 2100:
                break
            return value, precision
    raise ValueError(f"awarded_on {text!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date | datetime):
        return value.isoformat()[:10]
    if isinstance(value, bool) or isinstance(value, dict | list):
        raise ValueError(f"{type(value).__name__} is not allowed here")
    return str(value).strip()


def validate_row(n: int, raw: dict[str, Any]) -> Grant:
    """One row -> Grant; raises ValueError naming the first problem."""
    unknown = [k for k in raw if k not in COLUMNS]
    if unknown:
        raise ValueError(f"unknown column {unknown[0]!r} (columns: {', '.join(COLUMNS)})")
    cells: dict[str, str] = {}
    for col in COLUMNS:
        try:
            cells[col] = _cell(raw.get(col))
        except ValueError as exc:
            raise ValueError(f"{col}: {exc}") from None
        if _CONTROL.search(cells[col]):
            raise ValueError(f"{col} contains control characters")
        limit = _TEXT_LIMITS.get(col)
        if limit and len(cells[col]) > limit:
            raise ValueError(f"{col} is longer than {limit} characters")
    if not cells["funder"]:
        raise ValueError("funder is empty")
    if not cells["recipient_project"] and not cells["recipient_repo"]:
        raise ValueError("give recipient_project or recipient_repo")
    repo, uncertain = None, False
    if cells["recipient_repo"]:
        text = cells["recipient_repo"]
        uncertain = text.endswith("?")
        try:
            owner, name = parse_repo(text.rstrip("?").strip())
        except UsageError as exc:
            raise ValueError(f"recipient_repo: {exc}") from None
        repo = f"{owner}/{name}"
    amount = None
    if cells["amount"]:
        try:
            amount = float(cells["amount"].replace(",", "").replace("_", ""))
        except ValueError:
            raise ValueError(f"amount {cells['amount']!r} is not a number") from None
        if not math.isfinite(amount) or amount < 0 or amount > 1e12:
            raise ValueError(f"amount {cells['amount']!r} must be between 0 and 1e12")
    currency = cells["currency"].upper() or None
    if currency and not re.fullmatch(r"[A-Z]{3}", currency):
        raise ValueError(f"currency {cells['currency']!r} is not a three-letter ISO 4217 code")
    if amount is not None and currency is None:
        raise ValueError("amount given without currency")
    awarded, precision = None, None
    if cells["awarded_on"]:
        awarded, precision = parse_date(cells["awarded_on"])
    period = None
    if cells["period_months"]:
        if not cells["period_months"].isdigit() or not 1 <= int(cells["period_months"]) <= 600:
            raise ValueError(f"period_months {cells['period_months']!r} must be a whole number of months (1-600)")
        period = int(cells["period_months"])
    kind = cells["kind"].lower().replace("-", "_").replace(" ", "_") or None
    if kind and kind not in KINDS:
        raise ValueError(f"kind {cells['kind']!r} is not one of {', '.join(KINDS)}")
    source = cells["source_url"]
    if not source:
        raise ValueError("source_url is empty: every grant needs its evidence (a URL or OWNER/REPO:path)")
    if not (safe_url(source) or _REPO_REF.match(source)):
        raise ValueError(f"source_url {source[:80]!r} is not an http(s) URL or an OWNER/REPO:path reference")
    return Grant(n, cells["funder"], cells["program"] or None, cells["recipient_project"] or None, repo,
                 uncertain, amount, currency, awarded, precision, period, kind, source, cells["note"] or None)


def read_rows(path: str | Path) -> list[dict[str, Any]]:
    """Rows of a CSV (header line) or YAML (a list, or {grants: [...]}) file, as dicts."""
    path = Path(path)
    text = read_text(path, max_bytes=MAX_FILE_BYTES)
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            data = load_yaml_grants(text)
        except ValueError as exc:
            raise UsageError(f"{path}: {exc}") from None
        if isinstance(data, dict):
            data = data.get("grants")
        if not isinstance(data, list):
            raise UsageError(f"{path}: expected a list of grants (or a 'grants:' key holding one)")
        rows = []
        for i, item in enumerate(data, 1):
            if not isinstance(item, dict):
                raise UsageError(f"{path}: row {i} is not a mapping of column: value")
            rows.append({str(k).strip(): v for k, v in item.items()})
        return rows
    if path.suffix.lower() not in (".csv", ".txt", ""):
        raise UsageError(f"{path}: give a .csv, .yaml or .yml file")
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise UsageError(f"{path}: empty file (expected a header line: {','.join(COLUMNS)})")
    rows = []
    try:
        for row in reader:
            if None in row:
                raise UsageError(f"{path}: row {len(rows) + 1} (line {reader.line_num}) has more cells than the header")
            if any((v or "").strip() for v in row.values()):
                rows.append({(k or "").strip(): v for k, v in row.items()})
    except csv.Error as exc:
        raise UsageError(f"{path}: line {reader.line_num}: {exc}") from None
    return rows


def load_yaml_grants(text: str) -> Any:
    """YAML grants files may be larger than funding manifests; same refusal of aliases."""
    return load_yaml(text, max_nodes=MAX_ROWS * 30)


def validate(rows: list[dict[str, Any]], source: str) -> tuple[list[Grant], list[int]]:
    """Valid grants (first of each duplicate) and the row numbers of in-file duplicates.
    Raises UsageError listing every invalid row."""
    if len(rows) > MAX_ROWS:
        raise UsageError(f"{source}: {len(rows)} rows; at most {MAX_ROWS} per import")
    errors, grants, seen, duplicates = [], [], set(), []
    for n, raw in enumerate(rows, 1):
        try:
            g = validate_row(n, raw)
        except ValueError as exc:
            who = str(raw.get("recipient_repo") or raw.get("recipient_project") or "").strip()[:60]
            errors.append(f"row {n}{f' ({who})' if who else ''}: {exc}")
            continue
        if g.key in seen:
            duplicates.append(n)
            continue
        seen.add(g.key)
        grants.append(g)
    if errors:
        shown = "; ".join(errors[:MAX_ERRORS_SHOWN])
        more = f"; and {len(errors) - MAX_ERRORS_SHOWN} more" if len(errors) > MAX_ERRORS_SHOWN else ""
        raise UsageError(f"{source}: {len(errors)} invalid row(s), nothing imported: {shown}{more}")
    return grants, duplicates


def import_file(store: Store, path: str | Path, now: datetime, rates: Rates | None = None) -> ImportResult:
    """Validate every row, then upsert them all in one transaction."""
    rows = read_rows(path)
    grants, duplicates = validate(rows, str(path))
    result = ImportResult(rows=len(rows), duplicates=duplicates)
    compared = ("funder", "program", "recipient_project", "recipient_repo", "repo_uncertain", "amount", "currency",
                "awarded_on", "awarded_precision", "period_months", "kind", "source_url", "note")
    with store.transaction():
        existing = {r["grant_key"]: tuple(r[c] for c in compared)
                    for r in store.dicts(f"SELECT grant_key, {', '.join(compared)} FROM grants")}
        changed = []
        for g in grants:
            record = dict(
                grant_key=g.key, funder=g.funder, program=g.program, recipient_project=g.recipient_project,
                recipient_repo=g.recipient_repo,
                recipient_repo_key=g.recipient_repo.lower() if g.recipient_repo else None,
                repo_uncertain=g.repo_uncertain, amount=g.amount, currency=g.currency, awarded_on=g.awarded_on,
                awarded_precision=g.awarded_precision, period_months=g.period_months, kind=g.kind,
                source_url=g.source_url, note=g.note, imported_from=Path(path).name, imported_at=now)
            if g.key not in existing:
                result.new += 1
            elif existing[g.key] == tuple(record[c] for c in compared):
                result.unchanged += 1
                continue
            else:
                result.updated += 1
            changed.append(record)
        _write_bulk(store, changed)
        result.linked = store.scalar(
            "SELECT count(*) FROM grants g JOIN projects p ON p.slug_key = g.recipient_repo_key"
            " WHERE NOT g.repo_uncertain")
    if rates is not None:
        result.unknown_currency = sorted({g.currency for g in grants if g.currency and not rates.knows(g.currency)})
    return result


_BULK_COLUMNS = (
    ("grant_key", "string"), ("funder", "string"), ("program", "string"), ("recipient_project", "string"),
    ("recipient_repo", "string"), ("recipient_repo_key", "string"), ("repo_uncertain", "bool_"),
    ("amount", "float64"), ("currency", "string"), ("awarded_on", "date32"), ("awarded_precision", "string"),
    ("period_months", "int32"), ("kind", "string"), ("source_url", "string"), ("note", "string"),
    ("imported_from", "string"), ("imported_at", "timestamp"),
)


def _write_bulk(store: Store, records: list[dict[str, Any]]) -> None:
    """Insert new grants and update changed ones (key: grant_key) in one statement, inside the
    caller's transaction. The rows are data handed over as an Arrow table, never SQL text."""
    if not records:
        return
    import pyarrow as pa

    types = {"timestamp": pa.timestamp("us")}
    schema = pa.schema([(name, types.get(kind) or getattr(pa, kind)()) for name, kind in _BULK_COLUMNS])
    table = pa.Table.from_pydict({name: [r[name] for r in records] for name, _ in _BULK_COLUMNS}, schema=schema)
    columns = ", ".join(name for name, _ in _BULK_COLUMNS)
    updates = ", ".join(f"{name} = excluded.{name}" for name, _ in _BULK_COLUMNS if name != "grant_key")
    store.con.register("incoming_grants", table)
    try:
        store.execute(f"INSERT INTO grants ({columns}) SELECT {columns} FROM incoming_grants"
                      f" ON CONFLICT (grant_key) DO UPDATE SET {updates}")
    finally:
        store.con.unregister("incoming_grants")


def project_grants(store: Store, project_id: int) -> list[dict[str, Any]]:
    """Grants linked to one tracked project (never those whose repo is marked uncertain)."""
    return store.dicts(
        "SELECT g.* FROM grants g JOIN projects p ON p.slug_key = g.recipient_repo_key"
        " WHERE p.id = ? AND NOT g.repo_uncertain ORDER BY g.awarded_on NULLS LAST, g.id", [project_id])


def awarded_text(value: date | None, precision: str | None) -> str | None:
    """The award date as precise as it is known: '2019', '2019-11' or '2019-11-14'."""
    if value is None:
        return None
    return value.isoformat()[: {"year": 4, "month": 7}.get(precision or "", 10)]
