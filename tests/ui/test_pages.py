"""Each page's logic through Streamlit's AppTest, on the database of tests/ui/builder.py."""

from __future__ import annotations

import csv
import io
import re

import pandas as pd
import pytest

from tests.ui import builder
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
    assert list(df.index) == ["project?project=acme/rocket", "project?project=beta/quiet",
                              "project?project=gamma/new"]
    rocket, quiet, new = (df.loc[f"project?project={s}"] for s in ("acme/rocket", "beta/quiet", "gamma/new"))
    assert rocket["health"] == 72 and rocket["risk"] == "🟡 medium" and rocket["trend (90 d)"] == "↑ +12"
    assert rocket["funding"] == ("received: 12 sponsors, $24,000 OC/12 mo, $50,000 grants/5 y"
                                 " · asks for funding: 3 channels")
    assert len(rocket["activity (26 wk)"]) == 26 and max(rocket["activity (26 wk)"]) == 6
    assert quiet["risk"] == "🟠 high" and quiet["trend (90 d)"] == "? unknown"
    assert quiet["funding"] == "received: none found · asks for funding: no channel"
    assert quiet["name"] == builder.HOSTILE_NAME  # plain text in the grid, which renders no HTML
    assert pd.isna(new["health"]) and new["risk"] == "⚪ unknown" and new["funding"] == "unknown"
    assert new["activity (26 wk)"] is None
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", rocket["last release"]) and new["last release"] == "unknown"
    assert rocket["data as of"].endswith(" UTC") and new["data as of"] == "unknown"
    assert "health unknown (empty cell) for 1" in texts(at)


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
        ("overview_health_unknown", lambda w: w.uncheck(), ["acme/rocket", "beta/quiet"]),
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
    assert metrics["Maturity"] == "unknown" and metrics["Truck factor"] == "1"
    table = next(m.value for m in at.markdown if m.value.startswith("| sub")).replace("\\", "")
    rows = {line.split(" | ")[0].strip("| "): line.split(" | ") for line in table.splitlines()[2:]}
    assert rows["activity"][1:3] == ["72", "steady weekly commits over the last year"]
    assert "commits_365d=150" in rows["activity"][3]
    assert rows["responsiveness"][1:3] == ["unknown", "unknown: GitHub issues not collected"]
    assert rows["funding"][1] == "80"
    body = texts(at)
    assert "Alice made 60% of commits in 365 days" in body.replace("\\", "")
    assert len(at.get("vega_lite_chart")) == 2  # default section: weekly activity and release timeline
    at.segmented_control(key="project_section").set_value("Responsiveness").run()
    no_exception(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Issues, median (90 d)"] == "5.5 h" and metrics["Pull requests, median (90 d)"] == "12.0 h"
    assert at.query_params["section"] in ("Responsiveness", ["Responsiveness"])
    assert len(at.get("vega_lite_chart")) == 1  # monthly medians from the GitHub issues
    assert "20 opened, 3 still without a response" in texts(at)


@pytest.mark.parametrize("section, charts, expected", [
    ("Contributors", 1, "Top contributor's share: 60%"),
    ("Funding", 1, "Open Collective income"),
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
    assert not data["weekly"].empty and set(data["weekly"].columns) >= {"week", "commits", "active_contributors"}
    assert data["weekly"]["active_contributors"].max() == 3  # the bot is not a person
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
    assert {m.label: m.value for m in at.metric}["Issues, median (90 d)"] == "unknown"
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
    assert table.loc["stars", "value"] == "4,200" and table.loc["commits_365d", "value"] == "270"
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
    table = frame(at, "rank", "why", "evidence")
    assert [p.split("=", 1)[1] for p in table["project"]] == ["beta/quiet", "acme/rocket", "gamma/new"]
    assert table["rank"].tolist() == ["1", "2", "unknown"]
    assert table["funding need"].tolist() == ["0.81", "0.42", "unknown"] and table["health"].tolist()[2] == "unknown"
    assert table["why"].tolist()[1] == "important and active, but funded"
    assert table["why"].tolist()[2] == "unknown: not scored yet"
    assert "no_commits_12m: last commit 2023-04-01" in table["evidence"].tolist()[0]
    assert "2 of 3 projects are not plotted" in texts(at)


def test_funders_filters(page):
    at = page("funders")
    at.multiselect(key="funders_risk").select("medium").run()
    assert [p.split("=", 1)[1] for p in frame(at, "rank", "why", "evidence")["project"]] == ["acme/rocket"]
    at = page("funders")
    at.slider(key="funders_min_criticality").set_value(0.7).run()
    assert [p.split("=", 1)[1] for p in frame(at, "rank", "why", "evidence")["project"]] == ["beta/quiet"]


def test_funders_csv_export_carries_evidence_and_neutralises_formulas():
    from tracker.ui import queries

    ranked = funders.shortlist(queries.funders(queries.database_path()))
    rows = list(csv.DictReader(io.StringIO(funders.shortlist_csv(ranked))))
    assert [r["slug"] for r in rows] == ["beta/quiet", "acme/rocket", "gamma/new"]
    quiet = rows[0]
    assert quiet["funding_need_reason"].startswith("'=HYPERLINK")  # a spreadsheet shows it, never runs it
    assert "bus_factor_1: one person made all commits" in quiet["flags"]
    assert quiet["rank"] == "1" and quiet["project_page"] == "project?project=beta/quiet"
    assert rows[2]["funding_need"] == "unknown" and rows[2]["health"] == "unknown"


# -- compare ------------------------------------------------------------------------------------
def test_compare_side_by_side(page):
    at = page("compare", projects="acme/rocket,beta/quiet")
    no_exception(at)
    table = frame(at, "measure").set_index("measure")
    assert list(table.columns) == ["acme/rocket", "beta/quiet"]
    assert table.loc["health"].tolist() == ["72", "35"]
    assert table.loc["risk level"].tolist() == ["medium", "high"]
    assert table.loc["active_contributors_365d"].tolist() == ["3", "unknown"]
    assert len(at.get("vega_lite_chart")) == 3


def test_compare_needs_two_projects_and_keeps_choice_in_url(page):
    at = page("compare")
    assert "Choose two to four projects" in texts(at)
    at.multiselect(key="compare_projects").select("acme/rocket").select("gamma/new").run()
    no_exception(at)
    assert "acme/rocket,gamma/new" in str(at.query_params["projects"])
    table = frame(at, "measure").set_index("measure")
    assert table.loc["health"].tolist() == ["72", "unknown"]


# -- data & runs --------------------------------------------------------------------------------
def test_runs_page_shows_last_runs_and_errors(page):
    at = page("runs")
    no_exception(at)
    by_source = frame(at, "source", "last_status").set_index("source")
    assert by_source.loc["github", "last_status"] == "error"
    assert by_source.loc["github", "last_error"] == "HTTP 404: repository not found"
    assert by_source.loc["git", "data_runs"] == 2
    assert "unknown: the scheduler has not published its timetable" in texts(at)
    assert any(m.label == "Database size" and m.value.endswith("MB") for m in at.metric)
    at.checkbox(key="runs_errors_only").check().run()
    assert frame(at, "source", "project", "status")["status"].tolist() == ["error"]


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
    requests = frame(at, "kind", "project_slug")
    assert len(requests) == 2


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


def test_runs_page_shows_the_schedule_when_the_scheduler_publishes_it(page, app_db):
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
    at = page("runs")
    no_exception(at)
    schedule = frame(at, "job_id", "next_run_at")
    assert schedule["job_id"].tolist() == ["collect:git", "score"]  # soonest first, unscheduled last
    assert "has not published its timetable" not in texts(at)


def test_request_while_the_collector_holds_the_lock_is_refused_in_words(page, app_db, monkeypatch):
    from tests.ui.test_queries import hold_lock
    from tracker.ui import runs

    at = page("runs")
    monkeypatch.setattr(runs, "WRITE_LOCK_TIMEOUT", 0.5)
    holder = hold_lock(app_db)  # held until the refused request has been made, whatever the load
    try:
        at.text_input(key="runs_add_repo").input("someone/else")
        at.button(key="runs_add_submit").click().run()
    finally:
        holder.stdin.write("release\n")
        holder.stdin.flush()
        assert holder.wait(30) == 0
    no_exception(at)
    assert at.error[0].value == runs.BUSY
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
            if column in ("health", "activity (26 wk)"):  # a bar and a sparkline: an empty cell, as the caption says
                continue
            values = frame[column].tolist()
            assert not any(v is None or (isinstance(v, float) and pd.isna(v)) or v == "None" for v in values), \
                (name, column, values)
