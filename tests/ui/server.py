"""A real `streamlit run app.py` on a free loopback port (started as `tracker app` starts it, through
tracker.ui.serve), and headless Chromium to drive it.

Used by the browser tests and by bench/app.py. Chromium is the Debian package (`/usr/bin/chromium`,
installed by .ci/run); Playwright's own browser download is not needed.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tracker.config import REPO_ROOT

CHROMIUM = os.environ.get("TRACKER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
RENDERED = '[data-testid="stApp"][data-test-script-state="notRunning"]'
GRID = "[data-testid='stDataFrame'] canvas"
CHART = "[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg"
FIGURE = "[data-testid='stHtml'] figure[data-chart]"  # a chart drawn on the server (tracker/ui/figures.py)


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed"
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StreamlitServer:
    """`with StreamlitServer(db) as url:` serves app.py on the database `db` until the block ends."""

    def __init__(self, db: Path, log: Path | None = None, startup_timeout: float = 60.0,
                 script: Path = REPO_ROOT / "app.py"):
        self.db = db
        self.script = script
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.startup_timeout = startup_timeout
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> str:
        # The port is picked free before the server binds it (after its warm-up, about a second
        # later): if something else took it meanwhile the server exits at once, so try a new one.
        for attempt in range(3):
            if attempt:
                self.port = free_port()
                self.url = f"http://127.0.0.1:{self.port}"
            if self._start():
                return self.url
        raise RuntimeError(f"streamlit exited with {self.proc.returncode} three times (log: {self.log})")

    def _start(self) -> bool:
        """Start the server; True once it answers, False if it exited (a port taken meanwhile)."""
        env = dict(os.environ, TRACKER_DB=str(self.db), PYTHONPATH=str(REPO_ROOT))
        out = open(self.log, "w") if self.log else subprocess.DEVNULL  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tracker.ui.serve", str(self.script),
             "--server.address", "127.0.0.1", "--server.port", str(self.port), "--server.headless", "true",
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(self.url + "/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        return True
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"streamlit did not answer on {self.url} within {self.startup_timeout} s")

    def __exit__(self, *exc: object) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def launch_chromium(playwright):
    """Headless Debian Chromium through Playwright."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def wait_rendered(page, marker: str | None = None, selectors: tuple[str, ...] = (),
                  timeout_ms: float = 60_000) -> None:
    """Wait until the script run has finished, `marker` text is visible and so is every one of
    `selectors` (components such as the data grid and charts load lazily, after the text)."""
    if marker:
        page.get_by_text(marker, exact=False).first.wait_for(state="visible", timeout=timeout_ms)
    for selector in selectors:
        page.locator(selector).first.wait_for(state="visible", timeout=timeout_ms)
    page.wait_for_selector(RENDERED, timeout=timeout_ms)
    if CHART in selectors:  # every chart of the finished run drawn, not only the first (each draws on its own)
        page.wait_for_function(
            "() => [...document.querySelectorAll(\"[data-testid='stVegaLiteChart']\")]"
            ".every(c => c.querySelector('svg text, canvas'))", timeout=timeout_ms)


def wait_chart_text(page, text: str | re.Pattern, timeout_ms: float = 60_000) -> None:
    """Wait until a chart shows `text` (a whole SVG text, or matching the pattern): after a change
    that redraws a chart in place, its old drawing stays until the new one replaces it."""
    pattern = text if isinstance(text, re.Pattern) else re.compile(rf"^\s*{re.escape(text)}\s*$")
    page.locator("[data-testid='stVegaLiteChart'] svg text").filter(has_text=pattern).first.wait_for(
        state="attached", timeout=timeout_ms)


def full_screenshot(page, path, width: int = 1440, max_height: int = 6000) -> None:
    """A screenshot of the whole page at `width` px: Streamlit scrolls inside its own container, so
    the viewport is grown to the content's height first (then put back)."""
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=\"stMain\"], [data-testid=\"stAppViewContainer\"], "
        "section.main, .main')].map(e => e.scrollHeight), document.body.scrollHeight)")
    before = page.viewport_size
    page.set_viewport_size({"width": width, "height": min(max_height, max(int(height) + 40, 600))})
    page.wait_for_timeout(400)  # charts re-measure their container
    page.screenshot(path=str(path), full_page=False)
    if before:
        page.set_viewport_size(before)
