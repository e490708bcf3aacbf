"""tracker sample build / load / info: the bundled snapshot in data/sample/ (see tracker/sample.py)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tracker import output
from tracker import sample as sample_mod
from tracker.progress import Progress


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sample", help="the bundled snapshot (data/sample/): build it, load it, describe it",
        description="The bundled snapshot is real data of the curated portfolio, collected by the tracker's "
        "own collectors, that `tracker serve` loads into an empty database and scores with this tracker's scoring, so "
        "the app shows real projects with real numbers at once. See docs/operations.md (\"The bundled snapshot\").")
    ssub = p.add_subparsers(dest="sample_command", metavar="ACTION")

    q = ssub.add_parser(
        "build", help="collect the curated list and write the snapshot (git histories, PyPI, funding files, grants)",
        description="Track the curated list in a scratch database, read each repository from a local mirror "
        "(--mirrors DIR, laid out DIR/OWNER+NAME/repo; a project's former name, `formerly` in projects.yaml, "
        "is looked for too) or clone it from the network, import the grants file, collect (default: git, "
        "funding, pypi: no token needed), record each project's data date (a mirror's snapshot "
        "date: the mtime of its packed-refs), and write the collected data as Parquet files and manifest.json into --out. No e-mail "
        "address is kept (authors are pseudonymised so that every metric stays the same; the build checks "
        "it by comparing every metric before and after). Re-runnable: the output folder is replaced only when "
        "the new snapshot passed its checks. The database given with --db is not touched.")
    q.add_argument("--out", metavar="DIR", default=None,
                   help="where to write it (default: data/sample beside the package)")
    q.add_argument("--mirrors", metavar="DIR", help="folder of bare mirrors, OWNER+NAME/repo (e.g. /work/.mirror)")
    q.add_argument("--projects", metavar="FILE", default=None, help="curated list (default: data/projects.yaml)")
    q.add_argument("--grants", metavar="FILE", default=None,
                   help="grants file (default: data/grants.csv); --grants none leaves grants out")
    q.add_argument("--source", action="append", metavar="NAME",
                   help=f"a source to collect (repeatable; default: {', '.join(sample_mod.DEFAULT_SOURCES)})")
    q.add_argument("--keep-db", metavar="PATH", help="keep the full scratch database here (for inspection)")
    q.set_defaults(func=cmd_build)

    q = ssub.add_parser("load", help="load the bundled snapshot into the database (an empty one only)",
                        description="Load the bundled snapshot into the database given by --db or TRACKER_DB. "
                        "Only into a database that tracks no project yet; `tracker serve` does this by itself "
                        "on its first start. Every project is then scored by this tracker, as of its data date "
                        "(the snapshot holds collected data, not scores).")
    q.add_argument("--dir", metavar="DIR", default=None, help="the snapshot (default: data/sample)")
    q.set_defaults(func=cmd_load)

    q = ssub.add_parser("info", help="what the bundled snapshot holds: date, projects, data dates, size")
    q.add_argument("--dir", metavar="DIR", default=None, help="the snapshot (default: data/sample)")
    q.add_argument("--format", choices=output.FORMATS, default="table")
    q.set_defaults(func=cmd_info)
    p.set_defaults(func=lambda ctx: (p.print_help(), 2)[1])


def _repo_file(name: str) -> Path:
    from tracker.config import REPO_ROOT

    beside = REPO_ROOT / name
    return beside if beside.is_file() else Path(name)


def cmd_build(ctx) -> int:
    a = ctx.args
    out = Path(a.out) if a.out else sample_mod.sample_dir()
    projects = Path(a.projects) if a.projects else _repo_file("data/projects.yaml")
    grants = None if (a.grants or "").lower() == "none" else Path(a.grants) if a.grants else _repo_file(
        "data/grants.csv")
    progress = Progress(quiet=a.quiet)
    command = "tracker sample build" + (f" --mirrors {a.mirrors}" if a.mirrors else "")
    manifest = sample_mod.build(
        ctx.config, out, projects_file=projects, grants_file=grants,
        mirrors=Path(a.mirrors) if a.mirrors else None, sources=a.source or sample_mod.DEFAULT_SOURCES,
        say=progress, progress=progress, keep_db=Path(a.keep_db) if a.keep_db else None, command=command)
    with_git = [p for p in manifest["projects"] if p["git_from"]]
    dates = sorted(p["data_at"][:10] for p in with_git)
    print(f"bundled snapshot of {manifest['built_at'][:10]} written to {out}: {len(manifest['projects'])} projects "
          f"({len(with_git)} with git history, data dates {dates[0] if dates else '-'} to "
          f"{dates[-1] if dates else '-'}), {manifest['bytes'] / 1e6:.1f} MB")
    failures = manifest.get("collection_failures") or []
    if failures:
        print(f"{len(failures)} collections failed; those projects have less data in the snapshot "
              "(`tracker sample info` lists each project's sources)", file=sys.stderr)
    return 0


def cmd_load(ctx) -> int:
    a = ctx.args
    summary = sample_mod.load(ctx.store(), Path(a.dir) if a.dir else None)
    span = (f", data dates {summary['data_from']:%Y-%m-%d} to {summary['data_to']:%Y-%m-%d}"
            if summary["data_from"] else "")
    print(f"loaded the bundled snapshot of {summary['built_at']:%Y-%m-%d} into {ctx.config.db_path}: "
          f"{summary['projects']} projects, {summary['rows']:,} rows{span}; {summary['scored']} scored as of their "
          "data dates")
    for slug, problem in summary["score_failures"]:
        print(f"tracker: warning: could not score {slug}: {problem}", file=sys.stderr)
    return 0


def cmd_info(ctx) -> int:
    a = ctx.args
    directory = Path(a.dir) if a.dir else sample_mod.sample_dir()
    manifest = sample_mod.read_manifest(directory)
    if a.format == "json":
        print(json.dumps(manifest, indent=2, ensure_ascii=False))
        return 0
    rows = [{"project": p["repo"], "git history": p["git_from"] or "none", "data as of": p["data_at"],
             "sources": ", ".join(p.get("sources") or {}) or "none"} for p in manifest["projects"]]
    output.emit(rows, a.format, ["project", "git history", "data as of", "sources"])
    if a.format == "table":
        print(f"\nbundled snapshot of {manifest['built_at'][:10]} ({directory}), made by `{manifest.get('command')}`"
              f" with {manifest.get('built_with')}; {manifest['bytes'] / 1e6:.1f} MB in "
              f"{len(manifest['tables'])} tables", file=sys.stderr)
    return 0
