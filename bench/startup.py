"""Benchmark: how long `tracker --help` and a read-only command take as whole processes.

    python bench/startup.py [--runs 20]

Each run starts a fresh interpreter through the installed `tracker` script (as a user types it)
and is timed from outside, wall clock. Reported: median and 90th percentile of `tracker --help`
(target < 0.3 s), of `tracker --version`, and of `python -c pass` on the same interpreter, which
is the floor nothing can beat. The imports each one pays are listed by `python -X importtime`.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

TRACKER = Path(sys.executable).with_name("tracker")


def timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    cases = {
        "python -c pass (floor)": [sys.executable, "-c", "pass"],
        "tracker --version": [str(TRACKER), "--version"],
        "tracker --help": [str(TRACKER), "--help"],
        "tracker collect --help": [str(TRACKER), "collect", "--help"],
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.runs):  # interleaved, so a busy moment hits every case alike
        for name, cmd in cases.items():
            times[name].append(timed(cmd))
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}; {args.runs} runs each, interleaved")
    for name, values in times.items():
        values.sort()
        p90 = values[min(len(values) - 1, int(len(values) * 0.9))]
        print(f"{name:28s} median {statistics.median(values):.3f} s   p90 {p90:.3f} s")


if __name__ == "__main__":
    main()
