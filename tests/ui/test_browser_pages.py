"""Each page as a person sees it at 1440 px, on a realistic portfolio scored by the real score job
(tests/ui/builder.py, `build_realistic`): the overview's headline and table, the project page's
"what would raise this score" and its charts' labels, the funders' labelled scatter, Compare's
human labels, Data & runs in words. Charts are drawn as SVG, so their text is read from the page.

Screenshots of every page go to test-artifacts/; with TRACKER_SCREENSHOTS=1 they also replace the
ones in docs/screenshots/ that the README shows (so a plain test run never dirties the tree).
Without a browser these tests skip, except in CI (CI=true), where a missing browser fails the run.
"""

from __future__ import annotations

import os
import re

import pytest

from tests.ui import builder
from tests.ui.server import (
    CHART,
    FIGURE,
    GRID,
    StreamlitServer,
    browser_missing,
    full_screenshot,
    launch_chromium,
    wait_chart_text,
    wait_rendered,
)
from tests.ui.test_browser import chart_texts, figure_texts
from tracker.config import REPO_ROOT

ARTIFACTS = REPO_ROOT / "test-artifacts"
SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"
WIDTH = 1440
_missing = browser_missing()
if _missing:
    if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
        pytest.fail(f"CI needs the browser tests, but {_missing}", pytrace=False)
    pytestmark = pytest.mark.skip(reason=_missing)

CUT = re.compile(r"…$|\.\.\.$")
TIME_NOT_DATE = re.compile(r":\d\d|\d\d?:\d\d( ?[AP]M)?|\d+ms|\.\d+")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = builder.build_realistic(tmp_path_factory.mktemp("pages") / "portfolio.duckdb", history_months=5)
    ARTIFACTS.mkdir(exist_ok=True)
    with StreamlitServer(db, log=ARTIFACTS / "streamlit-pages-test.log") as url:
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
    context = browser.new_context(viewport={"width": WIDTH, "height": 1000})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.errors = errors
    yield pg
    context.close()


def shot(page, name: str) -> None:
    """The whole page at 1440 px: into test-artifacts/, and into docs/screenshots/ when asked."""
    full_screenshot(page, ARTIFACTS / f"page-{name}.png", WIDTH)
    if os.environ.get("TRACKER_SCREENSHOTS", "").lower() in ("1", "true", "yes"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        full_screenshot(page, SCREENSHOTS / f"{name}.png", WIDTH)


def grid_cells(page) -> list[str]:
    """The text of every data-grid cell the page shows (the grid's accessible cells, which the grid
    adds to the page a moment after drawing its canvas)."""
    if page.locator("[data-testid='stDataFrame']").count():
        page.locator("[data-testid='stDataFrame'] [role=gridcell]").first.wait_for(state="attached")
    return [t.strip() for t in page.locator("[data-testid='stDataFrame'] [role=gridcell]").all_inner_texts()]


def assert_clean(page) -> None:
    """No exception, no cell or chart text reading 'None', no chart label cut short."""
    assert page.locator("[data-testid='stException']").count() == 0
    cells = grid_cells(page)
    assert "None" not in cells and not any(c.startswith("None ") for c in cells), cells
    texts = chart_texts(page)
    assert "None" not in texts and not [t for t in texts if CUT.search(t)], texts
    assert page.errors == []


def test_overview_headline_and_every_column_at_1440(server, page):
    page.goto(server + "/")
    wait_rendered(page, "projects shown", (GRID,))
    for label in ("critical risk", "high risk", "medium risk", "low risk", "insufficient data", "median health",
                  "data as of"):
        assert page.locator("[data-testid='stMetricLabel']").filter(has_text=label).first.is_visible(), label
    metrics = dict(zip(page.locator("[data-testid='stMetricLabel']").all_inner_texts(),
                       page.locator("[data-testid='stMetricValue']").all_inner_texts(), strict=True))
    assert metrics["critical risk"] == "3" and re.fullmatch(r"\d+", metrics["median health"])
    # every column fits: the grid scrolls only down, never sideways
    scroller = page.locator("[data-testid='stDataFrame'] .dvn-scroller").first
    widths = scroller.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert widths[0] <= widths[1] + 1, widths
    page.locator("[data-testid='stDataFrame'] [role=columnheader]").first.wait_for(state="attached")
    headers = [h.strip() for h in page.locator("[data-testid='stDataFrame'] [role=columnheader]").all_inner_texts()]
    assert {"risk", "health", "coverage", "funding need", "last release", "funding", "data as of"} <= set(headers)
    cells = grid_cells(page)
    # sorted by risk: the three critical projects first, the projects with insufficient data last
    risks = [c for c in cells if c in ("critical", "high", "medium", "low", "insufficient data")]
    order = ["critical", "high", "medium", "low", "insufficient data"]
    assert risks == sorted(risks, key=order.index) and risks[:3] == ["critical"] * 3, risks
    # coverage beside health: a percentage on every row, the health bar empty where data is insufficient
    columns = len(headers)
    rows = [cells[i:i + columns] for i in range(0, len(cells), columns)]
    health, coverage, risk = headers.index("health"), headers.index("coverage"), headers.index("risk")
    assert rows and all(re.fullmatch(r"\d+%", r[coverage]) for r in rows), rows
    assert all((r[health] == "") == (r[risk] == "insufficient data") for r in rows), rows
    shot(page, "overview")
    assert_clean(page)


def test_project_page_says_what_would_raise_the_score(server, page):
    page.goto(server + "/")
    wait_rendered(page, "projects shown", (GRID,))
    page.get_by_label("Search by name").fill("quantize")
    page.get_by_label("Search by name").press("Enter")
    wait_rendered(page, "filtered by search")
    page.get_by_role("link", name="Open quantlab/quantize").click()
    page.wait_for_url(re.compile(r"/project\?project=quantlab(%2F|/)quantize"))
    wait_rendered(page, "Release timeline", (FIGURE,))
    assert page.get_by_role("heading", name="What would raise this score").is_visible()
    body = page.locator("[data-testid='stMain']").inner_text()
    # steps ranked by the health points they add, with the input in words
    step = re.search(r"\+(\d+\.\d) health: A second regular committer", body)
    assert step and float(step.group(1)) > 0, body[:3000]
    assert "Contributor absence factor: 1 person → 2 people" in body or \
        "Contributor absence factor: 1 person -> 2 people" in body
    assert re.search(r"\+\d+\.\d health: Add SECURITY\.md", body)
    assert "human_active_weeks_52" not in body and "=" not in body.split("Sub-scores: why each number")[1][:2000]
    assert "Weeks with a human commit, last 52 weeks: " in body
    assert page.get_by_text("mature and stable", exact=True).is_visible()  # maturity in full, never "mature..."
    # the activity chart: 3 years by month, dated axes, one measure per axis
    texts = figure_texts(page)
    assert "Commits a month and releases, last 3 years" in texts and "commits a month" in texts
    assert "release" in texts  # the release lines' legend
    assert [t for t in texts if re.fullmatch(r"(Jan|Jul) \d{4}", t)], texts
    assert not [t for t in texts if TIME_NOT_DATE.fullmatch(t)], texts
    shot(page, "project")
    assert_clean(page)
    page.get_by_role("radio", name="whole history").click()
    wait_rendered(page, "Commits a month and releases, whole history", (FIGURE,))
    texts = figure_texts(page)
    assert [t for t in texts if re.fullmatch(r"(Jan |Jul )?20\d\d", t)], texts
    # every methodology link of the page opens the app's own copy at its section
    hrefs = page.locator("a[href*='methodology#']").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert "methodology#sub-scores-0-100-and-health" in hrefs and "methodology#truck-factor" in hrefs
    for section, marker, drawn in (("Contributors", "Top contributor's share", "share of the human commits, last 365 days"),
                                   ("Health history", "scoring runs from", "health")):
        page.get_by_role("radio", name=section, exact=True).click()
        wait_rendered(page, marker, (CHART,))
        wait_chart_text(page, drawn)  # the section's own chart, not the one it replaced
        texts = chart_texts(page)
        assert not [t for t in texts if TIME_NOT_DATE.fullmatch(t)], texts
        if section == "Contributors":
            assert "Developer A" in texts and [t for t in texts if re.fullmatch(r"\d+% \([\d,]+\)", t)], texts
        else:
            assert [t for t in texts if re.fullmatch(r"[A-Z][a-z]{2} \d{4}", t)], texts
        assert_clean(page)


def test_methodology_links_work_offline(server, page):
    page.goto(server + "/methodology#truck-factor")
    wait_rendered(page, "Truck factor")
    heading = page.locator("#truck-factor")
    heading.wait_for()
    assert heading.is_visible() and "Truck factor" in heading.inner_text()
    assert page.locator("#sub-scores-0-100-and-health").count() == 1
    assert page.locator("#maintenance-risk-flags-and-maturity").count() == 1


def test_funders_scatter_is_labelled_and_reasons_readable(server, page):
    page.goto(server + "/funders")
    wait_rendered(page, "Why each project ranks", (GRID, CHART))
    banner = page.locator("[data-testid='stAlert']").filter(has_text="Funding data:")
    assert banner.is_visible() and re.search(r"money figures .* for \d+ of 15 projects", banner.inner_text())
    body = page.locator("[data-testid='stMain']").inner_text()
    # the same need in the same format in the heading and at the end of its reason
    top = re.search(r"1\. (\S+/\S+) \(need (\d+\.\d)\): important[^\n]*need \2/100", body)
    assert top, body[:2000]
    texts = chart_texts(page, 0)
    assert "important and under-funded" in texts and top.group(1) in texts  # the top candidate is named
    # no two labels overlap
    boxes = page.locator("[data-testid='stVegaLiteChart'] svg .mark-text text").evaluate_all(
        "ts => ts.map(t => { const b = t.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom, "
        "t.textContent]; })")
    named = [b for b in boxes if b[4]]
    assert len(named) >= 8, named
    for i, a in enumerate(named):
        for b in named[i + 1:]:
            overlap = a[0] < b[2] - 1 and b[0] < a[2] - 1 and a[1] < b[3] - 1 and b[1] < a[3] - 1
            assert not overlap, (a, b)
    assert page.get_by_text("Hide mature and stable projects").is_visible()
    assert not re.search(r"\d+\.\d\d\b(?!%)", " ".join(grid_cells(page)).replace("0.", "")), grid_cells(page)
    shot(page, "funders")
    assert_clean(page)
    page.get_by_text("money received, USD a year (log scale)").click()
    wait_rendered(page, "bottom line", (CHART,))
    wait_chart_text(page, "$100")  # redrawn in place: the log scale's ticks, not the linear chart's
    ticks = chart_texts(page, 0)
    assert {"$100", "$1,000", "$10,000", "$100,000"} <= set(ticks), ticks
    assert_clean(page)


def test_compare_uses_human_labels_and_one_percent_format(server, page):
    page.goto(server + "/compare?projects=aurora-ml/tensorflux,quantlab/quantize")
    wait_rendered(page, "Health over time", (GRID, CHART))
    texts = chart_texts(page)
    assert "contributor resilience" in texts and "community & security hygiene" in texts, texts
    assert not [t for t in texts if "_" in t], texts
    cells = grid_cells(page)
    assert "Contributor absence factor" in cells
    coverage = cells.index("Coverage")  # one row per measure: its label, then one cell per project
    assert all(re.fullmatch(r"\d+%", c) for c in cells[coverage + 1:coverage + 3]), cells  # "77%", never 0.77
    assert not [c for c in cells if re.fullmatch(r"0\.\d+", c) and c not in ("0.69", "0.42")], cells  # criticality
    shot(page, "compare")
    assert_clean(page)


def test_data_and_runs_in_words(server, page):
    page.goto(server + "/runs")
    wait_rendered(page, "Last run per project", (GRID,))
    body = page.locator("[data-testid='stMain']").inner_text()
    assert "What failed, and why" in body
    assert "issues (one part of the run), 1 project: HTTP 502 from the API (tooling/notebook-lint)" in body
    assert "git clone failed: could not resolve host" in body
    assert "unreachable" not in body  # an earlier failure, since followed by a run that went ok
    assert "collection_runs" not in body and "last_status" not in body
    assert "not scheduled: the scheduler is not running (start it with tracker serve, or tracker schedule)" in body
    assert "`" not in body  # no Markdown shown as its source
    shot(page, "runs")
    assert_clean(page)
