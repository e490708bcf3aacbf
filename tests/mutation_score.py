"""The mutation score of the last `make mutation` run, from mutmut's result files (mutants/**/*.meta).

    python tests/mutation_score.py [--survivors]

Prints, per module and in total, mutants killed (a test failed, or the mutant hung until mutmut's
timeout), survived (every test passed), without a test (no selected test runs that function) and
not checked; the score is killed / (killed + survived + without a test). With --survivors, every
surviving mutant is listed by function, for docs/testing.md. Not collected by pytest (no test_ prefix).
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KILLED = {1, 3, 36, -24, 24, 152, 255, 37}   # mutmut's exit codes: a test failed, a timeout, a type error
SURVIVED = {0}
NO_TESTS = {5, 33}


def outcomes(mutants: Path) -> dict[str, int | None]:
    found: dict[str, int | None] = {}
    for meta in sorted(mutants.rglob("*.meta")):
        found.update(json.loads(meta.read_text(encoding="utf-8")).get("exit_code_by_key", {}))
    return found


def kind(code: int | None) -> str:
    if code is None:
        return "not checked"
    if code in KILLED:
        return "killed"
    if code in SURVIVED:
        return "survived"
    if code in NO_TESTS:
        return "no tests"
    return "suspicious"


def module_of(key: str) -> str:
    return key.split(".x", 1)[0] if ".x" in key else key.rsplit(".", 1)[0]


def function_of(key: str) -> str:
    return key.split("__mutmut_", 1)[0]


def main(argv: list[str]) -> int:
    results = outcomes(ROOT / "mutants")
    if not results:
        print("no mutmut results under mutants/: run `make mutation` first", file=sys.stderr)
        return 1
    per_module: dict[str, Counter[str]] = defaultdict(Counter)
    for key, code in results.items():
        per_module[module_of(key)][kind(code)] += 1
    total: Counter[str] = Counter()
    print(f"{'module':40} {'mutants':>7} {'killed':>7} {'survived':>8} {'no test':>7} {'unchecked':>9} {'score':>6}")
    for module in sorted(per_module):
        c = per_module[module]
        total.update(c)
        print(_row(module, c))
    print(_row("total", total))
    if "--survivors" in argv:
        by_function = Counter(function_of(k) for k, code in results.items() if kind(code) in ("survived", "no tests"))
        for function, n in sorted(by_function.items()):
            print(f"{n:4}  {function}")
    return 0


def _row(name: str, c: Counter[str]) -> str:
    judged = c["killed"] + c["survived"] + c["no tests"]
    score = f"{100 * c['killed'] / judged:.1f}%" if judged else "-"
    return (f"{name:40} {sum(c.values()):7} {c['killed']:7} {c['survived']:8} {c['no tests']:7}"
            f" {c['not checked'] + c['suspicious']:9} {score:>6}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
