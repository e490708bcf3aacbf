"""CLI subcommands: each module defines `register(subparsers)` and sets `func(ctx) -> int`.

COMMANDS names every subcommand, the module that registers it and its one-line summary, in the
order `tracker --help` lists them. The CLI imports only the module of the command being run (a
module's imports are DuckDB, pandas, PyGithub, YAML...), so `tracker --help` starts fast;
tests/tracker/test_cli_startup.py checks this table against what the modules register.
"""

from __future__ import annotations

from collections.abc import Sequence

COMMANDS: dict[str, tuple[str, str]] = {
    "add": ("registry", "track a project (OWNER/REPO or GitHub URL), or a curated list"),
    "list": ("registry", "list tracked projects with their latest health (and its coverage) and risk"),
    "remove": ("registry", "stop tracking a project and delete its collected data"),
    "collect": ("collect", "collect data for tracked projects from every source (or some)"),
    "score": ("score", "score every tracked project (health, risk, criticality, funding need)"),
    "report": ("report", "metrics, scores and risk of one project (text or JSON)"),
    "status": ("status", "last and next collection runs per source and project"),
    "serve": ("serve", "run the scheduler and the app together (what `make run` runs)"),
    "app": ("app", "open the Streamlit app (reads the database; never writes collected data)"),
    "schedule": ("schedule", "run the collecting daemon (the single writer): every source on its interval"),
    "sample": ("sample", "the bundled snapshot (data/sample/): build it, load it, describe it"),
    "deps": ("deps", "risk report of the dependencies in requirements/lock files and SBOMs (CI gate)"),
    "grants": ("grants", "grants registry: import, list, impact"),
    "export": ("export", "write projects, metrics and scores to DIR (csv, parquet or json)"),
    "badge": ("badge", "an SVG badge of a project's health and risk (to stdout)"),
    "doctor": ("doctor", "check the database (rows of removed projects, dead runs, schema); --fix repairs"),
}

# Global options that take a value (their value is never the command's name).
_VALUED_OPTIONS = ("--db",)


def named_in(argv: Sequence[str]) -> str | None:
    """The subcommand `argv` runs, or None (no command, --help, or an unknown word)."""
    skip = False
    for token in argv:
        if skip:
            skip = False
            continue
        if token in _VALUED_OPTIONS:
            skip = True
            continue
        if token == "--":
            return None
        if token.startswith("-"):
            continue
        return token if token in COMMANDS else None
    return None
