"""Per-module test selection for `make mutation` (a pytest plugin, loaded by mutmut's pytest_add_cli_args).

mutmut runs, for each mutant, every selected test that reached the mutated function while it
collected its stats: for a scoring function that includes the tests that build real git histories
and stores and only pass through it. While a mutant runs (mutmut names it in MUTANT_UNDER_TEST),
this plugin keeps only the test files of the mutant's own module (MODULE_TESTS below, first
matching prefix wins); the others are deselected. mutmut's clean run is narrowed the same way when
tests/mutation_run.py names the module of the chunk (MUTATION_MODULE); mutmut's other runs (stats,
listing, forced failure) are not filtered. A mutant left with no test ends as "no tests" (pytest exit 5), never as
killed. Not collected by pytest (no test_ prefix).
"""

from __future__ import annotations

import os

_SCORING = (
    "tests/tracker/test_scoring_",          # every test_scoring_*.py
    "tests/tracker/test_edges.py",
    "tests/tracker/test_validation_shapes.py",
    "tests/tracker/test_words_for_people.py",
    "tests/tracker/test_metrics_catalogue.py",
)
_METRICS = (
    "tests/tracker/test_metrics_",          # every test_metrics_*.py
    "tests/tracker/test_edges.py",
    "tests/tracker/test_funding_metrics.py",
    "tests/tracker/test_scoring_truck_factor.py",   # the store query against the pure function
    "tests/tracker/test_scoring_notice.py",         # tracker/metrics/notice.py (README deprecation notices)
)

# Module of the mutant (prefix of its dotted name) -> test files (path prefixes) that judge it.
MODULE_TESTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("tracker.scoring.", _SCORING),
    ("tracker.metrics.", _METRICS),
    ("collectors.funding.files.", (
        "tests/collectors/test_funding_files",  # test_funding_files.py and _details.py
        "tests/tracker/test_funding_metrics.py",
    )),
    ("tracker.deps.requirements.", (
        "tests/deps/test_requirements.py",
        "tests/deps/test_untrusted_files.py",
    )),
)

# Slow tests left out of mutant runs (still in the clean run): 40 s or more each under mutmut's
# trampolines, for a limit that tracker/userfiles.py and the deps command enforce, not the parser.
SLOW = {
    "tests/deps/test_untrusted_files.py::test_all_the_files_of_one_run_are_capped_together",
}


def files_for(mutant: str, module: str = "") -> tuple[str, ...] | None:
    """The test-file prefixes for a mutant's name, or for `module` (tests/mutation_run.py's
    MUTATION_MODULE) in mutmut's clean run (mutant ""); None for mutmut's other runs."""
    if "__mutmut_" not in mutant:
        if mutant or not module:
            return None
        mutant = module + "."
    for prefix, files in MODULE_TESTS:
        if mutant.startswith(prefix):
            return files
    return ()


def pytest_collection_modifyitems(config, items):
    files = files_for(os.environ.get("MUTANT_UNDER_TEST", ""), os.environ.get("MUTATION_MODULE", ""))
    if files is None:
        return
    keep, drop = [], []
    for item in items:
        nodeid = item.nodeid.removeprefix("mutants/")
        (keep if nodeid.startswith(files) and nodeid not in SLOW else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
