"""Scoring only judges: tracker/scoring/ imports no store, no database, no report code and no
metrics (which read the store). Checked on the source, so a late import inside a function counts."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SCORING = Path(__file__).resolve().parents[2] / "tracker" / "scoring"
FORBIDDEN = ("tracker.store", "duckdb", "tracker.report", "tracker.metrics", "tracker.score", "tracker.ui",
             "tracker.short_store", "collectors", "requests", "github")
# Being moved into the read model by another change (it reads the scores table); not scoring's.
LEAVING = {"history.py"}


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


def _forbidden(names: set[str]) -> list[str]:
    return sorted(n for n in names for f in FORBIDDEN if n == f or n.startswith(f + "."))


@pytest.mark.parametrize("path", sorted(p for p in SCORING.glob("*.py") if p.name not in LEAVING),
                         ids=lambda p: p.name)
def test_scoring_imports_no_store_database_report_or_metrics(path):
    assert _forbidden(imported(path)) == []


def test_the_check_sees_late_and_aliased_imports(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from tracker import store as s\n    import duckdb as d\n"
                      "from tracker.metrics.git import NAMES\n")
    assert _forbidden(imported(sample)) == ["duckdb", "tracker.metrics.git", "tracker.metrics.git.NAMES",
                                            "tracker.store"]


@pytest.mark.parametrize("path", sorted((SCORING.parent / "metrics").glob("*.py")), ids=lambda p: p.name)
def test_metrics_count_channels_in_sql_without_the_collectors_parsers(path):
    """Funding channels are counted by the identity the funding collector stored, so the metrics
    need neither the manifest parsers nor the collector's helpers (which may move)."""
    names = imported(path)
    assert sorted(n for n in names if n.startswith(("tracker.funding_files", "tracker.funding_channels",
                                                    "collectors"))) == []


def test_the_entry_points_are_loaded_when_first_asked_for_and_nothing_else_is_there():
    """`tracker.scoring.score_metrics` and `.criticality_score` are the judges' own functions (the
    package imports them lazily, on each attribute access); any other name is an AttributeError
    that names the module and the attribute."""
    import tracker.scoring as scoring
    from tracker.scoring import card, criticality

    assert scoring.score_metrics is card.score_metrics
    assert scoring.criticality_score is criticality.criticality_score
    with pytest.raises(AttributeError, match=r"^module 'tracker\.scoring' has no attribute 'nope'$"):
        scoring.nope  # noqa: B018
