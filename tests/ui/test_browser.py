"""What a person sees: a real app server (as `tracker app` starts it) driven by headless Chromium, through
overview -> project page -> funders -> compare, with screenshots in test-artifacts/.

Without a browser these tests skip, except in CI (CI=true), where a missing browser fails the run.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.ui import builder
from tests.ui.server import (
    CHART,
    FIGURE,
    GRID,
    StreamlitServer,
    browser_missing,
    launch_chromium,
    wait_rendered,
)
from tracker.config import REPO_ROOT

ARTIFACTS = REPO_ROOT / "test-artifacts"
_missing = browser_missing()
if _missing:
    if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
        pytest.fail(f"CI needs the browser tests, but {_missing}", pytrace=False)
    pytestmark = pytest.mark.skip(reason=_missing)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    db = builder.build(tmp / "app.duckdb")
    ARTIFACTS.mkdir(exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # one log per pytest-xdist worker
    with StreamlitServer(db, log=ARTIFACTS / f"streamlit-browser-test{worker and '-' + worker}.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch_chromium(p)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1800}, accept_downloads=True)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.errors = errors
    yield pg
    context.close()


def shot(page, name: str) -> Path:
    path = ARTIFACTS / f"browser-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_inert(page) -> None:
    """Hostile repository text is on screen as text, never as markup or a javascript: link."""
    assert page.locator("a[href^='javascript' i]").count() == 0
    assert page.locator("script:has-text('alert(')").count() == 0
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("[data-testid='stException']").count() == 0


def chart_texts(page, index: int | None = None) -> list[str]:
    """Every text drawn in the page's charts (Altair's rendered as SVG, and those drawn on the
    server as HTML), or in the Altair chart at `index`."""
    charts = page.locator("[data-testid='stVegaLiteChart']")
    scope = charts.nth(index) if index is not None else charts
    texts = [t.strip() for t in scope.locator("svg text").all_text_contents() if t.strip()]
    return texts if index is not None else texts + figure_texts(page)


def figure_texts(page) -> list[str]:
    """Every text of the charts drawn on the server as HTML (tracker/ui/figures.py): title, legend,
    axis titles and tick labels."""
    texts = page.locator(f"{FIGURE} figcaption, {FIGURE} span").all_text_contents()
    return [t.strip() for t in texts if t.strip()]


def choose(page, widget_label: str, option: str) -> None:
    """Pick `option` in the selectbox or multiselect labelled `widget_label`."""
    box = page.locator("[data-testid='stSelectbox'], [data-testid='stMultiSelect']").filter(has_text=widget_label)
    field = box.locator("input").first
    field.click()
    field.fill(option)  # long option lists are virtualised: narrow them down first
    page.get_by_role("option", name=option, exact=True).click()


def search_overview(page, text: str) -> None:
    """Type `text` into the overview's search box and wait for the narrowed table."""
    field = page.get_by_label("Search by name")
    field.fill(text)
    field.press("Enter")
    wait_rendered(page, "filtered by search")


def test_overview_project_funders_compare(server, page):
    page.goto(server + "/")
    wait_rendered(page, "projects shown", (GRID,))
    assert page.get_by_role("heading", name="Overview").is_visible()
    assert page.locator("[data-testid='stDataFrame']").count() == 1
    shot(page, "1-overview")
    assert_inert(page)

    # overview -> project page, through a link that carries the project in the URL
    search_overview(page, "rocket")
    page.get_by_role("link", name="Open acme/rocket").click()
    page.wait_for_url(re.compile(r"/project\?project=acme(%2F|/)rocket"))
    wait_rendered(page, "Release timeline", (FIGURE,))
    assert page.get_by_role("heading", name="Rocket").is_visible()
    assert page.get_by_text(builder.HOSTILE_DESCRIPTION).is_visible()  # shown literally, as text
    assert page.get_by_text("single maintainer").first.is_visible()  # a flag by its words, never its identifier
    # activity and releases: one chart, drawn on the server (no Vega-Lite to load on the first view)
    assert page.locator(FIGURE).count() == 1 and page.locator("[data-testid='stVegaLiteChart']").count() == 0
    shot(page, "2-project")
    assert_inert(page)
    for n, (section, marker) in enumerate([("Responsiveness", "Time to first response"),
                                           ("Contributors", "Top contributor's share"),
                                           ("Funding", "Open Collective income"),
                                           ("Health history", "Health history")]):
        page.get_by_role("radio", name=section, exact=True).click()
        wait_rendered(page, marker, (CHART,))
        assert page.get_by_role("radio", name=section, exact=True).is_visible()
        shot(page, f"2{'abcd'[n]}-project-{section.lower().replace(' ', '-')}")
        assert_inert(page)
        if section == "Funding":
            assert page.get_by_text("link not shown: not an http(s) URL").is_visible()
            assert page.locator("a[href='https://github.com/sponsors/alice']").count() == 1
    # the chosen section goes into the URL when the page has re-run (the marker text is also the
    # radio's own label, so it is visible before that): wait for the URL, not a snapshot of it
    page.wait_for_url(re.compile(r"section=Health(\+|%20)history"))

    # the project page can be bookmarked: a fresh load of its URL shows the same project, and the
    # front end is told where the server is (no probe of /project/_stcore/... first: tracker.ui.serve)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(server + "/project?project=beta/quiet")
    wait_rendered(page, "Release timeline", (FIGURE,))
    assert [u for u in requested if "/_stcore/health" in u] == [server + "/_stcore/health"], requested
    assert not [u for u in requested if "/project/_stcore/" in u], requested
    assert page.get_by_role("heading", name=re.compile("Quiet")).is_visible()
    assert page.get_by_text(builder.HOSTILE_NAME).first.is_visible()
    assert_inert(page)
    # one scoring run: the health history is one dated point, its axis in dates (never ':07')
    page.goto(server + "/project?project=beta/quiet&section=Health+history")
    wait_rendered(page, "Health history", (CHART,))
    ticks = chart_texts(page)
    assert any(re.fullmatch(r"\d{4}-\d\d-\d\d", t) for t in ticks), ticks
    assert not any(re.fullmatch(r":\d\d|\d\d?:\d\d( [AP]M)?|\d+ms|\.\d+", t) for t in ticks), ticks

    # -> funders
    page.get_by_role("link", name="Funders").click()
    wait_rendered(page, "Shortlist by funding need", (GRID, CHART))
    assert page.locator("[data-testid='stVegaLiteChart']").count() == 1
    with page.expect_download() as download:
        page.get_by_role("button", name=re.compile("Download shortlist")).click()
    csv_text = Path(download.value.path()).read_text(encoding="utf-8")
    assert csv_text.splitlines()[1].startswith("1,beta/quiet,")
    assert "'=HYPERLINK" in csv_text and "one person does half the work: one person made all commits" in csv_text
    shot(page, "3-funders")
    assert_inert(page)

    # -> compare
    page.get_by_role("link", name="Compare").click()
    wait_rendered(page, "Choose two to four projects")
    choose(page, "Projects (2 to 4)", "acme/rocket")
    choose(page, "Projects (2 to 4)", "beta/quiet")
    page.keyboard.press("Escape")
    wait_rendered(page, "Health over time", (CHART,))
    assert "projects=acme" in page.url
    assert page.locator("[data-testid='stVegaLiteChart']").count() == 3
    shot(page, "4-compare")
    assert_inert(page)
    assert page.errors == []


def test_data_and_runs_page(server, page):
    page.goto(server + "/runs")
    wait_rendered(page, "Last run per project", (GRID,))
    # the reason is on the page (the banner's copy sits in a closed expander: not the one looked for)
    assert page.get_by_text("HTTP 404: repository not found").filter(visible=True).count() >= 1 or \
        page.locator("[data-testid='stDataFrame']").count() >= 2
    page.get_by_label("GitHub repository (OWNER/REPO or URL)").fill("javascript:alert(1)")
    page.get_by_role("button", name="Request tracking").click()
    wait_rendered(page, "is not of the form OWNER/REPO")
    shot(page, "5-runs")
    assert_inert(page)
    assert page.errors == []
