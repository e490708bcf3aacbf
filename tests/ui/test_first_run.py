"""The first run, as a person meets it: `tracker serve` on an empty database loads the bundled
snapshot; the overview shows the curated projects with real health numbers (the seed systems among
them) and says where the data comes from; the scheduler runs, and a "collect now" request gets its
answer on the page. No network: every remote URL is a closed loopback port, so the answer names
what could not be reached. Nothing is fetched from any host but the app's own.

Screenshots go to test-artifacts/ (and to $TRACKER_SCREENSHOTS_DIR when set, e.g. docs/screenshots).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
from pathlib import Path

import pytest

from tests.tracker.test_serve_command import Serve
from tests.ui.server import GRID, browser_missing, launch_chromium, wait_rendered
from tracker import registry
from tracker.config import REPO_ROOT

ARTIFACTS = REPO_ROOT / "test-artifacts"
SEEDS = ("meta-llama/llama3", "mistralai/mistral-inference", "Stability-AI/generative-models")
_missing = browser_missing()
if _missing:
    if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
        pytest.fail(f"CI needs the browser tests, but {_missing}", pytrace=False)
    pytestmark = pytest.mark.skip(reason=_missing)
else:
    pytestmark = pytest.mark.timeout(300)


def shot(page, name: str, full_page: bool = False) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"first-run-{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    extra = os.environ.get("TRACKER_SCREENSHOTS_DIR")
    if extra:
        Path(extra).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(extra) / path.name)


@pytest.fixture
def served(tmp_path):
    serve = Serve(tmp_path)
    try:
        serve.wait_started()
        yield serve
    finally:
        if serve.popen.poll() is None:
            serve.popen.send_signal(signal.SIGTERM)
            serve.wait()
        serve.kill()


def search(page, slug: str) -> str:
    """Narrow the overview to one project (its link appears under the table); the table's caption."""
    field = page.get_by_label("Search by name")
    field.fill(slug)
    field.press("Enter")
    page.get_by_role("link", name=f"Open {slug}").wait_for(timeout=60_000)
    wait_rendered(page, "filtered by search")
    return page.get_by_text(re.compile(r"of \d+ projects shown")).first.inner_text()


def test_first_run_shows_real_projects_and_answers_collect_now(served):
    from playwright.sync_api import sync_playwright

    url = f"http://127.0.0.1:{served.port}"
    hosts: set[str] = set()
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.on("request", lambda r: hosts.add(r.url.split("/")[2]))
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(url + "/")
        wait_rendered(page, "projects shown", (GRID,))
        main = page.locator("[data-testid='stMain']")
        assert "bundled snapshot of" in main.inner_text()           # the data's date and source
        assert re.search(r"git histories as of \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d", main.inner_text())
        caption = page.get_by_text(re.compile(r"of \d+ projects shown")).first.inner_text()
        shown, total = map(int, re.search(r"(\d+) of (\d+) projects shown", caption).groups())
        unknown = re.search(r"health unknown[^\d]*(\d+)", caption)
        with_health = shown - (int(unknown.group(1)) if unknown else 0)
        curated = len(registry.load_list(REPO_ROOT / "data" / "projects.yaml"))
        assert total == shown == curated and with_health >= 30
        shot(page, "overview")
        for seed in SEEDS:                                          # each with a health number
            narrowed = search(page, seed)
            assert narrowed.startswith("1 of ") and "health unknown" not in narrowed
        assert page.get_by_text("Deploy", exact=True).count() == 0  # the viewer toolbar

        # a seed's page: its health with its coverage, and the date its data is as of
        page.goto(url + f"/project?project={SEEDS[0]}")
        coverage = page.locator("[data-testid='stMetric']").filter(has_text="Coverage").first
        coverage.wait_for(timeout=60_000)
        assert re.search(r"\d+(\.\d+)?\s*%", coverage.inner_text())
        assert re.search(r"git history as of \d{4}-\d\d-\d\d, scored as of that date",
                         page.locator("[data-testid='stMain']").inner_text())

        # the scheduler runs: "collect now" is carried out and answered on the page
        page.goto(url + "/runs")
        wait_rendered(page, "Collect now")
        assert "No scheduler is running" not in page.locator("[data-testid='stMain']").inner_text()
        box = page.locator("[data-testid='stSelectbox']").filter(has_text="Project")
        field = box.locator("input").first
        field.click()
        field.fill(SEEDS[0])
        page.get_by_role("option", name=SEEDS[0], exact=True).click()
        page.get_by_role("button", name="Request collection").click()
        answer = page.get_by_text(re.compile(r"Request \d+ · collect meta-llama/llama3 \(every source\): (done|failed)"))
        answer.first.wait_for(timeout=120_000)
        text = answer.first.inner_text()
        assert "127.0.0.1 cannot be reached" in text               # what failed, and why
        shot(page, "collect-now", full_page=True)
        assert errors == []
        browser.close()
    assert hosts == {f"127.0.0.1:{served.port}"}                   # no font host, no external IP lookup
    assert "Did not auto detect external IP" not in served.text()
