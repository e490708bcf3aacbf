"""The backtest (tracker/backtest): no leakage from after the date, outcomes checked against git
itself, the figures against hand-computed ones, the command, the stored run and the Validation page.
Real git repositories and a real DuckDB file; never the network."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from tests.gitrepo import GitRepo
from tracker import registry
from tracker.backtest import asof, outcomes, report, run, verdicts
from tracker.backtest.outcomes import add_months, parse_horizon
from tracker.errors import UsageError
from tracker.readmodel import backtests
from tracker.scoring import weights as weights_mod

DATE = datetime(2023, 3, 15)
PEOPLE = (("Ann Lee", "ann@acme.org"), ("Bob Stone", "bob@uni.edu"), ("Cid Moreau", "cid@example.com"))


def monthly(repo: GitRepo, start: tuple[int, int], end: tuple[int, int], day: int = 3, people=PEOPLE) -> None:
    """One commit a month from `start` to `end` (year, month) inclusive, people taking turns."""
    y, m = start
    i = 0
    while (y, m) <= end:
        name, email = people[i % len(people)]
        repo.commit(f"{y:04d}-{m:02d}-{day:02d}T10:00:00", name=name, email=email)
        i += 1
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def tables(world: asof.AsOf) -> dict[str, list[tuple]]:
    """Every row of the as-of store, table by table, in a stable order."""
    names = [t for t, _ in asof.COPIES] + ["repo_files"]
    return {t: world.store.all(f"SELECT * FROM {t} ORDER BY ALL") for t in names}


def track(store, tmp_path, name: str) -> tuple[GitRepo, registry.Project]:
    repo = GitRepo(tmp_path / name)
    project, _ = registry.add(store, f"acme/{name}", git_source=str(repo.path))
    return repo, project


def validation_page(db_path, monkeypatch):
    """The Validation page run once by Streamlit's AppTest on `db_path` (tests/conftest.py puts the
    real `__main__` back after it)."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("TRACKER_DB", str(db_path))
    return AppTest.from_string("from tracker.ui import validation\nvalidation.show()\n", default_timeout=60).run()


def collect(cli) -> None:
    result = cli("-q", "collect", "--source", "git", "--workers", "1")  # one process: quicker for a few small repositories
    assert result.code == 0, result.err


def test_appending_history_after_the_date_changes_nothing_at_the_date(store, tmp_path, cli, db_path):
    repo, project = track(store, tmp_path, "lib")
    repo.commit("2020-01-10T09:00:00", name="Ann Lee", email="ann@acme.org",
                files={"LICENSE": "MIT\n", ".github/FUNDING.yml": "github: ann\n",
                                              "SECURITY.md": "mail ann\n",
                                              "README.md": "# lib\n\nlib is in maintenance mode.\n"})
    monthly(repo, (2020, 2), (2023, 2))
    repo.tag("v1.0", "2022-06-01", annotated=True, ref="HEAD~9")
    repo.tag("v1.1")  # lightweight, on the commit of 2023-02-03
    store.close()
    collect(cli)

    def at_date():
        from tracker.store import Store

        with Store.open(db_path) as s:
            world = asof.build(s, [project.id], DATE)
            try:
                inputs = tables(world)
                values, scores = verdicts(world, [project.id], weights_mod.load())
            finally:
                world.close()
            after = outcomes.outcomes(s, [project.id], DATE, 12)[project.id]
        return inputs, values[project.id], scores[project.id], after

    inputs, values, scores, after = at_date()
    assert after.outcome == outcomes.BECAME  # nothing after the date yet
    assert len(inputs["git_commits"]) == 38 and [r[1] for r in inputs["git_tags"]] == ["v1.0", "v1.1"]
    assert {r[2] for r in inputs["repo_files"]} >= {".github/FUNDING.yml", "SECURITY.md", "LICENSE", "README.md"}
    assert (values["deprecation_notice"], values["deprecation_notice_text"]) == (1, ["lib is in maintenance mode."])

    # History after the date: new people, bots, a rebased commit (authored before, committed after),
    # files changed and deleted, new tags, and a tag made after the date on an old commit.
    repo.commit("2023-01-01T10:00:00", name="Dee", email="dee@acme.org", committer_when="2023-06-01T10:00:00")
    # an alias first used after the date: Ann's name with Bob's e-mail (merges them in the full history)
    repo.commit("2023-04-20T10:00:00", name="Ann Lee", email="bob@uni.edu")
    repo.commit("2023-04-02T10:00:00", name="dependabot[bot]", email="49699333+dependabot[bot]@users.noreply.github.com")
    repo.commit("2023-05-05T10:00:00", files={"SECURITY.md": "a new policy\n", "CODE_OF_CONDUCT.md": "be kind\n",
                                              "README.md": "# lib\n\nThis project is no longer maintained.\n",
                                              ".github/FUNDING.yml": "open_collective: lib\n"})
    repo.commit("2023-07-07T10:00:00", name="Eve", email="eve@else.org", delete=["LICENSE"])
    monthly(repo, (2023, 8), (2024, 6), people=(("Fay", "fay@x.org"),))
    repo.tag("v2.0", "2023-09-01", annotated=True)
    repo.tag("v1.0.1", "2023-05-01", annotated=True, ref="HEAD~20")  # an old commit, tagged after the date
    collect(cli)

    inputs2, values2, scores2, after2 = at_date()
    from tracker.store import Store

    with Store.open(db_path) as s:  # the full history does merge them ...
        assert s.scalar("SELECT count(DISTINCT author_key) FROM human_commits WHERE committer_at <= ?", [DATE]) == 2
        # ... and HEAD's README now says it stopped, which the world at the date must not see
        assert "no longer maintained" in s.scalar("SELECT content FROM repo_files WHERE path = 'README.md'")
    assert values["contributors_total"] == 3  # ... the world at the date does not
    assert inputs2 == inputs
    assert values2 == values
    assert scores2 == scores
    # ... while the outcome, read from the full history, sees what happened after the date.
    assert after2.outcome == outcomes.STAYED and after2.human_commits_after > 0 and after2.releases_after == 2  # v2.0, v1.0.1


def _git_count(repo: GitRepo, since: str, until: str, *extra: str) -> int:
    return int(repo.git("rev-list", "--count", f"--since={since}", f"--until={until}", *extra, "HEAD"))


def test_outcomes_against_git_itself(store, tmp_path, cli, db_path):
    dies, _ = track(store, tmp_path, "dies")
    monthly(dies, (2021, 1), (2023, 2))
    lives, _ = track(store, tmp_path, "lives")
    monthly(lives, (2021, 1), (2023, 3))
    for when in ("2023-04-01", "2023-09-01", "2024-03-10", "2024-03-20"):
        lives.commit(f"{when}T12:00:00", name="Ann", email="ann@acme.org")
    lives.commit("2023-06-01T12:00:00", name="dependabot[bot]", email="49699333+dependabot[bot]@users.noreply.github.com")
    lives.tag("v3.0", "2023-10-01", annotated=True)
    old, _ = track(store, tmp_path, "old")
    monthly(old, (2019, 1), (2021, 6))
    old.commit("2023-08-01T12:00:00")
    new, _ = track(store, tmp_path, "new")
    monthly(new, (2023, 5), (2023, 9))
    cut, _ = track(store, tmp_path, "cut")
    monthly(cut, (2021, 1), (2023, 2))
    cut.git("config", "tracker.dataDate", "2023-09-01")  # a snapshot taken before the horizon's end
    store.close()
    collect(cli)

    from tracker.store import Store

    with Store.open(db_path) as s:
        projects = registry.all_projects(s)
        got = {p.slug: o for p, o in zip(projects, (outcomes.outcomes(s, [p.id], DATE, 12)[p.id] for p in projects),
                                         strict=True)}
    assert {k: o.outcome for k, o in got.items()} == {
        "acme/dies": outcomes.BECAME, "acme/lives": outcomes.STAYED, "acme/old": outcomes.ALREADY,
        "acme/new": outcomes.NOT_CREATED, "acme/cut": outcomes.NOT_OBSERVABLE}
    o = got["acme/lives"]
    # git counts commits in (DATE, DATE + 12 months]; the bot's is not a human commit
    all_after = _git_count(lives, "2023-03-15T00:00:01Z", "2024-03-15T00:00:00Z")
    bots_after = _git_count(lives, "2023-03-15T00:00:01Z", "2024-03-15T00:00:00Z", "--author=dependabot")
    assert (o.commits_after, o.human_commits_after) == (all_after, all_after - bots_after) == (4, 3)
    assert (o.first_human_commit_after, o.last_human_commit_after) == (datetime(2023, 4, 1, 12), datetime(2024, 3, 10, 12))
    assert o.releases_after == 1 and o.last_release_after == datetime(2023, 10, 1)
    assert o.human_commits_before == _git_count(lives, "2022-03-15T00:00:01Z", "2023-03-15T00:00:00Z") == 12
    assert o.last_activity_at == datetime(2024, 3, 20, 12)
    assert got["acme/dies"].human_commits_after == 0 and got["acme/dies"].last_human_commit_before == datetime(2023, 2, 3, 10)


def record(part, risk, outcome, project="x"):
    return {"project": project, "part": part, "risk_level": risk, "outcome": outcome, "flags": [], "after": {}}


def test_precision_recall_and_calibration_by_hand():
    B, S = outcomes.BECAME, outcomes.STAYED
    rows = [record("t", "critical", B), record("t", "high", B), record("t", "high", S),
            record("t", "medium", B), record("t", "medium", S), record("t", "low", S), record("t", "low", S),
            record("t", "unknown", B), record("t", "low", outcomes.ALREADY), record("h", "low", B)]
    s = report.summary(rows, "t")
    # TP = critical+high that became (2), FP = high that stayed (1), FN = medium + unknown that became (2)
    assert s["confusion"] == {"true_positive": 2, "false_positive": 1, "false_negative": 2, "true_negative": 3}
    assert (s["precision"], s["recall"], s["scored"], s["unknown_risk"]) == (0.667, 0.5, 8, 1)
    shares = {c["level"]: (c["became_unmaintained"], c["n"], c["share"]) for c in s["calibration"]}
    assert shares == {"low": (0, 2, 0.0), "medium": (1, 2, 0.5), "high": (1, 2, 0.5), "critical": (1, 1, 1.0),
                      "unknown": (1, 1, 1.0)}
    assert s["calibration_rises"] is True and s["outcomes"][outcomes.ALREADY] == 1
    assert report.summary(rows)["scored"] == 9 and report.summary(rows, "h")["recall"] == 0.0
    assert report.rising([{"level": "low", "n": 2, "share": 0.5}, {"level": "medium", "n": 0, "share": None},
                          {"level": "high", "n": 3, "share": 0.3}]) is False
    assert report.rising([{"level": "low", "n": 2, "share": 0.5}]) is None
    assert report.summary([], "t")["precision"] is None  # no prediction: unknown, not 0
    misses = report.misses(rows, "t")
    assert [(m["kind"], m["risk"]) for m in misses] == [("missed", "medium"), ("missed", "unknown"),
                                                        ("false alarm", "high")]


def test_wilson_intervals_by_hand():
    """Wilson score intervals, 95%: 4 of 6 -> p = 0.6667, z^2 = 3.8415; centre (0.6667 + 0.3201) /
    1.6402 = 0.6016, half-width 1.96 * sqrt(0.2222/6 + 3.8415/144) / 1.6402 = 0.3016 -> 0.300-0.903;
    0 of 6 -> 0 to 3.8415/6 / 1.6402 = 0.390; none: unknown, not [0, 0]."""
    assert report.wilson(4, 6) == (0.3, 0.903)
    assert report.wilson(0, 6) == (0.0, 0.39)
    assert report.wilson(6, 6) == (0.61, 1.0)
    assert report.wilson(0, 0) is None
    B, S = outcomes.BECAME, outcomes.STAYED
    s = report.summary([record("t", "high", B), record("t", "high", B), record("t", "high", S),
                        record("t", "low", B)], "t")
    assert (s["precision"], s["precision_ci95"]) == (0.667, report.wilson(2, 3))
    assert (s["recall"], s["recall_ci95"]) == (0.667, report.wilson(2, 3))
    row = report.summary_rows([s], "2023-03-15", "12 months")[0]
    assert row["95% CI (precision)"] == "0.21-0.94" and row["95% CI (recall)"] == "0.21-0.94"


def test_a_corpus_may_have_a_second_held_out_part(tmp_path):
    from tracker.backtest import corpus

    path = tmp_path / "c.csv"
    path.write_text("repository,part\nacme/a,tuning\nacme/b,held-out\nacme/c,held-out-v2\nacme/d,\n",
                    encoding="utf-8")
    assert corpus.parts(corpus.load(path)) == {"acme/a": "tuning", "acme/b": "held-out", "acme/c": "held-out-v2"}


def test_horizon_and_months():
    assert [parse_horizon(t) for t in ("12m", "12", "18 months", "1y", "2 years")] == [12, 12, 18, 12, 24]
    for bad in ("", "0m", "soon", "200y", "-3m"):
        with pytest.raises(UsageError):
            parse_horizon(bad)
    assert add_months(datetime(2023, 3, 31), 1) == datetime(2023, 4, 30)
    assert add_months(datetime(2023, 3, 15), 12) == datetime(2024, 3, 15)
    assert add_months(datetime(2023, 1, 15), -12) == datetime(2022, 1, 15)


@pytest.fixture
def two_projects(store, tmp_path, cli):
    dies, _ = track(store, tmp_path, "dies")
    monthly(dies, (2019, 1), (2023, 2))
    lives, _ = track(store, tmp_path, "lives")
    monthly(lives, (2019, 1), (2024, 6))
    store.close()
    collect(cli)


def test_command_reports_stores_and_the_page_shows_it(two_projects, cli, tmp_path, db_path, monkeypatch):
    corpus = tmp_path / "corpus.csv"
    corpus.write_text("repository,part\nacme/dies,held-out\nacme/lives,tuning\n", encoding="utf-8")
    r = cli("-q", "backtest", "--as-of", "2023-03-15", "--horizon", "12m", "--corpus", str(corpus), "--format", "json")
    assert r.code == 0, r.err
    got = r.json()
    assert [(x["project"], x["part"], x["outcome"]) for x in got["records"]] == [
        ("acme/dies", "held-out", "became_unmaintained"), ("acme/lives", "tuning", "stayed_maintained")]
    assert [s["part"] for s in got["summaries"]] == ["held-out", "tuning", "all"]
    from tracker.store import open_reader

    with open_reader(db_path) as s:
        stored = backtests.backtest_run(s)
    assert stored["id"] == got["run_id"] and stored["summaries"] == got["summaries"]
    assert [x["project"] for x in stored["records"]] == ["acme/dies", "acme/lives"]

    md = cli("-q", "backtest", "--as-of", "2023-03-15", "--format", "markdown", "--no-save")
    assert md.code == 0 and "## Every miss" in md.out and "| 2023-03-15 | 12 months | all |" in md.out
    table = cli("-q", "backtest", "--as-of", "2023-03-15", "--project", "acme/dies", "--no-save")
    assert table.code == 0 and "acme/dies" in table.out and "acme/lives" not in table.out

    at = validation_page(db_path, monkeypatch)
    assert not at.exception, [e.value for e in at.exception]
    results = next(df.value for df in at.dataframe if "precision" in df.value.columns)
    assert list(results["set"]) == ["held-out", "tuning", "all"]
    calibration = next(df.value for df in at.dataframe if "share" in df.value.columns)
    assert set(calibration["set"]) == {"held-out", "tuning", "all"} and calibration["projects"].sum() == 4
    assert len(at.get("vega_lite_chart")) == 1


def test_clear_errors(two_projects, cli, tmp_path):
    future = cli("backtest", "--as-of", "2026-01-01")
    assert future.code == 2 and "after today" in future.err
    assert cli("backtest", "--as-of", "2023-03-15", "--set", "tuning").code == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("repository,part\nacme/dies,training\n", encoding="utf-8")
    r = cli("backtest", "--as-of", "2023-03-15", "--corpus", str(bad))
    assert r.code == 2 and "line 2" in r.err and "training" in r.err
    assert "not one of tuning, held-out, held-out-v2 (or empty)" in r.err
    assert cli("backtest", "--as-of", "2023-03-15", "--horizon", "soon").code == 2
    assert cli("backtest", "--as-of", "2023-03-15", "--project", "acme/nothing").code == 2


def test_page_without_a_run_says_how(two_projects, db_path, monkeypatch):
    at = validation_page(db_path, monkeypatch)
    assert not at.exception
    info = " ".join(i.value for i in at.info)
    assert "No backtest has been run" in info and "2 tracked projects with git history can be backtested" in info


def test_run_is_json_and_records_evidence(two_projects, db_path, monkeypatch):
    import tracker.backtest as engine
    from tracker.store import Store

    with Store.open(db_path) as s:
        result = run(s, registry.all_projects(s), DATE, 12)
        monkeypatch.setattr(engine, "CHUNK", 1)  # one world per project: the same verdicts
        one_by_one = run(s, registry.all_projects(s), DATE, 12)
    assert one_by_one["records"] == result["records"] and one_by_one["summaries"] == result["summaries"]
    text = json.dumps(result, default=str)
    assert "NaN" not in text
    dies = next(r for r in result["records"] if r["project"] == "acme/dies")
    # 365 days before 2023-03-15 start on 2022-03-15: the commits of 2022-04-03 ... 2023-02-03
    assert dies["at_date"]["human_commits_365d"] == 11 and dies["at_date"]["last_human_commit_days"] == 39
    assert len(dies["commit_at_date"]) == 40
    assert dies["after"]["human_commits_after"] == 0


def test_outcome_classes_and_the_sensitivity_bars():
    end = add_months(DATE, 12)
    seen, first = datetime(2026, 1, 1), datetime(2020, 1, 1)
    c = outcomes.classify
    assert c(seen, first, 5, 0, DATE, end) == outcomes.BECAME
    assert c(seen, first, 5, 1, DATE, end) == outcomes.STAYED
    assert c(seen, first, 0, 9, DATE, end) == outcomes.ALREADY
    assert c(seen, datetime(2023, 4, 1), 0, 9, DATE, end) == outcomes.NOT_CREATED
    assert c(datetime(2024, 3, 14), first, 5, 0, DATE, end) == outcomes.NOT_OBSERVABLE  # silence after a snapshot
    assert c(None, first, 5, 0, DATE, end) == outcomes.NOT_OBSERVABLE
    # stricter bars: 2 commits before is not alive with 3 required; 2 after is "became" with 3 required
    assert c(seen, first, 2, 9, DATE, end, alive_commits=3) == outcomes.ALREADY
    assert c(seen, first, 5, 2, DATE, end, horizon_commits=3) == outcomes.BECAME
    assert c(seen, first, 5, 3, DATE, end, horizon_commits=3) == outcomes.STAYED


def test_baselines_by_hand():
    B, S = outcomes.BECAME, outcomes.STAYED
    rows = [dict(record("t", "low", B), at_date={"last_human_commit_days": 120, "human_commits_90d": 0,
                                                 "days_since_any_release": None}),
            dict(record("t", "low", S), at_date={"last_human_commit_days": 100, "human_commits_90d": 0,
                                                 "days_since_any_release": 30}),
            dict(record("t", "low", B), at_date={"last_human_commit_days": 10, "human_commits_90d": 20,
                                                 "days_since_any_release": 400}),
            dict(record("t", "low", S), at_date={"last_human_commit_days": 1, "human_commits_90d": 40,
                                                 "days_since_any_release": 10})]
    got = {b["rule"][:20]: (b["precision"], b["recall"], b["TP/FP/FN"]) for b in report.baselines(rows, "t")}
    assert got == {"no human commit in 9": (0.5, 0.5, "1/1/1"), "under 1 human commit": (0.5, 0.5, "1/1/1"),
                   "no release for 12 mo": (1.0, 1.0, "2/0/0")}


def test_other_sources_hold_only_what_was_known_at_the_date(store, tmp_path):
    """GitHub, PyPI, Open Collective and grant rows: events after the date are left out, later
    knowledge about earlier events is masked, snapshots taken later are absent."""
    repo, project = track(store, tmp_path, "lib")
    monthly(repo, (2022, 1), (2023, 2))
    store.execute("UPDATE projects SET pypi_package = 'Acme_Lib' WHERE id = ?", [project.id])
    pid = project.id
    store.execute("INSERT INTO github_releases VALUES (?, 1, 'v1', 'v1', '2022-05-01', '2022-05-01', false),"
                  " (?, 2, 'v2', 'v2', '2023-06-01', '2023-06-01', false)", [pid, pid])
    store.execute(
        "INSERT INTO github_issues (project_id, number, kind, state, author_login, author_is_bot, created_at,"
        " updated_at, closed_at, merged_at, comments, first_response_at, first_response_by, response_checked)"
        " VALUES (?, 1, 'issue', 'closed', 'u', false, '2023-01-05', '2023-05-01', '2023-05-01', NULL, 7,"
        " '2023-04-01', 'ann', true),"
        " (?, 2, 'pr', 'closed', 'u', false, '2023-02-01', '2023-02-03', '2023-02-03', '2023-02-03', 2,"
        " '2023-02-02', 'bob', true),"
        " (?, 3, 'issue', 'open', 'u', false, '2023-04-01', '2023-04-02', NULL, NULL, 1, NULL, NULL, true)",
        [pid, pid, pid])
    store.execute("INSERT INTO github_repo_snapshots (project_id, collected_at, stars, archived)"
                  " VALUES (?, '2026-11-01', 900, true)", [pid])
    store.execute("INSERT INTO github_state (project_id, status, collected_at) VALUES (?, 'ok', '2026-11-01')", [pid])
    store.execute("INSERT INTO pypi_packages (package, fetched_at, status, latest_version)"
                  " VALUES ('acme-lib', '2026-11-01', 'ok', '9.0')")
    store.execute("INSERT INTO pypi_releases VALUES ('acme-lib', '1.0', '2022-03-01', false, NULL, 1),"
                  " ('acme-lib', '2.0', '2023-08-01', false, NULL, 1)")
    store.execute("INSERT INTO opencollective_snapshots (project_id, slug, collected_at, status)"
                  " VALUES (?, 'lib', '2026-11-01', 'ok')", [pid])
    for key, day in (("a", "2022-06-01"), ("b", "2023-06-01")):
        store.execute("INSERT INTO grants (grant_key, funder, recipient_repo, recipient_repo_key, repo_uncertain,"
                      " amount, currency, awarded_on, source_url, imported_at)"
                      " VALUES (?, 'F', 'acme/lib', 'acme/lib', false, 1000, 'USD', ?, 'https://x', '2026-11-01')",
                      [key, day])
    world = asof.build(store, [pid], DATE)
    try:
        w = world.store
        assert w.all("SELECT tag FROM github_releases") == [("v1",)]
        issues = w.dicts("SELECT number, state, closed_at, merged_at, first_response_at, comments, updated_at"
                         " FROM github_issues ORDER BY number")
        assert issues == [
            {"number": 1, "state": "open", "closed_at": None, "merged_at": None, "first_response_at": None,
             "comments": None, "updated_at": datetime(2023, 1, 5)},
            {"number": 2, "state": "closed", "closed_at": datetime(2023, 2, 3), "merged_at": datetime(2023, 2, 3),
             "first_response_at": datetime(2023, 2, 2), "comments": None, "updated_at": datetime(2023, 2, 3)}]
        for table in ("github_repo_snapshots", "github_state", "opencollective_snapshots"):
            assert w.scalar(f"SELECT count(*) FROM {table}") == 0, table
        assert w.all("SELECT version FROM pypi_releases") == [("1.0",)]
        assert w.all("SELECT package, latest_version FROM pypi_packages") == [("acme-lib", None)]
        assert w.all("SELECT grant_key FROM grants") == [("a",)]
    finally:
        world.close()


def test_one_projects_bad_data_does_not_stop_the_others(two_projects, cli, db_path, monkeypatch):
    import tracker.backtest as engine
    from tracker.store import Store

    with Store.open(db_path) as s:
        dies = registry.get(s, "acme/dies").id
    real = engine.verdicts

    def breaks_on_dies(world, ids, weights):
        if dies in ids:
            raise ValueError("a broken row")
        return real(world, ids, weights)

    monkeypatch.setattr(engine, "verdicts", breaks_on_dies)
    r = cli("-q", "backtest", "--as-of", "2023-03-15", "--format", "json", "--no-save")
    assert r.code == 1 and "could not backtest acme/dies: ValueError: a broken row" in r.err
    got = r.json()
    assert [x["project"] for x in got["records"]] == ["acme/lives"]
    assert got["failures"] == [{"project": "acme/dies", "error": "ValueError: a broken row"}]
