"""Each page's logic through Streamlit's AppTest, on the database of tests/ui/builder.py."""

from __future__ import annotations

import csv
import io
import json
import re

import pandas as pd
import pytest

from tracker.store import Store
from tracker.ui import funders

pytestmark = pytest.mark.usefixtures("app_db")


def texts(at) -> str:
    """Every piece of Markdown/caption/title text on the page, joined."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [t.value for t in at.title]
    parts += [e.value for e in at.info] + [e.value for e in at.warning] + [e.value for e in at.error]
    parts += [s.value for s in at.success]
    return "\n".join(str(p) for p in parts)


def frame(at, *cols: str) -> pd.DataFrame:
    """The first table on the page having all of `cols` (display-only tables carry no key in AppTest)."""
    for df in at.dataframe:
        if set(cols) <= set(df.value.columns):
            return df.value
    raise AssertionError(f"no table with columns {cols}")


def no_exception(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


# -- overview -------------------------------------------------------------------------------------
def overview_rows(at) -> pd.DataFrame:
    return at.dataframe[0].value


def test_overview_shows_every_project_with_unknown_as_unknown(page):
    at = page("overview")
    no_exception(at)
    df = overview_rows(at).set_index("project")
    # most at risk first (high, medium), then the projects with insufficient data
    assert list(df.index) == ["project?project=beta/quiet", "project?project=acme/rocket",
                              "project?project=gamma/new"]
    rocket, quiet, new = (df.loc[f"project?project={s}"] for s in ("acme/rocket", "beta/quiet", "gamma/new"))
    assert rocket["health"] == 72 and list(rocket["risk"]) == ["medium"] and rocket["trend (90 d)"] == "↑ +12"
    assert rocket["coverage"] == "60%" and rocket["funding need"] == "0.4"
    assert rocket["funding"] == "$34,000 a year"  # Open Collective 24,000 + grants 50,000 / 5 years
    assert len(rocket["activity (26 wk)"]) == 26 and max(rocket["activity (26 wk)"]) == 6
    assert list(quiet["risk"]) == ["high"] and quiet["trend (90 d)"] == "? unknown"
    assert quiet["funding"] == "none found"
    assert pd.isna(new["health"]) and list(new["risk"]) == ["insufficient data"] and new["funding"] == "unknown"
    assert new["activity (26 wk)"] is None and new["coverage"] == "unknown"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", rocket["last release"]) and new["last release"] == "unknown"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", rocket["data as of"]) and new["data as of"] == "unknown"
    body = texts(at)
    assert "health unknown (empty bar) for 1" in body and "1 project with insufficient data is listed last" in body
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["high risk"] == "1" and metrics["medium risk"] == "1" and metrics["insufficient data"] == "1"
    assert metrics["critical risk"] == "0" and metrics["median health"] == "54"  # (72 + 35) / 2, rounded


def test_overview_colours_risk_safely_and_health_by_value(page):
    columns = json.loads(page("overview").dataframe[0].proto.columns)
    risk = {o["value"]: o["color"] for o in columns["risk"]["type_config"]["options"]}
    # Paul Tol's "bright" palette (distinct for the common colour blindnesses); the level is written too
    assert risk == {"critical": "#AA3377", "high": "#EE6677", "medium": "#CCBB44", "low": "#4477AA",
                    "insufficient data": "#BBBBBB"}
    health = columns["health"]["type_config"]
    assert health["type"] == "progress" and health["color"] == "auto"  # coloured by its value
    assert (health["min_value"], health["max_value"]) == (0, 100)


@pytest.mark.parametrize(
    ("widget", "action", "expected"),
    [
        ("overview_risk", lambda w: w.select("high"), ["beta/quiet"]),
        ("overview_risk", lambda w: w.select("unknown"), ["gamma/new"]),
        ("overview_category", lambda w: w.select("frameworks"), ["acme/rocket"]),
        ("overview_search", lambda w: w.input("ROCK"), ["acme/rocket"]),
        ("overview_search", lambda w: w.input("gamma"), ["gamma/new"]),
        ("overview_funding", lambda w: w.select("unknown"), ["gamma/new"]),
        ("overview_funding", lambda w: w.select("yes"), ["acme/rocket"]),
        ("overview_funding", lambda w: w.select("no"), ["beta/quiet"]),
        ("overview_health", lambda w: w.set_range(50, 100), ["acme/rocket", "gamma/new"]),
        ("overview_health_unknown", lambda w: w.uncheck(), ["beta/quiet", "acme/rocket"]),
    ],
)
def test_overview_filters(page, widget, action, expected):
    at = page("overview")
    kind = {"overview_risk": "multiselect", "overview_category": "multiselect", "overview_search": "text_input",
            "overview_funding": "selectbox", "overview_health": "slider",
            "overview_health_unknown": "checkbox"}[widget]
    action(getattr(at, kind)(key=widget)).run()
    no_exception(at)
    assert [p.split("=", 1)[1] for p in overview_rows(at)["project"]] == expected


def test_overview_links_to_the_project_page(page):
    at = page("overview")
    assert "[Open" not in texts(at)  # no search: the table's rows are the way in
    assert any("search for it to get a link here" in c.value for c in at.caption)
    at.text_input(key="overview_search").input("rocket").run()
    no_exception(at)
    assert "[Open acme/rocket](project?project=acme/rocket)" in texts(at).replace("\\", "")
    assert texts(at).count("[Open ") == 1


def test_overview_links_only_for_a_narrow_search(page, monkeypatch):
    from tracker.ui import overview

    at = page("overview")
    at.text_input(key="overview_search").input("/").run()  # every project matches
    no_exception(at)
    links = texts(at).replace("\\", "").count("[Open ")
    assert links == 3 and "[Open beta/quiet](project?project=beta/quiet)" in texts(at).replace("\\", "")
    monkeypatch.setattr(overview, "MAX_OPEN_LINKS", 2)
    at.run()
    assert "[Open " not in texts(at)
    assert any("3 projects match; narrow the search to 2 or fewer" in c.value for c in at.caption)
    at.text_input(key="overview_search").input("no such project").run()
    assert any(c.value == "No project matches the search and filters." for c in at.caption)


# -- project page -------------------------------------------------------------------------------
def test_project_page_explains_the_score(page):
    at = page("project", project="acme/rocket")
    no_exception(at)
    assert at.title[0].value == "Rocket"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Health"] == "72" and metrics["Coverage"] == "60%" and metrics["Risk level"] == "medium"
    assert metrics["Truck factor"] == "1" and metrics["Criticality"] == "0.61"
    table = next(m.value for m in at.markdown if m.value.startswith("| sub")).replace("\\", "")
    rows = {re.sub(r"^\| \[(.*?)\].*$", r"\1", line.split(" | ")[0]): line.split(" | ")
            for line in table.splitlines()[2:]}
    assert rows["activity"][1:3] == ["72", "steady weekly commits over the last year"]
    assert "Commits in the last 12 months: 150 commits" in rows["activity"][3] and "commits_365d" not in table
    assert rows["responsiveness"][1:3] == ["unknown", "unknown: GitHub issues not collected"]
    assert rows["funding"][1] == "80"
    assert "(methodology#sub-scores-0-100-and-health)" in rows["activity"][0]  # each number links to its method
    body = texts(at)
    assert "Alice made 60% of commits in 365 days" in body.replace("\\", "")
    assert "**single maintainer**" in body  # a flag name never shows as an identifier
    assert "What would raise this score" in [h.value for h in at.subheader]
    # default section: monthly activity and releases, one chart drawn on the server (no Vega-Lite)
    assert len(at.get("vega_lite_chart")) == 0 and len(at.get("html")) == 1
    figure = at.get("html")[0].proto.body
    assert 'data-chart="activity"' in figure and "Commits a month and releases, last 3 years" in figure
    # the chart's caption: its totals (bots counted apart) and the people committing a month
    assert re.search(r"546 commits in the period shown, 520 of them by people; people committing in a month: "
                     r"\d+ typically, 3 at most", body), body
    at.segmented_control(key="project_section").set_value("Responsiveness").run()
    no_exception(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Time to first response, issues"] == "5.5 hours"
    assert metrics["Time to first response, pull requests"] == "12 hours"
    assert at.query_params["section"] in ("Responsiveness", ["Responsiveness"])
    assert len(at.get("vega_lite_chart")) == 1  # monthly medians from the GitHub issues
    assert "20 opened, 3 still without a response" in texts(at)


@pytest.mark.parametrize("section, charts, expected", [
    ("Contributors", 1, "Top contributor's share: 60%"),
    ("Funding", 2, "Open Collective income"),  # income by month; activity before and after the grant
    ("Health history", 1, "Health history"),
    ("All metrics", 0, "All metrics"),
])
def test_project_page_sections_by_url(page, section, charts, expected):
    at = page("project", project="acme/rocket", section=section)
    no_exception(at)
    assert expected in texts(at) + "\n".join(h.value for h in at.subheader)
    assert len(at.get("vega_lite_chart")) == charts


def test_project_page_renders_untrusted_text_inert(page):
    at = page("project", project="acme/rocket", section="Funding")
    body = texts(at)
    assert re.search(r"(?<!\\)<img", body) is None and "\\<img" in body  # escaped: shown as text
    assert "](javascript" not in body and "(javascript" not in body.replace("\\(", "")
    assert "link not shown: not an http(s) URL" in body  # the javascript: funding channel
    assert "[github: alice](https://github.com/sponsors/alice)" in body.replace("\\", "")
    quiet = page("project", project="beta/quiet")
    assert re.search(r"(?<!\\)<script", quiet.title[0].value) is None and "\\<script\\>" in quiet.title[0].value
    assert "\\:red\\[x\\]" in quiet.title[0].value  # Streamlit's colour directive neutralised


def test_project_page_data_for_charts(page):
    from tracker.ui import queries

    data = queries.project(queries.database_path(), "acme/rocket")
    monthly = data["monthly"]
    assert list(monthly.columns) == ["month", "commits", "human_commits", "active_contributors"]
    assert monthly["active_contributors"].max() == 3  # the bot is not a person
    assert monthly["commits"].sum() == 104 * 5 + 26  # 5 human commits a week for 104 weeks, a bot every 4th
    assert monthly["commits"].sum() - monthly["human_commits"].sum() == 26
    months = pd.to_datetime(monthly["month"])
    assert (months.diff().dropna() <= pd.Timedelta(days=31)).all()  # every month, zero-filled
    people = data["contributors"]
    assert list(people["contributor"])[:3] == ["Alice Example", "Bob Example", "Carol Example"]
    assert not any("@" in str(v) for v in people.to_numpy().ravel())  # never an e-mail address
    assert len(data["releases"]) == 8
    assert list(data["history"]["health"]) == [60.0, 72.0]
    assert data["funding"]["grants"]["source_url"].tolist() == ["https://example.org/stf-rocket"]  # not "Maybe"
    assert data["funding"]["oc_series"]["received"].tolist()[-1] == 2100.0
    assert data["funding"]["oc"]["balance"].tolist() == [5000.0]
    responses = data["responses"]
    assert set(responses.dropna(subset=["median_hours"]).groupby("kind")["median_hours"].max()) == {2.0, 10.0}
    assert responses["opened"].sum() == 20 and responses["unanswered"].sum() == 3
    assert data["funding"]["sponsors"]["tiers"][0]["name"] == "Backer"


def test_project_page_of_a_project_never_collected(page):
    at = page("project", project="gamma/new")
    no_exception(at)
    body = texts(at)
    assert "Not scored yet" in body and "Git history not collected yet" in body
    at = page("project", project="gamma/new", section="Responsiveness")
    assert {m.label: m.value for m in at.metric}["Time to first response, issues"] == "unknown"
    at = page("project", project="gamma/new", section="Contributors")
    assert {m.label: m.value for m in at.metric}["Contributor absence factor"] == "unknown"
    at = page("project", project="gamma/new", section="Funding")
    assert "Summary: unknown" in texts(at)


def test_project_page_shows_stored_metrics_only(page):
    """Metrics come from the latest score; a project never scored says so instead of computing them."""
    at = page("project", project="gamma/new", section="All metrics")
    no_exception(at)
    assert any("Not scored yet" in i.value for i in at.info)
    assert not [df for df in at.dataframe if "metric" in df.value.columns]
    at = page("project", project="acme/rocket", section="All metrics")
    table = frame(at, "metric", "value").set_index("metric")
    assert table.loc["Stars", "value"] == "4,200 stars"
    assert table.loc["Commits in the last 12 months", "value"] == "270 commits"
    assert "the scoring run of" in texts(at)


def test_project_page_says_how_fresh_its_data_is_and_what_funding_means(page):
    at = page("project", project="acme/rocket", section="Funding")
    no_exception(at)
    body = texts(at).replace("\\", "")
    assert "data as of " in body and "the oldest last collection of 1 source" in body
    assert "Has funding (money received): yes · asks for funding: yes" in body
    assert "(from funding_yml)" in body
    new = texts(page("project", project="gamma/new")).replace("\\", "")
    assert "no data collected yet" in new


def test_project_page_with_unknown_or_hostile_query_param(page):
    at = page("project", project="nobody/none")
    no_exception(at)
    assert "nobody/none is not tracked" in texts(at).replace("\\", "")
    at = page("project", project="<b>x</b>")
    no_exception(at)
    assert re.search(r"(?<!\\)<b>", texts(at)) is None
    at = page("project")
    assert "Choose a project" in texts(at)


def test_project_selector_updates_the_url(page):
    at = page("project")
    at.selectbox(key="project_select").select("beta/quiet").run()
    no_exception(at)
    assert at.query_params["project"] == ["beta/quiet"] or at.query_params["project"] == "beta/quiet"


# -- funders ------------------------------------------------------------------------------------
def test_funders_shortlist_ranked_with_reasons(page):
    at = page("funders")
    no_exception(at)
    table = frame(at, "rank", "funding need")
    assert [p.split("=", 1)[1] for p in table["project"]] == ["beta/quiet", "acme/rocket", "gamma/new"]
    assert table["rank"].tolist() == ["1", "2", "-"]
    assert table["funding need"].tolist() == ["0.8", "0.4", "unknown"] and table["health"].tolist()[2] == "unknown"
    body = texts(at).replace("\\", "")
    assert "**2. acme/rocket** (need 0.4): important and active, but funded" in body
    assert "**unranked: gamma/new** (need unknown): unknown: not scored yet" in body
    assert "no commits in 12 months: last commit 2023-04-01" in body  # flags by their catalogue labels
    assert "2 of 3 projects are not plotted" in body
    assert "money figures (sponsors, Open Collective, grants) for 2 of 3 projects" in body
    assert "only declared funding channels for 0, nothing for 1" in body


def test_funders_filters(page):
    at = page("funders")
    at.multiselect(key="funders_risk").select("medium").run()
    assert [p.split("=", 1)[1] for p in frame(at, "rank", "funding need")["project"]] == ["acme/rocket"]
    at = page("funders")
    at.slider(key="funders_min_criticality").set_value(0.7).run()
    assert [p.split("=", 1)[1] for p in frame(at, "rank", "funding need")["project"]] == ["beta/quiet"]


def test_funders_csv_export_carries_evidence_and_neutralises_formulas():
    from tracker.ui import queries

    ranked = funders.shortlist(queries.funders(queries.database_path()))
    rows = list(csv.DictReader(io.StringIO(funders.shortlist_csv(ranked))))
    assert [r["slug"] for r in rows] == ["beta/quiet", "acme/rocket", "gamma/new"]
    quiet = rows[0]
    assert quiet["funding_need_reason"].startswith("'=HYPERLINK")  # a spreadsheet shows it, never runs it
    assert "one person does half the work: one person made all commits" in quiet["flags"]
    assert quiet["rank"] == "1" and quiet["project_page"] == "project?project=beta/quiet"
    assert rows[2]["funding_need"] == "unknown" and rows[2]["health"] == "unknown"


# -- compare ------------------------------------------------------------------------------------
def test_compare_side_by_side(page):
    at = page("compare", projects="acme/rocket,beta/quiet")
    no_exception(at)
    table = frame(at, "measure").set_index("measure")
    assert list(table.columns) == ["acme/rocket", "beta/quiet"]
    assert table.loc["Health (0-100)"].tolist() == ["72", "35"]
    assert table.loc["Coverage"].tolist() == ["60%", "60%"]  # percentages as everywhere else
    assert table.loc["Maintenance risk"].tolist() == ["medium", "high"]
    assert table.loc["Active people, last 12 months"].tolist() == ["3 people", "unknown"]
    assert table.loc["Risk flags"].tolist() == ["single maintainer", "no commits in 12 months, one person does "
                                                                     "half the work"]
    assert not [m for m in table.index if "_" in m]  # no raw identifiers
    assert len(at.get("vega_lite_chart")) == 3


def test_compare_needs_two_projects_and_keeps_choice_in_url(page):
    at = page("compare")
    assert "Choose two to four projects" in texts(at)
    at.multiselect(key="compare_projects").select("acme/rocket").select("gamma/new").run()
    no_exception(at)
    assert "acme/rocket,gamma/new" in str(at.query_params["projects"])
    table = frame(at, "measure").set_index("measure")
    assert table.loc["Health (0-100)"].tolist() == ["72", "unknown"]


# -- data & runs --------------------------------------------------------------------------------
def test_runs_page_shows_last_runs_and_errors(page):
    at = page("runs")
    no_exception(at)
    body = texts(at).replace("\\", "")
    sources = next(m.value for m in at.markdown if m.value.startswith("| source")).replace("\\", "")
    rows = {line.split(" | ")[0].strip("|* "): line.split(" | ") for line in sources.splitlines()[2:]}
    assert rows["GitHub"][3] == "failed for 1 project" and rows["git history"][3] == "ok for 2 projects"
    assert rows["PyPI"][2:4] == ["never", "not run yet"]
    assert "not scheduled: the scheduler is not running" in rows["git history"][4]
    assert "- **GitHub**: 1 project: HTTP 404: repository not found (beta/quiet)" in body
    assert "MB" in body and "schema version" in body
    last = frame(at, "source", "project", "result")
    assert "_" not in " ".join(last.columns)  # column names in words, not the table's
    ok = last[last["result"] == "ok"]
    assert (ok["what failed"] == "").all()  # an ok run never shows an error
    at.checkbox(key="runs_errors_only").check().run()
    assert frame(at, "source", "project", "result")["result"].tolist() == ["failed"]


def test_runs_page_requests_tracking_and_collection(page, app_db):
    at = page("runs")
    at.text_input(key="runs_add_repo").input("not-a-repo")
    at.button(key="runs_add_submit").click().run()
    assert at.error and "not of the form OWNER/REPO" in at.error[0].value
    at.text_input(key="runs_add_repo").input("https://github.com/New-Owner/new-repo.git")
    at.button(key="runs_add_submit").click().run()
    no_exception(at)
    assert "New-Owner/new-repo" in at.success[0].value.replace("\\", "")
    at.text_input(key="runs_add_repo").input("ACME/rocket")
    at.button(key="runs_add_submit").click().run()
    assert "already tracked" in at.info[0].value
    at.selectbox(key="runs_collect_project").select("beta/quiet")
    at.selectbox(key="runs_collect_source").select("git")
    at.button(key="runs_collect_submit").click().run()
    no_exception(at)
    with Store.open(app_db, read_only=True) as store:
        rows = store.all("SELECT kind, project_slug, source, status FROM collection_requests ORDER BY id")
    assert rows == [("track", "New-Owner/new-repo", None, "pending"), ("collect", "beta/quiet", "git", "pending")]
    requests = frame(at, "what", "project")
    assert requests["project"].tolist() == ["beta/quiet", "New-Owner/new-repo"]


# -- empty and missing databases ----------------------------------------------------------------
@pytest.mark.parametrize("name", ["overview", "project", "funders", "compare"])
def test_empty_database_gives_guidance(page, tmp_path, monkeypatch, name):
    empty = tmp_path / "empty.duckdb"
    Store.open(empty).close()
    monkeypatch.setenv("TRACKER_DB", str(empty))
    at = page(name)
    no_exception(at)
    assert at.title[0].value == "Nothing tracked yet"
    assert "tracker add --from data/projects.yaml" in texts(at)
    monkeypatch.setenv("TRACKER_DB", str(tmp_path / "missing.duckdb"))
    at = page(name)
    no_exception(at)
    assert "does not exist yet" in texts(at)
    assert not (tmp_path / "missing.duckdb").exists()  # reading never creates the file


def test_runs_page_on_missing_database_still_offers_to_track(page, tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_DB", str(tmp_path / "missing.duckdb"))
    at = page("runs")
    no_exception(at)
    assert "does not exist yet" in texts(at)
    at.text_input(key="runs_add_repo").input("acme/first")
    at.button(key="runs_add_submit").click().run()
    no_exception(at)
    with Store.open(tmp_path / "missing.duckdb", read_only=True) as store:
        assert store.all("SELECT kind, project_slug FROM collection_requests") == [("track", "acme/first")]


def test_full_app_navigation_registers_every_page(tmp_path):
    from streamlit.testing.v1 import AppTest

    from tracker.config import REPO_ROOT

    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=60).run()
    no_exception(at)
    assert at.title[0].value == "Overview"


def test_runs_page_shows_the_schedule_when_the_scheduler_publishes_it(page, app_db, monkeypatch):
    from datetime import timedelta

    from tracker.runs import utcnow

    with Store.open(app_db) as store:
        store.execute(  # the scheduler's table (its migration), made here when this checkout lacks it
            "CREATE TABLE IF NOT EXISTS scheduler_jobs (job_id VARCHAR PRIMARY KEY, source VARCHAR,"
            " interval_seconds DOUBLE, next_run_at TIMESTAMP, last_started_at TIMESTAMP,"
            " last_finished_at TIMESTAMP, last_status VARCHAR, last_error VARCHAR, pid INTEGER, host VARCHAR,"
            " updated_at TIMESTAMP NOT NULL)")
        store.execute("DELETE FROM scheduler_jobs")
        now = utcnow()
        for job, source, hours in (("score", None, None), ("collect:git", "git", 2)):
            store.execute("INSERT INTO scheduler_jobs (job_id, source, interval_seconds, next_run_at, last_status,"
                          " updated_at) VALUES (?, ?, ?, ?, 'ok', ?)",
                          [job, source, hours and hours * 3600, hours and now + timedelta(hours=hours), now])
    from tracker.readmodel import pages

    at = page("runs")  # a published timetable is not a running scheduler: no next run is promised
    no_exception(at)
    assert "not scheduled: the scheduler is not running" in texts(at).replace("\\", "")
    monkeypatch.setattr(pages, "_scheduler_running", lambda store: True)
    from tracker.ui import queries

    queries.clear_cache()
    at = page("runs")
    no_exception(at)
    sources = next(m.value for m in at.markdown if m.value.startswith("| source")).replace("\\", "")
    rows = {line.split(" | ")[0].strip("|* "): line.split(" | ") for line in sources.splitlines()[2:]}
    assert re.search(r"\(in (119|120) min\)|\(in 2 h\)", rows["git history"][4]), rows["git history"]
    assert rows["GitHub"][4].strip(" |") == "not on the timetable"


def test_request_while_the_collector_holds_the_lock_is_refused_in_words(page, app_db, monkeypatch):
    from tests.ui.test_queries import hold_lock
    from tracker.ui import requests_panel

    at = page("runs")
    monkeypatch.setattr(requests_panel, "WRITE_LOCK_TIMEOUT", 0.5)
    holder = hold_lock(app_db)  # held until the refused request has been made, whatever the load
    try:
        at.text_input(key="runs_add_repo").input("someone/else")
        at.button(key="runs_add_submit").click().run()
    finally:
        holder.stdin.write("release\n")
        holder.stdin.flush()
        assert holder.wait(30) == 0
    no_exception(at)
    assert at.error[0].value == requests_panel.BUSY
    at.button(key="runs_add_submit").click().run()  # once the writer is done, the same request goes in
    assert "someone/else" in at.success[0].value


@pytest.mark.parametrize("name, query", [
    ("overview", {}), ("funders", {}), ("runs", {}),
    ("project", {"project": "acme/rocket", "section": "Funding"}),
    ("project", {"project": "gamma/new", "section": "Funding"}),
    ("compare", {"projects": "acme/rocket,gamma/new"}),
])
def test_no_grid_shows_none(page, name, query):
    """Data grids would print a missing value as 'None': every one of them says 'unknown' (or
    leaves an error column empty) instead."""
    at = page(name, **query)
    no_exception(at)
    for df in at.dataframe:
        frame = df.value
        for column in frame.columns:
            if column in ("health", "activity (26 wk)", *funders.PARTS.values()):  # bars and a sparkline: an
                # empty cell, as the captions say
                continue
            values = frame[column].tolist()
            assert not any(v is None or (isinstance(v, float) and pd.isna(v)) or v == "None" for v in values), \
                (name, column, values)


@pytest.mark.parametrize("name, query", [
    ("overview", {}), ("funders", {}), ("compare", {"projects": "gamma/new,acme/rocket"}),
    ("project", {"project": "gamma/new"}), ("project", {"project": "gamma/new", "section": "Health history"}),
])
def test_pages_cope_with_insufficient_data_and_legacy_rows(page, app_db, name, query):
    """A score with risk level `unknown` and no health (too little evidence), and a legacy row with a
    risk level and flags this app does not know, read as 'insufficient data' and in words."""
    import json

    from tracker.runs import utcnow

    with Store.open(app_db) as store:
        pid = store.scalar("SELECT id FROM projects WHERE slug = 'gamma/new'")
        store.execute("INSERT INTO scores (project_id, computed_at, health, coverage, subscores, risk_level, flags,"
                      " weights_version, metrics, health_reason) VALUES (?, ?, NULL, 0.08, ?, 'unknown', ?, 'judge-1', '{}',"
                      " 'insufficient data: git history not collected')",
                      [pid, utcnow(), json.dumps({"activity": {"score": None, "reason": "insufficient data: git "
                                                               "history not collected", "inputs": {}}}),
                       json.dumps([{"name": "no_data", "evidence": "nothing collected"}])])
        rocket = store.scalar("SELECT id FROM projects WHERE slug = 'acme/rocket'")
        store.execute("UPDATE scores SET risk_level = 'moderate' WHERE project_id = ? AND health = 60", [rocket])
    at = page(name, **query)
    no_exception(at)
    body = texts(at).replace("\\", "")
    assert "None" not in body
    if name == "overview":
        new = overview_rows(at).set_index("project").loc["project?project=gamma/new"]
        assert list(new["risk"]) == ["insufficient data"] and new["coverage"] == "8%"
    if name == "project" and not query.get("section"):
        metrics = {m.label: m.value for m in at.metric}
        assert metrics["Health"] == "insufficient data" and metrics["Risk level"] == "insufficient data"
        assert "insufficient data: git history not collected" in body  # why, under the card
        assert "no data" in body and "no_data" not in body
    for df in at.dataframe:
        assert not df.value.astype(str).isin(["None"]).any().any()


def test_compare_says_insufficient_data_not_unknown_below_the_evidence_rule():
    from tracker.ui import compare

    bundles = {"acme/thin": {"score": {"health": None, "coverage": 0.04, "risk_level": "unknown", "flags": [],
                                       "health_reason": "insufficient data: git history not collected"},
                             "metrics": {}},
               "acme/new": {"score": None, "metrics": {}}}
    table = compare.side_by_side(bundles).set_index("measure")
    assert table.loc["Health (0-100)"].tolist() == ["insufficient data", "unknown"]
    assert table.loc["Coverage"].tolist() == ["4%", "unknown"]
