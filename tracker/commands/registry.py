"""tracker add / list / remove."""

from __future__ import annotations

import argparse
import sys

from tracker import display, output, readmodel, registry
from tracker.errors import UsageError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("add", help="track a project (OWNER/REPO or GitHub URL), or a curated list",
                       description="Track a project. Adding one that is already tracked changes nothing.")
    p.add_argument("repo", nargs="?", help="OWNER/REPO or a GitHub URL (https, ssh, git@)")
    p.add_argument("--git", metavar="URL_OR_PATH", help="read git history from this URL or local path instead")
    p.add_argument("--pypi", metavar="PACKAGE", help="the project's PyPI package")
    p.add_argument("--category", help="a category label, e.g. inference, training, classic-ml")
    p.add_argument("--from", dest="from_file", metavar="FILE", help="import a YAML list (see data/projects.yaml)")
    p.set_defaults(func=cmd_add)

    p = sub.add_parser("list", help="list tracked projects with their latest health (and its coverage) and risk")
    p.add_argument("--format", choices=output.FORMATS, default="table")
    p.set_defaults(func=cmd_list, read_only=True)

    p = sub.add_parser("remove", help="stop tracking a project and delete its collected data")
    p.add_argument("repo", help="OWNER/REPO or a GitHub URL")
    p.set_defaults(func=cmd_remove)


def cmd_add(ctx) -> int:
    a = ctx.args
    if a.from_file:
        if a.repo or a.git or a.pypi or a.category:
            raise UsageError("--from imports a list; give no OWNER/REPO or other options with it")
        added, existing = registry.import_list(ctx.store(), a.from_file)
        print(f"{added} projects added, {existing} already tracked ({a.from_file})")
        return 0
    if not a.repo:
        raise UsageError("give OWNER/REPO (or a GitHub URL), or --from FILE")
    project, created = registry.add(ctx.store(), a.repo, git_source=a.git, pypi_package=a.pypi,
                                    category=a.category)
    print(f"{'added' if created else 'already tracked'}: {project.slug}")
    return 0


def cmd_list(ctx) -> int:
    path = ctx.config.db_path
    if not path.exists():
        rows = []
    else:
        store = ctx.store()
        scores = {r["project_id"]: r for r in readmodel.latest_scores(store)}
        rows = []
        for p in readmodel.projects(store):
            s = scores.get(p.id) or {}
            row = {"project": p.slug, "category": p.category, "pypi": p.pypi_package, "git": p.git_source,
                   "health": s.get("health"), "coverage": s.get("coverage"),
                   "health_reason": s.get("health_reason"), "risk": s.get("risk_level")}
            if ctx.args.format == "table":  # people read the health with its coverage beside it
                row["health"] = display.health(row["health"], row["coverage"], row["health_reason"]) \
                    if s else "not scored"
                row["risk"] = row["risk"] or "not scored"
            rows.append(row)
    columns = ["project", "category", "pypi", "git", "health", "risk"]
    if ctx.args.format != "table":
        columns = ["project", "category", "pypi", "git", "health", "coverage", "health_reason", "risk"]
    output.emit(rows, ctx.args.format, columns)
    if not rows and ctx.args.format == "table":
        print("no projects tracked yet: tracker add OWNER/REPO, or tracker add --from data/projects.yaml",
              file=sys.stderr)
    return 0


def cmd_remove(ctx) -> int:
    project, deleted = registry.remove(ctx.store(), ctx.args.repo)
    rows = sum(deleted.values())
    print(f"removed {project.slug} ({rows} collected rows deleted)")
    return 0
