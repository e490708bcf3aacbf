"""The funding collector: manifests from real git repositories, GitHub's tables when present."""

from __future__ import annotations

import io
import json
import os
from datetime import datetime
from pathlib import Path

from tracker import collect, config, registry
from tracker.metrics import compute_all
from tracker.metrics import funding as funding_metrics
from tracker.progress import Progress

EXAMPLES = Path(__file__).resolve().parent.parent / "data" / "funding_examples"

# The GitHub branch's tables, with exactly the DDL of CONTRACTS.md, to simulate its data.
GITHUB_DDL = """
CREATE TABLE github_sponsors (
    project_id INTEGER NOT NULL, collected_at TIMESTAMP NOT NULL,
    owner_login VARCHAR, owner_type VARCHAR,
    has_sponsors_listing BOOLEAN, sponsors_count INTEGER,
    goal_kind VARCHAR, goal_target_value INTEGER, goal_percent_complete INTEGER, goal_title VARCHAR,
    tiers JSON,
    PRIMARY KEY (project_id, collected_at));
CREATE TABLE github_funding_links (
    project_id INTEGER NOT NULL, platform VARCHAR NOT NULL, url VARCHAR NOT NULL,
    collected_at TIMESTAMP NOT NULL, PRIMARY KEY (project_id, platform, url));
"""


def run(store, db_path, projects, sources):
    err = io.StringIO()
    outcomes = collect.collect(store, config.load(db_path), projects, sources, Progress(stream=err, quiet=True))
    return outcomes, err.getvalue()


def make_project(store, make_repo, files, slug="openssl/openssl", name="repo"):
    repo = make_repo(name)
    repo.commit("2024-01-01", files=files)
    project, _ = registry.add(store, slug, git_source=str(repo.path))
    return project, repo


def channel_rows(store, project_id):
    return store.all("SELECT source, platform, account, url FROM funding_channels WHERE project_id = ?"
                     " ORDER BY source, platform, ref", [project_id])


def test_manifests_from_head_become_channels_plans_and_problems(store, db_path, make_repo):
    project, _ = make_project(store, make_repo, {
        ".github/FUNDING.yml": (EXAMPLES / "numpy-2022.FUNDING.yml").read_text() + "otechie: someone\n",
        "funding.json": (EXAMPLES / "openssl.funding.json").read_text(),
    })
    outcomes, _ = run(store, db_path, [project], ["git", "funding"])
    assert [o.status for o in outcomes] == ["ok", "ok"]
    assert channel_rows(store, project.id) == [
        ("funding_json", "bank", None, None),
        ("funding_json", "github", "openssl", "https://github.com/sponsors/openssl"),
        ("funding_yml", "custom", None, "https://numpy.org/about#donate"),
        ("funding_yml", "open_collective", "numpy", "https://opencollective.com/numpy"),
        ("funding_yml", "tidelift", "pypi/numpy", "https://tidelift.com/funding/github/pypi/numpy"),
    ]
    manifests = {r[0]: r[1:] for r in store.all(
        "SELECT path, status, version, channels, problems, unknown_keys FROM funding_manifests WHERE project_id = ?",
        [project.id])}
    assert manifests[".github/FUNDING.yml"][:3] == ("ok", None, 3)
    assert json.loads(manifests[".github/FUNDING.yml"][4]) == {"otechie": "someone"}
    assert manifests["funding.json"][:3] == ("ok", "v1.0.0", 2)
    assert json.loads(manifests["funding.json"][3]) == ["plan status 'Active' read as 'active' (6 times)"]
    assert store.scalar("SELECT count(*) FROM funding_plans WHERE project_id = ? AND status = 'active'",
                        [project.id]) == 6

    # a rerun changes nothing and duplicates nothing
    before = channel_rows(store, project.id)
    run(store, db_path, [project], ["funding"])
    assert channel_rows(store, project.id) == before
    assert store.scalar("SELECT count(*) FROM funding_plans WHERE project_id = ?", [project.id]) == 6

    m = compute_all(store, project.id, datetime(2025, 1, 1))
    assert m["funding_channels_count"] == 5
    assert m["funding_platforms"] == ["bank", "custom", "github", "open_collective", "tidelift"]


def test_hostile_manifests_are_recorded_and_never_stop_the_run(store, db_path, make_repo):
    bomb = "a: &a [x, x]\nb: &b [*a, *a]\ngithub: *b\n"
    project, _ = make_project(store, make_repo, {".github/FUNDING.yml": bomb, "funding.json": '{"a": [1, 2'})
    outcomes, err = run(store, db_path, [project], ["git", "funding"])
    assert [o.status for o in outcomes] == ["ok", "ok"]
    rows = dict(store.all("SELECT path, status FROM funding_manifests WHERE project_id = ?", [project.id]))
    assert rows == {".github/FUNDING.yml": "invalid", "funding.json": "invalid"}
    assert "aliases" in err and "not valid JSON" in err
    assert channel_rows(store, project.id) == []
    assert compute_all(store, project.id, datetime(2025, 1, 1))["funding_channels_count"] == 0


def test_symbolic_link_funding_yml_is_followed(store, db_path, make_repo):
    repo = make_repo("linked")
    repo.commit("2024-01-01", files={"docs/FUNDING.yml": "github: [octo]\n"})
    os.makedirs(repo.path / ".github", exist_ok=True)
    os.symlink("../docs/FUNDING.yml", repo.path / ".github" / "FUNDING.yml")
    repo.git("add", ".github/FUNDING.yml")
    repo.commit("2024-01-02")
    project, _ = registry.add(store, "octo/linked", git_source=str(repo.path))
    run(store, db_path, [project], ["git", "funding"])
    assert channel_rows(store, project.id) == [("funding_yml", "github", "octo", "https://github.com/sponsors/octo")]


def test_github_tables_and_projects_yaml_are_merged_and_deduplicated(store, db_path, make_repo):
    project, _ = make_project(store, make_repo, {".github/FUNDING.yml": "github: [tiangolo]\n"}, slug="tiangolo/fastapi")
    registry.add(store, "tiangolo/fastapi", opencollective_slug="fastapi")
    project = registry.get(store, "tiangolo/fastapi")
    store.execute(GITHUB_DDL)
    now = datetime(2025, 1, 1)
    store.execute("INSERT INTO github_funding_links VALUES (?, 'GITHUB', 'https://github.com/tiangolo', ?),"
                  " (?, 'CUSTOM', 'https://fastapi.example/sponsor', ?), (?, 'CUSTOM', 'javascript:alert(1)', ?)",
                  [project.id, now, project.id, now, project.id, now])
    tiers = [{"name": "$5 a month", "monthly_price_usd": 5, "is_one_time": False},
             {"name": "One-time $100", "monthly_price_usd": 100, "is_one_time": True}, "junk"]
    store.execute("INSERT INTO github_sponsors (project_id, collected_at, owner_login, owner_type,"
                  " has_sponsors_listing, sponsors_count, tiers) VALUES (?, ?, 'tiangolo', 'User', true, 321, ?)",
                  [project.id, now, json.dumps(tiers)])
    outcomes, _ = run(store, db_path, [project], ["git", "funding"])
    assert all(o.status == "ok" for o in outcomes)
    assert channel_rows(store, project.id) == [
        ("funding_yml", "github", "tiangolo", "https://github.com/sponsors/tiangolo"),
        ("github_funding_links", "custom", None, "https://fastapi.example/sponsor"),
        ("github_funding_links", "github", "tiangolo", "https://github.com/tiangolo"),
        ("github_sponsors", "github", "tiangolo", "https://github.com/sponsors/tiangolo"),
        ("projects_yaml", "open_collective", "fastapi", "https://opencollective.com/fastapi"),
    ]
    assert store.all("SELECT guid, name, amount, currency, frequency FROM funding_plans ORDER BY guid") == [
        ("github-sponsors/1", "$5 a month", 5.0, "USD", "monthly"),
        ("github-sponsors/2", "One-time $100", 100.0, "USD", "one-time")]
    got = funding_metrics.compute(store, project.id, now, {"sponsors_count": 321})
    # tiangolo named by FUNDING.yml, fundingLinks and the Sponsors listing is one channel
    assert got["funding_channels_count"] == 3
    assert got["funding_platforms"] == ["custom", "github", "open_collective"]


def test_works_without_git_data_or_github_tables(store, db_path):
    project, _ = registry.add(store, "numpy/numpy", opencollective_slug="numpy")
    assert funding_metrics.compute(store, project.id, datetime(2025, 1, 1), {})["funding_channels_count"] is None
    outcomes, err = run(store, db_path, [project], ["funding"])
    assert outcomes[0].status == "ok"
    assert "collect the git source first" in err
    assert channel_rows(store, project.id) == [("projects_yaml", "open_collective", "numpy",
                                                "https://opencollective.com/numpy")]


def test_remove_deletes_funding_rows(store, db_path, make_repo):
    project, _ = make_project(store, make_repo, {".github/FUNDING.yml": "github: octo\n"})
    run(store, db_path, [project], ["git", "funding"])
    _, deleted = registry.remove(store, project.slug)
    assert deleted["funding_channels"] == 1 and deleted["funding_manifests"] == 1
