"""People read "unknown", never "None" (or nan, NaN, NaT), in every command's output: on a database
where nothing is collected and on one where every source brought data (tests/ui/builder.py plus a
real git repository), after `tracker score`. Health is shown with its coverage beside it, and
rankings put the projects without a verdict last and say how many."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.tracker.scoring_helpers import track
from tests.ui import builder
from tracker.store import Store

NONE_WORDS = re.compile(r"\bNone\b|\bnan\b|\bNaN\b|\bNaT\b")


def _outputs(cli, tmp_path: Path, projects: list[str]) -> dict[str, str]:
    """Every command meant for people, in each of its formats for people (and the files export
    writes, whose text cells people read too)."""
    texts: dict[str, str] = {}

    def run(name: str, *args: str, stream: str = "out") -> None:
        result = cli(*args)
        assert result.code in (0, 1), (name, result.code, result.err)
        texts[name] = getattr(result, stream)
        texts[name + " (stderr)"] = result.err

    run("score", "score")
    run("score csv", "score", "--format", "csv")
    run("list", "list")
    run("list csv", "list", "--format", "csv")
    run("status", "status")
    run("grants list", "grants", "list")
    for slug in projects:
        run(f"report {slug}", "report", slug)
        run(f"badge {slug}", "badge", slug)
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("rocket==1.0\nquiet-lib\nnew-lib\nunmapped-thing\n")
    overrides = tmp_path / "overrides.yaml"
    overrides.write_text("rocket: acme/rocket\nquiet-lib: beta/quiet\nnew-lib: gamma/new\n")
    for fmt in ("table", "csv", "markdown"):
        run(f"deps {fmt}", "deps", str(requirements), "--offline", "--overrides", str(overrides), "--format", fmt)
    out = tmp_path / "export"
    run("export", "export", "--format", "csv", str(out))
    for path in sorted(out.glob("*.csv")):
        texts[f"export {path.name}"] = path.read_text(encoding="utf-8")
    return texts


def _check(texts: dict[str, str]) -> None:
    for name, text in texts.items():
        found = NONE_WORDS.search(text)
        assert not found, f"{name}: {found.group(0)!r} near {text[max(0, found.start() - 80):found.end() + 80]!r}"


def test_nothing_collected(cli, tmp_path):
    for slug in ("acme/rocket", "beta/quiet", "gamma/new"):
        assert cli("add", slug).code == 0
    texts = _outputs(cli, tmp_path, ["acme/rocket", "gamma/new"])
    _check(texts)
    assert "insufficient data (coverage 0%)" in texts["score"]
    assert "3 projects with insufficient data are listed last" in texts["score (stderr)"]
    assert "insufficient data: git history, GitHub data not collected" in texts["report gamma/new"]
    assert "Risk: unknown" in texts["report gamma/new"]
    assert ">insufficient data</text>" in texts["badge gamma/new"]
    assert "insufficient data (coverage 0%)" in texts["list"]


@pytest.fixture
def full_db(db_path, make_repo):
    """The app tests' database (every source: git, GitHub, Sponsors, Open Collective, grants, runs)
    and one more project collected from a real repository."""
    builder.build(db_path)
    repo = make_repo()
    for month in range(1, 13):
        repo.commit(f"2026-{month:02d}-05", files={"a.py": str(month)})
        repo.commit(f"2026-{month:02d}-15", name="Bob", email="bob@corp.example.net", files={"b.py": str(month)})
    repo.tag("v1.0")
    with Store.open(db_path) as store:
        track(store, repo, "acme/lib")
    return db_path


def test_everything_collected(full_db, cli, tmp_path):
    texts = _outputs(cli, tmp_path, ["acme/rocket", "beta/quiet", "gamma/new", "acme/lib"])
    _check(texts)
    # health with its coverage beside it, in the score and list tables and the report
    assert re.search(r"acme/lib +\d+ \(coverage \d+%\)", texts["score"]), texts["score"]
    assert re.search(r"acme/lib .* \d+ \(coverage \d+%\)", texts["list"]), texts["list"]
    assert re.search(r"coverage \d+% of the weight known", texts["report acme/lib"])
    assert re.search(r">\d+ \(coverage \d+%\) \| \w+ risk<", texts["badge acme/lib"])
    # the one project with nothing collected is ranked last, and the count is said
    lines = [line for line in texts["score"].splitlines()[2:] if line.strip()]
    assert lines[-1].startswith("gamma/new") and "insufficient data" in lines[-1]
    assert "1 project with insufficient data is listed last" in texts["score (stderr)"]
