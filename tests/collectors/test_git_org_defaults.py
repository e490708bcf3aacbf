"""Default community health files from the owner's `.github` repository, end to end through a
`file://` forge of bare repositories (GITHUB_SERVER_URL), with the real files of pallets/.github,
numpy/.github and fastapi/.github (tests/data/org_defaults/README.md), and GitHub's contents API
(a loopback fake) when git cannot reach the `.github` repository."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from collectors.git.org_defaults import FAILED, FOUND, NONE, GitSession, lookup
from tests.fakes.github_server import FakeClock, FakeGitHub, FakeRepo
from tests.gitrepo import GitRepo
from tracker import collect, registry
from tracker.collect import RunSession
from tracker.config import Config, load
from tracker.progress import Progress

DATA = Path(__file__).resolve().parents[1] / "data" / "org_defaults"
NOW = "2026-11-01"


class Forge:
    """A folder of bare repositories OWNER/NAME.git, served to git as file://ROOT."""

    def __init__(self, root: Path):
        self.root = root
        self.url = f"file://{root}"

    def publish(self, owner: str, name: str, files: dict[str, str], when: str = "2026-01-01") -> GitRepo:
        """Commit `files` in a work repository and (re)publish it as the bare OWNER/NAME.git."""
        work = self.root.parent / "work" / owner / name
        repo = GitRepo(work) if not (work / ".git").exists() else _reopen(work)
        repo.commit(when, "Ann Smith", "ann@acme.com", files=files)
        bare = self.root / owner / f"{name}.git"
        if bare.exists():
            repo.git("push", "-q", "--force", str(bare), "main")
        else:
            bare.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(["git", "clone", "-q", "--bare", str(work), str(bare)], check=True)
            subprocess.run(["git", "-C", str(bare), "config", "uploadpack.allowFilter", "true"], check=True)
        return repo


def _reopen(path: Path) -> GitRepo:
    repo = GitRepo.__new__(GitRepo)
    repo.path = path
    return repo


def org_files(owner: str) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in (DATA / owner).iterdir()}


@pytest.fixture
def forge(tmp_path, monkeypatch) -> Forge:
    forge = Forge(tmp_path / "forge")
    monkeypatch.setenv("GITHUB_SERVER_URL", forge.url)
    # pallets/.github as published: its files at the root, plus what is not a health file
    forge.publish("pallets", ".github", {**org_files("pallets"), "Nid sarvar cppy": "stray\n",
                                         "workflow-templates/lock.properties.json": "{}\n"})
    # numpy/.github: a profile README besides its health files
    forge.publish("numpy", ".github", {**org_files("numpy"), "profile/README.md": "NumPy\n"})
    forge.publish("fastapi", ".github", {**org_files("fastapi"), ".github/pull_request_template.md": "x\n"})
    # the projects: flask keeps its own docs/contributing.rst; numpy its .github/CONTRIBUTING.md;
    # fastapi removed its own files; acme has no .github repository at all
    forge.publish("pallets", "flask", {"README.md": "Flask\n", "LICENSE.txt": "BSD\n",
                                       "docs/contributing.rst": "Contributing\n============\n",
                                       "docs/web-security.rst": "Security considerations\n"})
    forge.publish("pallets", "click", {"README.md": "Click\n", "SECURITY.md": "click's own policy\n"})
    forge.publish("numpy", "numpy", {"README.md": "NumPy\n", "LICENSE.txt": "BSD\n",
                                     ".github/CONTRIBUTING.md": "numpy's own guide\n"})
    forge.publish("fastapi", "fastapi", {"README.md": "FastAPI\n", "LICENSE": "MIT\n"})
    forge.publish("acme", "widget", {"README.md": "Widget\n", "SECURITY.md": "acme's policy\n"})
    return forge


def files_of(store, slug: str) -> dict[str, tuple[str, str | None]]:
    """The governance and funding files stored for `slug` (the README, read for a deprecation notice
    and never an organisation default, is left out)."""
    pid = registry.get(store, slug).id
    return {kind: (path, source) for kind, path, source in store.all(
        "SELECT kind, path, source_repo FROM repo_files WHERE project_id = ? AND kind <> 'readme'"
        " ORDER BY kind, path", [pid])}


def report(cli, slug: str) -> dict:
    r = cli("report", slug, "--format", "json", "--as-of", NOW)
    assert r.code == 0, r.err
    return r.json()


def test_forge_end_to_end(forge, cli, store, tmp_path):
    for slug in ("pallets/flask", "pallets/click", "numpy/numpy", "fastapi/fastapi", "acme/widget"):
        assert cli("add", slug).code == 0
    r = cli("collect", "--source", "git")
    assert r.code == 0, r.err
    assert "warning" not in r.err                                  # acme without .github: quiet
    # one clone per owner in the cache, read once per run for both pallets projects
    cache = tmp_path / "git-cache"
    assert sorted(p.name for p in cache.iterdir() if ".github" in p.name) == [   # acme has none
        "fastapi+.github.git", "numpy+.github.git", "pallets+.github.git"]
    assert r.err.count(f"cloning {forge.url}/pallets/.github.git") == 1
    assert "pallets/.github: already read in this run" in r.err

    assert files_of(store, "pallets/flask") == {
        "contributing": ("docs/contributing.rst", None),            # its own file wins, in docs/
        "funding_yml": ("FUNDING.yml", "pallets/.github"),
        "license": ("LICENSE.txt", None),
        "security": ("SECURITY.md", "pallets/.github"),
        "support": ("SUPPORT.md", "pallets/.github"),
    }
    assert files_of(store, "pallets/click")["security"] == ("SECURITY.md", None)
    assert files_of(store, "numpy/numpy") == {
        "code_of_conduct": ("CODE_OF_CONDUCT.md", "numpy/.github"),
        "contributing": (".github/CONTRIBUTING.md", None),
        "funding_yml": ("FUNDING.yml", "numpy/.github"),
        "license": ("LICENSE.txt", None),
        "security": ("SECURITY.md", "numpy/.github"),
    }
    assert files_of(store, "fastapi/fastapi") == {
        "funding_yml": ("FUNDING.yml", "fastapi/.github"), "license": ("LICENSE", None),
        "security": ("SECURITY.md", "fastapi/.github")}
    assert files_of(store, "acme/widget") == {"security": ("SECURITY.md", None)}
    content = store.scalar("SELECT content FROM repo_files WHERE source_repo = 'pallets/.github' AND kind = 'security'")
    assert content == (DATA / "pallets" / "SECURITY.md").read_text(encoding="utf-8")
    counters = {json.loads(c)["org_defaults"] for (c,) in store.all(
        "SELECT counters FROM collection_runs WHERE source = 'git'")}
    assert counters == {"found", "none"}

    # funding: the organisation's FUNDING.yml gives the channels
    r = cli("collect", "--source", "funding")
    assert r.code == 0, r.err
    flask = report(cli, "pallets/flask")["metrics"]
    assert flask["funding_channels_count"] == 3 and flask["funding_platforms"] == ["custom", "github", "tidelift"]
    assert flask["org_default_files"] == ["funding_yml", "security", "support"]
    assert flask["repo_files"] == ["contributing", "funding_yml", "license", "security", "support"]
    numpy = report(cli, "numpy/numpy")["metrics"]
    assert numpy["funding_platforms"] == ["custom", "open_collective", "tidelift"]
    assert report(cli, "fastapi/fastapi")["metrics"]["funding_platforms"] == ["github"]
    assert report(cli, "acme/widget")["metrics"]["org_default_files"] == []
    sources = {s for (s,) in store.all("SELECT DISTINCT source FROM funding_channels")}
    assert sources == {"org_funding_yml"}
    assert store.scalar("SELECT path FROM funding_manifests WHERE project_id = ?",
                        [registry.get(store, "pallets/flask").id]) == "pallets/.github/FUNDING.yml"

    # scored: the hygiene reason says where the security policy came from; the text report too
    assert cli("score", "--as-of", NOW).code == 0
    hygiene = report(cli, "pallets/flask")["scores"]["subscores"]["hygiene"]
    assert "security policy (from the organisation's .github repository)" in hygiene["reason"]
    assert hygiene["inputs"]["has_security_from"] == "the organisation's .github repository"
    text = cli("report", "pallets/flask", "--as-of", NOW).out
    assert "from the organisation's .github repository" in text
    assert "org_default_files" in text and "funding_yml, security, support" in text


def test_next_run_refreshes_the_org_repository_and_own_files_take_over(forge, cli, store):
    cli("add", "pallets/flask")
    assert cli("collect", "--source", "git").code == 0
    forge.publish("pallets", ".github", {"SECURITY.md": "new policy\n"}, when="2026-02-01")
    r = cli("collect", "--source", "git")
    assert r.code == 0 and f"fetching {forge.url}/pallets/.github.git" in r.err
    assert store.scalar("SELECT content FROM repo_files WHERE kind = 'security'") == "new policy\n"
    # the project gets its own SECURITY.md (in .github/): the organisation's is no longer used
    forge.publish("pallets", "flask", {".github/SECURITY.md": "flask's own\n"}, when="2026-03-01")
    assert cli("collect", "--source", "git").code == 0
    assert files_of(store, "pallets/flask")["security"] == (".github/SECURITY.md", None)


def test_projects_read_from_a_path_do_not_look_the_owner_up(forge, cli, store):
    """`--git PATH` is read offline: no clone of the owner's .github, the part is skipped."""
    cli("add", "pallets/flask", "--git", str(forge.root / "pallets" / "flask.git"))
    r = cli("collect", "--source", "git")
    assert r.code == 0 and ".github" not in r.err
    assert files_of(store, "pallets/flask") == {"contributing": ("docs/contributing.rst", None),
                                                "license": ("LICENSE.txt", None)}
    parts = json.loads(store.scalar("SELECT parts FROM collection_runs"))
    assert parts["org_defaults"]["status"] == "skipped" and parts["history"]["status"] == "ok"


def test_an_unreadable_org_repository_makes_a_partial_run_and_keeps_the_defaults_found_before(
        forge, store, db_path, tmp_path):
    clock = FakeClock(datetime(2026, 11, 1))
    project, _ = registry.add(store, "pallets/flask")
    options = {"clock": clock, "sleep": clock.sleep}
    (first,) = collect.collect(store, load(db_path), [project], ["git"], Progress(io.StringIO()), options)
    assert first.status == "ok"
    # the .github repository breaks (its objects are gone) and the API cannot be reached either
    forge.publish("pallets", ".github", {"SECURITY.md": "changed\n"}, when="2026-02-01")
    bare = forge.root / "pallets" / ".github.git"
    shutil.rmtree(bare / "objects")
    (bare / "objects").mkdir()
    cfg = Config(db_path=db_path, git_cache=tmp_path / "git-cache", github_web_url=forge.url,
                 github_api_url="http://127.0.0.1:9")
    out = io.StringIO()
    (second,) = collect.collect(store, cfg, [project], ["git"], Progress(out), options)
    # the clone cached by the first run still answers, but the run says it could not refresh it
    assert second.status == "partial", out.getvalue()
    assert "GitHub API" in second.failed["org_defaults"] and "cached earlier" in second.failed["org_defaults"]
    assert files_of(store, "pallets/flask")["security"] == ("SECURITY.md", "pallets/.github")
    assert store.scalar("SELECT content FROM repo_files WHERE kind = 'security'").startswith("# Security Policy")
    # without that cache: the part fails, the history is saved, the defaults stored before stay
    shutil.rmtree(tmp_path / "git-cache" / "pallets+.github.git")
    out = io.StringIO()
    (third,) = collect.collect(store, cfg, [project], ["git"], Progress(out), options)
    assert third.status == "partial" and "cannot clone" in third.failed["org_defaults"]
    assert "keeping the 3 default file(s) read from pallets/.github before" in out.getvalue()
    assert files_of(store, "pallets/flask")["security"] == ("SECURITY.md", "pallets/.github")
    assert sum(clock.slept) == 2 * (1 + 2 + 4 + 8 + 16)   # the API's retries, on the injected clock


def test_lookup_falls_back_to_the_contents_api(tmp_path):
    """git cannot reach the server: GitHub's contents API answers (a loopback fake), with the same
    choice of files as git would make; an owner GitHub has no .github for is 'none'."""
    clock = FakeClock(datetime(2026, 11, 1))
    with FakeGitHub(clock) as fake:
        fake.add(FakeRepo("pallets", ".github", 5, files={
            **org_files("pallets"), "docs/SECURITY.md": "shadowed by the root's\n",
            ".github/SUPPORT.md": "the .github folder comes first\n", "profile/README.md": "x\n"}))
        cfg = Config(db_path=tmp_path / "db", git_cache=tmp_path / "cache", github_web_url="http://127.0.0.1:9",
                     github_api_url=fake.api_url)
        out = io.StringIO()
        with RunSession(cfg, {"clock": clock, "sleep": clock.sleep}, Progress(out)) as run:
            session = GitSession(run)
            found = session.org_defaults("pallets", Progress(out))
            again = session.org_defaults("Pallets", Progress(out))     # owners are case-insensitive
            missing = session.org_defaults("acme", Progress(out))
        assert again is found
        assert (found.status, found.via) == (FOUND, "api") and (missing.status, missing.via) == (NONE, "api")
        got = {f.kind: (f.path, f.content, f.source_repo) for f in found.files}
        assert got["support"] == (".github/SUPPORT.md", "the .github folder comes first\n", "pallets/.github")
        assert got["security"][0] == "SECURITY.md"
        assert got["security"][1] == (DATA / "pallets" / "SECURITY.md").read_text(encoding="utf-8")
        assert sorted(got) == ["contributing", "funding_yml", "security", "support"]
        assert "git cannot reach it" in out.getvalue()
        contents_requests = [r.path for r in fake.log if "/contents" in r.path]
        assert len(contents_requests) == 3 + 4                          # 3 folders listed, 4 files read
        assert clock.slept == []


def test_lookup_without_any_way_to_the_org_repository_fails_with_both_reasons(tmp_path):
    clock = FakeClock(datetime(2026, 11, 1))
    cfg = Config(db_path=tmp_path / "db", git_cache=tmp_path / "cache", github_web_url="http://127.0.0.1:9",
                 github_api_url="http://127.0.0.1:9")
    with RunSession(cfg, {"clock": clock, "sleep": clock.sleep}, Progress(io.StringIO())) as run:
        got = lookup(cfg, "pallets", Progress(io.StringIO()), GitSession(run).github)
    assert got.status == FAILED and "cannot clone http://127.0.0.1:9/pallets/.github.git" in got.reason
    assert "GitHub API" in got.reason
