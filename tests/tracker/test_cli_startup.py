"""Start-up: `tracker --help` imports no command module, a command imports only its own module,
and the table the CLI lists commands from says what the modules register."""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import subprocess
import sys

import pytest

import tracker.commands as commands_pkg
from tracker.cli import build_parser

HEAVY = ("duckdb", "pandas", "numpy", "github", "yaml", "requests", "pyarrow", "streamlit")


def registered_by(module_name: str) -> dict[str, str]:
    """What one command module registers: command -> one-line help."""
    module = importlib.import_module(f"tracker.commands.{module_name}")
    sub = argparse.ArgumentParser().add_subparsers()
    module.register(sub)
    return {action.dest: action.help for action in sub._choices_actions}


def test_the_table_says_what_every_command_module_registers():
    modules = sorted(m.name for m in pkgutil.iter_modules(commands_pkg.__path__))
    from_modules = {}
    for module_name in modules:
        for name, summary in registered_by(module_name).items():
            from_modules[name] = (module_name, summary)
    assert from_modules == commands_pkg.COMMANDS


def imported_after(argv: list[str]) -> set[str]:
    """Top-level packages imported by a fresh interpreter that runs `tracker ARGV`."""
    code = (
        "import sys, json\n"
        "from tracker.cli import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "sys.stdout = sys.__stdout__\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} | "
        "{m for m in sys.modules if m.startswith('tracker.commands.')})))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_help_imports_no_command_module_and_nothing_heavy():
    loaded = imported_after(["--help"])
    assert not loaded & set(HEAVY), loaded & set(HEAVY)
    assert not {m for m in loaded if m.startswith("tracker.commands.")}


def test_a_command_imports_its_own_module_only(tmp_path):
    loaded = imported_after(["--db", str(tmp_path / "none.duckdb"), "status"])
    assert {m for m in loaded if m.startswith("tracker.commands.")} == {"tracker.commands.status"}


@pytest.mark.parametrize("argv, expected", [
    (["collect", "--source", "git"], "collect"),
    (["--db", "list", "add", "x/y"], "add"),       # --db's value is never the command
    (["-q", "grants", "list"], "grants"),
    (["--help"], None),
    (["frob"], None),
    ([], None),
])
def test_the_command_named_on_the_line(argv, expected):
    assert commands_pkg.named_in(argv) == expected


def test_help_lists_every_command_with_its_summary(capsys):
    with pytest.raises(SystemExit):
        build_parser(["--help"]).parse_args(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    for name, (_, summary) in commands_pkg.COMMANDS.items():
        assert f"{name} {' '.join(summary.split())}" in text


def test_every_command_parses_its_own_options_when_named():
    args = build_parser(["grants", "list"]).parse_args(["grants", "list"])
    assert args.command == "grants" and callable(args.func)
