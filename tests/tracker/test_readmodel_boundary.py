"""Readers issue no SQL of their own: they go through the read model (tracker/readmodel/).

The rule, checked on the source of every reader (the app's pages and query layer in tracker/ui/,
every command in tracker/commands/, the report, the dependency report, output and display):

- no SQL text: no string holding SELECT ... FROM, INSERT INTO, UPDATE ... SET, DELETE FROM,
  CREATE/DROP/ALTER of a table, view or macro, or a look into the catalogue (information_schema,
  duckdb_tables(), duckdb_columns(), PRAGMA table_info);
- no statement run directly: no call of a store's or connection's `execute`, `executemany`,
  `sql` or `query`, and no `all`, `one`, `scalar` or `dicts` given text;
- no DuckDB of their own: no `import duckdb`;
- no writer connection (`Store.open`) except in the writers named in WRITERS: the app's
  requests (track a repository, collect now), which it may write.

Writers are allowed their SQL and are not scanned here: the registry (add, remove, import),
grants import, collection and scoring jobs, the scheduler, the app's requests (tracker.requests).
Readers call the read model's named functions (or a writer module's function, never its SQL).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
READERS = sorted({*ROOT.glob("tracker/ui/*.py"), *ROOT.glob("tracker/commands/*.py"), ROOT / "tracker/report.py",
                  ROOT / "tracker/deps/report.py", ROOT / "tracker/output.py", ROOT / "tracker/display.py",
                  ROOT / "app.py"})
WRITERS = {"tracker/ui/requests_panel.py": {"write_request"}}
SQL = re.compile(
    r"\bSELECT\b[\s\S]*\bFROM\b|\bINSERT\s+INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b"
    r"|\b(CREATE|DROP|ALTER)\s+(OR\s+REPLACE\s+)?(TABLE|VIEW|MACRO)\b"
    r"|information_schema|duckdb_(tables|columns|views)\s*\(|\bPRAGMA\s+table_info")
RUNS_TEXT = {"execute", "executemany", "sql", "query"}
TAKES_TEXT = {"all", "one", "scalar", "dicts"}


def violations(source: str, name: str = "<source>") -> list[str]:
    """Every way `source` breaks the rule, as 'name:line: what'."""
    tree = ast.parse(source)
    found = []
    allowed_open = WRITERS.get(name, set())

    def walk(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function
            where = f"{name}:{getattr(child, 'lineno', '?')}"
            if isinstance(child, ast.Constant) and isinstance(child.value, str) and SQL.search(child.value):
                found.append(f"{where}: SQL text {child.value[:60]!r}")
            elif isinstance(child, ast.Import | ast.ImportFrom):
                modules = [a.name for a in child.names] if isinstance(child, ast.Import) else [child.module or ""]
                if any(m == "duckdb" or m.startswith("duckdb.") for m in modules):
                    found.append(f"{where}: imports duckdb")
            elif isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute):
                attr = child.func.attr
                texts = [a for a in child.args if isinstance(a, ast.Constant | ast.JoinedStr | ast.BinOp)
                         and not (isinstance(a, ast.Constant) and not isinstance(a.value, str))]
                if attr in RUNS_TEXT:
                    found.append(f"{where}: runs a statement (.{attr})")
                elif attr in TAKES_TEXT and texts:
                    found.append(f"{where}: runs a statement (.{attr} with text)")
                elif attr == "open" and isinstance(child.func.value, ast.Name) and child.func.value.id == "Store" \
                        and inner not in allowed_open:
                    found.append(f"{where}: opens a writer connection (Store.open) in {inner or 'the module'}")
            walk(child, inner)

    walk(tree, None)
    return found


@pytest.mark.parametrize("path", READERS, ids=lambda p: str(p.relative_to(ROOT)))
def test_reader_issues_no_sql_of_its_own(path):
    name = str(path.relative_to(ROOT))
    assert violations(path.read_text(encoding="utf-8"), name) == []


def test_the_readers_are_found():
    names = {str(p.relative_to(ROOT)) for p in READERS}
    assert {"tracker/ui/overview.py", "tracker/ui/project.py", "tracker/ui/queries.py", "tracker/commands/report.py",
            "tracker/commands/export.py", "tracker/commands/badge.py", "tracker/commands/status.py",
            "tracker/report.py", "tracker/deps/report.py"} <= names


@pytest.mark.parametrize("source, expected", [
    ('rows = store.all("SELECT slug FROM projects")', "SQL text"),
    ('store.execute(sql)', "runs a statement (.execute)"),
    ('con.sql(q)', "runs a statement (.sql)"),
    ('n = store.scalar(f"SELECT count(*) FROM {table}")', "SQL text"),
    ('x = s.dicts("SE" + "LECT 1")', "runs a statement (.dicts with text)"),
    ('import duckdb', "imports duckdb"),
    ('cols = "information_schema.columns"', "SQL text"),
    ('def page():\n    return Store.open(db)', "opens a writer connection"),
    ('q = """\n    INSERT INTO grants VALUES (1)"""', "SQL text"),
])
def test_the_check_catches_sql(source, expected):
    assert any(expected in v for v in violations(source))


def test_the_check_lets_words_and_dataframes_be():
    source = ('st.caption("Select a row to open the project page, or delete from the filter")\n'
              'ok = df["health"].isna().all()\n'
              'first = frame.one if hasattr(frame, "one") else None\n')
    assert violations(source) == []
    assert violations("def write_request(db):\n    return Store.open(db)\n", "tracker/ui/requests_panel.py") == []
