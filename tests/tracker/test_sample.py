"""The bundled snapshot: `tracker sample build` from local mirrors (real git repositories made here,
a loopback PyPI), `tracker sample load`, and the snapshot shipped in data/sample/."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
from contextlib import redirect_stderr, redirect_stdout
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.conftest import block_network, clean_env
from tests.fakes.loopback import serve
from tests.fakes.pypi_server import PyPIHandler, PyPIState, package_doc, release_file
from tests.gitrepo import GitRepo
from tracker import metrics, registry
from tracker import sample as sample_mod
from tracker.cli import main
from tracker.config import REPO_ROOT
from tracker.readmodel import snapshot
from tracker.runs import utcnow
from tracker.store import Store

EMAIL = re.compile(sample_mod.EMAIL.pattern)
MIRROR_DATE = datetime(2025, 6, 30, 12, 0, 0)          # the rocket mirror's snapshot (packed-refs mtime)
LEGACY_DATE = datetime(2023, 3, 1, 8, 30, 0)


def mirror_of(repo: GitRepo, mirrors: Path, name: str, taken: datetime) -> Path:
    """A bare mirror at MIRRORS/OWNER+NAME/repo, its packed-refs dated `taken` (as the snapshots are)."""
    target = mirrors / name.replace("/", "+") / "repo"
    target.parent.mkdir(parents=True)
    subprocess.run(["git", "clone", "-q", "--mirror", str(repo.path), str(target)], check=True)
    subprocess.run(["git", "-C", str(target), "pack-refs", "--all"], check=True)
    stamp = taken.replace(tzinfo=UTC).timestamp()
    os.utime(target / "packed-refs", (stamp, stamp))
    return target


def make_portfolio(root: Path) -> dict:
    """Two mirrored projects (one under the name it had before a rename), one without a mirror, under `root`."""
    rocket = GitRepo(root / "rocket")
    people = [("Ann", "ann@acme.com"), ("Bob", "bob@gmail.com"), ("Cy", "cy@acme.com")]
    day = datetime(2025, 1, 6)
    for i in range(24):
        name, email = people[i % 3]
        when = (day + timedelta(days=7 * i)).isoformat()
        files = {f"src/m{i % 5}.py": f"x = {i}\n"}
        if i == 0:
            files = {**files, ".github/FUNDING.yml": "github: [ann]\nopen_collective: rocket\n",
                     "CONTRIBUTING.md": "Write to maintainers@acme.com first.\n", "old.txt": "gone soon\n"}
        rocket.commit(when, name=name, email=email, files=files,
                      delete=["old.txt"] if i == 5 else None)
        if i in (8, 20):
            rocket.tag(f"v1.{i}")
    rocket.git("mv", "src/m4.py", "src/core.py")      # a rename: the truck factor follows it back
    rocket.commit("2025-05-30", name="Cy", email="cy@acme.com")
    rocket.commit("2025-06-01", name="dependabot[bot]", email="49699333+dependabot[bot]@users.noreply.github.com",
                  files={"requirements.txt": "x==1\n"})
    quiet = GitRepo(root / "quiet")
    for i in range(4):
        quiet.commit(f"2022-0{i + 1}-10", name="Dee", email="dee@uni.example.edu")
    mirrors = root / "mirrors"
    mirror_of(rocket, mirrors, "acme/rocket", MIRROR_DATE)
    mirror_of(quiet, mirrors, "old/quiet-legacy", LEGACY_DATE)
    projects = root / "projects.yaml"
    projects.write_text(
        "projects:\n"
        "  - {repo: acme/rocket, name: Rocket, pypi: rocket-pkg, category: inference}\n"
        "  - {repo: new/quiet, name: Quiet, category: nlp, formerly: old/quiet-legacy}\n"
        "  - {repo: gone/nomirror, name: No mirror, category: nlp}\n", encoding="utf-8")
    grants = root / "grants.csv"
    grants.write_text(
        "funder,program,recipient_project,recipient_repo,amount,currency,awarded_on,period_months,kind,"
        "source_url,note\n"
        "Sovereign Tech Fund,STF,Rocket,acme/rocket,50000,EUR,2025-02-01,12,grant,https://example.org/stf,\n",
        encoding="utf-8")
    return {"mirrors": mirrors, "projects": projects, "grants": grants, "rocket": rocket, "tmp": root}


@pytest.fixture
def portfolio(tmp_path):
    """The portfolio of a test that changes it (its own copy)."""
    return make_portfolio(tmp_path)


def pypi_state() -> PyPIState:
    state = PyPIState()
    state.packages["rocket-pkg"] = package_doc(
        "rocket-pkg", "1.1", {"Source": "https://github.com/acme/rocket"},
        {"1.0": [release_file("1.0", "2025-03-01T10:00:00Z")], "1.1": [release_file("1.1", "2025-09-01T10:00:00Z")]})
    return state


@pytest.fixture
def pypi(monkeypatch):
    state = pypi_state()
    with serve(PyPIHandler, state) as url:
        monkeypatch.setenv("PYPI_URL", url)
        yield state


def build(cli, portfolio, out: Path, *extra: str):
    return cli("sample", "build", "--out", str(out), "--mirrors", str(portfolio["mirrors"]),
               "--projects", str(portfolio["projects"]), "--grants", str(portfolio["grants"]), *extra)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The portfolio and the snapshot `tracker sample build` makes of it, built once for the tests that
    only read them (each loads its own copy: see `snapshot_copy`). The build's own database is a
    scratch file (`sample build` never writes to --db)."""
    root = tmp_path_factory.mktemp("built")
    found = make_portfolio(root)
    out = root / "sample"
    with pytest.MonkeyPatch.context() as mp, serve(PyPIHandler, pypi_state()) as url:
        # set up before the autouse fixtures: the same isolation they give a test, done here
        block_network(mp)
        clean_env(mp, root)
        mp.setenv("PYPI_URL", url)
        stdout, stderr = io.StringIO(), io.StringIO()
        with redirect_stdout(stdout), redirect_stderr(stderr):
            code = main(["--db", str(root / "unused.duckdb"), "sample", "build", "--out", str(out),
                         "--mirrors", str(found["mirrors"]), "--projects", str(found["projects"]),
                         "--grants", str(found["grants"])])
    assert code == 0, stderr.getvalue()
    assert not (root / "unused.duckdb").exists()
    return {**found, "out": out, "stdout": stdout.getvalue()}


def snapshot_copy(built: dict, tmp_path: Path) -> Path:
    """A test's own copy of the built snapshot (some tests change its files)."""
    return Path(shutil.copytree(built["out"], tmp_path / "sample"))


def parquet_rows(path: Path, sql: str = "SELECT * FROM t") -> list[tuple]:
    con = duckdb.connect()
    con.execute(f"CREATE VIEW t AS SELECT * FROM read_parquet('{path}')")
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def text_values(directory: Path) -> list[tuple[str, str, str]]:
    """(file, column, value) of every text cell of every table of a snapshot."""
    found = []
    con = duckdb.connect()
    try:
        for path in sorted(directory.glob("*.parquet")):
            columns = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()
            for column, kind, *_ in columns:
                if kind in ("VARCHAR", "JSON"):
                    for (value,) in con.execute(f"SELECT DISTINCT \"{column}\"::VARCHAR FROM read_parquet('{path}')"
                                                f" WHERE \"{column}\" IS NOT NULL").fetchall():
                        found.append((path.name, column, value))
    finally:
        con.close()
    return found


def test_build_reads_mirrors_dates_each_project_and_keeps_no_email(built):
    out = built["out"]
    assert f"written to {out}: 3 projects (2 with git history, data dates 2023-03-01 to 2025-06-30)" in built["stdout"]
    manifest = json.loads((out / "manifest.json").read_text())
    by_repo = {p["repo"]: p for p in manifest["projects"]}
    assert by_repo["acme/rocket"]["git_from"] == "mirror"
    assert by_repo["acme/rocket"]["data_at"] == "2025-06-30T12:00:00Z"          # the mirror's packed-refs
    assert by_repo["new/quiet"]["data_at"] == "2023-03-01T08:30:00Z"            # found under its former name
    assert by_repo["gone/nomirror"]["git_from"] is None and by_repo["gone/nomirror"]["data_at"] is None
    assert set(by_repo["acme/rocket"]["sources"]) == {"git", "funding", "pypi"}
    assert by_repo["acme/rocket"]["sources"]["funding"] == "2025-06-30T12:00:00Z"   # read from the mirror's files
    assert [(f["source"], f["project"]) for f in manifest["collection_failures"]] == [("git", "gone/nomirror")]
    assert manifest["bytes"] == sum(t["bytes"] for t in manifest["tables"].values())

    # No e-mail address anywhere; pseudonyms keep what metrics read (organisation domain, identity).
    cells = text_values(out)
    assert [c for c in cells if EMAIL.search(c[2])] == []
    emails = {v for f, c, v in cells if f == "git_commits.parquet" and c == "author_email"}
    assert all(re.fullmatch(r"\d{7} @[a-z0-9.-]*", e) for e in emails)
    assert {e.split("@")[1] for e in emails} == {"acme.com", "uni.example.edu", ""}   # free mail and bots: none
    keys = parquet_rows(out / "git_commits.parquet",
                        "SELECT project, count(DISTINCT author_key) FROM t GROUP BY ALL ORDER BY 1")
    assert keys == [("acme/rocket", 4), ("new/quiet", 1)]                           # 3 people and the bot
    assert all(k.startswith("person:") for f, c, k in cells if c == "author_key")
    files = {v for f, c, v in cells if f == "repo_files.parquet" and c == "content"}
    assert files == {"github: [ann]\nopen_collective: rocket\n"}                    # only funding files keep content
    # Only the truck factor's inputs among the paths: old.txt was deleted, the bot's file is not a person's.
    paths = {v for f, c, v in cells if f == "git_commit_files.parquet" and c == "path"}
    assert "old.txt" not in paths and "requirements.txt" not in paths and "src/m0.py" in paths
    assert {"src/core.py", "src/m4.py"} <= paths        # a renamed file's life before the rename too
    renamed = parquet_rows(out / "git_commit_files.parquet", "SELECT path, old_path FROM t WHERE change = 'R'")
    assert renamed == [("src/core.py", "src/m4.py")]


def test_loaded_snapshot_gives_the_metrics_of_a_direct_collection(cli, built, pypi, tmp_path, db_path):
    portfolio = built
    out = snapshot_copy(built, tmp_path)
    loaded = cli("sample", "load", "--dir", str(out))
    assert loaded.code == 0, loaded.err
    assert "3 projects" in loaded.out and "data dates 2023-03-01 to 2025-06-30" in loaded.out

    direct_db = tmp_path / "direct.duckdb"
    with Store.open(direct_db) as direct:
        registry.add(direct, "acme/rocket", git_source=str(portfolio["mirrors"] / "acme+rocket" / "repo"),
                     pypi_package="rocket-pkg")
    for args in (("collect", "--source", "git", "--source", "funding", "--source", "pypi"),
                 ("grants", "import", str(portfolio["grants"]))):
        assert cli("--db", str(direct_db), *args).code in (0, 1)
    with Store.open(direct_db) as direct, Store.open(db_path, read_only=True) as snap:
        a = metrics.compute_all(direct, registry.get(direct, "acme/rocket").id, MIRROR_DATE)
        b = metrics.compute_all(snap, registry.get(snap, "acme/rocket").id, MIRROR_DATE)
        assert json.loads(json.dumps(a, default=str)) == json.loads(json.dumps(b, default=str))
        # and by hand: 26 commits (24, the rename, the bot's); 2 of the 3 people write from
        # acme.com, so one organisation carries half the year's human commits; the bot is no contributor
        assert b["commits_total"] == 26 and b["contributors_total"] == 3
        assert b["elephant_factor_365d"] == 1 and b["tags_total"] == 2


def test_load_marks_projects_bundled_and_dates_their_scores(cli, built, tmp_path, db_path):
    out = snapshot_copy(built, tmp_path)
    assert cli("sample", "load", "--dir", str(out)).code == 0
    with Store.open(db_path) as store:
        rocket = registry.get(store, "acme/rocket").id
        quiet = registry.get(store, "new/quiet").id
        assert store.all("SELECT project_id, data_at, git_from, still_bundled FROM bundled_projects ORDER BY 1") \
            == sorted([(rocket, MIRROR_DATE, "mirror", True), (quiet, LEGACY_DATE, "mirror", True),
                       (registry.get(store, "gone/nomirror").id, None, None, True)])
        # scored as of its data date, and the freshness says that date (the synthesised runs)
        assert store.scalar("SELECT computed_at FROM latest_scores WHERE project_id = ?", [rocket]) == MIRROR_DATE
        assert store.scalar("SELECT data_as_of FROM project_freshness WHERE project_id = ?", [rocket]) == MIRROR_DATE
        assert store.scalar("SELECT health FROM latest_scores WHERE project_id = ?", [rocket]) is not None
        hosts = {h for (h,) in store.all("SELECT DISTINCT host FROM collection_runs")}
        assert hosts == {"bundled snapshot"}
        now = utcnow()
        assert snapshot.score_dates(store, [rocket, quiet], now) == {rocket: MIRROR_DATE, quiet: LEGACY_DATE}
        summary = snapshot.summary(store)
        assert (summary["projects"], summary["still_bundled"], summary["data_from"], summary["data_to"]) == \
            (3, 3, LEGACY_DATE, MIRROR_DATE)
    rescored = cli("score")                        # `tracker score` keeps each project on its data date
    assert rescored.code == 0, rescored.err
    with Store.open(db_path) as store:
        assert store.all("SELECT DISTINCT computed_at FROM scores WHERE project_id = ?", [rocket]) == [(MIRROR_DATE,)]
        now = utcnow()
        # a fresh git collection replaces the snapshot for that project only
        store.execute("INSERT INTO collection_runs (source, project_id, started_at, finished_at, status)"
                      " VALUES ('git', ?, ?, ?, 'ok')", [rocket, now, now])
        assert snapshot.score_dates(store, [rocket, quiet], now) == {rocket: now, quiet: LEGACY_DATE}
        assert snapshot.project_origin(store, "acme/rocket")["bundled"] is False
        assert snapshot.summary(store)["replaced"] == 1
    again = cli("sample", "load", "--dir", str(out))
    assert again.code == 1 and "only loaded into an empty database" in again.err


def test_the_snapshot_holds_collected_data_and_the_loader_scores_it(cli, built, tmp_path, db_path):
    """Scores are never frozen in the snapshot: a later tracker's metrics and judging apply to the
    bundled projects on load (a scores file left in an older snapshot is ignored)."""
    out = snapshot_copy(built, tmp_path)
    manifest = json.loads((out / "manifest.json").read_text())
    assert "scores" not in manifest["tables"] and not (out / "scores.parquet").exists()
    # an older snapshot's scores file, with numbers no scoring gives: not loaded
    con = duckdb.connect()
    con.execute(f"COPY (SELECT 'acme/rocket' AS project, TIMESTAMP '2020-01-01' AS computed_at, 1.5 AS health)"
                f" TO '{out / 'scores.parquet'}' (FORMAT parquet)")
    con.close()
    manifest["tables"]["scores"] = {"rows": 1, "bytes": (out / "scores.parquet").stat().st_size}
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    loaded = cli("sample", "load", "--dir", str(out))
    assert loaded.code == 0, loaded.err
    assert "3 scored as of their data dates" in loaded.out
    built_at = datetime.fromisoformat(manifest["built_at"].replace("Z", ""))
    with Store.open(db_path, read_only=True) as store:
        assert store.scalar("SELECT count(*) FROM scores WHERE health = 1.5 OR computed_at < '2021-01-01'") == 0
        dated = dict(store.all("SELECT p.slug, s.computed_at FROM latest_scores s JOIN projects p ON p.id = s.project_id"))
        before = dict(store.all("SELECT p.slug, s.health FROM latest_scores s JOIN projects p ON p.id = s.project_id"))
    # each as of its data date; without a git history, as of the day the snapshot was built
    assert dated == {"acme/rocket": MIRROR_DATE, "new/quiet": LEGACY_DATE, "gone/nomirror": built_at}
    assert before["acme/rocket"] is not None
    rescored = cli("score")          # what the loader computed is what `tracker score` computes
    assert rescored.code == 0, rescored.err
    with Store.open(db_path, read_only=True) as store:
        after = dict(store.all("SELECT p.slug, s.health FROM latest_scores s JOIN projects p ON p.id = s.project_id"))
        assert store.scalar("SELECT count(*) FROM scores") == 3        # the same dates: replaced, not added
    assert after == before


def test_rebuilds_replace_the_snapshot_only_when_they_succeed(cli, portfolio, pypi, tmp_path):
    out = tmp_path / "sample"
    (tmp_path / "sample.new").mkdir()            # left by a build that was killed
    (tmp_path / "sample.new" / "junk.parquet").write_text("x")
    assert build(cli, portfolio, out).code == 0
    assert not (tmp_path / "sample.new").exists() and not (out / "junk.parquet").exists()
    before = (out / "manifest.json").read_text()
    portfolio["projects"].write_text("projects: [{repo: 'not a repo'}]\n", encoding="utf-8")
    failed = build(cli, portfolio, out)
    assert failed.code == 2 and "expected OWNER/REPO" in failed.err
    assert (out / "manifest.json").read_text() == before
    portfolio["projects"].write_text("projects: [{repo: acme/rocket, pypi: rocket-pkg}]\n", encoding="utf-8")
    assert build(cli, portfolio, out).code == 0    # re-runnable: the same command again
    assert [p["repo"] for p in json.loads((out / "manifest.json").read_text())["projects"]] == ["acme/rocket"]


def test_info_lists_each_project_with_its_data_date(cli, built, tmp_path):
    info = cli("sample", "info", "--dir", str(built["out"]))
    assert info.code == 0
    row = next(line for line in info.out.splitlines() if line.startswith("acme/rocket"))
    assert "mirror" in row and "2025-06-30" in row and "funding, git, pypi" in row
    assert "bundled snapshot of" in info.err
    missing = cli("sample", "info", "--dir", str(tmp_path / "nothing"))
    assert missing.code == 1 and "no bundled snapshot" in missing.err


# -- the snapshot the project ships ----------------------------------------------------------------
SHIPPED = REPO_ROOT / "data" / "sample"
SEEDS = {"meta-llama/llama3", "mistralai/mistral-inference", "Stability-AI/generative-models"}


def test_shipped_snapshot_covers_the_curated_list_small_and_without_email():
    manifest = sample_mod.read_manifest(SHIPPED)
    curated = {e["repo"] for e in registry.load_list(REPO_ROOT / "data" / "projects.yaml")}
    assert {p["repo"] for p in manifest["projects"]} == curated     # rebuilt after the list changed
    size = sum(p.stat().st_size for p in SHIPPED.iterdir())
    assert size < 5_000_000
    assert [c for c in text_values(SHIPPED) if EMAIL.search(c[2])] == []
    assert not (SHIPPED / "scores.parquet").exists()                # scores are computed on load
    dated = {p["repo"]: p["data_at"] for p in manifest["projects"]}
    assert all(dated[p] is not None for p in SEEDS)                 # each scored as of its own data date


def test_shipped_snapshot_loads_into_an_empty_database(tmp_path):
    with Store.open(tmp_path / "t.duckdb") as store:
        summary = sample_mod.load(store)
        assert summary["projects"] == len(registry.all_projects(store)) >= 40
        scored = store.all("SELECT p.slug FROM latest_scores s JOIN projects p ON p.id = s.project_id"
                           " WHERE s.health IS NOT NULL AND s.coverage > 0")
        with_health = {slug for (slug,) in scored}
        assert summary["scored"] == summary["projects"] and summary["score_failures"] == []
        assert len(with_health) >= 30 and SEEDS <= with_health
        assert store.scalar("SELECT count(*) FROM git_commits WHERE author_email LIKE '%@%.%@%'") == 0
