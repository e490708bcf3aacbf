"""The validation set in miniature: real git repositories built with the shapes of real projects of
known status (docs/methodology.md, "Validation"; bench/validate.py runs the real mirrors), collected
and scored through the whole pipeline, with the verdicts a careful analyst expects:

- dead projects (deprecated, archived, end of life) are high or critical and never "active";
- living ones (a mature slow library, a clearly alive project) are not critical and not "abandoned";
- a project with no data has no health and risk `unknown`;
- declared funding channels alone never make a project "well funded".
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.tracker.scoring_helpers import track
from tracker import collect, config, metrics, registry
from tracker.progress import Progress
from tracker.score import score_projects
from tracker.scoring import score_metrics
from tracker.scoring import weights as weights_mod

NOW = datetime(2026, 11, 1)
TEAM = [("Ann", "ann@example.org"), ("Bob", "bob@corp.example.net"), ("Cy", "cy@uni.example.edu"),
        ("Dee", "dee@example.org"), ("Eve", "eve@lab.example.com")]
DEAD_LEVELS = ("high", "critical")


def _score(store, project, now=NOW):
    return score_projects(store, [project], now).rows[0]


def _history(repo, first_year: int, last_year: int, people: int = 3, every_months: int = 2) -> None:
    """Steady work by `people` people, a commit every `every_months` months, a release each year."""
    k = 0
    for year in range(first_year, last_year + 1):
        for month in range(1, 13, every_months):
            name, email = TEAM[k % people]
            repo.commit(f"{year}-{month:02d}-10", name=name, email=email, files={f"src/m{k % 7}.py": f"{k}"})
            k += 1
        repo.tag(f"v{year - first_year + 1}.0", when=f"{year}-11-20", annotated=True)


def _dead(result) -> None:
    assert result["risk_level"] in DEAD_LEVELS, result
    assert result["maturity"] != "active", result
    assert result["health"] is not None and result["coverage"] >= 0.5


def _alive(result) -> None:
    assert result["risk_level"] != "critical", result
    assert result["maturity"] != "abandoned", result
    assert result["health"] is not None


def test_deprecated_project_whose_last_human_commit_is_two_years_old(store, make_repo):
    """allennlp / boto shape: years of work by a team, a deprecation notice, then silence."""
    repo = make_repo()
    _history(repo, 2018, 2023)
    repo.commit("2024-11-01", name="Ann", email="ann@example.org", files={"README.md": "DEPRECATED"},
                message="Add deprecation notice")
    result = _score(store, track(store, repo))
    _dead(result)
    assert result["maturity"] == "abandoned" and result["risk_level"] == "critical"
    assert "no human commit for 730 days" in result["maturity_reason"]


def test_a_one_off_sweep_does_not_revive_a_deprecated_project(store, make_repo):
    """openai/gym shape: deprecated in 2023; in 2026 one organisation-wide commit pinned CI actions.
    One human commit in a year, no release for years: abandoned, not 'active' or merely quiet."""
    repo = make_repo()
    _history(repo, 2017, 2022)
    repo.commit("2023-01-30", files={"README.md": "moved to Gymnasium"}, message="Deprecation notice")
    repo.commit("2026-03-26", name="Sec Eng", email="sec@openai.example.com",
                files={".github/workflows/ci.yml": "pinned"}, message="Pin GitHub Actions workflow references")
    result = _score(store, track(store, repo))
    _dead(result)
    assert result["maturity"] == "abandoned"
    assert "only 1 human commit in 12 months" in result["maturity_reason"]
    unchecked = {u["name"]: u["reason"] for u in result["unchecked"]}
    assert unchecked["bus_factor_1"].startswith("only 1 human commit in the last 12 months: too few")


def test_archived_repository_is_critical(store, make_repo):
    """fzaninotto/Faker shape: active until recently, then archived by its owner (GitHub's flag)."""
    repo = make_repo()
    _history(repo, 2020, 2026, people=4, every_months=1)
    project = track(store, repo)
    store.execute("INSERT INTO github_repo_snapshots (project_id, collected_at, stars, archived)"
                  " VALUES (?, ?, 3000, true)", [project.id, NOW - timedelta(days=1)])
    result = _score(store, project)
    _dead(result)
    assert result["maturity"] == "archived" and result["risk_level"] == "critical"
    assert result["flags"][0]["name"] == "archived"


def test_archived_is_critical_even_with_too_little_data_for_health(store):
    """Archived is decisive on its own: no git history, health unknown, the level still critical."""
    project, _ = registry.add(store, "acme/gone")
    store.execute("INSERT INTO github_repo_snapshots (project_id, collected_at, stars, archived)"
                  " VALUES (?, ?, 10, true)", [project.id, NOW - timedelta(days=1)])
    result = _score(store, project)
    assert result["health"] is None and result["health_reason"].startswith("insufficient data: git history")
    assert result["risk_level"] == "critical"


def test_end_of_life_after_a_final_release(store, make_repo):
    """pytorch/text shape: the README says the 0.18 release is the last one; after it only two CI
    chores by people. Two and a half years after the final release it is abandoned."""
    repo = make_repo()
    _history(repo, 2019, 2023, people=5)
    repo.commit("2024-04-16", files={"README.rst": "development is stopped"}, message="0.18 is the last release")
    repo.tag("v0.18.0", when="2024-04-20", annotated=True)
    repo.commit("2025-12-01", name="Infra", email="infra@pytorch.example.org", files={"ci.yml": "1"})
    repo.commit("2026-09-10", name="Infra", email="infra@pytorch.example.org", files={"ci.yml": "2"})
    result = _score(store, track(store, repo))
    _dead(result)
    assert result["maturity"] == "abandoned"
    assert {"abandoned", "no_release_18m"} <= {f["name"] for f in result["flags"]}


def _quarterly(repo, first_year: int, last: str) -> None:
    """A team releasing every quarter from `first_year` until the release dated `last`."""
    k = 0
    day = datetime(first_year, 1, 15)
    while day.strftime("%Y-%m-%d") < last:
        name, email = TEAM[k % 4]
        repo.commit(day.strftime("%Y-%m-%d"), name=name, email=email, files={f"src/q{k % 5}.py": str(k)})
        if k % 3 == 2:
            repo.tag(f"v0.{k}", when=day.strftime("%Y-%m-%dT12:00:00"), annotated=True)
        day += timedelta(days=30)
        k += 1
    repo.commit(last, files={"README.rst": "development is stopped"}, message="the last release")
    repo.tag("v0.final", when=last + "T12:00:00", annotated=True)


def test_end_of_life_is_seen_by_the_projects_own_rhythm(store, make_repo):
    """pytorch/text as of its snapshot (2025-09-13): it released every quarter, then its last
    release, 17 months before; since, two CI chores. Under 18 months, but five of its usual gaps
    late with next to no commits: it has stopped."""
    repo = make_repo()
    _quarterly(repo, 2021, "2024-04-20")
    repo.commit("2025-02-24", name="Infra", email="infra@pytorch.example.org", files={"ci.yml": "1"})
    repo.commit("2025-09-10", name="Infra", email="infra@pytorch.example.org", files={"ci.yml": "2"})
    result = _score(store, track(store, repo), datetime(2025, 9, 13))
    _dead(result)
    assert result["maturity"] == "abandoned" and "times its usual gap" in result["maturity_reason"]


def test_a_quiet_library_on_its_own_rhythm_is_not_abandoned(store, make_repo):
    """pyyaml as of 2023-03: two commits in a year, the last release 17 months before, but it
    released only every six months or so: under three of its gaps late. Not abandoned."""
    repo = make_repo()
    _history(repo, 2016, 2020, every_months=3)
    for when in ("2020-12-01", "2021-06-01", "2021-10-13"):
        repo.commit(when, name="Ann", email="ann@example.org", files={"lib.py": when})
        repo.tag(f"r{when}", when=when + "T12:00:00", annotated=True)
    repo.commit("2022-06-01", name="Bob", email="bob@corp.example.net", files={"lib.py": "fix"})
    repo.commit("2022-09-14", name="Cy", email="cy@uni.example.edu", files={"lib.py": "fix 2"})
    result = _score(store, track(store, repo), datetime(2023, 3, 15))
    _alive(result)
    assert result["maturity"] == "low-activity" and result["risk_level"] in ("low", "medium")


def test_mature_slow_library_is_neither_critical_nor_abandoned(store, make_repo):
    """six / idna shape: ten years old, a release a year, a handful of fixes by three people spread
    over the last year."""
    repo = make_repo()
    _history(repo, 2016, 2025, every_months=4)
    for k, day in enumerate(("2025-11-20", "2025-12-15", "2026-01-20", "2026-02-25", "2026-04-01",
                             "2026-05-12", "2026-06-30", "2026-08-04", "2026-09-15", "2026-10-02")):
        name, email = TEAM[k % 3]
        repo.commit(day, name=name, email=email, files={"src/fix.py": day})
    repo.tag("v11.0", when="2026-03-01", annotated=True)
    result = _score(store, track(store, repo))
    _alive(result)
    assert result["maturity"] == "mature-stable" and result["risk_level"] == "low"
    assert "about" not in result["subscores"]["release_cadence"]["reason"]  # three a year read as a count
    assert result["subscores"]["release_cadence"]["score"] >= 90  # slow but steady: not penalised


def test_clearly_alive_project(store, make_repo):
    """peft / fastapi shape: five people, commits in most weeks, a release a month."""
    repo = make_repo()
    _history(repo, 2023, 2024, people=5)
    day = datetime(2025, 11, 3)
    k = 0
    while day < NOW - timedelta(days=2):
        name, email = TEAM[k % 5]
        repo.commit(day.strftime("%Y-%m-%d"), name=name, email=email, files={f"src/f{k % 9}.py": str(k)})
        if k % 4 == 3:
            repo.tag(f"v3.{k}", when=day.strftime("%Y-%m-%dT12:00:00"), annotated=True)
        day += timedelta(days=7)
        k += 1
    result = _score(store, track(store, repo))
    _alive(result)
    assert result["maturity"] == "active" and result["risk_level"] == "low"
    assert result["health"] >= 60


def test_project_with_no_data(store):
    project, _ = registry.add(store, "acme/nothing")
    result = _score(store, project)
    assert result["health"] is None and result["risk_level"] == "unknown"
    assert result["health_reason"].startswith("insufficient data: git history, GitHub data not collected")
    assert result["funding_need"] is None and result["maturity"] is None


def test_declared_channels_alone_never_make_a_project_well_funded(store, make_repo):
    """PyGithub shape: FUNDING.yml names three people; nothing says money arrives."""
    repo = make_repo()
    _history(repo, 2022, 2026, people=4, every_months=1)
    repo.commit("2026-10-20", files={".github/FUNDING.yml": "github: [ann, bob, cy]\n"})
    project, _ = registry.add(store, "acme/lib", git_source=str(repo.path))
    outcomes = collect.collect(store, config.load(store.path), [project], ["git", "funding"], Progress(quiet=True))
    assert {o.source: o.status for o in outcomes}["funding"] in ("ok", "partial"), outcomes
    assert metrics.compute_all(store, project.id, NOW)["funding_channels_count"] == 3
    result = _score(store, project)
    funding = result["subscores"]["funding"]
    assert funding["score"] <= 25 and funding["reason"] == "declares 3 funding channels; money received unknown"
    assert result["funding_need"] is None and "income unknown" in result["funding_need_reason"]
    assert "well funded" not in result["funding_need_reason"]


@pytest.mark.parametrize("as_of", [datetime(2026, 11, 1), datetime(2028, 6, 1)])
def test_stale_git_data_judges_activity_as_of_its_date(store, make_repo, as_of):
    """A mirror dated 2025-06-01 (tracker.dataDate) of a project active until then, scored 17 and
    36 months later: its activity is judged as of its data, never as silence after it."""
    repo = make_repo()
    _history(repo, 2022, 2024, people=4, every_months=1)
    day = datetime(2024, 12, 2)
    for k in range(26):
        name, email = TEAM[k % 4]
        repo.commit((day + timedelta(days=7 * k)).strftime("%Y-%m-%d"), name=name, email=email,
                    files={f"s{k % 5}.py": str(k)})
    repo.tag("v9.0", when="2025-05-20", annotated=True)
    repo.git("config", "tracker.dataDate", "2025-06-01")
    project = track(store, repo)
    m = metrics.compute_all(store, project.id, as_of)
    assert m["git_data_at"] == datetime(2025, 6, 1)
    result = _score(store, project, as_of)
    _alive(result)
    assert result["maturity"] == "active"
    names = {f["name"] for f in result["flags"]}
    assert not names & {"abandoned", "no_commits_12m", "contributors_declining"}
    assert "git data is from 2025-06-01: activity judged as of that date" in result["subscores"]["activity"]["reason"]
    assert result["maturity_reason"].startswith("as of its git data of 2025-06-01: ")
    # Read as of the score's date instead, the months after the snapshot would count as silence:
    # what the rule prevents.
    naive = score_metrics(metrics.compute_all(store, project.id, as_of), weights_mod.shipped(), as_of)
    assert "no_commits_12m" in {f["name"] for f in naive["flags"]}
