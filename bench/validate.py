"""Validation: real repositories of known status, scored as of the date of their data.

Usage: python bench/validate.py [--mirrors DIR] [--db PATH] [--only OWNER/REPO ...] [--markdown]
                                [--also-as-of DATE]

Each repository of `VALIDATION_SET` (docs/methodology.md, "Validation"; evidence in
/work/research/validation_set.md) is a bare mirror under DIR (default /work/.mirror, as
`OWNER+NAME/repo`), read in place and never modified. The script tracks it with
`--git MIRROR` in a fresh database (default: a temporary file), runs the git collector (no
network), reads the date of the data (`git_data_at`: the mirror's refs time, its snapshot date) and
scores each project as of that date. A verdict holds when a dead project is high or critical and
not "active", and a living one is not critical and not "abandoned"; "mature" ones (alive, low
activity) must also not be high. With --also-as-of DATE, each is scored again as of DATE (e.g.
today): stale git data must not change a verdict (docs/methodology.md, "Stale data is not death").

Prints the table for docs/methodology.md (--markdown) or as aligned text; exit code 1 when a
verdict does not hold. Mirrors that are missing are listed and skipped. Never uses the network.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracker import catalogue, clock, collect, display, output, registry  # noqa: E402
from tracker import config as config_mod  # noqa: E402
from tracker.cli import parse_as_of  # noqa: E402
from tracker.metrics import git_data  # noqa: E402
from tracker.progress import Progress  # noqa: E402
from tracker.score import score_projects  # noqa: E402
from tracker.store import Store  # noqa: E402

DEAD, ALIVE, MATURE = "dead", "alive", "mature"


@dataclass(frozen=True)
class Case:
    slug: str
    kind: str       # dead | alive | mature (alive, low activity)
    status: str     # the known status, in words
    evidence: str   # where it is said (file @ commit, date)


VALIDATION_SET = (
    # Deprecated, archived, end of life: their own repositories say so.
    Case("openai/gym", DEAD, "deprecated (moved to Gymnasium)",
         "README.md @ dcd1858 (2023-01-30): 'Gym will not be receiving any future updates'"),
    Case("allenai/allennlp", DEAD, "end of support 2022-12-16",
         "README.md @ 20df7cd (2022-07-11): 'now in maintenance mode ... up until December 16th, 2022'"),
    Case("EleutherAI/gpt-neo", DEAD, "unmaintained, archival form",
         "README.md @ 23485e3 (2022-02-25): 'As of August, 2021 code is no longer maintained'"),
    Case("tensorflow/tensor2tensor", DEAD, "deprecated (successor Trax)",
         "README.md @ 302a04f (2020-06-27): 'It is now deprecated'"),
    Case("pytorch/text", DEAD, "end of life: 0.18 (2024-04) the last release",
         "README.rst @ 40dbc55 (2024-04-16): 'TorchText development is stopped'"),
    Case("boto/boto", DEAD, "deprecated (replaced by boto3)",
         "README.rst @ 60320b6 (2021-05-04): 'no longer maintained ... not reviewed'"),
    Case("salesforce/BLIP", DEAD, "deprecated (moved into LAVIS)",
         "README.md @ 056a169 (2026-03-03): 'This repo is DEPRECATED and no longer supported'"),
    Case("nose-devs/nose", DEAD, "maintenance mode, ceased (successors nose2, pytest)",
         "doc/index.rst @ 0f40fa9 (2015-11-04): 'will likely cease without a new person/team'"),
    Case("fzaninotto/Faker", DEAD, "archived by its owner",
         "readme.md @ ac73e52 (2020-10-27): 'Faker is archived'"),
    Case("karpathy/nanoGPT", DEAD, "deprecated (2025-11)",
         "README.md @ 3adf61e (2025-11-12): 'now very old and deprecated'"),
    # Clearly alive.
    Case("huggingface/peft", ALIVE, "alive: releases monthly, 117 authors in a year", "v0.20.0 (2026-07-28)"),
    Case("pallets/flask", ALIVE, "alive: mature, small team", "3.1.3 (2026-02-18)"),
    Case("explosion/spaCy", ALIVE, "alive: large NLP library", "release-v3.8.15 (2026-08-07)"),
    Case("ollama/ollama", ALIVE, "alive: very active", "v0.33.0-rc2 (2026-08-21)"),
    Case("fastapi/fastapi", ALIVE, "alive: very active, one owner", "0.141.1 (2026-07-29)"),
    Case("numpy/numpy", ALIVE, "alive: very large, many maintainers", "v2.5.2 (2026-08-08)"),
    # Alive, mature and quiet: the ones other tools wrongly call unmaintained.
    Case("moment/moment", MATURE, "maintenance mode, still releasing",
         "README.md @ d5ebb42 (2020-09-15): 'a legacy project, now in maintenance mode'; 2.30.1 (2023-12-27)"),
    Case("benjaminp/six", MATURE, "mature, low activity", "1.17.0 (2024-12-03), 1.16.0 before it (2021)"),
    Case("yaml/pyyaml", MATURE, "mature, low activity", "6.0.3 (2025-09-25), 6.0.2 (2024-08-06)"),
    Case("dateutil/dateutil", ALIVE, "alive, low activity: 2 people, no release since 2.9.0 (2024-03)",
         "commits until 2026-03; the risk of a library without a release for two years is real"),
    Case("pallets/markupsafe", MATURE, "mature, low activity", "3.0.2 (2024-10-18)"),
    Case("kjd/idna", MATURE, "mature, low activity", "v3.13 (2026-04-22)"),
)


def mirror_path(mirrors: Path, slug: str) -> Path:
    owner, name = slug.split("/")
    return mirrors / f"{owner}+{name}" / "repo"


def held(kind: str, risk: str, maturity: str | None) -> tuple[bool, str]:
    """Whether the verdict holds for a project of this kind, and the rule in words."""
    if kind == DEAD:
        return risk in ("high", "critical") and maturity != "active", "high/critical, not active"
    if kind == MATURE:
        return risk not in ("high", "critical") and maturity != "abandoned", "not high/critical, not abandoned"
    return risk != "critical" and maturity != "abandoned", "not critical, not abandoned"


def run(cases: list[Case], mirrors: Path, db: Path, also: datetime | None, progress: Progress) -> list[dict]:
    rows = []
    with Store.open(db) as store:
        cfg = config_mod.load(db)
        tracked = []
        for case in cases:
            path = mirror_path(mirrors, case.slug)
            if not (path / "HEAD").exists():
                progress(f"{case.slug}: no mirror at {path}, skipped")
                continue
            project, _ = registry.add(store, case.slug, git_source=str(path))
            tracked.append((case, project))
        started = time.monotonic()
        outcomes = collect.collect(store, cfg, [p for _, p in tracked], ["git"], progress)
        failed = {o.project: o.error for o in outcomes if o.status != "ok"}
        progress(f"collected {len(tracked)} mirrors in {time.monotonic() - started:.0f} s")
        for case, project in tracked:
            if project.slug in failed:
                rows.append({"case": case, "error": failed[project.slug]})
                continue
            data_at = git_data.compute(store, project.id, clock.utcnow())[catalogue.GIT_DATA_AT]
            result = score_projects(store, [project], data_at).rows[0]
            ok, rule = held(case.kind, result["risk_level"], result["maturity"])
            row = {"case": case, "data_at": data_at, "result": result, "held": ok, "rule": rule}
            if also is not None:
                later = score_projects(store, [project], also).rows[0]
                row["later"] = later
                row["held_later"] = (later["risk_level"], later["maturity"]) == (result["risk_level"],
                                                                                 result["maturity"])
            rows.append(row)
    return rows


def table_rows(rows: list[dict]) -> list[dict]:
    out = []
    for r in rows:
        case = r["case"]
        if "error" in r:
            out.append({"repository": case.slug, "status and evidence": f"{case.status}; {case.evidence}",
                        "data date": "unknown", "health (coverage)": "unknown", "risk": "unknown",
                        "maturity": "unknown", "verdict held?": f"not collected: {r['error']}"})
            continue
        res = r["result"]
        flags = ", ".join(f["name"] for f in res["flags"]) or "none"
        row = {
            "repository": case.slug,
            "status and evidence": f"{case.status}; {case.evidence}",
            "data date": display.date(r["data_at"]),
            "health (coverage)": display.health(res["health"], res["coverage"], res["health_reason"]),
            "risk": f"{res['risk_level']} ({flags})",
            "maturity": display.text(res["maturity"]),
            "verdict held?": ("yes" if r["held"] else "NO") + f" ({r['rule']})",
        }
        if "later" in r:
            row["same as of later date?"] = "yes" if r["held_later"] else \
                f"NO: {r['later']['risk_level']}, {r['later']['maturity']}"
        out.append(row)
    return out


def markdown(rows: list[dict]) -> str:
    if not rows:
        return "(none)\n"
    cols = list(rows[0])
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(r[c]).replace("|", "\\|") for c in cols) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mirrors", type=Path, default=Path(os.environ.get("TRACKER_MIRRORS", "/work/.mirror")))
    ap.add_argument("--db", type=Path, help="database to use (default: a temporary file, removed afterwards)")
    ap.add_argument("--only", action="append", metavar="OWNER/REPO", help="only these repositories")
    ap.add_argument("--also-as-of", metavar="DATE", help="score each again as of DATE: verdicts must not change")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    a = ap.parse_args(argv)
    cases = [c for c in VALIDATION_SET if not a.only or c.slug in a.only]
    also = parse_as_of(a.also_as_of) if a.also_as_of else None
    progress = Progress(quiet=False)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tracker-validate-") as tmp:
        db = a.db or Path(tmp) / "validate.duckdb"
        os.environ.setdefault("TRACKER_GIT_CACHE", str(Path(tmp) / "git-cache"))
        rows = run(cases, a.mirrors, db, also, progress)
    table = table_rows(rows)
    sys.stdout.write(markdown(table) if a.markdown else output.table(table))
    judged = [r for r in rows if "held" in r]
    wrong = [r["case"].slug for r in judged if not r["held"] or not r.get("held_later", True)]
    print(f"\n{len(judged) - len(wrong)} of {len(judged)} verdicts held"
          + (f"; not held: {', '.join(wrong)}" if wrong else "")
          + f" ({time.monotonic() - started:.0f} s, {os.cpu_count()} cores)", file=sys.stderr)
    return 1 if wrong or len(judged) < len(rows) else 0


if __name__ == "__main__":
    sys.exit(main())
