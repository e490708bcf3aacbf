"""tracker export: projects, metrics and the scores history as CSV, Parquet or JSON files.

Never exports raw e-mail addresses: the metrics and scores carry none, and every text cell is
scrubbed of anything shaped like an address (and of secrets: tracker.config.redact) as a second
line of defence. CSV cells go through the shared writer (formulas neutralised), JSON has no NaN.

Each file is written to a new temporary file in the target folder, created exclusively with a
random name (O_EXCL|O_NOFOLLOW: never an existing file or symlink), then renamed over the target,
so a planted `NAME.EXT.tmp` symlink is never written through and a reader never sees half a file.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import tempfile
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from tracker import metrics, output, readmodel
from tracker.config import redact
from tracker.errors import UsageError
from tracker.scoring.weights import SUBSCORES, shipped
from tracker.store import Store
from tracker.values import jsonable

FORMATS = ("csv", "parquet", "json")
GRACE_DAYS = shipped()["evidence"]["git_data_grace_days"]  # stale git data judged as of its date, as scores are
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
PROJECT_COLUMNS = [
    "project",
    "owner",
    "name",
    "display_name",
    "category",
    "pypi_package",
    "opencollective_slug",
    "git_source",
]
SCORE_COLUMNS = [
    "project",
    "computed_at",
    "health",
    "coverage",
    "health_reason",
    "risk_level",
    "maturity",
    "flag_names",
    "criticality",
    "truck_factor",
    "funding_need",
    "funding_need_reason",
    "weights_version",
    *(f"{name}_score" for name in SUBSCORES),
    "subscores",
    "flags",
    "unchecked",
]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="write projects, metrics and scores to DIR (csv, parquet or json)",
        description="Write projects.EXT, metrics.EXT (one row per project, as of now or"
        " --as-of) and scores.EXT (the whole scores history) into DIR.",
    )
    p.add_argument("dir", metavar="DIR", help="output folder (created if missing)")
    p.add_argument("--format", choices=FORMATS, required=True)
    p.add_argument("--as-of", metavar="DATE", help="compute metrics as of this UTC date/time (default: now)")
    p.set_defaults(func=cmd_export, read_only=True)


def scrub(value: Any) -> Any:
    """Text with e-mail addresses and secrets replaced; other values unchanged."""
    return redact(EMAIL.sub("[e-mail removed]", value)) if isinstance(value, str) else value


def _cell(value: Any, nested: bool) -> Any:
    """A value for a flat file: lists/dicts as JSON text (or kept, for JSON output)."""
    if isinstance(value, list | dict):
        value = jsonable(value)
        return _scrub_deep(value) if nested else scrub(json.dumps(value, ensure_ascii=False))
    if nested and isinstance(value, datetime | date):
        return jsonable(value)
    return scrub(value)


def _scrub_deep(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _scrub_deep(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_deep(v) for v in value]
    return scrub(value)


def tables(store: Store, now: datetime, nested: bool) -> dict[str, tuple[list[dict[str, Any]], list[str]]]:
    """{name: (rows, columns)} for projects, metrics (computed as of `now` by the metric providers)
    and scores (the whole history, as stored, through the read model)."""
    projects = readmodel.projects(store)
    slug = {p.id: p.slug for p in projects}
    project_rows = [{"project": p.slug, **{c: getattr(p, c) for c in PROJECT_COLUMNS[1:]}} for p in projects]
    names = metrics.metric_names()
    metric_rows = []
    for p in projects:
        values = metrics.compute_all(store, p.id, now, GRACE_DAYS)
        metric_rows.append({"project": p.slug, "as_of": now, **{n: values.get(n) for n in names}})
    score_rows = []
    for r in readmodel.score_history(store):
        row = {"project": slug.get(r["project_id"], str(r["project_id"])), **r}
        row["flag_names"] = ", ".join(str(f.get("name")) for f in r["flags"] if isinstance(f, dict))
        for name in SUBSCORES:
            sub = r["subscores"].get(name)
            row[f"{name}_score"] = sub.get("score") if isinstance(sub, dict) else None
        score_rows.append(row)
    out = {}
    for name, rows, cols in (
        ("projects", project_rows, PROJECT_COLUMNS),
        ("metrics", metric_rows, ["project", "as_of", *names]),
        ("scores", score_rows, SCORE_COLUMNS),
    ):
        out[name] = ([{c: _cell(r.get(c), nested) for c in cols} for r in rows], cols)
    return out


def _write(path: Path, data: bytes | str) -> None:
    """Write `path` through a new temporary file beside it (see the module's docstring)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    # mkstemp opens with O_CREAT|O_EXCL|O_NOFOLLOW and a random name, mode 0600
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            umask = os.umask(0)
            os.umask(umask)
            with contextlib.suppress(OSError):   # an ordinary file, as the user's umask makes them
                os.fchmod(f.fileno(), 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write(folder: Path, fmt: str, name: str, rows: Sequence[dict[str, Any]], cols: list[str]) -> Path:
    path = folder / f"{name}.{fmt}"
    if fmt == "csv":
        _write(path, output.to_csv(rows, cols))
    elif fmt == "json":
        _write(path, output.dumps(list(rows)) + "\n")
    else:
        table = (
            pa.Table.from_pylist(list(rows), schema=None)
            if rows
            else pa.table({c: pa.array([], pa.null()) for c in cols})
        )
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink)
        _write(path, sink.getvalue().to_pybytes())
    return path


def cmd_export(ctx) -> int:
    folder = Path(ctx.args.dir)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} exists and is not a folder")
    store = ctx.store()
    data = tables(store, ctx.now, nested=ctx.args.format == "json")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, (rows, cols) in data.items():
            path = write(folder, ctx.args.format, name, rows, cols)
            print(f"{path}: {len(rows)} rows")
    except OSError as exc:
        where = getattr(exc, "filename2", None) or exc.filename or folder
        raise UsageError(f"cannot write the export to {where}: {exc.strerror or exc}") from None
    return 0
