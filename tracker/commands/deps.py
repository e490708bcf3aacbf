"""tracker deps: the risk report of the dependencies in requirements, lock files and SBOMs."""

from __future__ import annotations

import argparse
import os
import sys

from tracker import display, registry
from tracker.config import redact
from tracker.deps import accepted as accepted_mod
from tracker.deps import render
from tracker.deps import thresholds as thresholds_mod
from tracker.deps.formats import SUPPORTED, parse_path
from tracker.deps.lookup import IndexLookup
from tracker.deps.mapping import load_overrides
from tracker.deps.report import LEVELS, build
from tracker.deps.sources import MAX_BYTES, MAX_ENTRIES, DiskIncludes
from tracker.errors import UsageError
from tracker.progress import Progress
from tracker.store import Store

GATE_EXIT = 3
UNREAD_EXIT = 2
MAX_RUN_ENTRIES = 50_000     # dependencies over all the files of one run (memory stays bounded)

EPILOG = f"""\
files: {', '.join(SUPPORTED)}. Nothing in them is ever executed.

what is asked: PyPI (PYPI_URL) and the npm registry (NPM_REGISTRY_URL) for every PyPI and npm
  dependency, several at a time; answers are kept in the index cache (TRACKER_INDEX_CACHE,
  default: index-cache.sqlite beside the database) and reused while fresh, then revalidated
  (If-None-Match). Their signals (deprecated, yanked version in use, no recent release, far
  behind the latest, inactive, Python ceiling, ...) give each dependency a risk at once; a
  tracked and scored repository adds the project's own risk (the higher one counts).
  Thresholds: tracker/config/deps.toml (--thresholds FILE overrides).

what is read: the files named, and the -r/-c files they include, but only inside the
  repository holding the named file or the working directory (never by URL, never .git/ or a
  credentials file such as .env); at most {MAX_BYTES:,} bytes and {MAX_ENTRIES:,} dependencies a
  file. See docs/security.md.

exit codes:
  0  report written (and no dependency at or above --fail-on)
  1  an error (database, network)
  2  bad input (missing, unknown or oversized file, bad --ignore/--overrides file); with
     --fail-on also any input that could not be read (a lock that does not parse, a refused or
     missing include): the gate fails closed, and the report says which inputs
  {GATE_EXIT}  --fail-on: at least one dependency is at or above that risk level and not accepted
     (with --fail-on-unknown, also any dependency whose risk is unknown: insufficient data, not
     scored, not tracked or not mapped; unknown is never read as "low")

override file (--overrides, YAML):   requests: psf/requests      internal-lib: none
ignore file (--ignore, YAML list):   - package: six
                                       reason: removed in Q3
                                       until: 2026-09-30
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "deps", help="risk report of the dependencies in requirements/lock files and SBOMs (CI gate)",
        description="Read dependency files, look every package up on its index (PyPI, npm), map it to its"
        " repository, and report risk with its evidence, health, truck factor, last release, funding and"
        " who pulls it in, riskiest first.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("files", nargs="+", metavar="FILE", help="requirements*.txt, pyproject.toml, uv.lock,"
                   " poetry.lock, Pipfile.lock, package-lock.json, CycloneDX or SPDX JSON")
    p.add_argument("--format", choices=render.FORMATS, default="table",
                   help="table (default), json, csv, markdown (a pull-request comment: one summary line and the"
                   " top risks first) or sarif (SARIF 2.1.0 for code scanning)")
    p.add_argument("--group-by", choices=render.GROUPS, dest="group_by",
                   help="direct: group the report by the direct dependency that pulls each package in"
                   " (lock files and SBOMs with a dependency graph)")
    p.add_argument("--fail-on", choices=LEVELS, metavar="LEVEL",
                   help=f"exit {GATE_EXIT} if a dependency is at or above this risk: high or critical (also low, medium)")
    p.add_argument("--fail-on-unknown", action="store_true",
                   help="with --fail-on: also fail on dependencies whose risk is unknown (default: they pass the"
                   " gate and are counted and named on stderr)")
    p.add_argument("--ignore", metavar="FILE", help="accepted risks: YAML list of package/repo, reason, until")
    p.add_argument("--overrides", metavar="FILE", help="YAML map package -> OWNER/REPO (or none)")
    p.add_argument("--track", action="store_true",
                   help="add the repositories not tracked yet to the registry (the next collection scores them)")
    p.add_argument("--offline", action="store_true",
                   help="ask no index: use the index cache only, however old (no signals for packages not in it)")
    p.add_argument("--refresh", action="store_true",
                   help="revalidate every cached index answer now, even fresh ones (conditional requests)")
    p.add_argument("--thresholds", metavar="FILE",
                   help="TOML merged over tracker/config/deps.toml (signal levels and thresholds, cache TTL)")
    p.add_argument("--as-of", metavar="DATE",
                   help="judge as of this date: accepted-risk expiry, and release ages (releases after it do not count)")
    p.set_defaults(func=cmd_deps)


def _store(ctx) -> Store | None:
    """Read-only unless --track writes the registry (the index cache is a file of its own), so the
    report never waits for `tracker schedule`'s writer lock; no database at all is fine."""
    a = ctx.args
    if not a.track:
        if str(ctx.config.db_path) != ":memory:" and not ctx.config.db_path.exists():
            return None
        return ctx.store(read_only=True)
    return ctx.store()


def _parse_all(files: list[str]):
    """Each named file once (a file given twice is read once), all sharing one include memo."""
    includes = DiskIncludes()
    for name in files:
        includes.named_source(name)      # every named file may be quoted, whichever includes it first
    results, seen, total = [], set(), 0
    for name in files:
        key = os.path.realpath(name)
        if key in seen:
            continue
        seen.add(key)
        result = parse_path(name, includes)
        total += len(result.dependencies) + len(result.unsupported)
        if total > MAX_RUN_ENTRIES:
            raise UsageError(f"more than {MAX_RUN_ENTRIES:,} dependencies in the files given; refusing them"
                             " (give fewer files at a time)")
        results.append(result)
    return results


def cmd_deps(ctx) -> int:
    a = ctx.args
    if a.fail_on_unknown and not a.fail_on:
        raise UsageError("--fail-on-unknown works with --fail-on LEVEL (e.g. --fail-on high --fail-on-unknown)")
    results = _parse_all(a.files)
    overrides = load_overrides(a.overrides) if a.overrides else {}
    accepted = accepted_mod.load(a.ignore) if a.ignore else []
    thresholds = thresholds_mod.load(a.thresholds)
    store = _store(ctx)
    progress = Progress(quiet=a.quiet)
    lookup = IndexLookup(ctx.config, thresholds, offline=a.offline, refresh=a.refresh, progress=progress)
    try:
        report = build(store, ctx.config, results, ctx.now, overrides=overrides, accepted=accepted,
                       offline=a.offline, thresholds=thresholds, lookup=lookup, progress=progress)
    finally:
        lookup.close()
    for warning in report.warnings:
        print(f"warning: {redact(warning, ctx.config)}", file=sys.stderr)
    if a.track and report.summary["not_tracked"]:
        assert store is not None
        packages = {r["repo"]: r["package"] for r in reversed(report.rows)
                    if r["ecosystem"] == "pypi" and r["repo"] and r["mapped_by"] in ("pypi", "override")}
        added = 0
        with store.transaction():
            for slug in report.summary["not_tracked"]:
                added += registry.add(store, slug, pypi_package=packages.get(slug))[1]
        print(f"tracked {added} new repositories; run `tracker collect` then `tracker score` to score them",
              file=sys.stderr)
    sys.stdout.write(redact(render.render(report, a.format, a.group_by), ctx.config))
    if a.fail_on and report.unread:
        # fail closed: a report that could not read every input cannot pass a gate
        count = len(report.unread)
        print(redact(f"tracker: error: {count} {'input' if count == 1 else 'inputs'} could not be read, so"
                     f" --fail-on cannot pass: {'; '.join(report.unread[:3])}"
                     + (f"; and {count - 3} more" if count > 3 else ""), ctx.config), file=sys.stderr)
        return UNREAD_EXIT
    if a.fail_on:
        failing = report.failing(a.fail_on, unknown=a.fail_on_unknown)
        unknown = report.unknown()
        if unknown and not a.fail_on_unknown:
            names = ", ".join(r["package"] for r in unknown[:10]) + (
                f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
            print(f"tracker: {len(unknown)} {'dependency' if len(unknown) == 1 else 'dependencies'} of unknown risk"
                  f" not judged by the gate (add --fail-on-unknown to fail on them): {names}", file=sys.stderr)
        if failing:
            names = ", ".join(f"{r['package']} ({r['risk'] or 'unknown'})" for r in failing[:10])
            more = f" and {len(failing) - 10} more" if len(failing) > 10 else ""
            print(f"tracker: {display.count(len(failing), 'dependency', 'dependencies')} at or above {a.fail_on} risk"
                  f"{' or of unknown risk' if a.fail_on_unknown else ''}: {names}{more}", file=sys.stderr)
            return GATE_EXIT
    return 0
