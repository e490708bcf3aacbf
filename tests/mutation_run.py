"""Run mutmut over the mutated modules in chunks, module by module (`make mutation` calls this).

    python tests/mutation_run.py [--jobs N] [--chunk N] [--budget SECONDS] [--wrap CMD] [--again] [MODULE...]

MODULE is a dotted prefix (`tracker.scoring.evidence`, `tracker.metrics`); without one, every
mutated module in ORDER. Each chunk is one `mutmut run NAME...` of at most --chunk mutants of one
module, with MUTATION_MODULE set so that tests/mutation_select.py keeps mutmut's clean run to that
module's tests, as it does for every mutant. Mutants already judged in mutants/ are skipped, so a
second call resumes (--again also re-runs survivors and mutants without a test, to confirm new
tests kill them); --budget stops starting chunks after that many seconds. --wrap prefixes every
mutmut call (e.g. a CPU lock: --wrap /work/notes/run-test). Not collected by pytest.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MUTMUT = str(Path(sys.executable).with_name("mutmut"))
# The modules whose survivors were the largest gaps first, then the rest, the metrics last (their
# tests build stores from real git histories: the slowest per mutant).
ORDER = (
    "tracker.scoring.evidence", "tracker.scoring.remediation", "tracker.scoring.truck_factor",
    "tracker.scoring.scales", "tracker.scoring.funding_need", "tracker.scoring.criticality",
    "tracker.scoring.card", "tracker.scoring.risk", "tracker.scoring.weights", "tracker.scoring.subscores",
    "collectors.funding.files", "tracker.deps.requirements", "tracker.metrics",
)


def unchecked(again: bool = False) -> dict[str, list[str]]:
    """Mutant names without a result (with `again`, also those that survived or had no test), by
    module (from mutmut's mutants/**/*.meta files)."""
    found: dict[str, list[str]] = {}
    for meta in sorted((ROOT / "mutants").rglob("*.meta")):
        codes = json.loads(meta.read_text(encoding="utf-8")).get("exit_code_by_key", {})
        for name, code in codes.items():
            if code is None or (again and code in (0, 5, 33)):
                found.setdefault(name.split(".x", 1)[0], []).append(name)
    return found


def mutmut(names: list[str], module: str, args: argparse.Namespace) -> int:
    env = dict(os.environ, MUTATION_MODULE=module)
    cmd = [*shlex.split(args.wrap), "nice", "-n", "15", MUTMUT, "run", "--max-children", str(args.jobs), *names]
    print(f"== {module}: {len(names)} mutant{'s' if len(names) != 1 else ''}"
          f"{'' if len(names) != 1 or '*' not in names[0] else ' pattern ' + names[0]}", flush=True)
    return subprocess.run(cmd, cwd=ROOT, env=env).returncode


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", default=list(ORDER))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--chunk", type=int, default=150, help="mutants per mutmut call (default 150)")
    parser.add_argument("--budget", type=float, default=None, help="seconds after which no chunk starts")
    parser.add_argument("--wrap", default="", help="command put before every mutmut call")
    parser.add_argument("--again", action="store_true",
                        help="also run again the mutants that survived or had no test (after adding tests)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    if not (ROOT / "mutants").exists():
        # The first call makes every mutant and collects which tests reach which function.
        first = args.modules[0]
        mutmut([f"{first}.*"], first, args)
    for wanted in args.modules:
        for module, names in sorted(unchecked(args.again).items()):
            if not (module == wanted or module.startswith(wanted + ".")):
                continue
            for i in range(0, len(names), args.chunk):
                if args.budget is not None and time.monotonic() - started > args.budget:
                    print("time budget spent; run again to resume", flush=True)
                    return 3
                code = mutmut(names[i:i + args.chunk], module, args)
                if code not in (0, 1):
                    print(f"mutmut stopped with exit code {code}", file=sys.stderr)
                    return code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
