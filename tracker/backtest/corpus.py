"""The validation corpus file: which repositories the backtest is measured on, and in which part.

A CSV (data/backtest_corpus.csv is the shipped one, documented in docs/validation-corpus.md) with at
least the columns `repository` (OWNER/REPO) and `part` (`tuning`, `held-out`, `held-out-v2`, or empty for
repositories kept for the record but not scored, e.g. not yet created at the date). Any threshold
changed because of the backtest is chosen on the tuning part only; figures are reported on the
held-out part, which tuning never looks at (docs/methodology.md, "Backtest").
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from tracker.registry import parse_repo
from tracker.userfiles import FileProblem, read_text

# held-out-v2: a second held-out set, chosen after held-out had been seen (docs/validation-corpus.md)
PARTS = ("tuning", "held-out", "held-out-v2")
MAX_BYTES = 1_000_000


@dataclass(frozen=True)
class Entry:
    repository: str
    part: str | None
    category: str | None
    chosen_because: str | None


def load(path: str | Path) -> list[Entry]:
    """The corpus entries of `path`; FileProblem (one clear line) for a malformed file."""
    text = read_text(path, "corpus file", MAX_BYTES)
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    if "repository" not in fields or "part" not in fields:
        raise FileProblem(f"corpus file {path}", "needs the columns 'repository' and 'part'")
    entries: list[Entry] = []
    seen: set[str] = set()
    for line, row in enumerate(reader, 2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if isinstance(v, str)}
        try:
            owner, name = parse_repo(row.get("repository", ""))
        except Exception as exc:
            raise FileProblem(f"corpus file {path}", f"line {line}: {exc}") from None
        slug = f"{owner}/{name}"
        part = row.get("part") or None
        if part is not None and part not in PARTS:
            raise FileProblem(f"corpus file {path}",
                              f"line {line}: part {part[:40]!r} is not one of {', '.join(PARTS)} (or empty)")
        if slug.lower() in seen:
            raise FileProblem(f"corpus file {path}", f"line {line}: {slug} is listed twice")
        seen.add(slug.lower())
        entries.append(Entry(slug, part, row.get("category") or None, row.get("chosen_because") or None))
    return entries


def parts(entries: list[Entry]) -> dict[str, str]:
    """{OWNER/REPO: part} of the entries that have one."""
    return {e.repository: e.part for e in entries if e.part}
