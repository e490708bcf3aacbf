"""Benchmark: the Streamlit app in headless Chromium on a large generated database.

    python bench/app.py [--projects 1000] [--years 5] [--rounds 5] [--db PATH] [--write-docs]

Generates a database of N projects with Y years of weekly history each (commits from a few people
per project, release tags, one scoring run per week with sub-scores, flags and metrics, funding
channels, Sponsors rows and collection runs), serves app.py as `tracker app` does (through
tracker.ui.serve: `streamlit run` after its warm-up) on a loopback port and loads pages in headless Chromium (the Debian package, through Playwright), timing from
navigation until the page is fully rendered: the script run finished, the last text visible and
the data grid / charts drawn. Targets (issue 17): overview < 2 s on 1,000 projects; a project page
opened from the overview < 1 s; a project page loaded fresh from its URL within 0.6 s of the floor
(a one-line Streamlit page measured in the same run, so the figure holds on any machine).

"cold" loads start a fresh server (it has imported its modules and opened the database before it
answers, as `tracker app` does, but no query answer is cached); "warm" loads repeat a page on a
running server (answers cached for a minute, as a user clicking around sees it). Project pages
are timed on a different project each round, so each of those reads the database afresh.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.ui.server import CHART, FIGURE, GRID, StreamlitServer, launch_chromium, wait_rendered  # noqa: E402
from tracker.runs import utcnow  # noqa: E402
from tracker.store import Store  # noqa: E402

CATEGORIES = ["frameworks", "inference", "training", "data", "classic-ml", "agents", "evaluation", "tooling"]


def generate(path: Path, projects: int, years: int) -> dict[str, int]:
    """Write the benchmark database with set-based SQL (a few seconds for a million commits)."""
    weeks = 52 * years
    now = utcnow().replace(microsecond=0)
    start = now - timedelta(weeks=weeks)
    with Store.open(path) as store:
        con = store.con
        con.execute("BEGIN")
        con.execute(
            "INSERT INTO projects (id, slug, slug_key, owner, name, category, display_name, added_at)"
            " SELECT i, 'org' || (i % 97) || '/project-' || i, lower('org' || (i % 97) || '/project-' || i),"
            " 'org' || (i % 97), 'project-' || i, ?[1 + i % 8], 'Project ' || i, ?"
            " FROM range(1, ? + 1) t(i)", [CATEGORIES, start, projects])
        con.execute("INSERT INTO git_repos (project_id, source, local_path, default_branch, head_sha,"
                    " commits_stored, collected_at) SELECT id, 'bench', 'bench', 'main', 'x', 0, ? FROM projects",
                    [now])
        # Weekly activity: 0-12 commits a week, shaped per project (some fade out, some grow).
        con.execute(
            "INSERT INTO git_commits SELECT p.id, md5(p.id || '-' || w || '-' || k), '', false,"
            " 'Person ' || ((p.id * 7 + k * 3 + w) % (2 + p.id % 9)),"
            " 'person' || ((p.id * 7 + k * 3 + w) % (2 + p.id % 9)) || '@org' || (k % 3) || '.example',"
            " 'person' || ((p.id * 7 + k * 3 + w) % (2 + p.id % 9)) || '@org' || (k % 3) || '.example',"
            " ?::TIMESTAMP + to_weeks(w) + to_hours(k), ?::TIMESTAMP + to_weeks(w) + to_hours(k), false, false"
            " FROM projects p, range(?) r(w), range(12) s(k)"
            " WHERE k < (hash(p.id, w) % 7) + CASE WHEN p.id % 4 = 0 THEN (? - w) * 6 // ? ELSE w * 6 // ? END",
            [start, start, weeks, weeks, weeks, weeks])
        con.execute("INSERT INTO git_tags SELECT p.id, 'v' || w, NULL, ?::TIMESTAMP + to_weeks(w), true"
                    " FROM projects p, range(0, ?, 6) r(w)", [start, weeks])
        con.execute(
            "INSERT INTO scores (project_id, computed_at, health, coverage, subscores, risk_level, flags,"
            " maturity, criticality, truck_factor, funding_need, funding_need_reason, weights_version, metrics)"
            " SELECT p.id, ?::TIMESTAMP + to_weeks(w + 1),"
            " least(100, greatest(0, 40 + (hash(p.id) % 50) + (w % 13) - 6)), 0.8,"
            " json_object('activity', json_object('score', 40 + hash(p.id, w) % 60,"
            "   'reason', 'weekly commits over the last year', 'inputs', json_object('commits_365d', 100 + w)),"
            "  'responsiveness', json_object('score', NULL, 'reason', 'unknown: GitHub not collected',"
            "   'inputs', json_object()),"
            "  'funding', json_object('score', hash(p.id) % 100, 'reason', 'channels and sponsors',"
            "   'inputs', json_object('funding_channels_count', 2))),"
            " ['low', 'medium', 'high', 'critical'][(1 + hash(p.id) % 4)::BIGINT],"
            " CASE WHEN p.id % 5 = 0 THEN '[{\"name\": \"bus_factor_1\", \"evidence\": \"one person made 80%\"}]'"
            "  ELSE '[]' END,"
            " CASE WHEN p.id % 7 = 0 THEN 'mature-stable' END, (hash(p.id) % 1000) / 1000.0, 1 + p.id % 4,"
            " (hash(p.id, 1) % 1000) / 1000.0, 'critical to many dependents, few maintainers, little funding',"
            " 'bench', json_object('commits_365d', 100 + w, 'funding_channels_count', 2,"
            "  'sponsors_count', hash(p.id) % 40, 'oc_received_12m_usd', (hash(p.id) % 50000)::DOUBLE,"
            "  'median_time_to_first_response_hours_90d_issues', (hash(p.id, w) % 200) / 4.0)"
            " FROM projects p, range(?) r(w)", [start, weeks])
        for platform, account, url in (("github", "owner", "'https://github.com/sponsors/' || owner"),
                                       ("open_collective", "name", "'https://opencollective.com/' || name")):
            con.execute(f"INSERT INTO funding_channels (project_id, platform, account, url, source, collected_at, ref,"
                        f" identity) SELECT id, '{platform}', {account}, {url}, 'funding_yml', ?, {account},"
                        f" '{platform}:' || lower({account}) FROM projects", [now])
        con.execute("INSERT INTO github_sponsors (project_id, collected_at, owner_login, owner_type,"
                    " has_sponsors_listing, sponsors_count, tiers) SELECT id, ?, owner, 'Organization', true,"
                    " hash(id) % 40, '[]' FROM projects", [now])
        con.execute("INSERT INTO collection_runs (source, project_id, started_at, finished_at, status, error)"
                    " SELECT s, id, ?, ?, CASE WHEN id % 50 = 0 AND s = 'github' THEN 'error' ELSE 'ok' END,"
                    " CASE WHEN id % 50 = 0 AND s = 'github' THEN 'HTTP 502 from the API' END"
                    " FROM projects, (VALUES ('git'), ('github')) v(s)", [now, now])
        con.execute("COMMIT")
        # The latest score of every project by the real score job, so that the project pages show real
        # sub-scores, inputs and "what would raise this score" (the weekly history above stays synthetic).
        from tracker.score import score_all

        score_all(store, now)
        counts = {t: store.scalar(f"SELECT count(*) FROM {t}")
                  for t in ("projects", "git_commits", "git_tags", "scores", "funding_channels")}
        store.execute("CHECKPOINT")
    return counts


def load(browser, url: str, marker: str, selectors: tuple[str, ...]) -> float:
    """Seconds from navigation to a fully rendered page, in a fresh browser context."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    t0 = time.perf_counter()
    page.goto(url)
    wait_rendered(page, marker, selectors)
    elapsed = time.perf_counter() - t0
    if page.locator("[data-testid='stException']").count():
        raise RuntimeError(f"{url} shows an exception")
    context.close()
    return elapsed


def revisit(browser, urls: list[str], marker: str, selectors: tuple[str, ...]) -> list[float]:
    """Like `load`, but one browser context for all: a returning visitor whose browser has cached
    the app's JavaScript (the first URL only fills that cache and is not counted)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    times = []
    for url in urls:
        page = context.new_page()
        t0 = time.perf_counter()
        page.goto(url)
        wait_rendered(page, marker, selectors)
        times.append(time.perf_counter() - t0)
        page.close()
    context.close()
    return times[1:]


def click_through(browser, url: str, slugs: list[str]) -> list[float]:
    """Seconds from clicking a project's link on the overview to its fully rendered page (in-app
    navigation: the browser keeps the app loaded, as a person clicking around does)."""
    from tests.ui.test_browser import search_overview

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(url)
    wait_rendered(page, OVERVIEW[0], OVERVIEW[1])
    times = []
    for slug in slugs:
        search_overview(page, slug)
        link = page.get_by_role("link", name=f"Open {slug}")
        link.wait_for()
        t0 = time.perf_counter()
        link.click()
        wait_rendered(page, PROJECT[0], PROJECT[1])
        times.append(time.perf_counter() - t0)
        page.get_by_role("link", name="Overview").click()
        wait_rendered(page, OVERVIEW[0], OVERVIEW[1])
    context.close()
    return times


OVERVIEW = ("projects shown", (GRID,))
PROJECT = ("Release timeline", (FIGURE,))  # its first view's chart is drawn on the server (tracker/ui/figures.py)
HELLO = 'import streamlit as st\nst.title("Hello")\nst.write("hello, world")\n'
HELLO_CHART = HELLO + (  # the least a page with an Altair chart can cost: three points, one line
    'import altair as alt\nimport pandas as pd\n'
    'st.altair_chart(alt.Chart(pd.DataFrame({"x": [1, 2, 3], "y": [1, 3, 2]})).mark_line().encode(x="x", y="y"))\n')


def measure(db: Path, rounds: int, slugs: list[str], tmp: Path) -> dict[str, list[float]]:
    """Every figure, each page load paired with a load of the one-line app just before it (its own
    server, running alongside), so that "above the floor" compares loads made under the same load
    of the machine: `floor_pairs[key]` holds the floor measured next to each load of `key`."""
    from playwright.sync_api import sync_playwright

    times: dict[str, list[float]] = {"load": [os.getloadavg()[0]]}
    pairs: dict[str, list[float]] = {}
    hello = tmp / "hello.py"
    hello.write_text(HELLO, encoding="utf-8")
    hello_chart = tmp / "hello_chart.py"
    hello_chart.write_text(HELLO_CHART, encoding="utf-8")
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        with StreamlitServer(db, script=hello) as floor_url:
            load(browser, floor_url, "hello, world", ())  # the first load fills the server's caches

            def floor(key: str) -> None:
                pairs.setdefault(key, []).append(load(browser, floor_url, "hello, world", ()))

            times["floor"] = [load(browser, floor_url, "hello, world", ()) for _ in range(rounds)]
            with StreamlitServer(db, script=hello_chart) as url:
                times["floor_chart"] = []
                for _ in range(rounds):
                    floor("floor_chart")
                    times["floor_chart"].append(load(browser, url, "hello, world", (CHART,)))
            times["overview_cold"] = []
            for _ in range(rounds):
                with StreamlitServer(db) as url:  # a fresh server: no answer cached
                    floor("overview_cold")
                    times["overview_cold"].append(load(browser, url + "/", *OVERVIEW))
            with StreamlitServer(db) as url:
                load(browser, url + "/", *OVERVIEW)
                times["overview_warm"] = []
                for _ in range(rounds):
                    floor("overview_warm")
                    times["overview_warm"].append(load(browser, url + "/", *OVERVIEW))
                times["project_click"] = click_through(browser, url + "/", slugs[:rounds])
                times["project_load"] = []
                for slug in slugs[rounds:2 * rounds]:
                    floor("project_load")
                    times["project_load"].append(load(browser, url + f"/project?project={slug}", *PROJECT))
                times["overview_revisit"] = revisit(browser, [url + "/"] * (rounds + 1), *OVERVIEW)
                times["project_revisit"] = revisit(
                    browser, [url + f"/project?project={slug}" for slug in slugs[2 * rounds:3 * rounds + 1]],
                    *PROJECT)
        browser.close()
    times["load"].append(os.getloadavg()[0])
    times["floor_pairs"] = pairs
    return times


# (key, what, target in seconds, how the target is read: "abs" = under the target; "floor" = at most
# the target above the one-line page measured in the same run, so the figure holds on any machine)
ROWS = [
    ("floor", "a one-line Streamlit app (the framework's own load time here: the floor)", None, None),
    ("floor_chart", "the same with one three-point Altair chart (the least a page with a chart takes)", None, None),
    ("overview_cold", "overview, full page load, fresh server (warmed up, no answer cached)", 2.0, "abs"),
    ("overview_warm", "overview, full page load, answers cached (< 1 min old)", 2.0, "abs"),
    ("overview_revisit", "overview, full page load, answers and the browser's cache warm (returning visitor)",
     2.0, "abs"),
    ("project_click", "project page, clicked from the overview (a new project each time)", 1.0, "abs"),
    ("project_load", "project page, full page load of its URL (a new project each time)", 0.6, "floor"),
    ("project_revisit", "project page, full page load, browser cache warm (a new project each time)", 0.6, "floor"),
]


def verdict(key: str, target: float | None, how: str | None, times: dict) -> tuple[str, str, bool | None]:
    """(target in words, the figure against it, met?) for one row."""
    median = statistics.median(times[key])
    if target is None:
        return "-", "-", None
    if how == "floor":
        paired = times["floor_pairs"].get(key)
        if paired:  # the median of (load - the floor measured just before it)
            above = statistics.median(t - f for t, f in zip(times[key], paired, strict=True))
        else:
            above = median - statistics.median(times["floor"])
        return f"floor + {target:.1f} s", f"floor + {above:.2f} s", above <= target
    paired = times["floor_pairs"].get(key)
    above = "" if not paired else \
        f" (floor + {statistics.median(t - f for t, f in zip(times[key], paired, strict=True)):.2f} s)"
    return f"< {target:.0f} s", f"{median / target:.2f}x{above}", median < target


def report(counts: dict[str, int], times: dict, args: argparse.Namespace, size_mb: float, gen_s: float) -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    lines = [
        f"Command: `python bench/app.py --projects {args.projects} --years {args.years} --rounds {args.rounds}`",
        f"(machine: {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, headless Debian "
        "Chromium through Playwright, software rendering; load average (1 min) during the run "
        f"{times['load'][0]:.1f} at the start, {times['load'][1]:.1f} at the end: other processes share these cores).",
        "",
        f"Database: {counts['projects']:,} projects, {counts['git_commits']:,} commits (weekly history over "
        f"{args.years} years), {counts['git_tags']:,} release tags, {counts['scores']:,} scoring runs (weekly "
        f"synthetic history, the latest by the real score job), {counts['funding_channels']:,} funding channels; "
        f"{size_mb:,.0f} MB, generated and scored in {gen_s:.1f} s.",
        "",
        f"| what | target | median of {args.rounds} | against the target | every run (s) |",
        "|---|---|---|---|---|",
    ]
    met, missed = [], []
    for key, label, target, how in ROWS:
        median = statistics.median(times[key])
        goal, against, ok = verdict(key, target, how, times)
        paired = times["floor_pairs"].get(key)
        runs = ", ".join(f"{t:.2f}" + (f" ({f:.2f})" if paired else "")
                         for t, f in zip(times[key], paired or times[key], strict=True))
        lines.append(f"| {label} | {goal} | {median:.2f} s | {against} | {runs} |")
        if ok is not None:
            (met if ok else missed).append(label)
    floor = statistics.median(times["floor"])
    lines += [
        "",
        "Timed from navigation (or the click) until the script run has finished and the page's last text, data "
        "grid and charts are drawn. Any full page load first pays Streamlit's own start-up in the browser "
        f"({floor:.2f} s here for a one-line app): the floor. It is measured in the same run and, in brackets "
        "after a figure, again just before that load (a one-line app on its own server beside the tracker's), "
        "so that \"floor + x\" compares two loads made under the same load of the machine: x is the median of "
        "those differences.",
        "",
        f"Met: {'; '.join(met) or 'none'}.",
        f"Not met: {'; '.join(missed) or 'none'}.",
    ]
    return "\n".join(lines)


def write_docs(text: str) -> None:
    doc = ROOT / "docs" / "performance.md"
    content = doc.read_text(encoding="utf-8")
    start, end = "<!-- app bench -->", "<!-- /app bench -->"
    if end in content:
        before, rest = content.split(start, 1)
        content = before + start + "\n" + text + "\n" + end + rest.split(end, 1)[1]
    else:
        content = content.replace(start, start + "\n" + text + "\n" + end, 1)
    doc.write_text(content, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--db", type=Path, help="where to write the database (default: a temporary folder)")
    parser.add_argument("--write-docs", action="store_true", help="record the results in docs/performance.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "bench-app.duckdb"
        if db.exists():
            db.unlink()
        t0 = time.perf_counter()
        counts = generate(db, args.projects, args.years)
        gen_s = time.perf_counter() - t0
        size_mb = db.stat().st_size / 1e6
        print(f"generated {counts} in {gen_s:.1f} s ({size_mb:.0f} MB)", flush=True)
        with Store.open(db, read_only=True) as store:
            slugs = [r[0] for r in store.all("SELECT slug FROM projects ORDER BY id DESC LIMIT ?",
                                             [3 * args.rounds + 1])]
        times = measure(db, args.rounds, slugs, Path(tmp))
    text = report(counts, times, args, size_mb, gen_s)
    print(text)
    if args.write_docs:
        write_docs(text)


if __name__ == "__main__":
    main()
