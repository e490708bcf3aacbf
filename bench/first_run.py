"""The first run on a fresh clone: `make run` from nothing, and how long after the install the
overview shows the curated projects with health numbers. Then Ctrl-C, and what is left running.

    python bench/first_run.py [--repo PATH] [--dir /tmp/fresh] [--port 8501]

Clones PATH (default: this checkout) into DIR, starts `make run` there in its own process group and
measures: the install (until .venv/.installed appears), the app answering, and the overview (a real
headless Chromium, as a person would look) showing at least 30 projects with a health number, the
seed systems among them. Then SIGINT to the group (a terminal's Ctrl-C) and the processes left.
Results are printed; docs/performance.md records them. Needs Chromium (as the browser tests).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ("meta-llama/llama3", "mistralai/mistral-inference", "Stability-AI/generative-models")
RENDERED = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def session_members(sid: int) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[3]) == sid and fields[0] != "Z":
            found.append(f"{entry.name} {cmd}")
    return found


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def overview(port: int) -> tuple[int, int, bool]:
    """(projects shown, with a health number, every seed has one) as the overview says it."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ.get("TRACKER_CHROMIUM", "/usr/bin/chromium"),
                                    args=["--headless", "--no-sandbox"], headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.goto(f"http://127.0.0.1:{port}/")
        page.get_by_text(re.compile(r"of \d+ projects shown")).first.wait_for(timeout=60_000)
        page.wait_for_selector(RENDERED, timeout=60_000)
        caption = page.get_by_text(re.compile(r"of \d+ projects shown")).first.inner_text()
        shown = int(re.search(r"(\d+) of \d+ projects shown", caption).group(1))
        unknown = re.search(r"health unknown[^\d]*(\d+)", caption)
        seeds = True
        for seed in SEEDS:
            field = page.get_by_label("Search by name")
            field.fill(seed)
            field.press("Enter")
            page.get_by_role("link", name=f"Open {seed}").wait_for(timeout=60_000)
            page.wait_for_selector(RENDERED, timeout=60_000)
            text = page.get_by_text(re.compile(r"of \d+ projects shown")).first.inner_text()
            seeds &= text.startswith("1 of ") and "health unknown" not in text
        browser.close()
    return shown, shown - (int(unknown.group(1)) if unknown else 0), seeds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", default=str(ROOT))
    ap.add_argument("--dir", default="/tmp/fresh")
    ap.add_argument("--port", type=int, default=8501)
    a = ap.parse_args()
    target = Path(a.dir)
    if target.exists():
        shutil.rmtree(target)
    subprocess.run(["git", "clone", "-q", a.repo, str(target)], check=True)
    log = open(target / "make-run.log", "wb")
    t0 = time.monotonic()
    make = subprocess.Popen(["make", "run", f"PORT={a.port}"], cwd=target, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    stamp = target / ".venv" / ".installed"
    while not stamp.exists():
        if make.poll() is not None:
            print((target / "make-run.log").read_text()[-3000:])
            return 1
        time.sleep(0.2)
    installed = time.monotonic()
    print(f"install: {installed - t0:.1f} s (make run: venv and pip install from nothing)")
    while not healthy(a.port):
        if make.poll() is not None:
            print((target / "make-run.log").read_text()[-3000:])
            return 1
        time.sleep(0.2)
    answering = time.monotonic()
    print(f"app answering: {answering - installed:.1f} s after the install")
    shown, with_health, seeds = overview(a.port)
    ready = time.monotonic()
    print(f"overview: {shown} projects, {with_health} with a health number, seed systems: "
          f"{'yes' if seeds else 'NO'}; {ready - installed:.1f} s after the install (page checked by Chromium)")
    scheduler = "scheduler started" in (target / "make-run.log").read_text(errors="replace")
    print(f"scheduler running: {'yes' if scheduler else 'NO'}")
    os.killpg(make.pid, signal.SIGINT)
    stopped = time.monotonic()
    code = make.wait(120)
    print(f"Ctrl-C: make exited {code} after {time.monotonic() - stopped:.1f} s")
    time.sleep(1)
    left = session_members(make.pid)
    print(f"processes left: {len(left)}" + "".join(f"\n  {p}" for p in left))
    ok = with_health >= 30 and seeds and scheduler and not left and ready - installed <= 90
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
