"""The metric catalogue is complete both ways: every metric a provider emits, every sub-score,
component, risk flag and maturity class has an entry, and every entry is emitted or configured;
every entry points at a section of docs/methodology.md that exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tracker import catalogue, metrics
from tracker.scoring import risk, subscores
from tracker.scoring import weights as weights_mod

ROOT = Path(__file__).resolve().parents[2]


def test_every_provider_metric_is_catalogued_and_every_entry_is_provided():
    emitted = metrics.metric_names()
    assert len(emitted) == len(set(emitted))
    assert set(emitted) == set(catalogue.METRICS)


def test_each_metric_name_is_a_constant_of_the_same_name():
    for name in catalogue.METRICS:
        assert getattr(catalogue, name.upper()) == name


@pytest.mark.parametrize("name", sorted(catalogue.METRICS))
def test_entries_are_complete(name):
    m = catalogue.metric(name)
    assert m.source in catalogue.SOURCES and m.type in catalogue.TYPES
    assert m.label and m.label[0].isupper() and m.description.endswith(".")
    assert "None" not in m.description and "\n" not in m.description
    assert catalogue.label(name) == m.label


def test_subscores_components_and_flags_match_the_weights_file():
    shipped = weights_mod.shipped()
    assert set(catalogue.SUBSCORES) == set(shipped["subscores"]) == set(shipped["health"]["weights"])
    for name, sub in catalogue.SUBSCORES.items():
        assert set(sub.components) == set(shipped["subscores"][name]), name
        assert tuple(sub.components) == weights_mod.SUBSCORES[name]
    # every configured flag, and nothing else (no data is the level "unknown", not a flag)
    assert set(catalogue.FLAGS) == set(shipped["risk"]["flags"])
    assert set(catalogue.MATURITY) == set(risk.MATURITY_CLASSES)
    assert subscores.LABELS == {n: s.label for n, s in catalogue.SUBSCORES.items()}


def test_unknown_names_are_refused_with_the_catalogue_named():
    with pytest.raises(KeyError, match="not in the metric catalogue"):
        catalogue.label("comits_90d")
    with pytest.raises(KeyError, match="not in the metric catalogue"):
        catalogue.metric("comits_90d")
    with pytest.raises(KeyError, match="risk flag 'no_comits' is not in the metric catalogue"):
        risk._flag("no_comits", "x")


def _anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation other than - and _ dropped, spaces -> -."""
    out = set()
    for line in markdown.splitlines():
        m = re.match(r"^#{1,6}\s+(.*)$", line)
        if m:
            text = re.sub(r"[^\w\- ]", "", m.group(1).strip().lower())
            out.add(text.replace(" ", "-"))
    return out


def test_every_entry_points_at_an_existing_methodology_section():
    anchors = _anchors((ROOT / "docs" / "methodology.md").read_text(encoding="utf-8"))
    used = {m.anchor for m in catalogue.METRICS.values()}
    used |= {e.anchor for table in (catalogue.FLAGS, catalogue.MATURITY, catalogue.SCORES) for e in table.values()}
    used |= {s.anchor for s in catalogue.SUBSCORES.values()}
    assert used - anchors == set()


def test_methodology_names_every_metric():
    text = (ROOT / "docs" / "methodology.md").read_text(encoding="utf-8")
    assert [n for n in catalogue.METRICS if f"`{n}`" not in text and n not in text] == []


# The names scoring and metrics code give a project's metrics (tables of weights are keyed by
# sub-score and algorithm names, some of which are also metric names: those are not metrics).
METRIC_MAPPINGS = {"m", "inputs", "known", "k", "values", "mine", "got", "computed", "out", "metrics"}


def _root(node: ast.AST) -> str | None:
    while isinstance(node, ast.Subscript | ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _string_keys(tree: ast.AST) -> list[tuple[int, str]]:
    """String constants used as a key of a metrics mapping: m["x"], m.get("x"), inputs["x"] = ..."""
    found = []
    for node in ast.walk(tree):
        key = receiver = None
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            key, receiver = node.slice, node.value
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
              and node.args and isinstance(node.args[0], ast.Constant)):
            key, receiver = node.args[0], node.func.value
        if key is not None and isinstance(key.value, str) and _root(receiver) in METRIC_MAPPINGS:
            found.append((key.lineno, key.value))
    return found


def test_the_key_check_finds_bare_names():
    tree = ast.parse("m.get('commits_90d'); inputs['stars'] = 1; out[pid]['forks']; weights['truck_factor']")
    assert [k for _, k in _string_keys(tree)] == ["commits_90d", "stars", "forks"]


@pytest.mark.parametrize("path", sorted((ROOT / "tracker" / "scoring").glob("*.py")) + sorted(
    (ROOT / "tracker" / "metrics").glob("*.py")), ids=lambda p: p.name)
def test_metric_names_are_read_through_catalogue_constants(path):
    """A metric name written as a bare string in scoring or metrics code would read None silently
    when misspelt; the catalogue's constants fail at import instead."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bare = [(line, key) for line, key in _string_keys(tree) if key in catalogue.METRICS]
    assert bare == []
